"""Layers and activation modules: PyTorch's defaults and numbers, train/eval behaviour."""
import math

import numpy as np
import pytest

import neuronet as nt
import neuronet.nn.functional as F
from neuronet import nn


def _copy_params(ours, theirs, torch):
    with torch.no_grad():
        for (name, p), (tname, tp) in zip(ours.named_parameters(), theirs.named_parameters()):
            assert name == tname
            tp.copy_(torch.tensor(p.detach().numpy()))


@pytest.mark.parametrize("shape,momentum", [((8, 3), 0.1), ((8, 3, 5), 0.1), ((8, 3), None),
                                            ((4, 3), 0.3)])
def test_batchnorm_running_stats_and_eval_match_pytorch(shape, momentum, torch, rng):
    ours = nn.BatchNorm1d(3, momentum=momentum).double()
    theirs = torch.nn.BatchNorm1d(3, momentum=momentum).double()
    with nt.no_grad():
        ours.weight.data[...] = [0.5, 1.5, -1.0]
        ours.bias.data[...] = [0.1, 0.0, -0.2]
    _copy_params(ours, theirs, torch)
    for step in range(5):
        x = rng.standard_normal(shape) * (step + 1) + step
        xo = nt.tensor(x, requires_grad=True)
        xt = torch.tensor(x, requires_grad=True)
        yo, yt = ours(xo), theirs(xt)
        np.testing.assert_allclose(yo.detach().numpy(), yt.detach().numpy(), rtol=1e-10,
                                   atol=1e-12)
        g = rng.standard_normal(shape)
        yo.backward(nt.tensor(g))
        yt.backward(torch.tensor(g))
        np.testing.assert_allclose(xo.grad.numpy(), xt.grad.numpy(), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(ours.running_mean.numpy(), theirs.running_mean.numpy(), rtol=1e-12)
    np.testing.assert_allclose(ours.running_var.numpy(), theirs.running_var.numpy(), rtol=1e-12)
    assert int(ours.num_batches_tracked.item()) == int(theirs.num_batches_tracked) == 5
    ours.eval()
    theirs.eval()
    x = rng.standard_normal(shape)
    np.testing.assert_allclose(ours(nt.tensor(x)).detach().numpy(),
                               theirs(torch.tensor(x)).detach().numpy(), rtol=1e-10)
    for grad_o, grad_t in zip(ours.parameters(), theirs.parameters()):
        np.testing.assert_allclose(grad_o.grad.numpy(), grad_t.grad.numpy(), rtol=1e-9)


def test_batchnorm_running_var_uses_unbiased_variance():
    bn = nn.BatchNorm1d(1, momentum=1.0)
    x = nt.tensor([[1.0], [2.0], [3.0], [6.0]])
    bn(x)
    assert bn.running_mean.item() == pytest.approx(3.0)
    assert bn.running_var.item() == pytest.approx(np.var([1, 2, 3, 6], ddof=1))


def test_batchnorm_defaults_and_errors():
    bn = nn.BatchNorm1d(4)
    assert bn.eps == 1e-5 and bn.momentum == 0.1
    assert bn.weight.tolist() == [1.0] * 4 and bn.bias.tolist() == [0.0] * 4
    assert bn.running_mean.tolist() == [0.0] * 4 and bn.running_var.tolist() == [1.0] * 4
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        bn(nt.randn(1, 4))
    with pytest.raises(ValueError, match="expected 4 channels"):
        bn(nt.randn(3, 5))
    free = nn.BatchNorm1d(2, track_running_stats=False).eval()
    y = free(nt.tensor([[1.0, 2.0], [3.0, 6.0]]))
    np.testing.assert_allclose(y.detach().numpy().mean(axis=0), 0, atol=1e-6)


def test_linear_default_init_is_fan_in_scaled_uniform():
    lin = nn.Linear(400, 300)
    bound = 1 / math.sqrt(400)
    w, b = lin.weight.detach().numpy(), lin.bias.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(b).max() <= bound
    assert np.abs(w).max() > 0.95 * bound
    np.testing.assert_allclose(w.std(), bound / math.sqrt(3), rtol=0.02)


def test_linear_matches_pytorch_with_same_weights(torch, rng):
    ours = nn.Linear(5, 3).double()
    theirs = torch.nn.Linear(5, 3).double()
    _copy_params(ours, theirs, torch)
    x = rng.standard_normal((2, 4, 5))
    np.testing.assert_allclose(ours(nt.tensor(x)).detach().numpy(),
                               theirs(torch.tensor(x)).detach().numpy(), rtol=1e-12)


def test_dropout_is_inverted_in_training_and_identity_in_eval():
    drop = nn.Dropout(0.25)
    x = nt.ones(200, 100)
    y = drop(x).numpy()
    assert set(np.unique(y).tolist()) == {0.0, float(np.float32(1 / 0.75))}
    assert abs((y == 0).mean() - 0.25) < 0.02
    drop.eval()
    assert drop(x) is x
    with pytest.raises(ValueError, match="probability"):
        nn.Dropout(1.5)


def test_embedding_from_pretrained_freeze_and_padding():
    w = nt.tensor([[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]])
    frozen = nn.Embedding.from_pretrained(w)
    assert not frozen.weight.requires_grad
    assert frozen(nt.tensor([2, 0])).tolist() == [[4.0, 5.0], [0.0, 1.0]]
    tuned = nn.Embedding.from_pretrained(w, freeze=False)
    tuned(nt.tensor([[1, 1], [0, 1]])).sum().backward()
    assert tuned.weight.grad.tolist() == [[1.0, 1.0], [3.0, 3.0], [0.0, 0.0]]
    emb = nn.Embedding(10, 3, padding_idx=0)
    assert emb.weight[0].tolist() == [0.0, 0.0, 0.0]
    with pytest.raises(IndexError, match="id 10 is out of range for 10 embeddings"):
        emb(nt.tensor([10]))


def test_maxout_groups_contiguous_units_and_routes_gradient_to_first_argmax():
    x = nt.tensor([[1.0, 3.0, 3.0, 2.0, 5.0, 5.0]], requires_grad=True)
    y = F.maxout(x, 2)
    assert y.tolist() == [[3.0, 3.0, 5.0]]
    y.sum().backward()
    assert x.grad.tolist() == [[0.0, 1.0, 1.0, 0.0, 1.0, 0.0]]
    layer = nn.Maxout(4, 3, pieces=5)
    assert layer.linear.out_features == 15 and layer(nt.randn(2, 4)).shape == (2, 3)
    with pytest.raises(ValueError, match="multiple of pieces"):
        F.maxout(nt.ones(1, 5), 2)


def test_binary_step_values_and_gradient_options():
    x = nt.tensor([-2.0, -0.0, 0.0, 3.0], requires_grad=True)
    y = nn.BinaryStep()(x)
    assert y.tolist() == [0.0, 1.0, 1.0, 1.0]
    y.sum().backward()
    assert x.grad.tolist() == [0.0] * 4
    x.grad = None
    nn.BinaryStep(straight_through=True)(x).sum().backward()
    assert x.grad.tolist() == [1.0] * 4


def test_rrelu_random_slopes_in_training_mean_slope_in_eval(torch):
    r = nn.RReLU()
    x = -nt.ones(10000)
    slopes = -r(x).numpy()
    assert slopes.min() >= 1 / 8 and slopes.max() <= 1 / 3 and slopes.std() > 0.05
    r.eval()
    eval_slope = -r(x).numpy()
    assert np.all(eval_slope == np.float32((1 / 8 + 1 / 3) / 2))
    ref = -torch.nn.RReLU().eval()(torch.tensor([-1.0])).item()
    assert eval_slope[0] == pytest.approx(ref, rel=1e-7)
    assert -F.rrelu(x[:1]).item() == pytest.approx(ref, rel=1e-7)  # functional: training=False


def test_softplus_threshold_matches_pytorch(torch):
    x = np.array([-30.0, -1.0, 0.0, 9.9, 10.0, 10.1, 25.0], dtype=np.float64)
    ours = nn.Softplus(beta=2, threshold=20)(nt.tensor(x)).numpy()
    theirs = torch.nn.Softplus(beta=2, threshold=20)(torch.tensor(x)).numpy()
    np.testing.assert_allclose(ours, theirs, rtol=1e-15)
    assert ours[-1] == 25.0 and ours[-2] == 10.1  # linear above threshold / beta


def test_selu_constants_are_pytorchs(torch):
    assert nt.ops.activation.SELU_ALPHA == 1.6732632423543772848170429916717
    assert nt.ops.activation.SELU_SCALE == 1.0507009873554804934193349852946
    x = np.linspace(-5, 5, 11)
    np.testing.assert_allclose(nn.SELU()(nt.tensor(x)).numpy(),
                               torch.nn.SELU()(torch.tensor(x)).numpy(), rtol=1e-15)


def test_prelu_learns_its_slope():
    act = nn.PReLU()
    assert act.weight.tolist() == [0.25]
    act(nt.tensor([-2.0, 3.0, -1.0])).sum().backward()
    assert act.weight.grad.tolist() == [-3.0]
    per_channel = nn.PReLU(3)
    assert per_channel(nt.randn(4, 3, 2)).shape == (4, 3, 2)
    with pytest.raises(RuntimeError, match="3 slopes"):
        per_channel(nt.randn(4, 5))


def test_every_activation_module_runs_and_names_resolve():
    x = nt.randn(4, 6)
    for name in nn.ACTIVATIONS:
        y = nn.get_activation(name)(x)
        assert y.shape == x.shape and y.dtype == nt.float32
    with pytest.raises(ValueError, match="activation: expected one of"):
        nn.get_activation("swishy")


def test_layer_norm_matches_pytorch(torch, rng):
    x = rng.standard_normal((3, 4, 5))
    ours = nn.LayerNorm((4, 5)).double()
    theirs = torch.nn.LayerNorm((4, 5)).double()
    np.testing.assert_allclose(ours(nt.tensor(x)).detach().numpy(),
                               theirs(torch.tensor(x)).detach().numpy(), rtol=1e-10, atol=1e-12)


def test_loss_modules_default_options(torch):
    assert nn.MarginRankingLoss().margin == 0.0 and nn.CrossEntropyLoss().ignore_index == -100
    assert nn.MultiMarginLoss().reduction == "mean" and nn.HuberLoss().delta == 1.0
    with pytest.raises(ValueError, match="reduction"):
        nn.MSELoss(reduction="avg")


def test_cross_entropy_errors_are_clear():
    with pytest.raises(IndexError, match="class index 5 is out of range for 3 classes"):
        F.cross_entropy(nt.randn(2, 3), nt.tensor([0, 5]))
    with pytest.raises(ValueError, match=r"expected target of shape \(2,\)"):
        F.cross_entropy(nt.randn(2, 3), nt.tensor([0, 1, 2]))
    with pytest.raises(ValueError, match="probabilities in"):
        F.binary_cross_entropy(nt.tensor([1.5]), nt.tensor([1.0]))


def test_cross_entropy_all_ignored_is_nan_quietly():
    loss = F.cross_entropy(nt.randn(2, 3), nt.tensor([-100, -100]))
    assert math.isnan(loss.item())


def test_fused_cross_entropy_equals_log_softmax_plus_nll(rng):
    x = rng.standard_normal((6, 5))
    y = nt.tensor([0, 4, 4, 2, -100, 1])
    w = nt.tensor(rng.random(5) + 0.5)
    a = nt.tensor(x, requires_grad=True)
    b = nt.tensor(x, requires_grad=True)
    fused = F.cross_entropy(a, y, weight=w)
    composite = F.nll_loss(nt.log_softmax(b, 1), y, weight=w)
    np.testing.assert_allclose(fused.item(), composite.item(), rtol=1e-12)
    fused.backward()
    composite.backward()
    np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-10, atol=1e-15)


