"""Convolution (``nn.functional``'s ``conv1d``, ``conv2d``, ``conv_transpose1d``,
``conv_transpose2d``) and the sliding-window ops ``unfold`` / ``fold``, each owning its VJP.

Shapes and layouts are PyTorch's: inputs (N, C, H, W) or unbatched (C, H, W), a convolution's
weight (out_channels, in_channels / groups, kH, kW), a transposed convolution's
(in_channels, out_channels / groups, kH, kW). The 1-D forms are the 2-D ones on a height-1
input. Output size per spatial dim: ``floor((L + 2p - d(k - 1) - 1) / s) + 1``; a transposed
convolution's ``(L - 1) s - 2p + d(k - 1) + output_padding + 1``.

Algorithm (im2col, one BLAS product per layer and group):

- The zero-padded input is seen, channels last, through a strided view of its sliding
  windows, (N, Ho, Wo, kH, kW, C), which costs no copy; ``conv2d`` copies that view once into
  the row matrix ``cols`` (groups, N*Ho*Wo, kH*kW*C/groups) and multiplies it by the weight
  matrix (groups, kH*kW*C/groups, O/groups). The product is (N*Ho*Wo, O) channels last; the
  output is that array seen as (N, O, Ho, Wo) (a view, no copy when groups == 1), so the next
  layer's windows again read contiguous channels.
- Backward: ``dW = g^T @ cols`` (``cols`` kept from the forward pass), ``dx = col2im(g @ W)``:
  the rows added back into a zero-padded buffer by one strided slice addition per kernel
  offset (kH*kW additions of an (N, Ho, Wo, C) block; no ``np.add.at``), ``db`` the sum of g.
  ``col2im_product`` runs product and additions for a few images at a time, so the rows are
  added back while they are in cache (``col2im`` of the whole product is its reference).
- ``conv_transpose2d`` is the adjoint of ``conv2d`` in its input: ``col2im(x @ W)`` forward,
  im2col of g backward.
- ``unfold`` gives PyTorch's (N, C*kH*kW, L) columns (channel-major); ``fold`` sums columns
  back into an image. They are each other's adjoints, so each is the other's VJP.

A backward pass that records its own graph (``create_graph=True``) computes the same gradients
with differentiable ops: ``unfold``, ``fold``, ``matmul``, ``pad`` and ``conv2d`` itself.
"""

from __future__ import annotations

import itertools
import numbers

from ..backend import get_xp, sum_rows, xp_and_dot
from ..tensor import Tensor, record

PADDING_STRINGS = ("valid", "same")


# ---------------------------------------------------------------------------- arguments
def tuple_arg(value, n: int, fn: str, name: str, minimum: int = 0) -> tuple:
    """``value`` (an int or a sequence of ``n`` ints) as a tuple of ``n`` ints >= ``minimum``."""
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        values: tuple = (int(value),) * n
    elif (
        isinstance(value, (tuple, list))
        and len(value) in (1, n)
        and all(isinstance(v, numbers.Integral) and not isinstance(v, bool) for v in value)
    ):
        values = tuple(int(v) for v in value) * (n if len(value) == 1 else 1)
    else:
        raise TypeError(
            f"{fn}(): argument '{name}' must be an int or a tuple of {n} ints, got {value!r}"
        )
    if any(v < minimum for v in values):
        what = {0: "non-negative", 1: "positive"}.get(minimum, f">= {minimum}")
        raise RuntimeError(f"{fn}(): argument '{name}' must be {what}, got {value!r}")
    return values


def out_size(n: int, k: int, s: int, lo: int, hi: int, d: int) -> int:
    """Windows of size ``k`` (dilation ``d``, stride ``s``) in ``n`` padded by ``lo``/``hi``."""
    return (n + lo + hi - d * (k - 1) - 1) // s + 1


