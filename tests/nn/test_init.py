"""Initialisation: PyTorch's formulas, reproducibility, and the notes' claims about symmetry
and fan-in scaling."""
import math

import numpy as np
import pytest

import neuronet as nt
from neuronet import nn
from neuronet.nn import init


def test_calculate_gain_values():
    assert init.calculate_gain("linear") == 1 and init.calculate_gain("sigmoid") == 1
    assert init.calculate_gain("tanh") == 5 / 3
    assert init.calculate_gain("relu") == math.sqrt(2)
    assert init.calculate_gain("leaky_relu") == math.sqrt(2 / (1 + 0.01 ** 2))
    assert init.calculate_gain("leaky_relu", 0.2) == math.sqrt(2 / 1.04)
    assert init.calculate_gain("selu") == 0.75
    with pytest.raises(ValueError, match="Unsupported nonlinearity"):
        init.calculate_gain("swish")


SHAPE = (300, 500)  # fan_out = 300, fan_in = 500
STD_CASES = [
    (lambda t: init.normal_(t, 0.5, 2.0), 2.0, 0.5),
    (lambda t: init.uniform_(t, -3, 3), 6 / math.sqrt(12), 0.0),
    (lambda t: init.xavier_uniform_(t, gain=2.0), 2 * math.sqrt(6 / 800) / math.sqrt(3), 0.0),
    (lambda t: init.xavier_normal_(t), math.sqrt(2 / 800), 0.0),
    (lambda t: init.kaiming_uniform_(t, nonlinearity="relu"), math.sqrt(2 / 500), 0.0),
    (lambda t: init.kaiming_normal_(t, mode="fan_out", nonlinearity="relu"),
     math.sqrt(2 / 300), 0.0),
    (lambda t: init.kaiming_normal_(t), math.sqrt(2 / 1.0001) / math.sqrt(500), 0.0),
    (lambda t: init.lecun_normal_(t), 1 / math.sqrt(500), 0.0),
    (lambda t: init.trunc_normal_(t, std=0.02), 0.02, 0.0),
]


@pytest.mark.parametrize("fill,std,mean", STD_CASES)
def test_initialiser_statistics(fill, std, mean):
    t = fill(nt.empty(*SHAPE))
    assert t.dtype == nt.float32
    assert t.numpy().std() == pytest.approx(std, rel=0.02)
    assert t.numpy().mean() == pytest.approx(mean, abs=0.02 * std + 1e-3)


def test_trunc_normal_respects_bounds_and_orthogonal_is_orthogonal():
    t = init.trunc_normal_(nt.empty(1000), a=-0.5, b=0.5)
    assert t.numpy().min() >= -0.5 and t.numpy().max() <= 0.5
    q = init.orthogonal_(nt.empty(4, 6, dtype=nt.float64), gain=2.0).numpy()
    np.testing.assert_allclose(q @ q.T, 4 * np.eye(4), atol=1e-12)
    assert init.eye_(nt.empty(2, 3)).tolist() == [[1, 0, 0], [0, 1, 0]]
    assert init.constant_(nt.empty(2), 0.5).tolist() == [0.5, 0.5]


def test_initialisers_are_reproducible_with_manual_seed():
    nt.manual_seed(7)
    a = nn.Linear(3, 4).weight.detach().numpy().copy()
    nt.manual_seed(7)
    b = nn.Linear(3, 4).weight.detach().numpy()
    np.testing.assert_array_equal(a, b)


def test_fan_needs_two_dimensions():
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init.xavier_uniform_(nt.empty(3))


def _two_layer(hidden_init):
    nt.manual_seed(0)
    net = nn.Sequential(nn.Linear(6, 5), nn.Tanh(), nn.Linear(5, 1)).double()
    hidden_init(net[0])
    init.constant_(net[2].weight, 0.3)
    return net


def _train(net, steps=20):
    from neuronet.optim import SGD

    opt = SGD(net.parameters(), lr=0.1)
    x, y = nt.randn(32, 6, dtype=nt.float64), nt.randn(32, 1, dtype=nt.float64)
    for _ in range(steps):
        opt.zero_grad()
        loss = ((net(x) - y) ** 2).mean()
        loss.backward()
        opt.step()
    return net


@pytest.mark.parametrize("value", [0.0, 0.7])
def test_constant_initialisation_keeps_hidden_units_identical(value):
    def constant(layer):
        init.constant_(layer.weight, value)
        init.constant_(layer.bias, value)
    net = _two_layer(constant)
    x = nt.randn(8, 6, dtype=nt.float64)
    net(x).sum().backward()
    g = net[0].weight.grad.numpy()
    assert np.abs(g).max() > 0
    # every hidden unit gets the same gradient (up to BLAS summation order)...
    np.testing.assert_allclose(g, np.broadcast_to(g[0], g.shape), rtol=1e-12, atol=1e-15)
    _train(net)
    w = net[0].weight.detach().numpy()
    # ...so the units stay identical after training
    np.testing.assert_allclose(w, np.broadcast_to(w[0], w.shape), rtol=1e-12, atol=1e-15)


def test_random_initialisation_breaks_the_symmetry():
    net = _train(_two_layer(lambda layer: init.normal_(layer.weight, 0, 0.1)))
    w = net[0].weight.detach().numpy()
    gaps = np.abs(w[:, None, :] - w[None, :, :]).max(axis=2) + np.eye(5)
    assert gaps.min() > 1e-3  # every pair of hidden units differs


@pytest.mark.parametrize("fan_in", [10, 100, 1000])
def test_output_variance_grows_with_fan_in_unless_scaled(fan_in):
    x = nt.randn(2000, fan_in, dtype=nt.float64)
    unit = init.normal_(nt.empty(50, fan_in, dtype=nt.float64), 0, 1)
    scaled = init.lecun_normal_(nt.empty(50, fan_in, dtype=nt.float64))
    var_unit = (x @ unit.T).numpy().var()
    var_scaled = (x @ scaled.T).numpy().var()
    assert var_unit == pytest.approx(fan_in, rel=0.15)  # grows with the number of inputs
    assert var_scaled == pytest.approx(1.0, rel=0.15)  # stays put under 1/sqrt(fan_in)
