"""Embedding lookup: rows of a weight table at integer ids.

Its backward yields a ``RowsGrad`` (``autograd.rows``), the row gradient: only the rows looked
up are written into the weight's gradient. A backward pass that records its graph gets the
dense gradient instead, made by ``scatter_add`` (differentiable, like every op of it).
"""

from __future__ import annotations

import math

import numpy as np

from ..autograd.rows import RowsGrad
from ..autograd.versions import bump
from ..backend import get_xp, scatter_add, scatter_extreme
from ..tensor import Tensor, record
from .array_api import TENSOR_API, array_api
from .indexing import index_select

_NUMPY = np.ndarray
_smallest = np.minimum.reduce  # ids.min() without its Python-level wrapper


def embedding(
    input: Tensor,
    weight: Tensor,
    padding_idx: int | None = None,
    max_norm: float | None = None,
    norm_type: float = 2.0,
    scale_grad_by_freq: bool = False,
    sparse: bool = False,
) -> Tensor:
    """Rows of ``weight`` (num_embeddings, D) at the integer ids in ``input``; the row at
    ``padding_idx`` receives no gradient. The backward yields a ``RowsGrad``: only the rows
    looked up are written (``sparse`` is accepted as PyTorch takes it; the gradient is this
    row gradient either way).

    ``max_norm``: first, in place and outside the graph, each row looked up whose
    ``norm_type``-norm exceeds ``max_norm`` is scaled by max_norm / (norm + 1e-7).
    ``scale_grad_by_freq``: each row's gradient is divided by how often its id occurs in
    ``input``.
    """
    ids = input._data if isinstance(input, Tensor) else get_xp(weight._data).asarray(input)
    w = weight._data
    if ids.dtype.kind not in "iu":
        raise TypeError(f"embedding: input must hold integer ids, got dtype {ids.dtype}")
    n = w.shape[0]
    if padding_idx is not None and padding_idx < 0:
        padding_idx += n
    if max_norm is not None:
        _check_ids(ids, n)
        renorm_rows(w, ids, max_norm, norm_type)
    try:
        # NumPy's take raises for ids >= n itself, not for negative ones
        if type(ids) is _NUMPY or isinstance(ids, _NUMPY):
            if ids.size and _smallest(ids, None) < 0:
                raise IndexError
        elif ids.size and (ids.min() < 0 or ids.max() >= n):  # (CuPy's take would wrap)
            raise IndexError
        out = w.take(ids, axis=0)  # a third of the time of w[ids] on NumPy
    except IndexError:
        bad = int(ids[(ids < 0) | (ids >= n)].reshape(-1)[0])
        raise IndexError(f"embedding: id {bad} is out of range for {n} embeddings") from None

    shape = w.shape
    if scale_grad_by_freq:
        xp = get_xp(w)
        counts = xp.bincount(ids.reshape(-1), minlength=n)
        inverse = (1 / counts[ids]).astype(w.dtype)[..., None]
    else:
        inverse = None

    def backward(g, needs, ids, inverse):
        if inverse is not None:
            g = g * inverse
        if type(g) is not _NUMPY and array_api(g) is TENSOR_API:
            return (_dense_grad(g, ids, shape, padding_idx),)
        return (RowsGrad(ids, g, shape, padding_idx),)

    return record(out, (weight,), backward, "EmbeddingBackward0", (ids, inverse))


def _check_ids(ids, n: int) -> None:
    if ids.size and (int(ids.min()) < 0 or int(ids.max()) >= n):
        bad = int(ids[(ids < 0) | (ids >= n)].reshape(-1)[0])
        raise IndexError(f"embedding: id {bad} is out of range for {n} embeddings")


