"""Multi-head attention, as ``torch.nn.MultiheadAttention``."""

from __future__ import annotations

import numpy as np

from ... import ops
from ...factories import empty, zeros
from ...ops.attention import attention_weights, causal_keep
from ...ops.dropout import dropout as _dropout
from ...tensor import Tensor
from .. import init
from ..module import Module
from ..parameter import Parameter
from .linear import NonDynamicallyQuantizableLinear


def _mask_parts(mask, name: str) -> tuple:
    """A mask whose True (bool) entries are masked out, or whose float entries are added, as
    ``(keep, bias)``: a bool array (True = may attend) or a float tensor (the other None)."""
    if mask is None:
        return None, None
    data = mask._data if isinstance(mask, Tensor) else np.asarray(mask)
    if data.dtype == np.bool_:
        return ~data, None
    if data.dtype.kind != "f":
        raise AssertionError(f"only bool and floating types of {name} are supported")
    return None, mask if isinstance(mask, Tensor) else Tensor._make(data)


def _padded(part, xp, value):
    """A mask part (bool array or float tensor) with one more key column of ``value``."""
    if part is None:
        return None
    if isinstance(part, Tensor):
        return ops.cat([part, Tensor._make(xp.zeros(part.shape[:-1] + (1,), part._data.dtype))], -1)
    return xp.concatenate([part, xp.full(part.shape[:-1] + (1,), value, dtype=bool)], -1)


