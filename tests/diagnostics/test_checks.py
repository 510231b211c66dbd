"""check(): each code on the broken case, with the right layer, and none on its healthy twin."""
import math

import numpy as np
import pytest

import neuronet as nt
from neuronet import nn, optim
from neuronet.diagnostics import CODES, Finding, check
from neuronet.diagnostics.checks.progress import divergence, plateau, smoothed
from neuronet.diagnostics.probe import probe

F = nn.functional


def _data(n=64, d=784, classes=10, seed=0, normal=False):
    rng = np.random.default_rng(seed)
    x = nt.tensor(rng.standard_normal((n, d), dtype=np.float32) if normal
                  else rng.random((n, d), dtype=np.float32))
    y = nt.tensor(rng.integers(0, classes, n))
    return x, y


def _mlp(d=784, hidden=(64, 32), act=nn.ReLU):
    nt.manual_seed(0)
    layers, width = [], d
    for h in hidden:
        layers += [nn.Linear(width, h), act()]
        width = h
    return nn.Sequential(*layers, nn.Linear(width, 10))


def _codes(findings, code):
    return {f.layer: f for f in findings if f.code == code}


def test_all_zero_init_gives_symmetry_on_the_hidden_layers_only():
    x, y = _data()
    model = _mlp()
    for p in model.parameters():
        nn.init.zeros_(p)
    found = _codes(check(model, x, y, F.cross_entropy), "symmetry")
    assert set(found) == {"0", "2"}  # the output layer's units get different targets
    assert found["0"].severity == "error" and found["0"].value == 1 and found["0"].threshold == 64
    assert "symmetry" in found["0"].why or "asymmetry" in found["0"].why or "unique" in found["0"].why
    assert not _codes(check(_mlp(), x, y, F.cross_entropy), "symmetry")


def test_duplicate_units_are_a_warning_and_a_zero_output_layer_is_fine():
    x, y = _data()
    model = _mlp()
    with nt.no_grad():
        model[0].weight[1] = model[0].weight[0]
        model[0].bias[1] = model[0].bias[0]
        model[2].weight[:, 1] = model[2].weight[:, 0]
        nn.init.zeros_(model[4].weight)
    found = check(model, x, y, F.cross_entropy, codes=["symmetry"])
    assert [(f.layer, f.severity, f.value) for f in found] == [("0", "warning", 63.0)]
    with nt.no_grad():
        model[2].weight[0, 1] += 0.5  # different outgoing weights break the symmetry
    assert not check(model, x, y, F.cross_entropy, codes=["symmetry"])


def test_unit_normal_init_with_fan_in_784_gives_fan_in():
    x, y = _data()
    model = _mlp()
    nn.init.normal_(model[0].weight)
    found = _codes(check(model, x, y, F.cross_entropy), "fan_in")
    assert set(found) == {"0"}
    f = found["0"]
    assert f.severity == "warning" and f.value == pytest.approx(28, rel=0.05)
    assert f.threshold == pytest.approx(4 * math.sqrt(2))  # 4 x the ReLU gain
    assert not _codes(check(_mlp(), x, y, F.cross_entropy), "fan_in")
    nn.init.kaiming_normal_(model[0].weight, nonlinearity="relu")
    assert not _codes(check(model, x, y, F.cross_entropy), "fan_in")


def test_fan_in_before_batch_norm_is_only_info():
    x, y = _data()
    nt.manual_seed(0)
    model = nn.Sequential(nn.Linear(784, 32), nn.BatchNorm1d(32), nn.ReLU(), nn.Linear(32, 10))
    nn.init.normal_(model[0].weight)
    (f,) = check(model, x, y, F.cross_entropy, codes=["fan_in"])
    assert (f.layer, f.severity) == ("0", "info")


def _tanh_stack(std, depth=8, width=32):
    nt.manual_seed(0)
    layers = []
    for _ in range(depth):
        layers += [nn.Linear(width, width), nn.Tanh()]
    model = nn.Sequential(*layers, nn.Linear(width, 10))
    for m in model:
        if isinstance(m, nn.Linear):
            nn.init.normal_(m.weight, std=std)
    return model


def test_deep_tanh_stack_with_large_weights_saturates_and_its_gradient_explodes():
    x, y = _data(128, 32, normal=True)
    found = check(_tanh_stack(2.0, depth=10), x, y, F.cross_entropy)
    saturated = _codes(found, "saturation")
    assert set(saturated) == {str(i) for i in range(1, 20, 2)}  # every Tanh
    assert all(f.value > 0.25 for f in saturated.values())
    # Large weights put a tanh stack in the chaotic regime: each layer multiplies the error
    # signal by more than it loses in the saturated derivative, so it grows towards the input.
    (exploding,) = _codes(found, "exploding_gradient").values()
    assert exploding.layer == "0" and exploding.value > 1e3
    healthy = check(_tanh_stack((5 / 3) / math.sqrt(32), depth=10), x, y, F.cross_entropy)
    assert not [f for f in healthy if f.severity != "info"]


