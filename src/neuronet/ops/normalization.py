"""Batch, group, layer and instance normalisation as fused ops (one forward, one closed-form
VJP), and local response normalisation (a composite)."""

from __future__ import annotations

import math

import numpy as np

from ..backend import get_xp, sum_rows
from ..tensor import Tensor, record
from .arithmetic import pow as _pow
from .array_api import TENSOR_API, array_api
from .padding import pad
from .shape import movedim, narrow


def _layout(a, axes) -> str | None:
    """How a NumPy float array is reduced fast over ``axes``: 'trailing' (the last dims:
    layer and group norm), 'channels' (every dim but 1 of (N, C, *) with some spatial dim:
    batch norm), or None. A 2-D (N, C) input has no runs to sum per channel (rows of length
    1, for which einsum is slower than the plain product and ``sum_rows``): None."""
    if not isinstance(a, np.ndarray) or a.dtype.kind != "f" or a.ndim < 2:
        return None
    if axes == tuple(range(a.ndim - len(axes), a.ndim)):
        return "trailing"
    if a.ndim > 2 and axes == (0, *range(2, a.ndim)):
        return "channels"
    return None


def _reduced(per_row, a, axes, layout: str, keepdims: bool):
    """The per-row sums ``per_row`` of ``_rows(a)`` finished into the sum over ``axes``."""
    if layout == "channels":
        s = sum_rows(np, per_row.reshape(a.shape[0], a.shape[1]))
        return s.reshape((1, -1) + (1,) * (a.ndim - 2)) if keepdims else s
    lead = a.shape[: a.ndim - len(axes)]
    return per_row.reshape(lead + (1,) * len(axes) if keepdims else lead)


def _sum(a, axes, keepdims: bool = False):
    """``a.sum(axis=axes, keepdims=keepdims)``. On NumPy, the contiguous runs of the summed
    dims are summed by ``einsum`` (several times faster than NumPy's reduction over several
    axes), the rest by ``sum_rows``; a tensor's by ``TENSOR_API.sum``."""
    if isinstance(a, Tensor):
        return TENSOR_API.sum(a, axis=axes, keepdims=keepdims)
    if axes == (0,) and a.ndim == 2:
        s = sum_rows(get_xp(a), a)
        return s.reshape(1, -1) if keepdims else s
    layout = _layout(a, axes)
    if layout is None:
        return a.sum(axis=axes, keepdims=keepdims)
    return _reduced(np.einsum("ij->i", _rows_of(a, axes, layout)), a, axes, layout, keepdims)


def _sum_product(a, b, axes, keepdims: bool = False):
    """``(a * b).sum(axis=axes, keepdims=keepdims)``; on NumPy without the product's
    temporary (one ``einsum`` over the rows)."""
    layout = None if isinstance(a, Tensor) or isinstance(b, Tensor) else _layout(a, axes)
    if layout is None or a.shape != b.shape:
        return _sum(a * b, axes, keepdims)
    per_row = np.einsum("ij,ij->i", _rows_of(a, axes, layout), _rows_of(b, axes, layout))
    return _reduced(per_row, a, axes, layout, keepdims)


def _rows_of(a, axes, layout: str):
    """``a`` as rows, each row one contiguous run of the summed dims."""
    if layout == "trailing":
        return a.reshape(-1, math.prod(a.shape[a.ndim - len(axes) :]))
    return a.reshape(a.shape[0] * a.shape[1], -1)


def _normalize(x, axes, eps, xp):
    """Mean, biased variance, 1/sqrt(var + eps) and x_hat over ``axes`` (kept as size-1 dims):
    two passes (the mean, then the mean square of x - mean)."""
    m = math.prod(x.shape[a] for a in axes)
    mean = _sum(x, axes, True) / m
    d = x - mean
    var = _sum_product(d, d, axes, True) / m
    invstd = 1 / xp.sqrt(var + eps)
    if isinstance(d, Tensor):
        return mean, var, invstd, d * invstd
    d *= invstd  # (d is this function's own array: x_hat in its place)
    return mean, var, invstd, d


