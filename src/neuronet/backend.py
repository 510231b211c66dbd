"""Array modules and devices.

Every op takes its array namespace (``xp``) from the arrays it is given: NumPy for NumPy
arrays, CuPy for CuPy arrays. Nothing is chosen globally at import time, and CuPy is imported
only when a CUDA device is asked for.
"""

from __future__ import annotations

import sys

import numpy as np


def get_xp(array):
    """NumPy or CuPy: the module that owns ``array``."""
    if type(array) is np.ndarray:
        return np
    cupy = sys.modules.get("cupy")
    if cupy is not None and isinstance(array, cupy.ndarray):
        return cupy
    return np


# NumPy's ``dot`` without its ``__array_function__`` dispatch (a Python-level call per use).
# It is only handed NumPy arrays (``xp_and_dot`` and the ops give it for NumPy alone): the
# dispatch would find nothing.
numpy_dot = getattr(np.dot, "_implementation", np.dot)
_numpy_concatenate = getattr(np.concatenate, "_implementation", np.concatenate)  # (the same)


def xp_and_dot(array):
    """``(xp, xp.dot)`` for ``array``'s module; NumPy's dot comes without the dispatch layer (the
    2-D products of a training step are small enough for that call overhead to count)."""
    if type(array) is np.ndarray:
        return np, numpy_dot
    xp = get_xp(array)
    return xp, xp.dot  # (an ndarray subclass keeps NumPy's dispatch: neuronet.compile's tape)


def import_cupy():
    """Import CuPy, or explain how to get it."""
    try:
        import cupy  # noqa: PLC0415 - optional, imported only on request
    except ImportError as err:
        raise RuntimeError(
            "device='cuda' needs CuPy: install neuronet with the 'gpu' extra "
            "(pip install 'neuronet[gpu]') on a machine with an NVIDIA GPU"
        ) from err
    return cupy


class device:  # noqa: N801 - PyTorch's name
    """Where a tensor's data lives: ``device("cpu")``, ``device("cuda")``, ``device("cuda:1")``."""

    __slots__ = ("type", "index")
    type: str
    index: int | None

    def __init__(self, type: str | device, index: int | None = None) -> None:
        if isinstance(type, device):
            self.type, self.index = type.type, type.index
            return
        if not isinstance(type, str):
            raise TypeError(f"device: expected a string such as 'cpu' or 'cuda:0', got {type!r}")
        name = type
        if ":" in name:
            name, _, idx = name.partition(":")
            if not idx.isdigit() or index is not None:
                raise ValueError(f"device: expected 'cuda' or 'cuda:N', got {type!r}")
            index = int(idx)
        if name not in ("cpu", "cuda"):
            raise ValueError(f"device: expected 'cpu', 'cuda' or 'cuda:N', got {type!r}")
        if name == "cpu" and index not in (None, 0):
            raise ValueError(f"device: the CPU has no index {index}")
        self.type, self.index = name, (index if name == "cuda" else None)

    def __eq__(self, other) -> bool:
        if isinstance(other, str):
            other = device(other)
        if not isinstance(other, device):
            return NotImplemented
        return self.type == other.type and (self.index or 0) == (other.index or 0)

    def __hash__(self) -> int:
        return hash((self.type, self.index or 0))

    def __repr__(self) -> str:
        return (
            f"device(type='{self.type}')"
            if self.index is None
            else f"device(type='{self.type}', index={self.index})"
        )

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"


CPU = device("cpu")


def device_of(array) -> device:
    """The device that holds ``array``."""
    if type(array) is np.ndarray:
        return CPU
    xp = get_xp(array)
    if xp is np:
        return CPU
    return device("cuda", array.device.id)


def to_device(array, dev: device | str):
    """``array`` on device ``dev`` (a copy when it moves, the same array when it does not)."""
    dev = device(dev) if not isinstance(dev, device) else dev
    current = device_of(array)
    if current == dev:
        return array
    if dev.type == "cpu":
        return array.get()
    cupy = import_cupy()
    with cupy.cuda.Device(dev.index or 0):
        return cupy.asarray(array)


