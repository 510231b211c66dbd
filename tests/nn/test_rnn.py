"""Recurrent layers and cells: gradient checks in float64 for inputs, initial states and every
parameter, and values and gradients against PyTorch (padded, packed, bidirectional,
multi-layer, proj_size, batch_first, unbatched), state_dicts both ways."""
import math

import numpy as np
import pytest

import neuronet as nt
from neuronet import nn
from neuronet.autograd import gradcheck
from neuronet.nn.utils import rnn as R

# (class, constructor options): every mode and the layouts that change the computation
CONFIGS = [
    ("RNN", {}),
    ("RNN", {"nonlinearity": "relu", "bias": False}),
    ("LSTM", {}),
    ("LSTM", {"proj_size": 2, "num_layers": 2, "bidirectional": True}),
    ("GRU", {"num_layers": 2, "bidirectional": True}),
    ("GRU", {"bias": False, "batch_first": True}),
]


def _run(model, x, states):
    out, h = model(x, states)
    return out, (h if isinstance(h, tuple) else (h,))


def _weighted(out, hs, weights):
    """A scalar that reads every output element with its own weight."""
    data = out.data if isinstance(out, R.PackedSequence) else out
    total = (data * weights[0]).sum()
    for h, w in zip(hs, weights[1:]):
        total = total + (h * w).sum()
    return total


def _states(cls, model, batch, rng, unbatched=False):
    layers = model.num_layers * (2 if model.bidirectional else 1)
    h_out = model.proj_size or model.hidden_size
    lead = (layers,) if unbatched else (layers, batch)
    shapes = [(*lead, h_out)] + ([(*lead, model.hidden_size)] if cls == "LSTM" else [])
    return [rng.standard_normal(s) for s in shapes]


@pytest.mark.parametrize("cls,kwargs", CONFIGS)
@pytest.mark.parametrize("packed", [False, True])
def test_gradients_of_inputs_states_and_parameters(cls, kwargs, packed, rng):
    model = getattr(nn, cls)(3, 3, dtype=nt.float64, **kwargs)
    batch_first = kwargs.get("batch_first", False)
    shape = (3, 4, 3) if batch_first else (4, 3, 3)
    x = nt.tensor(rng.standard_normal(shape), requires_grad=True)
    states = [nt.tensor(s, requires_grad=True) for s in _states(cls, model, 3, rng)]
    params = list(model.parameters())
    probe_out, probe_h = _run(model, x, states[0] if cls != "LSTM" else tuple(states))
    weights = [nt.tensor(rng.standard_normal(t.shape))
               for t in [probe_out, *probe_h]]
    lengths = [4, 2, 3]

    def fn(x, *rest):
        hx = rest[0] if cls != "LSTM" else (rest[0], rest[1])
        inp = R.pack_padded_sequence(x, lengths, batch_first, enforce_sorted=False) if packed \
            else x
        out, hs = _run(model, inp, hx)
        if packed:
            out = R.pad_packed_sequence(out, batch_first)[0]
        return _weighted(out, hs, weights)

    assert gradcheck(fn, (x, *states, *params))


def _pair(torch, cls, kwargs, dtype=None):
    theirs = getattr(torch.nn, cls)(3, 5, **kwargs).double()
    ours = getattr(nn, cls)(3, 5, dtype=nt.float64, **kwargs)
    ours.load_state_dict({k: nt.tensor(v.detach().numpy()) for k, v in
                          theirs.state_dict().items()})
    return ours, theirs


def _compare(ours, theirs, torch, go, gt, inputs, rtol=1e-9):
    """Values compared, then gradients of the inputs and every parameter."""
    for a, b in zip(go, gt):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=rtol,
                                   atol=1e-12)
    for a, b in inputs:
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=rtol, atol=1e-12)
    for (name, p), (tname, tp) in zip(ours.named_parameters(), theirs.named_parameters()):
        assert name == tname
        np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), rtol=rtol, atol=1e-11,
                                   err_msg=name)


