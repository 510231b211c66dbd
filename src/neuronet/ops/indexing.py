"""Indexing: ``__getitem__``, ``index_select``, ``gather``, the writes ``masked_fill`` and
``scatter_add`` and ``index_put`` (what ``__setitem__``, in ``ops.inplace``, computes).

Each VJP scatters the output's gradient back to the positions that were read, adding where
an index repeats.
"""

from __future__ import annotations

import numpy as np

from ..backend import get_xp
from ..backend import scatter_add as _add_at
from ..tensor import Tensor, record
from ._util import constant, normalize_dim, operands, unbroadcast
from .arithmetic import where
from .conversion import cast


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


def _read(x, key, split):
    """``x[key]`` with PyTorch's placement of integers among index arrays."""
    return x[key] if split is None else x[split[0]][split[1]]


def _scatter_array(g, shape: tuple, key, split, basic: bool):
    """Zeros of ``shape`` with ``g`` added at ``key`` (repeated positions add up): the
    adjoint of ``_read``."""
    xp = get_xp(g)
    grad = xp.zeros(shape, dtype=g.dtype)
    if basic:
        grad[key] = g
    elif split is None:
        _add_at(xp, grad, key, g)
    else:
        _add_at(xp, grad[split[0]], split[1], g)  # (grad[split[0]] is a view of grad)
    return grad


def _index(a: Tensor, key, split, basic: bool) -> Tensor:
    """``a[key]`` for a key already made of arrays (``getitem``'s work after its checks)."""
    x = a._data
    try:
        out = _read(x, key, split)
    except IndexError as err:
        raise IndexError(
            f"index {key!r} is invalid for a tensor of shape {tuple(x.shape)}: {err}"
        ) from None
    shape = x.shape

    def backward(g, needs):
        if isinstance(g, Tensor):  # (a recorded backward pass: the scatter as an op)
            return (_scatter(g, shape, key, split, basic),)
        return (_scatter_array(g, shape, key, split, basic),)

    return record(out, (a,), backward, "SliceBackward0" if basic else "IndexBackward0", ())


def _scatter(g: Tensor, shape: tuple, key, split, basic: bool) -> Tensor:
    """``_scatter_array`` as a differentiable op (its gradient reads ``key`` again)."""

    def backward(gg, needs):
        if isinstance(gg, Tensor):
            return (_index(gg, key, split, basic),)
        return (_read(gg, key, split),)

    out = _scatter_array(g._data, shape, key, split, basic)
    return record(out, (g,), backward, "IndexPutBackward0", ())


def _prepared(key, x) -> tuple:
    """``(key, split, basic)``: the key with its tensors and lists as arrays, PyTorch's split of
    integers among index arrays (``_ints_first``), and whether the key is basic."""
    if _is_basic(key):
        return key, None, True
    key = _array_key(key, get_xp(x))
    return key, _ints_first(key), False


def getitem(a: Tensor, key) -> Tensor:
    key, split, basic = _prepared(key, a._data)
    return _index(a, key, split, basic)


def index_put(a: Tensor, key, value) -> Tensor:
    """A copy of ``a`` with ``value`` (broadcast, cast to ``a``'s dtype) written at ``key``:
    what ``a[key] = value`` computes (``setitem``). Gradients: ``g`` with the written region
    zeroed for ``a``, ``g[key]`` (summed down to ``value``'s shape) for ``value``."""
    x = a._data
    key, split, basic = _prepared(key, x)
    if not isinstance(value, Tensor):
        value = constant(value, a)
    if value._data.dtype != x.dtype:
        value = cast(value, x.dtype)
    out = x.copy()
    try:
        if split is None:
            out[key] = value._data
        else:
            out[split[0]][split[1]] = value._data
    except (IndexError, ValueError) as err:
        raise type(err)(f"index {key!r} of a tensor of shape {tuple(x.shape)}: {err}") from None
    vshape = value._data.shape

    def backward(g, needs):
        ga = gv = None
        if isinstance(g, Tensor):
            picked = _index(g, key, split, basic)
            if needs[0]:
                ga = index_put(g, key, 0.0)
        else:
            picked = _read(g, key, split)
            if needs[0]:
                ga = g.copy()
                if split is None:
                    ga[key] = 0
                else:
                    ga[split[0]][split[1]] = 0
        if needs[1]:
            if len(vshape) > picked.ndim:  # (leading 1s that the assignment dropped)
                picked = picked.reshape((1,) * (len(vshape) - picked.ndim) + tuple(picked.shape))
            gv = unbroadcast(picked, vshape)
        return ga, gv

    name = "CopySlices" if basic else "IndexPutBackward0"
    return record(out, (a, value), backward, name, ())


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
    key = (slice(None),) * d + (idx,)
    shape = x.shape

    def backward(g, needs):
        if isinstance(g, Tensor):
            return (_scatter(g, shape, key, None, False),)
        grad = xp.zeros(shape, dtype=g.dtype)
        _add_at(xp, xp.moveaxis(grad, d, 0), idx, xp.moveaxis(g, d, 0))
        return (grad,)

    return record(out, (a,), backward, "IndexSelectBackward0", ())


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
    shape = x.shape

    def backward(g, needs):
        if isinstance(g, Tensor):
            return (_scatter(g, shape, key, None, False),)
        return (_scatter_array(g, shape, key, None, False),)

    return record(out, (a,), backward, "GatherBackward0", ())


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

    part = tuple(slice(0, n) for n in idx.shape)
    sshape = s.shape
    whole = tuple(idx.shape) == tuple(sshape)

    def backward(g, needs):
        gs = None
        if needs[1]:
            if isinstance(g, Tensor):
                gs = _index(g, key, None, False)
                if not whole:
                    gs = _scatter(gs, sshape, part, None, True)
            else:
                gs = g[key]
                if not whole:
                    gs = _scatter_array(gs, sshape, part, None, True)
        return (g if needs[0] else None, gs)

    return record(out, (a, src), backward, "ScatterAddBackward0", ())
