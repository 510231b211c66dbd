"""Safe files: ``neuronet.save``/``neuronet.load`` and the safetensors format under them.

**safetensors** (https://github.com/huggingface/safetensors): 8 bytes little-endian header
length N, N bytes of JSON ``{name: {"dtype", "shape", "data_offsets": [begin, end]},
"__metadata__": {str: str}}``, then the raw little-endian data, every byte of it belonging to
exactly one tensor. ``save_file``/``load_file`` write and read such a file as a flat
``{name: array}``; reading checks every entry of the header and never executes code.

**neuronet.save** stores any nesting of dicts (also ``OrderedDict``, ``Counter``), lists and
tuples of tensors, NumPy arrays and scalars, Python numbers, bools, ``None`` and strings — what
training scripts save: ``state_dict()``s of models and optimizers, an iteration number, a config
dict — as one safetensors file. The tensors are the file's tensors (named after where they sit,
``"optimizer/state/0/exp_avg"``, so other safetensors readers see sensible names); the
structure is a JSON description in the metadata entry ``"neuronet"``::

    {"format": "neuronet-save-1", "tensors": <count>, "metadata": {<user JSON>},
     "object": <node>}

A node is a JSON string, integer, finite float, ``true``/``false`` or ``null`` for itself, or
an object with one tag: ``{"tensor": name, "device": "cpu", "requires_grad": true,
"parameter": true}`` (the last two only when true), ``{"ndarray": name}``, ``{"numpy_scalar":
name}``, ``{"float": "nan" | "inf" | "-inf"}``, ``{"list": [node, ...]}``, ``{"tuple": [...]}``
and ``{"dict": [[key node, value node], ...], "type": "dict" | "OrderedDict" | "Counter"}``.
A tensor saved twice in one object is stored once and loads as one tensor, as in PyTorch; views
are stored as their own values (memory shared between different tensors is not kept). Loading
checks the description against the file — its JSON shape, every tag, that the tensors it names
are exactly the file's tensors — and raises one ``CheckpointError`` naming what is wrong.

Writes to a path go to a temporary file in the same folder, are flushed to disk, then renamed
over the target, so a crash leaves either the old file or the new one, never half of one.
"""

from __future__ import annotations

import collections
import io
import json
import math
import os
import struct
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import IO, Any

import numpy as np

from .backend import device, device_of, to_device
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
FORMAT = "neuronet-save-1"
MAX_DEPTH = 200  # nesting levels of a saved object (deeper ones are refused either way)

FileLike = str | os.PathLike | IO[bytes]
MapLocation = None | str | device | Mapping[str, str | device] | Callable[[Tensor, str], Any]


class CheckpointError(ValueError):
    """A file that is missing, truncated or not a valid neuronet/safetensors file."""


# ----------------------------------------------------------------------------- atomic writes
def _new_file_mode(path: Path) -> int:
    """The permissions ``open(path, 'w')`` would give: the file's own when it exists, else
    0o666 less the umask (a temporary file starts as 0o600)."""
    try:
        return path.stat().st_mode & 0o7777
    except OSError:
        mask = os.umask(0o022)
        os.umask(mask)
        return 0o666 & ~mask


def atomic_write(path: str | os.PathLike, write: Callable[[Any], None], mode: str = "wb") -> None:
    """Call ``write(file)`` on a temporary file ``.<name>.<random>.tmp`` beside ``path``, then
    rename it to ``path``; the file gets the permissions a plain write would give it. An
    ``OSError`` of the file system (a full disk, a read-only folder) names ``path``."""
    path = Path(path)
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, mode) as f:
            if hasattr(os, "fchmod"):
                os.fchmod(f.fileno(), _new_file_mode(path))
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException as err:
        if tmp is not None and os.path.exists(tmp):
            os.unlink(tmp)
        if isinstance(err, OSError) and err.errno is not None:
            raise OSError(err.errno, err.strerror, str(path)) from None
        raise


