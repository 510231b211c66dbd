"""scaled_dot_product_attention's edge cases and MultiheadAttention against PyTorch 2.13.

The gradient-check and PyTorch specs of the function are in tests/nn/attention_specs.py."""
import copy

import numpy as np
import pytest

import neuronet as nt
import neuronet.nn.functional as F
from neuronet.autograd import gradcheck, gradgradcheck
from neuronet.ops.attention import attention_weights


def _qkv(rng, L=3, S=4, E=5, dtype=np.float64):
    return [nt.tensor(rng.standard_normal(s).astype(dtype), requires_grad=True)
            for s in ((2, L, E), (2, S, E), (2, S, E))]


# ------------------------------------------------------------------ the function's edge cases
def test_sdpa_is_the_reference_formula(rng):
    q, k, v = _qkv(rng)
    out = F.scaled_dot_product_attention(q, k, v).detach().numpy()
    Q, K, V = (t.detach().numpy() for t in (q, k, v))
    s = Q @ K.transpose(0, 2, 1) / np.sqrt(5)
    p = np.exp(s - s.max(-1, keepdims=True))
    np.testing.assert_allclose(out, (p / p.sum(-1, keepdims=True)) @ V, rtol=1e-12)


def test_causal_is_top_left_aligned(rng):
    q, k, v = _qkv(rng, L=2, S=4)
    keep = nt.tensor(np.tril(np.ones((2, 4), bool)))
    with nt.no_grad():
        np.testing.assert_allclose(
            F.scaled_dot_product_attention(q, k, v, is_causal=True).numpy(),
            F.scaled_dot_product_attention(q, k, v, attn_mask=keep).numpy())


def test_fully_masked_rows_give_zeros_and_zero_gradients_without_warnings(rng):
    q, k, v = _qkv(rng)
    keep = np.ones((3, 4), bool)
    keep[1] = False
    for mask in (nt.tensor(keep), nt.tensor(np.where(keep, 0.0, -np.inf))):
        out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
        np.testing.assert_array_equal(out.detach().numpy()[:, 1], 0.0)
        assert np.isfinite(out.detach().numpy()).all()
        out.sum().backward()
        np.testing.assert_array_equal(q.grad.numpy()[:, 1], 0.0)
        assert np.isfinite(k.grad.numpy()).all() and np.isfinite(v.grad.numpy()).all()
        q.grad = k.grad = v.grad = None


def test_huge_scores_stay_finite_in_float32(rng):
    q, k, v = _qkv(rng, dtype=np.float32)
    big = nt.tensor(q.detach().numpy() * 1e4, requires_grad=True)
    out = F.scaled_dot_product_attention(big, k, v, is_causal=True)
    assert out.dtype == nt.float32 and np.isfinite(out.detach().numpy()).all()
    out.sum().backward()
    assert big.grad.dtype == nt.float32 and np.isfinite(big.grad.numpy()).all()


def test_sdpa_dropout_drops_weights_at_rate_p(rng):
    q, k, v = (nt.tensor(np.zeros(s)) for s in ((1, 400, 2), (1, 50, 2), (1, 50, 1)))
    v = nt.ones(1, 50, 1, dtype=nt.float64)
    # uniform weights 1/50; each kept weight scaled by 1 / (1 - p): output = kept fraction / 0.7
    out = F.scaled_dot_product_attention(q, k, v, dropout_p=0.3).numpy().ravel() * 0.7
    assert abs(out.mean() - 0.7) < 0.01
    assert 0.04 < out.std() < 0.09  # binomial(50, 0.7) / 50: std 0.065


def test_sdpa_errors_name_the_problem(rng):
    q, k, v = _qkv(rng)
    with pytest.raises(RuntimeError, match="attn_mask should not be set when is_causal"):
        F.scaled_dot_product_attention(q, k, v, attn_mask=nt.ones(3, 4, dtype=nt.bool),
                                       is_causal=True)
    with pytest.raises(RuntimeError, match="Expected attn_mask dtype"):
        F.scaled_dot_product_attention(q, k, v, attn_mask=nt.ones(3, 4, dtype=nt.int64))
    with pytest.raises(RuntimeError, match="must share E"):
        F.scaled_dot_product_attention(q, k[..., :4], v)
    with pytest.raises(RuntimeError, match="multiple of"):
        F.scaled_dot_product_attention(nt.zeros(1, 3, 2, 4), nt.zeros(1, 2, 2, 4),
                                       nt.zeros(1, 2, 2, 4), enable_gqa=True)


def test_attention_weights_second_derivatives(rng, f64):
    q, k = _qkv(rng)[:2]
    b = nt.tensor(rng.standard_normal((3, 4)), requires_grad=True)
    keep = np.array([[True, True, False, True]] * 3)
    assert gradgradcheck(lambda q, k, b: attention_weights(q, k, 0.5, keep, b), [q, k, b])


