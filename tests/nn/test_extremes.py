"""Extreme inputs through activations and losses: finite, correct, no NumPy warning."""
import numpy as np
import pytest

import neuronet as nt
import neuronet.nn.functional as F

X = [-1e4, -1e3, -50.0, -1.0, 0.0, 1.0, 50.0, 1e3, 1e4]
DTYPES = [nt.float32, nt.float64]

ACTIVATIONS = {
    "softplus": F.softplus, "logsigmoid": F.logsigmoid, "elu": F.elu, "selu": F.selu,
    "celu": F.celu, "gelu": F.gelu, "gelu_tanh": lambda x: F.gelu(x, approximate="tanh"),
    "silu": F.silu, "mish": F.mish, "softsign": F.softsign, "leaky_relu": F.leaky_relu,
    "binary_step": F.binary_step, "hardtanh": F.hardtanh, "rrelu": F.rrelu,
    "softmin": lambda x: F.softmin(x, 0), "hardsigmoid": F.hardsigmoid,
    "hardswish": F.hardswish, "tanhshrink": F.tanhshrink, "softshrink": F.softshrink,
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_is_finite_on_extremes(name, dtype):
    x = nt.tensor(X, dtype=dtype, requires_grad=True)
    y = ACTIVATIONS[name](x)
    y.backward(nt.ones_like(y))
    assert np.all(np.isfinite(y.detach().numpy())), y
    assert np.all(np.isfinite(x.grad.numpy())), x.grad


def test_softplus_and_logsigmoid_values_at_extremes():
    x = nt.tensor([-1e4, 1e4], dtype=nt.float64)
    assert F.softplus(x).tolist() == [0.0, 1e4]
    assert F.logsigmoid(x).tolist() == [-1e4, 0.0]


@pytest.mark.parametrize("dtype", DTYPES)
def test_losses_on_extreme_logits(dtype):
    logits = nt.tensor([[1e4, -1e4, 0.0], [-1e4, -1e4, -1e4]], dtype=dtype, requires_grad=True)
    loss = F.cross_entropy(logits, nt.tensor([1, 2]))
    loss.backward()
    assert np.isfinite(loss.item()) and loss.item() == pytest.approx((2e4 + np.log(3)) / 2)
    assert np.all(np.isfinite(logits.grad.numpy()))
    z = nt.tensor(X, dtype=dtype, requires_grad=True)
    t = nt.tensor([0.0, 1.0] * 4 + [1.0], dtype=dtype)
    bce = F.binary_cross_entropy_with_logits(z, t, reduction="none")
    bce.sum().backward()
    assert np.all(np.isfinite(bce.detach().numpy())) and np.all(np.isfinite(z.grad.numpy()))
    assert bce.detach().numpy()[1] == pytest.approx(1e3, rel=1e-6)  # x = -1e3, t = 1


@pytest.mark.parametrize("dtype", DTYPES)
def test_bce_clamps_log_at_minus_100(dtype):
    p = nt.tensor([0.0, 1.0, 0.0, 1.0], dtype=dtype, requires_grad=True)
    t = nt.tensor([1.0, 0.0, 0.0, 1.0], dtype=dtype)
    loss = F.binary_cross_entropy(p, t, reduction="none")
    assert loss.detach().tolist() == [100.0, 100.0, 0.0, 0.0]
    loss.sum().backward()
    assert np.all(np.isfinite(p.grad.numpy()))


def test_kl_div_with_zero_targets_is_finite():
    logp = nt.log_softmax(nt.tensor([[1e4, 0.0, -1e4]], requires_grad=True), 1)
    loss = F.kl_div(logp, nt.tensor([[0.0, 1.0, 0.0]]), reduction="sum")
    assert np.isfinite(loss.item())


@pytest.mark.parametrize("name,alpha,scale", [("elu", 1.0, 1.0), ("elu", 0.3, 1.0),
                                              ("selu", 1.6732632423543772, 1.0507009873554805)])
def test_elu_gradient_keeps_its_digits_far_below_zero(name, alpha, scale):
    """The slope alpha * scale * exp(x) below zero is computed as such, not as the output plus
    alpha (which cancels to a few digits once exp(x) is tiny)."""
    x = nt.tensor([-5.0, -20.0, -30.0, -700.0], dtype=nt.float64, requires_grad=True)
    y = F.elu(x, alpha) if name == "elu" else F.selu(x)
    y.backward(nt.ones_like(y))
    want = alpha * scale * np.exp(x.detach().numpy())
    np.testing.assert_allclose(x.grad.numpy(), want, rtol=1e-14, atol=0)
