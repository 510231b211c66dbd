"""Every learning-rate schedule against PyTorch's: the same lrs (and momenta) to the last bit
over 50 steps with two parameter groups of different lrs, alone, chained and resumed; state
round trips; the deprecated step(epoch); and the same errors for bad arguments."""
import json
import math
import warnings

import pytest

import neuronet as nt
from neuronet.optim import lr_scheduler as sched
from tests.optim.test_lr_scheduler import SCHEDULES as BASIC

STEPS = 50


def _optimizer(m, name="SGD", **kwargs):
    w = m.zeros(2, requires_grad=True)
    v = m.zeros(2, requires_grad=True)
    groups = [{"params": [w]}, {"params": [v], "lr": 0.3}]
    if name == "SGD":
        kwargs.setdefault("momentum", 0.9)
    return getattr(m.optim, name)(groups, lr=0.1, **kwargs)


def _momenta(opt):
    return tuple(g["betas"][0] if "betas" in g else g.get("momentum") for g in opt.param_groups)


def _trace(opt, s, steps=STEPS):
    """(last lrs, group lrs, momenta) after construction and after each of ``steps`` steps."""
    out = [(tuple(s.get_last_lr()), tuple(g["lr"] for g in opt.param_groups), _momenta(opt))]
    for _ in range(steps):
        opt.step()
        s.step()
        out.append((tuple(s.get_last_lr()), tuple(g["lr"] for g in opt.param_groups),
                    _momenta(opt)))
    return out


def _run(m, make, opt_name="SGD", steps=STEPS):
    opt = _optimizer(m, opt_name)
    return _trace(opt, make(m.optim.lr_scheduler, opt), steps)


SCHEDULES = {
    **BASIC,  # lambda, multiplicative, step, multistep, exponential, cosine, linear, onecycle
    "multiplicative_alternating": lambda S, o: S.MultiplicativeLR(o, lambda t: 0.97 if t % 2
                                                                  else 1.01),
    "constant_default": lambda S, o: S.ConstantLR(o),
    "constant": lambda S, o: S.ConstantLR(o, factor=0.5, total_iters=7),
    "polynomial_default": lambda S, o: S.PolynomialLR(o),
    "polynomial": lambda S, o: S.PolynomialLR(o, total_iters=30, power=2.0),
    "polynomial_root": lambda S, o: S.PolynomialLR(o, total_iters=45, power=0.5),
    "warm_restarts": lambda S, o: S.CosineAnnealingWarmRestarts(o, T_0=7),
    "warm_restarts_mult": lambda S, o: S.CosineAnnealingWarmRestarts(o, T_0=3, T_mult=2,
                                                                      eta_min=0.01),
    "cyclic": lambda S, o: S.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=5),
    "cyclic_triangular2": lambda S, o: S.CyclicLR(o, base_lr=[0.01, 0.02], max_lr=[0.1, 0.5],
                                                  step_size_up=4, step_size_down=6,
                                                  mode="triangular2", base_momentum=0.7,
                                                  max_momentum=[0.95, 0.9]),
    "cyclic_exp_range": lambda S, o: S.CyclicLR(o, 0.01, 0.2, step_size_up=3, mode="exp_range",
                                                gamma=0.97),
    "cyclic_scale_fn_iterations": lambda S, o: S.CyclicLR(
        o, 0.01, 0.1, step_size_up=4, scale_fn=lambda x: 1 / (1 + 0.1 * x),
        scale_mode="iterations"),
    "cyclic_scale_fn_cycle": lambda S, o: S.CyclicLR(o, 0.01, 0.1, step_size_up=2,
                                                     step_size_down=5,
                                                     scale_fn=lambda c: 0.8 ** c),
    "cyclic_no_momentum": lambda S, o: S.CyclicLR(o, 0.01, 0.1, step_size_up=6,
                                                  cycle_momentum=False),
    "sequential_warmup_cosine": lambda S, o: S.SequentialLR(
        o, [S.LinearLR(o, start_factor=0.1, total_iters=5), S.CosineAnnealingLR(o, T_max=45)],
        milestones=[5]),
    "sequential_three": lambda S, o: S.SequentialLR(
        o, [S.ConstantLR(o, factor=0.2, total_iters=4), S.ExponentialLR(o, gamma=0.9),
            S.StepLR(o, step_size=5, gamma=0.5)], milestones=[8, 20]),
    "sequential_lambda_after": lambda S, o: S.SequentialLR(
        o, [S.ExponentialLR(o, gamma=0.8), S.LambdaLR(o, lambda t: 1 / (1 + t))],
        milestones=[10]),
    "sequential_multiplicative_after": lambda S, o: S.SequentialLR(
        o, [S.PolynomialLR(o, total_iters=8), S.MultiplicativeLR(o, lambda t: 0.95)],
        milestones=[6]),
    "sequential_restarts_after": lambda S, o: S.SequentialLR(
        o, [S.LinearLR(o, total_iters=4), S.CosineAnnealingWarmRestarts(o, T_0=6)],
        milestones=[4]),
    "chained": lambda S, o: S.ChainedScheduler([S.ConstantLR(o, factor=0.1, total_iters=2),
                                                S.ExponentialLR(o, gamma=0.9)]),
    "chained_with_optimizer": lambda S, o: S.ChainedScheduler(
        [S.StepLR(o, 4, 0.7), S.LinearLR(o, 0.5, total_iters=20),
         S.CosineAnnealingLR(o, T_max=13)], optimizer=o),
}