class MultiheadAttention(Module):
    """Attention over ``num_heads`` heads of size embed_dim / num_heads, as PyTorch's.

    query, key, value: (L, N, E), (S, N, kdim), (S, N, vdim), or batch first (N, L, E) with
    ``batch_first=True``, or unbatched (L, E). Per head h: softmax(q_h k_h^T / sqrt(d) + mask)
    v_h with q = query W_q^T + b_q (likewise k, v); heads concatenated, then ``out_proj``.
    Parameters: ``in_proj_weight`` (3E, E) when kdim = vdim = E, else ``q_proj_weight``,
    ``k_proj_weight``, ``v_proj_weight``; ``in_proj_bias`` (3E), ``out_proj``, and with
    ``add_bias_kv`` ``bias_k``/``bias_v`` (1, 1, E) appended to the keys and values;
    ``add_zero_attn`` appends a zero key and value per head. Initialisation: xavier_uniform_
    for the input projections, zeros for ``in_proj_bias`` and ``out_proj.bias``, xavier_normal_
    for ``bias_k``/``bias_v``; ``out_proj.weight`` as a Linear's.

    Masks: ``key_padding_mask`` (N, S) and ``attn_mask`` (L, S) or (N * num_heads, L, S):
    bool True = masked out, or float, added to the scores. ``need_weights=True`` also returns
    the attention weights (after dropout), averaged over heads unless
    ``average_attn_weights=False``; a query row with every key masked gives NaN there, as
    PyTorch's, and zeros with ``need_weights=False``. ``is_causal`` is a hint that
    ``attn_mask`` is the causal mask (which must be given).
    """

    def __init__(
        self,
        embed_dim: int,
        num_heads: int,
        dropout: float = 0.0,
        bias: bool = True,
        add_bias_kv: bool = False,
        add_zero_attn: bool = False,
        kdim: int | None = None,
        vdim: int | None = None,
        batch_first: bool = False,
        device=None,
        dtype=None,
    ) -> None:
        super().__init__()
        if embed_dim <= 0 or num_heads <= 0:
            raise ValueError(
                f"embed_dim and num_heads must be greater than 0, got embed_dim={embed_dim} "
                f"and num_heads={num_heads} instead"
            )
        self.embed_dim = embed_dim
        self.kdim = kdim if kdim is not None else embed_dim
        self.vdim = vdim if vdim is not None else embed_dim
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        self.num_heads = num_heads
        self.dropout = dropout
        self.batch_first = batch_first
        self.head_dim = embed_dim // num_heads
        if self.head_dim * num_heads != embed_dim:
            raise AssertionError("embed_dim must be divisible by num_heads")
        kw = {"dtype": dtype, "device": device}
        if not self._qkv_same_embed_dim:
            self.q_proj_weight = Parameter(empty(embed_dim, embed_dim, **kw))
            self.k_proj_weight = Parameter(empty(embed_dim, self.kdim, **kw))
            self.v_proj_weight = Parameter(empty(embed_dim, self.vdim, **kw))
            self.register_parameter("in_proj_weight", None)
        else:
            self.in_proj_weight = Parameter(empty(3 * embed_dim, embed_dim, **kw))
            self.register_parameter("q_proj_weight", None)
            self.register_parameter("k_proj_weight", None)
            self.register_parameter("v_proj_weight", None)
        if bias:
            self.in_proj_bias = Parameter(empty(3 * embed_dim, **kw))
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = NonDynamicallyQuantizableLinear(embed_dim, embed_dim, bias=bias, **kw)
        if add_bias_kv:
            self.bias_k = Parameter(empty(1, 1, embed_dim, **kw))
            self.bias_v = Parameter(empty(1, 1, embed_dim, **kw))
        else:
            self.bias_k = self.bias_v = None  # type: ignore[assignment]
        self.add_zero_attn = add_zero_attn
        self._reset_parameters()

    def _reset_parameters(self) -> None:
        if self._qkv_same_embed_dim:
            init.xavier_uniform_(self.in_proj_weight)
        else:
            init.xavier_uniform_(self.q_proj_weight)
            init.xavier_uniform_(self.k_proj_weight)
            init.xavier_uniform_(self.v_proj_weight)
        if self.in_proj_bias is not None:
            init.constant_(self.in_proj_bias, 0.0)
            init.constant_(self.out_proj.bias, 0.0)
        if self.bias_k is not None:
            init.xavier_normal_(self.bias_k)
        if self.bias_v is not None:
            init.xavier_normal_(self.bias_v)

    def _projections(self, query: Tensor, key: Tensor, value: Tensor) -> tuple:
        """q, k, v: (N, L, E), (N, S, E), (N, S, E) from batch-first inputs."""
        E = self.embed_dim
        b = self.in_proj_bias
        bq, bk, bv = (None, None, None) if b is None else (b[:E], b[E : 2 * E], b[2 * E :])
        if self._qkv_same_embed_dim:
            w = self.in_proj_weight
            if query is key and key is value:
                return ops.linear(query, w, b).chunk(3, -1)
            if key is value:
                k, v = ops.linear(key, w[E:], None if b is None else b[E:]).chunk(2, -1)
                return ops.linear(query, w[:E], bq), k, v
            wq, wk, wv = w[:E], w[E : 2 * E], w[2 * E :]
        else:
            wq, wk, wv = self.q_proj_weight, self.k_proj_weight, self.v_proj_weight
        return ops.linear(query, wq, bq), ops.linear(key, wk, bk), ops.linear(value, wv, bv)

    def forward(
        self,
        query: Tensor,
        key: Tensor,
        value: Tensor,
        key_padding_mask: Tensor | None = None,
        need_weights: bool = True,
        attn_mask: Tensor | None = None,
        average_attn_weights: bool = True,
        is_causal: bool = False,
    ) -> tuple:
        batched = query.ndim == 3
        if query.ndim not in (2, 3) or key.ndim != query.ndim or value.ndim != query.ndim:
            raise AssertionError(
                f"query, key and value should be all 3-D (batched) or 2-D (unbatched), got "
                f"shapes {tuple(query.shape)}, {tuple(key.shape)} and {tuple(value.shape)}"
            )
        if batched:
            if not self.batch_first:  # (L, N, E) -> (N, L, E), keeping `key is value` alike
                q = query.transpose(0, 1)
                k = q if key is query else key.transpose(0, 1)
                v = k if value is key else q if value is query else value.transpose(0, 1)
                query, key, value = q, k, v
        else:
            q = query.unsqueeze(0)
            k = q if key is query else key.unsqueeze(0)
            v = k if value is key else value.unsqueeze(0)
            query, key, value = q, k, v
            if key_padding_mask is not None:
                key_padding_mask = key_padding_mask.unsqueeze(0)
        N, L, E = query.shape
        S = key.shape[1]
        if self.embed_dim != E:
            raise AssertionError(
                f"was expecting embedding dimension of {self.embed_dim}, but got {E}"
            )
        if self._qkv_same_embed_dim and tuple(key.shape) != tuple(value.shape):
            raise AssertionError(
                f"key shape {tuple(key.shape)} does not match value shape {tuple(value.shape)}"
            )
        if tuple(key.shape[:2]) != tuple(value.shape[:2]):
            raise AssertionError(
                f"key's sequence and batch dims {tuple(key.shape[:2])} do not match value's "
                f"{tuple(value.shape[:2])}"
            )
        if is_causal and attn_mask is None:
            raise RuntimeError(
                "Need attn_mask if specifying the is_causal hint. You may use the Transformer "
                "module method `generate_square_subsequent_mask` to create this mask."
            )
        H, d = self.num_heads, self.head_dim
        xp = ops.array_api(query._data)
        if key_padding_mask is not None and tuple(key_padding_mask.shape) != (N, S):
            raise AssertionError(
                f"Expected key_padded_mask of shape ({N}, {S}), got {tuple(key_padding_mask.shape)}"
            )
        causal = is_causal and key_padding_mask is None and not need_weights
        keep_a = bias_a = None
        if not causal and attn_mask is not None:
            if attn_mask.ndim == 2:
                if tuple(attn_mask.shape) != (L, S):
                    raise RuntimeError(
                        f"The shape of the 2D attn_mask is {tuple(attn_mask.shape)}, but should "
                        f"be {(L, S)}."
                    )
            elif attn_mask.ndim == 3:
                if tuple(attn_mask.shape) != (N * H, L, S):
                    raise RuntimeError(
                        f"The shape of the 3D attn_mask is {tuple(attn_mask.shape)}, but should "
                        f"be {(N * H, L, S)}."
                    )
                attn_mask = attn_mask.reshape(N, H, L, S)
            else:
                raise RuntimeError(f"attn_mask's dimension {attn_mask.ndim} is not supported")
            keep_a, bias_a = _mask_parts(attn_mask, "attn_mask")
        keep_k, bias_k = _mask_parts(key_padding_mask, "key_padding_mask")
        if keep_k is not None:
            keep_k = keep_k.reshape(N, 1, 1, S)
        elif bias_k is not None:
            bias_k = bias_k.reshape(N, 1, 1, S)

        q, k, v = self._projections(query, key, value)
        if self.bias_k is not None and self.bias_v is not None:
            k = ops.cat([k, self.bias_k.expand(N, 1, E)], 1)
            v = ops.cat([v, self.bias_v.expand(N, 1, E)], 1)
            keep_a, bias_a = _padded(keep_a, xp, True), _padded(bias_a, xp, 0)
            keep_k, bias_k = _padded(keep_k, xp, True), _padded(bias_k, xp, 0)
        elif self.bias_k is not None or self.bias_v is not None:
            raise AssertionError("bias_k and bias_v must be set together")
        q = q.reshape(N, L, H, d).transpose(1, 2)
        k = k.reshape(N, k.shape[1], H, d).transpose(1, 2)
        v = v.reshape(N, v.shape[1], H, d).transpose(1, 2)
        if self.add_zero_attn:
            z = zeros((N, H, 1, d), dtype=q.dtype, device=q.device)
            k, v = ops.cat([k, z], 2), ops.cat([v, z], 2)
            keep_a, bias_a = _padded(keep_a, xp, True), _padded(bias_a, xp, 0)
            keep_k, bias_k = _padded(keep_k, xp, True), _padded(bias_k, xp, 0)

        if causal:
            keep = causal_keep(L, k.shape[2], xp)
        else:
            keep = keep_a if keep_k is None else keep_k if keep_a is None else keep_a & keep_k
        bias = bias_a if bias_k is None else bias_k if bias_a is None else bias_a + bias_k
        p = attention_weights(q, k, 1 / d**0.5, keep, bias, "nan" if need_weights else "zero")
        if self.training and self.dropout > 0:
            p = _dropout(p, self.dropout, True)
        out = ops.matmul(p, v).transpose(1, 2).reshape(N, L, E)
        out = ops.linear(out, self.out_proj.weight, self.out_proj.bias)
        if not batched:
            out = out.squeeze(0)
        elif not self.batch_first:
            out = out.transpose(0, 1)
        if not need_weights:
            return out, None
        if average_attn_weights:
            p = p.mean(1)
        return out, p.squeeze(0) if not batched else p
