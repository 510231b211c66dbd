"""Pooling (``nn.functional``'s): max, average, power-average (LP), adaptive average and
adaptive max pooling in 1-D and 2-D, and ``max_unpool``, with PyTorch's options, output sizes
and index convention.

Output size per spatial dim: ``floor_or_ceil((L + 2p - d(k - 1) - 1) / s) + 1``; with
``ceil_mode`` the last window is dropped when it would start in the right padding
(``(out - 1) s >= L + p``). ``stride`` defaults to ``kernel_size``. Padding may be at most half
the kernel size. The 1-D forms are the 2-D ones on a height-1 input.

- ``max_pool2d``: the input padded with ``-inf`` (and on the right as far as ceil-mode windows
  reach) is seen through a strided view of its windows (``convolution.windows``, no copy); the
  maximum of each window is one ``maximum`` per kernel cell, and its first arg-max is found,
  when needed, by comparing each cell with it. ``return_indices`` gives the arg-max as PyTorch
  does: a flat index ``h * W + w`` into each (unpadded) input plane. Gradient: each window's
  gradient goes to its arg-max, added back by one strided slice per kernel offset.
- ``avg_pool2d``: window sums of the zero-padded input divided per window by
  ``divisor_override``, or by the window's area inside ``input + padding``
  (``count_include_pad=True``: padding counts, ceil-mode overhang does not), or by its area
  inside the input. Gradient: ``g / divisor`` spread over each window.
- ``lp_pool2d`` (composite): ``(sum over the window of x^p)^(1/p)``, written as PyTorch's
  ``(sign(a) * relu(|a|) * kH * kW)^(1/p)`` with ``a = avg_pool2d(x^p)`` (no padding).
- ``adaptive_avg_pool2d`` (composite): bin ``i`` of ``out`` over ``L`` covers
  ``[floor(i L / out), ceil((i + 1) L / out))``; the averages are ``A_h @ x @ A_w^T`` with the
  averaging matrices A (two ``matmul``s), so the gradient is ``matmul``'s.
- ``adaptive_max_pool2d`` (composite): the same bins; each bin's first arg-max found on arrays,
  the values ``gather``ed at those flat indices (so the gradient is ``gather``'s).
- ``max_unpool2d``: zeros of the output size with each input value written at its flat index;
  gradient: ``g`` read back at the indices.
"""

from __future__ import annotations

import math
import numbers

from ..autograd import versions as _versions
from ..backend import get_xp
from ..tensor import Tensor, record
from .convolution import add_windows, tuple_arg, windows


