"""RMSNorm, Bilinear, Embedding's max_norm and scale_grad_by_freq, and EmbeddingBag as modules,
against PyTorch 2.13 (the functions' gradient checks are specs in tests/nn/attention_specs.py)."""
import numpy as np
import pytest

import neuronet as nt
import neuronet.nn.functional as F


def _same_module(ours, theirs, inputs_ours, inputs_theirs, rng, torch):
    """PyTorch's state_dict loaded into ours, then equal outputs and parameter gradients."""
    assert list(ours.state_dict()) == list(theirs.state_dict())
    ours.load_state_dict({k: nt.tensor(v.detach().numpy()) for k, v in
                          theirs.state_dict().items()})
    r, o = theirs(*inputs_theirs), ours(*inputs_ours)
    np.testing.assert_allclose(o.detach().numpy(), r.detach().numpy(), rtol=1e-10, atol=1e-12)
    up = rng.standard_normal(tuple(r.shape))
    (r * torch.tensor(up)).sum().backward()
    (o * nt.tensor(up)).sum().backward()
    theirs_params = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), theirs_params[name].grad.numpy(), rtol=1e-9,
                                   atol=1e-12, err_msg=name)


def test_rms_norm_default_eps_is_the_dtypes_epsilon(rng, torch):
    x = rng.standard_normal((3, 4)).astype(np.float32) * 1e-4
    ours = F.rms_norm(nt.tensor(x), (4,)).numpy()
    theirs = torch.nn.functional.rms_norm(torch.tensor(x), (4,)).numpy()
    np.testing.assert_allclose(ours, theirs, rtol=1e-5)
    eps = np.finfo(np.float32).eps
    np.testing.assert_allclose(ours, x / np.sqrt((x * x).mean(-1, keepdims=True) + eps),
                               rtol=1e-5)
    big = F.rms_norm(nt.tensor(np.full((2, 3), 3e4, np.float32)), 3).numpy()
    np.testing.assert_allclose(big, 1.0, rtol=1e-6)


def test_rms_norm_module_matches_pytorch(rng, torch64):
    x = rng.standard_normal((2, 3, 4))
    ours, theirs = nt.nn.RMSNorm([3, 4], eps=1e-6), torch64.nn.RMSNorm([3, 4], eps=1e-6)
    with torch64.no_grad():
        theirs.weight.uniform_(0.5, 1.5)
    _same_module(ours, theirs, [nt.tensor(x)], [torch64.tensor(x)], rng, torch64)
    assert repr(nt.nn.RMSNorm(4)) == repr(torch64.nn.RMSNorm(4))
    assert nt.nn.RMSNorm(4, elementwise_affine=False).weight is None
    with pytest.raises(RuntimeError, match="normalized_shape"):
        F.rms_norm(nt.zeros(2, 3), (4,))


def test_bilinear_module_matches_pytorch(rng, torch64):
    a, b = rng.standard_normal((4, 3)), rng.standard_normal((4, 5))
    ours, theirs = nt.nn.Bilinear(3, 5, 2), torch64.nn.Bilinear(3, 5, 2)
    _same_module(ours, theirs, [nt.tensor(a), nt.tensor(b)],
                 [torch64.tensor(a), torch64.tensor(b)], rng, torch64)
    fresh = nt.nn.Bilinear(9, 5, 300).weight.detach().numpy()
    assert np.abs(fresh).max() <= 1 / 3 and np.abs(fresh).max() > 0.3
    assert repr(ours) == repr(theirs)
    with pytest.raises(RuntimeError, match="input1 size does not match weight size"):
        ours(nt.zeros(4, 2), nt.zeros(4, 5))


def test_embedding_max_norm_renormalises_looked_up_rows_in_place(rng, torch64):
    w = rng.standard_normal((6, 3)) * 2
    ids = [[0, 2, 2], [5, 0, 1]]
    for norm_type in (2.0, 1.0):
        ours, theirs = nt.tensor(w.copy(), requires_grad=True), torch64.tensor(
            w.copy(), requires_grad=True)
        o = F.embedding(nt.tensor(ids), ours, max_norm=1.5, norm_type=norm_type)
        r = torch64.nn.functional.embedding(torch64.tensor(ids), theirs, max_norm=1.5,
                                            norm_type=norm_type)
        np.testing.assert_allclose(o.detach().numpy(), r.detach().numpy(), rtol=1e-12)
        np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-12)
        np.testing.assert_array_equal(ours.detach().numpy()[3:5], w[3:5])  # not looked up
        o.sum().backward()
        r.sum().backward()
        np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy())


