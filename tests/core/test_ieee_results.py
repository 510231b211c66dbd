"""Where IEEE arithmetic gives inf or nan, PyTorch returns it silently: so does neuronet, with
PyTorch's values and without NumPy's RuntimeWarnings (the suite turns warnings into errors)."""
import math

import numpy as np
import pytest

import neuronet as nt

INF = math.inf

# name, f(module) for neuronet and torch alike, float64 inputs where a dtype matters
CASES = [
    ("softmax of inf", lambda m: m.softmax(m.tensor([INF, 0.0]), 0)),
    ("softmax of -inf only", lambda m: m.softmax(m.tensor([-INF, -INF]), 0)),
    ("log_softmax of inf", lambda m: m.log_softmax(m.tensor([INF, 0.0]), 0)),
    ("log_softmax of -inf only", lambda m: m.log_softmax(m.tensor([[-INF, -INF]]), 1)),
    ("softmax with a -inf mask", lambda m: m.softmax(m.tensor([[-INF, 0.0, 1.0]]), 1)),
    ("exp overflow", lambda m: m.exp(m.tensor([1000.0, -1000.0]))),
    ("exp2 overflow", lambda m: m.exp2(m.tensor([1000.0]))),
    ("expm1 overflow", lambda m: m.expm1(m.tensor([1000.0]))),
    ("log of 0 and -1", lambda m: m.log(m.tensor([0.0, -1.0]))),
    ("log2 of 0", lambda m: m.log2(m.tensor([0.0, -1.0]))),
    ("log10 of 0", lambda m: m.log10(m.tensor([0.0, -1.0]))),
    ("log1p of -1", lambda m: m.log1p(m.tensor([-1.0, -2.0]))),
    ("sqrt of -1", lambda m: m.sqrt(m.tensor([-1.0, 0.0]))),
    ("rsqrt of 0", lambda m: m.rsqrt(m.tensor([0.0, -1.0]))),
    ("acos of 2", lambda m: m.acos(m.tensor([2.0]))),
    ("reciprocal of 0", lambda m: m.reciprocal(m.tensor([0.0, -0.0]))),
    ("division by 0", lambda m: m.tensor([1.0, 0.0, -1.0]) / m.tensor([0.0, 0.0, 0.0])),
    ("division by a 0 number", lambda m: m.tensor([1.0, -1.0]) / 0.0),
    ("a number over a 0 tensor", lambda m: 1.0 / m.tensor([0.0])),
    ("integer division by 0", lambda m: m.tensor([1, 0]) / m.tensor([0, 0])),
    ("0 to a negative power", lambda m: m.tensor([0.0]) ** -1),
    ("pow of tensors", lambda m: m.pow(m.tensor([0.0, 10.0]), m.tensor([-1.0, 400.0]))),
    ("float32 overflow on creation", lambda m: m.tensor([1e300, -1e300], dtype=m.float32)),
    ("float16 overflow on creation", lambda m: m.tensor([1e10], dtype=m.float16)),
    ("as_tensor overflow", lambda m: m.as_tensor([1e300], dtype=m.float32)),
    ("float64 to float32", lambda m: m.tensor([1e300], dtype=m.float64).float()),
    ("to(float32)", lambda m: m.tensor([-1e300], dtype=m.float64).to(m.float32)),
]


def _values(t):
    return np.asarray(t.detach().tolist(), dtype=np.float64)


def _same(a, b):
    """Equal within float32 rounding, with inf, -inf and nan in the same places."""
    np.testing.assert_allclose(a, b, rtol=1e-6, atol=0, equal_nan=True)


@pytest.mark.parametrize("name,fn", CASES, ids=[c[0] for c in CASES])
def test_values_match_pytorch_silently(torch, name, fn):
    _same(_values(fn(nt)), _values(fn(torch)))


def test_softmax_of_inf_is_nan_everywhere_as_in_pytorch():
    assert np.isnan(nt.softmax(nt.tensor([INF, 0.0]), 0).numpy()).all()


# name, f(x), input: the gradients at IEEE edges (inf/nan as PyTorch's)
GRADS = [
    ("log at 0", lambda m, x: m.log(x), [0.0, 1.0]),
    ("sqrt at 0", lambda m, x: m.sqrt(x), [0.0, 4.0]),
    ("sqrt at -1", lambda m, x: m.sqrt(x), [-1.0]),
    ("rsqrt at 0", lambda m, x: m.rsqrt(x), [0.0]),
    ("exp overflow", lambda m, x: m.exp(x), [1000.0]),
    ("division by 0", lambda m, x: x / m.zeros_like(x), [1.0, -1.0]),
    ("divisor 0", lambda m, x: m.ones_like(x) / x, [0.0]),
    ("softmax of inf", lambda m, x: m.softmax(x, 0), [INF, 0.0]),
    ("log_softmax of inf", lambda m, x: m.log_softmax(x, 0), [INF, 0.0]),
    ("power at 0", lambda m, x: x ** 0.5, [0.0]),
]


@pytest.mark.parametrize("name,fn,values", GRADS, ids=[g[0] for g in GRADS])
def test_gradients_match_pytorch_silently(torch, name, fn, values):
    grads = []
    for m in (nt, torch):
        x = m.tensor(values, dtype=m.float64, requires_grad=True)
        y = fn(m, x)
        y.backward(m.ones_like(y))
        grads.append(_values(x.grad))
    _same(*grads)


def test_full_refuses_a_value_the_dtype_cannot_hold_as_pytorch(torch):
    for m in (nt, torch):
        with pytest.raises(RuntimeError, match="value cannot be converted to type float "
                                               "without overflow"):
            m.full((2,), 1e300, dtype=m.float32)
    assert nt.full((1,), INF, dtype=nt.float32).tolist() == [INF]


def test_numpy_settings_outside_the_ops_are_left_alone():
    before = np.geterr()
    nt.log(nt.tensor([0.0]))
    assert np.geterr() == before
    with pytest.warns(RuntimeWarning):
        np.log(np.zeros(1))