@pytest.mark.parametrize("name", sorted(SCHEDULES))
def test_sequence_equals_pytorch(name, torch):
    assert _run(nt, SCHEDULES[name]) == _run(torch, SCHEDULES[name])


@pytest.mark.parametrize("name", ["cyclic", "cyclic_triangular2", "onecycle",
                                  "chained_with_optimizer"])
def test_adam_beta1_is_cycled_as_pytorch(name, torch):
    ours, theirs = _run(nt, SCHEDULES[name], "Adam"), _run(torch, SCHEDULES[name], "Adam")
    assert ours == theirs
    assert len({m for _, _, m in ours}) > 1 or name == "chained_with_optimizer"


def test_rmsprop_momentum_is_cycled_as_pytorch(torch):
    make = SCHEDULES["cyclic_exp_range"]
    assert _run(nt, make, "RMSprop") == _run(torch, make, "RMSprop")


@pytest.mark.parametrize("pair", [("step", "exponential"), ("cosine", "linear"),
                                  ("multiplicative", "constant"), ("polynomial", "multistep")])
def test_two_schedulers_on_one_optimizer_compose_as_pytorch(pair, torch):
    def run(m):
        opt = _optimizer(m)
        first, second = (SCHEDULES[n](m.optim.lr_scheduler, opt) for n in pair)
        out = []
        for _ in range(STEPS):
            opt.step()
            first.step()
            second.step()
            out.append((tuple(first.get_last_lr()), tuple(second.get_last_lr())))
        return out
    assert run(nt) == run(torch)


# Resumption with last_epoch: an optimizer whose groups carry initial_lr (as a loaded
# checkpoint's do) and a scheduler built with last_epoch=k.
RESUMABLE = ["lambda", "multiplicative", "step", "multistep", "exponential", "cosine",
             "cosine_short", "linear", "constant", "polynomial", "warm_restarts",
             "warm_restarts_mult", "cyclic_triangular2", "onecycle"]


@pytest.mark.parametrize("name", RESUMABLE)
@pytest.mark.parametrize("k", [0, 3, 17])
def test_last_epoch_resumption_equals_pytorch(name, k, torch):
    def run(m):
        opt = _optimizer(m)
        first = SCHEDULES[name](m.optim.lr_scheduler, opt)
        for _ in range(k):
            opt.step()
            first.step()
        again = _optimizer(m)
        again.load_state_dict(opt.state_dict())
        make = SCHEDULES[name]
        s = make(_WithLastEpoch(m.optim.lr_scheduler, k), again)
        return _trace(again, s, 20)
    assert run(nt) == run(torch)


