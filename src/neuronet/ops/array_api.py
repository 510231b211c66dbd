"""The functions a VJP computes with, for arrays and for tensors alike.

Every op's VJP is written once. A plain backward pass calls it on arrays, and it computes with
NumPy (CuPy on a GPU); a backward pass that records its own graph (``create_graph=True``) calls
the same VJP on tensors, and it computes with the differentiable ops of neuronet, so the
gradients it returns can be differentiated again. ``array_api(g)`` gives the namespace for the
gradient ``g``: the array module for an array, and this module's ``TENSOR_API`` for a tensor.

``TENSOR_API`` offers NumPy's names and signatures (``xp.sum(a, axis=..., keepdims=...)``,
``xp.where(c, a, b)``, ``xp.expand_dims(a, axis)``, ...) over neuronet's ops. Besides these
functions a VJP may use the operators (``+ - * / ** @``, unary ``-``, comparisons, which give
masks) and ``.shape``, ``.ndim``, ``.dtype``, ``.reshape(shape)``, ``.sum(axes)`` (a tuple of
axes, positionally) on its values: arrays and tensors share those.
"""

from __future__ import annotations

import sys
from types import SimpleNamespace
from typing import Any

import numpy as np

from ..backend import get_xp
from ..tensor import Tensor

_np_generic = np.generic


def array_api(g: Any) -> Any:
    """NumPy for a NumPy array, CuPy for a CuPy array, ``TENSOR_API`` for a tensor."""
    if isinstance(g, (np.ndarray, _np_generic)):  # (0-d products are NumPy scalars)
        return np
    if isinstance(g, Tensor):
        return TENSOR_API
    return get_xp(g)


def _ops() -> Any:
    return sys.modules["neuronet.ops"]


def _axes(axis) -> Any:
    return axis if axis is None or isinstance(axis, (tuple, list)) else (axis,)


def _sum(a, axis=None, keepdims: bool = False, dtype=None):
    out = _ops().sum(a, dim=_axes(axis), keepdim=keepdims) if axis is not None else a.sum()
    if keepdims and axis is None:
        out = out.reshape((1,) * a.ndim)
    return out if dtype is None else out.to(dtype)


def _mean(a, axis=None, keepdims: bool = False):
    return _ops().mean(a, dim=_axes(axis), keepdim=keepdims) if axis is not None else a.mean()


def _amax(a, axis=None, keepdims: bool = False):
    return _ops().amax(a, dim=() if axis is None else _axes(axis), keepdim=keepdims)


def _tensor(value, like) -> Tensor:
    if isinstance(value, Tensor):
        return value
    return Tensor._make(get_xp(like._data).asarray(value, dtype=like._data.dtype))


def _where(condition, a, b):
    first = a if isinstance(a, Tensor) else b if isinstance(b, Tensor) else condition
    return _ops().where(_tensor(condition, first), a, b)


def _zeros_like(a, dtype=None):
    x = a._data
    return Tensor._make(get_xp(x).zeros(x.shape, dtype=x.dtype if dtype is None else dtype))


def _ones_like(a, dtype=None):
    x = a._data
    return Tensor._make(get_xp(x).ones(x.shape, dtype=x.dtype if dtype is None else dtype))


def _transpose(a, axes=None):
    return _ops().permute(a, tuple(reversed(range(a.ndim))) if axes is None else tuple(axes))


def _broadcast_to(a, shape):
    return _ops().broadcast_to(a, tuple(shape))


def _expand_dims(a, axis):
    for ax in sorted(_axes(axis)):
        a = _ops().unsqueeze(a, ax)
    return a


def _swapaxes(a, axis1: int, axis2: int):
    return _ops().transpose(a, axis1, axis2)


def _clip(a, a_min=None, a_max=None):
    return _ops().clamp(a, a_min, a_max)


def _astype(a, dtype):
    return a.to(dtype)


def _lazy(name: str):
    """The neuronet op ``name``, looked up when called (this module loads before ``ops``)."""

    def call(*args, **kwargs):
        return getattr(_ops(), name)(*args, **kwargs)

    call.__name__ = name
    return call


TENSOR_API = SimpleNamespace(
    sum=_sum,
    mean=_mean,
    amax=_amax,
    max=_amax,
    where=_where,
    zeros_like=_zeros_like,
    ones_like=_ones_like,
    transpose=_transpose,
    broadcast_to=_broadcast_to,
    expand_dims=_expand_dims,
    swapaxes=_swapaxes,
    clip=_clip,
    astype=_astype,
    arcsin=_lazy("asin"),
    arccos=_lazy("acos"),
    arctan=_lazy("atan"),
    absolute=_lazy("abs"),
    abs=_lazy("abs"),
    **{
        name: _lazy(name)
        for name in (
            "exp exp2 expm1 log log2 log10 log1p sqrt sin cos tan sinh cosh tanh sign erf "
            "reciprocal square maximum minimum matmul reshape tril triu"
        ).split()
    },
)
TENSOR_API.newaxis = None


# NumPy's names for the structural and activation ops that the VJPs of activations, losses,
# embeddings and normalisation use.
def _moveaxis(a, source: int, destination: int):
    order = [i for i in range(a.ndim) if i != source % a.ndim]
    order.insert(destination % a.ndim, source % a.ndim)
    return _ops().permute(a, tuple(order))


def _scatter_into_zeros(shape, axis: int, index, src):
    """Zeros of ``shape`` with ``src`` added at ``index`` along ``axis`` (repeats add up), as
    ``scatter_add``; the functional form of ``zeros[open grid of index] += src``."""
    zeros = Tensor._make(get_xp(src._data).zeros(tuple(shape), dtype=src._data.dtype))
    return _ops().scatter_add(zeros, axis, index, src)


TENSOR_API.moveaxis = _moveaxis
TENSOR_API.scatter_into_zeros = _scatter_into_zeros
TENSOR_API.softmax = _lazy("softmax")
TENSOR_API.sigmoid = _lazy("sigmoid")


# NumPy's names for the shape, ordering and linear-algebra ops that their VJPs use.
def _split(a, indices, axis: int = 0):
    """NumPy's ``split`` at the positions ``indices`` (a list of ints) along ``axis``."""
    bounds = [0, *indices, a.shape[axis]]
    return list(_ops().split(a, [hi - lo for lo, hi in zip(bounds, bounds[1:])], axis))


def _flip(a, axis):
    return _ops().flip(a, axis)


def _roll(a, shift, axis):
    return _ops().roll(a, shift, axis)


def _cumsum(a, axis):
    return _ops().cumsum(a, axis)


def _einsum(subscripts: str, *operands, optimize=False):
    return _ops().einsum(subscripts, *operands)


TENSOR_API.split = _split
TENSOR_API.flip = _flip
TENSOR_API.roll = _roll
TENSOR_API.cumsum = _cumsum
TENSOR_API.einsum = _einsum
