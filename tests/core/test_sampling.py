"""The samplers (multinomial, bernoulli, poisson, normal) and the random in-place fills:
their laws (seeded; tolerances of 5 standard errors of the sample), dtypes, shapes, gradients
and errors, the last against PyTorch."""
import itertools
import math

import numpy as np
import pytest

import neuronet as nt


def _gen(seed=0):
    return nt.Generator().manual_seed(seed)


def _within(observed, expected, se, k=5.0):
    assert abs(observed - expected) <= k * se, (observed, expected, se)


# ---------------------------------------------------------------------------- multinomial


def test_multinomial_with_replacement_draws_in_proportion_to_unnormalised_weights():
    weights = nt.tensor([2.0, 0.0, 5.0, 3.0])  # p = 0.2, 0, 0.5, 0.3
    n = 20000
    draws = nt.multinomial(weights, n, replacement=True, generator=_gen(1))
    assert draws.dtype == nt.int64 and draws.shape == (n,)
    counts = np.bincount(draws.numpy(), minlength=4)
    assert counts[1] == 0  # zero weight: never drawn
    for count, p in zip(counts, (0.2, 0.0, 0.5, 0.3)):
        _within(count / n, p, math.sqrt(p * (1 - p) / n))


def test_multinomial_two_dimensional_rows_are_independent_distributions():
    rows = nt.tensor([[1.0, 1.0, 0.0], [0.0, 1.0, 3.0]], dtype=nt.float64)
    n = 8000
    draws = rows.multinomial(n, replacement=True, generator=_gen(2))
    assert draws.shape == (2, n) and draws.dtype == nt.int64
    for row, probs in zip(draws.numpy(), ((0.5, 0.5, 0.0), (0.0, 0.25, 0.75))):
        counts = np.bincount(row, minlength=3)
        for count, p in zip(counts, probs):
            if p == 0:
                assert count == 0
            else:
                _within(count / n, p, math.sqrt(p * (1 - p) / n))


def test_multinomial_without_replacement_has_the_law_of_successive_draws():
    p = np.array([0.5, 0.3, 0.2])
    trials = 6000
    batch = nt.tensor(np.tile(p, (trials, 1)) * 7.0)  # unnormalised, one row per trial
    pairs = nt.multinomial(batch, 2, generator=_gen(3)).numpy()
    assert (pairs[:, 0] != pairs[:, 1]).all()
    for i, j in itertools.permutations(range(3), 2):
        expected = p[i] * p[j] / (1 - p[i])  # first i, then j among the rest
        observed = np.mean((pairs[:, 0] == i) & (pairs[:, 1] == j))
        _within(observed, expected, math.sqrt(expected * (1 - expected) / trials))


def test_multinomial_without_replacement_puts_zero_weights_last(torch):
    ours = nt.multinomial(nt.tensor([0.0, 1.0, 0.0, 2.0]), 4, generator=_gen(4)).numpy()
    assert sorted(ours[:2]) == [1, 3] and sorted(ours[2:]) == [0, 2]
    assert torch.multinomial(torch.tensor([1.0, 0.0]), 2).tolist() == \
        nt.multinomial(nt.tensor([1.0, 0.0]), 2).tolist() == [0, 1]


def test_multinomial_is_reproducible_and_outside_the_graph():
    w = nt.tensor([0.2, 0.3, 0.5], requires_grad=True)
    a = nt.multinomial(w, 10, True, generator=_gen(5))
    b = w.multinomial(10, replacement=True, generator=_gen(5))
    assert a.tolist() == b.tolist() and not a.requires_grad and a.grad_fn is None


MULTINOMIAL_ERRORS = [
    ("zero row", lambda m: m.multinomial(m.tensor([0.0, 0.0]), 1)),
    ("zero row 2-D", lambda m: m.multinomial(m.tensor([[1.0, 2.0], [0.0, 0.0]]), 1)),
    ("negative", lambda m: m.multinomial(m.tensor([-1.0, 2.0]), 1)),
    ("inf", lambda m: m.multinomial(m.tensor([math.inf, 2.0]), 1)),
    ("nan", lambda m: m.multinomial(m.tensor([math.nan, 2.0]), 1)),
    ("too many", lambda m: m.multinomial(m.tensor([1.0, 2.0]), 3)),
    ("no samples", lambda m: m.multinomial(m.tensor([1.0, 2.0]), 0)),
    ("3-D", lambda m: m.multinomial(m.ones(2, 2, 2), 1)),
    ("0-D", lambda m: m.multinomial(m.tensor(1.0), 1)),
    ("integers", lambda m: m.multinomial(m.tensor([1, 2]), 1)),
]


