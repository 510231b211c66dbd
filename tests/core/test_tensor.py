"""Tensor attributes, factories, dtypes, conversions, repr and error messages."""
import numpy as np
import pytest

import neuronet as nt


def test_dtype_rules_match_pytorch():
    assert nt.tensor([1.0, 2.0]).dtype == nt.float32
    assert nt.tensor([1, 2]).dtype == nt.int64
    assert nt.tensor([True]).dtype == nt.bool
    assert nt.tensor([1, 2.5]).dtype == nt.float32
    assert nt.tensor(np.zeros(2, dtype=np.float64)).dtype == nt.float64
    assert nt.tensor(np.zeros(2, dtype=np.int32)).dtype == nt.int32
    nt.set_default_dtype(nt.float64)
    assert nt.tensor([1.0]).dtype == nt.float64 and nt.zeros(1).dtype == nt.float64
    nt.set_default_dtype(nt.float32)
    with pytest.raises(TypeError, match="floating point"):
        nt.set_default_dtype(nt.int64)


def test_type_promotion_matches_pytorch(torch):
    cases = [(np.float32, np.float64), (np.int64, np.float32), (np.int32, np.int64),
             (np.bool_, np.int64), (np.bool_, np.float32)]
    for da, db in cases:
        for shape_b in [(2,), ()]:
            a = np.ones(2, dtype=da)
            b = np.ones(shape_b, dtype=db)
            ours = (nt.tensor(a) + nt.tensor(b)).dtype
            theirs = (torch.tensor(a) + torch.tensor(b)).dtype
            assert str(theirs).replace("torch.", "") == nt.dtype_name(ours).replace("neuronet.", "")
    assert (nt.tensor([1, 2]) * 2.5).dtype == nt.float32
    assert (nt.tensor([1.0], dtype=nt.float64) * 2.5).dtype == nt.float64
    assert (nt.tensor([1, 2]) / 2).dtype == nt.float32


def test_attributes():
    t = nt.zeros(2, 3, requires_grad=True)
    assert t.shape == (2, 3) and t.ndim == 2 and t.dim() == 2
    assert t.size() == (2, 3) and t.size(1) == 3 and t.size(-1) == 3
    assert t.numel() == 6 and t.is_leaf and t.grad is None and t.grad_fn is None
    assert t.device == nt.device("cpu") and str(t.device) == "cpu"
    assert nt.tensor(2.5).item() == 2.5 and nt.tensor([[1, 2]]).tolist() == [[1, 2]]


def test_numpy_refuses_tensors_requiring_grad():
    t = nt.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"detach\(\).numpy\(\)"):
        t.numpy()
    assert t.detach().numpy().tolist() == [1.0, 1.0]


def test_from_numpy_and_as_tensor_share_memory():
    a = np.arange(3.0)
    assert np.shares_memory(nt.from_numpy(a).data, a)
    assert np.shares_memory(nt.as_tensor(a).data, a)
    assert not np.shares_memory(nt.tensor(a).data, a)


def test_conversions_and_to():
    t = nt.tensor([1.5, -2.5], requires_grad=True)
    d = t.double()
    assert d.dtype == nt.float64 and d.requires_grad
    d.sum().backward()
    assert t.grad.dtype == nt.float32 and t.grad.tolist() == [1.0, 1.0]
    assert t.long().dtype == nt.int64 and not t.long().requires_grad
    assert t.to(nt.float64).dtype == nt.float64 and t.to("cpu") is t
    assert t.float() is t
    c = t.clone()
    assert c.grad_fn is not None and c.tolist() == t.tolist()


