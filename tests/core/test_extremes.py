"""Extreme inputs (|x| up to 1e4, float32 and float64) through the exp/log-based ops: finite,
correct, and no NumPy warning (the suite runs with warnings as errors)."""
import numpy as np
import pytest

import neuronet as nt

EXTREME = [-1e4, -1e3, -100.0, -30.0, -1.0, 0.0, 1.0, 30.0, 100.0, 1e3, 1e4]
DTYPES = [nt.float32, nt.float64]


def _forward_backward(fn, values, dtype):
    x = nt.tensor(values, dtype=dtype, requires_grad=True)
    y = fn(x)
    y.backward(nt.ones_like(y))
    return x, y


@pytest.mark.parametrize("dtype", DTYPES)
def test_sigmoid(dtype):
    x, y = _forward_backward(nt.sigmoid, EXTREME, dtype)
    v = y.detach().numpy()
    assert np.all(np.isfinite(v)) and np.all(np.isfinite(x.grad.numpy()))
    assert v[0] == 0.0 and v[-1] == 1.0 and v[5] == 0.5
    np.testing.assert_allclose(v[3], 1 / (1 + np.exp(30.0)), rtol=1e-5)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("value", [-50.0, -0.5, 0.0, 0.5, 50.0])
def test_sigmoid_of_a_0d_tensor(dtype, value):
    x = nt.tensor(value, dtype=dtype, requires_grad=True)
    y = nt.sigmoid(x)
    y.backward()
    s = 1 / (1 + np.exp(-value))
    assert y.shape == () and y.dtype == dtype
    np.testing.assert_allclose(y.item(), s, rtol=1e-6)
    np.testing.assert_allclose(x.grad.item(), s * (1 - s), rtol=1e-5, atol=1e-30)


@pytest.mark.parametrize("dtype", DTYPES)
def test_tanh(dtype):
    x, y = _forward_backward(nt.tanh, EXTREME, dtype)
    assert y.detach().numpy()[0] == -1.0 and y.detach().numpy()[-1] == 1.0
    assert np.all(np.isfinite(x.grad.numpy()))


@pytest.mark.parametrize("dtype", DTYPES)
def test_logsumexp_softmax_log_softmax(dtype):
    rows = [[1e4, 0.0, -1e4], [-1e4, -1e4, -1e4], [1e4, 1e4, 3.0]]
    x, y = _forward_backward(lambda t: nt.logsumexp(t, 1), rows, dtype)
    np.testing.assert_allclose(y.detach().numpy(), [1e4, -1e4 + np.log(3), 1e4 + np.log(2)],
                               rtol=1e-6)
    assert np.all(np.isfinite(x.grad.numpy()))
    x, y = _forward_backward(lambda t: nt.softmax(t, 1), rows, dtype)
    np.testing.assert_allclose(y.detach().numpy(), [[1, 0, 0], [1 / 3] * 3, [0.5, 0.5, 0]],
                               atol=1e-6)
    assert np.all(np.isfinite(x.grad.numpy()))
    x, y = _forward_backward(lambda t: nt.log_softmax(t, 1), rows, dtype)
    v = y.detach().numpy()
    assert np.all(np.isfinite(v))
    np.testing.assert_allclose(v[0], [0.0, -1e4, -2e4], rtol=1e-6)
    assert np.all(np.isfinite(x.grad.numpy()))


@pytest.mark.parametrize("dtype", DTYPES)
def test_log1p_and_log_of_large_values(dtype):
    big = [1e4, 1e30 if dtype == nt.float32 else 1e300]
    x, y = _forward_backward(nt.log1p, big, dtype)
    assert np.all(np.isfinite(y.detach().numpy()))
    x, y = _forward_backward(nt.log, big, dtype)
    assert np.all(np.isfinite(y.detach().numpy()))


@pytest.mark.parametrize("dtype", DTYPES)
def test_exp_of_very_negative_underflows_quietly_to_zero(dtype):
    x, y = _forward_backward(nt.exp, [-1e4, -1e3], dtype)
    assert y.detach().tolist() == [0.0, 0.0] and x.grad.tolist() == [0.0, 0.0]


@pytest.mark.parametrize("dtype", DTYPES)
def test_norm_and_std_of_huge_values(dtype):
    x, y = _forward_backward(lambda t: t.std(), [1e4, -1e4, 0.0], dtype)
    np.testing.assert_allclose(y.item(), 1e4, rtol=1e-6)
    assert np.all(np.isfinite(x.grad.numpy()))


@pytest.mark.parametrize("exponent", [3, 3.0, 4.0])
def test_integer_powers_overflow_to_inf_silently(exponent):
    x = nt.tensor([1e20, -1e20, 2.0], dtype=nt.float32, requires_grad=True)
    y = x**exponent
    y.backward(nt.ones_like(y))
    sign = -1.0 if exponent == 3 else 1.0
    assert y.detach().numpy().tolist() == [np.inf, sign * np.inf, 2.0**exponent]
    assert x.grad.numpy()[2] == exponent * 2.0 ** (exponent - 1)
