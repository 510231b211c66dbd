"""Optimisers: PyTorch's trajectories, the written-out formulas, and state_dict resumption."""
import math

import numpy as np
import pytest

import neuronet as nt
from neuronet import optim

CONFIGS = [
    ("SGD", dict(lr=0.05)),
    ("SGD", dict(lr=0.05, momentum=0.9)),
    ("SGD", dict(lr=0.05, momentum=0.9, dampening=0.3)),
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.01)),
    ("SGD", dict(lr=0.05, weight_decay=0.1, maximize=True)),
    ("Adagrad", dict()),
    ("Adagrad", dict(lr=0.1, lr_decay=0.01, weight_decay=0.05, initial_accumulator_value=0.1,
                     eps=1e-6)),
    ("Adagrad", dict(lr=0.1, maximize=True)),
    ("RMSprop", dict()),
    ("RMSprop", dict(lr=0.01, alpha=0.9, eps=1e-6, weight_decay=0.01, momentum=0.5)),
    ("RMSprop", dict(lr=0.01, centered=True)),
    ("RMSprop", dict(lr=0.01, centered=True, momentum=0.9, maximize=True)),
    ("Adam", dict()),
    ("Adam", dict(lr=0.01, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1)),
    ("Adam", dict(lr=0.01, amsgrad=True)),
    ("Adam", dict(lr=0.01, amsgrad=True, weight_decay=0.01, maximize=True)),
    ("AdamW", dict()),
    ("AdamW", dict(lr=0.01, weight_decay=0.1, amsgrad=True)),
]
IDS = [f"{name}-{i}" for i, (name, _) in enumerate(CONFIGS)]


def _problem(seed=0):
    rng = np.random.default_rng(seed)
    return dict(A=rng.standard_normal((6, 4)), b=rng.standard_normal(6),
                w=rng.standard_normal(4), v=rng.standard_normal((2, 3)))


def _loss(m, A, b, w, v):
    """A smooth non-quadratic objective over two parameters (one per param group)."""
    r = A @ w - b
    return (r * r).sum() * 0.1 + m.tanh(v).sum() + (v * v).sum() * 0.05 + (w * v[0, 0]).sum() * 0.1


def _run(m, opt_cls, kwargs, data, steps, groups=True):
    A, b = m.tensor(data["A"]), m.tensor(data["b"])
    w = m.tensor(data["w"].copy(), requires_grad=True)
    v = m.tensor(data["v"].copy(), requires_grad=True)
    params = [{"params": [w]}, {"params": [v], "lr": kwargs.get("lr", 0.01) * 0.5}] if groups \
        else [w, v]
    opt = opt_cls(params, **kwargs)
    trajectory = []
    for _ in range(steps):
        opt.zero_grad()
        _loss(m, A, b, w, v).backward()
        opt.step()
        trajectory.append(np.concatenate([w.detach().numpy().ravel(), v.detach().numpy().ravel()]))
    return np.array(trajectory)


@pytest.mark.parametrize("name,kwargs", CONFIGS, ids=IDS)
def test_trajectory_matches_pytorch(name, kwargs, torch):
    data = _problem()
    ours = _run(nt, getattr(optim, name), kwargs, data, 50)
    theirs = _run(torch, getattr(torch.optim, name), kwargs, data, 50)
    np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-13)


def _formula_step(name, kw, theta, g, state, t):
    """The update rules written out in NumPy, one parameter at a time, as PyTorch documents."""
    lr = kw.get("lr", {"SGD": 1e-3, "Adagrad": 1e-2, "RMSprop": 1e-2}.get(name, 1e-3))
    wd = kw.get("weight_decay", 1e-2 if name == "AdamW" else 0.0)
    if kw.get("maximize"):
        g = -g
    if name == "SGD":
        mu, damp = kw.get("momentum", 0.0), kw.get("dampening", 0.0)
        g = g + wd * theta
        if mu:
            state["b"] = g.copy() if t == 1 else mu * state["b"] + (1 - damp) * g
            g = g + mu * state["b"] if kw.get("nesterov") else state["b"]
        return theta - lr * g
    if name == "Adagrad":
        g = g + wd * theta
        state.setdefault("sum", np.full_like(theta, kw.get("initial_accumulator_value", 0.0)))
        clr = lr / (1 + (t - 1) * kw.get("lr_decay", 0.0))
        state["sum"] = state["sum"] + g * g
        return theta - clr * g / (np.sqrt(state["sum"]) + kw.get("eps", 1e-10))
    if name == "RMSprop":
        alpha, eps, mu = kw.get("alpha", 0.99), kw.get("eps", 1e-8), kw.get("momentum", 0.0)
        g = g + wd * theta
        state["sq"] = alpha * state.get("sq", 0.0) + (1 - alpha) * g * g
        if kw.get("centered"):
            state["ga"] = alpha * state.get("ga", 0.0) + (1 - alpha) * g
            avg = np.sqrt(state["sq"] - state["ga"] ** 2) + eps
        else:
            avg = np.sqrt(state["sq"]) + eps
        if mu:
            state["buf"] = mu * state.get("buf", 0.0) + g / avg
            return theta - lr * state["buf"]
        return theta - lr * g / avg
    beta1, beta2 = kw.get("betas", (0.9, 0.999))
    eps = kw.get("eps", 1e-8)
    if name == "AdamW":
        theta = theta * (1 - lr * wd)
    else:
        g = g + wd * theta
    state["m"] = beta1 * state.get("m", 0.0) + (1 - beta1) * g
    state["v"] = beta2 * state.get("v", 0.0) + (1 - beta2) * g * g
    v = state["v"]
    if kw.get("amsgrad"):
        state["vmax"] = np.maximum(state.get("vmax", 0.0), v)
        v = state["vmax"]
    m_hat = state["m"] / (1 - beta1 ** t)
    v_hat = v / (1 - beta2 ** t)
    return theta - lr * m_hat / (np.sqrt(v_hat) + eps)