def test_factories():
    assert nt.zeros(2, 3).tolist() == [[0.0] * 3] * 2
    assert nt.ones((2,)).dtype == nt.float32
    assert nt.full((2,), 7).dtype == nt.int64 and nt.full((2,), 7.0).dtype == nt.float32
    assert nt.arange(5).tolist() == [0, 1, 2, 3, 4] and nt.arange(5).dtype == nt.int64
    assert nt.arange(0, 1, 0.25).tolist() == [0.0, 0.25, 0.5, 0.75]
    assert nt.linspace(0, 1, 3).tolist() == [0.0, 0.5, 1.0]
    assert nt.eye(2).tolist() == [[1.0, 0.0], [0.0, 1.0]]
    like = nt.zeros(2, dtype=nt.float64)
    assert nt.ones_like(like).dtype == nt.float64 and nt.full_like(like, 3).tolist() == [3.0, 3.0]
    assert nt.empty(4).shape == (4,) and nt.zeros_like(like).shape == (2,)
    assert sorted(nt.randperm(5).tolist()) == [0, 1, 2, 3, 4]
    r = nt.randint(3, 7, (100,))
    assert r.dtype == nt.int64 and 3 <= r.min().item() and r.max().item() < 7
    u = nt.rand(1000)
    assert u.dtype == nt.float32 and 0 <= u.min().item() and u.max().item() < 1
    assert abs(nt.randn(10000, dtype=nt.float64).std().item() - 1) < 0.05


def test_manual_seed_reproduces_every_random_factory():
    def draw():
        return (nt.rand(3).tolist(), nt.randn(2).tolist(), nt.randint(0, 9, (4,)).tolist(),
                nt.randperm(6).tolist())
    nt.manual_seed(42)
    first = draw()
    nt.manual_seed(42)
    assert draw() == first
    nt.manual_seed(43)
    assert draw() != first


def test_generator_state_round_trip():
    state = nt.get_rng_state()
    a = nt.rand(3).tolist()
    nt.set_rng_state(state)
    assert nt.rand(3).tolist() == a


def test_repr_looks_like_pytorch():
    assert repr(nt.tensor([1.0, 2.5])) == "tensor([1.0000, 2.5000])"
    assert repr(nt.tensor([1, 2])) == "tensor([1, 2])"
    assert repr(nt.tensor([1.0], dtype=nt.float64)) == "tensor([1.], dtype=neuronet.float64)"
    assert repr(nt.ones(1, requires_grad=True)) == "tensor([1.], requires_grad=True)"
    assert repr(nt.ones(1, requires_grad=True).sum()) == "tensor(1., grad_fn=<SumBackward0>)"


def test_broadcast_error_names_both_shapes():
    with pytest.raises(RuntimeError, match=r"\(3,\) and \(4,\)"):
        nt.ones(3) + nt.ones(4)


def test_matmul_error_names_both_shapes():
    with pytest.raises(RuntimeError, match=r"\(2, 3\) and \(4, 5\)"):
        nt.ones(2, 3) @ nt.ones(4, 5)


def test_reshape_error():
    with pytest.raises(RuntimeError, match="invalid for input of size 6"):
        nt.ones(2, 3).reshape(4, 2)
    with pytest.raises(TypeError, match=r"sizes must be integers, got \[2.5, 2\]"):
        nt.ones(5, 1).reshape(2.5, 2)
    assert nt.ones(2, 3).reshape(nt.tensor(3), np.int64(2)).shape == (3, 2)
    assert nt.ones(2, 3).view([-1]).shape == (6,)


def test_bad_data_and_dtype_arguments():
    with pytest.raises(TypeError, match="data"):
        nt.tensor(["a", "b"])
    with pytest.raises(TypeError, match="dtype"):
        nt.zeros(2, dtype="not-a-dtype")
    with pytest.raises(ValueError, match="size"):
        nt.zeros(-1)


def test_device_parsing():
    assert nt.device("cuda:1").index == 1 and nt.device("cuda").type == "cuda"
    with pytest.raises(ValueError, match="device"):
        nt.device("tpu")


def test_indexing_with_tensors_lists_and_masks():
    t = nt.arange(12).reshape(3, 4)
    assert t[nt.tensor([2, 0])].tolist() == [[8, 9, 10, 11], [0, 1, 2, 3]]
    assert t[[0, 0], [1, 3]].tolist() == [1, 3]
    assert t[t > 9].tolist() == [10, 11]
    assert t[..., 1].tolist() == [1, 5, 9]
    assert t[None, 1:2].shape == (1, 1, 4)


