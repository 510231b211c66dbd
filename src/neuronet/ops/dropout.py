"""Dropout: the activations' companion that zeroes units at random during training."""

from __future__ import annotations

from ..backend import get_xp
from ..random import numpy_generator
from ..tensor import Tensor, record


def dropout(
    input: Tensor,
    p: float = 0.5,
    training: bool = True,
    generator=None,
) -> Tensor:
    """Inverted dropout: in training, zero each element with probability p and scale the rest
    by 1 / (1 - p); in evaluation, the identity."""
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout: p must be a probability in [0, 1], got {p}")
    if not training or p == 0.0:
        return input
    x = input._data
    xp = get_xp(x)
    if p == 1.0:
        mask = xp.zeros_like(x)
    else:
        u = xp.asarray(numpy_generator(generator).random(x.shape, dtype="float32"))
        mask = (u >= p) * x.dtype.type(1.0 / (1.0 - p))  # (a scalar np.where is much slower)
    return record(x * mask, (input,), _dropout_vjp, "MulBackward0", (mask,))


def _dropout_vjp(g, needs, mask):
    return (g * mask,)
