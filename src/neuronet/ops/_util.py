"""Shared helpers for ops: operands and dtype promotion, broadcasting, dims, and the dtype
rules that many ops share (float results for integer inputs, refusals for bools)."""

from __future__ import annotations

import numbers

import numpy as np

from .. import dtypes as _dt
from ..backend import get_xp
from ..tensor import Tensor
from .conversion import cast

_SCALARS = (numbers.Number, np.bool_)


def constant(value, like: Tensor) -> Tensor:
    """A Python/NumPy scalar or array as a constant tensor beside ``like`` (PyTorch's dtypes)."""
    xp = get_xp(like._data)
    if isinstance(value, _SCALARS):
        return Tensor._make(xp.asarray(value, dtype=_dt.scalar_dtype(value, like._data.dtype)))
    if isinstance(value, (list, tuple)):
        value = np.asarray(value)
        if value.dtype.kind == "f":
            value = value.astype(_dt.get_default_dtype())
    if hasattr(value, "__array__") or hasattr(value, "__cuda_array_interface__"):
        return Tensor._make(xp.asarray(value))
    raise TypeError(f"expected a Tensor, a number or an array, got {type(value).__name__}")


def operands(a, b, op: str) -> tuple:
    """Two operands as tensors of one dtype on one device (PyTorch's type promotion)."""
    if not isinstance(a, Tensor):
        a = constant(a, b)
    elif not isinstance(b, Tensor):
        b = constant(b, a)
    if type(a._data) is not type(b._data):
        raise RuntimeError(
            f"{op}: expected all tensors on the same device, got {a.device} and {b.device}"
        )
    da, db = a._data.dtype, b._data.dtype
    if da != db:
        dt = _dt.promote_types(da, a._data.ndim, db, b._data.ndim)
        if da != dt:
            a = cast(a, dt)
        if db != dt:
            b = cast(b, dt)
    return a, b


def as_tensor_arg(x, name: str) -> Tensor:
    if isinstance(x, Tensor):
        return x
    raise TypeError(f"{name}: expected a Tensor, got {type(x).__name__}")


def unbroadcast(g, shape: tuple):
    """Sum ``g`` down to ``shape``: the VJP of broadcasting."""
    if g.shape == shape:
        return g
    lead = g.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        i + lead for i, s in enumerate(shape) if s == 1 and g.shape[i + lead] != 1
    )
    if axes:
        g = g.sum(axes)  # (a tuple of axes, positionally: arrays and tensors alike)
    return g.reshape(shape)


def broadcast_error(op: str, a: Tensor, b: Tensor) -> RuntimeError:
    return RuntimeError(
        f"{op}: shapes {tuple(a._data.shape)} and {tuple(b._data.shape)} cannot be broadcast "
        "together"
    )


def normalize_dim(dim: int, ndim: int, name: str = "dim") -> int:
    """``dim`` as a non-negative axis of an ``ndim``-dimensional tensor (0-d tensors take 0/-1)."""
    n = max(ndim, 1)
    if not isinstance(dim, (int, np.integer)) or isinstance(dim, bool):
        raise TypeError(f"{name}: expected an int, got {dim!r}")
    if not -n <= dim < n:
        raise IndexError(
            f"{name}: dimension out of range (expected to be in range of "
            f"[{-n}, {n - 1}], but got {dim})"
        )
    return int(dim) % n


def normalize_dims(dim, ndim: int, name: str = "dim"):
    """``None`` (all dims) or a tuple of distinct non-negative axes."""
    if dim is None:
        return None
    dims = (dim,) if isinstance(dim, (int, np.integer)) else tuple(dim)
    if len(dims) == 0:
        return None
    axes = tuple(normalize_dim(d, ndim, name) for d in dims)
    if len(set(axes)) != len(axes):
        raise RuntimeError(f"{name}: dim {dim} appears multiple times in the list of dims")
    if ndim == 0:
        return None
    return axes


def floating(a: Tensor) -> Tensor:
    """``a``, in the default float dtype if it holds integers or bools: PyTorch's dtype for
    float-valued ops (exp, sin, sqrt, ...) of integer tensors."""
    if a._data.dtype.kind in "fc":
        return a
    return cast(a, _dt.get_default_dtype())


def no_bools(dtype, name: str) -> None:
    """PyTorch's refusal of ``name`` for bool tensors."""
    if dtype.kind == "b":
        raise NotImplementedError(f"{name}: not implemented for bool tensors")


def binary(a, b, name: str) -> tuple:
    """``a, b`` as tensors of one dtype on one device, and their arrays."""
    if isinstance(a, Tensor) and isinstance(b, Tensor):
        x, y = a._data, b._data
        if x.dtype == y.dtype and type(x) is type(y):  # nothing to convert: the usual case
            return a, b, x, y
    a, b = operands(a, b, name)
    return a, b, a._data, b._data
