"""Indexing: ``__getitem__``, ``index_select``, ``gather``, ``take_along_dim``, and the writes
``masked_fill`` and ``scatter_add`` (out of place).

Each VJP scatters the output's gradient back to the positions that were read, adding where
an index repeats.
"""
from __future__ import annotations

import numpy as np

from ..backend import get_xp
from ..backend import scatter_add as _add_at
from ..tensor import Tensor, record
from ._util import normalize_dim


def _is_basic(key) -> bool:
    """True when ``key`` holds only ints, slices, None and Ellipsis (no position can repeat)."""
    parts = key if isinstance(key, tuple) else (key,)
    return all(p is None or p is Ellipsis or isinstance(p, (int, slice)) and not isinstance(p, bool)
               for p in parts)


def _array_key(key, xp):
    """``key`` with tensors replaced by their arrays (and lists by arrays)."""
    if isinstance(key, Tensor):
        return key.data
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
    basic, advanced = [], []
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
    x = a.data
    xp = get_xp(x)
    basic = _is_basic(key)
    split = None
    if not basic:
        key = _array_key(key, xp)
        split = _ints_first(key)
    try:
        out = x[key] if split is None else x[split[0]][split[1]]
    except IndexError as err:
        raise IndexError(f"index {key!r} is invalid for a tensor of shape {tuple(x.shape)}: "
                         f"{err}") from None

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


def index_select(a: Tensor, dim: int, index: Tensor) -> Tensor:
    x = a.data
    xp = get_xp(x)
    d = normalize_dim(dim, x.ndim)
    idx = index.data if isinstance(index, Tensor) else xp.asarray(index)
    if idx.ndim > 1 or idx.dtype.kind not in "iu":
        raise IndexError(f"index_select(): index must be a 1-D integer tensor, got shape "
                         f"{tuple(idx.shape)} and dtype {idx.dtype}")
    out = xp.take(x, idx, axis=d)

    def backward(g, needs):
        grad = xp.zeros_like(x)
        _add_at(xp, xp.moveaxis(grad, d, 0), idx, xp.moveaxis(g, d, 0))
        return (grad,)
    return record(out, (a,), backward, "IndexSelectBackward0")


def _open_grid(shape: tuple, d: int, idx, xp) -> tuple:
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
    x = a.data
    xp = get_xp(x)
    d = normalize_dim(dim, x.ndim)
    idx = index.data if isinstance(index, Tensor) else xp.asarray(index)
    if idx.ndim != x.ndim:
        raise RuntimeError(f"gather(): index has {idx.ndim} dims but input has {x.ndim}")
    for axis in range(x.ndim):
        if axis != d and idx.shape[axis] > x.shape[axis]:
            raise RuntimeError(f"gather(): size of index {tuple(idx.shape)} exceeds the input "
                               f"{tuple(x.shape)} at dim {axis}")
    key = _open_grid(idx.shape, d, idx, xp)
    out = x[key]

    def backward(g, needs):
        grad = xp.zeros_like(x)
        _add_at(xp, grad, key, g)
        return (grad,)
    return record(out, (a,), backward, "GatherBackward0")


def take_along_dim(a: Tensor, indices: Tensor, dim: int | None = None) -> Tensor:
    """Values of ``a`` at ``indices`` along ``dim``, with ``a`` and ``indices`` broadcast in the
    other dims (flattened when ``dim`` is None). Composite: broadcast_to, then gather."""
    from .shape import broadcast_to, reshape  # noqa: PLC0415

    idx = indices.data if isinstance(indices, Tensor) else indices
    if dim is None:
        return gather(reshape(a, -1), 0, Tensor._make(idx.reshape(-1)))
    d = normalize_dim(dim, a.data.ndim)
    xp = get_xp(a.data)
    a_shape = list(a.data.shape)
    i_shape = list(idx.shape)
    a_shape[d] = i_shape[d] = 1
    common = list(xp.broadcast_shapes(tuple(a_shape), tuple(i_shape)))
    a_target, i_target = common.copy(), common.copy()
    a_target[d], i_target[d] = a.data.shape[d], idx.shape[d]
    return gather(broadcast_to(a, a_target), d, Tensor._make(xp.broadcast_to(idx, i_target)))


def masked_fill(a: Tensor, mask, value) -> Tensor:
    """``a`` with ``value`` (a number or a 0-d tensor, cast to ``a``'s dtype) where the bool
    ``mask`` (broadcast to ``a``) is True. Composite: ``where``."""
    from ._util import cast, constant  # noqa: PLC0415
    from .elementwise import where  # noqa: PLC0415

    m = mask.data if isinstance(mask, Tensor) else get_xp(a.data).asarray(mask)
    if m.dtype.kind != "b":
        raise RuntimeError(f"masked_fill only supports boolean masks, but got mask with dtype "
                           f"{m.dtype}")
    if isinstance(value, Tensor):
        if value.data.ndim != 0:
            raise RuntimeError(f"masked_fill only supports a 0-dimensional value tensor, but got "
                               f"tensor with {value.data.ndim} dimension(s)")
        fill = cast(value, a.data.dtype)
    else:
        fill = Tensor._make(constant(value, a).data.astype(a.data.dtype))
    try:
        shape = np.broadcast_shapes(m.shape, a.data.shape)  # (shapes only: NumPy's helper)
    except ValueError:
        shape = None
    if shape != tuple(a.data.shape):
        raise RuntimeError(f"masked_fill: a mask of shape {tuple(m.shape)} does not broadcast to "
                           f"the tensor's shape {tuple(a.data.shape)}")
    return where(Tensor._make(m), fill, a)


def scatter_add(a: Tensor, dim: int, index: Tensor, src: Tensor) -> Tensor:
    """A copy of ``a`` with ``src[i][j][k]`` added at ``[index[i][j][k]][j][k]`` (dim 0), and
    so on; repeated indices add up. Gradients: ``g`` for ``a``, ``g`` gathered at ``index``
    for ``src``."""
    from ._util import operands  # noqa: PLC0415

    x = a.data
    xp = get_xp(x)
    d = normalize_dim(dim, x.ndim)
    idx = index.data if isinstance(index, Tensor) else xp.asarray(index)
    if idx.ndim != x.ndim or idx.dtype.kind not in "iu":
        raise RuntimeError(f"scatter_add(): index must be an integer tensor with {x.ndim} dims, "
                           f"got shape {tuple(idx.shape)} and dtype {idx.dtype}")
    a, src = operands(a, src, "scatter_add")
    x, s = a.data, src.data
    for axis in range(x.ndim):
        if idx.shape[axis] > s.shape[axis] or axis != d and idx.shape[axis] > x.shape[axis]:
            raise RuntimeError(f"scatter_add(): index {tuple(idx.shape)} is larger than src "
                               f"{tuple(s.shape)} or than the input {tuple(x.shape)} at dim "
                               f"{axis}")
    key = _open_grid(idx.shape, d, idx, xp)
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