@pytest.mark.parametrize("case, call", MULTINOMIAL_ERRORS, ids=[c for c, _ in MULTINOMIAL_ERRORS])
def test_multinomial_refuses_what_pytorch_refuses_with_its_message(torch, case, call):
    with pytest.raises(RuntimeError) as theirs:
        call(torch)
    with pytest.raises(RuntimeError) as ours:
        call(nt)
    assert str(ours.value).startswith(str(theirs.value)), (str(ours.value), str(theirs.value))


# ---------------------------------------------------------------------- bernoulli, poisson


def test_bernoulli_draws_ones_with_each_entrys_probability():
    n = 20000
    probs = nt.tensor([[0.1] * n, [0.7] * n], dtype=nt.float64)
    out = nt.bernoulli(probs, generator=_gen(6))
    assert out.dtype == nt.float64 and out.shape == (2, n)
    assert set(np.unique(out.numpy())) <= {0.0, 1.0}
    for row, p in zip(out.numpy(), (0.1, 0.7)):
        _within(row.mean(), p, math.sqrt(p * (1 - p) / n))
    fixed = nt.bernoulli(nt.zeros(n), 0.25, generator=_gen(7))
    _within(fixed.numpy().mean(), 0.25, math.sqrt(0.25 * 0.75 / n))
    assert np.array_equal(nt.zeros(n).bernoulli(0.25, generator=_gen(7)).numpy(), fixed.numpy())


def test_bernoulli_and_poisson_have_pytorchs_zero_gradient(torch):
    for name, draw in (("bernoulli", lambda m, x: m.bernoulli(x * 0.5)),
                       ("poisson", lambda m, x: m.poisson(x * 3))):
        x = nt.ones(4, requires_grad=True)
        tx = torch.ones(4, requires_grad=True)
        out, tout = draw(nt, x), draw(torch, tx)
        assert out.requires_grad == tout.requires_grad, name
        out.sum().backward()
        tout.sum().backward()
        assert x.grad.tolist() == tx.grad.tolist() == [0.0] * 4, name


def test_poisson_counts_have_the_rates_mean_and_variance():
    n = 20000
    out = nt.poisson(nt.tensor([[0.5] * n, [12.0] * n]), generator=_gen(8))
    assert out.dtype == nt.float32 and out.shape == (2, n)
    for row, lam in zip(out.numpy(), (0.5, 12.0)):
        assert (row == np.round(row)).all() and (row >= 0).all()
        _within(row.mean(), lam, math.sqrt(lam / n))
        # the variance of a sample variance of a Poisson: (lam + 2 lam^2) / n, nearly
        _within(row.var(), lam, math.sqrt((lam + 2 * lam**2) / n))
    assert nt.poisson(nt.zeros(3)).tolist() == [0.0, 0.0, 0.0]


OTHER_ERRORS = [
    ("bernoulli p > 1", lambda m: m.bernoulli(m.tensor([1.5])), RuntimeError, False),
    ("bernoulli int", lambda m: m.bernoulli(m.tensor([1, 0])), NotImplementedError, False),
    ("poisson negative", lambda m: m.poisson(m.tensor([-1.0])), RuntimeError, True),
    ("poisson nan", lambda m: m.poisson(m.tensor([math.nan])), RuntimeError, True),
    ("poisson int", lambda m: m.poisson(m.tensor([1, 2])), NotImplementedError, False),
    ("normal std tensor", lambda m: m.normal(m.zeros(1), m.tensor([-1.0])), RuntimeError, True),
    ("normal std nan", lambda m: m.normal(m.zeros(2), m.tensor([1.0, math.nan])),
     RuntimeError, True),
    ("normal std float", lambda m: m.normal(0.0, -1.0, size=(2,)), RuntimeError, True),
    ("normal shapes", lambda m: m.normal(m.zeros(4), m.ones(2)), RuntimeError, False),
    ("normal int mean", lambda m: m.normal(m.tensor([1, 2]), 1.0), NotImplementedError, False),
    ("normal no size", lambda m: m.normal(0.0, 1.0), TypeError, False),
    ("normal_ std", lambda m: m.empty(2).normal_(0, -1), RuntimeError, True),
    ("uniform_ range", lambda m: m.empty(2).uniform_(2, 1), RuntimeError, True),
    ("uniform_ int", lambda m: m.empty(2, dtype=m.int64).uniform_(), NotImplementedError, False),
    ("bernoulli_ p", lambda m: m.empty(2).bernoulli_(1.5), RuntimeError, True),
    ("exponential_ lambda", lambda m: m.empty(2).exponential_(0), RuntimeError, True),
    ("exponential_ int", lambda m: m.empty(2, dtype=m.int64).exponential_(), RuntimeError, True),
    ("geometric_ p 0", lambda m: m.empty(2).geometric_(0), RuntimeError, True),
    ("geometric_ p 1", lambda m: m.empty(2).geometric_(1), RuntimeError, True),
    ("cauchy_ sigma", lambda m: m.empty(2).cauchy_(0, 0), RuntimeError, True),
    ("log_normal_ std", lambda m: m.empty(2).log_normal_(0, -1), RuntimeError, True),
    ("random_ range", lambda m: m.empty(2).random_(5, 2), RuntimeError, True),
    ("random_ uint8 bound", lambda m: m.empty(2, dtype=m.uint8).random_(-3, 2),
     RuntimeError, False),
    ("randint range", lambda m: m.randint(5, 2, (3,)), RuntimeError, True),
]


