"""Indexing: ``__getitem__``, ``index_select``, ``gather``, the writes ``masked_fill``,
``index_put`` (what ``__setitem__``, in ``ops.inplace``, computes), and the scatter family:
``scatter``, ``scatter_add``, ``scatter_reduce``, ``index_add``, ``index_copy``, ``index_fill``.

Each VJP scatters the output's gradient back to the positions that were read, adding where
an index repeats. ``scatter`` writes through ``index_put`` and the ``index_*`` writes are
scatters along one dim, so their gradients are those ops'.
"""

from __future__ import annotations

import sys
import warnings

import numpy as np

from ..backend import get_xp
from ..backend import scatter_add as _add_at
from ..tensor import Tensor, record
from ._util import constant, normalize_dim, operands, unbroadcast
from .arithmetic import where
from .array_api import array_api
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


def index_select(input: Tensor, dim: int, index: Tensor) -> Tensor:
    x = input._data
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

    return record(out, (input,), backward, "IndexSelectBackward0", ())


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


def gather(input: Tensor, dim: int, index: Tensor) -> Tensor:
    """``out[i][j][k] = input[index[i][j][k]][j][k]`` (dim 0), and so on; ``index`` may be smaller
    than ``input`` in the other dims."""
    x = input._data
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

    return record(out, (input,), backward, "GatherBackward0", ())


def masked_fill(input: Tensor, mask, value) -> Tensor:
    """``input`` with ``value`` (a number or a 0-d tensor, cast to ``input``'s dtype) where the
    bool ``mask`` (broadcast to ``input``) is True. Composite: ``where``."""
    m = mask._data if isinstance(mask, Tensor) else get_xp(input._data).asarray(mask)
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
        fill = cast(value, input._data.dtype)
    else:
        fill = Tensor._make(constant(value, input)._data.astype(input._data.dtype))
    try:
        shape = np.broadcast_shapes(m.shape, input._data.shape)  # (shapes only: NumPy's helper)
    except ValueError:
        shape = None
    if shape != tuple(input._data.shape):
        raise RuntimeError(
            f"masked_fill: a mask of shape {tuple(m.shape)} does not broadcast to "
            f"the tensor's shape {tuple(input._data.shape)}"
        )
    return where(Tensor._make(m), fill, input)


# ------------------------------------------------------------------------------ scatter family
def _ops():
    return sys.modules["neuronet.ops"]


def _index_array(index, xp, name: str):
    """``index`` (a tensor, an array or a list) as an integer array."""
    idx = index._data if isinstance(index, Tensor) else xp.asarray(index)
    if idx.dtype.kind not in "iu":
        raise RuntimeError(f"{name}(): Expected dtype int32/int64 for index, got {idx.dtype}")
    return idx


def _check_bounds(idx, d: int, n: int, name: str) -> None:
    """PyTorch refuses an index outside ``[0, n)`` along dim ``d`` (no negative wrapping)."""
    if idx.size:
        low, high = int(idx.min()), int(idx.max())
        if low < 0 or high >= n:
            bad = low if low < 0 else high
            raise RuntimeError(
                f"{name}(): index {bad} is out of bounds for dimension {d} with size {n}"
            )


def _scatter_key(name: str, x, d: int, index, sshape: tuple | None) -> tuple:
    """``(idx, key, part)`` for a scatter along dim ``d`` of ``x``: the index array, checked as
    PyTorch checks it (integers, ``x``'s number of dims, no larger than ``x`` apart from dim
    ``d`` nor than the source of shape ``sshape``, in bounds), the advanced-index tuple of the
    written positions, and the slices of the source that are read (``src[part]``)."""
    xp = get_xp(x)
    idx = _index_array(index, xp, name)
    if idx.ndim != x.ndim:
        raise RuntimeError(
            f"{name}(): Index tensor must have the same number of dimensions as self tensor "
            f"({x.ndim}), got {idx.ndim}"
        )
    for axis in range(x.ndim):
        if (
            axis != d
            and idx.shape[axis] > x.shape[axis]
            or (sshape is not None and idx.shape[axis] > sshape[axis])
        ):
            raise RuntimeError(
                f"{name}(): Expected index {list(idx.shape)} to be no larger than self "
                f"{list(x.shape)} apart from dimension {d}"
                + ("" if sshape is None else f" and to be no larger size than src {list(sshape)}")
            )
    _check_bounds(idx, d, x.shape[d] if x.ndim else 1, name)
    part = tuple(slice(0, n) for n in idx.shape)
    return idx, open_grid(idx.shape, d, idx, xp), part