def _statistics(x, axes, eps, xhat, invstd, xp):
    """``x_hat`` and ``invstd`` for a VJP: the forward's on arrays, recomputed from the input
    on tensors (a backward pass that records its graph), so they are differentiated too."""
    if xp is TENSOR_API:
        _, _, invstd, xhat = _normalize(x, axes, eps, xp)
    return xhat, invstd


def _affine_vjp(g, xhat, invstd, w, axes, m, needs, param_shape, param_axes=None):
    """VJP of y = w * x_hat + b with x_hat normalised over ``axes`` (m elements each).

    dx = invstd / m * (m * gh - sum(gh) - x_hat * sum(gh * x_hat)), gh = g * w, sums over
    ``axes``; dw = sum(g * x_hat) and db = sum(g) over ``param_axes`` (default ``axes``).
    """
    param_axes = axes if param_axes is None else param_axes
    gh = g * w if w is not None else g
    gx = None
    if needs[0]:
        s1 = _sum(gh, axes, True)
        s2 = _sum_product(gh, xhat, axes, True)
        if isinstance(gh, Tensor):
            gx = (gh - s1 / m - xhat * (s2 / m)) * invstd
        else:  # (the same, in place in the result's own memory)
            gx = gh - s1 / m
            gx -= xhat * (s2 / m)
            gx *= invstd
    grads = [gx]
    if len(needs) > 1:
        grads.append(_sum_product(g, xhat, param_axes).reshape(param_shape) if needs[1] else None)
    if len(needs) > 2:
        grads.append(_sum(g, param_axes).reshape(param_shape) if needs[2] else None)
    return tuple(grads)


def as_shape(normalized_shape) -> tuple:
    """``normalized_shape`` (an int or a sequence of ints) as a tuple."""
    if isinstance(normalized_shape, int):
        return (normalized_shape,)
    return tuple(normalized_shape)


def normalized_axes(x, normalized_shape, name: str, error: type[Exception]) -> tuple:
    """``normalized_shape`` as a tuple and the axes of ``x`` it covers (its last dims), or
    ``error`` saying that they do not match."""
    shape = as_shape(normalized_shape)
    k = len(shape)
    if tuple(x.shape[x.ndim - k :]) != shape:
        raise error(
            f"{name}: normalized_shape {shape} does not match the last dims of the input shape "
            f"{tuple(x.shape)}"
        )
    return shape, tuple(range(x.ndim - k, x.ndim))


def _batch_vjp(g, xhat, invstd, w, axes, m, needs, c):
    """``_affine_vjp`` for batch statistics on arrays, with the weight per channel taken out
    of the sums: sg = sum(g), sgx = sum(g * x_hat) (db and dw themselves) and k = w * invstd give
    dx = k * g - x_hat * (k * sgx / m) - k * sg / m."""
    sg = _sum(g, axes, True)
    sgx = _sum_product(g, xhat, axes, True)
    gx = None
    if needs[0]:
        k = invstd * w if w is not None else invstd
        gx = g * k
        gx -= xhat * (k * (sgx / m))
        gx -= k * (sg / m)
    grads = [gx]
    if len(needs) > 1:
        grads.append(sgx.reshape(c) if needs[1] else None)
    if len(needs) > 2:
        grads.append(sg.reshape(c) if needs[2] else None)
    return tuple(grads)


def _params(weight, bias):
    inputs, w, b = [], None, None
    if weight is not None:
        inputs.append(weight)
        w = weight._data
    if bias is not None:
        if weight is None:
            raise ValueError("normalisation with a bias but no weight is not supported")
        inputs.append(bias)
        b = bias._data
    return inputs, w, b


