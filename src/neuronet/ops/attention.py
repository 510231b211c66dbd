"""Attention: the fused attention weights ``softmax(q k^T * scale + mask)`` with its own VJP,
and ``scaled_dot_product_attention`` (``nn.functional``) built on it.

``attention_weights`` computes the scores, applies the masks, and normalises each row in one
op: one node in the graph, the scores never kept, batched matrix products over all leading
(batch and head) dims at once. Masked positions are set to -inf and give weight 0; the row
maximum that stabilises the softmax is taken as 0 in a row with no position left, so nothing
overflows and no NumPy warning is raised. Such a row (every key masked) gives zeros
(``empty='zero'``, PyTorch's ``scaled_dot_product_attention``) or NaN (``empty='nan'``, the
softmax of PyTorch's ``MultiheadAttention`` when it returns its weights).

VJP, with P the weights and G their gradient: dS = P * (G - sum(G * P, -1)) (the softmax's),
dq = dS k * scale, dk = dS^T q * scale, d(float mask) = dS, each summed over broadcast dims.
"""

from __future__ import annotations

import math

import numpy as np

from ..backend import get_xp
from ..tensor import Tensor, record
from ._util import unbroadcast
from .array_api import array_api
from .dropout import dropout
from .linalg import matmul
from .shape import repeat_interleave

EMPTY_ROWS = ("zero", "nan")


def _check_floating(name: str, x) -> None:
    if x.dtype.kind != "f":
        raise RuntimeError(f"{name}: expected a floating point tensor, got dtype {x.dtype}")


def attention_weights(
    query: Tensor,
    key: Tensor,
    scale: float,
    keep=None,
    bias: Tensor | None = None,
    empty: str = "zero",
) -> Tensor:
    """P = softmax(query @ key^T * scale + bias, -1), with P = 0 where ``keep`` is False.

    ``query`` (..., L, E) and ``key`` (..., S, E) with broadcastable leading dims; ``keep``:
    an optional bool array broadcastable to (..., L, S), True where a query may attend to a
    key; ``bias``: an optional float tensor of the query's dtype broadcastable to (..., L, S),
    added to the scores (its -inf entries mask out too; it is differentiable). A row with no
    position left is all zeros (``empty='zero'``) or all NaN (``empty='nan'``).
    """
    q, k = query._data, key._data
    _check_floating("attention_weights", q)
    if k.dtype != q.dtype:
        raise RuntimeError(
            f"attention_weights: expected query and key of one dtype, got {q.dtype} and {k.dtype}"
        )
    if q.ndim < 2 or k.ndim < 2 or q.shape[-1] != k.shape[-1]:
        raise RuntimeError(
            f"attention_weights: query (..., L, E) and key (..., S, E) must share E, got "
            f"shapes {tuple(q.shape)} and {tuple(k.shape)}"
        )
    if empty not in EMPTY_ROWS:
        raise ValueError(f"attention_weights: empty must be 'zero' or 'nan', got {empty!r}")
    xp = get_xp(q)
    s = q @ xp.swapaxes(k, -1, -2)
    if scale != 1:
        s *= s.dtype.type(scale)
    inputs: tuple = (query, key)
    masked = keep is not None
    if bias is not None:
        b = bias._data
        if b.dtype != q.dtype:
            raise RuntimeError(
                f"attention_weights: the float mask must have the query's dtype {q.dtype}, "
                f"got {b.dtype}"
            )
        s = s + b
        inputs = (query, key, bias)
        masked = True
    if keep is not None:
        s = xp.where(keep, s, s.dtype.type(-math.inf))
    m = s.max(axis=-1, keepdims=True)
    if masked:
        m = xp.where(xp.isfinite(m), m, m.dtype.type(0))
    s -= m
    xp.exp(s, out=s)
    z = s.sum(axis=-1, keepdims=True)
    if masked:
        dead = z == 0
        if dead.any():
            s /= xp.where(dead, z.dtype.type(1), z)
            if empty == "nan":
                s = xp.where(dead, s.dtype.type(math.nan), s)
        else:
            s /= z
    else:
        s /= z
    q_shape, k_shape = q.shape, k.shape
    b_shape = bias._data.shape if bias is not None else None

    def backward(g, needs, q, k, p):
        xp = array_api(g)
        ds = p * (g - xp.sum(g * p, axis=-1, keepdims=True))
        gq = gk = None
        if needs[0]:
            gq = unbroadcast(ds @ k * scale, q_shape)
        if needs[1]:
            gk = unbroadcast(xp.swapaxes(ds, -1, -2) @ q * scale, k_shape)
        if len(needs) == 3:
            return gq, gk, unbroadcast(ds, b_shape) if needs[2] else None
        return gq, gk

    return record(s, inputs, backward, "AttentionWeightsBackward0", (q, k, s))