def _same_dtype(name: str, a: Tensor, src: Tensor, what: str = "src") -> None:
    if a._data.dtype != src._data.dtype:
        raise RuntimeError(
            f"{name}(): Expected self.dtype to be equal to {what}.dtype, got {a._data.dtype} "
            f"and {src._data.dtype}"
        )


def _take(g, key):
    """``g[key]`` (advanced indexing), for an array or, differentiably, a tensor."""
    return _index(g, key, None, False) if isinstance(g, Tensor) else g[key]


def _added(v, shape: tuple, key):
    """Zeros of ``shape`` with ``v`` added at ``key`` (repeats add up): the adjoint of
    ``_take``, for an array or, differentiably, a tensor."""
    if isinstance(v, Tensor):
        return _scatter(v, shape, key, None, False)
    return _scatter_array(v, shape, key, None, False)


def _padded(v, shape: tuple, part: tuple):
    """``v`` placed at ``part`` (leading slices) in zeros of ``shape``; ``v`` when it fills it."""
    if tuple(v.shape) == tuple(shape):
        return v
    if isinstance(v, Tensor):
        return _scatter(v, shape, part, None, True)
    return _scatter_array(v, shape, part, None, True)


def scatter_add(input: Tensor, dim: int, index: Tensor, src: Tensor) -> Tensor:
    """A copy of ``input`` with ``src[i][j][k]`` added at ``[index[i][j][k]][j][k]`` (dim 0),
    and so on; repeated indices add up. Gradients: ``g`` for ``input``, ``g`` gathered at
    ``index`` for ``src``."""
    a, src = operands(input, src, "scatter_add")
    x, s = a._data, src._data
    d = normalize_dim(dim, x.ndim)
    _, key, part = _scatter_key("scatter_add", x, d, index, s.shape)
    out = x.copy()
    _add_at(get_xp(x), out, key, s[part])
    sshape = s.shape

    def backward(g, needs):
        gs = _padded(_take(g, key), sshape, part) if needs[1] else None
        return (g if needs[0] else None, gs)

    return record(out, (a, src), backward, "ScatterAddBackward0", ())