def test_deep_sigmoid_stack_with_default_init_has_a_vanishing_gradient():
    x, y = _data(128, 32, normal=True)
    model = _mlp(32, (32,) * 5, nn.Sigmoid)
    (f,) = check(model, x, y, F.cross_entropy, codes=["vanishing_gradient"])
    assert f.layer == "0" and f.value < 1e-3 and f.threshold == 1e-3
    healthy = _mlp(32, (32,) * 5, nn.ReLU)
    for m in healthy:
        if isinstance(m, nn.Linear):
            nn.init.kaiming_normal_(m.weight, nonlinearity="relu")
    assert not check(healthy, x, y, F.cross_entropy)


def test_nan_gradient_is_an_exploding_gradient_error_on_its_layer():
    x, y = _data(32, 16)
    model = _mlp(16, (8, 8))
    with nt.no_grad():
        model[2].weight[0, 0] = math.nan
    found = _codes(check(model, x, y, F.cross_entropy), "exploding_gradient")
    assert found and all(f.severity == "error" for f in found.values())
    assert "2" in found or "0" in found
    assert next(iter(found.values())).layer == "0"


def test_dead_units_after_a_huge_bias_shift():
    x, y = _data(64, 16)
    model = _mlp(16, (8, 8))
    with nt.no_grad():
        model[0].bias[:5] = -100.0  # 5 of 8 units never fire
    (f,) = check(model, x, y, F.cross_entropy, codes=["dead_units"])
    assert (f.layer, f.severity, f.value) == ("1", "warning", 5 / 8)
    with nt.no_grad():
        model[0].bias[:] = -100.0
    found = check(model, x, y, F.cross_entropy, codes=["dead_units"])
    assert {f.layer: f.severity for f in found}["1"] == "error"
    x, y = _data(64, 16, normal=True)
    assert not check(_mlp(16, (32, 32)), x, y, F.cross_entropy, codes=["dead_units"])


def test_a_loop_without_zero_grad_accumulates():
    rng = np.random.default_rng(1)
    x = nt.tensor(rng.standard_normal((64, 10)).astype(np.float32))
    y = nt.tensor((rng.standard_normal(64) > 0).astype(np.int64))

    def train(zero):
        nt.manual_seed(0)
        model = nn.Sequential(nn.Linear(10, 16), nn.ReLU(), nn.Linear(16, 2))
        opt = optim.SGD(model.parameters(), lr=0.01)
        for _ in range(10):
            if zero:
                opt.zero_grad()
            F.cross_entropy(model(x), y).backward()
            opt.step()
        return check(model, x, y, F.cross_entropy, opt, codes=["grad_accumulation"])

    (f,) = train(zero=False)
    assert f.layer == "" and f.severity == "warning" and f.value > 3
    assert "zero_grad" in f.message
    assert train(zero=True) == []


def test_update_ratio_of_one_trial_step_which_is_undone():
    x, y = _data(64, 20)
    model = _mlp(20, (32,))
    before = {k: v.numpy().copy() for k, v in model.state_dict().items()}
    opt = optim.SGD(model.parameters(), lr=10.0, momentum=0.9)
    found = _codes(check(model, x, y, F.cross_entropy, opt), "update_ratio")
    assert set(found) == {"0", "2"} and all(f.value > 0.1 for f in found.values())
    assert "too large" in found["0"].message
    assert all(np.array_equal(before[k], v.numpy()) for k, v in model.state_dict().items())
    assert opt.state_dict()["state"] == {}  # the momentum buffers are gone again
    tiny = _codes(check(model, x, y, F.cross_entropy, optim.SGD(model.parameters(), lr=1e-9)),
                  "update_ratio")
    assert set(tiny) == {"0", "2"} and all(f.threshold == 1e-5 for f in tiny.values())
    assert not check(model, x, y, F.cross_entropy, optim.SGD(model.parameters(), lr=0.05))


