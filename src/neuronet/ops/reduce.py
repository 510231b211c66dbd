"""Reductions over ``dim`` (an int, a tuple of ints, or None for all) with ``keepdim``.

Each VJP first restores the reduced dimensions of ``g`` (``expand_reduced``) so it broadcasts
against the input.
"""

from __future__ import annotations

import math
from collections import namedtuple

import numpy as np

from ..backend import get_xp
from ..tensor import Tensor, record
from ._util import floating, normalize_dim, normalize_dims
from .arithmetic import lerp, maximum, minimum, where
from .array_api import TENSOR_API, array_api
from .conversion import clone
from .indexing import gather, open_grid
from .keywords import numpy_aliases, write_out
from .shape import broadcast_to, movedim, reshape, squeeze, take_along_dim, unsqueeze
from .unary import abs as _abs
from .unary import sqrt

MaxMin = namedtuple("MaxMin", ["values", "indices"])


_ndarray = np.ndarray


def expand_reduced(g, shape: tuple, axes, keepdim: bool):
    """``g`` reshaped so that it broadcasts against an input of ``shape`` reduced over ``axes``."""
    if keepdim or axes is None and g.ndim == len(shape):
        return g
    if axes is None:
        return g.reshape((1,) * len(shape))
    full = list(shape)
    for ax in axes:
        full[ax] = 1
    return g.reshape(full)


def spread(g, shape: tuple, axes, keepdim: bool, xp):
    """``g`` (the gradient of a reduction) broadcast back over the input's ``shape``."""
    if axes is None and xp is not TENSOR_API and g.size == 1:  # one value everywhere
        out = xp.empty(shape, dtype=g.dtype)
        out.fill(g.reshape(()))
        return out
    return xp.broadcast_to(expand_reduced(g, shape, axes, keepdim), shape)


def _count(shape: tuple, axes) -> int:
    if axes is None:
        return math.prod(shape)
    return math.prod(shape[a] for a in axes)


def accumulating(a: Tensor, dtype=None) -> Tensor:
    """``a`` in the dtype a sum or product runs in: ``dtype`` when given, int64 for integers and
    bools (PyTorch's rule), else its own."""
    if dtype is not None:
        return a.to(dtype)
    return a.long() if a._data.dtype.kind in "bui" else a


def sum(  # noqa: A001
    input: Tensor, dim=None, keepdim: bool = False, *, dtype=None, out=None, **aliases
) -> Tensor:
    if aliases:
        dim, keepdim = numpy_aliases("sum", aliases, dim, keepdim)
    if out is not None:
        return write_out(out, "sum", (input,), lambda: sum(input, dim, keepdim, dtype=dtype))
    a = accumulating(input, dtype)
    x = a._data
    axes = normalize_dims(dim, x.ndim)
    out = x.sum(axis=axes, keepdims=keepdim)
    shape = x.shape

    def backward(g, needs):
        return (spread(g, shape, axes, keepdim, np if type(g) is _ndarray else array_api(g)),)

    return record(out, (a,), backward, "SumBackward1" if axes else "SumBackward0", ())


def mean(
    input: Tensor, dim=None, keepdim: bool = False, *, dtype=None, out=None, **aliases
) -> Tensor:
    if aliases:
        dim, keepdim = numpy_aliases("mean", aliases, dim, keepdim)
    if out is not None:
        return write_out(out, "mean", (input,), lambda: mean(input, dim, keepdim, dtype=dtype))
    a = input if dtype is None else input.to(dtype)
    x = a._data
    if x.dtype.kind not in "fc":
        raise RuntimeError(
            f"mean(): could not infer output dtype. Input dtype must be either a "
            f"floating point or complex dtype. Got: {x.dtype}"
        )
    axes = normalize_dims(dim, x.ndim)
    n = _count(x.shape, axes)
    out = x.sum(axis=axes, keepdims=keepdim) / n if n else x.mean(axis=axes, keepdims=keepdim)
    shape = x.shape

    def backward(g, needs):
        return (spread(g / n, shape, axes, keepdim, np if type(g) is _ndarray else array_api(g)),)

    return record(out, (a,), backward, "MeanBackward1" if axes else "MeanBackward0", ())