def atomic_write_text(path: str | os.PathLike, text: str) -> None:
    """Write ``text`` to ``path`` atomically as UTF-8 (see ``atomic_write``)."""
    data = text.encode("utf-8")
    atomic_write(path, lambda f: f.write(data))


# ----------------------------------------------------------------------------- safetensors
def _host(value) -> np.ndarray:
    arr = np.asarray(to_device(value._data if isinstance(value, Tensor) else value, "cpu"))
    return arr if arr.flags.c_contiguous else arr.copy()  # (ascontiguousarray makes 0-d 1-d)


def _safetensors_writer(
    tensors: Mapping[str, Any], metadata: Mapping[str, str] | None, caller: str
) -> Callable[[IO[bytes]], None]:
    """Check ``tensors`` and ``metadata`` and return the function that writes the file."""
    header: dict[str, Any] = {}
    arrays = []
    offset = 0
    for name in sorted(tensors):
        arr = _host(tensors[name])
        if arr.dtype not in _NAMES:
            raise TypeError(
                f"{caller}: tensor '{name}' has dtype {arr.dtype}, which safetensors cannot store"
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
            raise TypeError(f"{caller}: metadata values must be strings; {bad} are not")
        header["__metadata__"] = dict(metadata)
    blob = json.dumps(header, separators=(",", ":")).encode()
    blob += b" " * (-len(blob) % 8)

    def write(f: IO[bytes]) -> None:
        f.write(struct.pack("<Q", len(blob)))
        f.write(blob)
        for arr in arrays:
            f.write(arr.tobytes())

    return write


def _write(f: FileLike, write: Callable[[IO[bytes]], None], caller: str) -> None:
    if isinstance(f, (str, os.PathLike)):
        atomic_write(f, write)
    elif isinstance(f, io.TextIOBase) or not callable(getattr(f, "write", None)):
        raise TypeError(
            f"{caller}: f must be a path or a file opened in binary mode ('wb'), "
            f"got {type(f).__name__}"
        )
    else:
        write(f)


def save_file(
    tensors: dict[str, Any], path: str | os.PathLike, metadata: dict[str, str] | None = None
) -> None:
    """Write ``{name: tensor or array}`` (and string ``metadata``) as a safetensors file,
    atomically."""
    atomic_write(path, _safetensors_writer(tensors, metadata, "save_file"))


def _read(f: FileLike, caller: str) -> tuple[bytes, str]:
    """The bytes of ``f`` (a path, or a binary file from its position) and its name."""
    if isinstance(f, (str, os.PathLike)):
        path = Path(f)
        if not path.is_file():
            raise CheckpointError(f"{path}: no such file")
        try:
            return path.read_bytes(), str(path)
        except OSError as err:
            raise CheckpointError(f"{path}: cannot be read ({err.strerror})") from None
    if isinstance(f, io.TextIOBase) or not callable(getattr(f, "read", None)):
        raise TypeError(
            f"{caller}: f must be a path or a file opened in binary mode ('rb'), "
            f"got {type(f).__name__}"
        )
    raw = f.read()
    if not isinstance(raw, bytes):
        raise TypeError(
            f"{caller}: f must be opened in binary mode ('rb'); its read() gave "
            f"{type(raw).__name__}"
        )
    return raw, str(getattr(f, "name", "<file object>"))


def _is_count(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _parse_entry(where: str, name: str, info) -> tuple[np.dtype, tuple[int, ...], int, int]:
    if not isinstance(info, dict) or set(info) != {"dtype", "shape", "data_offsets"}:
        raise CheckpointError(
            f"{where}: entry '{name}' is malformed: expected an object with 'dtype', 'shape' "
            f"and 'data_offsets', got {info!r}"
        )
    code, shape, offsets = info["dtype"], info["shape"], info["data_offsets"]
    if not isinstance(code, str) or code not in _CODES:
        raise CheckpointError(
            f"{where}: tensor '{name}' has dtype {code!r}, which neuronet does not know "
            f"(known: {', '.join(sorted(_CODES))})"
        )
    if not isinstance(shape, list) or not all(_is_count(s) for s in shape):
        raise CheckpointError(
            f"{where}: tensor '{name}' has shape {shape!r}; expected a list of sizes >= 0"
        )
    if not isinstance(offsets, list) or len(offsets) != 2 or not all(map(_is_count, offsets)):
        raise CheckpointError(
            f"{where}: tensor '{name}' has data_offsets {offsets!r}; expected [begin, end]"
        )
    return np.dtype(_CODES[code]).newbyteorder("<"), tuple(shape), offsets[0], offsets[1]


def _parse(raw: bytes, where: str) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """Check and read the bytes of a safetensors file."""
    if len(raw) < 8:
        raise CheckpointError(f"{where}: truncated file ({len(raw)} bytes): not a checkpoint")
    if raw[:4] == b"PK\x03\x04":
        raise CheckpointError(
            f"{where}: a zip archive (such as a torch.save file), not a safetensors file; "
            "neuronet never unpickles: convert it with PyTorch to a state_dict of tensors "
            "and save that with safetensors"
        )
    (n,) = struct.unpack("<Q", raw[:8])
    if n > MAX_HEADER or 8 + n > len(raw):
        raise CheckpointError(
            f"{where}: header length {n} exceeds the file size ({len(raw)} bytes): not a "
            "safetensors file, or the file is truncated or corrupted"
        )
    header = _header(bytes(raw[8 : 8 + n]), where)
    metadata = header.pop("__metadata__", None) or {}
    if not isinstance(metadata, dict) or not all(isinstance(v, str) for v in metadata.values()):
        raise CheckpointError(f"{where}: '__metadata__' must map strings to strings")
    body = memoryview(raw)[8 + n :]
    entries = {name: _parse_entry(where, name, info) for name, info in header.items()}
    end_of_previous, previous = 0, None
    for name, (dtype, shape, begin, end) in sorted(entries.items(), key=lambda e: e[1][2:]):
        if not begin <= end <= len(body):
            raise CheckpointError(
                f"{where}: tensor '{name}' needs bytes {begin}..{end} of "
                f"{len(body)}: the file is truncated or corrupted"
            )
        if end - begin != math.prod(shape) * dtype.itemsize:
            raise CheckpointError(
                f"{where}: tensor '{name}' has {end - begin} bytes, but dtype {dtype.name} "
                f"and shape {list(shape)} need {math.prod(shape) * dtype.itemsize}"
            )
        if begin != end_of_previous:
            raise CheckpointError(
                f"{where}: tensor '{name}' starts at byte {begin}, but "
                + (
                    f"tensor '{previous}' ends at {end_of_previous}"
                    if previous
                    else "data starts at 0"
                )
                + ": tensors overlap or leave a gap (the file is corrupted)"
            )
        end_of_previous, previous = end, name
    if end_of_previous != len(body):
        raise CheckpointError(
            f"{where}: the data section has {len(body)} bytes, the tensors cover "
            f"{end_of_previous}: the file is corrupted"
        )
    out = {
        name: np.frombuffer(body[begin:end], dtype=dtype)
        .reshape(shape)
        .astype(dtype.newbyteorder("="), copy=True)
        for name, (dtype, shape, begin, end) in entries.items()
    }
    return out, dict(metadata)


def _header(blob: bytes, where: str) -> dict:
    """The JSON object of a header as the format has it: UTF-8 text that begins with '{',
    one JSON object without duplicate keys, then only spaces (0x20) as padding."""
    try:
        text = blob.decode("utf-8")
    except UnicodeDecodeError as err:
        raise CheckpointError(
            f"{where}: the header is not UTF-8 text (byte {err.start} is {blob[err.start]:#x})"
        ) from None
    if not text.startswith("{"):
        raise CheckpointError(f"{where}: the header is not a JSON object (it must begin with '{{')")
    decoder = json.JSONDecoder(parse_constant=_no_constant, object_pairs_hook=_unique_keys)
    try:
        header, end = decoder.raw_decode(text)
    except RecursionError:
        raise CheckpointError(f"{where}: the header nests too deeply to be a header") from None
    except ValueError as err:
        raise CheckpointError(f"{where}: the header is not valid JSON ({err})") from None
    if text[end:].strip(" "):
        raise CheckpointError(
            f"{where}: the header has {len(text) - end} bytes after its JSON object that are "
            "not space padding"
        )
    return header


def _unique_keys(pairs: list) -> dict:
    keys = [k for k, _ in pairs]
    if len(set(keys)) != len(keys):
        duplicates = sorted({k for k in keys if keys.count(k) > 1})
        raise ValueError(f"duplicate keys {duplicates[:5]}")
    return dict(pairs)


def _no_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def load_file(path: FileLike) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """Read a safetensors file: ``({name: array}, metadata)``. Raises ``CheckpointError``
    naming the file and the problem when it is missing, truncated or malformed."""
    return _parse(*_read(path, "load_file"))


# ----------------------------------------------------------------------------- save
class _Encoder:
    """Turns an object into a JSON node and the ``{name: array}`` it refers to."""

    def __init__(self) -> None:
        self.arrays: dict[str, np.ndarray] = {}
        self.names: dict[int, str] = {}  # id(tensor) -> its name, so it is stored once
        self.keep: list[Any] = []  # the tensors named, alive until the file is written
        self.open: set[int] = set()  # containers being encoded (to refuse cycles)

    def array(self, value, path: str, parts: tuple) -> str:
        if id(value) in self.names:
            return self.names[id(value)]
        arr = _host(value)
        if arr.dtype not in _NAMES:
            raise TypeError(
                f"save: the tensor at {path} has dtype {arr.dtype}, which neuronet files "
                f"cannot store (they store {', '.join(sorted(str(d) for d in _NAMES))})"
            )
        name = "/".join(str(p) for p in parts) or "tensor"
        base, n = name, 1
        while name in self.arrays:
            n += 1
            name = f"{base}#{n}"
        self.arrays[name] = arr
        self.names[id(value)] = name
        self.keep.append(value)
        return name

    def node(self, value, path: str = "obj", parts: tuple = (), depth: int = 0) -> Any:
        if depth > MAX_DEPTH:
            raise ValueError(f"save: the object nests deeper than {MAX_DEPTH} levels at {path}")
        if value is None or isinstance(value, (bool, str)):
            return value
        if isinstance(value, int):
            return int(value)
        if isinstance(value, float):
            if math.isfinite(value):
                return float(value)
            return {"float": "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")}
        if isinstance(value, Tensor):
            out: dict[str, Any] = {
                "tensor": self.array(value, path, parts),
                "device": str(value.device),
            }
            if value.requires_grad:
                out["requires_grad"] = True
            if type(value).__name__ == "Parameter":
                out["parameter"] = True
            return out
        if isinstance(value, np.ndarray):
            return {"ndarray": self.array(value, path, parts)}
        if isinstance(value, np.generic):
            return {"numpy_scalar": self.array(np.asarray(value), path, parts)}
        kind = _CONTAINERS.get(type(value))
        if kind is None:
            raise TypeError(
                f"save: cannot store {type(value).__name__} at {path}: neuronet files hold "
                "tensors, NumPy arrays, Python numbers, bools, None, strings and lists, "
                "tuples and dicts of them (never pickled objects)"
            )
        if id(value) in self.open:
            raise ValueError(f"save: the object contains itself at {path}")
        self.open.add(id(value))
        try:
            if kind in ("list", "tuple"):
                return {
                    kind: [
                        self.node(v, f"{path}[{i}]", (*parts, i), depth + 1)
                        for i, v in enumerate(value)
                    ]
                }
            items = []
            for k, v in value.items():
                where = f"{path}[{k!r}]"
                if not _is_key(k):
                    raise TypeError(
                        f"save: the dict key {k!r} at {path} is a {type(k).__name__}; keys "
                        "must be strings, numbers, bools, None or tuples of them"
                    )
                items.append(
                    [
                        self.node(k, where, parts, depth + 1),
                        self.node(v, where, (*parts, k), depth + 1),
                    ]
                )
            return {"dict": items, "type": kind}
        finally:
            self.open.discard(id(value))


_CONTAINERS: dict[type, str] = {
    list: "list",
    tuple: "tuple",
    dict: "dict",
    collections.OrderedDict: "OrderedDict",
    collections.Counter: "Counter",
}
_DICT_TYPES: dict[str, Callable[[list], Any]] = {
    "dict": dict,
    "OrderedDict": collections.OrderedDict,
    "Counter": lambda items: collections.Counter(dict(items)),  # (pairs would be counted)
}


def _is_key(k) -> bool:
    if k is None or isinstance(k, (bool, int, float, str)):
        return True
    return type(k) is tuple and all(_is_key(v) for v in k)


def save(obj: Any, f: FileLike, metadata: Mapping[str, Any] | None = None) -> None:
    """Save ``obj`` to ``f`` (a path, written atomically, or a binary file object, written at
    its position), as ``torch.save``: any nesting of dicts (``OrderedDict``, ``Counter``),
    lists and tuples of tensors, NumPy arrays and scalars, Python numbers, bools, ``None`` and
    strings. ``metadata`` (a JSON-able dict) is stored beside it; ``neuronet.serialization.load``
    returns it. Raises ``TypeError`` naming the place of anything else (nothing is pickled)."""
    if metadata is not None and not isinstance(metadata, Mapping):
        raise TypeError(f"save: metadata must be a dict, got {type(metadata).__name__}")
    encoder = _Encoder()
    node = encoder.node(obj)
    try:
        extra = json.loads(json.dumps(dict(metadata or {}), allow_nan=False))
    except (TypeError, ValueError) as err:
        raise TypeError(f"save: metadata must be JSON-able ({err})") from None
    description = {
        "format": FORMAT,
        "tensors": len(encoder.arrays),
        "metadata": extra,
        "object": node,
    }
    text = json.dumps(description, separators=(",", ":"), allow_nan=False)
    _write(f, _safetensors_writer(encoder.arrays, {"neuronet": text}, "save"), "save")


# ----------------------------------------------------------------------------- load
class _Decoder:
    """Rebuilds the object of a description, checking every node against the file."""

    def __init__(self, where: str, arrays: dict[str, np.ndarray], place: Callable) -> None:
        self.where, self.arrays, self.place = where, arrays, place
        self.used: dict[str, Any] = {}

    def fail(self, path: str, what: str) -> CheckpointError:
        return CheckpointError(f"{self.where}: the description is malformed at {path}: {what}")

    def array(self, name, path: str) -> np.ndarray:
        if not isinstance(name, str) or name not in self.arrays:
            raise self.fail(path, f"it names tensor {name!r}, which the file does not hold")
        return self.arrays[name]

    def node(self, node, path: str = "obj", depth: int = 0) -> Any:
        if depth > MAX_DEPTH:
            raise self.fail(path, f"it nests deeper than {MAX_DEPTH} levels")
        if node is None or isinstance(node, (bool, int, float, str)):
            return node
        if not isinstance(node, dict):
            raise self.fail(path, f"expected a value or a tagged object, got {node!r:.80}")
        tags = [t for t in _TAGS if t in node]
        if len(tags) != 1 or not set(node) <= _TAGS[tags[0]]:
            raise self.fail(path, f"expected one known tag ({', '.join(_TAGS)}), got {node!r:.80}")
        tag = tags[0]
        value = node[tag]
        if tag == "tensor":
            return self.tensor(node, path)
        if tag in ("ndarray", "numpy_scalar"):
            if value in self.used:
                return self.used[value]
            arr = self.array(value, path)
            if tag == "numpy_scalar":
                if arr.ndim != 0:
                    raise self.fail(path, f"a NumPy scalar of shape {list(arr.shape)}")
                arr = arr[()]
            self.used[value] = arr
            return arr
        if tag == "float":
            if value not in ("nan", "inf", "-inf"):
                raise self.fail(path, f"float {value!r}; expected 'nan', 'inf' or '-inf'")
            return float(value)
        if tag in ("list", "tuple"):
            if not isinstance(value, list):
                raise self.fail(path, f"'{tag}' holds {type(value).__name__}, not a list")
            items = [self.node(v, f"{path}[{i}]", depth + 1) for i, v in enumerate(value)]
            return items if tag == "list" else tuple(items)
        return self.mapping(node, path, depth)

    def mapping(self, node: dict, path: str, depth: int) -> Any:
        kind = node.get("type", "dict")
        if kind not in _DICT_TYPES:
            raise self.fail(path, f"dict type {kind!r}; expected one of {', '.join(_DICT_TYPES)}")
        pairs = node["dict"]
        if not isinstance(pairs, list) or not all(
            isinstance(p, list) and len(p) == 2 for p in pairs
        ):
            raise self.fail(path, "'dict' must hold a list of [key, value] pairs")
        items = []
        for k, v in pairs:
            key = self.node(k, f"{path}[key]", depth + 1)
            if not _is_key(key):
                raise self.fail(path, f"the dict key {key!r:.80} is not a string, number or tuple")
            items.append((key, self.node(v, f"{path}[{key!r}]", depth + 1)))
        return _DICT_TYPES[kind](items)

    def tensor(self, node: dict, path: str) -> Tensor:
        name, saved = node["tensor"], node.get("device", "cpu")
        if name in self.used:
            return self.used[name]
        arr = self.array(name, path)
        try:
            location = str(device(saved))
        except (TypeError, ValueError):
            raise self.fail(path, f"device {saved!r}; expected 'cpu' or 'cuda:N'") from None
        flags = [node.get("requires_grad", False), node.get("parameter", False)]
        if not all(isinstance(b, bool) for b in flags):
            raise self.fail(path, "'requires_grad' and 'parameter' must be true or false")
        requires_grad, parameter = flags
        if requires_grad and arr.dtype.kind != "f":
            raise self.fail(path, f"a {arr.dtype} tensor cannot require grad")
        t = self.place(Tensor._make(arr), location)
        if parameter:
            from .nn.parameter import Parameter  # noqa: PLC0415 - nn imports this module's users

            t = Parameter(t, requires_grad=requires_grad)
        elif requires_grad:
            t = Tensor._make(t._data, requires_grad=True)
        self.used[name] = t
        return t


_TAGS: dict[str, set[str]] = {
    "tensor": {"tensor", "device", "requires_grad", "parameter"},
    "ndarray": {"ndarray"},
    "numpy_scalar": {"numpy_scalar"},
    "float": {"float"},
    "list": {"list"},
    "tuple": {"tuple"},
    "dict": {"dict", "type"},
}


def _placer(map_location: MapLocation) -> Callable[[Tensor, str], Tensor]:
    """``place(cpu_tensor, saved_location)``: the tensor where ``map_location`` sends it."""

    def move(t: Tensor, target) -> Tensor:
        target = device(target)
        if target.type == "cuda":
            from . import cuda  # noqa: PLC0415

            if not cuda.is_available():
                raise RuntimeError(
                    f"load: a tensor is to go to {target}, but neuronet.cuda.is_available() "
                    "is False. On a machine without a GPU, load with map_location='cpu'"
                )
        return t if device_of(t._data) == target else Tensor._make(to_device(t._data, target))

    if map_location is None:
        return move
    if isinstance(map_location, (str, device)):
        where = device(map_location)
        return lambda t, _saved: move(t, where)
    if isinstance(map_location, Mapping):
        table = {str(device(k)): device(v) for k, v in map_location.items()}
        return lambda t, saved: move(t, table.get(saved, saved))
    if callable(map_location):
        fn = map_location

        def call(t: Tensor, saved: str) -> Tensor:
            out = fn(t, saved)
            if out is None:
                return move(t, saved)
            if not isinstance(out, Tensor):
                raise TypeError(
                    f"load: map_location returned {type(out).__name__}; expected a Tensor or None"
                )
            return out

        return call
    raise TypeError(
        "load: map_location must be None, a device or its name, a dict of device names "
        f"or a function, got {type(map_location).__name__}"
    )


def load(
    f: FileLike, map_location: MapLocation = None, weights_only: bool = True
) -> tuple[Any, dict]:
    """``(obj, metadata)`` of a file written by ``neuronet.save`` (``neuronet.load`` returns
    ``obj`` alone). Tensors come back as neuronet Tensors with their dtype, shape,
    ``requires_grad`` and ``Parameter`` type; a tensor saved twice comes back as one.

    ``map_location`` as ``torch.load``: ``None`` puts each tensor on the device it was saved
    from; a device or its name (``'cpu'``, ``'cuda:1'``) puts all there; a dict maps saved
    device names to new ones (``{'cuda:1': 'cuda:0'}``; others stay); a function is called as
    ``fn(tensor_on_cpu, saved_device_name)`` and returns the tensor to use, or ``None`` for
    the default. A CUDA target without a usable GPU raises ``RuntimeError``.

    Loading never executes code whatever ``weights_only`` says (no pickle anywhere); the flag
    is accepted for PyTorch's signature. A file that is missing, not one of ours or malformed
    raises one ``CheckpointError`` naming the file and what is wrong."""
    if not isinstance(weights_only, bool):
        raise TypeError(f"load: weights_only must be True or False, got {weights_only!r}")
    raw, where = _read(f, "load")
    arrays, meta = _parse(raw, where)
    description = _description(meta, where)
    got = len(arrays)
    if description["tensors"] != got:
        raise CheckpointError(
            f"{where}: the description lists {description['tensors']} tensors, the file "
            f"holds {got}: the file is corrupted"
        )
    decoder = _Decoder(where, arrays, _placer(map_location))
    obj = decoder.node(description["object"])
    unused = sorted(set(arrays) - set(decoder.used))
    if unused:
        raise CheckpointError(
            f"{where}: the file holds tensors the description never names: {unused[:5]}"
        )
    return obj, description["metadata"]


def load_object(f: FileLike, map_location: MapLocation = None, weights_only: bool = True) -> Any:
    """``torch.load``: the object a file written by ``neuronet.save`` holds (see ``load``,
    which also returns the metadata). Never executes code."""
    return load(f, map_location=map_location, weights_only=weights_only)[0]


def _description(meta: dict[str, str], where: str) -> dict:
    if "neuronet" not in meta:
        raise CheckpointError(
            f"{where}: not a file written by neuronet.save (its safetensors metadata has no "
            "'neuronet' entry); neuronet.serialization.load_file reads plain safetensors files"
        )
    try:
        description = json.loads(meta["neuronet"], parse_constant=_no_constant)
    except (ValueError, RecursionError) as err:
        raise CheckpointError(
            f"{where}: the 'neuronet' metadata is not valid JSON ({err})"
        ) from None
    if not isinstance(description, dict):
        raise CheckpointError(f"{where}: the 'neuronet' metadata is not a JSON object")
    fmt = description.get("format")
    if fmt == "neuronet-checkpoint-1":
        raise CheckpointError(
            f"{where}: a neuronet training checkpoint, not a neuronet.save file: read it "
            "with neuronet.training.checkpoint.load_checkpoint"
        )
    if fmt != FORMAT:
        raise CheckpointError(f"{where}: unknown format {fmt!r}; expected {FORMAT!r}")
    missing = {"tensors", "metadata", "object"} - set(description)
    if missing:
        raise CheckpointError(f"{where}: the description lacks {sorted(missing)}")
    if not _is_count(description["tensors"]) or not isinstance(description["metadata"], dict):
        raise CheckpointError(
            f"{where}: the description's 'tensors' must be a count and 'metadata' an object"
        )
    return description