class _WithLastEpoch:
    """A scheduler module whose constructors all get ``last_epoch``."""

    def __init__(self, module, last_epoch):
        self.module, self.last_epoch = module, last_epoch

    def __getattr__(self, name):
        cls = getattr(self.module, name)
        return lambda *a, **kw: cls(*a, last_epoch=self.last_epoch, **kw)


# ---------------------------------------------------------------------------- state round trips

@pytest.mark.parametrize("name", sorted(SCHEDULES))
@pytest.mark.parametrize("k", [1, 6, 23])
def test_state_dict_round_trip_continues_the_sequence(name, k):
    make = SCHEDULES[name]
    opt = _optimizer(nt)
    s = make(sched, opt)
    for _ in range(k):
        opt.step()
        s.step()
    saved_opt, saved = opt.state_dict(), s.state_dict()
    assert "optimizer" not in saved
    rest = _trace(opt, s, STEPS - k)
    opt2 = _optimizer(nt)
    s2 = make(sched, opt2)  # built before the optimizer's state is loaded, as PyTorch advises
    opt2.load_state_dict(saved_opt)
    s2.load_state_dict(saved)
    assert _trace(opt2, s2, STEPS - k) == rest


@pytest.mark.parametrize("name", ["step", "constant", "polynomial", "warm_restarts_mult",
                                  "cyclic_exp_range", "onecycle", "lambda", "sequential_three",
                                  "chained"])
def test_state_dict_keys_are_pytorchs(name, torch):
    def keys(state):
        return {k: keys(v) if isinstance(v, dict) else
                [keys(x) for x in v] if k == "_schedulers" else None for k, v in state.items()}

    ours = SCHEDULES[name](sched, _optimizer(nt)).state_dict()
    theirs = SCHEDULES[name](torch.optim.lr_scheduler, _optimizer(torch)).state_dict()
    assert keys(ours) == keys(theirs)


def test_plateau_state_dict_keys_are_pytorchs(torch):
    ours = sched.ReduceLROnPlateau(_optimizer(nt)).state_dict()
    theirs = torch.optim.lr_scheduler.ReduceLROnPlateau(_optimizer(torch)).state_dict()
    assert set(ours) == set(theirs)


def test_plateau_state_dict_round_trip():
    metrics = [1.0, 0.9, 0.95, 0.97, 0.99, 0.8, 0.85, 0.86, 0.9, 0.7] * 3
    opt = _optimizer(nt)
    s = sched.ReduceLROnPlateau(opt, patience=1, cooldown=1, factor=0.5)
    for x in metrics[:7]:
        s.step(x)
    saved_opt, saved = opt.state_dict(), s.state_dict()
    rest = []
    for x in metrics[7:]:
        s.step(x)
        rest.append((tuple(s.get_last_lr()), s.num_bad_epochs, s.cooldown_counter, s.best))
    opt2 = _optimizer(nt)
    s2 = sched.ReduceLROnPlateau(opt2)
    opt2.load_state_dict(saved_opt)
    s2.load_state_dict(saved)
    again = []
    for x in metrics[7:]:
        s2.step(x)
        again.append((tuple(s2.get_last_lr()), s2.num_bad_epochs, s2.cooldown_counter, s2.best))
    assert again == rest
    assert rest[0][0] != rest[-1][0]  # the lr did change after the resumption


def test_state_survives_json_with_string_milestones():
    """A state written as JSON (integer keys become strings) loads back."""
    def make(opt, milestones):
        return sched.SequentialLR(
            opt, [sched.MultiStepLR(opt, milestones), sched.ExponentialLR(opt, 0.9)], [9])

    opt = _optimizer(nt)
    s = make(opt, [3, 5, 5])
    for _ in range(2):
        opt.step()
        s.step()
    saved_opt, saved = opt.state_dict(), json.loads(json.dumps(s.state_dict()))
    assert saved["_schedulers"][0]["milestones"] == {"3": 1, "5": 2}
    rest = _trace(opt, s, 12)
    opt2 = _optimizer(nt)
    s2 = make(opt2, [1])
    opt2.load_state_dict(saved_opt)
    s2.load_state_dict(saved)
    assert _trace(opt2, s2, 12) == rest