def prod(
    input: Tensor, dim: int | None = None, keepdim: bool = False, *, dtype=None, **aliases
) -> Tensor:
    """Product; the gradient of each element is the product of all the others (exact with zeros).
    Integers and bools multiply as int64, as in PyTorch."""
    if aliases:
        dim, keepdim = numpy_aliases("prod", aliases, dim, keepdim)
    a = accumulating(input, dtype)
    x = a._data
    xp = get_xp(x)
    if dim is None:
        out = x.reshape(-1).prod()
        ax = 0
    else:
        ax = normalize_dim(dim, x.ndim)
        out = x.prod(axis=ax if x.ndim else None, keepdims=keepdim)

    def backward(g, needs, x):
        flat = x.reshape(-1) if dim is None else x if x.ndim else x.reshape((1,))
        if isinstance(g, Tensor):  # (a recorded backward pass)
            others = _others_product(flat, ax)
        else:
            others = _others_product_arrays(flat, ax, xp)
        if dim is None:
            return ((g * others).reshape(x.shape),)
        gg = g if keepdim or x.ndim == 0 else array_api(g).expand_dims(g, ax)
        return ((gg * others).reshape(x.shape),)

    return record(out, (a,), backward, "ProdBackward0", (x,))


def _others_product_arrays(flat, ax: int, xp):
    """For each entry along ``ax``, the product of all the other entries there (exact with
    zeros): the products of the entries before it times those after it."""
    ones = xp.ones_like(xp.take(flat, [0], axis=ax))
    left = (
        xp.cumprod(
            xp.concatenate([ones, xp.take(flat, range(flat.shape[ax] - 1), axis=ax)], axis=ax),
            axis=ax,
        )
        if flat.shape[ax]
        else flat
    )
    rev = xp.flip(flat, axis=ax)
    right = (
        xp.flip(
            xp.cumprod(
                xp.concatenate([ones, xp.take(rev, range(rev.shape[ax] - 1), axis=ax)], axis=ax),
                axis=ax,
            ),
            axis=ax,
        )
        if flat.shape[ax]
        else flat
    )
    return left * right


def _others_product(flat: Tensor, ax: int) -> Tensor:
    """``_others_product_arrays`` for a tensor, with ops that record: the product along a new
    last dim of copies of the entries with the one at each position replaced by 1."""
    xp = get_xp(flat._data)
    n = flat.shape[ax]
    moved = movedim(flat, ax, -1)
    eye = Tensor._make(xp.eye(n, dtype=bool))
    copies = where(eye, 1.0, unsqueeze(moved, -2))  # [..., i, j]: entry j, with entry i as 1
    return movedim(prod(copies, -1), -1, ax)


def _extreme(a: Tensor, dim, keepdim: bool, which: str):
    """max/min: over everything (ties share the gradient) or along ``dim`` (values, indices)."""
    x = a._data
    xp = get_xp(x)
    if x.size == 0:
        raise RuntimeError(f"{which}(): expected a non-empty tensor")
    if dim is None:
        return _amaxmin(a, None, False, which)
    ax = normalize_dim(dim, x.ndim)
    if x.ndim == 0:
        return MaxMin(_amaxmin(a, None, keepdim, which), Tensor._make(xp.zeros((), dtype="int64")))
    idx = (xp.argmax if which == "max" else xp.argmin)(x, axis=ax)
    return _selected(a, ax, idx, keepdim, "MaxBackward0" if which == "max" else "MinBackward0")