def test_margin_ranking_gradient_at_zero_margin_is_one():
    s = nt.tensor([2.0], requires_grad=True)
    s_c = nt.tensor([1.0], requires_grad=True)
    nn.MarginRankingLoss(margin=1.0)(s, s_c, nt.ones(1)).backward()  # 1 - 2 + 1 = 0 exactly
    assert s.grad.tolist() == [-1.0] and s_c.grad.tolist() == [1.0]


def test_multi_margin_divides_by_number_of_classes():
    x = nt.tensor([[0.1, 0.2, 0.4, 0.8]])
    loss = F.multi_margin_loss(x, nt.tensor([3]))
    want = sum(max(0, 1 - 0.8 + v) for v in [0.1, 0.2, 0.4]) / 4
    assert loss.item() == pytest.approx(want)


def test_embedding_row_gradients_mix_with_dense_ones_and_accumulate(rng):
    w = nt.tensor(rng.standard_normal((6, 3)), requires_grad=True)
    a, b = nt.tensor([0, 2, 2]), nt.tensor([[5, 0]])
    upstream = nt.tensor(rng.standard_normal((3, 3)))

    def loss():
        return ((F.embedding(a, w) * upstream).sum() + F.embedding(b, w, padding_idx=5).sum()
                + (w * w).sum())
    loss().backward()
    want = 2 * w.detach().numpy()
    np.add.at(want, [0, 2, 2], upstream.numpy())
    want[0] += 1
    np.testing.assert_allclose(w.grad.numpy(), want, rtol=1e-12)
    first = w.grad
    loss().backward()  # no zero_grad: gradients accumulate into the same .grad, as in PyTorch
    np.testing.assert_allclose(w.grad.numpy(), 2 * want, rtol=1e-12)
    assert first is w.grad
    (g,) = nt.autograd.grad(F.embedding(a, w).sum(), [w])
    assert g.numpy()[2].tolist() == [2.0, 2.0, 2.0] and g.numpy()[1].tolist() == [0.0] * 3