def test_python_protocols():
    t = nt.tensor([1.0, 2.0])
    assert len(t) == 2 and [x.item() for x in t] == [1.0, 2.0]
    assert float(nt.tensor(2.5)) == 2.5 and int(nt.tensor(3)) == 3
    assert bool(nt.tensor([1.0])) is True
    with pytest.raises(RuntimeError, match="ambiguous"):
        bool(t)
    assert np.asarray(t).tolist() == [1.0, 2.0]
    assert (np.ones(2) * t).dtype == nt.float64  # reflected op handled by Tensor
    assert {t: 1}[t] == 1


def test_setitem_in_place():
    x = nt.tensor([[-1.0, 2.0], [3.0, -4.0]])
    x[x < 0] = 0
    assert x.tolist() == [[0.0, 2.0], [3.0, 0.0]]
    x[0] = nt.tensor([5.0, 6.0])
    x[:, 1] = 7
    assert x.tolist() == [[5.0, 7.0], [3.0, 7.0]]
    w = nt.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="in-place"):
        w[0] = 3.0
    with nt.no_grad():
        w[0] = 3.0
    assert w.tolist() == [3.0, 1.0]


def test_top_level_save_and_load(tmp_path):
    state = {"w": nt.randn(2, 3), "steps": nt.tensor(4)}
    nt.save(state, tmp_path / "s.safetensors")
    back = nt.load(tmp_path / "s.safetensors")
    assert set(back) == {"w", "steps"} and back["steps"].item() == 4
    np.testing.assert_array_equal(back["w"].numpy(), state["w"].numpy())


def _new_tensors(m):
    x = m.tensor([1.0, 2.0], dtype=m.float64)
    made = [x.new_zeros(2, 3), x.new_ones((2,)), x.new_full((2, 2), 7), x.new_tensor([1, 2]),
            x.new_empty(3), x.new_zeros(2, dtype=m.int32), m.tensor([1, 2]).type_as(x),
            x.new_ones(1, requires_grad=True)]
    return [(str(t.dtype).split(".")[-1], tuple(t.shape), t.requires_grad,
             t.tolist() if t is not made[4] else None) for t in made]


def test_new_tensors_take_dtype_and_device_from_self():
    assert _new_tensors(nt) == [
        ("float64", (2, 3), False, [[0.0] * 3] * 2), ("float64", (2,), False, [1.0, 1.0]),
        ("float64", (2, 2), False, [[7.0, 7.0], [7.0, 7.0]]), ("float64", (2,), False, [1.0, 2.0]),
        ("float64", (3,), False, None), ("int32", (2,), False, [0, 0]),
        ("float64", (2,), False, [1.0, 2.0]), ("float64", (1,), True, [1.0])]


def test_new_tensors_match_pytorch(torch):
    assert _new_tensors(nt) == _new_tensors(torch)


def test_integers_among_index_arrays_are_applied_first():
    """PyTorch's rule (NumPy moves the dims of an integer mixed with index arrays)."""
    x = nt.arange(24).reshape(2, 3, 4)
    assert tuple(x[1, None, nt.tensor([2, 0])].shape) == (1, 2, 4)
    assert x[nt.tensor([0, 1]), 2, nt.tensor([3, 0])].tolist() == [11, 20]
    assert tuple(x[:, 1, None, nt.tensor([0, 3])].shape) == (2, 1, 2)


def test_assignment_through_integers_and_index_arrays():
    x = nt.zeros(2, 3, 4)
    x[1, None, nt.tensor([2, 0])] = nt.arange(8, dtype=nt.float32).reshape(1, 2, 4)
    assert x[1].tolist() == [[4, 5, 6, 7], [0, 0, 0, 0], [0, 1, 2, 3]] and x[0].sum().item() == 0


def test_zero_dim_tensors_take_dim_0_and_calls_without_dims_are_refused():
    x = nt.tensor(3.0, requires_grad=True)
    y = x.flip(0) * 2 + x.movedim(-1, 0)
    y.backward()
    assert y.item() == 9.0 and x.grad.item() == 3.0
    with pytest.raises(TypeError, match="permute\\(\\) missing"):
        nt.ones(2, 3).permute()
    with pytest.raises(TypeError, match="repeat\\(\\) missing"):
        nt.ones(2).repeat()
