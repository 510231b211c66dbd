"""nn.CRF: the negative log-likelihood and Viterbi paths against brute-force enumeration of
all tag sequences, masks, reductions, gradient checks."""
import itertools

import numpy as np
import pytest

import neuronet as nt
from neuronet import nn
from neuronet.autograd import gradcheck

K = 3


def _crf(rng):
    crf = nn.CRF(K, dtype=nt.float64)
    with nt.no_grad():
        crf.transitions.copy_(nt.tensor(rng.standard_normal((K, K))))
        crf.start_transitions.copy_(nt.tensor(rng.standard_normal(K)))
        crf.end_transitions.copy_(nt.tensor(rng.standard_normal(K)))
    return crf


def _brute(crf, em, length, tags=None):
    """(log Z, best path, score of tags) by enumerating all K^length sequences."""
    tr = crf.transitions.detach().numpy()
    st, en = crf.start_transitions.detach().numpy(), crf.end_transitions.detach().numpy()

    def score(y):
        s = st[y[0]] + en[y[-1]] + sum(em[t, y[t]] for t in range(length))
        return s + sum(tr[y[t - 1], y[t]] for t in range(1, length))

    seqs = list(itertools.product(range(K), repeat=length))
    scores = np.array([score(y) for y in seqs])
    log_z = np.log(np.exp(scores - scores.max()).sum()) + scores.max()
    return log_z, list(seqs[int(scores.argmax())]), None if tags is None else score(tags)


@pytest.mark.parametrize("batch_first", [False, True])
def test_nll_and_decode_match_enumeration(batch_first, rng):
    crf = _crf(rng)
    crf.batch_first = batch_first
    lengths = [4, 2, 3, 1]
    em = rng.standard_normal((4, 4, K))  # (T, N, K)
    tags = rng.integers(0, K, (4, 4))
    mask = np.arange(4)[:, None] < np.array(lengths)[None, :]
    tags_in = np.where(mask, tags, 0)
    args = [em, tags_in, mask]
    if batch_first:
        args = [a.swapaxes(0, 1) for a in args]
    e, t, m = nt.tensor(args[0]), nt.tensor(args[1]), nt.tensor(args[2])
    nll = crf(e, t, m, reduction="none").detach().numpy()
    paths = crf.decode(e, m)
    for b, n in enumerate(lengths):
        log_z, best, gold = _brute(crf, em[:n, b], n, tags[:n, b].tolist())
        np.testing.assert_allclose(nll[b], log_z - gold, rtol=1e-12)
        assert paths[b] == best
    total = nll.sum()
    np.testing.assert_allclose(crf(e, t, m).item(), total, rtol=1e-12)
    np.testing.assert_allclose(crf(e, t, m, reduction="mean").item(), total / 4, rtol=1e-12)
    np.testing.assert_allclose(crf(e, t, m, reduction="token_mean").item(),
                               total / sum(lengths), rtol=1e-12)


def test_without_mask_all_steps_count(rng):
    crf = _crf(rng)
    em = rng.standard_normal((3, 2, K))
    tags = rng.integers(0, K, (3, 2))
    nll = crf(nt.tensor(em), nt.tensor(tags), reduction="none").detach().numpy()
    for b in range(2):
        log_z, best, gold = _brute(crf, em[:, b], 3, tags[:, b].tolist())
        np.testing.assert_allclose(nll[b], log_z - gold, rtol=1e-12)
    assert crf.decode(nt.tensor(em))[1] == _brute(crf, em[:, 1], 3)[1]


def test_gradients(rng):
    crf = _crf(rng)
    em = nt.tensor(rng.standard_normal((4, 3, K)), requires_grad=True)
    tags = nt.tensor(rng.integers(0, K, (4, 3)))
    mask = nt.tensor(np.arange(4)[:, None] < np.array([4, 1, 3])[None, :])

    def fn(em, *params):
        return crf(em, tags, mask, reduction="token_mean")

    assert gradcheck(fn, (em, *crf.parameters()))
    # the gradient of the NLL in the emissions is marginals minus the gold one-hot: the rows
    # of a real step sum to zero, padded steps get nothing
    crf(em, tags, mask).backward()
    g = em.grad.numpy()
    m = mask.numpy()
    np.testing.assert_allclose(g.sum(2)[m], 0, atol=1e-12)
    np.testing.assert_array_equal(g[~m], 0)


def test_extreme_emissions_stay_finite_without_warnings():
    crf = nn.CRF(K)
    em = nt.tensor(np.array([[[1e4, -1e4, 0.0]], [[-1e4, 1e4, 3e4]]], dtype=np.float32),
                   requires_grad=True)
    loss = crf(em, nt.tensor([[0], [2]]))
    assert np.isfinite(loss.item()) and loss.dtype == nt.float32
    loss.backward()
    assert np.isfinite(em.grad.numpy()).all()
    assert crf.decode(em) == [[0, 2]]


def test_errors_and_defaults():
    crf = nn.CRF(4)
    assert repr(crf) == "CRF(num_tags=4)"
    assert [n for n, _ in crf.named_parameters()] == \
        ["start_transitions", "end_transitions", "transitions"]
    assert abs(crf.transitions.detach().numpy()).max() <= 0.1
    em = nt.zeros(3, 2, 4)
    tags = nt.tensor(np.zeros((3, 2), dtype=np.int64))
    with pytest.raises(ValueError, match="expected last dimension of emissions is 4, got 3"):
        crf(nt.zeros(3, 2, 3), tags)
    with pytest.raises(ValueError, match="mask of the first timestep must all be on"):
        crf(em, tags, nt.tensor([[False, True], [False, True], [False, True]]))
    with pytest.raises(ValueError, match="mask must mark a prefix"):
        crf(em, tags, nt.tensor([[True, True], [False, True], [True, True]]))
    with pytest.raises(ValueError, match="invalid reduction"):
        crf(em, tags, reduction="max")
    with pytest.raises(ValueError, match="tags must lie in \\[0, 4\\)"):
        crf(em, tags + 4)
    with pytest.raises(ValueError, match="first two dimensions of emissions and tags"):
        crf(em, tags[:2])