def test_embedding_rows_from_several_lookups_add_up_into_an_existing_grad():
    rng = np.random.default_rng(3)
    emb = nn.Embedding(6, 3)
    first, second = rng.integers(0, 6, (4, 2)), rng.integers(0, 6, (5,))
    weights_a, weights_b = rng.standard_normal((4, 2, 3)), rng.standard_normal((5, 3))

    def loss():
        return ((emb(nt.tensor(first)) * nt.tensor(weights_a, dtype=nt.float32)).sum()
                + (emb(nt.tensor(second)) * nt.tensor(weights_b, dtype=nt.float32)).sum())
    want = np.zeros((6, 3))
    np.add.at(want, first.reshape(-1), weights_a.reshape(-1, 3))
    np.add.at(want, second, weights_b)
    loss().backward()
    np.testing.assert_allclose(emb.weight.grad.numpy(), want, rtol=1e-6)
    held = emb.weight.grad._data  # the array itself, as another holder would see it
    snapshot = held.copy()
    loss().backward()  # into the existing .grad, whose array is replaced, not written over
    np.testing.assert_allclose(emb.weight.grad.numpy(), 2 * want, rtol=1e-6)
    np.testing.assert_array_equal(held, snapshot)
    with pytest.raises(IndexError, match="id -1 is out of range for 6 embeddings"):
        emb(nt.tensor([1, -1]))