def _mask_error(mask, query) -> RuntimeError:
    return RuntimeError(
        f"Expected attn_mask dtype to be bool or float or to match query dtype, but got "
        f"attn_mask.dtype: {mask.dtype} and  query.dtype: {query.dtype} instead."
    )


def scaled_dot_product_attention(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    attn_mask: Tensor | None = None,
    dropout_p: float = 0.0,
    is_causal: bool = False,
    scale: float | None = None,
    enable_gqa: bool = False,
) -> Tensor:
    """softmax(query @ key^T * scale + mask) @ value, as PyTorch's (a composite of
    ``attention_weights``, ``dropout`` and ``matmul``).

    query (..., L, E), key (..., S, E), value (..., S, Ev) -> (..., L, Ev); leading dims
    broadcast. ``attn_mask``: bool (True = may attend) or float of the query's dtype (added to
    the scores), broadcastable to (..., L, S). ``is_causal``: query i attends to keys 0..i
    (``tril(ones(L, S))``, top-left aligned; no ``attn_mask`` then). ``scale`` defaults to
    1 / sqrt(E). ``dropout_p`` drops weights (always: this function has no training flag).
    ``enable_gqa``: key and value may have fewer heads (dim -3) than query, a divisor of its
    count; each is repeated to match. A query row with every key masked gives zeros.
    """
    q = query._data
    _check_floating("scaled_dot_product_attention", q)
    if key.ndim < 2 or value.ndim < 2:
        raise RuntimeError(
            f"scaled_dot_product_attention: key and value need at least 2 dims, got shapes "
            f"{tuple(key.shape)} and {tuple(value.shape)}"
        )
    if enable_gqa and q.ndim >= 3 and key.shape[-3] != q.shape[-3]:
        heads, kv_heads = q.shape[-3], key.shape[-3]
        if kv_heads == 0 or heads % kv_heads or value.shape[-3] != kv_heads:
            raise RuntimeError(
                f"scaled_dot_product_attention: with enable_gqa the number of query heads "
                f"({heads}) must be a multiple of key's and value's ({kv_heads}, "
                f"{value.shape[-3]})"
            )
        key = repeat_interleave(key, heads // kv_heads, dim=-3)
        value = repeat_interleave(value, heads // kv_heads, dim=-3)
    if scale is None:
        scale = 1 / math.sqrt(q.shape[-1])
    keep = bias = None
    if is_causal:
        if attn_mask is not None:
            raise RuntimeError(
                "_scaled_dot_product_attention: Explicit attn_mask should not be set when "
                "is_causal=True"
            )
        keep = causal_keep(q.shape[-2], key.shape[-2], get_xp(q))
    elif attn_mask is not None:
        mask = attn_mask._data if isinstance(attn_mask, Tensor) else attn_mask
        if mask.dtype == np.bool_:
            keep = mask
        elif mask.dtype == q.dtype:
            bias = attn_mask if isinstance(attn_mask, Tensor) else Tensor._make(mask)
        else:
            raise _mask_error(mask, q)
    p = attention_weights(query, key, scale, keep, bias)
    if dropout_p > 0:
        p = dropout(p, dropout_p, True)
    return matmul(p, value)


_causal_cache: dict = {}


def causal_keep(length: int, source_length: int, xp):
    """``tril(ones(L, S))`` as a bool array (read-only, kept for reuse): query i sees keys
    0..i."""
    key = (length, source_length, xp.__name__)
    keep = _causal_cache.get(key)
    if keep is None:
        keep = xp.tril(xp.ones((length, source_length), dtype=bool))
        if xp is np:
            keep.flags.writeable = False
        if len(_causal_cache) > 64:
            _causal_cache.clear()
        _causal_cache[key] = keep
    return keep
