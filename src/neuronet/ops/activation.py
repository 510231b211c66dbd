"""Activation functions, the notes' and PyTorch's. Each is written to stay finite and
warning-free for any finite input, with PyTorch's formulas and its gradients at the kinks.

The backward of relu, sigmoid and tanh (and sigmoid's forward) are written as their formulas;
``kernels.fused`` runs them as one GPU kernel on CuPy arrays. ``celu``, ``mish`` and ``softmin``
are composites of other ops; every other activation owns its VJP.
"""

from __future__ import annotations

import math

import numpy as np

from ..backend import get_xp
from ..kernels import fused
from ..random import numpy_generator
from ..tensor import Tensor, record
from ._util import floating, no_bools, normalize_dim, unbroadcast
from .arithmetic import div, mul, neg
from .array_api import TENSOR_API, array_api
from .indexing import open_grid
from .softmax import softmax
from .unary import erf_array

_NUMPY = np.ndarray
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


def _sigmoid_reference(x):
    """Overflow-free logistic function: with m = min(x, 0), exp(m) / (exp(m) + exp(m - x)).

    Neither exponent is positive, so nothing overflows, and each sign gets its exact form:
    1 / (1 + e^-x) for x >= 0 and e^x / (e^x + 1) for x < 0. A tensor (in a backward pass
    that records its graph) gets ``sigmoid`` itself, the differentiable op.
    """
    if type(x) is _NUMPY:
        xp = np
    elif isinstance(x, Tensor):
        return sigmoid(x)
    else:
        xp = get_xp(x)
    m = xp.minimum(x, 0)
    if type(m) is not _NUMPY and not m.ndim:  # (0-d gives a NumPy scalar: no out= on it)
        m = xp.asarray(m)
    out = xp.exp(m)
    den = xp.subtract(m, x, out=m)
    xp.exp(den, out=den)
    den += out
    out /= den
    return out


def _sigmoid_backward(g, y):
    """g * y * (1 - y), from the output y."""
    if type(y) is not _NUMPY and isinstance(y, Tensor):  # (no in-place products on tensors)
        return (1 - y) * y * g
    slope = 1 - y
    slope *= y
    slope *= g
    return slope


def _tanh_backward(g, y):
    """g * (1 - y ** 2), from the output y."""
    return g * (1 - y * y)


def _relu_backward(g, y):
    """g where the output is positive, else 0 (PyTorch's threshold_backward). On tensors the
    mask is sign(y) (y >= 0), an op of the output whose own gradient is zero, so the gradient
    stays a function of the output to any order, as PyTorch's is."""
    if isinstance(y, Tensor):
        return g * TENSOR_API.sign(y)
    return g * (y > 0)


sigmoid_array = fused("sigmoid", _sigmoid_reference)
sigmoid_backward = fused("sigmoid_backward", _sigmoid_backward)
tanh_backward = fused("tanh_backward", _tanh_backward)
relu_backward = fused("relu_backward", _relu_backward)


def _relu_vjp(g, needs, y):
    return (relu_backward(g, y),)


def _sigmoid_vjp(g, needs, y):
    return (sigmoid_backward(g, y),)


def _tanh_vjp(g, needs, y):
    return (tanh_backward(g, y),)


def relu(input: Tensor) -> Tensor:
    """max(input, 0); gradient 0 at input == 0 (PyTorch's threshold_backward)."""
    no_bools(input._data.dtype, "relu")
    x = input._data
    out = get_xp(x).maximum(x, 0)
    return record(out, (input,), _relu_vjp, "ReluBackward0", (out,))


def sigmoid(input: Tensor) -> Tensor:
    """1 / (1 + exp(-input)), computed without overflow; backward g * y * (1 - y)."""
    a = floating(input)
    out = sigmoid_array(a._data)
    return record(out, (a,), _sigmoid_vjp, "SigmoidBackward0", (out,))


def tanh(input: Tensor) -> Tensor:
    """tanh(input); backward g * (1 - y**2) from the output y."""
    a = floating(input)
    out = get_xp(a._data).tanh(a._data)
    return record(out, (a,), _tanh_vjp, "TanhBackward0", (out,))