def scatter(
    input: Tensor, dim: int, index: Tensor, src=None, *, value=None, reduce: str | None = None
) -> Tensor:
    """A copy of ``input`` with ``src[i][j][k]`` written at ``[index[i][j][k]][j][k]`` (dim 0),
    and so on, or the number ``value`` at every indexed position (``scatter(input, dim, index,
    value)``). Where an index repeats, one of the writes is kept. ``src`` has ``input``'s dtype.
    ``reduce='add'`` or ``'multiply'`` (PyTorch's deprecated form) combines instead of writing:
    ``scatter_reduce`` with ``'sum'`` or ``'prod'`` and ``include_self=True``.

    Gradients: ``g`` with the written positions zeroed for ``input``; ``g`` gathered at
    ``index`` for ``src``. Composite: ``index_put`` at the index's positions."""
    if src is None and value is None:
        raise TypeError("scatter(): expected a src tensor or a value, got neither")
    if src is not None and value is not None:
        raise TypeError("scatter(): expected a src tensor or a value, got both")
    if src is not None and not isinstance(src, Tensor):
        src, value = None, src  # (``scatter(input, dim, index, 2.0)``: the value form)
    if isinstance(value, Tensor):
        raise TypeError("scatter(): value must be a number; pass a tensor as src")
    x = input._data
    d = normalize_dim(dim, x.ndim)
    if src is not None:
        _same_dtype("scatter", input, src)
    idx, key, part = _scatter_key("scatter", x, d, index, None if src is None else src.shape)
    if src is None:
        fill = get_xp(x).full(idx.shape, value, dtype=x.dtype)
        src = Tensor._make(fill)
    elif reduce is not None:
        warnings.warn(
            "The reduce argument of scatter with Tensor src is deprecated and will be "
            "removed in a future release. Use scatter_reduce instead for more reduction "
            "options.",
            UserWarning,
            stacklevel=2,
        )
    if reduce is not None:
        if reduce not in ("add", "multiply"):
            raise RuntimeError(
                f"scatter(): reduce argument must be either add or multiply, got {reduce!r}"
            )
        how = "sum" if reduce == "add" else "prod"
        return scatter_reduce(input, d, Tensor._make(idx), src, how, include_self=True)
    picked = src if tuple(src.shape) == tuple(idx.shape) else getitem(src, part)
    return index_put(input, key, picked)


_REDUCTIONS = ("sum", "prod", "mean", "amax", "amin")


def _identity(reduce: str, dtype):
    """The value a reduction starts from when ``include_self=False``."""
    if reduce == "prod":
        return 1
    if reduce in ("amax", "amin"):
        if dtype.kind == "f":
            return -np.inf if reduce == "amax" else np.inf
        info = np.iinfo(dtype) if dtype.kind in "iu" else None
        if info is None:  # (bools)
            return reduce == "amin"
        return info.min if reduce == "amax" else info.max
    return 0


def _reduce_at(xp, reduce: str, out, key, vals) -> None:
    """``out[key] (op)= vals`` in place, repeats combining: add, multiply, maximum, minimum."""
    if reduce in ("sum", "mean"):
        _add_at(xp, out, key, vals)
    elif xp is np:
        ufunc = {"prod": np.multiply, "amax": np.maximum, "amin": np.minimum}[reduce]
        ufunc.at(out, key, vals)
    elif reduce == "prod":
        raise NotImplementedError("scatter_reduce(): reduce='prod' is not supported on CUDA")
    else:
        import cupyx  # noqa: PLC0415

        (cupyx.scatter_max if reduce == "amax" else cupyx.scatter_min)(out, key, vals)


def _reduced(x, key, vals, reduce: str, include_self: bool, scattered, count):
    """The forward of ``scatter_reduce`` on arrays."""
    xp = get_xp(x)
    start = x.dtype.type(_identity(reduce, x.dtype))
    out = x.copy() if include_self else xp.where(scattered, start, x)
    _reduce_at(xp, reduce, out, key, vals)
    if reduce == "mean":
        out = out // count if x.dtype.kind in "iub" else out / count
    return out.astype(x.dtype, copy=False)