def batch_norm(
    input: Tensor,
    running_mean: Tensor | None,
    running_var: Tensor | None,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    training: bool = False,
    momentum: float | None = 0.1,
    eps: float = 1e-5,
    num_batches_tracked: int | None = None,
) -> Tensor:
    """Normalise each channel (dim 1) of (N, C, *) input (statistics over every dim but the
    channel: (N,) for BatchNorm1d's (N, C), (N, L), (N, H, W), (N, D, H, W)), then scale and
    shift by ``weight`` and ``bias`` per channel.

    Training (or no running statistics): batch mean and *biased* variance; the running
    statistics, if given, are updated in place as r = (1 - momentum) r + momentum * batch, with
    the *unbiased* variance for ``running_var``; ``momentum=None`` uses 1 / num_batches_tracked
    (a cumulative average). Evaluation: the running statistics.
    """
    x = input._data
    xp = get_xp(x)
    if x.ndim < 2:
        raise ValueError(
            f"batch_norm: expected input of shape (N, C, *) with at least 2 dims, got "
            f"{tuple(x.shape)}"
        )
    c = x.shape[1]
    axes = (0,) + tuple(range(2, x.ndim))
    view = (1, c) + (1,) * (x.ndim - 2)
    inputs, w, b = _params(weight, bias)
    wv = w.reshape(view) if w is not None else None
    bv = b.reshape(view) if b is not None else None
    if running_mean is None:
        running = None
    elif running_var is None:
        raise ValueError(
            "batch_norm: running_mean and running_var must either both be None or neither be None"
        )
    else:
        running = (running_mean._data, running_var._data)
    use_batch = training or running is None
    if use_batch:
        m = x.size // c
        if m <= 1:
            raise ValueError(
                f"batch_norm: expected more than 1 value per channel when training, "
                f"got input of shape {tuple(x.shape)}"
            )
        mean, var, invstd, xhat = _normalize(x, axes, eps, xp)
        if training and running is not None:
            factor = momentum if momentum is not None else 1.0 / max(num_batches_tracked or 1, 1)
            unbiased = var.reshape(c) * (m / (m - 1))
            rm, rv = running
            rm *= 1 - factor
            rm += factor * mean.reshape(c).astype(rm.dtype, copy=False)
            rv *= 1 - factor
            rv += factor * unbiased.astype(rv.dtype, copy=False)
    else:
        assert running is not None  # (not use_batch)
        m = None
        mean = running[0].reshape(view).copy()  # (its own memory: the VJP reads it)
        invstd = 1 / xp.sqrt(running[1].reshape(view) + eps)
        xhat = (x - mean) * invstd
    if wv is not None:
        out = xhat * wv
        if bv is not None:
            out += bv
    else:
        out = xhat + bv if bv is not None else xhat
    out = out.astype(x.dtype, copy=False)

    def backward(g, needs, x, w, xhat, invstd, mean=None):
        xp = array_api(g)
        wv = w.reshape(view) if w is not None else None
        if use_batch:
            if xp is not TENSOR_API:
                return _batch_vjp(g, xhat, invstd, wv, axes, m, needs, c)
            xhat, invstd = _statistics(x, axes, eps, xhat, invstd, xp)
            return _affine_vjp(g, xhat, invstd, wv, axes, m, needs, (c,))
        if xp is TENSOR_API:  # (the running statistics are constants)
            xhat = (x - mean) * invstd
        gh = g * wv if wv is not None else g
        grads = [gh * invstd if needs[0] else None]
        if len(needs) > 1:
            grads.append(_sum(g * xhat, axes) if needs[1] else None)
        if len(needs) > 2:
            grads.append(_sum(g, axes) if needs[2] else None)
        return tuple(grads)

    saved = (x, w, xhat, invstd) if use_batch else (x, w, xhat, invstd, mean)
    return record(out, (input, *inputs), backward, "NativeBatchNormBackward0", saved)


