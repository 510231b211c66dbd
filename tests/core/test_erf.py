"""erf without SciPy: ``erf_numpy`` against Python's ``math.erf``, to float64's accuracy, and
the exact GELU built on it."""
import math

import numpy as np

import neuronet as nt
import neuronet.nn.functional as F
from neuronet.ops.unary import erf_numpy


def _grid(rng):
    return np.concatenate([
        rng.uniform(-7, 7, 20000), rng.standard_normal(5000), rng.standard_normal(2000) * 1e-3,
        np.linspace(-6.5, 6.5, 5201),  # every piece boundary (multiples of 1/4) among them
        [0.0, 1e-300, 5e-324, 1 - 2**-53, 1.0, 6 - 2**-50, 6.0, 30.0, 1e300],
    ])


def test_erf_numpy_matches_math_erf_to_float64_accuracy(rng):
    x = _grid(rng)
    ref = np.array([math.erf(v) for v in x])
    got = erf_numpy(x)
    assert got.dtype == np.float64
    rel = np.abs(got - ref) / np.maximum(np.abs(ref), np.finfo(np.float64).tiny)
    assert rel.max() <= 5e-16, (rel.max(), x[rel.argmax()])
    np.testing.assert_array_equal(erf_numpy(-x), -got)  # odd


def test_erf_numpy_special_values_and_float32(rng):
    special = erf_numpy(np.array([np.inf, -np.inf, np.nan, -0.0]))
    np.testing.assert_array_equal(special[:2], [1.0, -1.0])
    assert np.isnan(special[2]) and np.signbit(special[3])
    x = rng.uniform(-5, 5, 5000).astype(np.float32)
    got = erf_numpy(x)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, [math.erf(v) for v in x.astype(np.float64)], rtol=4e-7,
                               atol=1e-30)


def test_exact_gelu_matches_its_formula(rng):
    x = rng.standard_normal(4000) * 3
    out = F.gelu(nt.tensor(x)).numpy()
    ref = np.array([0.5 * v * (1 + math.erf(v / math.sqrt(2))) for v in x])
    # (where erf is near -1, 1 + erf keeps only its absolute accuracy, as in any float64 GELU)
    np.testing.assert_allclose(out, ref, rtol=2e-15, atol=4e-15)