@pytest.mark.parametrize("case, call, error, same_text", OTHER_ERRORS,
                         ids=[c[0] for c in OTHER_ERRORS])
def test_samplers_refuse_what_pytorch_refuses(torch, case, call, error, same_text):
    with pytest.raises(error) as theirs:
        call(torch)
    with pytest.raises(error) as ours:
        call(nt)
    if same_text:
        assert str(ours.value).startswith(str(theirs.value)), (str(ours.value), str(theirs.value))


# -------------------------------------------------------------------------------- normal


NORMAL_FORMS = [
    ("tensor, tensor", lambda m: m.normal(m.zeros(2), m.ones(3, 2))),
    ("tensor, float", lambda m: m.normal(m.zeros(2, 3, dtype=m.float64), 2.0)),
    ("tensor", lambda m: m.normal(m.zeros(4))),
    ("float, tensor", lambda m: m.normal(1.0, m.ones(5))),
    ("mixed dtypes", lambda m: m.normal(m.zeros(2, dtype=m.float64), m.ones(2))),
    ("floats, size", lambda m: m.normal(0.0, 1.0, (2, 3))),
    ("floats, size, dtype", lambda m: m.normal(0.0, 1.0, size=(4,), dtype=m.float64)),
    ("0-d tensors", lambda m: m.normal(m.tensor(0.0), m.tensor(1.0))),
]


@pytest.mark.parametrize("form, call", NORMAL_FORMS, ids=[f for f, _ in NORMAL_FORMS])
def test_normal_forms_give_pytorchs_shapes_and_dtypes(torch, form, call):
    ours, theirs = call(nt), call(torch)
    assert tuple(ours.shape) == tuple(theirs.shape)
    assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]


def test_normal_has_the_means_and_stds_given():
    n = 20000
    mean = nt.tensor([[-3.0], [10.0]], dtype=nt.float64)
    std = nt.tensor([0.5, 2.0, 4.0], dtype=nt.float64)
    out = nt.normal(mean.expand(2, 3).repeat(1, n) * 1.0, std.repeat(n).reshape(1, -1),
                    generator=_gen(9)).numpy()
    for r, m in enumerate((-3.0, 10.0)):
        for c, s in enumerate((0.5, 2.0, 4.0)):
            column = out[r, c::3]
            _within(column.mean(), m, s / math.sqrt(n))
            _within(column.std(), s, s / math.sqrt(2 * n))
    floats = nt.normal(2.0, 3.0, (n,), generator=_gen(10)).numpy()
    _within(floats.mean(), 2.0, 3.0 / math.sqrt(n))
    assert nt.normal(nt.ones(3), 0.0).tolist() == [1.0, 1.0, 1.0]