@pytest.mark.parametrize("cls,kwargs", CONFIGS + [
    ("LSTM", {"batch_first": True, "num_layers": 3, "proj_size": 3}),
    ("RNN", {"bidirectional": True, "num_layers": 2, "nonlinearity": "relu"}),
])
@pytest.mark.parametrize("with_states", [False, True])
def test_padded_batches_match_pytorch(cls, kwargs, with_states, torch, rng):
    ours, theirs = _pair(torch, cls, kwargs)
    shape = (4, 6, 3) if kwargs.get("batch_first") else (6, 4, 3)
    x = rng.standard_normal(shape)
    xo, xt = nt.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    pairs = [(xo, xt)]
    so = st = None
    if with_states:
        s = _states(cls, ours, 4, rng)
        so = [nt.tensor(a, requires_grad=True) for a in s]
        st = [torch.tensor(a, requires_grad=True) for a in s]
        pairs += list(zip(so, st))
        so, st = (tuple(so), tuple(st)) if cls == "LSTM" else (so[0], st[0])
    oo, ho = _run(ours, xo, so)
    ot, ht = _run(theirs, xt, st)
    ws = [rng.standard_normal(tuple(t.shape)) for t in [ot, *ht]]
    _weighted(oo, ho, [nt.tensor(w) for w in ws]).backward()
    _weighted(ot, ht, [torch.tensor(w) for w in ws]).backward()
    _compare(ours, theirs, torch, [oo, *ho], [ot, *ht], pairs)


@pytest.mark.parametrize("cls,kwargs", [
    ("LSTM", {"num_layers": 2, "bidirectional": True, "proj_size": 2, "batch_first": True}),
    ("GRU", {"bidirectional": True}),
    ("RNN", {"num_layers": 2}),
])
@pytest.mark.parametrize("enforce_sorted", [True, False])
def test_packed_batches_match_pytorch(cls, kwargs, enforce_sorted, torch, rng):
    tr = torch.nn.utils.rnn
    ours, theirs = _pair(torch, cls, kwargs)
    bf = kwargs.get("batch_first", False)
    lengths = [6, 4, 4, 1] if enforce_sorted else [3, 6, 1, 4]
    x = rng.standard_normal((4, 7, 3) if bf else (7, 4, 3))
    xo, xt = nt.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    s = _states(cls, ours, 4, rng)
    so = [nt.tensor(a, requires_grad=True) for a in s]
    st = [torch.tensor(a, requires_grad=True) for a in s]
    po = R.pack_padded_sequence(xo, lengths, bf, enforce_sorted)
    pt = tr.pack_padded_sequence(xt, torch.tensor(lengths), bf, enforce_sorted)
    np.testing.assert_array_equal(po.batch_sizes.numpy(), pt.batch_sizes.numpy())
    assert po.batch_sizes.dtype == nt.int64
    np.testing.assert_allclose(po.data.detach().numpy(), pt.data.detach().numpy())
    if enforce_sorted:
        assert po.sorted_indices is None and po.unsorted_indices is None
    else:
        np.testing.assert_array_equal(po.sorted_indices.numpy(), pt.sorted_indices.numpy())
        np.testing.assert_array_equal(po.unsorted_indices.numpy(), pt.unsorted_indices.numpy())
    oo, ho = _run(ours, po, tuple(so) if cls == "LSTM" else so[0])
    ot, ht = _run(theirs, pt, tuple(st) if cls == "LSTM" else st[0])
    assert isinstance(oo, R.PackedSequence)
    pado, leno = R.pad_packed_sequence(oo, bf, padding_value=-2.0, total_length=8)
    padt, lent = tr.pad_packed_sequence(ot, bf, padding_value=-2.0, total_length=8)
    np.testing.assert_array_equal(leno.numpy(), lent.numpy())
    assert leno.dtype == nt.int64
    ws = [rng.standard_normal(tuple(t.shape)) for t in [padt, *ht]]
    _weighted(pado, ho, [nt.tensor(w) for w in ws]).backward()
    _weighted(padt, ht, [torch.tensor(w) for w in ws]).backward()
    _compare(ours, theirs, torch, [pado, *ho], [padt, *ht], [(xo, xt), *zip(so, st)])


def test_packed_final_state_is_each_sequences_last_step(rng):
    """h_n of a packed batch equals running each sequence alone (in the batch's order)."""
    model = nn.GRU(2, 3, dtype=nt.float64)
    seqs = [nt.tensor(rng.standard_normal((n, 2))) for n in (2, 5, 3)]
    _, h = model(R.pack_sequence(seqs, enforce_sorted=False))
    for i, s in enumerate(seqs):
        _, hi = model(s)
        np.testing.assert_allclose(h[0, i].detach().numpy(), hi[0].detach().numpy(), rtol=1e-12)


@pytest.mark.parametrize("cls", ["RNN", "LSTM", "GRU"])
def test_unbatched_input_matches_pytorch(cls, torch, rng):
    ours, theirs = _pair(torch, cls, {"num_layers": 2})
    x = rng.standard_normal((5, 3))
    s = _states(cls, ours, 1, rng, unbatched=True)
    so = tuple(nt.tensor(a) for a in s)
    st = tuple(torch.tensor(a) for a in s)
    oo, ho = _run(ours, nt.tensor(x), so if cls == "LSTM" else so[0])
    ot, ht = _run(theirs, torch.tensor(x), st if cls == "LSTM" else st[0])
    assert tuple(oo.shape) == (5, 5) and tuple(ho[0].shape) == (2, 5)
    for a, b in zip([oo, *ho], [ot, *ht]):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-10)