def layer_norm(
    input: Tensor,
    normalized_shape,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-5,
) -> Tensor:
    """Normalise over the last ``len(normalized_shape)`` dims (biased variance), then apply
    the element-wise affine ``weight`` and ``bias`` of shape ``normalized_shape``."""
    x = input._data
    xp = get_xp(x)
    shape, axes = normalized_axes(x, normalized_shape, "layer_norm", ValueError)
    k = len(shape)
    m = math.prod(shape)
    inputs, w, b = _params(weight, bias)
    _, _, invstd, xhat = _normalize(x, axes, eps, xp)
    out = xhat * w if w is not None else xhat
    if b is not None:
        out = out + b
    lead = tuple(range(x.ndim - k))

    def backward(g, needs, x, w, xhat, invstd):
        xhat, invstd = _statistics(x, axes, eps, xhat, invstd, array_api(g))
        return _affine_vjp(g, xhat, invstd, w, axes, m, needs, shape, lead)

    saved = (x, w, xhat, invstd)
    return record(out, (input, *inputs), backward, "NativeLayerNormBackward0", saved)


def group_norm(
    input: Tensor,
    num_groups: int,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-5,
) -> Tensor:
    """Split the C channels of (N, C, *) input into ``num_groups`` groups of consecutive
    channels; normalise each sample's group over its channels and spatial positions (mean and
    *biased* variance of C / num_groups * prod(*) values), then scale and shift by ``weight``
    and ``bias`` per channel. The same in training and evaluation (no running statistics)."""
    x = input._data
    xp = get_xp(x)
    if x.ndim < 2:
        raise RuntimeError(f"Expected at least 2 dimensions for input tensor but received {x.ndim}")
    n, c = x.shape[0], x.shape[1]
    if not isinstance(num_groups, int) or num_groups <= 0 or c % num_groups:
        raise RuntimeError(
            f"group_norm: expected num_groups to be a positive int dividing the number of "
            f"channels, got num_groups={num_groups!r} for input of shape {tuple(x.shape)}"
        )
    per_group = c // num_groups
    spatial = math.prod(x.shape[2:])
    if n * per_group * spatial == 1:
        raise ValueError(
            f"Expected more than 1 value per channel when training, got input size "
            f"{[n * per_group, num_groups, *x.shape[2:]]}"
        )
    grouped = (n, num_groups, per_group, spatial)
    axes, m = (2, 3), per_group * spatial
    inputs, w, b = _params(weight, bias)
    _, _, invstd, xhat = _normalize(x.reshape(grouped), axes, eps, xp)
    view = (1, num_groups, per_group, 1)
    out = xhat * w.reshape(view) if w is not None else xhat
    if b is not None:
        out = out + b.reshape(view)
    out = out.reshape(x.shape).astype(x.dtype, copy=False)

    def backward(g, needs, x, w, xhat, invstd):
        xp = array_api(g)
        xhat, invstd = _statistics(x.reshape(grouped), axes, eps, xhat, invstd, xp)
        wv = w.reshape(view) if w is not None else None
        grads = _affine_vjp(g.reshape(grouped), xhat, invstd, wv, axes, m, needs, (c,), (0, 3))
        gx = grads[0].reshape(x.shape) if grads[0] is not None else None
        return (gx, *grads[1:])

    saved = (x, w, xhat, invstd)
    return record(out, (input, *inputs), backward, "NativeGroupNormBackward0", saved)


