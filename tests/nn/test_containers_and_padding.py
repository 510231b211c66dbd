"""nn.ParameterList / nn.ParameterDict (registration, state_dict keys, repr, the list and dict
operations) and padding (F.pad's modes and refusals, the padding layers), against values
written by hand and against PyTorch."""
import numpy as np
import pytest

import neuronet as nt
import neuronet.nn as nn
import neuronet.nn.functional as F


class _Holder(nn.Module):
    def __init__(self):
        super().__init__()
        self.ps = nn.ParameterList([nn.Parameter(nt.zeros(2)), nt.ones(3, 1)])
        self.pd = nn.ParameterDict({"w": nt.zeros(1), "b": nt.ones(2)})


def test_parameters_are_registered_with_pytorchs_names():
    m = _Holder()
    assert list(m.state_dict()) == ["ps.0", "ps.1", "pd.b", "pd.w"]  # a dict goes in sorted
    assert [n for n, _ in m.named_parameters()] == ["ps.0", "ps.1", "pd.b", "pd.w"]
    assert all(isinstance(p, nn.Parameter) and p.requires_grad for p in m.parameters())
    m.ps[0] = nt.full((2,), 3.0)  # replacing keeps the place
    assert list(m.state_dict())[:2] == ["ps.0", "ps.1"]
    np.testing.assert_array_equal(m.state_dict()["ps.0"].numpy(), [3, 3])


def test_parameter_list_operations():
    pl = nn.ParameterList()
    assert len(pl) == 0 and repr(pl) == "ParameterList()"
    pl.append(nt.zeros(2)).extend([nt.ones(1), nt.ones(4)])
    pl += [nt.zeros(3)]
    assert len(pl) == 4 and [tuple(p.shape) for p in pl] == [(2,), (1,), (4,), (3,)]
    assert pl[-1] is pl[3]
    part = pl[1:3]
    assert isinstance(part, nn.ParameterList) and part[0] is pl[1] and len(part) == 2
    with pytest.raises(IndexError, match="index 4 is out of range"):
        pl[4]
    with pytest.raises(TypeError, match="should be called with an iterable"):
        pl.extend(nt.zeros(2))
    with pytest.raises(RuntimeError, match="should not be called"):
        pl(nt.zeros(1))
    pl.append(3)  # a plain object is kept, not registered
    assert pl[4] == 3 and len(list(pl.parameters())) == 4


def test_parameter_dict_operations():
    pd = nn.ParameterDict([("b", nt.zeros(2)), ("a", nt.ones(1))])  # pairs keep their order
    assert list(pd) == ["b", "a"] and list(pd.keys()) == ["b", "a"]
    pd.update({"d": nt.zeros(1), "c": nt.zeros(1)})
    assert list(pd) == ["b", "a", "c", "d"]
    assert "a" in pd and "z" not in pd and len(pd) == 4
    assert pd.get("z") is None and pd.get("z", 5) == 5
    assert tuple(pd.pop("a").shape) == (1,) and list(pd) == ["b", "c", "d"]
    assert pd.popitem()[0] == "d"
    assert pd.setdefault("e", nt.ones(3)) is pd["e"]
    merged = pd | {"f": nt.zeros(1)}
    assert list(merged) == ["b", "c", "e", "f"] and merged["b"] is pd["b"]
    del pd["b"]
    assert list(pd.state_dict()) == ["c", "e"]
    pd.clear()
    assert len(pd) == 0 and list(pd.parameters()) == []
    with pytest.raises(TypeError, match="not a string"):
        pd[0] = nt.zeros(1)
    with pytest.raises(ValueError, match="element #0 has length 1; 2 is required"):
        pd.update([("x",)])
    with pytest.raises(TypeError, match="iterable of key/value pairs"):
        pd.update(5)


def test_reprs_as_pytorch_writes_them():
    assert repr(_Holder()) == (
        "_Holder(\n"
        "  (ps): ParameterList(\n"
        "      (0): Parameter containing: [neuronet.float32 of size 2]\n"
        "      (1): Parameter containing: [neuronet.float32 of size 3x1]\n"
        "  )\n"
        "  (pd): ParameterDict(\n"
        "      (b): Parameter containing: [neuronet.FloatTensor of size 2]\n"
        "      (w): Parameter containing: [neuronet.FloatTensor of size 1]\n"
        "  )\n"
        ")"
    )
    assert repr(nn.ParameterList([nt.zeros(2)])) == (
        "ParameterList(  (0): Parameter containing: [neuronet.float32 of size 2])")


def test_an_optimizer_trains_the_parameters_of_a_list():
    pl = nn.ParameterList([nt.ones(2), nt.ones(1)])
    opt = nt.optim.SGD(pl.parameters(), lr=0.5)
    (pl[0].sum() + 2 * pl[1].sum()).backward()
    opt.step()
    np.testing.assert_array_equal(pl[0].detach().numpy(), [0.5, 0.5])
    np.testing.assert_array_equal(pl[1].detach().numpy(), [0.0])