def _selected(a: Tensor, ax: int, idx, keepdim: bool, name: str) -> MaxMin:
    """``(values, indices)``: the element of each slice of ``a`` along ``ax`` that ``idx`` (an
    int array, ``ax`` removed) picks, and ``idx`` as int64; the gradient goes to that element."""
    x = a._data
    xp = get_xp(x)
    idx = idx.astype("int64", copy=False)
    idx_k = xp.expand_dims(idx, ax)
    values = xp.take_along_axis(x, idx_k, axis=ax)
    if not keepdim:
        values = values.squeeze(ax)

    shape, dtype = x.shape, x.dtype

    def backward(g, needs, idx_k):
        if isinstance(g, Tensor):  # (a recorded backward pass): g times where each value was
            k = idx_k._data
            xk = get_xp(k)
            at = xk.arange(shape[ax]).reshape((-1,) + (1,) * (len(shape) - ax - 1)) == k
            return ((g if keepdim else unsqueeze(g, ax)) * Tensor._make(at),)
        out = xp.zeros(shape, dtype)
        out[open_grid(idx_k.shape, ax, idx_k, xp)] = g if keepdim else xp.expand_dims(g, ax)
        return (out,)

    v = record(values, (a,), backward, name, (idx_k,))
    return MaxMin(v, Tensor._make(idx_k if keepdim else idx))


def max(input: Tensor, dim=None, keepdim: bool = False, **aliases):  # noqa: A001
    """max over all (a tensor), or ``(values, indices)`` along ``dim``; or element-wise with a
    tensor as second argument."""
    if aliases:
        dim, keepdim = numpy_aliases("max", aliases, dim, keepdim)
    if isinstance(dim, Tensor):
        return maximum(input, dim)
    return _extreme(input, dim, keepdim, "max")


def min(input: Tensor, dim=None, keepdim: bool = False, **aliases):  # noqa: A001
    if aliases:
        dim, keepdim = numpy_aliases("min", aliases, dim, keepdim)
    if isinstance(dim, Tensor):
        return minimum(input, dim)
    return _extreme(input, dim, keepdim, "min")


def _amaxmin(a: Tensor, dim, keepdim: bool, which: str) -> Tensor:
    x = a._data
    axes = normalize_dims(dim, x.ndim)
    out = (x.max if which == "max" else x.min)(axis=axes, keepdims=keepdim)

    if out.__class__ is not x.__class__:  # (a NumPy scalar: the saved output is an array)
        out = get_xp(x).asarray(out)

    def backward(g, needs, x, out):
        if isinstance(g, Tensor):  # (a recorded backward pass: the ties are constants)
            x, out = x._data, out._data
            hit = x == expand_reduced(out, x.shape, axes, keepdim)
            count = Tensor._make(hit.sum(axis=axes, keepdims=True))
            return (Tensor._make(hit) * (expand_reduced(g, x.shape, axes, keepdim) / count),)
        hit = x == expand_reduced(out, x.shape, axes, keepdim)
        count = hit.sum(axis=axes, keepdims=True)
        return (hit * (expand_reduced(g, x.shape, axes, keepdim) / count).astype(x.dtype),)

    name = "AmaxBackward0" if which == "max" else "AminBackward0"
    return record(out, (a,), backward, name, (x, out))


def amax(input: Tensor, dim=(), keepdim: bool = False, **aliases) -> Tensor:
    """Maximum over ``dim`` (all when empty); tied elements share the gradient equally."""
    if aliases:
        dim, keepdim = numpy_aliases("amax", aliases, dim, keepdim, dim_default=())
    return _amaxmin(input, dim, keepdim, "max")


def amin(input: Tensor, dim=(), keepdim: bool = False, **aliases) -> Tensor:
    if aliases:
        dim, keepdim = numpy_aliases("amin", aliases, dim, keepdim, dim_default=())
    return _amaxmin(input, dim, keepdim, "min")


def argmax(input: Tensor, dim: int | None = None, keepdim: bool = False, **aliases) -> Tensor:
    if aliases:
        dim, keepdim = numpy_aliases("argmax", aliases, dim, keepdim)
    return _arg(input, dim, keepdim, "argmax")


def argmin(input: Tensor, dim: int | None = None, keepdim: bool = False, **aliases) -> Tensor:
    if aliases:
        dim, keepdim = numpy_aliases("argmin", aliases, dim, keepdim)
    return _arg(input, dim, keepdim, "argmin")