def _same_pads(kernel: tuple, dilation: tuple) -> tuple:
    """``padding='same'``: total ``d(k - 1)`` per dim, the odd one extra on the right."""
    return tuple(
        (d * (k - 1) // 2, d * (k - 1) - d * (k - 1) // 2) for k, d in zip(kernel, dilation)
    )


def conv_pads(padding, kernel: tuple, stride: tuple, dilation: tuple, fn: str) -> tuple:
    """``padding`` of a convolution (an int, a tuple, ``'valid'`` or ``'same'``) as
    ``((before, after), ...)`` per spatial dim."""
    n = len(kernel)
    if isinstance(padding, str):
        if padding not in PADDING_STRINGS:
            raise ValueError(
                f"Invalid padding string {padding!r}, should be one of {set(PADDING_STRINGS)}"
            )
        if padding == "valid":
            return ((0, 0),) * n
        if any(s != 1 for s in stride):
            raise RuntimeError("padding='same' is not supported for strided convolutions")
        return _same_pads(kernel, dilation)
    try:
        p = tuple_arg(padding, n, fn, "padding")
    except RuntimeError:
        raise RuntimeError(f"{fn}(): negative padding is not supported, got {padding!r}") from None
    return tuple((v, v) for v in p)


# ---------------------------------------------------------------------------- window kernels
def windows(a, axes: tuple, kernel: tuple, stride: tuple, dilation: tuple, out: tuple):
    """A strided view (no copy) of ``a``'s sliding windows: ``a.shape`` with dim ``axes[i]``
    of size ``out[i]`` (the window starts, ``stride[i]`` apart), then the kernel dims (entries
    ``dilation[i]`` apart). ``a`` must hold every window in full."""
    shape, strides = list(a.shape), list(a.strides)
    inner = []
    for ax, s, d, o in zip(axes, stride, dilation, out):
        inner.append(a.strides[ax] * d)
        shape[ax], strides[ax] = o, a.strides[ax] * s
    as_strided = get_xp(a).lib.stride_tricks.as_strided
    return as_strided(a, tuple(shape) + tuple(kernel), tuple(strides) + tuple(inner))


def add_windows(buf, vals, axes: tuple, kernel: tuple, stride: tuple, dilation: tuple, out):
    """``buf`` += each window's values ``vals`` (shaped as ``windows(buf, ...)``): the adjoint
    of ``windows``, one strided slice addition per kernel offset."""
    for offsets in itertools.product(*(range(k) for k in kernel)):
        at = [slice(None)] * buf.ndim
        for ax, i, s, d, o in zip(axes, offsets, stride, dilation, out):
            at[ax] = slice(i * d, i * d + s * (o - 1) + 1, s)
        buf[tuple(at)] += vals[(Ellipsis, *offsets)]
    return buf


def _padded_channels_last(x, pads: tuple):
    """(N, C, H, W) ``x`` as (N, H + pads, W + pads, C): a view when nothing is padded."""
    xh = x.transpose(0, 2, 3, 1)
    if not any(lo or hi for lo, hi in pads):
        return xh
    (pt, pb), (pl, pr) = pads
    n, h, w, c = xh.shape
    buf = get_xp(x).zeros((n, h + pt + pb, w + pl + pr, c), dtype=x.dtype)
    buf[:, pt : pt + h, pl : pl + w] = xh
    return buf


def im2col(x, pads: tuple, kernel: tuple, stride: tuple, dilation: tuple, out: tuple, groups: int):
    """The rows of ``x``'s windows: (groups, N*Ho*Wo, kH*kW*C/groups), one copy."""
    n, c = x.shape[:2]
    v = windows(_padded_channels_last(x, pads), (1, 2), kernel, stride, dilation, out)
    v = v.reshape(n, out[0], out[1], groups, c // groups, *kernel)  # (split C: still a view)
    return v.transpose(3, 0, 1, 2, 5, 6, 4).reshape(groups, n * out[0] * out[1], -1)


def _col2im_buffer(shape: tuple, pads: tuple, groups: int, xp, dtype):
    """The zeroed channels-last buffer (N, H + pads, W + pads, groups, C/groups) of ``col2im``."""
    n, c, h, w = shape
    (pt, pb), (pl, pr) = pads
    return xp.zeros((n, h + pt + pb, w + pl + pr, groups, c // groups), dtype)


def _add_rows(buf, cols, kernel: tuple, stride, dilation, out, groups: int):
    """``buf`` += the rows ``cols`` (groups, n*Ho*Wo, kH*kW*C/groups) of ``buf``'s n images."""
    n, cg = buf.shape[0], buf.shape[-1]
    v = cols.reshape(groups, n, out[0], out[1], *kernel, cg).transpose(1, 2, 3, 0, 6, 4, 5)
    add_windows(buf, v, (1, 2), kernel, stride, dilation, out)


def _crop(buf, shape: tuple, pads: tuple):
    """The (N, C, H, W) view of ``col2im``'s buffer inside the padding."""
    n, c, h, w = shape
    (pt, _), (pl, _) = pads
    return buf.reshape(n, *buf.shape[1:3], c)[:, pt : pt + h, pl : pl + w].transpose(0, 3, 1, 2)


def col2im(cols, shape: tuple, pads: tuple, kernel: tuple, stride, dilation, out, groups: int):
    """The adjoint of ``im2col``: the rows (groups, N*Ho*Wo, kH*kW*C/groups) summed back into
    an (N, C, H, W) array (a view of a channels-last buffer)."""
    buf = _col2im_buffer(shape, pads, groups, get_xp(cols), cols.dtype)
    _add_rows(buf, cols, kernel, stride, dilation, out, groups)
    return _crop(buf, shape, pads)


BLOCK_BYTES = 1 << 21  # rows of a block of images in ``col2im_product``: about the CPU's L2


def col2im_product(a, b, shape: tuple, pads: tuple, kernel: tuple, stride, dilation, out, groups):
    """``col2im(group_matmul(a, b), ...)`` computed for a few images at a time: the product
    rows of each block (about ``BLOCK_BYTES``) are added back while they are still in cache,
    instead of one product for the whole batch whose rows are read back from memory by each
    of the kH*kW strided additions. ``a`` (groups, N*Ho*Wo, M), image-major rows."""
    per = out[0] * out[1]
    row_bytes = per * b.shape[0] * b.shape[2] * a.dtype.itemsize
    step = max(1, BLOCK_BYTES // max(row_bytes, 1))
    buf = _col2im_buffer(shape, pads, groups, get_xp(a), a.dtype)
    for s in range(0, shape[0], step):
        rows = group_matmul(a[:, s * per : (s + step) * per], b)
        _add_rows(buf[s : s + step], rows, kernel, stride, dilation, out, groups)
    return _crop(buf, shape, pads)


def group_matmul(a, b):
    """``a @ b`` for stacks (groups, M, K) and (groups, K, N): one 2-D BLAS product per group
    (NumPy's stacked matmul leaves BLAS for a slow loop when an operand is a transposed
    view, as the weight and gradient matrices here are). A weight gradient, long in K
    (N*Ho*Wo) and small in M and N, is computed as ``(cols^T @ g)^T``: OpenBLAS runs
    that shape several times faster than ``g^T @ cols``."""
    xp, dot = xp_and_dot(a)
    if a.shape[0] == 1:
        return dot(a[0], b[0])[None]
    return xp.stack([dot(a[i], b[i]) for i in range(a.shape[0])])


def weight_rows(w, groups: int):
    """A (A, B, kH, kW) weight as (groups, A/groups, kH*kW*B): the matrix whose rows meet
    ``im2col``'s columns."""
    a, b = w.shape[:2]
    return (
        w.reshape(groups, a // groups, b, -1).transpose(0, 1, 3, 2).reshape(groups, a // groups, -1)
    )


def weight_from_rows(m, shape: tuple):
    """The inverse of ``weight_rows``: (groups, A/groups, kH*kW*B) back to ``shape``."""
    a, b, kh, kw = shape
    return get_xp(m).ascontiguousarray(m.reshape(a, kh, kw, b).transpose(0, 3, 1, 2))


def channel_rows(x, groups: int):
    """(N, C, H, W) as (groups, N*H*W, C/groups) (a view when the channels are contiguous)."""
    n, c, h, w = x.shape
    return x.transpose(0, 2, 3, 1).reshape(n * h * w, groups, c // groups).transpose(1, 0, 2)


def rows_to_channels(y, shape: tuple):
    """The inverse of ``channel_rows``: (groups, N*H*W, C/groups) as an (N, C, H, W) view of
    the channels-last product (a copy only when groups > 1)."""
    n, c, h, w = shape
    return y.transpose(1, 0, 2).reshape(n, h, w, c).transpose(0, 3, 1, 2)


# ---------------------------------------------------------------------------- checks
def _check_input(x: Tensor, dims: int, fn: str) -> bool:
    """True when ``x`` is batched; refuses other ranks as PyTorch does."""
    if x.ndim not in (dims + 1, dims + 2):
        raise RuntimeError(
            f"Expected {dims + 1}D (unbatched) or {dims + 2}D (batched) input to {fn}, but got "
            f"input of size: {list(x.shape)}"
        )
    return x.ndim == dims + 2


def _check_same_type(x: Tensor, w: Tensor, b: Tensor | None, fn: str) -> None:
    for t, what in ((w, "weight"), (b, "bias")):
        if t is None:
            continue
        if type(t._data) is not type(x._data):
            raise RuntimeError(
                f"{fn}: expected input and {what} on the same device, got {x.device} and {t.device}"
            )
        if t._data.dtype != x._data.dtype:
            raise RuntimeError(
                f"{fn}: input type ({x.dtype}) and {what} type ({t.dtype}) should be the same"
            )
    if x._data.dtype.kind not in "fc":
        raise RuntimeError(f"{fn}: expected a floating point input, got {x.dtype}")


def _check_kernel_fits(fn, x_shape, pads, kernel, dilation) -> None:
    padded = [n + lo + hi for n, (lo, hi) in zip(x_shape[2:], pads)]
    eff = [d * (k - 1) + 1 for k, d in zip(kernel, dilation)]
    if any(p < e for p, e in zip(padded, eff)):
        raise RuntimeError(
            f"{fn}: Calculated padded input size per channel: ({' x '.join(map(str, padded))}). "
            f"Kernel size: ({' x '.join(map(str, eff))}). Kernel size can't be greater than "
            "actual input size"
        )


# ---------------------------------------------------------------------------- conv2d
def _conv2d(x: Tensor, w: Tensor, b, stride, pads, dilation, groups: int) -> Tensor:
    """The batched 2-D convolution op, ``pads`` ((top, bottom), (left, right))."""
    X, W = x._data, w._data
    kernel = W.shape[2:]
    out = tuple(
        out_size(n, k, s, lo, hi, d)
        for n, k, s, (lo, hi), d in zip(X.shape[2:], kernel, stride, pads, dilation)
    )
    cols = im2col(X, pads, kernel, stride, dilation, out, groups)
    wm = weight_rows(W, groups)
    y = group_matmul(cols, wm.transpose(0, 2, 1))
    o = W.shape[0]
    if b is not None:
        y += b._data.reshape(groups, 1, o // groups)
    result = rows_to_channels(y, (X.shape[0], o, *out))
    inputs = (x, w) if b is None else (x, w, b)

    def backward(g, needs, X, W, cols, wm):
        if isinstance(g, Tensor):
            return _conv2d_vjp_tensors(g, needs, X, W, stride, pads, dilation, groups)
        gy = channel_rows(g, groups)
        gx = gw = gb = None
        if needs[0]:
            gx = col2im_product(gy, wm, X.shape, pads, kernel, stride, dilation, out, groups)
        if needs[1]:
            gw = weight_from_rows(
                group_matmul(cols.transpose(0, 2, 1), gy).transpose(0, 2, 1), W.shape
            )
        if len(needs) == 3 and needs[2]:
            xp = get_xp(g)
            gb = sum_rows(xp, gy[0]) if groups == 1 else gy.sum(axis=1).reshape(-1)
        return (gx, gw) if len(needs) == 2 else (gx, gw, gb)

    return record(result, inputs, backward, "ConvolutionBackward0", (X, W, cols, wm))


def _conv2d_vjp_tensors(g, needs, x, w, stride, pads, dilation, groups):
    """conv2d's gradients as differentiable ops (a recorded backward pass)."""
    from .padding import _constant_pad  # noqa: PLC0415 (padding imports the structure ops)

    n, c = x.shape[:2]
    o, cg, kh, kw = w.shape
    widths = ((0, 0), (0, 0), *pads)
    xpad = _constant_pad(x, widths, 0) if any(lo or hi for lo, hi in pads) else x
    length = g.shape[2] * g.shape[3]
    gr = g.reshape((n, groups, o // groups, length))
    gx = gw = gb = None
    if needs[0]:
        wr = w.reshape((groups, o // groups, cg * kh * kw))
        cols = (wr.transpose(-1, -2) @ gr).reshape((n, c * kh * kw, length))
        gx = fold(cols, tuple(xpad.shape[2:]), (kh, kw), dilation, 0, stride)
        if xpad is not x:
            gx = _constant_pad(gx, tuple((-lo, -hi) for lo, hi in widths), 0)
    if needs[1]:
        cols = unfold(xpad, (kh, kw), dilation, 0, stride).reshape((n, groups, -1, length))
        gw = (gr @ cols.transpose(-1, -2)).sum(0).reshape(tuple(w.shape))
    if len(needs) == 3:
        gb = g.sum((0, 2, 3)) if needs[2] else None
        return gx, gw, gb
    return gx, gw


def _conv_args(input, weight, bias, stride, padding, dilation, groups, dims: int, fn: str):
    """Checked arguments of a convolution: (batched, stride, pads, dilation)."""
    batched = _check_input(input, dims, fn)
    _check_same_type(input, weight, bias, fn)
    if weight.ndim != dims + 2:
        raise RuntimeError(
            f"{fn}: expected weight to be {dims + 2}-dimensional (out_channels, "
            f"in_channels/groups, kernel), but got weight of size {list(weight.shape)}"
        )
    if not isinstance(groups, numbers.Integral) or groups < 1:
        raise RuntimeError(f"{fn}: non-positive groups is not supported, got {groups!r}")
    stride = tuple_arg(stride, dims, fn, "stride", 1)
    dilation = tuple_arg(dilation, dims, fn, "dilation", 1)
    kernel = tuple(weight.shape[2:])
    pads = conv_pads(padding, kernel, stride, dilation, fn)
    shape = tuple(input.shape) if batched else (1, *input.shape)
    o, cg = weight.shape[:2]
    if o % groups:
        raise RuntimeError(
            f"Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, "
            f"but got weight of size {list(weight.shape)} instead"
        )
    if shape[1] != cg * groups:
        raise RuntimeError(
            f"Given groups={groups}, weight of size {list(weight.shape)}, expected input"
            f"{list(shape)} to have {cg * groups} channels, but got {shape[1]} channels instead"
        )
    if bias is not None and tuple(bias.shape) != (o,):
        raise RuntimeError(
            f"Given weight of size {list(weight.shape)}, expected bias to be 1-dimensional with "
            f"{o} elements, but got bias of size {list(bias.shape)} instead"
        )
    _check_kernel_fits(fn, shape, pads, kernel, dilation)
    return batched, stride, pads, dilation


def conv2d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride=1,
    padding=0,
    dilation=1,
    groups: int = 1,
) -> Tensor:
    """2-D convolution (cross-correlation, as PyTorch): ``out[n, o] = bias[o] + sum over the
    ``in/groups`` channels ``c`` of ``o``'s group and the kernel offsets (i, j) of
    ``weight[o, c, i, j] * x_padded[n, c, s*h + d*i, s*w + d*j]``. ``padding``: an int, a pair,
    ``'valid'`` (none) or ``'same'`` (output size = input size; total ``d(k - 1)``, the odd one
    extra on the bottom/right; stride 1 only). Input (N, C, H, W) or unbatched (C, H, W)."""
    batched, stride, pads, dilation = _conv_args(
        input, weight, bias, stride, padding, dilation, groups, 2, "conv2d"
    )
    x = input if batched else input.reshape((1, *input.shape))
    out = _conv2d(x, weight, bias, stride, pads, dilation, int(groups))
    return out if batched else out.reshape(tuple(out.shape[1:]))


def conv1d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride=1,
    padding=0,
    dilation=1,
    groups: int = 1,
) -> Tensor:
    """1-D convolution over (N, C, L) or unbatched (C, L): ``conv2d`` on a height-1 input
    with a height-1 kernel (the same options; ``padding`` an int, ``(p,)``, ``'valid'`` or
    ``'same'``)."""
    batched, stride, pads, dilation = _conv_args(
        input, weight, bias, stride, padding, dilation, groups, 1, "conv1d"
    )
    x = input if batched else input.reshape((1, *input.shape))
    n, c, length = x.shape
    w = weight.reshape((weight.shape[0], weight.shape[1], 1, weight.shape[2]))
    out = _conv2d(
        x.reshape((n, c, 1, length)),
        w,
        bias,
        (1, *stride),
        ((0, 0), *pads),
        (1, *dilation),
        int(groups),
    )
    out = out.reshape((n, out.shape[1], out.shape[3]))
    return out if batched else out.reshape(tuple(out.shape[1:]))


# ---------------------------------------------------------------------------- conv_transpose2d
def transpose_out_size(n, k, s, p, d, op) -> int:
    return (n - 1) * s - 2 * p + d * (k - 1) + op + 1


def _conv_transpose2d(x: Tensor, w: Tensor, b, stride, padding, out_pad, dilation, groups):
    X, W = x._data, w._data
    kernel = W.shape[2:]
    n, _, hi, wi = X.shape
    cout = W.shape[1] * groups
    oshape = (n, cout) + tuple(
        transpose_out_size(m, k, s, p, d, q)
        for m, k, s, p, d, q in zip((hi, wi), kernel, stride, padding, dilation, out_pad)
    )
    pads = tuple((p, p) for p in padding)
    wm = weight_rows(W, groups)
    xr = channel_rows(X, groups)
    result = col2im_product(xr, wm, oshape, pads, kernel, stride, dilation, (hi, wi), groups)
    if b is not None:
        result += b._data.reshape(-1, 1, 1)
    inputs = (x, w) if b is None else (x, w, b)

    def backward(g, needs, X, W, wm):
        if isinstance(g, Tensor):
            return _conv_transpose2d_vjp_tensors(
                g, needs, X, W, stride, padding, out_pad, dilation, groups
            )
        gx = gw = gb = None
        if needs[0] or needs[1]:
            cols = im2col(g, pads, kernel, stride, dilation, (hi, wi), groups)
            if needs[0]:
                gx = rows_to_channels(group_matmul(cols, wm.transpose(0, 2, 1)), X.shape)
            if needs[1]:
                xr = channel_rows(X, groups)
                gw = group_matmul(cols.transpose(0, 2, 1), xr).transpose(0, 2, 1)
                gw = weight_from_rows(gw, W.shape)
        if len(needs) == 3 and needs[2]:
            gb = g.sum(axis=(0, 2, 3))
        return (gx, gw) if len(needs) == 2 else (gx, gw, gb)

    return record(result, inputs, backward, "ConvolutionBackward0", (X, W, wm))


def _conv_transpose2d_vjp_tensors(g, needs, x, w, stride, padding, out_pad, dilation, groups):
    """conv_transpose2d's gradients as differentiable ops (a recorded backward pass): conv2d of
    g for the input (g cropped to the rows the windows reach), unfold for the weight."""
    from .padding import _constant_pad  # noqa: PLC0415

    n, cin, hi, wi = x.shape
    kernel = tuple(w.shape[2:])
    reach = [
        (m - 1) * s + d * (k - 1) + 1 - 2 * p
        for m, k, s, p, d in zip((hi, wi), kernel, stride, padding, dilation)
    ]
    cut = [size - r for size, r in zip(g.shape[2:], reach)]
    gc = _constant_pad(g, ((0, 0), (0, 0), (0, -cut[0]), (0, -cut[1])), 0) if any(cut) else g
    pads = tuple((p, p) for p in padding)
    gx = gw = gb = None
    if needs[0]:
        gx = _conv2d(gc, w, None, stride, pads, dilation, groups)
    if needs[1]:
        cols = unfold(gc, kernel, dilation, padding, stride).reshape((n, groups, -1, hi * wi))
        xr = x.reshape((n, groups, cin // groups, hi * wi))
        gw = (xr @ cols.transpose(-1, -2)).sum(0).reshape(tuple(w.shape))
    if len(needs) == 3:
        gb = g.sum((0, 2, 3)) if needs[2] else None
        return gx, gw, gb
    return gx, gw


def _conv_transpose_args(
    input, weight, bias, stride, padding, output_padding, dilation, groups, dims, fn
):
    batched = _check_input(input, dims, fn)
    _check_same_type(input, weight, bias, fn)
    if weight.ndim != dims + 2:
        raise RuntimeError(
            f"{fn}: expected weight to be {dims + 2}-dimensional (in_channels, "
            f"out_channels/groups, kernel), but got weight of size {list(weight.shape)}"
        )
    if not isinstance(groups, numbers.Integral) or groups < 1:
        raise RuntimeError(f"{fn}: non-positive groups is not supported, got {groups!r}")
    if isinstance(padding, str):
        raise TypeError(
            f"{fn}(): argument 'padding' must be an int or a tuple of ints, got "
            f"{padding!r} (padding strings are for convolutions only)"
        )
    stride = tuple_arg(stride, dims, fn, "stride", 1)
    dilation = tuple_arg(dilation, dims, fn, "dilation", 1)
    padding = tuple_arg(padding, dims, fn, "padding")
    out_pad = tuple_arg(output_padding, dims, fn, "output_padding")
    for q, s, d in zip(out_pad, stride, dilation):
        if q >= s and q >= d:
            raise RuntimeError(
                f"{fn}: output padding must be smaller than either stride or dilation, but got "
                f"output_padding={out_pad}, stride={stride}, dilation={dilation}"
            )
    shape = tuple(input.shape) if batched else (1, *input.shape)
    cin = weight.shape[0]
    if cin % groups or shape[1] != cin:
        raise RuntimeError(
            f"Given transposed=1, weight of size {list(weight.shape)}, expected input"
            f"{list(shape)} to have {cin} channels, but got {shape[1]} channels instead"
            + (f" (and in_channels divisible by groups={groups})" if cin % groups else "")
        )
    o = weight.shape[1] * groups
    if bias is not None and tuple(bias.shape) != (o,):
        raise RuntimeError(
            f"Given transposed=1, weight of size {list(weight.shape)}, expected bias to be "
            f"1-dimensional with {o} elements, but got bias of size {list(bias.shape)} instead"
        )
    kernel = weight.shape[2:]
    sizes = [
        transpose_out_size(m, k, s, p, d, q)
        for m, k, s, p, d, q in zip(shape[2:], kernel, stride, padding, dilation, out_pad)
    ]
    if any(v < 1 for v in sizes):
        raise RuntimeError(
            f"{fn}: Given input size per channel: {list(shape[2:])}. Calculated output size "
            f"per channel: {sizes}. Output size is too small"
        )
    return batched, stride, padding, out_pad, dilation


def conv_transpose2d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride=1,
    padding=0,
    output_padding=0,
    groups: int = 1,
    dilation=1,
) -> Tensor:
    """2-D transposed convolution (the gradient of ``conv2d`` with respect to its input):
    each input pixel adds ``x[n, c, h, w] * weight[c, o, i, j]`` at output position
    ``(s*h + d*i - p, s*w + d*j - p)``; ``output_padding`` adds rows/columns at the
    bottom/right (smaller than the stride or the dilation). Weight (in, out/groups, kH, kW);
    output size ``(L - 1) s - 2p + d(k - 1) + output_padding + 1``."""
    batched, stride, padding, out_pad, dilation = _conv_transpose_args(
        input,
        weight,
        bias,
        stride,
        padding,
        output_padding,
        dilation,
        groups,
        2,
        "conv_transpose2d",
    )
    x = input if batched else input.reshape((1, *input.shape))
    out = _conv_transpose2d(x, weight, bias, stride, padding, out_pad, dilation, int(groups))
    return out if batched else out.reshape(tuple(out.shape[1:]))


def conv_transpose1d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride=1,
    padding=0,
    output_padding=0,
    groups: int = 1,
    dilation=1,
) -> Tensor:
    """1-D transposed convolution over (N, C, L) or (C, L): ``conv_transpose2d`` on a
    height-1 input."""
    batched, stride, padding, out_pad, dilation = _conv_transpose_args(
        input,
        weight,
        bias,
        stride,
        padding,
        output_padding,
        dilation,
        groups,
        1,
        "conv_transpose1d",
    )
    x = input if batched else input.reshape((1, *input.shape))
    n, c, length = x.shape
    w = weight.reshape((weight.shape[0], weight.shape[1], 1, weight.shape[2]))
    out = _conv_transpose2d(
        x.reshape((n, c, 1, length)),
        w,
        bias,
        (1, *stride),
        (0, *padding),
        (0, *out_pad),
        (1, *dilation),
        int(groups),
    )
    out = out.reshape((n, out.shape[1], out.shape[3]))
    return out if batched else out.reshape(tuple(out.shape[1:]))


# ---------------------------------------------------------------------------- unfold / fold
def _unfold_array(X, kernel, dilation, padding, stride, out):
    n, c, h, w = X.shape
    if any(padding):
        (ph, pw) = padding
        buf = get_xp(X).zeros((n, c, h + 2 * ph, w + 2 * pw), dtype=X.dtype)
        buf[:, :, ph : ph + h, pw : pw + w] = X
    else:
        buf = X
    v = windows(buf, (2, 3), kernel, stride, dilation, out)  # (N, C, Ho, Wo, kH, kW)
    return v.transpose(0, 1, 4, 5, 2, 3).reshape(n, c * kernel[0] * kernel[1], out[0] * out[1])


def _fold_array(C, size, kernel, dilation, padding, stride, out):
    n = C.shape[0]
    c = C.shape[1] // (kernel[0] * kernel[1])
    (ph, pw), (h, w) = padding, size
    buf = get_xp(C).zeros((n, c, h + 2 * ph, w + 2 * pw), dtype=C.dtype)
    v = C.reshape(n, c, *kernel, *out).transpose(0, 1, 4, 5, 2, 3)
    add_windows(buf, v, (2, 3), kernel, stride, dilation, out)
    return buf[:, :, ph : ph + h, pw : pw + w]


def _window_args(kernel_size, dilation, padding, stride, fn):
    return (
        tuple_arg(kernel_size, 2, fn, "kernel_size", 1),
        tuple_arg(dilation, 2, fn, "dilation", 1),
        tuple_arg(padding, 2, fn, "padding"),
        tuple_arg(stride, 2, fn, "stride", 1),
    )


def _unfold(x: Tensor, kernel, dilation, padding, stride) -> Tensor:
    X = x._data
    size = X.shape[2:]
    out = tuple(
        out_size(m, k, s, p, p, d) for m, k, s, p, d in zip(size, kernel, stride, padding, dilation)
    )

    def backward(g, needs):
        if isinstance(g, Tensor):
            return (_fold(g, size, kernel, dilation, padding, stride),)
        return (_fold_array(g, size, kernel, dilation, padding, stride, out),)

    cols = _unfold_array(X, kernel, dilation, padding, stride, out)
    return record(cols, (x,), backward, "Im2ColBackward0", ())


def _fold(c: Tensor, size, kernel, dilation, padding, stride) -> Tensor:
    out = tuple(
        out_size(m, k, s, p, p, d) for m, k, s, p, d in zip(size, kernel, stride, padding, dilation)
    )

    def backward(g, needs):
        if isinstance(g, Tensor):
            return (_unfold(g, kernel, dilation, padding, stride),)
        return (_unfold_array(g, kernel, dilation, padding, stride, out),)

    image = _fold_array(c._data, size, kernel, dilation, padding, stride, out)
    return record(image, (c,), backward, "Col2ImBackward0", ())


def unfold(input: Tensor, kernel_size, dilation=1, padding=0, stride=1) -> Tensor:
    """Sliding local blocks (im2col): (N, C, H, W) -> (N, C*kH*kW, L), column ``l`` holding
    the ``l``-th window (row-major over the window positions) of the zero-padded input,
    channel-major then kernel row and column, as PyTorch; unbatched (C, H, W) gives
    (C*kH*kW, L). Gradient: ``fold`` of g."""
    fn = "unfold"
    if input.ndim not in (3, 4):
        raise RuntimeError(
            f"Input Error: Only 3D or 4D input Tensors are supported (got {input.ndim}D)"
        )
    kernel, dilation, padding, stride = _window_args(kernel_size, dilation, padding, stride, fn)
    batched = input.ndim == 4
    x = input if batched else input.reshape((1, *input.shape))
    size = tuple(x.shape[2:])
    _check_kernel_fits(fn, (0, 0, *size), tuple((p, p) for p in padding), kernel, dilation)
    out = _unfold(x, kernel, dilation, padding, stride)
    return out if batched else out.reshape(tuple(out.shape[1:]))


def fold(input: Tensor, output_size, kernel_size, dilation=1, padding=0, stride=1) -> Tensor:
    """The adjoint of ``unfold`` (col2im): (N, C*kH*kW, L) columns summed into an
    (N, C, H, W) image of ``output_size`` (overlapping entries add up); unbatched
    (C*kH*kW, L) gives (C, H, W). Gradient: ``unfold`` of g."""
    fn = "fold"
    if input.ndim not in (2, 3):
        raise RuntimeError(
            f"Input Error: Only unbatched (2D) or batched (3D) input Tensors are supported "
            f"(got {input.ndim}D)"
        )
    size = tuple_arg(output_size, 2, fn, "output_size", 1)
    kernel, dilation, padding, stride = _window_args(kernel_size, dilation, padding, stride, fn)
    batched = input.ndim == 3
    c = input if batched else input.reshape((1, *input.shape))
    kk = kernel[0] * kernel[1]
    if c.shape[1] % kk:
        raise RuntimeError(
            "Expected size of input's dimension 1 to be divisible by the product of "
            f"kernel_size, but got input.size(1)={c.shape[1]} and kernel_size={kernel}"
        )
    blocks = [
        out_size(m, k, s, p, p, d) for m, k, s, p, d in zip(size, kernel, stride, padding, dilation)
    ]
    if blocks[0] < 1 or blocks[1] < 1 or c.shape[2] != blocks[0] * blocks[1]:
        raise RuntimeError(
            f"Given output_size={size}, kernel_size={kernel}, dilation={dilation}, "
            f"padding={padding}, stride={stride}, expected size of input's dimension 2 to "
            f"match the calculated number of sliding blocks {blocks[0]} * {blocks[1]} = "
            f"{blocks[0] * blocks[1]}, but got input.size(2)={c.shape[2]}."
        )
    out = _fold(c, size, kernel, dilation, padding, stride)
    return out if batched else out.reshape(tuple(out.shape[1:]))