def test_pad_modes_by_hand():
    x = nt.tensor([[[0.0, 1.0, 2.0, 3.0]]])
    expected = {
        "constant": [9, 9, 0, 1, 2, 3, 9],
        "reflect": [2, 1, 0, 1, 2, 3, 2],
        "replicate": [0, 0, 0, 1, 2, 3, 3],
        "circular": [2, 3, 0, 1, 2, 3, 0],
    }
    for mode, values in expected.items():
        out = F.pad(x, (2, 1), mode=mode, value=9.0 if mode == "constant" else None)
        np.testing.assert_array_equal(out.numpy()[0, 0], values, err_msg=mode)
    np.testing.assert_array_equal(F.pad(x, (-1, -2)).numpy()[0, 0], [1])
    np.testing.assert_array_equal(F.pad(x, (2, -1), mode="circular").numpy()[0, 0],
                                  [1, 2, 0, 1, 2])  # (the cropped values wrap)
    ints = F.pad(nt.tensor([[1, 2]]), (1, 0), value=1.7)
    assert ints.dtype == nt.int64 and ints.numpy().tolist() == [[1, 1, 2]]


def test_pad_refusals_as_pytorch():
    x = nt.zeros(2, 3)
    with pytest.raises(RuntimeError, match="Padding length must be divisible by 2"):
        F.pad(x, (1,))
    with pytest.raises(RuntimeError, match="less than or equal to two times the input dimension"):
        F.pad(x, (1,) * 6)
    with pytest.raises(NotImplementedError, match="Unrecognised padding mode foo"):
        F.pad(x, (1, 1), mode="foo")
    with pytest.raises(RuntimeError, match="doesn't take in value argument"):
        F.pad(x, (1, 1), mode="reflect", value=1.0)
    with pytest.raises(NotImplementedError, match="Padding size 2 is not supported for 1D"):
        F.pad(nt.zeros(5), (1, 1), mode="reflect")
    with pytest.raises(RuntimeError, match="Padding size should be less than the corresponding"):
        F.pad(x, (3, 3), mode="reflect")
    with pytest.raises(RuntimeError, match="wrapping around more than once"):
        F.pad(x, (4, 3), mode="circular")
    with pytest.raises(RuntimeError, match="resulting in an empty dimension"):
        F.pad(x, (-3, -1), mode="circular")
    with pytest.raises(TypeError, match="tuple of ints"):
        F.pad(x, 3)
    with pytest.raises(TypeError, match="tuple of ints"):
        F.pad(x, (1, 1.5))


LAYERS = [
    ("ZeroPad1d", (2,), (2, 3, 5)), ("ZeroPad2d", ((1, 2, 0, 1),), (1, 2, 3, 4)),
    ("ConstantPad1d", ((1, 0), 1.5), (2, 3, 5)), ("ConstantPad2d", (1, -0.5), (2, 3, 4)),
    ("ReflectionPad1d", ((2, 1),), (2, 3, 5)), ("ReflectionPad2d", (1,), (1, 2, 3, 4)),
    ("ReplicationPad1d", (3,), (3, 5)), ("ReplicationPad2d", ((0, 2, 1, 0),), (1, 2, 3, 4)),
    ("CircularPad1d", (2,), (2, 3, 5)), ("CircularPad2d", ((1, 1, 2, 0),), (2, 3, 4)),
]  # fmt: skip


@pytest.mark.parametrize("name,args,shape", LAYERS, ids=[case[0] for case in LAYERS])
def test_padding_layers_as_pytorch(torch, name, args, shape, rng):
    x = rng.standard_normal(shape)
    ours, theirs = getattr(nn, name)(*args), getattr(torch.nn, name)(*args)
    assert ours.padding == theirs.padding
    assert repr(ours) == repr(theirs)
    a, b = nt.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out, ref = ours(a), theirs(b)
    np.testing.assert_array_equal(out.detach().numpy(), ref.detach().numpy())
    g = rng.standard_normal(tuple(ref.shape))
    out.backward(nt.tensor(g))
    ref.backward(torch.tensor(g))
    np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-12)


def test_normalize_and_similarities_at_zero_vectors():
    zero = nt.zeros(1, 3)
    np.testing.assert_array_equal(F.normalize(zero).numpy(), [[0, 0, 0]])  # (eps, no NaN)
    np.testing.assert_allclose(F.normalize(nt.tensor([[3.0, 4.0]])).numpy(), [[0.6, 0.8]])
    assert F.cosine_similarity(zero, nt.ones(1, 3)).numpy().tolist() == [0.0]
    np.testing.assert_allclose(F.cosine_similarity(nt.tensor([[1.0, 0.0]]),
                                                   nt.tensor([[1.0, 1.0]])).numpy(),
                               [2 ** -0.5], rtol=1e-6)
    d = F.pairwise_distance(nt.tensor([[0.0, 0.0]]), nt.tensor([[3.0, 4.0]]))
    np.testing.assert_allclose(d.numpy(), [np.hypot(3 - 1e-6, 4 - 1e-6)], rtol=1e-6)
    assert F.pairwise_distance(nt.zeros(2, 3), nt.zeros(3), keepdim=True).shape == (2, 1)


def test_pytorch_script_runs_unchanged():
    """tests/run_scripts/containers_padding_scatter.py prints the same under both libraries."""
    from tests.test_run import SCRIPTS, _assert_same_results, _neuronet_run, _results, _with_pytorch

    script = SCRIPTS / "containers_padding_scatter.py"
    theirs = _with_pytorch(script)
    assert theirs.returncode == 0, theirs.stderr
    ours = _neuronet_run(script)
    assert (ours.returncode, ours.stderr) == (0, "")
    lines = _results(ours.stdout)
    assert sum(line.startswith("step ") for line in lines) == 4
    _assert_same_results(lines, _results(theirs.stdout))
