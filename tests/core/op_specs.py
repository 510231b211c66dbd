"""One table of differentiable ops: how to call each in neuronet and in PyTorch, on what inputs.

Used by the gradient checks, the PyTorch comparisons and the dtype-preservation tests, so every
op listed here is covered by all three.
"""
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

import neuronet as nt


@dataclass
class OpSpec:
    name: str
    fn: Callable                       # fn(module, *tensors) with module = neuronet or torch
    shapes: tuple                      # input shapes
    domain: str = "real"               # real | positive | unit (-0.9..0.9) | away (|x| > 0.1)
    kwargs: dict = field(default_factory=dict)


def make_inputs(spec: OpSpec, rng, dtype=np.float64) -> list:
    arrays = []
    for shape in spec.shapes:
        x = rng.standard_normal(shape)
        if spec.domain == "positive":
            x = np.abs(x) + 0.5
        elif spec.domain == "unit":
            x = np.tanh(x) * 0.9
        elif spec.domain == "away":
            x = np.sign(x) * (np.abs(x) + 0.2)
        arrays.append(x.astype(dtype))
    return arrays


def assert_matches_pytorch(ours_fn, theirs_fn, arrays, torch, rng, rtol=1e-12,
                           grad_rtol=1e-10) -> None:
    """Same values and, for a random upstream gradient, the same input gradients."""
    ours = [nt.tensor(x, requires_grad=True) for x in arrays]
    theirs = [torch.tensor(x, requires_grad=True) for x in arrays]
    out, ref = ours_fn(*ours), theirs_fn(*theirs)
    assert out.shape == tuple(ref.shape)
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), rtol=rtol, atol=1e-12)
    upstream = rng.standard_normal(ref.shape)
    out.backward(nt.tensor(upstream))
    ref.backward(torch.tensor(upstream))
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=grad_rtol, atol=1e-12)


def assert_keeps_float32(fn, spec: OpSpec, rng) -> None:
    """A float32 op stays float32: its output and every input gradient."""
    inputs = [nt.tensor(x, requires_grad=True) for x in make_inputs(spec, rng, np.float32)]
    out = fn(*inputs)
    assert out.dtype == nt.float32
    out.backward(nt.ones_like(out))
    for t in inputs:
        assert t.grad.dtype == nt.float32


def _idx(m, values, dtype="long"):
    return m.tensor(values) if m is nt else m.tensor(values, dtype=getattr(m, dtype))


_SCATTER_INDEX = {0: [[0, 2, 2, 1], [0, 2, 0, 1]], 1: [[0, 0, 2], [3, 1, 3], [1, 1, 1]]}
_SCATTER_SHAPES = {0: ((3, 4), (2, 4)), 1: ((3, 4), (3, 3))}


def _scatter_reduce_spec(name: str, dim: int, how: str, include_self: bool = True) -> OpSpec:
    """``a.scatter_reduce(dim, index, b, how)`` with an index that repeats positions."""
    return OpSpec(name, lambda m, a, b: a.scatter_reduce(
        dim, _idx(m, _SCATTER_INDEX[dim]), b, how, include_self=include_self),
        _SCATTER_SHAPES[dim])


