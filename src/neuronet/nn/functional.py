"""Stateless functions, as ``torch.nn.functional``: ``import neuronet.nn.functional as F``.

Every function here is the op itself from ``neuronet.ops`` (forward and VJP in one place),
except those with PyTorch's ``inplace=`` argument: thin wrappers that call the op, and with
``inplace=True`` write its result into the input (``neuronet.ops.inplace``: autograd's rules
for in-place ops), as do the ``_`` forms (``relu_``, ``elu_``, ...).
"""

from __future__ import annotations

import numpy as np

from .. import ops as _ops
from ..ops import activation as _act
from ..ops import dropout as _dropout
from ..ops import log_softmax, sigmoid, softmax, tanh
from ..ops.activation import (
    binary_step,
    gelu,
    hardshrink,
    logsigmoid,
    maxout,
    prelu,
    softmin,
    softplus,
    softshrink,
    softsign,
    tanhshrink,
)
from ..ops.attention import scaled_dot_product_attention
from ..ops.convolution import (
    conv1d,
    conv2d,
    conv_transpose1d,
    conv_transpose2d,
    fold,
    unfold,
)
from ..ops.embedding import embedding, embedding_bag
from ..ops.inplace import apply_inplace as _apply_inplace
from ..ops.linalg import bilinear, linear
from ..ops.loss import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    hinge_embedding_loss,
    huber_loss,
    kl_div,
    l1_loss,
    margin_ranking_loss,
    mse_loss,
    multi_margin_loss,
    nll_loss,
    smooth_l1_loss,
    soft_margin_loss,
)
from ..ops.normalization import (
    batch_norm,
    group_norm,
    instance_norm,
    layer_norm,
    local_response_norm,
    rms_norm,
)
from ..ops.padding import pad
from ..ops.pooling import (
    adaptive_avg_pool1d,
    adaptive_avg_pool2d,
    adaptive_max_pool1d,
    adaptive_max_pool2d,
    avg_pool1d,
    avg_pool2d,
    lp_pool1d,
    lp_pool2d,
    max_pool1d,
    max_pool2d,
    max_unpool1d,
    max_unpool2d,
)
from ..ops.upsampling import interpolate, pixel_shuffle, pixel_unshuffle


def relu(input, inplace: bool = False):
    """max(input, 0)."""
    return _apply_inplace(input, _act.relu) if inplace else _act.relu(input)


def leaky_relu(input, negative_slope: float = 0.01, inplace: bool = False):
    """input for input > 0, negative_slope * input otherwise."""
    if inplace:
        return _apply_inplace(input, _act.leaky_relu, negative_slope)
    return _act.leaky_relu(input, negative_slope)


def elu(input, alpha: float = 1.0, inplace: bool = False):
    """input for input > 0, alpha * (exp(input) - 1) otherwise."""
    return _apply_inplace(input, _act.elu, alpha) if inplace else _act.elu(input, alpha)


def celu(input, alpha: float = 1.0, inplace: bool = False):
    """max(0, input) + min(0, alpha * (exp(input / alpha) - 1))."""
    return _apply_inplace(input, _act.celu, alpha) if inplace else _act.celu(input, alpha)


def selu(input, inplace: bool = False):
    """scale * elu(input, alpha) with PyTorch's constants."""
    return _apply_inplace(input, _act.selu) if inplace else _act.selu(input)


def hardtanh(input, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False):
    """clamp(input, min_val, max_val)."""
    if inplace:
        return _apply_inplace(input, _act.hardtanh, min_val, max_val)
    return _act.hardtanh(input, min_val, max_val)


def relu6(input, inplace: bool = False):
    """min(max(input, 0), 6)."""
    return _apply_inplace(input, _act.relu6) if inplace else _act.relu6(input)


def rrelu(
    input,
    lower: float = 1.0 / 8,
    upper: float = 1.0 / 3,
    training: bool = False,
    inplace: bool = False,
    generator=None,
):
    """Randomized leaky ReLU (slopes drawn from U(lower, upper) in training)."""
    if inplace:
        return _apply_inplace(input, _act.rrelu, lower, upper, training, generator)
    return _act.rrelu(input, lower, upper, training, generator)


def threshold(input, threshold: float, value: float, inplace: bool = False):
    """input where input > threshold, else value."""
    if inplace:
        return _apply_inplace(input, _act.threshold, threshold, value)
    return _act.threshold(input, threshold, value)


def silu(input, inplace: bool = False):
    """input * sigmoid(input)."""
    return _apply_inplace(input, _act.silu) if inplace else _act.silu(input)


def mish(input, inplace: bool = False):
    """input * tanh(softplus(input))."""
    return _apply_inplace(input, _act.mish) if inplace else _act.mish(input)


def hardsigmoid(input, inplace: bool = False):
    """relu6(input + 3) / 6."""
    return _apply_inplace(input, _act.hardsigmoid) if inplace else _act.hardsigmoid(input)


def hardswish(input, inplace: bool = False):
    """input * relu6(input + 3) / 6."""
    return _apply_inplace(input, _act.hardswish) if inplace else _act.hardswish(input)


def dropout(input, p: float = 0.5, training: bool = True, inplace: bool = False, generator=None):
    """Inverted dropout: in training, zero each element with probability p and scale the rest
    by 1 / (1 - p); in evaluation, the identity (the input itself)."""
    if inplace:
        return _apply_inplace(input, _dropout.dropout, p, training, generator)
    return _dropout.dropout(input, p, training, generator)