def test_attention_weights_nan_rows_for_empty(rng):
    q, k = _qkv(rng)[:2]
    keep = np.ones((3, 4), bool)
    keep[2] = False
    p = attention_weights(q, k, 1.0, keep, empty="nan").detach().numpy()
    assert np.isnan(p[:, 2]).all() and np.isfinite(p[:, :2]).all()
    np.testing.assert_allclose(p[:, :2].sum(-1), 1.0)


# ---------------------------------------------------------------------- MultiheadAttention
def _load_from_torch(ours, theirs):
    assert list(ours.state_dict()) == list(theirs.state_dict())
    ours.load_state_dict({k: nt.tensor(v.detach().numpy()) for k, v in
                          theirs.state_dict().items()})


def _run_both(torch, kwargs, arrays, same, masks, call_kwargs, rng):
    theirs = torch.nn.MultiheadAttention(**kwargs)
    ours = nt.nn.MultiheadAttention(**kwargs)
    _load_from_torch(ours, theirs)
    T = [torch.tensor(a, requires_grad=True) for a in arrays]
    O = [nt.tensor(a, requires_grad=True) for a in arrays]
    if same:
        T, O = T[:1] * 3, O[:1] * 3
    r = theirs(*T, **{k: torch.tensor(v) for k, v in masks.items()}, **call_kwargs)
    o = ours(*O, **{k: nt.tensor(v) for k, v in masks.items()}, **call_kwargs)
    np.testing.assert_allclose(o[0].detach().numpy(), r[0].detach().numpy(), rtol=1e-10,
                               atol=1e-12)
    up = rng.standard_normal(tuple(r[0].shape))
    loss_t, loss_o = (r[0] * torch.tensor(up)).sum(), (o[0] * nt.tensor(up)).sum()
    if r[1] is None:
        assert o[1] is None
    else:
        np.testing.assert_allclose(o[1].detach().numpy(), r[1].detach().numpy(), rtol=1e-10,
                                   atol=1e-12)
        if not torch.isnan(r[1]).any():
            w = rng.standard_normal(tuple(r[1].shape))
            loss_t, loss_o = loss_t + (r[1] * torch.tensor(w)).sum(), loss_o + (
                o[1] * nt.tensor(w)).sum()
    loss_t.backward()
    loss_o.backward()
    for a, b in zip(O, T):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-9, atol=1e-12)
    theirs_params = dict(theirs.named_parameters())
    assert list(dict(ours.named_parameters())) == list(theirs_params)
    for name, p in ours.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), theirs_params[name].grad.numpy(), rtol=1e-9,
                                   atol=1e-12, err_msg=name)
    return ours, theirs


KPM = np.zeros((3, 5), bool)
KPM[0, 3:] = True
KPM_EMPTY_ROW = KPM.copy()
KPM_EMPTY_ROW[1] = True
CAUSAL = np.triu(np.ones((5, 5), bool), 1)
CASES = {
    "self": ({}, {}, [(5, 3, 8)], True, {}),
    "self_no_weights": ({}, {"need_weights": False}, [(5, 3, 8)], True, {}),
    "batch_first_per_head": ({"batch_first": True}, {"average_attn_weights": False},
                             [(3, 5, 8), (3, 4, 8), (3, 4, 8)], False, {}),
    "key_is_value": ({}, {}, [(5, 3, 8), (4, 3, 8)], "kv", {}),
    "kdim_vdim": ({"kdim": 3, "vdim": 6}, {}, [(5, 3, 8), (4, 3, 3), (4, 3, 6)], False, {}),
    "bias_kv_zero_attn_masks": ({"add_bias_kv": True, "add_zero_attn": True}, {},
                                [(5, 3, 8)], True,
                                {"key_padding_mask": KPM, "attn_mask": CAUSAL}),
    "causal_hint": ({}, {"need_weights": False, "is_causal": True}, [(5, 3, 8)], True,
                    {"attn_mask": CAUSAL}),
    "float_masks_3d": ({}, {"need_weights": False}, [(5, 3, 8)], True,
                       {"key_padding_mask": np.where(KPM, -np.inf, 0.0),
                        "attn_mask": np.random.default_rng(5).standard_normal((6, 5, 5))}),
    "unbatched_no_bias": ({"bias": False}, {}, [(5, 8)], True, {}),
    "empty_row_zeros": ({}, {"need_weights": False}, [(5, 3, 8)], True,
                        {"key_padding_mask": KPM_EMPTY_ROW}),
    "empty_row_nan_weights": ({}, {}, [(5, 3, 8)], True, {"key_padding_mask": KPM_EMPTY_ROW}),
}


@pytest.mark.parametrize("case", list(CASES))
def test_multihead_attention_matches_pytorch(case, rng, torch64, f64):
    kwargs, call_kwargs, shapes, same, masks = CASES[case]
    arrays = [rng.standard_normal(s) for s in shapes]
    if same == "kv":
        arrays.append(arrays[1])
    ours, theirs = _run_both(torch64, {"embed_dim": 8, "num_heads": 2, **kwargs}, arrays,
                             same is True, masks, call_kwargs, rng)