@pytest.mark.parametrize("rows,width", [(7, 5), (2100, 500), (9, 5)])
def test_embedding_gradient_for_widths_and_lookup_counts(rows, width):
    """Across lookup counts (the last case after a larger one, and one past the column offsets
    kept for reuse, 2100 x 500 > 2^20 entries), the gradient is the row-wise sum."""
    rng = np.random.default_rng(rows)
    emb = nn.Embedding(11, width, dtype=nt.float64)
    ids = rng.integers(0, 11, rows)
    upstream = rng.standard_normal((rows, width))
    (emb(nt.tensor(ids)) * nt.tensor(upstream)).sum().backward()
    want = np.zeros((11, width))
    np.add.at(want, ids, upstream)
    np.testing.assert_allclose(emb.weight.grad.numpy(), want, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("order", ["rows first", "dense first", "rows only"])
def test_row_gradients_into_a_computed_weight_add_up_with_dense_ones(order):
    """An embedding of a non-leaf weight: its row gradients meet dense ones (and each other)
    at the weight's node, in either order."""
    base = nt.ones(5, 2, requires_grad=True, dtype=nt.float64)
    w = base * 2
    rows = F.embedding(nt.tensor([1, 1]), w).sum() + F.embedding(nt.tensor([4]), w).sum()
    dense = (w * 3).sum()
    loss = {"rows first": rows + dense, "dense first": dense + rows, "rows only": rows}[order]
    loss.backward()
    want = np.full((5, 2), 0.0 if order == "rows only" else 6.0)
    want[1] += 2 * 2.0  # looked up twice, times d(w)/d(base) = 2
    want[4] += 2.0
    np.testing.assert_array_equal(base.grad.numpy(), want)


def test_linear_bias_gradient_for_changing_batch_sizes():
    layer = nn.Linear(3, 2)
    for batch in (3, 5, 3, 1):
        layer.zero_grad()
        g = np.arange(batch * 2, dtype=np.float32).reshape(batch, 2)
        (layer(nt.randn(batch, 3)) * nt.tensor(g)).sum().backward()
        np.testing.assert_array_equal(layer.bias.grad.numpy(), g.sum(axis=0))


@pytest.mark.parametrize("shape", [(8, 20), (784, 512)])  # a small weight, one past 2^18
def test_linear_gradients_of_small_and_large_weights_are_the_products(rng, shape):
    """dx = g W and dW = g^T x, for the dot and the matmul paths the weight's size chooses."""
    fan_in, fan_out = shape
    x = rng.standard_normal((16, fan_in))
    w = rng.standard_normal((fan_out, fan_in))
    g = rng.standard_normal((16, fan_out))
    xt, wt = nt.tensor(x, requires_grad=True), nt.tensor(w, requires_grad=True)
    (F.linear(xt, wt) * nt.tensor(g)).sum().backward()
    dw = np.einsum("bo,bi->oi", g, x)
    dx = np.einsum("bo,oi->bi", g, w)
    np.testing.assert_allclose(wt.grad.numpy(), dw, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(xt.grad.numpy(), dx, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("loss", ["cross_entropy", "nll_loss"])
def test_a_mean_loss_with_every_target_ignored_is_nan_with_zero_gradient(loss):
    """0/0 as in PyTorch: the loss is NaN (quietly: the suite turns warnings into errors) and
    the gradient is 0, not NaN."""
    x = nt.tensor([[0.5, -1.0, 2.0], [0.1, 0.2, 0.3]], requires_grad=True)
    out = getattr(F, loss)(x, nt.tensor([1, 1]), ignore_index=1)
    assert np.isnan(out.item())
    out.backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.zeros((2, 3)))
