"""Specs of the attention functions and the layer functions that came with them (the spec
convention of tests/nn/functional_specs.py: fn(F, m, *tensors), one table for the gradient
checks and the PyTorch comparisons)."""
import math

from tests.core.op_specs import OpSpec

NEG = -math.inf

# A bool mask (True = may attend) whose second query row sees no key: that row gives zeros.
KEEP = [[True, False, True, True, False], [False] * 5, [True, True, False, True, True]]
# A float mask, -inf where masked out, added to the scores.
ADDED = [[0.5, NEG, 0.0, -1.0, 0.0], [0.0, 0.0, NEG, 0.0, 2.0], [NEG, NEG, NEG, NEG, NEG]]


def _bool(m, values):
    return m.tensor(values, dtype=m.bool)


QKV = ((2, 2, 3, 4), (2, 2, 5, 4), (2, 2, 5, 3))

ATTENTION_SPECS = [
    OpSpec("scaled_dot_product_attention",
           lambda F, m, q, k, v: F.scaled_dot_product_attention(q, k, v), QKV),
    OpSpec("scaled_dot_product_attention_causal",
           lambda F, m, q, k, v: F.scaled_dot_product_attention(q, k, v, is_causal=True), QKV),
    OpSpec("scaled_dot_product_attention_bool_mask",
           lambda F, m, q, k, v: F.scaled_dot_product_attention(
               q, k, v, attn_mask=_bool(m, KEEP)), QKV),
    OpSpec("scaled_dot_product_attention_float_mask_scale",
           lambda F, m, q, k, v: F.scaled_dot_product_attention(
               q, k, v, attn_mask=m.tensor(ADDED), scale=0.7), QKV),
    # a learned additive mask (a position bias): its gradient is the scores'
    OpSpec("scaled_dot_product_attention_learned_mask",
           lambda F, m, q, k, v, b: F.scaled_dot_product_attention(q, k, v, attn_mask=b),
           QKV + ((2, 1, 3, 5),)),
    OpSpec("scaled_dot_product_attention_broadcast_3d",
           lambda F, m, q, k, v: F.scaled_dot_product_attention(q, k, v),
           ((2, 3, 4), (1, 5, 4), (1, 5, 2))),
    OpSpec("scaled_dot_product_attention_gqa",
           lambda F, m, q, k, v: F.scaled_dot_product_attention(q, k, v, enable_gqa=True),
           ((2, 4, 3, 4), (2, 2, 5, 4), (2, 2, 5, 3))),
]


def _long(m, values):
    return m.tensor(values) if m.__name__ == "neuronet" else m.tensor(values, dtype=m.long)


BAG_IDS = [1, 3, 1, 0, 4, 2, 2, 3]
BAG_OFFSETS = [0, 3, 3, 6]  # bags [1 3 1], [], [0 4 2], [2 3]

LAYER_SPECS = [
    OpSpec("rms_norm", lambda F, m, x, w: F.rms_norm(x, (4,), w), ((3, 4), (4,))),
    OpSpec("rms_norm_2d_eps", lambda F, m, x: F.rms_norm(x, (2, 3), eps=1e-3), ((4, 2, 3),)),
    OpSpec("rms_norm_3d_weight", lambda F, m, x, w: F.rms_norm(x, [3], w), ((2, 2, 3), (3,))),
    OpSpec("bilinear", lambda F, m, a, b, w, c: F.bilinear(a, b, w, c),
           ((5, 3), (5, 4), (2, 3, 4), (2,))),
    OpSpec("bilinear_3d_nobias", lambda F, m, a, b, w: F.bilinear(a, b, w),
           ((2, 3, 3), (2, 3, 2), (4, 3, 2))),
    OpSpec("embedding_bag_mean", lambda F, m, w: F.embedding_bag(
        _long(m, BAG_IDS), w, _long(m, BAG_OFFSETS)), ((5, 3),)),
    OpSpec("embedding_bag_sum_weighted", lambda F, m, w, p: F.embedding_bag(
        _long(m, BAG_IDS), w, _long(m, BAG_OFFSETS), mode="sum", per_sample_weights=p),
        ((5, 3), (8,))),
    OpSpec("embedding_bag_max", lambda F, m, w: F.embedding_bag(
        _long(m, BAG_IDS), w, _long(m, BAG_OFFSETS), mode="max"), ((5, 3),)),
    OpSpec("embedding_bag_2d_padding", lambda F, m, w: F.embedding_bag(
        _long(m, [[1, 2, 1], [2, 2, 0]]), w, padding_idx=2), ((5, 3),)),
    OpSpec("embedding_bag_max_padding_last_offset", lambda F, m, w: F.embedding_bag(
        _long(m, BAG_IDS), w, _long(m, BAG_OFFSETS + [7]), mode="max", padding_idx=3,
        include_last_offset=True), ((5, 3),)),
]

SPECS = ATTENTION_SPECS + LAYER_SPECS