def dropout1d(input, p: float = 0.5, training: bool = True, inplace: bool = False, generator=None):
    """Channel dropout of (N, C, L) or unbatched (C, L) input: each channel zeroed with
    probability p in training, the kept ones scaled by 1 / (1 - p)."""
    if inplace:
        return _apply_inplace(input, _dropout.dropout1d, p, training, generator)
    return _dropout.dropout1d(input, p, training, generator)


def dropout2d(input, p: float = 0.5, training: bool = True, inplace: bool = False, generator=None):
    """Channel dropout of (N, C, H, W) input (3-D input read as (N, C, L), with PyTorch's
    warning)."""
    if inplace:
        return _apply_inplace(input, _dropout.dropout2d, p, training, generator)
    return _dropout.dropout2d(input, p, training, generator)


def dropout3d(input, p: float = 0.5, training: bool = True, inplace: bool = False, generator=None):
    """Channel dropout of (N, C, D, H, W) or unbatched (C, D, H, W) input."""
    if inplace:
        return _apply_inplace(input, _dropout.dropout3d, p, training, generator)
    return _dropout.dropout3d(input, p, training, generator)


def alpha_dropout(
    input, p: float = 0.5, training: bool = False, inplace: bool = False, generator=None
):
    """Alpha dropout (``neuronet.ops.dropout``); the identity unless ``training`` (PyTorch's
    default here is ``training=False``)."""
    if inplace:
        return _apply_inplace(input, _dropout.alpha_dropout, p, training, generator)
    return _dropout.alpha_dropout(input, p, training, generator)


def feature_alpha_dropout(
    input, p: float = 0.5, training: bool = False, inplace: bool = False, generator=None
):
    """Alpha dropout of whole channels of (N, C, *) input; the identity unless ``training``."""
    if inplace:
        return _apply_inplace(input, _dropout.feature_alpha_dropout, p, training, generator)
    return _dropout.feature_alpha_dropout(input, p, training, generator)


def relu_(input):
    """``relu(..., inplace=True)``."""
    return relu(input, inplace=True)


def leaky_relu_(input, negative_slope: float = 0.01):
    """``leaky_relu(..., inplace=True)``."""
    return leaky_relu(input, negative_slope, inplace=True)


def elu_(input, alpha: float = 1.0):
    """``elu(..., inplace=True)``."""
    return elu(input, alpha, inplace=True)


def celu_(input, alpha: float = 1.0):
    """``celu(..., inplace=True)``."""
    return celu(input, alpha, inplace=True)


def selu_(input):
    """``selu(..., inplace=True)``."""
    return selu(input, inplace=True)


def hardtanh_(input, min_val: float = -1.0, max_val: float = 1.0):
    """``hardtanh(..., inplace=True)``."""
    return hardtanh(input, min_val, max_val, inplace=True)


def rrelu_(
    input,
    lower: float = 1.0 / 8,
    upper: float = 1.0 / 3,
    training: bool = False,
    generator=None,
):
    """``rrelu(..., inplace=True)``."""
    return rrelu(input, lower, upper, training, inplace=True, generator=generator)


def threshold_(input, threshold: float, value: float):
    """``threshold(..., inplace=True)``."""
    return _apply_inplace(input, _act.threshold, threshold, value)


def one_hot(input, num_classes: int = -1):
    """(..., ) integer ids -> (..., num_classes) int64 one-hot rows (``input=`` as PyTorch's
    argument parser names it)."""
    from ..tensor import Tensor  # noqa: PLC0415

    ids = input._data
    xp = input.xp
    n = int(ids.max()) + 1 if num_classes < 0 else num_classes
    if ids.size and (ids.min() < 0 or ids.max() >= n):
        raise RuntimeError(f"one_hot: class values must be in [0, {n}), got {int(ids.max())}")
    return Tensor._make((ids[..., None] == xp.arange(n)).astype("int64"))


def normalize(input, p: float = 2.0, dim: int = 1, eps: float = 1e-12, out=None):
    """``input / max(||input||_p, eps)``, the p-norm taken over ``dim`` (kept for broadcasting).
    Composite: ``norm``, ``clamp_min``, division."""
    if out is not None:
        raise TypeError("normalize(): out= is not supported; use the returned tensor")
    denom = _ops.clamp_min(_ops.norm(input, p, dim, keepdim=True), eps)
    return input / denom


def cosine_similarity(x1, x2, dim: int = 1, eps: float = 1e-8):
    """``sum(x1 * x2, dim) / (max(||x1||, eps) * max(||x2||, eps))`` with 2-norms over ``dim``,
    ``x1`` and ``x2`` broadcast together; computed as PyTorch does, each divided by its clamped
    norm before the product. Composite: ``norm``, ``clamp_min``, division, ``sum``."""
    shape = _broadcast_shape(x1, x2)
    a, b = _ops.broadcast_to(x1, shape), _ops.broadcast_to(x2, shape)
    na = _ops.clamp_min(_ops.norm(a, 2, dim, keepdim=True), eps)
    nb = _ops.clamp_min(_ops.norm(b, 2, dim, keepdim=True), eps)
    return _ops.sum((a / na) * (b / nb), dim)


def _broadcast_shape(x1, x2) -> tuple:
    try:
        return np.broadcast_shapes(tuple(x1.shape), tuple(x2.shape))
    except ValueError:
        raise RuntimeError(
            f"The size of tensor a ({tuple(x1.shape)}) must match the size of tensor b "
            f"({tuple(x2.shape)}): they do not broadcast together"
        ) from None


def pairwise_distance(x1, x2, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False):
    """``||x1 - x2 + eps||_p`` over the last dim (of the two inputs broadcast together).
    Composite: subtraction, ``norm``."""
    dim = max(x1.ndim, x2.ndim) - 1
    return _ops.norm(x1 - x2 + eps, p, dim if dim >= 0 else None, keepdim=keepdim)