def _arg(a: Tensor, dim, keepdim: bool, which: str) -> Tensor:
    x = a._data
    if x.dtype.kind == "b":
        raise RuntimeError(f"{which}(): does not support bool input")
    xp = get_xp(x)
    if dim is None:
        idx = getattr(xp, which)(x.reshape(-1))
        if keepdim:
            idx = idx.reshape((1,) * x.ndim)
        return Tensor._make(xp.asarray(idx, dtype="int64"))
    ax = normalize_dim(dim, x.ndim)
    idx = getattr(xp, which)(x, axis=ax, keepdims=keepdim) if x.ndim else xp.asarray(0)
    return Tensor._make(idx.astype("int64", copy=False))


def _logical_reduction(a: Tensor, dim, keepdim: bool, which: str) -> Tensor:
    x = a._data
    axes = normalize_dims(dim, x.ndim)
    return Tensor._make(get_xp(x).asarray(getattr(x, which)(axis=axes, keepdims=keepdim)))


def all(input: Tensor, dim=None, keepdim: bool = False, **aliases) -> Tensor:  # noqa: A001
    """Whether every entry (over ``dim``) is nonzero: a bool tensor."""
    if aliases:
        dim, keepdim = numpy_aliases("all", aliases, dim, keepdim)
    return _logical_reduction(input, dim, keepdim, "all")


def any(input: Tensor, dim=None, keepdim: bool = False, **aliases) -> Tensor:  # noqa: A001
    """Whether some entry (over ``dim``) is nonzero: a bool tensor."""
    if aliases:
        dim, keepdim = numpy_aliases("any", aliases, dim, keepdim)
    return _logical_reduction(input, dim, keepdim, "any")


def count_nonzero(input: Tensor, dim=None, **aliases) -> Tensor:
    """The number of nonzero entries (over ``dim``), as int64."""
    if aliases:
        dim = numpy_aliases("count_nonzero", aliases, dim, dim_default=None)[0]
    x = input._data
    xp = get_xp(x)
    return Tensor._make(
        xp.asarray(xp.count_nonzero(x, axis=normalize_dims(dim, x.ndim)), dtype="int64")
    )


def var(
    input: Tensor,
    dim=None,
    *,
    correction: float = 1,
    keepdim: bool = False,
    unbiased: bool | None = None,
    **aliases,
) -> Tensor:
    """Sum of squared deviations from the mean over ``dim``, divided by N - correction."""
    if aliases:
        dim, keepdim = numpy_aliases("var", aliases, dim, keepdim)
    if unbiased is not None:
        correction = 1 if unbiased else 0
    x = input._data
    if x.dtype.kind not in "fc":
        raise RuntimeError(
            f"std and var only support floating point and complex dtypes, got {x.dtype}"
        )
    axes = normalize_dims(dim, x.ndim)
    n = _count(x.shape, axes)
    mu = x.mean(axis=axes, keepdims=True)
    d = x - mu
    denom = n - correction
    if denom <= 0:
        raise RuntimeError(
            f"var/std: correction={correction} needs more than {correction} "
            f"elements along dim, got {n}"
        )
    out = (d * d).sum(axis=axes, keepdims=keepdim) / denom

    def backward(g, needs, x, d):
        if isinstance(g, Tensor):  # (a recorded backward pass: the deviations, from x)
            d = x - array_api(g).mean(x, axis=axes, keepdims=True)
        return (expand_reduced(g, x.shape, axes, keepdim) * (2 / denom) * d,)

    return record(out, (input,), backward, "VarBackward0", (x, d))


def std(
    input: Tensor,
    dim=None,
    *,
    correction: float = 1,
    keepdim: bool = False,
    unbiased: bool | None = None,
    **aliases,
) -> Tensor:
    if aliases:
        dim, keepdim = numpy_aliases("std", aliases, dim, keepdim)
    return sqrt(var(input, dim, correction=correction, keepdim=keepdim, unbiased=unbiased))