@pytest.mark.parametrize("cls,kwargs", [("RNNCell", {}), ("RNNCell", {"nonlinearity": "relu"}),
                                        ("LSTMCell", {}), ("GRUCell", {}),
                                        ("GRUCell", {"bias": False})])
def test_cells_match_pytorch_and_gradcheck(cls, kwargs, torch, rng):
    ours, theirs = _pair(torch, cls, kwargs)
    lstm = cls == "LSTMCell"
    x = rng.standard_normal((4, 3))
    s = [rng.standard_normal((4, 5)) for _ in range(2 if lstm else 1)]
    xo, xt = nt.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    so = [nt.tensor(a, requires_grad=True) for a in s]
    st = [torch.tensor(a, requires_grad=True) for a in s]
    yo = ours(xo, tuple(so) if lstm else so[0])
    yt = theirs(xt, tuple(st) if lstm else st[0])
    yo, yt = (yo if lstm else (yo,)), (yt if lstm else (yt,))
    ws = [rng.standard_normal((4, 5)) for _ in yo]
    sum((a * nt.tensor(w)).sum() for a, w in zip(yo, ws)).backward()
    sum((a * torch.tensor(w)).sum() for a, w in zip(yt, ws)).backward()
    _compare(ours, theirs, torch, yo, yt, [(xo, xt), *zip(so, st)])
    # no state given: zeros; unbatched input
    np.testing.assert_allclose(
        (ours(nt.tensor(x[0]))[0] if lstm else ours(nt.tensor(x[0]))).detach().numpy(),
        (theirs(torch.tensor(x[0]))[0] if lstm else theirs(torch.tensor(x[0]))).detach().numpy(),
        rtol=1e-10)
    params = list(ours.parameters())
    xg = nt.tensor(x[:2], requires_grad=True)
    sg = [nt.tensor(a[:2], requires_grad=True) for a in s]

    def fn(x, *rest):
        out = ours(x, tuple(rest[:2]) if lstm else rest[0])
        out = out if lstm else (out,)
        return sum((a * nt.tensor(w[:2])).sum() for a, w in zip(out, ws))

    assert gradcheck(fn, (xg, *sg, *params))


def test_parameter_names_shapes_and_default_init(torch):
    ours = nn.LSTM(3, 6, num_layers=2, bidirectional=True, proj_size=2)
    theirs = torch.nn.LSTM(3, 6, num_layers=2, bidirectional=True, proj_size=2)
    assert [(n, tuple(p.shape)) for n, p in ours.named_parameters()] == \
        [(n, tuple(p.shape)) for n, p in theirs.named_parameters()]
    big = nn.GRU(10, 400, bias=True)
    bound = 1 / math.sqrt(400)
    for name, p in big.named_parameters():
        v = p.detach().numpy()
        assert v.dtype == np.float32
        assert -bound <= v.min() < -0.9 * bound and 0.9 * bound < v.max() <= bound, name
    assert [n for n, _ in nn.RNN(2, 3, bias=False).named_parameters()] == \
        ["weight_ih_l0", "weight_hh_l0"]
    assert [n for n, _ in nn.LSTMCell(2, 3).named_parameters()] == \
        ["weight_ih", "weight_hh", "bias_ih", "bias_hh"]


def test_state_dicts_load_both_ways(torch, rng):
    theirs = torch.nn.LSTM(3, 4, num_layers=2, bidirectional=True, batch_first=True)
    ours = nn.LSTM(3, 4, num_layers=2, bidirectional=True, batch_first=True)
    ours.load_state_dict({k: nt.tensor(v.numpy()) for k, v in theirs.state_dict().items()})
    x = rng.standard_normal((2, 5, 3)).astype(np.float32)
    np.testing.assert_allclose(ours(nt.tensor(x))[0].detach().numpy(),
                               theirs(torch.tensor(x))[0].detach().numpy(), rtol=1e-5,
                               atol=1e-6)
    fresh = nn.LSTM(3, 4, num_layers=2, bidirectional=True, batch_first=True)
    theirs.load_state_dict({k: torch.tensor(v.numpy()) for k, v in fresh.state_dict().items()})
    out = fresh(nt.tensor(x))[1][1]
    assert out.dtype == nt.float32
    np.testing.assert_allclose(out.detach().numpy(),
                               theirs(torch.tensor(x))[1][1].detach().numpy(), rtol=1e-5,
                               atol=1e-6)