def test_multihead_attention_state_dict_loads_into_pytorch(rng, torch64, f64):
    ours = nt.nn.MultiheadAttention(8, 2, add_bias_kv=True, kdim=4, vdim=4)
    theirs = torch64.nn.MultiheadAttention(8, 2, add_bias_kv=True, kdim=4, vdim=4)
    theirs.load_state_dict({k: torch64.tensor(v.numpy()) for k, v in ours.state_dict().items()})
    x, kv = rng.standard_normal((3, 2, 8)), rng.standard_normal((4, 2, 4))
    o = ours(nt.tensor(x), nt.tensor(kv), nt.tensor(kv))[0]
    r = theirs(torch64.tensor(x), torch64.tensor(kv), torch64.tensor(kv))[0]
    np.testing.assert_allclose(o.detach().numpy(), r.detach().numpy(), rtol=1e-10)


def test_multihead_attention_gradcheck(rng, f64):
    mha = nt.nn.MultiheadAttention(4, 2, add_bias_kv=True, kdim=3, vdim=2, dtype=nt.float64)
    inputs = [nt.tensor(rng.standard_normal(s), requires_grad=True)
              for s in ((3, 2, 4), (5, 2, 3), (5, 2, 2))]
    kpm = nt.tensor(np.array([[False, False, True, False, True], [False] * 5]))
    assert gradcheck(lambda q, k, v: mha(q, k, v, key_padding_mask=kpm)[0], inputs)
    assert gradcheck(lambda q, k, v: mha(q, k, v)[1], inputs)


def test_multihead_attention_init_and_repr():
    mha = nt.nn.MultiheadAttention(64, 4)
    bound = np.sqrt(6 / (64 + 192))
    w = mha.in_proj_weight.detach().numpy()
    assert w.shape == (192, 64) and np.abs(w).max() <= bound and np.abs(w).max() > 0.9 * bound
    np.testing.assert_array_equal(mha.in_proj_bias.detach().numpy(), 0.0)
    np.testing.assert_array_equal(mha.out_proj.bias.detach().numpy(), 0.0)
    assert np.abs(mha.out_proj.weight.detach().numpy()).max() <= 1 / 8
    assert mha.q_proj_weight is None and mha.bias_k is None
    assert "(out_proj): NonDynamicallyQuantizableLinear(in_features=64, out_features=64" in repr(
        mha)
    sep = nt.nn.MultiheadAttention(8, 2, kdim=3, vdim=5, bias=False, add_bias_kv=True)
    assert sep.in_proj_weight is None and sep.in_proj_bias is None
    assert tuple(sep.k_proj_weight.shape) == (8, 3) and tuple(sep.v_proj_weight.shape) == (8, 5)
    assert tuple(sep.bias_k.shape) == (1, 1, 8) and sep.out_proj.bias is None


def test_multihead_attention_float32_and_dropout(rng):
    mha = nt.nn.MultiheadAttention(8, 2, dropout=0.5)
    x = nt.tensor(rng.standard_normal((4, 2, 8)).astype(np.float32), requires_grad=True)
    out, w = mha(x, x, x)
    assert out.dtype == nt.float32 and w.dtype == nt.float32
    out.sum().backward()
    assert x.grad.dtype == nt.float32
    # training: the returned weights are the dropped ones (rows no longer sum to 1)
    assert not np.allclose(mha(x, x, x, average_attn_weights=False)[1].detach().numpy().sum(-1),
                           1.0)
    mha.eval()
    np.testing.assert_allclose(mha(x, x, x)[1].detach().numpy().sum(-1), 1.0, rtol=1e-6)


def test_multihead_attention_errors(rng):
    with pytest.raises(AssertionError, match="divisible by num_heads"):
        nt.nn.MultiheadAttention(10, 3)
    mha = nt.nn.MultiheadAttention(8, 2)
    x = nt.zeros(5, 3, 8)
    with pytest.raises(RuntimeError, match="Need attn_mask if specifying the is_causal"):
        mha(x, x, x, is_causal=True)
    with pytest.raises(RuntimeError, match=r"2D attn_mask is \(4, 4\), but should be \(5, 5\)"):
        mha(x, x, x, attn_mask=nt.zeros(4, 4))
    with pytest.raises(AssertionError, match="expecting embedding dimension of 8, but got 6"):
        mha(nt.zeros(5, 3, 6), x, x)
    with pytest.raises(AssertionError, match="only bool and floating types"):
        mha(x, x, x, key_padding_mask=nt.zeros(3, 5, dtype=nt.int64))
    with pytest.raises(AssertionError, match="key_padded_mask of shape"):
        mha(x, x, x, key_padding_mask=nt.zeros(5, 3, dtype=nt.bool))


def test_deep_copies_are_independent():
    mha = nt.nn.MultiheadAttention(8, 2)
    other = copy.deepcopy(mha)
    other.in_proj_weight.data.fill_(0.0)
    assert np.abs(mha.in_proj_weight.detach().numpy()).sum() > 0