def renorm_rows(w, ids, max_norm: float, norm_type: float) -> None:
    """Scale, in place, each row ``w[i]`` (i in ``ids``) whose ``norm_type``-norm exceeds
    ``max_norm`` by max_norm / (norm + 1e-7), as PyTorch's ``embedding_renorm_``; the write
    counts as one in-place change of ``w``."""
    xp = get_xp(w)
    rows = xp.unique(ids.reshape(-1))
    sub = w[rows]
    a = xp.abs(sub)
    if norm_type == math.inf:
        norms = a.max(axis=-1)
    else:
        norms = (a**norm_type).sum(axis=-1) ** (1 / norm_type)
    big = norms > max_norm
    if big.any():
        rows, sub, norms = rows[big], sub[big], norms[big]
        w[rows] = sub * (max_norm / (norms + 1e-7)).astype(w.dtype)[:, None]
        bump(w)


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


BAG_MODES = ("sum", "mean", "max")


def _bags(ids, offsets, include_last_offset: bool, xp) -> tuple:
    """Flat ids, the bag of each position, the count of bags, and which positions lie inside
    a bag (with ``include_last_offset`` those past the last offset do not)."""
    if ids.ndim == 2:
        if offsets is not None:
            raise ValueError(
                "if input is 2D, then offsets has to be None, as input is treated is a "
                "mini-batch of fixed length sequences. However, found offsets of type "
                f"{type(offsets).__name__}"
            )
        count, length = ids.shape
        bag = xp.repeat(xp.arange(count), length)
        return ids.reshape(-1), bag, count, None
    if ids.ndim != 1:
        raise ValueError(f"input has to be 1D or 2D Tensor, but got Tensor of dimension {ids.ndim}")
    if offsets is None:
        raise ValueError("offsets has to be a 1D Tensor but got None")
    off = offsets._data if isinstance(offsets, Tensor) else xp.asarray(offsets)
    if off.ndim != 1 or off.dtype.kind not in "iu":
        raise ValueError(
            f"offsets has to be a 1D Tensor of integers, got shape {tuple(off.shape)} and "
            f"dtype {off.dtype}"
        )
    if off.size and int(off[0]) != 0:
        raise ValueError(
            f"offsets[0] has to be 0, i.e., the first sequence in the mini-batch "
            f"has to start from position 0. However, got {int(off[0])}"
        )
    starts = off[:-1] if include_last_offset else off
    positions = xp.arange(ids.size)
    bag = xp.searchsorted(starts, positions, side="right") - 1
    inside = positions < int(off[-1]) if include_last_offset and off.size else None
    return ids, xp.maximum(bag, 0), starts.size, inside


