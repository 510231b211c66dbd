"""Every reduction over each dim, tuples of dims and keepdim: values against NumPy and a
float64 gradient check."""
import itertools

import numpy as np
import pytest

import neuronet as nt
from neuronet.autograd import gradcheck

SHAPE = (2, 3, 4)
DIMS = [None, 0, 1, 2, -1, (0, 2), (1, 2), (0, 1, 2)]


def _np_var(x, axis, keepdims, correction=1):
    return x.var(axis=axis, ddof=correction, keepdims=keepdims)


MULTI_DIM = {
    "sum": (lambda t, d, k: nt.sum(t, d, k), lambda x, d, k: x.sum(axis=d, keepdims=k)),
    "mean": (lambda t, d, k: nt.mean(t, d, k), lambda x, d, k: x.mean(axis=d, keepdims=k)),
    "amax": (lambda t, d, k: nt.amax(t, () if d is None else d, k),
             lambda x, d, k: x.max(axis=d, keepdims=k)),
    "amin": (lambda t, d, k: nt.amin(t, () if d is None else d, k),
             lambda x, d, k: x.min(axis=d, keepdims=k)),
    "var": (lambda t, d, k: nt.var(t, d, keepdim=k), lambda x, d, k: _np_var(x, d, k)),
    "var_biased": (lambda t, d, k: nt.var(t, d, correction=0, keepdim=k),
                   lambda x, d, k: _np_var(x, d, k, 0)),
    "std": (lambda t, d, k: nt.std(t, d, keepdim=k),
            lambda x, d, k: x.std(axis=d, ddof=1, keepdims=k)),
    "logsumexp": (lambda t, d, k: nt.logsumexp(t, tuple(range(3)) if d is None else d, k),
                  lambda x, d, k: np.log(np.exp(x).sum(axis=d, keepdims=k))),
    "norm": (lambda t, d, k: nt.norm(t, 2, d, k),
             lambda x, d, k: np.sqrt((x * x).sum(axis=d, keepdims=k))),
}


@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("dim", DIMS, ids=str)
@pytest.mark.parametrize("name", sorted(MULTI_DIM))
def test_multi_dim_reduction(name, dim, keepdim, rng):
    ours, ref = MULTI_DIM[name]
    x = rng.standard_normal(SHAPE)
    t = nt.tensor(x, requires_grad=True)
    axis = dim if not isinstance(dim, int) else dim
    np.testing.assert_allclose(ours(t, dim, keepdim).detach().numpy(), ref(x, axis, keepdim),
                               rtol=1e-12)
    assert gradcheck(lambda a: ours(a, dim, keepdim), (t,))


SINGLE_DIM = {
    "prod": (lambda t, d, k: nt.prod(t, d, k), lambda x, d, k: x.prod(axis=d, keepdims=k)),
    "max": (lambda t, d, k: nt.max(t, d, k).values, lambda x, d, k: x.max(axis=d, keepdims=k)),
    "min": (lambda t, d, k: nt.min(t, d, k).values, lambda x, d, k: x.min(axis=d, keepdims=k)),
    "softmax": (lambda t, d, k: nt.softmax(t, d),
                lambda x, d, k: np.exp(x) / np.exp(x).sum(axis=d, keepdims=True)),
    "log_softmax": (lambda t, d, k: nt.log_softmax(t, d),
                    lambda x, d, k: x - np.log(np.exp(x).sum(axis=d, keepdims=True))),
}


@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("dim", [0, 1, 2, -1])
@pytest.mark.parametrize("name", sorted(SINGLE_DIM))
def test_single_dim_reduction(name, dim, keepdim, rng):
    ours, ref = SINGLE_DIM[name]
    x = rng.standard_normal(SHAPE)
    t = nt.tensor(x, requires_grad=True)
    np.testing.assert_allclose(ours(t, dim, keepdim).detach().numpy(), ref(x, dim, keepdim),
                               rtol=1e-12)
    assert gradcheck(lambda a: ours(a, dim, keepdim), (t,))


def test_max_returns_values_and_indices():
    t = nt.tensor([[1.0, 5.0, 5.0], [7.0, 0.0, 2.0]])
    values, indices = t.max(dim=1)
    assert values.tolist() == [5.0, 7.0]
    assert indices.tolist() == [1, 0]  # the first of tied maxima
    assert indices.dtype == nt.int64


def test_full_max_shares_gradient_between_ties():
    t = nt.tensor([3.0, 1.0, 3.0], requires_grad=True)
    t.max().backward()
    assert t.grad.tolist() == [0.5, 0.0, 0.5]


def test_max_along_dim_gives_gradient_to_first_tie():
    t = nt.tensor([[3.0, 3.0]], requires_grad=True)
    t.max(dim=1).values.sum().backward()
    assert t.grad.tolist() == [[1.0, 0.0]]


def test_prod_gradient_with_zeros_is_exact():
    t = nt.tensor([2.0, 0.0, 3.0, 0.0], dtype=nt.float64, requires_grad=True)
    t.prod().backward()
    assert t.grad.tolist() == [0.0, 0.0, 0.0, 0.0]
    u = nt.tensor([2.0, 0.0, 3.0], dtype=nt.float64, requires_grad=True)
    u.prod().backward()
    assert u.grad.tolist() == [0.0, 6.0, 0.0]


@pytest.mark.parametrize("dim,keepdim", list(itertools.product([None, 0, 1], [False, True])))
def test_argmax_argmin(dim, keepdim, rng):
    x = rng.standard_normal((3, 4))
    t = nt.tensor(x)
    got = nt.argmax(t, dim, keepdim).numpy()
    want = np.argmax(x, axis=dim, keepdims=keepdim) if dim is not None else np.argmax(x)
    if dim is None and keepdim:
        want = np.reshape(want, (1, 1))
    np.testing.assert_array_equal(got, want)
    assert not nt.argmin(nt.tensor(x, requires_grad=True), dim).requires_grad


def test_norm_at_zero_has_zero_gradient():
    t = nt.zeros(3, dtype=nt.float64, requires_grad=True)
    t.norm().backward()
    assert t.grad.tolist() == [0.0, 0.0, 0.0]


def test_var_needs_enough_elements():
    with pytest.raises(RuntimeError, match="correction"):
        nt.tensor([1.0]).var()


def test_bad_dim_names_the_range():
    with pytest.raises(IndexError, match=r"range of \[-2, 1\], but got 2"):
        nt.zeros(2, 3).sum(2)


def test_reductions_refuse_the_dtypes_pytorch_refuses():
    ints, bools = nt.tensor([[1, 2], [3, 4]]), nt.tensor([True, False])
    for fn, pattern in [(lambda: nt.var(ints), "std and var only support floating point"),
                        (lambda: ints.std(0), "std and var only support floating point"),
                        (lambda: nt.norm(ints), "norm: expected a floating point"),
                        (lambda: nt.argmax(bools), "argmax\\(\\): does not support bool"),
                        (lambda: bools.argmin(), "argmin\\(\\): does not support bool")]:
        with pytest.raises(RuntimeError, match=pattern):
            fn()
    out = nt.logsumexp(ints, 0)
    assert out.dtype == nt.float32
    np.testing.assert_allclose(out.numpy(), np.log(np.exp([1, 2]) + np.exp([3, 4])), rtol=1e-6)
