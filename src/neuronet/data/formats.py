"""Readers for the standard file formats of image-classification data: IDX and CSV."""

from __future__ import annotations

import gzip
import io
import os
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


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """An IDX file (as MNIST ships, optionally gzipped) as an array of its declared shape."""
    path = Path(path)
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_TYPES:
        raise DataFormatError(f"{path}: not an IDX file (bad magic number {raw[:4]!r})")
    ndim = raw[3]
    dims = tuple(int(d) for d in np.frombuffer(raw, ">u4", count=ndim, offset=4))
    dtype = np.dtype(_IDX_TYPES[raw[2]])
    need = int(np.prod(dims)) * dtype.itemsize
    start = 4 + 4 * ndim
    if len(raw) - start != need:
        raise DataFormatError(
            f"{path}: header declares shape {dims} ({need} bytes) but "
            f"the file holds {len(raw) - start} data bytes"
        )
    return np.frombuffer(raw, dtype, offset=start).reshape(dims).astype(dtype.newbyteorder("="))


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
