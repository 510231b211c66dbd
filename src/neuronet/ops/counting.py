"""Counting and finding values: ``histogram``, ``histc``, ``bincount``, ``unique``,
``unique_consecutive``, ``nonzero`` and ``argwhere``, with PyTorch's arguments and dtypes.

Their outputs are counts, indices or values picked from the input, and, as in PyTorch, none of
them is differentiable: the results never join the graph.
"""

from __future__ import annotations

import builtins
from collections import namedtuple

from ..backend import get_xp
from ..tensor import Tensor
from ._util import normalize_dim

HistogramResult = namedtuple("HistogramResult", ["hist", "bin_edges"])  # torch.return_types


def _floating_only(x, name: str) -> None:
    if x.dtype.kind != "f":
        raise NotImplementedError(f'"{name}" not implemented for {_kind_name(x.dtype)}')


def _kind_name(dtype) -> str:
    return {"i": "'Long'", "u": "'Byte'", "b": "'Bool'"}.get(dtype.kind, f"'{dtype}'")


def _range_of(x, lo: float, hi: float, pad: float) -> tuple:
    """The bins' range: ``(lo, hi)``, or the data's when both are equal; a range of one value
    is widened by ``pad`` on each side, as PyTorch does."""
    if lo == hi and x.size:
        lo, hi = float(x.min()), float(x.max())
    if lo == hi:
        lo, hi = lo - pad, hi + pad
    if lo > hi:
        raise RuntimeError(f"max must be larger than min, got min={lo} and max={hi}")
    return lo, hi


def _even_edges(lo: float, hi: float, bins: int, dtype, xp):
    """``bins + 1`` edges from ``lo`` to ``hi`` as PyTorch's ``linspace`` computes them in
    ``dtype``: ``lo + i * step`` in the first half, ``hi - (bins - i) * step`` in the second."""
    lo_d, hi_d = xp.asarray(lo, dtype=dtype), xp.asarray(hi, dtype=dtype)
    step = (hi_d - lo_d) / xp.asarray(bins, dtype=dtype)
    i = xp.arange(bins + 1).astype(dtype)
    half = (bins + 1) // 2
    return xp.where(xp.arange(bins + 1) < half, lo_d + i * step, hi_d - (bins - i) * step)


def histc(input: Tensor, bins: int = 100, min: float = 0, max: float = 0) -> Tensor:
    """Counts of ``input``'s elements in ``bins`` equal bins over [min, max] (the data's range
    when min == max), in ``input``'s dtype; elements outside are left out, one equal to ``max``
    falls in the last bin. Floating inputs only, as PyTorch."""
    x = input._data
    _floating_only(x, "histogram_cpu")
    if bins <= 0:
        raise RuntimeError(f"histc: bins must be > 0, but got {bins}")
    xp = get_xp(x)
    lo, hi = _range_of(x, float(min), float(max), 1.0)
    counts, _ = xp.histogram(x.reshape(-1), bins=bins, range=(lo, hi))
    return Tensor._make(counts.astype(x.dtype))


def histogram(
    input: Tensor,
    bins=100,
    *,
    range: tuple | None = None,
    weight: Tensor | None = None,
    density: bool = False,
) -> HistogramResult:
    """``(hist, bin_edges)``: ``input``'s elements counted (or their ``weight`` summed) in
    ``bins`` equal bins over ``range`` (the data's range by default), or between the edges of a
    1-D tensor ``bins``; the last bin includes its right edge. ``density=True`` divides by the
    total and the bin widths. Floating inputs only, as PyTorch."""
    x = input._data
    _floating_only(x, "histogramdd")
    xp = get_xp(x)
    w = None
    if weight is not None:
        if tuple(weight.shape) != tuple(x.shape):
            raise RuntimeError(
                f"histogram: weight should have the same shape as input, got {tuple(weight.shape)}"
                f" and {tuple(x.shape)}"
            )
        w = weight._data.reshape(-1)
    if isinstance(bins, Tensor):
        edges = bins._data
        if edges.dtype != x.dtype:
            raise RuntimeError(
                f"torch.histogramdd: input tensor and bins tensors should have the same dtype, "
                f"but got input with dtype {x.dtype} and bins with dtype {edges.dtype}"
            )
        if edges.ndim != 1 or edges.shape[0] < 1:
            raise RuntimeError("histogram: bins must be a 1-D tensor with at least one edge")
        hist, _ = xp.histogram(x.reshape(-1), bins=edges, weights=w)
    else:
        if isinstance(bins, bool) or not isinstance(bins, int) or bins <= 0:
            raise RuntimeError(f"histogram: bins must be a positive int or a tensor, got {bins!r}")
        lo, hi = (0.0, 0.0) if range is None else (float(range[0]), float(range[1]))
        lo, hi = _range_of(x, lo, hi, 0.5)
        edges = _even_edges(lo, hi, bins, x.dtype, xp)
        hist, _ = xp.histogram(x.reshape(-1), bins=edges, weights=w)
    hist = hist.astype(x.dtype)
    if density:
        total = hist.sum()
        widths = xp.diff(edges)
        hist = hist / (total * widths) if total else xp.zeros_like(hist)
    return HistogramResult(Tensor._make(hist.astype(x.dtype)), Tensor._make(edges))


