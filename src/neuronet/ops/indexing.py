"""Indexing: ``__getitem__``, ``index_select``, ``gather``, the writes ``masked_fill`` and
``scatter_add`` (out of place), and ``__setitem__`` (in place).

Each VJP scatters the output's gradient back to the positions that were read, adding where
an index repeats.
"""

from __future__ import annotations

import numpy as np

from ..backend import get_xp
from ..backend import scatter_add as _add_at
from ..tensor import Tensor, record
from ._util import constant, normalize_dim, operands
from .arithmetic import where
from .conversion import cast
from .inplace import apply_inplace


def _is_basic(key) -> bool:
    """True when ``key`` holds only ints, slices, None and Ellipsis (no position can repeat)."""
    parts = key if isinstance(key, tuple) else (key,)
    return all(
        p is None or p is Ellipsis or isinstance(p, (int, slice)) and not isinstance(p, bool)
        for p in parts
    )


def _array_key(key, xp):
    """``key`` with tensors replaced by their arrays (and lists by arrays)."""
    if isinstance(key, Tensor):
        return key._data
    if isinstance(key, tuple):
        return tuple(_array_key(k, xp) for k in key)
    if isinstance(key, list):
        return xp.asarray(key)
    return key


def _ints_first(key) -> tuple | None:
    """PyTorch applies integer indices before index arrays (NumPy treats an integer among index
    arrays as one of them, which moves the result's dims): ``(basic, advanced)`` such that
    ``x[basic][advanced]`` is PyTorch's ``x[key]``, or None when ``key`` mixes no integer with
    an index array."""
    parts = key if isinstance(key, tuple) else (key,)
    if not any(isinstance(p, (int, np.integer)) and not isinstance(p, bool) for p in parts):
        return None
    basic: list = []
    advanced: list = []
    for p in parts:
        if isinstance(p, (int, np.integer)) and not isinstance(p, bool):
            basic.append(p)  # selects: leaves no dim behind
        elif p is None or p is Ellipsis or isinstance(p, slice):
            basic.append(p)
            advanced.append(Ellipsis if p is Ellipsis else slice(None))
        else:  # an index array (a bool mask spans as many dims as it has)
            basic.extend([slice(None)] * (p.ndim if p.dtype.kind == "b" else 1))
            advanced.append(p)
    return tuple(basic), tuple(advanced)


def getitem(a: Tensor, key) -> Tensor:
    x = a._data
    xp = get_xp(x)
    basic = _is_basic(key)
    split = None
    if not basic:
        key = _array_key(key, xp)
        split = _ints_first(key)
    try:
        out = x[key] if split is None else x[split[0]][split[1]]
    except IndexError as err:
        raise IndexError(
            f"index {key!r} is invalid for a tensor of shape {tuple(x.shape)}: {err}"
        ) from None

    def backward(g, needs):
        grad = xp.zeros_like(x)
        if basic:
            grad[key] = g
        elif split is None:
            _add_at(xp, grad, key, g)
        else:
            _add_at(xp, grad[split[0]], split[1], g)  # (grad[split[0]] is a view of grad)
        return (grad,)

    return record(out, (a,), backward, "IndexBackward0" if not basic else "SliceBackward0")


def setitem(a: Tensor, key, value) -> None:
    """``a[key] = value``, in place (``x[x < 0] = 0``), with PyTorch's placement of integers
    mixed with index arrays; like every in-place op it is refused on a tensor that autograd is
    tracking."""
    split = None
    if not _is_basic(key):
        key = _array_key(key, get_xp(a._data))
        split = _ints_first(key)

    def assign(x, v):
        if split is None:
            x[key] = v
        else:
            x[split[0]][split[1]] = v  # (x[split[0]] is a view of x)
        return x

    apply_inplace(a, assign, value)


def index_select(a: Tensor, dim: int, index: Tensor) -> Tensor:
    x = a._data
    xp = get_xp(x)
    d = normalize_dim(dim, x.ndim)
    idx = index._data if isinstance(index, Tensor) else xp.asarray(index)
    if idx.ndim > 1 or idx.dtype.kind not in "iu":
        raise IndexError(
            f"index_select(): index must be a 1-D integer tensor, got shape "
            f"{tuple(idx.shape)} and dtype {idx.dtype}"
        )
    out = xp.take(x, idx, axis=d)

    def backward(g, needs):
        grad = xp.zeros_like(x)
        _add_at(xp, xp.moveaxis(grad, d, 0), idx, xp.moveaxis(g, d, 0))
        return (grad,)

    return record(out, (a,), backward, "IndexSelectBackward0")


