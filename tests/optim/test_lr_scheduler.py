"""Learning-rate schedules: PyTorch's sequences exactly, and the notes' recipes."""
import math

import numpy as np
import pytest

import neuronet as nt
from neuronet import optim
from neuronet.optim import lr_scheduler as sched


def _sequence(m, make, steps=100, lr=0.1, opt_name="SGD", opt_kwargs=None):
    w = m.zeros(2, requires_grad=True)
    v = m.zeros(2, requires_grad=True)
    opt = getattr(m.optim, opt_name)([{"params": [w]}, {"params": [v], "lr": lr * 3}], lr=lr,
                                     **(opt_kwargs or {}))
    s = make(m.optim.lr_scheduler, opt)
    lrs = [tuple(s.get_last_lr())]
    moms = []
    for _ in range(steps):
        opt.step()
        s.step()
        lrs.append(tuple(s.get_last_lr()))
        moms.append(tuple(g.get("momentum", g.get("betas", (None,))[0]) for g in opt.param_groups))
    return lrs, moms


SCHEDULES = {
    "lambda": lambda S, o: S.LambdaLR(o, lambda t: 0.95 ** t),
    "lambda_per_group": lambda S, o: S.LambdaLR(o, [lambda t: 1 / (t + 1), lambda t: 0.9 ** t]),
    "notes_annealing": lambda S, o: S.LambdaLR(o, lambda t: 10 / max(t, 10)),
    "multiplicative": lambda S, o: S.MultiplicativeLR(o, lambda t: 0.97),
    "step": lambda S, o: S.StepLR(o, step_size=7, gamma=0.5),
    "multistep": lambda S, o: S.MultiStepLR(o, milestones=[10, 30, 30, 80], gamma=0.3),
    "exponential": lambda S, o: S.ExponentialLR(o, gamma=0.96),
    "cosine": lambda S, o: S.CosineAnnealingLR(o, T_max=30, eta_min=0.001),
    "cosine_short": lambda S, o: S.CosineAnnealingLR(o, T_max=7),
    "linear": lambda S, o: S.LinearLR(o, start_factor=0.25, end_factor=0.9, total_iters=40),
    "linear_default": lambda S, o: S.LinearLR(o),
    "onecycle": lambda S, o: S.OneCycleLR(o, max_lr=0.5, total_steps=100),
    "onecycle_linear_3phase": lambda S, o: S.OneCycleLR(o, max_lr=[0.5, 1.0], epochs=10,
                                                        steps_per_epoch=10, pct_start=0.25,
                                                        anneal_strategy="linear",
                                                        three_phase=True),
}


@pytest.mark.parametrize("name", sorted(SCHEDULES))
def test_sequence_equals_pytorch_exactly(name, torch):
    torch.optim.lr_scheduler  # noqa: B018 - make sure the submodule is loaded
    ours, our_moms = _sequence(nt, SCHEDULES[name], opt_kwargs={"momentum": 0.9})
    theirs, their_moms = _sequence(torch, SCHEDULES[name], opt_kwargs={"momentum": 0.9})
    assert ours == theirs
    assert our_moms == their_moms


def test_onecycle_cycles_adam_beta1_like_pytorch(torch):
    make = SCHEDULES["onecycle"]
    ours = _sequence(nt, make, opt_name="Adam")
    theirs = _sequence(torch, make, opt_name="Adam")
    assert ours == theirs


def test_inverse_time_lr_is_the_notes_formula():
    w = nt.zeros(1, requires_grad=True)
    opt = optim.SGD([w], lr=0.8)
    s = sched.InverseTimeLR(opt, tau=5)
    lrs = [s.get_last_lr()[0]]
    for _ in range(20):
        opt.step()
        s.step()
        lrs.append(s.get_last_lr()[0])
    assert lrs == [0.8 * (5 / max(t, 5)) for t in range(21)]


def test_inverse_time_lr_equals_lambda_lr(torch):
    ours, _ = _sequence(nt, lambda S, o: S.InverseTimeLR(o, tau=10) if S is sched else None)
    theirs, _ = _sequence(torch, SCHEDULES["notes_annealing"])
    assert ours == theirs