def bincount(input: Tensor, weights: Tensor | None = None, minlength: int = 0) -> Tensor:
    """How often each value 0, 1, ... occurs in the 1-D non-negative integer ``input`` (at
    least ``minlength`` counts), int64; with ``weights`` the sums of the weights instead, in
    their dtype when floating, else float64."""
    x = input._data
    if x.dtype.kind not in "iub":
        raise NotImplementedError(f'"bincount_cpu" not implemented for {_kind_name(x.dtype)}')
    xp = get_xp(x)
    if x.ndim != 1 or x.size and x.min() < 0:
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    if minlength < 0:
        raise RuntimeError(f"bincount: minlength should be >= 0, got {minlength}")
    if weights is None:
        return Tensor._make(xp.bincount(x, minlength=minlength).astype("int64"))
    w = weights._data
    if w.shape != x.shape:
        raise RuntimeError(
            f"bincount: weights should be 1-d and have the same length as input, got "
            f"{tuple(w.shape)} for input of shape {tuple(x.shape)}"
        )
    dtype = w.dtype if w.dtype.kind == "f" else "float64"
    return Tensor._make(xp.bincount(x, weights=w, minlength=minlength).astype(dtype))


def _along(x, dim):
    """``x`` with ``dim`` first and the rest flattened: one row per slice (the whole tensor
    flattened, one value per row, when ``dim`` is None)."""
    xp = get_xp(x)
    if dim is None:
        return x.reshape(-1, 1), None
    d = normalize_dim(dim, x.ndim)
    moved = xp.moveaxis(x, d, 0)
    return moved.reshape(moved.shape[0], -1), (d, moved.shape[1:])


def _rows_back(rows, where, xp):
    """The unique rows of ``_along``, as a tensor of the input's layout again."""
    if where is None:
        return rows.reshape(-1)
    d, rest = where
    return xp.moveaxis(rows.reshape((rows.shape[0],) + tuple(rest)), 0, d)


def _results(values, inverse, counts, return_inverse: bool, return_counts: bool, inv_shape):
    out = [Tensor._make(values)]
    if return_inverse:
        out.append(Tensor._make(inverse.reshape(inv_shape).astype("int64")))
    if return_counts:
        out.append(Tensor._make(counts.astype("int64")))
    return out[0] if len(out) == 1 else tuple(out)


def unique(
    input: Tensor,
    sorted: bool = True,
    return_inverse: bool = False,
    return_counts: bool = False,
    dim: int | None = None,
):
    """The distinct values of ``input`` (flattened; or the distinct slices along ``dim``),
    sorted ascending (as PyTorch does on the CPU whatever ``sorted`` says), with, when asked,
    the index of each element's value (``input``'s shape, or one per slice) and the counts."""
    x = input._data
    xp = get_xp(x)
    rows, where = _along(x, dim)
    values, inverse, counts = xp.unique(
        rows, axis=0, return_inverse=True, return_counts=True, equal_nan=False
    )
    inv_shape = x.shape if dim is None else (-1,)
    return _results(
        _rows_back(values, where, xp), inverse, counts, return_inverse, return_counts, inv_shape
    )


def unique_consecutive(
    input: Tensor,
    return_inverse: bool = False,
    return_counts: bool = False,
    dim: int | None = None,
):
    """``input`` with each run of equal consecutive values (or slices along ``dim``) kept once,
    with, when asked, the run index of each element and each run's length."""
    x = input._data
    xp = get_xp(x)
    rows, where = _along(x, dim)
    n = rows.shape[0]
    if n:
        starts = xp.ones(n, dtype=bool)
        starts[1:] = (rows[1:] != rows[:-1]).any(axis=1)
    else:
        starts = xp.zeros(0, dtype=bool)
    first = xp.nonzero(starts)[0]
    inverse = xp.cumsum(starts) - 1
    counts = xp.diff(xp.concatenate([first, xp.asarray([n])]))
    inv_shape = x.shape if dim is None else (-1,)
    return _results(
        _rows_back(rows[first], where, xp),
        inverse,
        counts,
        return_inverse,
        return_counts,
        inv_shape,
    )


def nonzero(input: Tensor, *, as_tuple: bool = False):
    """The indices of the nonzero elements: an (n, ndim) int64 tensor, in row-major order, or
    with ``as_tuple=True`` one 1-D tensor per dim (a 0-d input counts as 1-D)."""
    x = input._data
    xp = get_xp(x)
    found = xp.nonzero(x.reshape(1) if x.ndim == 0 else x)
    if as_tuple:
        return tuple(Tensor._make(i.astype("int64")) for i in found)
    if x.ndim == 0:
        return Tensor._make(xp.zeros((builtins.int(found[0].size), 0), dtype="int64"))
    return Tensor._make(xp.stack(found, axis=1).astype("int64").reshape(-1, x.ndim))


def argwhere(input: Tensor) -> Tensor:
    """``nonzero(input)``: the (n, ndim) int64 indices of the nonzero elements."""
    return nonzero(input)
