"""Plain SGD on an embedding's row gradient writes only the looked-up rows, with the numbers of
the full update; every reader sees the usual dense gradient, and reading it changes nothing."""
import numpy as np
import pytest

import neuronet as nt
from neuronet import nn, optim
from neuronet.optim import sgd


def _bits(a):
    return a.view(f"u{a.itemsize}")  # compares signed zeros and NaN payloads too


@pytest.fixture
def row_updates(monkeypatch):
    """Counts the updates that took the rows-only path."""
    calls = []

    def counting(*args):
        taken = original(*args)
        if taken:
            calls.append(1)
        return taken
    original = sgd.sgd_rows_step
    monkeypatch.setattr(sgd, "sgd_rows_step", counting)
    return calls


def _train(steps, dtype, dense_grad=False, read_grad=False, fortran=False, vocab=1000,
           **sgd_options):
    """Lookups of ids below 40 (96 per step: many repeats) in a table of ``vocab`` rows."""
    rng = np.random.default_rng(7)
    nt.manual_seed(7)
    emb = nn.Embedding(vocab, 6, padding_idx=3, dtype=dtype)
    emb.weight.data[[10, vocab - 1]] = -0.0  # signed zeros, looked up and never looked up
    if fortran:
        emb.weight._data = np.asfortranarray(emb.weight._data)
    opt = optim.SGD(emb.parameters(), lr=0.1, **sgd_options)
    for _ in range(steps):
        windows = nt.tensor(rng.integers(0, 40, (16, 5)))
        corrupt = nt.tensor(rng.integers(0, 40, (16,)))
        opt.zero_grad()
        e, c = emb(windows), emb(corrupt)
        ((e * e).sum() + e.sum() * 0.5 - (c * c).sum()).backward()
        if read_grad:
            emb.weight.grad.numpy()  # reading the gradient changes nothing
        if dense_grad:  # a new array, of the same values: the whole table is updated
            emb.weight.grad._data = emb.weight.grad._data.copy()
        opt.step()
    return emb


@pytest.mark.parametrize("dtype", [nt.float32, nt.float64])
def test_rows_only_update_equals_the_full_update_bit_for_bit(dtype, row_updates):
    full = _train(12, dtype, dense_grad=True).weight._data
    assert not row_updates
    rows_only = _train(12, dtype, read_grad=True).weight._data
    assert len(row_updates) == 12
    np.testing.assert_array_equal(_bits(rows_only), _bits(full))
    assert np.signbit(rows_only[-1]).all()


def test_rows_covering_more_than_an_eighth_of_the_table_take_the_full_update(row_updates):
    unread = _train(3, nt.float32, vocab=60).weight.data  # 576 entries written of 360
    assert not row_updates
    full = _train(3, nt.float32, vocab=60, dense_grad=True).weight._data
    np.testing.assert_array_equal(unread, full)


def test_the_gradient_reads_as_the_dense_gradient_after_the_rows_only_step(row_updates):
    emb = nn.Embedding(64, 2, dtype=nt.float64)
    opt = optim.SGD(emb.parameters(), lr=0.5)
    ids = np.array([[1, 4], [4, 4]])
    upstream = np.arange(8.0).reshape(2, 2, 2)
    before = emb.weight._data.copy()
    (emb(nt.tensor(ids)) * nt.tensor(upstream)).sum().backward()
    assert isinstance(emb.weight.grad, nt.Tensor)
    opt.step()
    assert row_updates == [1]
    want = np.zeros((64, 2))
    np.add.at(want, ids.reshape(-1), upstream.reshape(-1, 2))
    np.testing.assert_array_equal(emb.weight.grad.numpy(), want)
    np.testing.assert_array_equal(emb.weight.grad.shape, (64, 2))
    np.testing.assert_array_equal(emb.weight.data, before - 0.5 * want)


@pytest.mark.parametrize("options", [dict(momentum=0.9), dict(weight_decay=0.01),
                                     dict(maximize=True)])
def test_momentum_weight_decay_and_maximize_update_the_whole_table(options, row_updates):
    rows_only = _train(3, nt.float64, **options).weight._data
    full = _train(3, nt.float64, dense_grad=True, **options).weight._data
    assert not row_updates
    np.testing.assert_array_equal(rows_only, full)


def test_a_non_contiguous_table_takes_the_full_update(row_updates):
    unread = _train(3, nt.float32, fortran=True).weight._data
    assert not row_updates
    np.testing.assert_array_equal(unread, _train(3, nt.float32, dense_grad=True).weight.data)


def test_zero_grad_in_place_and_accumulation_see_the_dense_gradient():
    emb = nn.Embedding(5, 2, dtype=nt.float64)
    opt = optim.SGD(emb.parameters(), lr=0.1)
    emb(nt.tensor([0, 0, 3])).sum().backward()
    opt.zero_grad(set_to_none=False)
    np.testing.assert_array_equal(emb.weight.grad.numpy(), np.zeros((5, 2)))
    emb(nt.tensor([3, 1])).sum().backward()
    emb(nt.tensor([1])).sum().backward()
    want = np.zeros((5, 2))
    want[[1, 3]] = [[2.0, 2.0], [1.0, 1.0]]
    np.testing.assert_array_equal(emb.weight.grad.numpy(), want)


def test_an_in_place_write_into_the_gradient_takes_the_full_update(row_updates):
    emb = nn.Embedding(64, 2, dtype=nt.float64)
    opt = optim.SGD(emb.parameters(), lr=0.5)
    before = emb.weight._data.copy()
    emb(nt.tensor([1, 4])).sum().backward()
    emb.weight.grad.add_(1.0)  # nonzero everywhere now: the rows alone would be wrong
    opt.step()
    assert not row_updates
    want = np.ones((64, 2))
    want[[1, 4]] += 1.0
    np.testing.assert_array_equal(emb.weight.data, before - 0.5 * want)


def test_the_gradient_is_a_plain_tensor_whose_data_reads_without_effect():
    emb = nn.Embedding(8, 3, dtype=nt.float64)
    emb(nt.tensor([2, 2, 5])).sum().backward()
    grad = emb.weight.grad
    assert type(grad) is nt.Tensor
    first = grad._data
    view = grad.data  # a tensor over the same memory, cut from the graph
    assert type(view) is nt.Tensor and not view.requires_grad and view.grad_fn is None
    assert np.shares_memory(view.numpy(), first)
    assert grad._data is first  # reading .data makes no new array for the gradient
    want = np.zeros((8, 3))
    want[2], want[5] = 2.0, 1.0
    np.testing.assert_array_equal(first, want)


def test_a_write_through_grad_data_takes_the_full_update():
    """Writing into ``p.grad.data`` changes the gradient's memory: the record of which rows it
    holds no longer stands, and SGD updates the whole table by the written gradient."""
    emb = nn.Embedding(8, 3, dtype=nt.float64)
    opt = nt.optim.SGD(emb.parameters(), lr=0.5)
    emb(nt.tensor([2, 5])).sum().backward()
    before = emb.weight._data.copy()
    emb.weight.grad.data.fill_(1.0)
    opt.step()
    np.testing.assert_array_equal(emb.weight._data, before - 0.5)