def scatter_reduce(
    input: Tensor, dim: int, index: Tensor, src: Tensor, reduce: str, *, include_self: bool = True
) -> Tensor:
    """A copy of ``input`` where each position that ``index`` names (along ``dim``, as
    ``scatter``) holds the reduction (``'sum'``, ``'prod'``, ``'mean'``, ``'amax'``,
    ``'amin'``) of the ``src`` values sent there, together with ``input``'s own value when
    ``include_self`` (True by default). Positions that nothing is sent to keep ``input``'s
    value. ``'mean'`` divides by the number of values reduced (floor division for integers).

    Gradients (PyTorch's): ``'sum'`` passes ``g`` (zero at the reduced positions of ``input``
    without ``include_self``) and ``g`` gathered at ``index``; ``'mean'`` the same divided by
    the count; ``'amax'``/``'amin'`` share ``g`` evenly among the values equal to the result;
    ``'prod'`` gives each value the product of the others (zeros handled exactly)."""
    if reduce not in _REDUCTIONS:
        raise RuntimeError(
            "scatter_reduce(): reduce argument must be either sum, prod, mean, amax or amin, "
            f"got {reduce!r}"
        )
    _same_dtype("scatter_reduce", input, src)
    x, s = input._data, src._data
    xp = get_xp(x)
    d = normalize_dim(dim, x.ndim)
    idx, key, part = _scatter_key("scatter_reduce", x, d, index, s.shape)
    vals = s[part]
    scattered = xp.zeros(x.shape, dtype=bool)
    scattered[key] = True
    count = None
    if reduce == "mean":
        count = xp.full(x.shape, 1 if include_self else 0, dtype=x.dtype)
        _add_at(xp, count, key, xp.ones(idx.shape, dtype=x.dtype))
        count[count == 0] = 1
    out = _reduced(x, key, vals, reduce, include_self, scattered, count)
    keep = (~scattered).astype(x.dtype) if not include_self else None
    sshape = s.shape
    index_t = Tensor._make(idx)

    def backward(g, needs, x, s, count, keep, out):
        xp = array_api(g)
        vals = s if tuple(s.shape) == tuple(idx.shape) else _take(s, part)
        gx = gs = None
        if reduce in ("sum", "mean"):
            if reduce == "mean":
                g = g / count
            gx = g if keep is None else g * keep
            gs = _take(g, key)
        elif reduce in ("amax", "amin"):
            one, zero = xp.ones_like(x), xp.zeros_like(x)
            self_is = xp.where(x == out, one, zero)
            src_is = xp.where(vals == _take(out, key), xp.ones_like(vals), xp.zeros_like(vals))
            # (PyTorch counts an input value equal to the result among the shares even
            # where include_self=False leaves it out of the reduction)
            share = g / (self_is + _added(src_is, x.shape, key))
            gx = self_is * share if keep is None else self_is * share * keep
            gs = src_is * _take(share, key)
        else:
            ones = xp.ones_like(x)
            if needs[0]:  # the product of the src values at each position
                gx = g * _prod_into(ones, vals, True) if keep is None else g * keep
            if needs[1]:
                zero = vals == 0
                zeros_at = _added(
                    xp.where(zero, xp.ones_like(vals), xp.zeros_like(vals)), x.shape, key
                )
                single = zero & (_take(zeros_at, key) == 1)
                lone = _prod_into(x, xp.where(single, xp.ones_like(vals), vals), include_self)
                rest = _take(g * out, key) / xp.where(zero, xp.ones_like(vals), vals)
                gs = xp.where(single, _take(g * lone, key), rest)
        return (
            gx if needs[0] else None,
            _padded(gs, sshape, part) if needs[1] else None,
        )

    def _prod_into(base, values, with_base: bool):
        """``scatter_reduce(base, dim, index, values, 'prod', include_self=with_base)``."""
        if isinstance(base, Tensor):
            return scatter_reduce(base, d, index_t, values, "prod", include_self=with_base)
        return _reduced(base, key, values, "prod", with_base, scattered, None)

    return record(out, (input, src), backward, "ScatterReduceBackward0", (x, s, count, keep, out))