def test_normal_gradients_are_pytorchs_zeros(torch):
    mean = nt.randn(3, 1, dtype=nt.float64, requires_grad=True)
    std = (nt.rand(4, dtype=nt.float64) + 0.5).requires_grad_()
    tmean = torch.tensor(mean.tolist(), dtype=torch.float64, requires_grad=True)
    tstd = torch.tensor(std.tolist(), dtype=torch.float64, requires_grad=True)
    (nt.normal(mean, std) * 3).sum().backward()
    (torch.normal(tmean, tstd) * 3).sum().backward()
    assert mean.grad.tolist() == tmean.grad.tolist() == [[0.0]] * 3
    assert std.grad.tolist() == tstd.grad.tolist() == [0.0] * 4
    (gm,) = nt.autograd.grad((nt.normal(mean, std) * mean).sum(), mean, create_graph=True)
    (tgm,) = torch.autograd.grad((torch.normal(tmean, tstd) * tmean).sum(), tmean,
                                 create_graph=True)
    assert gm.shape == tuple(tgm.shape) and gm.requires_grad == tgm.requires_grad
    assert nt.normal(mean, std).grad_fn.name == "NormalBackward3"
    assert nt.normal(mean, 1.0).grad_fn.name == "NormalBackward1"
    assert nt.normal(0.0, std).grad_fn.name == "NormalBackward2"


# ------------------------------------------------------------------------ in-place fills


def test_in_place_fills_have_their_laws():
    n = 40000
    u = nt.empty(n, dtype=nt.float64).uniform_(-2.0, 6.0, generator=_gen(14)).numpy()
    assert u.min() >= -2.0 and u.max() < 6.0
    _within(u.mean(), 2.0, 8 / math.sqrt(12 * n))
    z = nt.empty(n).normal_(1.0, 3.0, generator=_gen(15)).numpy()
    _within(z.mean(), 1.0, 3 / math.sqrt(n))
    e = nt.empty(n).exponential_(4.0, generator=_gen(16)).numpy()
    assert e.min() >= 0
    _within(e.mean(), 0.25, 0.25 / math.sqrt(n))
    g = nt.empty(n).geometric_(0.2, generator=_gen(17)).numpy()
    assert g.min() >= 1 and (g == np.round(g)).all()
    _within(g.mean(), 5.0, math.sqrt(0.8 / 0.04 / n))  # mean 1/p, variance (1-p)/p^2
    c = nt.empty(n).cauchy_(3.0, 2.0, generator=_gen(18)).numpy()
    # the sample median of a Cauchy: standard error sigma * pi / (2 sqrt(n))
    _within(np.median(c), 3.0, 2.0 * math.pi / (2 * math.sqrt(n)))
    ln = nt.empty(n).log_normal_(0.5, 0.25, generator=_gen(19)).numpy()
    assert ln.min() > 0
    _within(np.log(ln).mean(), 0.5, 0.25 / math.sqrt(n))
    b = nt.empty(n, dtype=nt.int64).bernoulli_(0.3, generator=_gen(20)).numpy()
    assert set(np.unique(b)) == {0, 1}
    _within(b.mean(), 0.3, math.sqrt(0.21 / n))
    bt = nt.empty(2, n).bernoulli_(nt.tensor([[0.0], [1.0]])).numpy()
    assert (bt[0] == 0).all() and (bt[1] == 1).all()


def test_random_fills_integers_in_pytorchs_ranges():
    n = 30000
    r = nt.empty(n).random_(10, generator=_gen(21)).numpy()
    assert r.min() == 0 and r.max() == 9 and (r == np.round(r)).all()
    r = nt.empty(n, dtype=nt.int64).random_(-3, 2, generator=_gen(22)).numpy()
    assert set(np.unique(r)) == {-3, -2, -1, 0, 1}
    full = nt.empty(n).random_(generator=_gen(23)).numpy()
    assert full.min() >= 0 and full.max() <= 2**24 and full.max() > 2**23
    assert set(np.unique(nt.empty(n, dtype=nt.bool).random_().numpy())) == {False, True}
    u8 = nt.empty(n, dtype=nt.uint8).random_().numpy()
    assert u8.min() == 0 and u8.max() == 255


def test_in_place_fills_keep_dtype_bump_the_version_and_return_self():
    t = nt.zeros(5, dtype=nt.float64)
    version = t._version
    for fill in (t.uniform_, t.normal_, t.exponential_, t.cauchy_, t.log_normal_):
        assert fill() is t and t.dtype == nt.float64
    assert t._version == version + 5


def test_a_fill_in_the_graph_gives_a_zero_gradient(torch):
    x = nt.ones(3, requires_grad=True)
    tx = torch.ones(3, requires_grad=True)
    y, ty = x * 2, tx * 2
    y.normal_()
    ty.normal_()
    (y + x).sum().backward()
    (ty + tx).sum().backward()
    assert x.grad.tolist() == tx.grad.tolist() == [1.0, 1.0, 1.0]