def test_check_restores_gradients_buffers_and_the_random_stream():
    x, y = _data(32, 12)
    nt.manual_seed(0)
    model = nn.Sequential(nn.Linear(12, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Dropout(0.5),
                          nn.Linear(8, 10))
    F.cross_entropy(model(x), y).backward()
    grads = {n: p.grad.numpy().copy() for n, p in model.named_parameters()}
    buffers = {n: b.numpy().copy() for n, b in model.named_buffers()}
    state = nt.get_rng_state()
    check(model, x, y, F.cross_entropy)
    assert np.array_equal(nt.get_rng_state().numpy(), state.numpy())
    for n, p in model.named_parameters():
        assert np.array_equal(p.grad.numpy(), grads[n]), n
    for n, b in model.named_buffers():
        assert np.array_equal(b.numpy(), buffers[n]), n
    assert all(not m._forward_hooks for m in model.modules())


def test_probe_records_every_leaf_in_order_with_its_gradient():
    x, y = _data(16, 12)
    model = _mlp(12, (8,))
    result = probe(model, x, y, F.cross_entropy)
    assert [r.name for r in result.layers] == ["0", "1", "2"]
    assert result.layers[0].output.shape == (16, 8)
    assert all(r.grad_output is not None for r in result.layers)
    assert result.loss == pytest.approx(F.cross_entropy(model(x), y).item(), rel=1e-6)
    assert all(g is not None for g in result.grads.values())


def test_check_without_a_loss_and_its_errors():
    x, _ = _data(16, 12)
    assert check(_mlp(12, (8,)), x) == []
    with pytest.raises(ValueError, match="target"):
        check(_mlp(12, (8,)), x, loss_fn=F.cross_entropy)
    with pytest.raises(ValueError, match="codes"):
        check(_mlp(12, (8,)), x, codes=["nope"])
    with pytest.raises(TypeError, match="model"):
        check(lambda t: t, x)
    with pytest.raises(ValueError, match="severity"):
        Finding("x", "", "fatal", 0, 0, "", "")


def test_divergence_rules():
    assert divergence([2.3] * 30 + [2.2] * 30) == []
    falling = list(np.linspace(2.3, 0.1, 200))
    assert divergence(falling) == []
    (f,) = divergence(falling + [2.0] * 100)
    assert f.severity == "warning" and f.layer == ""
    (f,) = divergence(falling + [50.0] * 100)
    assert f.severity == "error"
    (f,) = divergence([2.3, 2.0, math.nan])
    assert f.severity == "error" and "step 2" in f.message
    s = smoothed([1.0, 3.0])
    assert s[0] == 1.0 and s[1] == pytest.approx((0.98 * 0.02 + 0.02 * 3) / (1 - 0.98**2))


def test_plateau_says_what_the_scheduler_does():
    params = [nn.Parameter(nt.zeros(2))]
    opt = optim.SGD(params, lr=0.1)
    stalled = [0.5, 0.8, 0.7, 0.79]
    assert plateau([0.5, 0.6, 0.7, 0.8]) == []
    assert plateau([0.5, 0.8, 0.7]) == []  # one epoch is not a plateau
    (f,) = plateau(stalled, "max", None, 0.1)
    assert f.severity == "warning" and f.value == 2 and "halve" in f.message
    plateau_sched = optim.lr_scheduler.ReduceLROnPlateau(opt, mode="max", factor=0.5, patience=0)
    (f,) = plateau(stalled, "max", plateau_sched, 0.05)
    assert f.severity == "info" and "multiplies the rate by 0.5 after 1 epoch" in f.message
    (f,) = plateau([1.0, 0.5, 0.6, 0.55], "min", optim.lr_scheduler.StepLR(opt, 2), 0.1)
    assert f.severity == "info" and "StepLR" in f.message


def test_every_code_is_documented_in_the_package_table():
    import neuronet.diagnostics as diagnostics

    for code in CODES:
        assert f"\n{code} " in diagnostics.__doc__, code


def test_a_rate_annealed_by_its_schedule_is_not_called_too_small():
    from neuronet.optim.lr_scheduler import CosineAnnealingLR

    x, y = _data(64, 20)
    model = _mlp(20, (32,))
    opt = optim.SGD(model.parameters(), lr=0.05)
    schedule = CosineAnnealingLR(opt, T_max=100)
    for _ in range(99):  # the end of the cosine: lr about 1e-5 of where it started
        opt.step()
        schedule.step()
    assert opt.param_groups[0]["lr"] < 1e-4
    assert _codes(check(model, x, y, F.cross_entropy, opt), "update_ratio") == {}
    # the same small rate set by hand, with no schedule behind it, is too small
    tiny = optim.SGD(model.parameters(), lr=opt.param_groups[0]["lr"] / 1e4)
    assert set(_codes(check(model, x, y, F.cross_entropy, tiny), "update_ratio")) == {"0", "2"}