def instance_norm(
    input: Tensor,
    running_mean: Tensor | None = None,
    running_var: Tensor | None = None,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    use_input_stats: bool = True,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    """Normalise each channel of each sample of (N, C, *) input over its spatial positions.

    ``use_input_stats=True``: that sample's mean and *biased* variance (``group_norm`` with one
    group per channel); the running statistics, if given, move in place by
    r = (1 - momentum) r + momentum * s with s the batch average of the per-sample means and of
    the per-sample *unbiased* variances. ``use_input_stats=False``: the running statistics
    (``batch_norm`` in evaluation). Composite of ``group_norm`` / ``batch_norm``.
    """
    x = input._data
    if x.ndim < 3:
        raise ValueError(
            f"instance_norm: expected input of shape (N, C, *) with at least one spatial dim, "
            f"got {tuple(x.shape)}"
        )
    if not use_input_stats:
        if running_mean is None or running_var is None:
            raise RuntimeError(
                "Expected running_mean and running_var to be defined when use_input_stats is false"
            )
        return batch_norm(input, running_mean, running_var, weight, bias, False, momentum, eps)
    spatial = math.prod(x.shape[2:])
    if spatial == 1:
        raise ValueError(
            f"Expected more than 1 spatial element when training, got input size {list(x.shape)}"
        )
    if (running_mean is None) != (running_var is None):
        raise ValueError(
            "instance_norm: running_mean and running_var must either both be None or neither"
        )
    if running_mean is not None and running_var is not None:
        flat = x.reshape(x.shape[0], x.shape[1], spatial)
        mean = flat.mean(axis=2)
        d = flat - mean[..., None]
        var = (d * d).sum(axis=2) / (spatial - 1)
        for r, s in ((running_mean._data, mean), (running_var._data, var)):
            r *= 1 - momentum
            r += momentum * s.mean(axis=0).astype(r.dtype, copy=False)
    return group_norm(input, x.shape[1], weight, bias, eps)


def local_response_norm(
    input: Tensor, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0
) -> Tensor:
    """Normalise (N, C, *) input across nearby channels:
    y_c = x_c / (k + alpha / size * sum of x_j^2 for j in [c - size//2, c + (size-1)//2])^beta,
    channels outside [0, C) counting as zeros. Composite: squares, zero padding, a window sum
    over ``size`` shifted slices, power and division."""
    if input.ndim < 3:
        raise ValueError(
            f"Expected 3D or higher dimensionality input (got {input.ndim} dimensions)"
        )
    if not isinstance(size, int) or size <= 0:
        raise ValueError(f"local_response_norm: size must be a positive int, got {size!r}")
    if input.numel() == 0:
        return input
    c = input.shape[1]
    squares = movedim(pad(movedim(input * input, 1, -1), (size // 2, (size - 1) // 2)), -1, 1)
    total = narrow(squares, 1, 0, c)
    for start in range(1, size):
        total = total + narrow(squares, 1, start, c)
    return input / _pow((total / size) * alpha + k, beta)


def rms_norm(
    input: Tensor,
    normalized_shape,
    weight: Tensor | None = None,
    eps: float | None = None,
) -> Tensor:
    """x / sqrt(mean(x^2) + eps) * weight, the mean over the last ``len(normalized_shape)``
    dims; ``eps`` defaults to the machine epsilon of the input's dtype (``finfo.eps``).

    VJP, with r = 1 / sqrt(mean(x^2) + eps), x_hat = x * r and gh = g * weight:
    dx = r * (gh - x_hat * mean(gh * x_hat)), dweight = sum of g * x_hat over the other dims.
    """
    x = input._data
    if x.dtype.kind != "f":
        raise RuntimeError(f"rms_norm: expected a floating point input, got dtype {x.dtype}")
    xp = get_xp(x)
    shape, axes = normalized_axes(x, normalized_shape, "rms_norm", RuntimeError)
    k = len(shape)
    if weight is not None and tuple(weight.shape) != shape:
        raise RuntimeError(
            f"rms_norm: weight must have shape normalized_shape {list(shape)}, got "
            f"{list(weight.shape)}"
        )
    eps = float(xp.finfo(x.dtype).eps) if eps is None else eps
    lead = tuple(range(x.ndim - k))
    m = math.prod(shape)
    inputs, w, _ = _params(weight, None)

    def scale(x, xp):
        return 1 / xp.sqrt(xp.sum(x * x, axis=axes, keepdims=True) / m + eps)

    r = scale(x, xp)
    out = x * r
    if w is not None:
        out *= w

    def backward(g, needs, x, w, r):
        xp = array_api(g)
        if xp is TENSOR_API:  # (r recomputed from the input tensor, so it is differentiated)
            r = scale(x, xp)
        xhat = x * r
        gh = g * w if w is not None else g
        gx = None
        if needs[0]:
            gx = r * (gh - xhat * (xp.sum(gh * xhat, axis=axes, keepdims=True) / m))
        if len(needs) == 1:
            return (gx,)
        gw = g * xhat
        return gx, (xp.sum(gw, axis=lead) if lead else gw) if needs[1] else None

    return record(out, (input, *inputs), backward, "RmsNormBackward0", (x, w, r))