def scatter_add(xp, target, index, values) -> None:
    """``target[index] += values`` where repeated indices add up (in place)."""
    if xp is np:
        np.add.at(target, index, values)
    else:
        import cupyx  # noqa: PLC0415

        cupyx.scatter_add(target, index, values)


def scatter_extreme(xp, how: str, target, index, values) -> None:
    """``target[index] = how(target[index], values)`` with ``how`` 'max' or 'min', repeated
    indices all taking part (in place)."""
    if xp is np:
        (np.maximum if how == "max" else np.minimum).at(target, index, values)
    else:
        import cupyx  # noqa: PLC0415

        (cupyx.scatter_max if how == "max" else cupyx.scatter_min)(target, index, values)


# The caches below are made with these names, never with ``np.ones``/``np.arange`` as they are
# at the time of the call (``neuronet.compile``'s recording replaces those for its step).
_np_ones, _np_arange = np.ones, np.arange
_OFFSETS: dict = {}  # width -> the column offsets of many rows (NumPy only)
_MAX_CACHED_OFFSETS = 1 << 20  # entries; longer ones are made for the call
_ONES: dict = {}  # (length, dtype) -> a read-only vector of ones (NumPy only)


def sum_rows(xp, a):
    """The sum over the rows of a 2-D array (a bias gradient): ``a.sum(axis=0)``.

    On NumPy it is the product ``ones @ a``, which BLAS runs several times faster than NumPy's
    reduction over the leading axis for the small and medium arrays of a training step.
    """
    if xp is not np or a.dtype.kind != "f":
        return a.sum(axis=0)
    key = (a.shape[0], a.dtype)
    ones = _ONES.get(key)
    if ones is None:
        if len(_ONES) > 64:  # many lengths (varying batch sizes): start over
            _ONES.clear()
        ones = _np_ones(a.shape[0], dtype=a.dtype)
        ones.flags.writeable = False
        _ONES[key] = ones
    return (numpy_dot if type(a) is np.ndarray else np.dot)(ones, a)


def scatter_add_rows(xp, target, ids: list, values: list):
    """``target[i[...]] += v[..., :]`` for each pair ``(i, v)`` of ``zip(ids, values)``, with
    id arrays ``i`` and rows ``v`` shaped ``i.shape + (width,)``, into a C-contiguous 2-D
    ``target`` (repeats add up). Returns the row ids of all pairs, in order (1-D), and the
    flat positions (indices into ``target.reshape(-1)``) it added to: ``width`` per row id,
    row after row.

    Done as one 1-D ``add.at`` over flat element indices, which NumPy runs an order of
    magnitude faster than a row-wise ``add.at`` on a 2-D array: row id r, column j is flat
    position r * width + j, built from the ids repeated ``width`` times plus the column offsets.
    """
    width = target.shape[1]
    if len(ids) == 1:
        all_ids, flat_rows = ids[0].reshape(-1), values[0].reshape(-1)
    else:  # (axis=None: each flattened, then joined)
        plain = type(target) is np.ndarray and type(ids[0]) is type(values[0]) is np.ndarray
        join = _numpy_concatenate if plain else xp.concatenate  # (recorded arrays: dispatched)
        all_ids, flat_rows = join(ids, axis=None), join(values, axis=None)
    flat_ids = (all_ids * width).repeat(width)
    flat_ids += _column_offsets(xp, width, all_ids.shape[0])
    scatter_add(xp, target.reshape(-1), flat_ids, flat_rows)
    return all_ids, flat_ids


def _column_offsets(xp, width: int, n: int):
    """[0, 1, ..., width - 1] repeated n times (NumPy: one read-only array per width, sliced)."""
    if xp is not np or n * width > _MAX_CACHED_OFFSETS:
        return xp.tile(xp.arange(width), n)
    offsets = _OFFSETS.get(width)
    if offsets is None or offsets.shape[0] < n * width:
        offsets = np.tile(_np_arange(width), n)
        offsets.flags.writeable = False
        _OFFSETS[width] = offsets
    return offsets[: n * width]