def test_float32_stays_float32_and_dropout_between_layers(rng):
    model = nn.LSTM(3, 4, num_layers=3, dropout=0.5)
    x = nt.tensor(rng.standard_normal((5, 2, 3)).astype(np.float32), requires_grad=True)
    out, (h, c) = model(x)
    assert out.dtype == h.dtype == c.dtype == nt.float32
    out.sum().backward()
    assert x.grad.dtype == nt.float32
    assert all(p.grad.dtype == nt.float32 for p in model.parameters())
    model.eval()
    a, b = model(x)[0], model(x)[0]
    np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())
    model.train()
    nt.manual_seed(1)
    c1 = model(x)[0].detach().numpy()
    assert not np.allclose(c1, a.detach().numpy())
    # p = 1 zeroes layer 0's output in training, so layer 1 no longer sees the input
    gru = nn.GRU(3, 4, num_layers=2, dropout=1.0)
    other = nt.tensor(rng.standard_normal((5, 2, 3)).astype(np.float32))
    np.testing.assert_array_equal(gru(x)[0].detach().numpy(), gru(other)[0].detach().numpy())
    gru.eval()
    assert not np.allclose(gru(x)[0].detach().numpy(), gru(other)[0].detach().numpy())


def test_extreme_inputs_give_no_warnings():
    for cls in ("RNN", "LSTM", "GRU"):
        model = getattr(nn, cls)(2, 3, dtype=nt.float64)
        x = nt.tensor(np.array([[[1e4, -1e4]], [[-1e4, 1e4]]]), requires_grad=True)
        out, _ = model(x)
        assert np.isfinite(out.detach().numpy()).all()
        out.sum().backward()
        assert np.isfinite(x.grad.numpy()).all()


def test_errors_name_the_problem():
    lstm = nn.LSTM(3, 4, num_layers=2)
    with pytest.raises(RuntimeError, match="input.size\\(-1\\) must be equal to input_size. "
                                           "Expected 3, got 5"):
        lstm(nt.zeros(2, 1, 5))
    with pytest.raises(ValueError, match="Expected input to be 2D or 3D, got 4D"):
        lstm(nt.zeros(2, 1, 1, 3))
    with pytest.raises(RuntimeError, match=r"Expected hidden\[0\] size \(2, 1, 4\), got \[1, 1, "
                                           r"4\]"):
        lstm(nt.zeros(2, 1, 3), (nt.zeros(1, 1, 4), nt.zeros(2, 1, 4)))
    with pytest.raises(RuntimeError, match="For batched 3-D input, hx and cx should also be 3-D"):
        lstm(nt.zeros(2, 1, 3), (nt.zeros(2, 4), nt.zeros(2, 4)))
    with pytest.raises(ValueError, match="proj_size argument is only supported for LSTM"):
        nn.RNNBase("GRU", 3, 4, proj_size=2)
    with pytest.raises(ValueError, match="proj_size has to be smaller than hidden_size"):
        nn.LSTM(3, 4, proj_size=4)
    with pytest.raises(ValueError, match="Unknown nonlinearity 'gelu'"):
        nn.RNN(3, 4, nonlinearity="gelu")
    with pytest.warns(UserWarning, match="non-zero dropout expects num_layers greater than 1"):
        nn.GRU(3, 4, dropout=0.2)
    with pytest.raises(RuntimeError, match="input must have the type"):
        lstm(nt.zeros(2, 1, 3, dtype=nt.float64))
    with pytest.raises(RuntimeError, match="input has inconsistent input_size: got 2 expected 3"):
        nn.GRUCell(3, 4)(nt.zeros(5, 2))
    with pytest.raises(RuntimeError, match="Input batch size 5 doesn't match hidden0 batch"):
        nn.GRUCell(3, 4)(nt.zeros(5, 3), nt.zeros(2, 4))
    x = nt.zeros(2, 1, 3, requires_grad=True)
    out = lstm(x)[0].sum()
    with pytest.raises(RuntimeError, match="create_graph=True cannot differentiate"):
        nt.autograd.grad(out, x, create_graph=True)


def test_repr():
    assert repr(nn.LSTM(3, 4, num_layers=2, batch_first=True, bidirectional=True)) == \
        "LSTM(3, 4, num_layers=2, batch_first=True, bidirectional=True)"
    assert repr(nn.GRUCell(3, 4, bias=False)) == "GRUCell(3, 4, bias=False)"
