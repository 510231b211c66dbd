"""Embedding lookup and dropout: ops that select or mask entries."""
from __future__ import annotations

from ..backend import get_xp, scatter_add
from ..random import numpy_generator
from ..tensor import Tensor, record


def embedding_backward(g, ids, num_rows: int, padding_idx, xp):
    """Gradient of ``weight[ids]``: a (num_rows, D) buffer where only the looked-up rows are
    written (``add.at`` sums repeated ids); no other vocabulary-sized work."""
    grad = xp.zeros((num_rows, g.shape[-1]), dtype=g.dtype)
    scatter_add(xp, grad, ids.reshape(-1), g.reshape(-1, g.shape[-1]))
    if padding_idx is not None:
        grad[padding_idx] = 0
    return grad


def embedding(input: Tensor, weight: Tensor, padding_idx: int | None = None) -> Tensor:  # noqa: A002
    """Rows of ``weight`` (num_embeddings, D) at the integer ids in ``input``; the row at
    ``padding_idx`` receives no gradient."""
    ids = input.data if isinstance(input, Tensor) else get_xp(weight.data).asarray(input)
    w = weight.data
    if ids.dtype.kind not in "iu":
        raise TypeError(f"embedding: input must hold integer ids, got dtype {ids.dtype}")
    n = w.shape[0]
    if ids.size and (ids.min() < 0 or ids.max() >= n):
        bad = int(ids[(ids < 0) | (ids >= n)].reshape(-1)[0])
        raise IndexError(f"embedding: id {bad} is out of range for {n} embeddings")
    if padding_idx is not None and padding_idx < 0:
        padding_idx += n
    xp = get_xp(w)
    out = w[ids]

    def backward(g, needs):
        return (embedding_backward(g, ids, n, padding_idx, xp),)
    return record(out, (weight,), backward, "EmbeddingBackward0")


def dropout(input: Tensor, p: float = 0.5, training: bool = True,  # noqa: A002
            generator=None) -> Tensor:
    """Inverted dropout: in training, zero each element with probability p and scale the rest
    by 1 / (1 - p); in evaluation, the identity."""
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout: p must be a probability in [0, 1], got {p}")
    if not training or p == 0.0:
        return input
    x = input.data
    xp = get_xp(x)
    if p == 1.0:
        mask = xp.zeros_like(x)
    else:
        u = numpy_generator(generator).random(x.shape, dtype="float32")
        u = xp.asarray(u)
        mask = xp.where(u >= p, x.dtype.type(1.0 / (1.0 - p)), x.dtype.type(0.0))
    out = x * mask

    def backward(g, needs):
        return (g * mask,)
    return record(out, (input,), backward, "MulBackward0")
