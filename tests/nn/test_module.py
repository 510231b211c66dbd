"""Module behaviour: registration, iteration, modes, conversion, state_dict and repr."""
from collections import OrderedDict

import numpy as np
import pytest

import neuronet as nt
from neuronet import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(4, 3)
        self.bn = nn.BatchNorm1d(3)
        self.act = nn.ReLU()
        self.fc2 = nn.Linear(3, 2, bias=False)
        self.scale = nn.Parameter(nt.ones(1))
        self.register_buffer("steps", nt.zeros(1))
        self.register_buffer("cache", nt.zeros(2), persistent=False)
        self.note = "not registered"

    def forward(self, x):
        return self.fc2(self.act(self.bn(self.fc1(x)))) * self.scale


def test_registration_and_names():
    net = Net()
    names = [n for n, _ in net.named_parameters()]
    assert names == ["scale", "fc1.weight", "fc1.bias", "bn.weight", "bn.bias", "fc2.weight"]
    assert [n for n, _ in net.named_buffers()] == [
        "steps", "cache", "bn.running_mean", "bn.running_var", "bn.num_batches_tracked"]
    assert [n for n, _ in net.named_children()] == ["fc1", "bn", "act", "fc2"]
    assert len(list(net.modules())) == 5
    assert net.get_submodule("bn") is net.bn and net.get_parameter("fc1.bias") is net.fc1.bias
    assert "note" not in dict(net.named_parameters())
    with pytest.raises(AttributeError, match="has no attribute 'missing'"):
        net.missing


def test_shared_parameters_are_listed_once():
    lin = nn.Linear(2, 2)
    seq = nn.Sequential(lin, nn.ReLU(), lin)
    assert len(list(seq.parameters())) == 2


def test_assigning_non_parameter_to_parameter_slot_is_refused():
    lin = nn.Linear(2, 2)
    with pytest.raises(TypeError, match="parameter 'weight'"):
        lin.weight = nt.ones(2, 2)


def test_train_eval_propagate():
    net = Net()
    net.eval()
    assert not any(m.training for m in net.modules())
    net.train()
    assert all(m.training for m in net.modules())


def test_zero_grad_apply_requires_grad():
    net = Net()
    net(nt.randn(5, 4)).sum().backward()
    assert all(p.grad is not None for p in net.parameters())
    net.zero_grad(set_to_none=False)
    assert all(float(abs(p.grad.data).sum()) == 0 for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())
    seen = []
    net.apply(lambda m: seen.append(type(m).__name__))
    assert seen[-1] == "Net" and "Linear" in seen
    net.requires_grad_(False)
    assert not any(p.requires_grad for p in net.parameters())


def test_to_double_keeps_parameter_objects_and_int_buffers():
    net = Net()
    w = net.fc1.weight
    net.double()
    assert net.fc1.weight is w and w.dtype == nt.float64
    assert net.bn.num_batches_tracked.dtype == nt.int64
    assert net(nt.randn(3, 4, dtype=nt.float64)).dtype == nt.float64


def test_state_dict_round_trips_exactly():
    nt.manual_seed(1)
    a = Net()
    a(nt.randn(6, 4)).sum()
    sd = a.state_dict()
    assert list(sd) == ["scale", "steps", "fc1.weight", "fc1.bias", "bn.weight", "bn.bias",
                        "bn.running_mean", "bn.running_var", "bn.num_batches_tracked",
                        "fc2.weight"]
    assert not any(t.requires_grad for t in sd.values())
    nt.manual_seed(2)
    b = Net()
    result = b.load_state_dict(sd)
    assert result.missing_keys == [] and result.unexpected_keys == []
    for key, value in b.state_dict().items():
        np.testing.assert_array_equal(value.numpy(), sd[key].numpy())
    x = nt.randn(6, 4)
    a.eval()
    b.eval()
    np.testing.assert_array_equal(a(x).detach().numpy(), b(x).detach().numpy())


def test_load_state_dict_reports_keys_and_shapes_by_name():
    net = Net()
    sd = net.state_dict()
    del sd["fc1.bias"]
    sd["extra"] = nt.zeros(1)
    with pytest.raises(RuntimeError, match=r'Unexpected key\(s\) in state_dict: "extra"'):
        net.load_state_dict(sd)
    with pytest.raises(RuntimeError, match=r'Missing key\(s\) in state_dict: "fc1.bias"'):
        net.load_state_dict(sd)
    result = net.load_state_dict(sd, strict=False)
    assert result.missing_keys == ["fc1.bias"] and result.unexpected_keys == ["extra"]
    sd = net.state_dict()
    sd["fc1.weight"] = nt.zeros(4, 4)
    with pytest.raises(RuntimeError, match=r"size mismatch for fc1.weight: copying a param with "
                                           r"shape \(4, 4\) from checkpoint, the shape in current "
                                           r"model is \(3, 4\)"):
        net.load_state_dict(sd, strict=False)


def test_repr_matches_pytorch_layout(torch):
    ours = nn.Sequential(nn.Linear(20, 8), nn.Sigmoid(), nn.Linear(8, 1, bias=False),
                         nn.BatchNorm1d(1), nn.Dropout(0.2), nn.LeakyReLU(0.1), nn.Softmax(dim=1))
    theirs = torch.nn.Sequential(torch.nn.Linear(20, 8), torch.nn.Sigmoid(),
                                 torch.nn.Linear(8, 1, bias=False), torch.nn.BatchNorm1d(1),
                                 torch.nn.Dropout(0.2), torch.nn.LeakyReLU(0.1),
                                 torch.nn.Softmax(dim=1))
    assert repr(ours) == repr(theirs)


def test_containers():
    seq = nn.Sequential(OrderedDict([("first", nn.Linear(2, 3)), ("act", nn.Tanh())]))
    assert isinstance(seq[0], nn.Linear) and isinstance(seq[-1], nn.Tanh) and len(seq) == 2
    assert isinstance(seq[:1], nn.Sequential) and seq(nt.ones(1, 2)).shape == (1, 3)
    layers = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])
    assert len(list(layers.parameters())) == 6 and len(layers) == 3
    table = nn.ModuleDict({"a": nn.Linear(2, 2)})
    table["b"] = nn.ReLU()
    assert list(table.keys()) == ["a", "b"] and "a" in table
    assert [n for n, _ in table.named_parameters()] == ["a.weight", "a.bias"]
    with pytest.raises(IndexError, match="out of range"):
        seq[5]


def test_identity_flatten_unflatten():
    x = nt.randn(2, 3, 4)
    assert nn.Identity()(x) is x
    assert nn.Flatten()(x).shape == (2, 12)
    assert nn.Unflatten(1, (3, 4))(nn.Flatten()(x)).shape == (2, 3, 4)


def test_forward_missing_is_a_clear_error():
    with pytest.raises(NotImplementedError, match="forward"):
        nn.Module()(nt.ones(1))