def logsumexp(input: Tensor, dim=None, keepdim: bool = False, **aliases) -> Tensor:
    """log(sum(exp(a), dim)), computed as m + log(sum(exp(a - m))) with m = max (a constant).

    Finite for any finite input; the gradient is softmax(a) = exp(a - out). Integers give the
    default float dtype.
    """
    if aliases:
        dim, keepdim = numpy_aliases("logsumexp", aliases, dim, keepdim)
    if dim is None:
        raise TypeError('logsumexp() missing 1 required positional arguments: "dim"')
    a = floating(input)
    x = a._data
    xp = get_xp(x)
    axes = normalize_dims(dim, x.ndim)
    m = x.max(axis=axes, keepdims=True) if x.size else xp.zeros((1,) * x.ndim, x.dtype)
    m = xp.where(xp.isfinite(m), m, 0)
    out_k = xp.log(xp.exp(x - m).sum(axis=axes, keepdims=True)) + m
    out = out_k if keepdim else (out_k.reshape(()) if axes is None else out_k.squeeze(axes))

    def backward(g, needs, x, out):
        out_k = expand_reduced(out, x.shape, axes, keepdim)
        return (expand_reduced(g, x.shape, axes, keepdim) * array_api(g).exp(x - out_k),)

    return record(out, (a,), backward, "LogsumexpBackward0", (x, out))


def norm(input: Tensor, p="fro", dim=None, keepdim: bool = False) -> Tensor:
    """Vector p-norm over ``dim`` (all elements when None): (sum |a|^p)^(1/p); p may be inf."""
    x = input._data
    if x.dtype.kind not in "fc":
        raise RuntimeError(
            f"norm: expected a floating point or complex tensor as input, got {x.dtype}"
        )
    xp = get_xp(x)
    axes = normalize_dims(dim, x.ndim)
    if p == "fro":
        p = 2
    if p in (float("inf"), float("-inf")):
        return _amaxmin(
            _abs(input), dim if dim is not None else (), keepdim, "max" if p > 0 else "min"
        )
    if p == 0:
        return sum((input != 0).to(input.dtype), dim, keepdim)
    if p == 2:
        out = xp.sqrt((x * x).sum(axis=axes, keepdims=keepdim))
        if out.__class__ is not x.__class__:  # (a NumPy scalar: the saved output is an array)
            out = xp.asarray(out)

        def backward(g, needs, x, out):
            xp = array_api(g)
            o = expand_reduced(out, x.shape, axes, keepdim)
            safe = xp.where(o == 0, 1, o)
            return (expand_reduced(g, x.shape, axes, keepdim) * x / safe,)

        return record(out, (input,), backward, "NormBackward1", (x, out))
    ax = xp.abs(x)
    s = (ax**p).sum(axis=axes, keepdims=keepdim)
    out = s ** (1 / p)
    if out.__class__ is not x.__class__:  # (a NumPy scalar: the saved output is an array)
        out = xp.asarray(out)

    def backward_p(g, needs, x, ax, out):
        xp = array_api(g)
        if xp is TENSOR_API:  # (a recorded backward pass: |x| from x)
            ax = xp.abs(x)
        o = expand_reduced(out, x.shape, axes, keepdim)
        safe = xp.where(o == 0, 1, o)
        gx = xp.sign(x) * ax ** (p - 1) / safe ** (p - 1)
        return (expand_reduced(g, x.shape, axes, keepdim) * xp.where(o == 0, 0, gx),)

    return record(out, (input,), backward_p, "NormBackward1", (x, ax, out))


def _with_mean(spread_op, name: str):
    """``name``: ``(spread_op(...), mean(...))`` over the same dims, for ``var`` or ``std``."""

    def op(input: Tensor, dim=None, *, correction=1, keepdim=False, unbiased=None, **aliases):
        if aliases:
            dim, keepdim = numpy_aliases(name, aliases, dim, keepdim)
        s = spread_op(input, dim, correction=correction, keepdim=keepdim, unbiased=unbiased)
        return s, mean(input, dim, keepdim)

    op.__name__ = op.__qualname__ = name
    op.__doc__ = (
        f"``({spread_op.__name__}, mean)`` of ``input`` over ``dim``, as those two ops give "
        "them (``correction``/``unbiased`` as there). Composite."
    )
    return op