def test_embedding_scale_grad_by_freq_and_module_arguments(rng, torch64):
    ids = [[1, 3, 1], [1, 0, 4]]
    ours = nt.nn.Embedding(5, 3, padding_idx=4, max_norm=None, scale_grad_by_freq=True)
    theirs = torch64.nn.Embedding(5, 3, padding_idx=4, scale_grad_by_freq=True)
    _same_module(ours, theirs, [nt.tensor(ids)], [torch64.tensor(ids)], rng, torch64)
    assert repr(ours) == repr(theirs)
    positional = nt.nn.Embedding(5, 3, None, 2.0, 1.0, False, False)
    assert positional.max_norm == 2.0 and positional.norm_type == 1.0
    pre = nt.nn.Embedding.from_pretrained(nt.ones(4, 2), max_norm=1.0)
    np.testing.assert_allclose(pre(nt.tensor([0, 1])).numpy(), np.full((2, 2), 0.5 ** 0.5),
                               rtol=1e-6)


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
def test_embedding_bag_module_matches_pytorch(mode, rng, torch64):
    kw = {"mode": mode, "padding_idx": 0, "include_last_offset": mode == "sum"}
    ours, theirs = nt.nn.EmbeddingBag(7, 4, **kw), torch64.nn.EmbeddingBag(7, 4, **kw)
    ids, offsets = [3, 0, 5, 5, 6, 1, 2, 0, 4], [0, 2, 2, 5, 9]
    if mode != "sum":
        offsets = offsets[:-1]
    _same_module(ours, theirs, [nt.tensor(ids), nt.tensor(offsets)],
                 [torch64.tensor(ids), torch64.tensor(offsets)], rng, torch64)
    assert repr(ours) == repr(theirs)


def test_embedding_bag_values_and_errors():
    w = nt.tensor(np.arange(12.0).reshape(4, 3), requires_grad=True)
    out = F.embedding_bag(nt.tensor([[0, 1], [3, 3]]), w, mode="sum").detach().numpy()
    np.testing.assert_array_equal(out, [[3, 5, 7], [18, 20, 22]])
    out = F.embedding_bag(nt.tensor([2, 0, 1]), w, nt.tensor([0, 1, 1]), mode="max")
    np.testing.assert_array_equal(out.detach().numpy(), [[6, 7, 8], [0, 0, 0], [3, 4, 5]])
    out.sum().backward()
    np.testing.assert_array_equal(w.grad.numpy(), [[0, 0, 0], [1, 1, 1], [1, 1, 1], [0, 0, 0]])
    with pytest.raises(ValueError, match="offsets has to be a 1D Tensor but got None"):
        F.embedding_bag(nt.tensor([0, 1]), w)
    with pytest.raises(ValueError, match="if input is 2D, then offsets has to be None"):
        F.embedding_bag(nt.tensor([[0, 1]]), w, nt.tensor([0]))
    with pytest.raises(NotImplementedError, match="only supported for mode='sum'"):
        F.embedding_bag(nt.tensor([[0, 1]]), w, per_sample_weights=nt.ones(1, 2))
    with pytest.raises(ValueError, match="mode has to be one of sum, mean or max"):
        nt.nn.EmbeddingBag(4, 3, mode="median")
    with pytest.raises(IndexError, match="id 4 is out of range for 4 embeddings"):
        F.embedding_bag(nt.tensor([[0, 4]]), w)
    frozen = nt.nn.EmbeddingBag.from_pretrained(w.detach(), mode="sum")
    assert not frozen.weight.requires_grad and frozen.mode == "sum"


def test_embedding_bag_keeps_float32(rng):
    bag = nt.nn.EmbeddingBag(10, 4, mode="max")
    out = bag(nt.tensor(rng.integers(0, 10, (3, 5))))
    out.sum().backward()
    assert out.dtype == nt.float32 and bag.weight.grad.dtype == nt.float32