PLATEAU_METRICS = [
    [1.0, 0.9, 0.9, 0.9, 0.95, 0.8, 0.8, 0.8, 0.8, 0.8, 0.79999, 0.7, 0.7, 0.7, 0.7, 0.7] * 4,
    [-1.0, -1.1, -1.1, -1.05, -1.2, -1.2, -1.2, -1.2, -1.19, -1.3] * 5,  # negative: rel flips
    list(np.linspace(1, 0, 30)) + [0.0] * 30,
]
PLATEAU_CONFIGS = [
    dict(),
    dict(patience=0, factor=0.5),
    dict(mode="max", patience=1, factor=0.5, threshold=0),
    dict(patience=2, cooldown=3, threshold_mode="abs", threshold=0.01),
    dict(mode="max", threshold_mode="abs", patience=0, cooldown=1, min_lr=0.02),
    dict(patience=0, factor=0.5, min_lr=[0.01, 0.05], eps=1e-3),
    dict(mode="min", threshold=0.05, patience=1),
]


@pytest.mark.parametrize("config", PLATEAU_CONFIGS, ids=str)
@pytest.mark.parametrize("metrics", PLATEAU_METRICS, ids=["steps", "negative", "ramp"])
def test_reduce_lr_on_plateau_matches_pytorch(config, metrics, torch):
    def run(m):
        w = m.zeros(1, requires_grad=True)
        v = m.zeros(1, requires_grad=True)
        opt = m.optim.SGD([{"params": [w]}, {"params": [v], "lr": 0.3}], lr=0.1)
        s = m.optim.lr_scheduler.ReduceLROnPlateau(opt, **config)
        out = []
        for x in metrics:
            s.step(x)
            out.append((tuple(g["lr"] for g in opt.param_groups), s.num_bad_epochs,
                        s.cooldown_counter, s.best))
        return out
    assert run(nt) == run(torch)


def test_plateau_halving_is_the_notes_recipe():
    w = nt.zeros(1, requires_grad=True)
    opt = optim.SGD([w], lr=1.0)
    s = sched.ReduceLROnPlateau(opt, mode="max", factor=0.5, patience=0, threshold=0)
    for acc in [0.5, 0.6, 0.6, 0.7, 0.65, 0.71]:
        s.step(acc)
    assert s.get_last_lr() == [0.25]  # halved after the stall at 0.6 and the drop at 0.65


def test_scheduler_state_dict_round_trip():
    w = nt.zeros(1, requires_grad=True)
    opt = optim.SGD([w], lr=1.0)
    s = sched.StepLR(opt, 3, 0.5)
    for _ in range(4):
        opt.step()
        s.step()
    state = s.state_dict()
    assert "optimizer" not in state and state["last_epoch"] == 4
    opt2 = optim.SGD([w], lr=1.0)
    opt2.load_state_dict(opt.state_dict())
    s2 = sched.StepLR(opt2, 3, 0.5)
    s2.load_state_dict(state)
    for _ in range(5):
        opt.step()
        s.step()
        opt2.step()
        s2.step()
    assert s.get_last_lr() == s2.get_last_lr() == [0.125]


def test_scheduler_before_optimizer_warns_like_pytorch():
    w = nt.zeros(1, requires_grad=True)
    opt = optim.SGD([w], lr=1.0)
    s = sched.ExponentialLR(opt, 0.5)
    with pytest.warns(UserWarning, match="before `optimizer.step\\(\\)`"):
        s.step()


def test_bad_scheduler_arguments():
    w = nt.zeros(1, requires_grad=True)
    opt = optim.SGD([w], lr=1.0)
    with pytest.raises(ValueError, match="Factor should be < 1.0"):
        sched.ReduceLROnPlateau(opt, factor=1.0)
    with pytest.raises(ValueError, match="tau must be positive"):
        sched.InverseTimeLR(opt, tau=0)
    with pytest.raises(TypeError, match="is not an Optimizer"):
        sched.StepLR(object(), 3)
    assert math.isinf(sched.ReduceLROnPlateau(opt).best)
