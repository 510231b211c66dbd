"""Safe files: the safetensors format (tensors + a JSON header), written atomically.

Layout (https://github.com/huggingface/safetensors): 8 bytes little-endian header length N,
N bytes of JSON ``{name: {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__":
{str: str}}``, then the raw little-endian data. Reading parses JSON and copies bytes: it never
executes code. Writes go to a temporary file in the same folder, are flushed to disk, then
renamed over the target, so a crash leaves either the old file or the new one, never half.
"""

from __future__ import annotations

import json
import math
import os
import struct
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from .backend import to_device
from .tensor import Tensor

_CODES = {
    "F64": np.float64,
    "F32": np.float32,
    "F16": np.float16,
    "I64": np.int64,
    "I32": np.int32,
    "I16": np.int16,
    "I8": np.int8,
    "U8": np.uint8,
    "BOOL": np.bool_,
}
_NAMES = {np.dtype(v): k for k, v in _CODES.items()}
MAX_HEADER = 100 * 1024 * 1024


class CheckpointError(ValueError):
    """A file that is missing, truncated or not a valid neuronet/safetensors file."""


def atomic_write(path: str | os.PathLike, write: Callable[[Any], None], mode: str = "wb") -> None:
    """Call ``write(file)`` on a temporary file beside ``path``, then rename it to ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, mode) as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def atomic_write_text(path: str | os.PathLike, text: str) -> None:
    atomic_write(path, lambda f: f.write(text), mode="w")


def _host(value) -> np.ndarray:
    arr = np.asarray(to_device(value._data if isinstance(value, Tensor) else value, "cpu"))
    return arr if arr.flags.c_contiguous else arr.copy()  # (ascontiguousarray makes 0-d 1-d)


def save_file(
    tensors: dict[str, Any], path: str | os.PathLike, metadata: dict[str, str] | None = None
) -> None:
    """Write ``{name: tensor or array}`` (and string ``metadata``) as a safetensors file."""
    header: dict[str, Any] = {}
    arrays = []
    offset = 0
    for name in sorted(tensors):
        arr = _host(tensors[name])
        if arr.dtype not in _NAMES:
            raise TypeError(
                f"save_file: tensor '{name}' has dtype {arr.dtype}, which safetensors cannot store"
            )
        data = arr.astype(arr.dtype.newbyteorder("<"), copy=False)
        header[name] = {
            "dtype": _NAMES[arr.dtype],
            "shape": list(arr.shape),
            "data_offsets": [offset, offset + data.nbytes],
        }
        offset += data.nbytes
        arrays.append(data)
    if metadata:
        bad = [k for k, v in metadata.items() if not isinstance(v, str)]
        if bad:
            raise TypeError(f"save_file: metadata values must be strings; {bad} are not")
        header["__metadata__"] = metadata
    blob = json.dumps(header, separators=(",", ":")).encode()
    blob += b" " * (-len(blob) % 8)

    def write(f):
        f.write(struct.pack("<Q", len(blob)))
        f.write(blob)
        for arr in arrays:
            f.write(arr.tobytes())

    atomic_write(path, write)


def load_file(path: str | os.PathLike) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """Read a safetensors file: ``({name: array}, metadata)``. Raises ``CheckpointError``
    naming the file and the problem when it is missing, truncated or malformed."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"{path}: no such file")
    raw = path.read_bytes()
    if len(raw) < 8:
        raise CheckpointError(f"{path}: truncated file ({len(raw)} bytes): not a checkpoint")
    (n,) = struct.unpack("<Q", raw[:8])
    if n > MAX_HEADER or 8 + n > len(raw):
        raise CheckpointError(
            f"{path}: header length {n} exceeds the file size "
            f"({len(raw)} bytes): the file is truncated or corrupted"
        )
    try:
        header = json.loads(raw[8 : 8 + n])
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise CheckpointError(f"{path}: the header is not valid JSON ({err})") from None
    if not isinstance(header, dict):
        raise CheckpointError(f"{path}: the header is not a JSON object")
    metadata = header.pop("__metadata__", {}) or {}
    body = memoryview(raw)[8 + n :]
    out = {}
    for name, info in header.items():
        try:
            dtype = np.dtype(_CODES[info["dtype"]]).newbyteorder("<")
            shape = tuple(int(s) for s in info["shape"])
            begin, end = (int(v) for v in info["data_offsets"])
        except (KeyError, TypeError, ValueError):
            raise CheckpointError(f"{path}: entry '{name}' is malformed: {info!r}") from None
        if not 0 <= begin <= end <= len(body) or end - begin != math.prod(shape) * dtype.itemsize:
            raise CheckpointError(
                f"{path}: tensor '{name}' needs bytes {begin}..{end} of "
                f"{len(body)}: the file is truncated or corrupted"
            )
        out[name] = (
            np.frombuffer(body[begin:end], dtype=dtype)
            .reshape(shape)
            .astype(dtype.newbyteorder("="), copy=True)
        )
    return out, dict(metadata)


def save(obj: dict[str, Any], path: str | os.PathLike, metadata: dict | None = None) -> None:
    """Save a ``state_dict``-like mapping of tensors (plus JSON-able ``metadata``)."""
    save_file(obj, path, {"neuronet": json.dumps(metadata or {})})


def load(path: str | os.PathLike) -> tuple[dict[str, Tensor], dict]:
    """Load what ``save`` wrote: ``({name: Tensor}, metadata)``. Never executes code."""
    arrays, meta = load_file(path)
    try:
        extra = json.loads(meta.get("neuronet", "{}"))
    except json.JSONDecodeError as err:
        raise CheckpointError(f"{path}: metadata is not valid JSON ({err})") from None
    return {k: Tensor._make(v) for k, v in arrays.items()}, extra