@pytest.mark.parametrize("name,kwargs", CONFIGS, ids=IDS)
def test_trajectory_matches_written_out_formula(name, kwargs):
    data = _problem(1)
    ours = _run(nt, getattr(optim, name), kwargs, data, 50, groups=False)
    w, v = data["w"].copy(), data["v"].copy()
    states = [{}, {}]
    for t in range(1, 51):
        tw, tv = nt.tensor(w, requires_grad=True), nt.tensor(v, requires_grad=True)
        _loss(nt, nt.tensor(data["A"]), nt.tensor(data["b"]), tw, tv).backward()
        w = _formula_step(name, kwargs, w, tw.grad.numpy(), states[0], t)
        v = _formula_step(name, kwargs, v, tv.grad.numpy(), states[1], t)
        np.testing.assert_allclose(ours[t - 1], np.concatenate([w.ravel(), v.ravel()]),
                                   rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("name,kwargs", CONFIGS, ids=IDS)
def test_save_load_continue_equals_uninterrupted(name, kwargs):
    data = _problem(2)
    straight = _run(nt, getattr(optim, name), kwargs, data, 20)

    A, b = nt.tensor(data["A"]), nt.tensor(data["b"])

    def fresh(w0, v0):
        w = nt.tensor(w0, requires_grad=True)
        v = nt.tensor(v0, requires_grad=True)
        opt = getattr(optim, name)([{"params": [w]},
                                    {"params": [v], "lr": kwargs.get("lr", 0.01) * 0.5}],
                                   **kwargs)
        return w, v, opt

    w, v, opt = fresh(data["w"].copy(), data["v"].copy())
    for _ in range(7):
        opt.zero_grad()
        _loss(nt, A, b, w, v).backward()
        opt.step()
    saved = opt.state_dict()
    w2, v2, opt2 = fresh(w.detach().numpy().copy(), v.detach().numpy().copy())
    opt2.load_state_dict(saved)
    for _ in range(13):
        opt2.zero_grad()
        _loss(nt, A, b, w2, v2).backward()
        opt2.step()
    resumed = np.concatenate([w2.detach().numpy().ravel(), v2.detach().numpy().ravel()])
    np.testing.assert_array_equal(resumed, straight[-1])


def test_updates_are_in_place_and_float32_stays_float32():
    w = nt.randn(3, 3, requires_grad=True)
    array = w._data
    for cls in (optim.SGD, optim.Adagrad, optim.RMSprop, optim.Adam, optim.AdamW):
        opt = cls([w], lr=0.01)
        (w * w).sum().backward()
        opt.step()
        opt.zero_grad()
        assert w._data is array and w.dtype == nt.float32
        assert all(s.dtype == nt.float32 for st in opt.state.values()
                   for s in st.values() if isinstance(s, nt.Tensor))


def test_zero_grad_and_closure():
    w = nt.ones(2, requires_grad=True)
    opt = optim.SGD([w], lr=0.5)

    def closure():
        opt.zero_grad()
        loss = (w * w).sum()
        loss.backward()
        return loss
    assert opt.step(closure).item() == 2.0
    assert w.tolist() == [0.0, 0.0]
    opt.zero_grad()
    assert w.grad is None


def test_bad_options_are_named():
    w = nt.ones(2, requires_grad=True)
    with pytest.raises(ValueError, match="Invalid lr value: -1"):
        optim.SGD([w], lr=-1)
    with pytest.raises(ValueError, match="Nesterov"):
        optim.SGD([w], lr=0.1, nesterov=True)
    with pytest.raises(ValueError, match="beta parameter at index 1"):
        optim.Adam([w], betas=(0.9, 1.0))
    with pytest.raises(ValueError, match="empty parameter list"):
        optim.Adam([])
    with pytest.raises(ValueError, match="more than one parameter group"):
        optim.SGD([{"params": [w]}, {"params": [w]}], lr=0.1)


def test_adagrad_default_eps_is_outside_the_square_root():
    w = nt.tensor([1.0], dtype=nt.float64, requires_grad=True)
    opt = optim.Adagrad([w], lr=1.0)
    w.grad = nt.tensor([1e-6], dtype=nt.float64)
    opt.step()
    assert w.item() == pytest.approx(1.0 - 1e-6 / (math.sqrt(1e-12) + 1e-10), rel=1e-12)


def test_work_buffers_follow_a_parameter_whose_array_is_replaced():
    layer = nt.nn.Linear(2, 1)
    opt = optim.SGD(layer.parameters(), lr=0.5)
    for dtype in (nt.float32, nt.float64):
        layer.to(dtype)
        before = layer.weight.detach().numpy().copy()
        layer(nt.ones(1, 2, dtype=dtype)).sum().backward()
        opt.step()
        opt.zero_grad()
        assert layer.weight.dtype == dtype
        np.testing.assert_allclose(layer.weight.detach().numpy(), before - 0.5, rtol=1e-6)