def test_callable_object_lambda_state_is_saved_and_restored():
    class Decay:
        def __init__(self, rate):
            self.rate = rate

        def __call__(self, t):
            return self.rate ** t

    opt = _optimizer(nt)
    s = sched.LambdaLR(opt, [Decay(0.9), lambda t: 1.0])
    state = s.state_dict()
    assert state["lr_lambdas"] == [{"rate": 0.9}, None]
    other = sched.LambdaLR(_optimizer(nt), [Decay(0.5), lambda t: 1.0])
    other.load_state_dict(state)
    assert other.lr_lambdas[0].rate == 0.9
    assert "lr_lambdas" in state  # loading leaves the given dict as it was


# ------------------------------------------------------------------ step(epoch), warnings, types

CLOSED_FORM = ["step", "multistep", "exponential", "cosine", "linear", "constant",
               "polynomial"]


@pytest.mark.parametrize("name", CLOSED_FORM + ["lambda", "cyclic"])
def test_step_with_epoch_uses_the_closed_form_and_warns_as_pytorch(name, torch):
    def run(m):
        opt = _optimizer(m)
        s = SCHEDULES[name](m.optim.lr_scheduler, opt)
        out = []
        for epoch in [1, 2, 5, 3, 12, 31, 40, 7]:
            opt.step()
            with pytest.warns(UserWarning, match="epoch parameter"):
                s.step(epoch)
            out.append(tuple(s.get_last_lr()))
        return out
    assert run(nt) == run(torch)


@pytest.mark.parametrize("T_mult", [1, 2, 3])
def test_warm_restarts_fractional_epochs_equal_pytorch(T_mult, torch):
    def run(m):
        opt = _optimizer(m)
        s = m.optim.lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=4, T_mult=T_mult,
                                                              eta_min=0.001)
        out = []
        for epoch in range(30):
            for batch in range(7):
                opt.step()
                s.step(epoch + batch / 7)
                out.append((tuple(s.get_last_lr()), s.T_cur, s.T_i, s.last_epoch))
        s.step(2.5)  # and back in time
        out.append((tuple(s.get_last_lr()), s.T_cur, s.T_i, s.last_epoch))
        s.step()
        out.append((tuple(s.get_last_lr()), s.T_cur, s.T_i, s.last_epoch))
        return out
    ours = run(nt)
    assert ours == run(torch)
    assert any(t != int(t) for _, t, _, _ in ours)  # fractional positions were reached


def test_calling_get_lr_directly_warns_as_pytorch():
    opt = _optimizer(nt)
    s = sched.StepLR(opt, 3)
    with pytest.warns(UserWarning, match="get_last_lr"):
        s.get_lr()
    opt.step()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s.step()  # no warning inside a step


def test_scheduler_step_before_optimizer_step_warns():
    opt = _optimizer(nt)
    s = sched.SequentialLR(opt, [sched.ConstantLR(opt), sched.ExponentialLR(opt, 0.5)], [2])
    with pytest.warns(UserWarning, match="before `optimizer.step\\(\\)`"):
        s.step()


