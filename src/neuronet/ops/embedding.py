"""Embedding lookup: rows of a weight table at integer ids.

Its backward yields a ``RowsGrad`` (``autograd.rows``), the row gradient: only the rows looked
up are written into the weight's gradient. A backward pass that records its graph gets the
dense gradient instead, made by ``scatter_add`` (differentiable, like every op of it).
"""

from __future__ import annotations

import math

import numpy as np

from ..autograd.rows import RowsGrad
from ..backend import get_xp
from ..tensor import Tensor, record
from .array_api import TENSOR_API, array_api

_smallest = np.minimum.reduce  # ids.min() without its Python-level wrapper


def embedding(input: Tensor, weight: Tensor, padding_idx: int | None = None) -> Tensor:
    """Rows of ``weight`` (num_embeddings, D) at the integer ids in ``input``; the row at
    ``padding_idx`` receives no gradient. The backward yields a ``RowsGrad``: only the rows
    looked up are written."""
    ids = input._data if isinstance(input, Tensor) else get_xp(weight._data).asarray(input)
    w = weight._data
    if ids.dtype.kind not in "iu":
        raise TypeError(f"embedding: input must hold integer ids, got dtype {ids.dtype}")
    n = w.shape[0]
    if padding_idx is not None and padding_idx < 0:
        padding_idx += n
    try:
        if type(ids) is np.ndarray:  # take raises for ids >= n itself, not for negative ones
            if ids.size and _smallest(ids, None) < 0:
                raise IndexError
        elif ids.size and (ids.min() < 0 or ids.max() >= n):  # (CuPy's take would wrap)
            raise IndexError
        out = w.take(ids, axis=0)  # a third of the time of w[ids] on NumPy
    except IndexError:
        bad = int(ids[(ids < 0) | (ids >= n)].reshape(-1)[0])
        raise IndexError(f"embedding: id {bad} is out of range for {n} embeddings") from None

    shape = w.shape

    def backward(g, needs, ids):
        if array_api(g) is TENSOR_API:
            return (_dense_grad(g, ids, shape, padding_idx),)
        return (RowsGrad(ids, g, shape, padding_idx),)

    return record(out, (weight,), backward, "EmbeddingBackward0", (ids,))


def _dense_grad(g, ids, shape: tuple, padding_idx: int | None) -> Tensor:
    """The weight's gradient as a tensor: row ``ids[k]`` gets ``g[k]`` (repeats add up), and
    the row at ``padding_idx`` gets nothing, as ``RowsGrad`` writes it."""
    xp = TENSOR_API
    width = math.prod(shape[1:])
    rows = ids.reshape((-1, 1))
    src = g.reshape((-1, width))
    if padding_idx is not None:
        src = src * (rows != padding_idx)
    index = xp.broadcast_to(rows, src.shape)
    return xp.scatter_into_zeros((shape[0], width), 0, index, src).reshape(shape)