def embedding_bag(
    input: Tensor,
    weight: Tensor,
    offsets: Tensor | None = None,
    max_norm: float | None = None,
    norm_type: float = 2,
    scale_grad_by_freq: bool = False,
    mode: str = "mean",
    sparse: bool = False,
    per_sample_weights: Tensor | None = None,
    include_last_offset: bool = False,
    padding_idx: int | None = None,
) -> Tensor:
    """The sum, mean or max of the rows of ``weight`` looked up in each bag of ids, without
    forming the looked-up rows per bag (``nn.functional.embedding_bag``).

    Bags: the rows of a 2-D ``input`` (B, N), or of a 1-D ``input`` the runs starting at
    ``offsets`` (B starts, or B + 1 boundaries with ``include_last_offset``). Ids equal to
    ``padding_idx`` are left out of their bag (of its count for the mean too); an empty bag
    gives zeros. ``per_sample_weights`` (the input's shape, ``mode='sum'`` only) scales each
    row first. ``max_norm``, ``norm_type`` and ``scale_grad_by_freq`` as for ``embedding``.
    Output (B, embedding_dim). VJP: each looked-up row receives its bag's gradient times its
    coefficient (weight, 1 / count for the mean; in max mode only the rows that gave the max,
    per element); ``per_sample_weights`` receive the dot product of their row with the bag's
    gradient. The weight's gradient is a ``RowsGrad``.
    """
    w = weight._data
    xp = get_xp(w)
    ids = input._data if isinstance(input, Tensor) else xp.asarray(input)
    if ids.dtype.kind not in "iu":
        raise TypeError(f"embedding_bag: input must hold integer ids, got dtype {ids.dtype}")
    if mode not in BAG_MODES:
        raise ValueError(f"mode has to be one of sum, mean or max, got {mode!r}")
    psw = per_sample_weights
    if psw is not None:
        if mode != "sum":
            raise NotImplementedError(
                "embedding_bag: per_sample_weights was not None. per_sample_weights is only "
                f"supported for mode='sum' (got mode='{mode}')"
            )
        if tuple(psw.shape) != tuple(ids.shape):
            raise ValueError(
                f"embedding_bag: If per_sample_weights ({tuple(psw.shape)}) is not None, then "
                f"it must have the same shape as the input ({tuple(ids.shape)})"
            )
    if scale_grad_by_freq and mode == "max":
        raise ValueError("max mode does not support scaling the gradient by the frequency")
    n, dim = w.shape
    flat, bag, count, inside = _bags(ids, offsets, include_last_offset, xp)
    _check_ids(flat, n)
    if padding_idx is not None and padding_idx < 0:
        padding_idx += n
    if max_norm is not None:
        renorm_rows(w, flat, max_norm, norm_type)
    valid = flat != padding_idx if padding_idx is not None else xp.ones(flat.shape, bool)
    if inside is not None:
        valid &= inside
    rows = w.take(flat, axis=0)
    out = xp.zeros((count, dim), dtype=w.dtype)
    if mode == "max":
        best = xp.full((count, dim), -xp.inf, dtype=w.dtype)
        scatter_extreme(xp, "max", best, bag[valid], rows[valid])
        filled = xp.bincount(bag[valid], minlength=count) > 0
        out[filled] = best[filled]
        at = xp.arange(flat.size)[:, None]
        hit = (rows == best.take(bag, axis=0)) & valid[:, None]
        first = xp.full((count, dim), flat.size)
        scatter_extreme(xp, "min", first, bag[valid], xp.where(hit, at, flat.size)[valid])
        coef = ((at == first.take(bag, axis=0)) & valid[:, None]).astype(w.dtype)
    else:
        c = valid.astype(w.dtype)
        if psw is not None:
            c = c * psw._data.reshape(-1)
        if mode == "mean":
            counts = xp.bincount(bag[valid], minlength=count)
            c = c / xp.maximum(counts, 1).take(bag).astype(w.dtype)
        scatter_add(xp, out, bag, rows * c[:, None])
        coef = c[:, None]
    freq = None
    if scale_grad_by_freq:
        freq = (1 / xp.bincount(flat, minlength=n).take(flat)).astype(w.dtype)[:, None]
        coef = coef * freq
    inputs = (weight,) if psw is None else (weight, psw)
    shape = w.shape

    def backward(g, needs, w, flat, bag, coef, valid, p, freq):
        xp = array_api(g)
        if xp is TENSOR_API:
            if p is not None:  # (sum mode: the coefficients are the weights, differentiable)
                coef = (p.reshape((-1,)) * valid).reshape((-1, 1))
                coef = coef * freq if freq is not None else coef
            g_rows = index_select(g, 0, bag)
            gw = _dense_grad(g_rows * coef, flat, shape, padding_idx) if needs[0] else None
            if len(needs) == 1:
                return (gw,)
            looked_up = index_select(w, 0, flat)
            return gw, (xp.sum(g_rows * looked_up, axis=-1) * valid).reshape(input.shape)
        g_rows = g.take(bag, axis=0)
        gw = RowsGrad(flat, g_rows * coef, shape, padding_idx) if needs[0] else None
        if len(needs) == 1:
            return (gw,)
        gp = (g_rows * w.take(flat, axis=0)).sum(axis=-1) * valid if needs[1] else None
        return gw, gp.reshape(ids.shape) if gp is not None else None

    saved = (w, flat, bag, coef, valid, None if psw is None else psw._data, freq)
    return record(out, inputs, backward, "EmbeddingBagBackward0", saved)