# ---------------------------------------------------------------------------- geometry
def pool_out_size(n: int, k: int, s: int, p: int, d: int, ceil_mode: bool) -> int:
    """PyTorch's pooling output size (the ceil-mode rule included)."""
    span = n + 2 * p - d * (k - 1) - 1
    out = (-(-span // s) if ceil_mode else span // s) + 1
    if ceil_mode and (out - 1) * s >= n + p:
        out -= 1
    return out


def _pool_args(fn, input, kernel_size, stride, padding, dilation, ceil_mode, dims):
    """Checked (batched, kernel, stride, padding, dilation, out sizes) of a pooling call."""
    if input.ndim not in (dims + 1, dims + 2) or 0 in tuple(input.shape)[-dims:]:
        raise RuntimeError(
            f"{fn}: Expected {dims + 1}D or {dims + 2}D (batch mode) non-empty input, but got "
            f"input of size: {list(input.shape)}"
        )
    kernel = tuple_arg(kernel_size, dims, fn, "kernel_size", 1)
    stride = (
        kernel
        if stride is None or stride == [] or stride == ()
        else tuple_arg(stride, dims, fn, "stride", 1)
    )
    padding = tuple_arg(padding, dims, fn, "padding")
    dilation = tuple_arg(dilation, dims, fn, "dilation", 1)
    if any(2 * p > k for p, k in zip(padding, kernel)):
        pads = ", ".join(f"pad{a} = {p}" for a, p in zip("HW"[-dims:], padding))
        ks = ", ".join(f"k{a} = {k}" for a, k in zip("HW"[-dims:], kernel))
        raise RuntimeError(
            f"{fn}: pad should be smaller than or equal to half of kernel size, but got "
            f"{pads}, {ks}"
        )
    size = tuple(input.shape)[-dims:]
    out = tuple(
        pool_out_size(n, k, s, p, d, bool(ceil_mode))
        for n, k, s, p, d in zip(size, kernel, stride, padding, dilation)
    )
    if any(o < 1 for o in out):
        c = input.shape[-dims - 1]
        raise RuntimeError(
            f"{fn}: Given input size: ({'x'.join(map(str, (c, *size)))}). Calculated output "
            f"size: ({'x'.join(map(str, (c, *out)))}). Output size is too small"
        )
    return input.ndim == dims + 2, kernel, stride, padding, dilation, out


def _reach(out, kernel, stride, dilation) -> tuple:
    """How far (from the padded start) the windows read, per dim."""
    return tuple((o - 1) * s + d * (k - 1) + 1 for o, k, s, d in zip(out, kernel, stride, dilation))


def _padded(X, padding, reach, value):
    """(N, C, H, W) padded by ``padding`` before and up to ``reach`` after (a view when nothing
    is padded), filled with ``value``."""
    n, c, h, w = X.shape
    (ph, pw), (rh, rw) = padding, reach
    hb, wb = max(h + ph, rh), max(w + pw, rw)
    if (ph, pw) == (0, 0) and (hb, wb) == (h, w):
        return X
    buf = get_xp(X).full((n, c, hb, wb), value, dtype=X.dtype)
    buf[:, :, ph : ph + h, pw : pw + w] = X
    return buf


def _batched(input: Tensor, batched: bool) -> Tensor:
    return input if batched else input.reshape((1, *input.shape))


def _as_2d(x: Tensor) -> Tensor:
    """(N, C, L) as (N, C, 1, L)."""
    n, c, length = x.shape
    return x.reshape((n, c, 1, length))


def _crop_widths(shape, padding, buf_shape) -> tuple:
    """``_constant_pad`` widths that cut a padded buffer back to ``shape``."""
    return ((0, 0), (0, 0)) + tuple(
        (-p, n + p - b) for n, p, b in zip(shape[2:], padding, buf_shape[2:])
    )


# ---------------------------------------------------------------------------- max pooling
def _window_max(view, kernel):
    """The maximum of each window of ``view`` (NaN propagating), one ``maximum`` per kernel
    cell, in the view's memory layout."""
    xp = get_xp(view)
    values = view[..., 0, 0].copy(order="K")
    for t in range(1, kernel[0] * kernel[1]):
        xp.maximum(values, view[..., t // kernel[1], t % kernel[1]], out=values)
    return values


def _first_maxima(view, values, kernel, fixed=None):
    """For each kernel cell t, the mask of the windows whose first maximum is cell t (a NaN
    maximum: its first NaN), as ``(t, mask)``; the masks are one buffer, reused. ``fixed``:
    ``(windows, cells)``, windows whose cell is given instead."""
    xp = get_xp(view)
    hit = xp.empty_like(values, dtype=bool)  # (the masks in the values' memory layout)
    taken = xp.zeros_like(values, dtype=bool)
    nan = xp.isnan(values) if values.dtype.kind == "f" else None
    if nan is not None and not nan.any():
        nan = None
    for t in range(kernel[0] * kernel[1]):
        cell = view[..., t // kernel[1], t % kernel[1]]
        xp.equal(cell, values, out=hit)
        if nan is not None:
            hit |= nan & xp.isnan(cell)
        xp.greater(hit, taken, out=hit)  # (hit and not taken)
        taken |= hit
        if fixed is not None:
            xp.copyto(hit, fixed[1] == t, where=fixed[0])
        yield t, hit


def _max_pool2d(x: Tensor, kernel, stride, padding, dilation, out) -> tuple:
    """The (N, C, H, W) max pool op: (values tensor, a function giving the flat indices).

    The forward pass is one ``maximum`` per kernel cell over the window view, in the input's
    memory layout (a convolution's channels-last output stays channels last); the first
    arg-max (PyTorch's choice among ties) is found when needed, in the backward pass or for
    ``return_indices``, by comparing each cell with the maximum. A window holding only the
    ``-inf`` fill takes its first cell inside the input, as PyTorch's."""
    X = x._data
    xp = get_xp(X)
    n, c, h, w = X.shape
    fill = -xp.inf if X.dtype.kind == "f" else xp.iinfo(X.dtype).min
    buf = _padded(X, padding, _reach(out, kernel, stride, dilation), fill)
    values = _window_max(windows(buf, (2, 3), kernel, stride, dilation, out), kernel)
    version = _versions.version(values)
    # the windows tile the input (no padding, stride = kernel, no gap, nothing left over)
    tiles = buf is X and stride == kernel and dilation == (1, 1) and out[0] * kernel[0] == h
    tiles = tiles and out[1] * kernel[1] == w

    def maxima(buf, values=None):
        """(view, values, the cell of each first maximum as masks)."""
        view = windows(buf, (2, 3), kernel, stride, dilation, out)
        if values is None:
            values = _window_max(view, kernel)
        fixed = None
        if any(padding):  # windows of the fill only: their first cell inside the input
            at_fill = values == fill
            if at_fill.any():
                first = [
                    xp.maximum(-((xp.arange(o) * s - p) // d), 0)
                    for o, s, p, d in zip(out, stride, padding, dilation)
                ]
                fixed = (at_fill, first[0][:, None] * kernel[1] + first[1])
        return _first_maxima(view, values, kernel, fixed)

    def flat_index(buf, values=None):
        """PyTorch's indices: ``h * W + w`` of each window's maximum in its input plane."""
        arg = None
        for t, hit in maxima(buf, values):
            if arg is None:
                arg = xp.zeros(hit.shape, dtype=xp.int64)
            xp.copyto(arg, t, where=hit)
        i, j = arg // kernel[1], arg % kernel[1]
        rows = xp.arange(out[0]).reshape(-1, 1) * stride[0] - padding[0] + i * dilation[0]
        cols = xp.arange(out[1]) * stride[1] - padding[1] + j * dilation[1]
        return rows * w + cols

    def backward(g, needs, buf):
        if isinstance(g, Tensor):  # (a recorded backward pass: g added at the arg-max)
            from .array_api import TENSOR_API  # noqa: PLC0415

            index = Tensor._make(flat_index(buf._data)).reshape((n, c, -1))
            flat_g = TENSOR_API.scatter_into_zeros((n, c, h * w), 2, index, g.reshape((n, c, -1)))
            return (flat_g.reshape((n, c, h, w)),)
        # (the saved maxima, or, when the output was changed in place, recomputed)
        kept = values if _versions.version(values) == version else None
        gk = xp.empty_like(values, dtype=g.dtype)  # (g in the same layout as the masks)
        gk[...] = g
        finite = bool(xp.isfinite(gk).all())  # (g * mask, or where() for infinite g)
        zero = xp.zeros((), dtype=g.dtype)
        if tiles:  # each input cell in exactly one window: its gradient written, not added
            gx = xp.empty_like(buf, dtype=g.dtype)
            cells = windows(gx, (2, 3), kernel, stride, dilation, out)  # (a view to write)
            for t, hit in maxima(buf, kept):
                at = cells[..., t // kernel[1], t % kernel[1]]
                if finite:
                    xp.multiply(gk, hit, out=at)
                else:
                    at[...] = xp.where(hit, gk, zero)
            return (gx,)
        gbuf = xp.zeros_like(buf, dtype=g.dtype)  # (in the input's layout)
        part = xp.empty_like(values, dtype=g.dtype)
        for t, hit in maxima(buf, kept):
            i, j = t // kernel[1], t % kernel[1]
            at = (
                slice(None),
                slice(None),
                slice(i * dilation[0], i * dilation[0] + stride[0] * (out[0] - 1) + 1, stride[0]),
                slice(j * dilation[1], j * dilation[1] + stride[1] * (out[1] - 1) + 1, stride[1]),
            )
            if finite:
                xp.multiply(gk, hit, out=part)
            else:
                part[...] = xp.where(hit, gk, zero)
            gbuf[at] += part
        return (gbuf[:, :, padding[0] : padding[0] + h, padding[1] : padding[1] + w],)

    result = record(values, (x,), backward, "MaxPool2DWithIndicesBackward0", (buf,))
    return result, lambda: flat_index(buf, values)


def max_pool2d(
    input: Tensor,
    kernel_size,
    stride=None,
    padding=0,
    dilation=1,
    ceil_mode: bool = False,
    return_indices: bool = False,
):
    """2-D max pooling over (N, C, H, W) or (C, H, W): the maximum of each window (``stride``
    defaults to ``kernel_size``; ``-inf`` padding); with ``return_indices`` also the int64
    flat index ``h * W + w`` of each maximum in its input plane (the first among ties)."""
    batched, kernel, stride, padding, dilation, out = _pool_args(
        "max_pool2d", input, kernel_size, stride, padding, dilation, ceil_mode, 2
    )
    x = _batched(input, batched)
    values, index = _max_pool2d(x, kernel, stride, padding, dilation, out)
    index = index() if return_indices else None
    if not batched:
        values, index = values.reshape(tuple(values.shape[1:])), None if index is None else index[0]
    return (values, Tensor._make(index)) if return_indices else values


def max_pool1d(
    input: Tensor,
    kernel_size,
    stride=None,
    padding=0,
    dilation=1,
    ceil_mode: bool = False,
    return_indices: bool = False,
):
    """1-D max pooling over (N, C, L) or (C, L): ``max_pool2d`` on a height-1 input; indices
    are positions along L."""
    batched, kernel, stride, padding, dilation, out = _pool_args(
        "max_pool1d", input, kernel_size, stride, padding, dilation, ceil_mode, 1
    )
    x = _batched(input, batched)
    values, index = _max_pool2d(
        _as_2d(x), (1, *kernel), (1, *stride), (0, *padding), (1, *dilation), (1, *out)
    )
    values = values.reshape((x.shape[0], x.shape[1], out[0]))
    index = index()[:, :, 0] if return_indices else None
    if not batched:
        values, index = values.reshape(tuple(values.shape[1:])), None if index is None else index[0]
    return (values, Tensor._make(index)) if return_indices else values


def _unpool_size(fn, x, kernel, stride, padding, output_size, dims) -> tuple:
    default = tuple(
        (n - 1) * s - 2 * p + k for n, k, s, p in zip(x.shape[-dims:], kernel, stride, padding)
    )
    if output_size is None:
        return default
    size = tuple(int(v) for v in output_size)
    if len(size) == dims + 2 or len(size) == dims + 1:
        size = size[-dims:]
    if len(size) != dims:
        raise ValueError(
            f"{fn}: output_size must have {dims} or {dims + 2} elements, but it has {len(size)}"
        )
    for v, d, s in zip(size, default, stride):
        if not d - s < v < d + s:
            raise ValueError(
                f"{fn}: invalid output_size {size} (dim of size {v} must be between {d - s + 1} "
                f"and {d + s - 1})"
            )
    return size


def _max_unpool(x: Tensor, indices, size: tuple) -> Tensor:
    """(N, C, *spatial) values written at flat ``indices`` of (N, C, *size) zeros."""
    X, idx = x._data, indices._data
    xp = get_xp(X)
    n, c = X.shape[:2]
    plane = math.prod(size)
    idx = idx.reshape(n, c, -1)
    if idx.size and (int(idx.min()) < 0 or int(idx.max()) >= plane):
        bad = int(idx.max()) if int(idx.max()) >= plane else int(idx.min())
        raise RuntimeError(
            f"max_unpool: Found an invalid max index: {bad} (output volumes are of size "
            f"{'x'.join(map(str, size))})"
        )
    out = xp.zeros((n * c, plane), dtype=X.dtype)
    out[xp.arange(n * c)[:, None], idx.reshape(n * c, -1)] = X.reshape(n * c, -1)
    xshape = X.shape

    def backward(g, needs, idx):
        if isinstance(g, Tensor):
            from .indexing import gather  # noqa: PLC0415

            return (gather(g.reshape((n, c, plane)), 2, idx).reshape(tuple(xshape)),)
        return (xp.take_along_axis(g.reshape(n, c, plane), idx, axis=2).reshape(xshape),)

    return record(out.reshape(n, c, *size), (x,), backward, "MaxUnpool2DBackward0", (idx,))


def _max_unpool_nd(fn, input, indices, kernel_size, stride, padding, output_size, dims):
    if input.ndim not in (dims + 1, dims + 2):
        raise RuntimeError(
            f"{fn}: Expected {dims + 1}D or {dims + 2}D (batch mode) input, but got input of "
            f"size: {list(input.shape)}"
        )
    if not isinstance(indices, Tensor) or tuple(indices.shape) != tuple(input.shape):
        raise RuntimeError(
            f"{fn}: Expected shape of indices to be same as that of the input tensor "
            f"({list(input.shape)}) but got indices tensor with shape: "
            f"{list(getattr(indices, 'shape', ()))}"
        )
    if indices._data.dtype.kind not in "iu":
        raise RuntimeError(
            f"{fn}: elements in indices should be type int64 but got: {indices.dtype}"
        )
    kernel = tuple_arg(kernel_size, dims, fn, "kernel_size", 1)
    stride = kernel if stride is None else tuple_arg(stride, dims, fn, "stride", 1)
    padding = tuple_arg(padding, dims, fn, "padding")
    size = _unpool_size(fn, input, kernel, stride, padding, output_size, dims)
    batched = input.ndim == dims + 2
    x = _batched(input, batched)
    idx = indices if batched else Tensor._make(indices._data[None])
    out = _max_unpool(x, idx, size)
    return out if batched else out.reshape(tuple(out.shape[1:]))


def max_unpool2d(
    input: Tensor, indices: Tensor, kernel_size, stride=None, padding=0, output_size=None
) -> Tensor:
    """The partial inverse of ``max_pool2d``: zeros of size ``(H - 1) s - 2p + k`` per dim (or
    ``output_size``) with each input value at its flat index ``h * W + w``. Gradient: ``g``
    at the indices."""
    return _max_unpool_nd(
        "max_unpool2d", input, indices, kernel_size, stride, padding, output_size, 2
    )


def max_unpool1d(
    input: Tensor, indices: Tensor, kernel_size, stride=None, padding=0, output_size=None
) -> Tensor:
    """The partial inverse of ``max_pool1d`` (see ``max_unpool2d``)."""
    return _max_unpool_nd(
        "max_unpool1d", input, indices, kernel_size, stride, padding, output_size, 1
    )


# ---------------------------------------------------------------------------- average pooling
def _divisors(n, k, s, p, o, count_include_pad: bool, xp, dtype):
    """Per output position of one dim: the window's length inside ``input + padding``
    (``count_include_pad``) or inside the input."""
    start = xp.arange(o) * s - p
    end = xp.minimum(start + k, n + p)
    if not count_include_pad:
        start, end = xp.maximum(start, 0), xp.minimum(end, n)
    return (end - start).astype(dtype)


def _avg_pool2d(x: Tensor, kernel, stride, padding, out, count_include_pad, divisor_override):
    X = x._data
    xp = get_xp(X)
    n, c, h, w = X.shape
    one = (1, 1)
    buf = _padded(X, padding, _reach(out, kernel, stride, one), 0)
    sums = windows(buf, (2, 3), kernel, stride, one, out).sum(axis=(-2, -1))
    if divisor_override:
        div = xp.asarray(divisor_override, dtype=X.dtype)
    else:
        dh = _divisors(h, kernel[0], stride[0], padding[0], out[0], count_include_pad, xp, X.dtype)
        dw = _divisors(w, kernel[1], stride[1], padding[1], out[1], count_include_pad, xp, X.dtype)
        div = dh[:, None] * dw
    values = sums / div
    bshape = buf.shape

    def backward(g, needs, div):
        if isinstance(g, Tensor):  # (a recorded backward pass: fold of g / div)
            from .convolution import fold  # noqa: PLC0415
            from .padding import _constant_pad  # noqa: PLC0415
            from .shape import broadcast_to  # noqa: PLC0415

            length = out[0] * out[1]
            spread = broadcast_to(
                (g / div).reshape((n, c, 1, length)), (n, c, kernel[0] * kernel[1], length)
            )
            reach = _reach(out, kernel, stride, one)
            full = fold(spread.reshape((n, -1, length)), reach, kernel, 1, 0, stride)
            return (_constant_pad(full, _crop_widths(X.shape, padding, (n, c, *reach)), 0),)
        gd = g / div
        gbuf = xp.zeros(bshape, dtype=g.dtype)
        spread = xp.broadcast_to(gd[..., None, None], gd.shape + tuple(kernel))
        add_windows(gbuf, spread, (2, 3), kernel, stride, one, out)
        return (gbuf[:, :, padding[0] : padding[0] + h, padding[1] : padding[1] + w],)

    return record(values, (x,), backward, "AvgPool2DBackward0", (div,))


def _avg_args(fn, input, kernel_size, stride, padding, ceil_mode, divisor_override, dims):
    if divisor_override is not None and (
        not isinstance(divisor_override, numbers.Integral) or divisor_override == 0
    ):
        raise RuntimeError(f"{fn}: divisor must be not zero, got {divisor_override!r}")
    if input._data.dtype.kind not in "fc":
        raise RuntimeError(f"{fn}: expected a floating point input, got {input.dtype}")
    return _pool_args(fn, input, kernel_size, stride, padding, 1, ceil_mode, dims)


def avg_pool2d(
    input: Tensor,
    kernel_size,
    stride=None,
    padding=0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
) -> Tensor:
    """2-D average pooling over (N, C, H, W) or (C, H, W): each window's sum over the
    zero-padded input divided by ``divisor_override``, else by the window's area inside
    ``input + padding`` (``count_include_pad=True``) or inside the input."""
    batched, kernel, stride, padding, _, out = _avg_args(
        "avg_pool2d", input, kernel_size, stride, padding, ceil_mode, divisor_override, 2
    )
    x = _batched(input, batched)
    y = _avg_pool2d(x, kernel, stride, padding, out, count_include_pad, divisor_override)
    return y if batched else y.reshape(tuple(y.shape[1:]))


def avg_pool1d(
    input: Tensor,
    kernel_size,
    stride=None,
    padding=0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
) -> Tensor:
    """1-D average pooling over (N, C, L) or (C, L): ``avg_pool2d`` on a height-1 input."""
    batched, kernel, stride, padding, _, out = _avg_args(
        "avg_pool1d", input, kernel_size, stride, padding, ceil_mode, None, 1
    )
    x = _batched(input, batched)
    y = _avg_pool2d(
        _as_2d(x), (1, *kernel), (1, *stride), (0, *padding), (1, *out), count_include_pad, None
    )
    y = y.reshape((x.shape[0], x.shape[1], out[0]))
    return y if batched else y.reshape(tuple(y.shape[1:]))


# ---------------------------------------------------------------------------- LP pooling
def _lp_finish(a: Tensor, norm_type: float, area: int) -> Tensor:
    from .activation import relu  # noqa: PLC0415

    return ((a.sign() * relu(a.abs())) * area) ** (1.0 / norm_type)


def lp_pool2d(
    input: Tensor, norm_type: float, kernel_size, stride=None, ceil_mode: bool = False
) -> Tensor:
    """Power-average pooling: ``(sum over each window of x^p)^(1/p)`` with ``p = norm_type``
    (no padding). Composite, PyTorch's formula: ``(sign(a) * relu(|a|) * kH*kW)^(1/p)``,
    ``a = avg_pool2d(x^p)``."""
    kernel = tuple_arg(kernel_size, 2, "lp_pool2d", "kernel_size", 1)
    a = avg_pool2d(input**norm_type, kernel, stride, 0, ceil_mode)
    return _lp_finish(a, norm_type, kernel[0] * kernel[1])


def lp_pool1d(
    input: Tensor, norm_type: float, kernel_size, stride=None, ceil_mode: bool = False
) -> Tensor:
    """1-D power-average pooling (see ``lp_pool2d``). Composite."""
    (k,) = tuple_arg(kernel_size, 1, "lp_pool1d", "kernel_size", 1)
    a = avg_pool1d(input**norm_type, k, stride, 0, ceil_mode)
    return _lp_finish(a, norm_type, k)


# ---------------------------------------------------------------------------- adaptive pooling
def _bins(n: int, o: int) -> list:
    """PyTorch's adaptive bins: [floor(i n / o), ceil((i + 1) n / o)) for i < o."""
    return [((i * n) // o, -(-((i + 1) * n) // o)) for i in range(o)]


def _adaptive_args(fn, input, output_size, dims) -> tuple:
    if input.ndim not in (dims + 1, dims + 2) or 0 in tuple(input.shape)[-dims:]:
        raise RuntimeError(
            f"{fn}: Expected {dims + 1}D or {dims + 2}D tensor with non-zero sizes for the "
            f"spatial dims, but got input of size: {list(input.shape)}"
        )
    size = tuple(input.shape)[-dims:]
    if isinstance(output_size, (tuple, list)):
        if len(output_size) != dims:
            raise RuntimeError(
                f"{fn}: output_size must be {dims} (an int or a tuple of {dims}), got "
                f"{output_size!r}"
            )
        output_size = tuple(n if o is None else o for o, n in zip(output_size, size))
    out = tuple_arg(output_size, dims, fn, "output_size", 1)
    return input.ndim == dims + 2, size, out


def _averaging_matrix(n: int, o: int, xp, dtype):
    """(o, n): row i averages bin i."""
    m = xp.zeros((o, n), dtype=dtype)
    for i, (lo, hi) in enumerate(_bins(n, o)):
        m[i, lo:hi] = 1.0 / (hi - lo)
    return m


def adaptive_avg_pool2d(input: Tensor, output_size) -> Tensor:
    """Averages over PyTorch's adaptive bins (``output_size`` an int or (H, W), None keeping a
    size). Composite: ``A_h @ x @ A_w^T`` with the averaging matrices."""
    from .linalg import matmul  # noqa: PLC0415

    _, (h, w), (oh, ow) = _adaptive_args("adaptive_avg_pool2d", input, output_size, 2)
    if input._data.dtype.kind not in "fc":
        raise RuntimeError(
            f"adaptive_avg_pool2d: expected a floating point input, got {input.dtype}"
        )
    xp, dtype = get_xp(input._data), input._data.dtype
    ah = Tensor._make(_averaging_matrix(h, oh, xp, dtype))
    awt = Tensor._make(_averaging_matrix(w, ow, xp, dtype).T.copy())
    return matmul(ah, matmul(input, awt))


def adaptive_avg_pool1d(input: Tensor, output_size) -> Tensor:
    """1-D adaptive average pooling over (N, C, L) or (C, L). Composite: ``x @ A^T``."""
    from .linalg import matmul  # noqa: PLC0415

    _, (n,), (o,) = _adaptive_args("adaptive_avg_pool1d", input, output_size, 1)
    if input._data.dtype.kind not in "fc":
        raise RuntimeError(
            f"adaptive_avg_pool1d: expected a floating point input, got {input.dtype}"
        )
    xp, dtype = get_xp(input._data), input._data.dtype
    return matmul(input, Tensor._make(_averaging_matrix(n, o, xp, dtype).T.copy()))


def _bin_positions(n: int, o: int, xp):
    """(o, longest bin) input positions of each bin, the last repeated to fill the row."""
    bins = _bins(n, o)
    longest = max(hi - lo for lo, hi in bins)
    rows = [[min(lo + t, hi - 1) for t in range(longest)] for lo, hi in bins]
    return xp.asarray(rows, dtype=xp.int64)


def _adaptive_max(x: Tensor, size: tuple, out: tuple) -> tuple:
    """(values, flat indices) of the adaptive max pool of batched (N, C, H, W) ``x``."""
    from .indexing import gather  # noqa: PLC0415

    X = x._data
    xp = get_xp(X)
    n, c, h, w = X.shape
    ph, pw = _bin_positions(size[0], out[0], xp), _bin_positions(size[1], out[1], xp)
    flat_pos = ph[:, None, :, None] * w + pw[None, :, None, :]  # (oh, ow, kh, kw)
    flat_pos = flat_pos.reshape(out[0], out[1], -1)
    vals = X.reshape(n, c, h * w)[:, :, flat_pos]  # (N, C, oh, ow, kh*kw)
    arg = vals.argmax(axis=-1)
    index = xp.take_along_axis(xp.broadcast_to(flat_pos, vals.shape), arg[..., None], axis=-1)[
        ..., 0
    ]
    values = gather(x.reshape((n, c, h * w)), 2, Tensor._make(index.reshape(n, c, -1)))
    return values.reshape((n, c, *out)), index


def adaptive_max_pool2d(input: Tensor, output_size, return_indices: bool = False):
    """The maximum over each of PyTorch's adaptive bins (the first arg-max in row-major
    order); ``return_indices`` gives flat indices ``h * W + w`` as ``max_pool2d``.
    Composite: the values are ``gather``ed at the arg-max."""
    batched, size, out = _adaptive_args("adaptive_max_pool2d", input, output_size, 2)
    x = _batched(input, batched)
    values, index = _adaptive_max(x, size, out)
    if not batched:
        values, index = values.reshape(tuple(values.shape[1:])), index[0]
    return (values, Tensor._make(index)) if return_indices else values


def adaptive_max_pool1d(input: Tensor, output_size, return_indices: bool = False):
    """1-D adaptive max pooling over (N, C, L) or (C, L) (see ``adaptive_max_pool2d``)."""
    batched, size, out = _adaptive_args("adaptive_max_pool1d", input, output_size, 1)
    x = _batched(input, batched)
    values, index = _adaptive_max(_as_2d(x), (1, *size), (1, *out))
    values, index = values.reshape((x.shape[0], x.shape[1], out[0])), index[:, :, 0]
    if not batched:
        values, index = values.reshape(tuple(values.shape[1:])), index[0]
    return (values, Tensor._make(index)) if return_indices else values