def _softplus_array(z, xp):
    """log(1 + exp(z)) = max(z, 0) + log1p(exp(-|z|)): never overflows."""
    return xp.maximum(z, 0) + xp.log1p(xp.exp(-xp.abs(z)))


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """(1/beta) * log(1 + exp(beta * x)), and x itself where beta * x > threshold (PyTorch).

    Gradient: sigmoid(beta * x), or 1 above the threshold.
    """
    x = input._data
    xp = get_xp(x)
    z = x * beta if beta != 1 else x
    linear = z > threshold
    soft = _softplus_array(z, xp)
    out = xp.where(linear, x, soft / beta if beta != 1 else soft)

    def backward(g, needs, linear, x, z):
        xp = array_api(g)
        if xp is TENSOR_API:  # (the forward's beta * x, recomputed from the input)
            z = x * beta if beta != 1 else x
        return (xp.where(linear, g, g * sigmoid_array(z)),)

    return record(out, (input,), backward, "SoftplusBackward0", (linear, x, z))


def logsigmoid(input: Tensor) -> Tensor:
    """log(sigmoid(x)) = -softplus(-x); gradient sigmoid(-x)."""
    x = input._data
    xp = get_xp(x)
    out = -_softplus_array(-x, xp)
    return record(out, (input,), _logsigmoid_vjp, "LogSigmoidBackward0", (x,))


def _logsigmoid_vjp(g, needs, x):
    return (g * sigmoid_array(-x),)


def leaky_relu(input: Tensor, negative_slope: float = 0.01) -> Tensor:
    """x for x > 0, negative_slope * x otherwise (gradient negative_slope at 0)."""
    x = input._data
    xp = get_xp(x)
    pos = x > 0
    out = xp.where(pos, x, x * negative_slope)

    def backward(g, needs, pos):
        return (array_api(g).where(pos, g, g * negative_slope),)

    return record(out, (input,), backward, "LeakyReluBackward0", (pos,))


def elu(
    input: Tensor, alpha: float = 1.0, scale: float = 1.0, name: str = "EluBackward0"
) -> Tensor:
    """scale * (x for x > 0, alpha * (exp(x) - 1) otherwise); expm1 of min(x, 0) never overflows."""
    x = input._data
    xp = get_xp(x)
    pos = x > 0
    neg_part = xp.expm1(xp.minimum(x, 0)) * alpha
    out = xp.where(pos, x, neg_part)
    if scale != 1:
        out = out * scale

    def backward(g, needs, pos, x):  # alpha * exp(x): expm1(x) + 1 loses digits for x << 0
        xp = array_api(g)
        slope = xp.exp(xp.minimum(x, 0)) * (alpha * scale)
        return (g * xp.where(pos, scale, slope),)

    return record(out, (input,), backward, name, (pos, x))


def selu(input: Tensor) -> Tensor:
    """scale * elu(x, alpha) with PyTorch's exact constants (self-normalising networks)."""
    return elu(input, SELU_ALPHA, SELU_SCALE, "SeluBackward0")


def celu(input: Tensor, alpha: float = 1.0) -> Tensor:
    """max(0, x) + min(0, alpha * (exp(x / alpha) - 1))."""
    return mul(elu(div(input, alpha)), alpha) if alpha != 1 else elu(input)


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """x * Phi(x) with Phi the normal CDF: 0.5 * x * (1 + erf(x / sqrt 2)) ('none'), or
    0.5 * x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 x^3))) ('tanh')."""
    x = input._data
    xp = get_xp(x)
    if approximate == "none":
        cdf = 0.5 * (1 + erf_array(x * (1 / math.sqrt(2))))
        out = x * cdf
        saved = (x, cdf)

        def backward(g, needs, x, cdf):
            xp = array_api(g)
            if xp is TENSOR_API:  # (the forward's cdf, recomputed from the input tensor)
                cdf = 0.5 * (1 + xp.erf(x * (1 / math.sqrt(2))))
            pdf = xp.exp(-0.5 * x * x) * (1 / math.sqrt(2 * math.pi))
            return (g * (cdf + x * pdf),)
    elif approximate == "tanh":
        k = math.sqrt(2 / math.pi)
        inner = k * (x + 0.044715 * x * x * x)
        t = xp.tanh(inner)
        out = 0.5 * x * (1 + t)
        saved = (x, t)

        def backward(g, needs, x, t):
            if array_api(g) is TENSOR_API:  # (the forward's t, recomputed from the input)
                t = TENSOR_API.tanh(k * (x + 0.044715 * x * x * x))
            d_inner = k * (1 + 3 * 0.044715 * x * x)
            return (g * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * d_inner),)
    else:
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    return record(out, (input,), backward, "GeluBackward0", saved)


def silu(input: Tensor) -> Tensor:
    """x * sigmoid(x); gradient s * (1 + x * (1 - s))."""
    x = input._data
    s = sigmoid_array(x)
    return record(x * s, (input,), _silu_vjp, "SiluBackward0", (x, s))