def open_grid(shape: tuple, d: int, idx, xp) -> tuple:
    """The advanced-index tuple that reads ``x[..., idx[...], ...]`` along dim ``d``."""
    grid = []
    for axis, n in enumerate(shape):
        if axis == d:
            grid.append(idx)
        else:
            view = [1] * len(shape)
            view[axis] = n
            grid.append(xp.arange(n).reshape(view))
    return tuple(grid)


def gather(a: Tensor, dim: int, index: Tensor) -> Tensor:
    """out[i][j][k] = a[index[i][j][k]][j][k] (dim 0), and so on; ``index`` may be smaller than
    ``a`` in the other dims."""
    x = a._data
    xp = get_xp(x)
    d = normalize_dim(dim, x.ndim)
    idx = index._data if isinstance(index, Tensor) else xp.asarray(index)
    if idx.ndim != x.ndim:
        raise RuntimeError(f"gather(): index has {idx.ndim} dims but input has {x.ndim}")
    for axis in range(x.ndim):
        if axis != d and idx.shape[axis] > x.shape[axis]:
            raise RuntimeError(
                f"gather(): size of index {tuple(idx.shape)} exceeds the input "
                f"{tuple(x.shape)} at dim {axis}"
            )
    key = open_grid(idx.shape, d, idx, xp)
    out = x[key]

    def backward(g, needs):
        grad = xp.zeros_like(x)
        _add_at(xp, grad, key, g)
        return (grad,)

    return record(out, (a,), backward, "GatherBackward0")


def masked_fill(a: Tensor, mask, value) -> Tensor:
    """``a`` with ``value`` (a number or a 0-d tensor, cast to ``a``'s dtype) where the bool
    ``mask`` (broadcast to ``a``) is True. Composite: ``where``."""
    m = mask._data if isinstance(mask, Tensor) else get_xp(a._data).asarray(mask)
    if m.dtype.kind != "b":
        raise RuntimeError(
            f"masked_fill only supports boolean masks, but got mask with dtype {m.dtype}"
        )
    if isinstance(value, Tensor):
        if value._data.ndim != 0:
            raise RuntimeError(
                f"masked_fill only supports a 0-dimensional value tensor, but got "
                f"tensor with {value._data.ndim} dimension(s)"
            )
        fill = cast(value, a._data.dtype)
    else:
        fill = Tensor._make(constant(value, a)._data.astype(a._data.dtype))
    try:
        shape = np.broadcast_shapes(m.shape, a._data.shape)  # (shapes only: NumPy's helper)
    except ValueError:
        shape = None
    if shape != tuple(a._data.shape):
        raise RuntimeError(
            f"masked_fill: a mask of shape {tuple(m.shape)} does not broadcast to "
            f"the tensor's shape {tuple(a._data.shape)}"
        )
    return where(Tensor._make(m), fill, a)


def scatter_add(a: Tensor, dim: int, index: Tensor, src: Tensor) -> Tensor:
    """A copy of ``a`` with ``src[i][j][k]`` added at ``[index[i][j][k]][j][k]`` (dim 0), and
    so on; repeated indices add up. Gradients: ``g`` for ``a``, ``g`` gathered at ``index``
    for ``src``."""
    x = a._data
    xp = get_xp(x)
    d = normalize_dim(dim, x.ndim)
    idx = index._data if isinstance(index, Tensor) else xp.asarray(index)
    if idx.ndim != x.ndim or idx.dtype.kind not in "iu":
        raise RuntimeError(
            f"scatter_add(): index must be an integer tensor with {x.ndim} dims, "
            f"got shape {tuple(idx.shape)} and dtype {idx.dtype}"
        )
    a, src = operands(a, src, "scatter_add")
    x, s = a._data, src._data
    for axis in range(x.ndim):
        if idx.shape[axis] > s.shape[axis] or axis != d and idx.shape[axis] > x.shape[axis]:
            raise RuntimeError(
                f"scatter_add(): index {tuple(idx.shape)} is larger than src "
                f"{tuple(s.shape)} or than the input {tuple(x.shape)} at dim "
                f"{axis}"
            )
    key = open_grid(idx.shape, d, idx, xp)
    picked = s[tuple(slice(0, n) for n in idx.shape)]
    out = x.copy()
    _add_at(xp, out, key, picked)

    def backward(g, needs):
        gs = None
        if needs[1]:
            gs = xp.zeros_like(s)
            gs[tuple(slice(0, n) for n in idx.shape)] = g[key]
        return (g if needs[0] else None, gs)

    return record(out, (a, src), backward, "ScatterAddBackward0")
