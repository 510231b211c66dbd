"""The notes' window network s = U^T f(Wx + b) and its closed-form gradients."""
import numpy as np
import pytest

import neuronet as nt
from neuronet import nn
from neuronet.models import WindowScorer, max_margin_loss


def test_shapes_follow_the_notes():
    model = WindowScorer(vocab_size=50)
    assert model.hidden.weight.shape == (8, 20)  # W in R^{8x20}
    assert model.U.weight.shape == (1, 8)  # U in R^{8x1}, stored as a row
    windows = nt.randint(0, 50, (3, 5))
    assert model.embed(windows).shape == (3, 20)  # x in R^20: five 4-d word vectors
    assert model(windows).shape == (3,)
    with pytest.raises(ValueError, match=r"expected shape \(N, 5\)"):
        model(nt.randint(0, 50, (3, 4)))


def _scores(model, windows):
    x = model.embed(windows)
    z = model.hidden(x)
    a = model.activation(z)
    s = model.U(a).reshape(-1)
    return x, z, a, s


@pytest.mark.parametrize("seed", range(4))
def test_dJ_dU_matches_the_notes_closed_form(seed):
    nt.manual_seed(seed)
    model = WindowScorer(vocab_size=30).double()
    true_w = nt.tensor([[3, 7, 1, 9, 2]])
    corrupt = nt.tensor([[3, 7, 25, 9, 2]])  # centre word replaced
    _, _, a, s = _scores(model, true_w)
    _, _, a_c, s_c = _scores(model, corrupt)
    J = max_margin_loss(s, s_c)
    J.backward()
    active = float(1 - s.item() + s_c.item() > 0)
    want = active * (-a + a_c).detach().numpy()
    np.testing.assert_allclose(model.U.weight.grad.numpy(), want, rtol=1e-12, atol=1e-15)


def test_dJ_dU_is_zero_when_the_margin_is_met():
    model = WindowScorer(vocab_size=10).double()
    with nt.no_grad():
        model.U.weight.data[...] = 0
    s = model(nt.tensor([[1, 2, 3, 4, 5]]))
    J = max_margin_loss(s + 5.0, model(nt.tensor([[1, 2, 6, 4, 5]])))
    J.backward()
    assert J.item() == 0 and np.all(model.U.weight.grad.numpy() == 0)


def test_ds_dx_is_W_transpose_delta():
    nt.manual_seed(3)
    model = WindowScorer(vocab_size=30).double()
    x, z, a, s = _scores(model, nt.tensor([[4, 8, 15, 16, 23]]))
    x.retain_grad()
    s.sum().backward()
    sig = nt.sigmoid(z).detach().numpy()
    delta = model.U.weight.detach().numpy() * sig * (1 - sig)  # delta = U o f'(z)
    W = model.hidden.weight.detach().numpy()
    np.testing.assert_allclose(x.grad.numpy(), delta @ W, rtol=1e-12)  # (W^T delta)^T
    # the embedding rows receive exactly that gradient, split back into the five words
    emb_grad = model.embedding.weight.grad.numpy()
    np.testing.assert_allclose(emb_grad[15], (delta @ W).reshape(5, 4)[2], rtol=1e-12)


def test_max_margin_loss_is_margin_ranking_loss(rng):
    s, s_c = rng.standard_normal(10), rng.standard_normal(10)
    a = max_margin_loss(nt.tensor(s), nt.tensor(s_c)).item()
    b = nn.MarginRankingLoss(margin=1.0)(nt.tensor(s), nt.tensor(s_c), nt.ones(10)).item()
    assert a == b == pytest.approx(np.maximum(0, 1 - s + s_c).mean())


@pytest.mark.parametrize("activation", ["relu", "tanh", "maxout", "binary_step", "selu",
                                        "softplus", "leaky_relu", "prelu", "rrelu", "elu"])
def test_any_activation_of_the_notes(activation):
    model = WindowScorer(vocab_size=20, activation=activation)
    s = model(nt.randint(0, 20, (4, 5)))
    assert s.shape == (4,)
    s.sum().backward()
    assert model.U.weight.grad is not None