SPECS = [
    OpSpec("add", lambda m, a, b: a + b, ((3, 1), (1, 4))),
    OpSpec("add_scalar", lambda m, a: 2.5 + a, ((3, 4),)),
    OpSpec("add_alpha", lambda m, a, b: m.add(a, b, alpha=0.5), ((2, 3), (3,))),
    OpSpec("sub", lambda m, a, b: a - b, ((3, 1), (1, 4))),
    OpSpec("rsub_scalar", lambda m, a: 1.5 - a, ((4,),)),
    OpSpec("mul", lambda m, a, b: a * b, ((3, 1), (1, 4))),
    OpSpec("mul_scalar_tensor", lambda m, a, b: a * b, ((), (2, 3))),
    OpSpec("div", lambda m, a, b: a / b, ((3, 1), (1, 4)), "away"),
    OpSpec("rdiv_scalar", lambda m, a: 2.0 / a, ((4,),), "away"),
    OpSpec("neg", lambda m, a: -a, ((2, 3),)),
    OpSpec("pow_scalar", lambda m, a: a ** 3, ((2, 3),)),
    OpSpec("pow_square", lambda m, a: a ** 2, ((2, 3),)),
    OpSpec("pow_float_cube", lambda m, a: a ** 3.0, ((2, 3),)),
    OpSpec("pow_fourth", lambda m, a: m.pow(a, 4.0), ((2, 3),)),
    OpSpec("pow_frac", lambda m, a: a ** 1.5, ((2, 3),), "positive"),
    OpSpec("pow_tensor", lambda m, a, b: a ** b, ((3, 1), (1, 4)), "positive"),
    OpSpec("rpow", lambda m, a: 2.0 ** a, ((3,),)),
    OpSpec("exp", lambda m, a: m.exp(a), ((2, 3),)),
    OpSpec("log", lambda m, a: m.log(a), ((2, 3),), "positive"),
    OpSpec("log1p", lambda m, a: m.log1p(a), ((2, 3),), "positive"),
    OpSpec("expm1", lambda m, a: m.expm1(a), ((2, 3),)),
    OpSpec("exp2", lambda m, a: m.exp2(a), ((2, 3),)),
    OpSpec("sqrt", lambda m, a: m.sqrt(a), ((2, 3),), "positive"),
    OpSpec("rsqrt", lambda m, a: m.rsqrt(a), ((2, 3),), "positive"),
    OpSpec("abs", lambda m, a: m.abs(a), ((2, 3),), "away"),
    OpSpec("sin", lambda m, a: m.sin(a), ((2, 3),)),
    OpSpec("cos", lambda m, a: m.cos(a), ((2, 3),)),
    OpSpec("tanh", lambda m, a: m.tanh(a), ((2, 3),)),
    OpSpec("sigmoid", lambda m, a: m.sigmoid(a), ((2, 3),)),
    OpSpec("relu", lambda m, a: m.relu(a), ((2, 3),), "away"),
    OpSpec("sign_zero_grad", lambda m, a: m.sign(a) * a, ((2, 3),), "away"),
    OpSpec("floor_zero_grad", lambda m, a: a.floor() + a * 0.5, ((2, 3),), "away"),
    OpSpec("round_zero_grad", lambda m, a: a.round() * 2.0 + a, ((2, 3),), "away"),
    OpSpec("clamp", lambda m, a: m.clamp(a, -0.5, 0.5), ((3, 4),), "away"),
    OpSpec("clamp_min", lambda m, a: m.clamp_min(a, 0.3), ((3, 4),), "away"),
    OpSpec("clamp_max", lambda m, a: m.clamp_max(a, -0.4), ((3, 4),), "away"),
    OpSpec("clamp_max_tensor", lambda m, a, b: m.clamp_max(a, b), ((3, 4), (1, 4))),
    OpSpec("clamp_max_tensor_broadcasts_input", lambda m, a, b: m.clamp_max(a, b), ((3, 1), (1, 4))),
    OpSpec("clamp_tensor", lambda m, a, lo, hi: m.clamp(a, lo - 1.0, hi + 1.0),
           ((3, 4), (1, 4), (3, 1))),
    OpSpec("maximum", lambda m, a, b: m.maximum(a, b), ((3, 1), (1, 4))),
    OpSpec("minimum", lambda m, a, b: m.minimum(a, b), ((3, 1), (1, 4))),
    OpSpec("where", lambda m, a, b: m.where(a > 0, a, b), ((3, 1), (1, 4))),
    OpSpec("matmul_2d", lambda m, a, b: a @ b, ((3, 4), (4, 2))),
    OpSpec("matmul_batch", lambda m, a, b: m.matmul(a, b), ((2, 1, 3, 4), (3, 4, 2))),
    OpSpec("matmul_vec_vec", lambda m, a, b: a @ b, ((4,), (4,))),
    OpSpec("matmul_vec_mat", lambda m, a, b: a @ b, ((4,), (2, 4, 3))),
    OpSpec("matmul_mat_vec", lambda m, a, b: a @ b, ((2, 3, 4), (4,))),
    OpSpec("einsum_bmm", lambda m, a, b: m.einsum("bij,bjk->bik", a, b), ((2, 3, 4), (2, 4, 2))),
    OpSpec("einsum_outer_sum", lambda m, a, b: m.einsum("ij,k->ik", a, b), ((3, 4), (2,))),
    OpSpec("einsum_ellipsis", lambda m, a, b: m.einsum("...i,i->...", a, b), ((2, 3, 4), (4,))),
    OpSpec("sum_all", lambda m, a: a.sum(), ((3, 4),)),
    OpSpec("mean_all", lambda m, a: a.mean(), ((3, 4),)),
    OpSpec("prod_all", lambda m, a: a.prod(), ((2, 3),)),
    OpSpec("prod_dim", lambda m, a: a.prod(1), ((2, 3),)),
    OpSpec("prod_dim_keep", lambda m, a: a.prod(0, keepdim=True), ((2, 3),)),
    OpSpec("max_all", lambda m, a: a.max(), ((3, 4),)),
    OpSpec("max_dim", lambda m, a: a.max(1)[0], ((3, 4),)),
    OpSpec("min_dim_keep", lambda m, a: a.min(0, keepdim=True)[0], ((3, 4),)),
    OpSpec("amax", lambda m, a: m.amax(a, (0, 2)), ((2, 3, 4),)),
    OpSpec("amin", lambda m, a: m.amin(a, 1, keepdim=True), ((2, 3, 4),)),
    OpSpec("var", lambda m, a: a.var(1), ((3, 4),)),
    OpSpec("var_c0", lambda m, a: m.var(a, (0, 1), correction=0), ((3, 4),)),
    OpSpec("std", lambda m, a: a.std(0, keepdim=True), ((3, 4),)),
    OpSpec("logsumexp", lambda m, a: m.logsumexp(a, 1), ((3, 4),)),
    OpSpec("norm", lambda m, a: a.norm(), ((3, 4),)),
    OpSpec("norm_dim", lambda m, a: m.norm(a, 2, 1), ((3, 4),)),
    OpSpec("norm_p1", lambda m, a: m.norm(a, 1, 0), ((3, 4),), "away"),
    OpSpec("norm_p3", lambda m, a: m.norm(a, 3, 1, True), ((3, 4),), "away"),
    OpSpec("softmax", lambda m, a: m.softmax(a, 1), ((3, 4),)),
    OpSpec("softmax_dim0", lambda m, a: m.softmax(a, 0), ((3, 4),)),
    OpSpec("log_softmax", lambda m, a: m.log_softmax(a, -1), ((3, 4),)),
    OpSpec("reshape", lambda m, a: a.reshape(4, 3) * 1.0, ((3, 4),)),
    OpSpec("view", lambda m, a: a.view(-1, 2), ((3, 4),)),
    OpSpec("flatten", lambda m, a: a.flatten(1), ((2, 3, 4),)),
    OpSpec("unflatten", lambda m, a: a.unflatten(1, (2, 2)), ((3, 4),)),
    OpSpec("transpose", lambda m, a: a.transpose(0, 2), ((2, 3, 4),)),
    OpSpec("permute", lambda m, a: a.permute(2, 0, 1), ((2, 3, 4),)),
    OpSpec("T", lambda m, a: a.T, ((3, 4),)),
    OpSpec("mT", lambda m, a: a.mT, ((2, 3, 4),)),
    OpSpec("t", lambda m, a: m.t(a), ((3, 4),)),
    OpSpec("t_vector", lambda m, a: m.t(a) * 2.0, ((4,),)),
    OpSpec("unsqueeze", lambda m, a: a.unsqueeze(1), ((3, 4),)),
    OpSpec("squeeze", lambda m, a: a.squeeze(1), ((3, 1, 4),)),
    OpSpec("expand", lambda m, a: a.expand(2, 3, 4), ((3, 1),)),
    OpSpec("broadcast_to", lambda m, a: m.broadcast_to(a, (2, 3, 4)), ((1, 4),)),
    OpSpec("repeat", lambda m, a: a.repeat(2, 1, 3), ((3, 2),)),
    OpSpec("cat", lambda m, a, b: m.cat([a, b, a], 1), ((2, 3), (2, 1))),
    OpSpec("stack", lambda m, a, b: m.stack([a, b], -1), ((2, 3), (2, 3))),
    OpSpec("split", lambda m, a: m.split(a, 2, 1)[1] * 2.0, ((2, 5),)),
    OpSpec("split_sizes", lambda m, a: m.split(a, [1, 3, 1], 1)[1], ((2, 5),)),
    OpSpec("chunk", lambda m, a: m.chunk(a, 3, 0)[-1], ((5, 2),)),
    OpSpec("getitem_basic", lambda m, a: a[1:, None, ..., ::2], ((3, 4),)),
    OpSpec("getitem_int", lambda m, a: a[1], ((3, 4),)),
    OpSpec("getitem_repeated", lambda m, a: a[_idx(m, [0, 2, 0, 0])], ((3, 4),)),
    OpSpec("getitem_mask", lambda m, a: a[a > 0], ((3, 4),), "away"),
    OpSpec("getitem_2d_index", lambda m, a: a[_idx(m, [0, 1, 1]), _idx(m, [2, 2, 0])], ((3, 4),)),
    # integers are applied before index arrays (NumPy would move the dims): PyTorch's shapes
    OpSpec("getitem_int_none_index", lambda m, a: a[1, None, _idx(m, [2, 0, 2])], ((2, 3),)),
    OpSpec("getitem_index_int_index", lambda m, a: a[_idx(m, [0, 1, 1]), 2, _idx(m, [3, 0, 3])],
           ((2, 3, 4),)),
    OpSpec("getitem_slice_int_index", lambda m, a: a[1:, -1, None, _idx(m, [[0], [1]])],
           ((3, 2, 2),)),
    OpSpec("index_select", lambda m, a: m.index_select(a, 1, _idx(m, [3, 0, 3])), ((2, 4),)),
    OpSpec("gather", lambda m, a: m.gather(a, 1, _idx(m, [[0, 0], [1, 0], [3, 3]])), ((3, 4),)),
    OpSpec("gather_dim0", lambda m, a: m.gather(a, 0, _idx(m, [[2, 0, 1]])), ((3, 4),)),
    OpSpec("take_along_dim", lambda m, a: m.take_along_dim(a, _idx(m, [[1], [0], [1]]), 1),
           ((3, 4),)),
    OpSpec("take_along_dim_bcast", lambda m, a: m.take_along_dim(a, _idx(m, [[[0, 1]]]), 2),
           ((2, 3, 4),)),
    OpSpec("take_along_dim_flat", lambda m, a: m.take_along_dim(a, _idx(m, [5, 0, 5])), ((3, 4),)),
    OpSpec("square", lambda m, a: m.square(a), ((2, 3),)),
    OpSpec("reciprocal", lambda m, a: a.reciprocal(), ((2, 3),), "away"),
    OpSpec("log2", lambda m, a: m.log2(a), ((2, 3),), "positive"),
    OpSpec("log10", lambda m, a: a.log10(), ((2, 3),), "positive"),
    OpSpec("tan", lambda m, a: m.tan(a), ((2, 3),), "unit"),
    OpSpec("atan", lambda m, a: m.atan(a), ((2, 3),)),
    OpSpec("asin", lambda m, a: m.asin(a), ((2, 3),), "unit"),
    OpSpec("acos", lambda m, a: a.acos(), ((2, 3),), "unit"),
    OpSpec("sinh", lambda m, a: m.sinh(a), ((2, 3),)),
    OpSpec("cosh", lambda m, a: a.cosh(), ((2, 3),)),
    OpSpec("erf", lambda m, a: m.erf(a), ((2, 3),)),
    OpSpec("trunc_zero_grad", lambda m, a: m.trunc(a * 3) + a, ((2, 3),), "away"),
    OpSpec("ceil_zero_grad", lambda m, a: a.ceil() * 2.0 + a, ((2, 3),), "away"),
    OpSpec("atan2", lambda m, a, b: m.atan2(a, b), ((3, 1), (1, 4)), "away"),
    OpSpec("remainder", lambda m, a, b: a % b, ((3, 1), (1, 4)), "away"),
    OpSpec("remainder_scalar", lambda m, a: m.remainder(a, 0.7), ((3, 4),), "away"),
    OpSpec("fmod", lambda m, a, b: m.fmod(a, b), ((3, 1), (1, 4)), "away"),
    OpSpec("lerp", lambda m, a, b, w: m.lerp(a, b, w), ((3, 1), (1, 4), (3, 4))),
    OpSpec("lerp_scalar", lambda m, a, b: a.lerp(b, 0.3), ((3, 4), (4,))),
    OpSpec("sort_values", lambda m, a: m.sort(a, 1)[0], ((3, 4),)),
    OpSpec("sort_descending_dim0", lambda m, a: a.sort(0, descending=True).values, ((3, 4),)),
    OpSpec("topk_values", lambda m, a: m.topk(a, 2).values, ((3, 4),)),
    OpSpec("topk_smallest_dim0", lambda m, a: a.topk(2, dim=0, largest=False)[0], ((3, 4),)),
    OpSpec("cumsum", lambda m, a: m.cumsum(a, 1), ((3, 4),)),
    OpSpec("cumsum_dim0", lambda m, a: a.cumsum(dim=0), ((3, 4),)),
    OpSpec("tril", lambda m, a: m.tril(a), ((3, 4),)),
    OpSpec("triu_offset_batch", lambda m, a: a.triu(1), ((2, 3, 4),)),
    OpSpec("diagonal", lambda m, a: m.diagonal(a), ((3, 4),)),
    OpSpec("diagonal_offset_dims", lambda m, a: a.diagonal(-1, 2, 0), ((4, 2, 3),)),
    OpSpec("diag_embed_1d", lambda m, a: m.diag(a, 1), ((3,),)),
    OpSpec("diag_of_2d", lambda m, a: m.diag(a, -1), ((3, 4),)),
    OpSpec("trace", lambda m, a: m.trace(a), ((3, 4),)),
    OpSpec("outer", lambda m, a, b: m.outer(a, b), ((3,), (4,))),
    OpSpec("dot", lambda m, a, b: m.dot(a, b), ((4,), (4,))),
    OpSpec("mv", lambda m, a, b: m.mv(a, b), ((3, 4), (4,))),
    OpSpec("bmm", lambda m, a, b: m.bmm(a, b), ((2, 3, 4), (2, 4, 2))),
    OpSpec("roll", lambda m, a: m.roll(a, (1, -2), (0, 1)), ((3, 4),)),
    OpSpec("roll_flat", lambda m, a: a.roll(5), ((3, 4),)),
    OpSpec("movedim", lambda m, a: m.movedim(a, (0, 1), (2, 0)), ((2, 3, 4),)),
    OpSpec("narrow", lambda m, a: a.narrow(1, -3, 2), ((3, 4),)),
    OpSpec("repeat_interleave", lambda m, a: m.repeat_interleave(a, 2, 0), ((3, 2),)),
    OpSpec("repeat_interleave_counts",
           lambda m, a: a.repeat_interleave(_idx(m, [2, 0, 1]), dim=0), ((3, 2),)),
    OpSpec("repeat_interleave_flat", lambda m, a: m.repeat_interleave(a, 2), ((2, 2),)),
    OpSpec("masked_fill", lambda m, a: a.masked_fill(a > 0, 0.5), ((3, 4),), "away"),
    OpSpec("scatter_add", lambda m, a, b: a.scatter_add(1, _idx(m, [[0, 0], [3, 1], [2, 2]]), b),
           ((3, 4), (3, 2))),
    OpSpec("clone", lambda m, a: a.clone(), ((3,),)),
    OpSpec("flip", lambda m, a: a.flip(0), ((3, 2),)),
    OpSpec("unbind", lambda m, a: a.unbind(1)[2], ((3, 4),)),
    OpSpec("scatter", lambda m, a, b: a.scatter(1, _idx(m, [[0, 2], [3, 1], [1, 0]]), b),
           ((3, 4), (3, 2))),
    OpSpec("scatter_value", lambda m, a: a.scatter(1, _idx(m, [[0], [3], [1]]), 1.5), ((3, 4),)),
    _scatter_reduce_spec("scatter_reduce", 1, "sum"),
    _scatter_reduce_spec("scatter_reduce_sum_exclude_self", 1, "sum", include_self=False),
    _scatter_reduce_spec("scatter_reduce_mean", 0, "mean"),
    _scatter_reduce_spec("scatter_reduce_mean_exclude_self", 0, "mean", include_self=False),
    _scatter_reduce_spec("scatter_reduce_amax", 1, "amax"),
    _scatter_reduce_spec("scatter_reduce_amin_exclude_self", 1, "amin", include_self=False),
    _scatter_reduce_spec("scatter_reduce_prod", 1, "prod"),
    _scatter_reduce_spec("scatter_reduce_prod_exclude_self", 0, "prod", include_self=False),
    OpSpec("index_add", lambda m, a, b: a.index_add(1, _idx(m, [2, 0, 2]), b, alpha=-1.5),
           ((3, 4), (3, 3))),
    OpSpec("index_copy", lambda m, a, b: a.index_copy(0, _idx(m, [2, 0]), b), ((3, 4), (2, 4))),
    OpSpec("index_fill", lambda m, a: a.index_fill(1, _idx(m, [3, -4]), -0.5), ((3, 4),)),
    OpSpec("index_fill_tensor_value",
           lambda m, a, v: a.index_fill(0, _idx(m, [1]), v), ((3, 4), ())),
    OpSpec("rot90", lambda m, a: m.rot90(a), ((3, 4),)),
    OpSpec("rot90_k2", lambda m, a: a.rot90(2, [1, 0]), ((3, 4),)),
    OpSpec("rot90_k3_dims", lambda m, a: m.rot90(a, k=3, dims=(2, -3)), ((2, 3, 4),)),
    OpSpec("rot90_negative_k", lambda m, a: m.rot90(a, -1, [0, 1]), ((3, 4),)),
    OpSpec("cdist", lambda m, a, b: m.cdist(a, b), ((3, 4), (2, 4))),
    OpSpec("cdist_batch_broadcast", lambda m, a, b: m.cdist(a, b), ((2, 3, 4), (1, 5, 4))),
    OpSpec("cdist_p1", lambda m, a, b: m.cdist(a, b, p=1.0), ((3, 2), (4, 2))),
    OpSpec("cdist_p3", lambda m, a, b: m.cdist(a, b, 3.0), ((3, 2), (4, 2))),
    OpSpec("std_mean", lambda m, a: (lambda s, mu: 2 * s + mu)(*m.std_mean(a, 1)), ((3, 4),)),
    OpSpec("std_mean_keepdim", lambda m, a: (lambda s, mu: s * mu)(
        *m.std_mean(a, (0,), keepdim=True, correction=0)), ((3, 4),)),
    OpSpec("var_mean", lambda m, a: (lambda v, mu: v - mu)(*m.var_mean(a, 0)), ((3, 4),)),
    OpSpec("var_mean_unbiased", lambda m, a: (lambda v, mu: v * mu)(
        *m.var_mean(a, 1, unbiased=False)), ((3, 4),)),
    OpSpec("median_all", lambda m, a: m.median(a), ((3, 4),)),
    OpSpec("median_dim", lambda m, a: a.median(1)[0], ((3, 4),)),
    OpSpec("median_dim_keepdim", lambda m, a: m.median(a, 0, keepdim=True).values, ((4, 3),)),
    OpSpec("nanmedian_all", lambda m, a: a.nanmedian(), ((2, 5),)),
    OpSpec("nanmedian_dim", lambda m, a: m.nanmedian(a, -1)[0], ((2, 3, 4),)),
    # a repeated column: the mode of each row, its last copy taking the gradient
    OpSpec("mode", lambda m, a: m.mode(m.cat([a, a[:, 1:2]], 1), 1)[0], ((3, 4),)),
    OpSpec("mode_keepdim", lambda m, a: m.cat([a[:1], a], 0).mode(0, keepdim=True).values,
           ((3, 2),)),
    OpSpec("quantile_all", lambda m, a: m.quantile(a, 0.3), ((3, 4),)),
    OpSpec("quantile_dim_tensor_q", lambda m, a, q: m.quantile(a, m.sigmoid(q), 1),
           ((3, 5), (2,))),
    OpSpec("quantile_keepdim_midpoint", lambda m, a: a.quantile(
        0.45, 0, keepdim=True, interpolation="midpoint"), ((4, 3),)),
    OpSpec("quantile_keepdim_tensor_q", lambda m, a, q: m.quantile(a, m.sigmoid(q), keepdim=True),
           ((2, 3), (3,))),
    OpSpec("quantile_lower", lambda m, a: m.quantile(a, 0.55, -1, interpolation="lower"),
           ((2, 3, 4),)),
    OpSpec("quantile_higher", lambda m, a: m.quantile(a, 0.2, 0, interpolation="higher"),
           ((5, 2),)),
    OpSpec("quantile_nearest", lambda m, a: m.quantile(a, 0.8, interpolation="nearest"),
           ((7,),)),
    OpSpec("nanquantile", lambda m, a, q: m.nanquantile(a, m.sigmoid(q), 1), ((3, 4), (2,))),
]

SPEC_BY_NAME = {s.name: s for s in SPECS}
