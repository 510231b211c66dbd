"""Dropout: the activations' companion that zeroes units at random during training.

One rule serves every form: a keep mask k ~ Bernoulli(1 - p) (drawn per element, or per channel
of (N, C, *) input for the feature forms) and y = x * k / (1 - p). The alpha forms keep the mean
and variance of SELU activations instead: y = a * (x * k + alpha' * (1 - k)) + b, with
alpha' = -SELU's lambda * alpha, a = ((1 - p) * (1 + p * alpha'^2))^(-1/2) and
b = -a * alpha' * p (written as PyTorch does: x * (a k) + alpha_s * a * (k - 1 + p)).
"""

from __future__ import annotations

import warnings

from ..backend import get_xp
from ..random import numpy_generator
from ..tensor import Tensor, record
from .shape import squeeze, unsqueeze

# -SELU's scale * alpha (the value a SELU unit saturates at), as PyTorch's alpha dropout uses it.
_SELU_SATURATION = 1.7580993408473766


def _check_p(p: float) -> None:
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _masked(input: Tensor, p: float, training: bool, generator, feature: bool, alpha: bool):
    """The one dropout rule (module docstring); ``feature`` draws one mask entry per channel."""
    _check_p(p)
    x = input._data
    if not training or p == 0.0 or x.size == 0:
        return input
    xp = get_xp(x)
    if feature and x.ndim < 2:
        raise RuntimeError(
            f"Feature dropout requires at least 2 dimensions in the input, got shape "
            f"{tuple(x.shape)}"
        )
    shape = x.shape[:2] + (1,) * (x.ndim - 2) if feature else x.shape
    if p == 1.0:
        scale = xp.zeros(shape, dtype=x.dtype)
        return record(x * scale, (input,), _dropout_vjp, "MulBackward0", (scale,))
    u = xp.asarray(numpy_generator(generator).random(shape, dtype="float32"))
    if not alpha:
        scale = (u >= p) * x.dtype.type(1.0 / (1.0 - p))  # (a scalar np.where is much slower)
        return record(x * scale, (input,), _dropout_vjp, "MulBackward0", (scale,))
    keep = (u >= p).astype(x.dtype)
    a = 1.0 / ((_SELU_SATURATION**2 * p + 1) * (1 - p)) ** 0.5
    scale = keep * x.dtype.type(a)
    shift = (keep - 1) * x.dtype.type(_SELU_SATURATION * a) + x.dtype.type(_SELU_SATURATION * a * p)
    return record(x * scale + shift, (input,), _dropout_vjp, "AddBackward0", (scale,))


def _dropout_vjp(g, needs, scale):
    return (g * scale,)


def dropout(
    input: Tensor,
    p: float = 0.5,
    training: bool = True,
    generator=None,
) -> Tensor:
    """Inverted dropout: in training, zero each element with probability p and scale the rest
    by 1 / (1 - p); in evaluation, the identity."""
    return _masked(input, p, training, generator, feature=False, alpha=False)


def feature_dropout(input: Tensor, p: float = 0.5, training: bool = True, generator=None):
    """Dropout of whole channels of (N, C, *) input: one keep draw per (sample, channel)."""
    return _masked(input, p, training, generator, feature=True, alpha=False)


def alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False, generator=None):
    """Alpha dropout per element (module docstring); the identity unless ``training``."""
    return _masked(input, p, training, generator, feature=False, alpha=True)


def feature_alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False, generator=None):
    """Alpha dropout of whole channels of (N, C, *) input; the identity unless ``training``."""
    return _masked(input, p, training, generator, feature=True, alpha=True)


def _channelwise(input: Tensor, p: float, training: bool, generator, batched: bool):
    """``feature_dropout``; an unbatched (C, *) input is treated as a batch of one."""
    if batched or not training or p == 0.0:
        return feature_dropout(input, p, training, generator)
    return squeeze(feature_dropout(unsqueeze(input, 0), p, training, generator), 0)


def dropout1d(input: Tensor, p: float = 0.5, training: bool = True, generator=None) -> Tensor:
    """Channel dropout of (N, C, L) input, or of unbatched (C, L) input."""
    _check_p(p)
    if input.ndim not in (2, 3):
        raise RuntimeError(
            f"dropout1d: Expected 2D or 3D input, but received a {input.ndim}D input. Note that "
            "dropout1d exists to provide channel-wise dropout on inputs with 1 spatial "
            "dimension, a channel dimension, and an optional batch dimension (i.e. 2D or 3D "
            "inputs)."
        )
    return _channelwise(input, p, training, generator, input.ndim == 3)


def dropout2d(input: Tensor, p: float = 0.5, training: bool = True, generator=None) -> Tensor:
    """Channel dropout of (N, C, H, W) input. As PyTorch's, a 3-D input is read as (N, C, L)
    (channel-wise 1-D dropout) with a warning, and other ranks warn and drop channels of dim 1."""
    _check_p(p)
    d = input.ndim
    if d not in (3, 4):
        warnings.warn(
            f"dropout2d: Received a {d}-D input to dropout2d, which is deprecated and will "
            "result in an error in a future release. To retain the behavior and silence this "
            "warning, please use dropout instead. Note that dropout2d exists to provide "
            "channel-wise dropout on inputs with 2 spatial dimensions, a channel dimension, "
            "and an optional batch dimension (i.e. 3D or 4D inputs).",
            stacklevel=3,
        )
    if d == 3:
        warnings.warn(
            "dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D "
            "dropout behavior is desired - input is interpreted as shape (N, C, L), where C is "
            "the channel dim. This behavior will change in a future release to interpret the "
            "input as one without a batch dimension, i.e. shape (C, H, W). To maintain the 1D "
            "channel-wise dropout behavior, please switch to using dropout1d instead.",
            stacklevel=3,
        )
    return feature_dropout(input, p, training, generator)


def dropout3d(input: Tensor, p: float = 0.5, training: bool = True, generator=None) -> Tensor:
    """Channel dropout of (N, C, D, H, W) input, or of unbatched (C, D, H, W) input; other
    ranks warn (as PyTorch's) and are read as unbatched."""
    _check_p(p)
    d = input.ndim
    if d not in (4, 5):
        warnings.warn(
            f"dropout3d: Received a {d}-D input to dropout3d, which is deprecated and will "
            "result in an error in a future release. To retain the behavior and silence this "
            "warning, please use dropout instead. Note that dropout3d exists to provide "
            "channel-wise dropout on inputs with 3 spatial dimensions, a channel dimension, "
            "and an optional batch dimension (i.e. 4D or 5D inputs).",
            stacklevel=3,
        )
    return _channelwise(input, p, training, generator, d == 5)