def _along(name: str, x, d: int, index, source_shape: tuple | None, wrap: bool = False):
    """The 1-D ``index`` of an ``index_*`` op checked as PyTorch checks it (and, with
    ``wrap``, negative entries counted from the end), broadcast along dim ``d`` to the shape
    of the region written: ``x``'s shape with dim ``d`` of the index's length."""
    xp = get_xp(x)
    idx = _index_array(index, xp, name)
    if idx.ndim > 1:
        raise IndexError(
            f"{name}(): Index is supposed to be a vector, but got dim: {idx.ndim} with size: "
            f"{list(idx.shape)}"
        )
    idx = idx.reshape(-1)
    n = x.shape[d] if x.ndim else 1
    if wrap:
        if idx.size and (int(idx.min()) < -n or int(idx.max()) >= n):
            bad = int(idx.min()) if int(idx.min()) < -n else int(idx.max())
            raise IndexError(
                f"{name}(): index {bad} is out of bounds for dimension {d} with size {n}"
            )
        idx = idx % n if n else idx
    else:
        _check_bounds(idx, d, n, name)
    shape = list(x.shape) or [1]
    shape[d] = idx.shape[0]
    if source_shape is not None:
        src = list(source_shape) or [1]
        if len(src) != len(shape) or any(
            a != b for axis, (a, b) in enumerate(zip(src, shape)) if axis != d
        ):
            raise RuntimeError(
                f"{name}(): source tensor shape must match self tensor shape, excluding the "
                f"specified dimension. Got self.shape = {list(x.shape)} source.shape = "
                f"{list(source_shape)}"
            )
        if src[d] != idx.shape[0]:
            raise IndexError(
                f"{name}(): Number of indices ({idx.shape[0]}) should be equal to "
                f"source.size(dim) ({src[d]})"
            )
    view = [1] * len(shape)
    view[d] = idx.shape[0]
    return xp.broadcast_to(idx.reshape(view), tuple(shape))


def index_add(input: Tensor, dim: int, index: Tensor, source: Tensor, *, alpha=1) -> Tensor:
    """A copy of ``input`` with ``alpha * source`` added along ``dim`` at the positions of the
    1-D ``index``: ``out[..., index[i], ...] += alpha * source[..., i, ...]`` (repeats add
    up). Gradients: ``g`` for ``input``, ``alpha * g.index_select(dim, index)`` for
    ``source``. Composite: ``scatter_add``."""
    if input._data.dtype != source._data.dtype:
        raise RuntimeError(
            f"index_add(): self ({input._data.dtype}) and source ({source._data.dtype}) must "
            "have the same scalar type"
        )
    x = input._data
    d = normalize_dim(dim, x.ndim)
    full = _along("index_add", x, d, index, source._data.shape)
    if alpha != 1:
        source = source * alpha
    return scatter_add(input, d, Tensor._make(full), source)


def index_copy(input: Tensor, dim: int, index: Tensor, source: Tensor) -> Tensor:
    """A copy of ``input`` with ``source[..., i, ...]`` written at ``[..., index[i], ...]``
    along ``dim``. Gradients: ``g`` zero at the written positions for ``input``,
    ``g.index_select(dim, index)`` for ``source``. Composite: ``scatter``."""
    if input._data.dtype != source._data.dtype:
        raise RuntimeError(
            "index_copy(): self and source expected to have the same dtype, but got (self) "
            f"{input._data.dtype} and (source) {source._data.dtype}"
        )
    x = input._data
    d = normalize_dim(dim, x.ndim)
    full = _along("index_copy", x, d, index, source._data.shape)
    return scatter(input, d, Tensor._make(full), source)


def index_fill(input: Tensor, dim: int, index: Tensor, value) -> Tensor:
    """A copy of ``input`` with ``value`` (a number or a 0-d tensor) at every position whose
    index along ``dim`` is in ``index`` (negative entries count from the end). Gradients:
    ``g`` zero at those positions for ``input``; their sum for a tensor ``value``.
    Composite: ``scatter``."""
    x = input._data
    d = normalize_dim(dim, x.ndim)
    full = Tensor._make(_along("index_fill", x, d, index, None, wrap=True))
    if isinstance(value, Tensor):
        if value._data.ndim != 0:
            raise RuntimeError(
                "index_fill(): only supports a 0-dimensional value tensor, but got tensor "
                f"with {value._data.ndim} dimension(s)."
            )
        src = _ops().broadcast_to(cast(value, x.dtype), tuple(full.shape))
        return scatter(input, d, full, src)
    return scatter(input, d, full, value=value)