def _silu_vjp(g, needs, x, s):
    if array_api(g) is TENSOR_API:  # (the forward's sigmoid, recomputed from the input)
        s = sigmoid_array(x)
    return (g * s * (1 + x * (1 - s)),)


def mish(input: Tensor) -> Tensor:
    """x * tanh(softplus(x))."""
    return mul(input, tanh(softplus(input)))


def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
    """clamp(x, min_val, max_val); the gradient is 0 at and beyond the ends (PyTorch)."""
    x = input._data
    xp = get_xp(x)
    inside = (x > min_val) & (x < max_val)
    out = xp.clip(x, min_val, max_val)
    return record(out, (input,), _masked_vjp, "HardtanhBackward0", (inside,))


def _masked_vjp(g, needs, mask):
    """g where ``mask`` holds, else 0."""
    return (g * mask,)


def relu6(input: Tensor) -> Tensor:
    return hardtanh(input, 0.0, 6.0)


def hardsigmoid(input: Tensor) -> Tensor:
    """relu6(x + 3) / 6; gradient 1/6 strictly between -3 and 3 (PyTorch)."""
    x = input._data
    xp = get_xp(x)
    inside = (x > -3) & (x < 3)
    out = xp.clip(x + 3, 0, 6) / 6
    return record(out, (input,), _hardsigmoid_vjp, "HardsigmoidBackward0", (inside,))


def _hardsigmoid_vjp(g, needs, inside):
    return (g * inside / 6,)


def hardswish(input: Tensor) -> Tensor:
    """x * relu6(x + 3) / 6; gradient 0 below -3, x / 3 + 1/2 on [-3, 3], 1 above (PyTorch)."""
    x = input._data
    xp = get_xp(x)
    out = x * xp.clip(x + 3, 0, 6) / 6
    return record(out, (input,), _hardswish_vjp, "HardswishBackward0", (x,))


def _hardswish_vjp(g, needs, x):
    xp = array_api(g)
    return (g * xp.where(x < -3, 0, xp.where(x <= 3, x / 3 + 0.5, 1)),)


def threshold(input: Tensor, threshold: float, value: float) -> Tensor:
    """x where x > threshold, else ``value``; gradient 1 where x > threshold."""
    x = input._data
    above = x > threshold
    out = get_xp(x).where(above, x, x.dtype.type(value))
    return record(out, (input,), _masked_vjp, "ThresholdBackward0", (above,))


def hardshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """x where |x| > lambd, else 0; gradient 1 where |x| > lambd."""
    x = input._data
    xp = get_xp(x)
    keep = xp.abs(x) > lambd
    return record(x * keep, (input,), _masked_vjp, "HardshrinkBackward0", (keep,))


def softshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """x - lambd above lambd, x + lambd below -lambd, 0 between; gradient 1 outside."""
    if lambd < 0:
        raise RuntimeError(f"lambda must be greater or equal to 0, but found to be {lambd}.")
    x = input._data
    xp = get_xp(x)
    keep = xp.abs(x) > lambd
    out = (x - xp.sign(x) * x.dtype.type(lambd)) * keep
    return record(out, (input,), _masked_vjp, "SoftshrinkBackward0", (keep,))


def tanhshrink(input: Tensor) -> Tensor:
    """x - tanh(x); gradient tanh(x)^2."""
    x = input._data
    t = get_xp(x).tanh(x)
    return record(x - t, (input,), _tanhshrink_vjp, "TanhshrinkBackward0", (x, t))


def _tanhshrink_vjp(g, needs, x, t):
    if array_api(g) is TENSOR_API:  # (the forward's tanh, recomputed from the input)
        t = TENSOR_API.tanh(x)
    return (g * (t * t),)


def softsign(input: Tensor) -> Tensor:
    """x / (1 + |x|); gradient 1 / (1 + |x|)^2."""
    x = input._data
    d = 1 + get_xp(x).abs(x)
    return record(x / d, (input,), _softsign_vjp, "SoftsignBackward0", (x, d))


def _softsign_vjp(g, needs, x, d):
    if array_api(g) is TENSOR_API:  # (the forward's 1 + |x|, recomputed from the input)
        d = 1 + TENSOR_API.abs(x)
    return (g / (d * d),)


