"""Readers for the standard file formats of image-classification data: IDX and CSV."""

from __future__ import annotations

import gzip
import io
import math
import os
import zlib
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from numpy.typing import DTypeLike

_IDX_TYPES: dict[int, DTypeLike] = {
    0x08: np.uint8,
    0x09: np.int8,
    0x0B: ">i2",
    0x0C: ">i4",
    0x0D: ">f4",
    0x0E: ">f8",
}


class DataFormatError(ValueError):
    """A data file that does not hold what its format promises."""


#: The most data bytes an IDX file may declare (Fashion-MNIST's largest holds 47 MB).
MAX_IDX_BYTES = 1 << 30


def read_idx(path: str | os.PathLike, max_bytes: int = MAX_IDX_BYTES) -> np.ndarray:
    """An IDX file (as MNIST ships, optionally gzipped) as an array of its declared shape.

    The header (magic number, dimensions) is read first; a file whose header declares more
    than ``max_bytes`` of data, or whose data is not exactly what the header declares, is a
    ``DataFormatError``. A gzipped file is decompressed as a stream and never past the size
    its header declares, so a small file that inflates to gigabytes costs nothing."""
    path = Path(path)
    with open(path, "rb") as f:
        gz = f.read(2) == b"\x1f\x8b"
    try:
        with gzip.open(path, "rb") if gz else open(path, "rb") as f:
            return _read_idx_stream(f, str(path), max_bytes)
    except (EOFError, zlib.error, gzip.BadGzipFile) as err:
        raise DataFormatError(f"{path}: not a valid gzip file ({err})") from None


def _read_idx_stream(f: io.BufferedIOBase, where: str, max_bytes: int) -> np.ndarray:
    magic = f.read(4)
    if len(magic) < 4 or magic[0] != 0 or magic[1] != 0 or magic[2] not in _IDX_TYPES:
        raise DataFormatError(f"{where}: not an IDX file (bad magic number {magic!r})")
    ndim = magic[3]
    head = f.read(4 * ndim)
    if len(head) < 4 * ndim:
        raise DataFormatError(f"{where}: the IDX header ends before its {ndim} dimensions")
    dims = tuple(int(d) for d in np.frombuffer(head, ">u4"))
    dtype = np.dtype(_IDX_TYPES[magic[2]])
    need = math.prod(dims) * dtype.itemsize
    if need > max_bytes:
        raise DataFormatError(
            f"{where}: the header declares shape {dims} ({need:,} bytes), more than the "
            f"{max_bytes:,} bytes an IDX file may hold here"
        )
    data = f.read(need + 1)
    if len(data) != need:
        got = f"more than {need}" if len(data) > need else f"{len(data)}"
        raise DataFormatError(
            f"{where}: header declares shape {dims} ({need} bytes) but "
            f"the file holds {got} data bytes"
        )
    return np.frombuffer(data, dtype).reshape(dims).astype(dtype.newbyteorder("="))


def read_label_csv(source, image_shape: tuple = (28, 28)) -> tuple[np.ndarray, np.ndarray]:
    """A CSV of rows ``label, pixel1, ..., pixelN`` (an optional header line is skipped) as
    (images uint8 of ``image_shape``, labels int64)."""
    text = source.read() if hasattr(source, "read") else Path(source).read_bytes()
    if isinstance(text, str):
        text = text.encode()
    first = text[: text.find(b"\n")] if b"\n" in text else text
    skip = 0 if first[:1].isdigit() else 1
    try:
        table = np.loadtxt(io.BytesIO(text), delimiter=",", dtype=np.int64, skiprows=skip, ndmin=2)
    except ValueError as err:
        raise DataFormatError(f"CSV: expected integer rows 'label,pixel,...': {err}") from None
    n_pixels = int(np.prod(image_shape))
    if table.shape[1] != n_pixels + 1:
        raise DataFormatError(
            f"CSV: expected {n_pixels + 1} columns (a label and {n_pixels} "
            f"pixels), got {table.shape[1]}"
        )
    if table[:, 1:].min(initial=0) < 0 or table[:, 1:].max(initial=0) > 255:
        raise DataFormatError("CSV: pixel values must be in 0..255")
    return table[:, 1:].astype(np.uint8).reshape((-1,) + tuple(image_shape)), table[:, 0]