def test_every_scheduler_is_an_lr_scheduler_and_subclasses_work(torch):
    for name in ["SequentialLR", "ChainedScheduler", "ConstantLR", "PolynomialLR",
                 "CosineAnnealingWarmRestarts", "CyclicLR", "OneCycleLR", "ReduceLROnPlateau",
                 "InverseTimeLR", "_LRScheduler"]:
        assert issubclass(getattr(sched, name), sched.LRScheduler)
    assert sched._LRScheduler.__name__ == "_LRScheduler"
    assert set(torch.optim.lr_scheduler.__all__) <= set(dir(sched))

    def run(m):
        class Halving(m.optim.lr_scheduler.LRScheduler):
            def get_lr(self):
                return [base * 0.5 ** (self.last_epoch // 3) for base in self.base_lrs]
        opt = _optimizer(m)
        return _trace(opt, Halving(opt), 10)
    assert run(nt) == run(torch)


def test_onecycle_stepping_past_total_steps_raises():
    opt = _optimizer(nt)
    s = sched.OneCycleLR(opt, max_lr=0.1, total_steps=3)
    for _ in range(3):
        opt.step()
        s.step()
    with pytest.raises(ValueError, match="Tried to step 4 times"):
        s.step()


def test_warm_restarts_values_are_the_formula():
    opt = _optimizer(nt)
    s = sched.CosineAnnealingWarmRestarts(opt, T_0=4, T_mult=2, eta_min=0.01)
    lrs = [s.get_last_lr()[0]]
    for _ in range(12):
        opt.step()
        s.step()
        lrs.append(s.get_last_lr()[0])
    # cycles of 4 then 8 steps: T_cur 0 1 2 3 | 0 .. 7 | 0
    positions = [(t, 4) for t in range(4)] + [(t, 8) for t in range(8)] + [(0, 16)]
    expected = [0.01 + (0.1 - 0.01) * (1 + math.cos(math.pi * c / T)) / 2 for c, T in positions]
    assert lrs == pytest.approx(expected, rel=1e-12)


# ---------------------------------------------------------------------------------- errors

def _no_momentum(m):
    return m.optim.Adagrad([m.zeros(1, requires_grad=True)], lr=0.1)


BAD = {
    "constant_factor": (lambda S, o, m: S.ConstantLR(o, factor=1.5), ValueError, "factor"),
    "linear_start": (lambda S, o, m: S.LinearLR(o, start_factor=0), ValueError, "Starting"),
    "linear_end": (lambda S, o, m: S.LinearLR(o, end_factor=1.2), ValueError, "Ending"),
    "restarts_T_0": (lambda S, o, m: S.CosineAnnealingWarmRestarts(o, T_0=0), ValueError, "T_0"),
    "restarts_T_0_float": (lambda S, o, m: S.CosineAnnealingWarmRestarts(o, T_0=2.5),
                           ValueError, "T_0"),
    "restarts_T_mult": (lambda S, o, m: S.CosineAnnealingWarmRestarts(o, 3, T_mult=0),
                        ValueError, "T_mult"),
    "restarts_eta_min": (lambda S, o, m: S.CosineAnnealingWarmRestarts(o, 3, eta_min="0"),
                         ValueError, "eta_min"),
    "restarts_negative_epoch": (lambda S, o, m: S.CosineAnnealingWarmRestarts(o, 3).step(-1),
                                ValueError, "non-negative epoch"),
    "cyclic_mode": (lambda S, o, m: S.CyclicLR(o, 0.1, 1.0, mode="square"), ValueError, "mode"),
    "cyclic_no_momentum": (lambda S, o, m: S.CyclicLR(_no_momentum(m), 0.1, 1.0), ValueError,
                           "momentum or beta1"),
    "cyclic_base_lr_count": (lambda S, o, m: S.CyclicLR(o, [0.1, 0.2, 0.3], 1.0), ValueError,
                             "base_lr"),
    "cyclic_max_momentum_count": (lambda S, o, m: S.CyclicLR(o, 0.1, 1.0, max_momentum=[0.9]),
                                  ValueError, "max_momentum"),
    "onecycle_steps": (lambda S, o, m: S.OneCycleLR(o, 0.1, total_steps=0), ValueError,
                       "total_steps"),
    "onecycle_none": (lambda S, o, m: S.OneCycleLR(o, 0.1), ValueError, "total_steps OR"),
    "onecycle_epochs": (lambda S, o, m: S.OneCycleLR(o, 0.1, epochs=0, steps_per_epoch=3),
                        ValueError, "epochs"),
    "onecycle_pct": (lambda S, o, m: S.OneCycleLR(o, 0.1, 10, pct_start=1.5), ValueError,
                     "pct_start"),
    "onecycle_anneal": (lambda S, o, m: S.OneCycleLR(o, 0.1, 10, anneal_strategy="cosine"),
                        ValueError, "anneal_strategy"),
    "onecycle_no_momentum": (lambda S, o, m: S.OneCycleLR(_no_momentum(m), 0.1, 10),
                             ValueError, "momentum or beta1"),
    "sequential_empty": (lambda S, o, m: S.SequentialLR(o, [], []), ValueError,
                         "at least one scheduler"),
    "sequential_milestones": (lambda S, o, m: S.SequentialLR(
        o, [S.ConstantLR(o), S.ExponentialLR(o, 0.9)], [2, 4]), ValueError, "milestone"),
    "sequential_plateau": (lambda S, o, m: S.SequentialLR(
        o, [S.ConstantLR(o), S.ReduceLROnPlateau(o)], [2]), ValueError, "ReduceLROnPlateau"),
    "sequential_other_optimizer": (lambda S, o, m: S.SequentialLR(
        o, [S.ConstantLR(o), S.ExponentialLR(_optimizer(m), 0.9)], [2]), ValueError,
        "same optimizer"),
    "sequential_not_a_scheduler": (lambda S, o, m: S.SequentialLR(o, [S.ConstantLR(o), 3], [2]),
                                   TypeError, "optimizer"),
    "chained_empty": (lambda S, o, m: S.ChainedScheduler([]), ValueError,
                      "at least one scheduler"),
    "chained_plateau": (lambda S, o, m: S.ChainedScheduler([S.ReduceLROnPlateau(o)]),
                        ValueError, "ReduceLROnPlateau"),
    "chained_other_optimizer": (lambda S, o, m: S.ChainedScheduler(
        [S.ConstantLR(o), S.ExponentialLR(_optimizer(m), 0.9)]), ValueError, "same optimizer"),
    "multiplicative_not_callable": (lambda S, o, m: S.MultiplicativeLR(o, 0.9), TypeError,
                                    "lr_lambda"),
    "lambda_count": (lambda S, o, m: S.LambdaLR(o, [lambda t: 1.0] * 3), ValueError, "3"),
    "resume_without_initial_lr": (lambda S, o, m: S.StepLR(o, 3, last_epoch=4), KeyError,
                                  "initial_lr"),
    "not_an_optimizer": (lambda S, o, m: S.ExponentialLR(object(), 0.9), TypeError,
                         "is not an Optimizer"),
    "plateau_factor": (lambda S, o, m: S.ReduceLROnPlateau(o, factor=1.0), ValueError,
                       "Factor should be < 1.0"),
    "plateau_mode": (lambda S, o, m: S.ReduceLROnPlateau(o, mode="up"), ValueError, "mode up"),
    "plateau_threshold_mode": (lambda S, o, m: S.ReduceLROnPlateau(o, threshold_mode="pct"),
                               ValueError, "threshold mode pct"),
    "plateau_min_lr_count": (lambda S, o, m: S.ReduceLROnPlateau(o, min_lr=[0.1]), ValueError,
                             "min_lrs"),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_arguments_raise_as_pytorch(name, torch):
    make, error, words = BAD[name]
    with pytest.raises(error, match=words):
        make(sched, _optimizer(nt), nt)
    with pytest.raises(error):
        make(torch.optim.lr_scheduler, _optimizer(torch), torch)


@pytest.mark.parametrize("make", [lambda o: sched.StepLR(o, 0), lambda o: sched.StepLR(o, None),
                                  lambda o: sched.CyclicLR(o, 0.1, 1.0, step_size_up=0),
                                  lambda o: sched.CyclicLR(o, 0.1, 1.0, scale_mode="cycles")])
def test_arguments_pytorch_fails_on_later_are_refused_at_once(make):
    """(PyTorch divides by zero at the first step or ignores the value.)"""
    with pytest.raises(ValueError, match="step_size|scale_mode"):
        make(_optimizer(nt))