def prelu(input: Tensor, weight: Tensor) -> Tensor:
    """x for x > 0, weight * x otherwise; ``weight`` has one slope or one per channel (dim 1).

    VJP: dx = g where x > 0 else weight * g; dweight = sum of g * x where x <= 0, per channel.
    """
    x, w = input._data, weight._data
    xp = get_xp(x)
    if w.size != 1:
        if x.ndim < 2 or x.shape[1] != w.size:
            raise RuntimeError(
                f"prelu: weight has {w.size} slopes but the input (shape "
                f"{tuple(x.shape)}) has {x.shape[1] if x.ndim > 1 else 1} channels "
                "in dim 1"
            )
        wb = w.reshape((1, w.size) + (1,) * (x.ndim - 2))
    else:
        wb = w.reshape(())
    pos = x > 0
    out = xp.where(pos, x, wb * x)
    view = wb.shape

    def backward(g, needs, pos, x, w):
        xp = array_api(g)
        gx = xp.where(pos, g, w.reshape(view) * g) if needs[0] else None
        gw = None
        if needs[1]:
            gw = unbroadcast(xp.where(pos, 0, g * x), view).reshape(w.shape)
        return gx, gw

    return record(out, (input, weight), backward, "PreluKernelBackward0", (pos, x, w))


def rrelu(
    input: Tensor,
    lower: float = 1.0 / 8,
    upper: float = 1.0 / 3,
    training: bool = False,
    generator=None,
) -> Tensor:
    """Randomized leaky ReLU: in training each negative element gets its own slope drawn from
    U(lower, upper); in evaluation the slope is (lower + upper) / 2. ``F.rrelu`` defaults to
    ``training=False``, as PyTorch's."""
    if not training:
        return leaky_relu(input, (lower + upper) / 2)
    x = input._data
    xp = get_xp(x)
    u = numpy_generator(generator).random(x.shape)
    slopes = xp.asarray((lower + (upper - lower) * u).astype(x.dtype))
    noise = xp.where(x > 0, xp.ones((), x.dtype), slopes)
    return record(x * noise, (input,), _masked_vjp, "RreluWithNoiseBackward0", (noise,))


def binary_step(input: Tensor, straight_through: bool = False) -> Tensor:
    """The notes' binary step: 0 for x < 0, 1 for x >= 0 (as ``heaviside(x, 1)``).

    Its derivative is 0 everywhere it exists (and undefined at 0), so by default no gradient
    reaches the input. ``straight_through=True`` passes the gradient through unchanged (the
    straight-through estimator), which makes networks with step units trainable.
    """
    x = input._data
    out = (x >= 0).astype(x.dtype)

    def backward(g, needs):
        return (g if straight_through else array_api(g).zeros_like(g),)

    return record(out, (input,), backward, "BinaryStepBackward0", ())


def maxout(input: Tensor, pieces: int, dim: int = -1) -> Tensor:
    """Max over groups of ``pieces`` contiguous units along ``dim`` (size C -> C / pieces).

    Units k*pieces .. k*pieces + pieces - 1 form output unit k. The gradient goes to the
    arg-max of each group (the first on ties).
    """
    x = input._data
    xp = get_xp(x)
    d = normalize_dim(dim, x.ndim)
    c = x.shape[d]
    if pieces < 1 or c % pieces:
        raise ValueError(
            f"maxout: the size of dim {dim} ({c}) must be a multiple of pieces ({pieces})"
        )
    grouped_shape = x.shape[:d] + (c // pieces, pieces) + x.shape[d + 1 :]
    grouped = x.reshape(grouped_shape)
    idx = xp.expand_dims(grouped.argmax(axis=d + 1), d + 1)
    out = xp.take_along_axis(grouped, idx, axis=d + 1).squeeze(d + 1)

    shape = x.shape

    def backward(g, needs, idx):
        xp = array_api(g)
        if xp is TENSOR_API:  # (the same scatter, as a differentiable op)
            gg = xp.scatter_into_zeros(grouped_shape, d + 1, idx, xp.expand_dims(g, d + 1))
        else:
            gg = xp.zeros(grouped_shape, dtype=g.dtype)
            gg[open_grid(idx.shape, d + 1, idx, xp)] = xp.expand_dims(g, d + 1)
        return (gg.reshape(shape),)

    return record(out, (input,), backward, "MaxoutBackward0", (idx,))


def softmin(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype=None) -> Tensor:
    """softmax(-input, dim), ``input`` cast to ``dtype`` first when given; ``_stacklevel`` is
    accepted as ``torch.nn.functional.softmin`` takes it, and has no effect."""
    return softmax(neg(input), dim, dtype)
