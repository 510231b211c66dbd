"""Ordering and running sums: ``sort``, ``argsort``, ``topk``, ``cumsum``.

Sorted values are read with ``take_along_dim``, so their gradient goes back to the positions
they came from. NaN sorts as the largest value, as in PyTorch; equal values keep their order.
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np

from ..backend import get_xp
from ..tensor import Tensor, record
from ._util import normalize_dim
from .array_api import array_api
from .keywords import numpy_aliases
from .reduce import accumulating
from .shape import take_along_dim

SortResult = namedtuple("SortResult", ["values", "indices"])  # torch.return_types.sort
TopkResult = namedtuple("TopkResult", ["values", "indices"])


def _order(x, d: int, descending: bool):
    """Indices that sort ``x`` along dim ``d`` (stable; NaN largest)."""
    xp = get_xp(x)
    moved = xp.moveaxis(x, d, -1)
    if descending:  # a reversed order that keeps equal values in place: sort a decreasing key
        keys = -moved if moved.dtype.kind == "f" else ~moved.astype("int64")
    else:
        keys = moved
    if moved.dtype.kind == "f" and xp is np:  # (CuPy's lexsort takes 1-D keys only)
        nan = xp.isnan(moved)
        idx = xp.lexsort((keys, ~nan if descending else nan), axis=-1)
    else:
        idx = xp.argsort(keys, axis=-1, kind="stable")
    return xp.moveaxis(idx, -1, d)


def argsort(
    input: Tensor, dim: int = -1, descending: bool = False, stable: bool = False, **aliases
) -> Tensor:
    """The indices (int64) that sort ``a`` along ``dim``. Always stable (``stable`` is there for
    PyTorch's signature)."""
    if aliases:
        dim = numpy_aliases("argsort", aliases, dim, dim_default=-1)[0]
    d = normalize_dim(dim, max(input._data.ndim, 1))
    if input._data.ndim == 0:
        return Tensor._make(get_xp(input._data).zeros((), dtype="int64"))
    return Tensor._make(_order(input._data, d, descending).astype("int64", copy=False))


def sort(
    input: Tensor, dim: int = -1, descending: bool = False, stable: bool = False, **aliases
) -> SortResult:
    """``(values, indices)``: ``a`` sorted along ``dim`` and where each value came from."""
    if aliases:
        dim = numpy_aliases("sort", aliases, dim, dim_default=-1)[0]
    if input._data.ndim == 0:
        return SortResult(input, argsort(input))
    idx = argsort(input, dim, descending)
    return SortResult(take_along_dim(input, idx, normalize_dim(dim, input._data.ndim)), idx)


def topk(
    input: Tensor, k: int, dim: int = -1, largest: bool = True, sorted: bool = True, **aliases
) -> TopkResult:
    """The ``k`` largest (or smallest) values along ``dim`` with their indices, largest first."""
    if aliases:
        dim = numpy_aliases("topk", aliases, dim, dim_default=-1)[0]
    d = normalize_dim(dim, max(input._data.ndim, 1))
    n = input._data.shape[d] if input._data.ndim else 1
    if not 0 <= k <= n:
        raise RuntimeError(f"topk: k ({k}) must be between 0 and the size of dim {dim} ({n})")
    if input._data.ndim == 0:
        return TopkResult(input, argsort(input))
    order = _order(input._data, d, largest)
    xp = get_xp(order)
    idx = Tensor._make(xp.take(order, xp.arange(k), axis=d).astype("int64", copy=False))
    return TopkResult(take_along_dim(input, idx, d), idx)


def cumsum(input: Tensor, dim: int | None = None, *, dtype=None, **aliases) -> Tensor:
    """Running sums along ``dim``; integers and bools sum as int64. The gradient of each input
    is the sum of the output's gradient from its position to the end."""
    if aliases:
        dim = numpy_aliases("cumsum", aliases, dim, dim_default=None)[0]
    if dim is None:
        raise TypeError('cumsum() missing 1 required positional arguments: "dim"')
    a = accumulating(input, dtype)
    x = a._data
    xp = get_xp(x)
    d = normalize_dim(dim, max(x.ndim, 1))
    if x.ndim == 0:
        return record(x.copy(), (a,), lambda g, needs: (g,), "CumsumBackward0", ())

    def backward(g, needs):
        xp = array_api(g)
        return (xp.flip(xp.cumsum(xp.flip(g, d), axis=d), d),)

    return record(xp.cumsum(x, axis=d), (a,), backward, "CumsumBackward0", ())