var_mean = _with_mean(var, "var_mean")
std_mean = _with_mean(std, "std_mean")


# ---------------------------------------------- order statistics: median, mode, quantiles
def _median_index(x, ax: int, ignore_nan: bool, xp):
    """Where each slice of ``x`` along ``ax`` has its median (``ax`` removed): the lower of the
    two middle values of the slice sorted (stably, NaN last). A slice holding NaN gives its
    first NaN (``median``) or the median of its other values (``nanmedian``; a slice of NaN
    only gives its first element)."""
    order = xp.argsort(x, axis=ax, kind="stable")
    nan = xp.isnan(x) if x.dtype.kind == "f" else None
    if not ignore_nan or nan is None:
        idx = xp.take(order, (x.shape[ax] - 1) // 2, axis=ax)
        if nan is not None:
            idx = xp.where(nan.any(axis=ax), nan.argmax(axis=ax), idx)
        return idx
    k = xp.maximum((x.shape[ax] - nan.sum(axis=ax, keepdims=True) - 1) // 2, 0)
    return xp.take_along_axis(order, k, axis=ax).squeeze(ax)


def _shared_by_ties(a: Tensor, out, name: str) -> Tensor:
    """``out`` (one value of ``a``) recorded with PyTorch's gradient for a reduction to one of
    the elements: shared equally by the elements equal to it (by the NaNs when it is NaN)."""
    x = a._data

    def backward(g, needs, x, out):
        tensors = isinstance(g, Tensor)
        if tensors:  # (a recorded backward pass: which elements tie is a constant)
            x, out = x._data, out._data
        xp = get_xp(x)
        hit = x == out
        if x.dtype.kind == "f":
            hit |= xp.isnan(x) & xp.isnan(out)
        share = hit.astype(x.dtype)
        count = xp.maximum(share.sum(), 1)  # (an empty input: no element to share)
        return ((Tensor._make(share) if tensors else share) * (g / count),)

    return record(out, (a,), backward, name, (x, out))


def _order_statistic(name: str, a: Tensor, dim, keepdim: bool, ignore_nan: bool):
    x = a._data
    if x.dtype.kind == "b":
        raise NotImplementedError(f"\"{name}\" not implemented for 'Bool'")
    xp = get_xp(x)
    backward_name = "MedianBackward" if name == "median" else "NanmedianBackward"
    if dim is None:
        flat = x.reshape(-1)
        if flat.size == 0:
            if x.dtype.kind != "f":
                raise RuntimeError(
                    f"{name}(): an empty integer tensor has no median (an empty float tensor "
                    "gives NaN)"
                )
            return _shared_by_ties(a, xp.full((), xp.nan, x.dtype), backward_name + "0")
        value = xp.asarray(flat[_median_index(flat, 0, ignore_nan, xp)])
        return _shared_by_ties(a, value, backward_name + "0")
    ax = normalize_dim(dim, x.ndim)
    if x.ndim == 0:
        return MaxMin(clone(a), Tensor._make(xp.zeros((), dtype="int64")))
    if x.shape[ax] == 0:
        # (PyTorch names median() in this message for nanmedian too)
        raise IndexError(f"median(): Expected reduction dim {ax} to have non-zero size.")
    return _selected(a, ax, _median_index(x, ax, ignore_nan, xp), keepdim, backward_name + "1")


def median(input: Tensor, dim=None, keepdim: bool = False, **aliases):
    """The median of all elements (a 0-d tensor; NaN if one is NaN), or ``(values, indices)``
    along ``dim``. Of an even number of values the lower of the two middle ones, as PyTorch.
    The gradient of the whole-tensor median is shared by the elements equal to it; along
    ``dim`` it goes to the element ``indices`` names (for equal values, the one at that
    position in a stable sort)."""
    if aliases:
        dim, keepdim = numpy_aliases("median", aliases, dim, keepdim)
    return _order_statistic("median", input, dim, keepdim, False)


def nanmedian(input: Tensor, dim=None, keepdim: bool = False, **aliases):
    """``median`` of the values that are not NaN (NaN where a slice holds NaN only)."""
    if aliases:
        dim, keepdim = numpy_aliases("nanmedian", aliases, dim, keepdim)
    return _order_statistic("nanmedian", input, dim, keepdim, True)


def _mode_index(x, ax: int, xp):
    """Where each slice of ``x`` along ``ax`` has its mode (``ax`` removed): the most frequent
    value, the smallest of those equally frequent, at its last position, as PyTorch."""
    rows = xp.moveaxis(x, ax, -1)
    n = rows.shape[-1]
    rows = rows.reshape(-1, n)
    order = xp.argsort(rows, axis=-1, kind="stable")
    s = xp.take_along_axis(rows, order, axis=-1)
    new_run = xp.ones(s.shape, dtype=bool)
    new_run[:, 1:] = s[:, 1:] != s[:, :-1]
    # runs numbered across all rows at once, increasing along the flattened sorted rows
    run = (xp.cumsum(new_run, axis=-1) + (n + 1) * xp.arange(len(s))[:, None]).reshape(-1)
    first = xp.searchsorted(run, run, side="left").reshape(s.shape)
    last = xp.searchsorted(run, run, side="right").reshape(s.shape) - 1
    best = xp.argmax(last - first, axis=-1)  # the first longest run: the smallest value
    end = xp.take_along_axis(last, best[:, None], axis=-1) - n * xp.arange(len(s))[:, None]
    idx = xp.take_along_axis(order, end, axis=-1)
    return idx.reshape(xp.moveaxis(x, ax, -1).shape[:-1])


def mode(input: Tensor, dim: int = -1, keepdim: bool = False):
    """``(values, indices)``: the most frequent value of each slice along ``dim`` (the
    smallest of those equally frequent) and its last position, as PyTorch; the gradient goes
    to that element."""
    x = input._data
    xp = get_xp(x)
    ax = normalize_dim(dim, x.ndim or 1)
    if x.ndim == 0:
        return MaxMin(clone(input), Tensor._make(xp.zeros((), dtype="int64")))
    if x.shape[ax] == 0:
        raise IndexError(f"mode(): Expected reduction dim {ax} to have non-zero size.")
    return _selected(input, ax, _mode_index(x, ax, xp), keepdim, "ModeBackward0")


_INTERPOLATIONS = ("linear", "lower", "higher", "midpoint", "nearest")


def _quantile_q(q, dtype, xp) -> Tensor:
    """``q`` as a tensor of ``dtype`` with its values checked (in [0, 1]); the messages are
    PyTorch's (which name ``quantile()`` for ``nanquantile`` too)."""
    if isinstance(q, Tensor):
        if q._data.ndim > 1:
            raise RuntimeError("quantile() q must be a scalar or 1D tensor")
        if q._data.dtype != dtype:
            raise RuntimeError("quantile() q tensor must be same dtype as the input tensor")
        if not bool(((q._data >= 0) & (q._data <= 1)).all()):
            raise RuntimeError("quantile() q values must be in the range [0, 1]")
        return q
    if not 0 <= q <= 1:
        raise RuntimeError(f"quantile() q must be in the range [0, 1] but got {q}")
    return Tensor._make(xp.asarray(q, dtype=dtype))


def _quantile(a: Tensor, q, dim, keepdim: bool, interpolation: str, ignore_nan: bool):
    """PyTorch's algorithm: the slice sorted, the rank q * (n - 1) (n counting the values that
    are not NaN for ``nanquantile``; the last rank where a slice holds NaN for ``quantile``),
    adjusted by ``interpolation``, and the two values around it interpolated. Composite: the
    sorted values are read with ``take_along_dim`` and ``gather`` and interpolated with
    ``lerp``, so the gradient reaches the two values (and ``q``) by the interpolation."""
    x = a._data
    if x.dtype.kind != "f":
        raise RuntimeError("quantile() input tensor must be either float or double dtype")
    if x.size == 0:
        raise RuntimeError("quantile() input tensor must be non-empty")
    if interpolation not in _INTERPOLATIONS:
        raise RuntimeError(
            f"quantile() interpolation must be one of linear, lower, higher, midpoint or "
            f"nearest, but got {interpolation}"
        )
    xp = get_xp(x)
    qt = _quantile_q(q, x.dtype, xp)
    scalar_q = qt._data.ndim == 0
    if dim is None or x.ndim == 0:
        d, work = None, reshape(a, (-1,))
    else:
        d = normalize_dim(dim, x.ndim)
        work = movedim(a, d, -1)
    order = xp.argsort(work._data, axis=-1, kind="stable")  # (NaN last)
    ordered = take_along_dim(work, Tensor._make(order), -1)  # (*B, n)
    n = ordered.shape[-1]
    nan = xp.isnan(ordered._data)
    qs = reshape(qt, (-1,) + (1,) * ordered.ndim)  # (Q, 1, ..., 1)
    if ignore_nan:  # ranks among the values that are not NaN, 0 where there are none
        ranks = qs * Tensor._make((n - 1 - nan.sum(axis=-1, keepdims=True)).astype(x.dtype))
        fixed, at = xp.zeros((), x.dtype), ranks._data < 0
    else:  # a slice with NaN: the last rank, its NaN
        ranks = qs * (n - 1)
        fixed, at = xp.asarray(n - 1, x.dtype), nan.any(axis=-1, keepdims=True)
    if at.any():  # (set as a constant: no gradient reaches q there)
        ranks = where(Tensor._make(at), Tensor._make(fixed), ranks)
    ranks = broadcast_to(ranks, (qs.shape[0],) + tuple(ordered.shape[:-1]) + (1,))
    r = ranks._data
    if interpolation == "lower":
        r = xp.floor(r)
    elif interpolation == "higher":
        r = xp.ceil(r)
    elif interpolation == "nearest":
        r = xp.round(r)  # (half to even, as PyTorch's round)
    below = xp.floor(r).astype("int64")
    values = broadcast_to(unsqueeze(ordered, 0), (qs.shape[0],) + tuple(ordered.shape))
    out = gather(values, -1, Tensor._make(below))
    if interpolation in ("linear", "midpoint"):
        if interpolation == "linear":
            weights = ranks - Tensor._make(below.astype(x.dtype))
        else:
            weights = Tensor._make(xp.where(r == below, 0, 0.5).astype(x.dtype))
        above = gather(values, -1, Tensor._make(xp.ceil(r).astype("int64")))
        out = lerp(out, above, weights)
    out = squeeze(out, -1)  # (Q, *B)
    if keepdim:
        if d is None:
            out = reshape(out, (out.shape[0],) + (1,) * x.ndim)
        else:
            out = unsqueeze(out, d + 1)
    return reshape(out, tuple(out.shape[1:])) if scalar_q else out


def quantile(
    input: Tensor,
    q,
    dim: int | None = None,
    keepdim: bool = False,
    *,
    interpolation: str = "linear",
) -> Tensor:
    """The ``q``-th quantiles (``q`` a number or a 1-D tensor in [0, 1]; a 1-D ``q`` adds a
    leading dim) of all elements or along ``dim``; ``interpolation`` is linear, lower,
    higher, midpoint or nearest, as PyTorch's. NaN where a slice holds NaN."""
    return _quantile(input, q, dim, keepdim, interpolation, False)


def nanquantile(
    input: Tensor,
    q,
    dim: int | None = None,
    keepdim: bool = False,
    *,
    interpolation: str = "linear",
) -> Tensor:
    """``quantile`` of the values that are not NaN (NaN where a slice holds NaN only)."""
    return _quantile(input, q, dim, keepdim, interpolation, True)
