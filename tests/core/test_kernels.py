"""The fused CuPy kernels, checked on any machine: each kernel's body is run through NumPy
(a line-by-line reading of its C++: same operations, same order) at the very call sites that
launch it on a GPU, and must give what the plain path gives. What this cannot check, CUDA
compiling the bodies, tests/gpu does where a GPU is present."""
import importlib.util
import re
import sys

import numpy as np
import pytest

import neuronet as nt
from neuronet import kernels, optim

_FUNCTIONS = {"exp": np.exp, "fabs": np.abs, "sqrt": np.sqrt, "fmin": np.fmin}


def _numpy_kernel(name):
    """A callable with the kernel's signature that runs its body with NumPy."""
    inputs, outputs, body = kernels.SPECS[name]
    in_names = [p.split()[-1] for p in inputs.split(",")]
    out_names = [p.split()[-1] for p in outputs.split(",")]
    python = re.sub(r"\(T\)\(", "T(", body)  # C casts, (T)(x) and (T)1, read as T(x), T(1)
    python = re.sub(r"\(T\)([\w.]+)", r"T(\1)", python)
    python = re.sub(r"\bT\s+(\w+\s*=)", r"\1", python)  # declarations: T e = ... -> e = ...
    statements = [s.strip() for s in python.split(";") if s.strip()]

    def run(*args):
        arrays = [a for a in args if isinstance(a, np.ndarray)]
        scope = dict(_FUNCTIONS, T=arrays[0].dtype.type)
        scope.update(zip(in_names, [scope["T"](a) if not isinstance(a, np.ndarray) else a
                                    for a in args[:len(in_names)]]))
        given = args[len(in_names):]
        for out_name, out in zip(out_names, given):
            scope[out_name] = out
        for statement in statements:
            exec(statement, {}, scope)  # noqa: S102 - the kernel's own text
        for out_name, out in zip(out_names, given):
            if scope[out_name] is not out:  # a ``p -= ...`` on an array stays in place
                out[...] = scope[out_name]
        results = [scope[n] for n in out_names]
        return results[0] if len(results) == 1 else tuple(results)
    return run


# (optimizer, options, the kernel its step launches): shared with tests/gpu/test_fused.py
OPTIMIZER_CASES = [
    (optim.SGD, dict(lr=0.1), "sgd_step"),
    (optim.SGD, dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01), "sgd_step"),
    (optim.Adagrad, dict(lr=0.1, lr_decay=0.01, weight_decay=0.01), "adagrad_step"),
    (optim.Adam, dict(lr=0.01, weight_decay=0.01), "adam_step"),
    (optim.AdamW, dict(lr=0.01), "adam_step"),
]
ACTIVATION_CASES = [("sigmoid", nt.sigmoid), ("tanh", nt.tanh), ("relu", nt.relu)]


def _fused_call_sites():
    """(module, attribute, kernel name) for every function ``kernels.fused`` made, in every
    loaded neuronet module."""
    sites = []
    for module_name, module in list(sys.modules.items()):
        if module_name.split(".")[0] != "neuronet" or module is None:
            continue
        for attr, value in list(vars(module).items()):
            name = getattr(value, "kernel_name", None)
            if callable(value) and isinstance(name, str) and name in kernels.SPECS:
                sites.append((module, attr, name))
    return sites


def test_every_fused_function_is_found_at_its_call_sites():
    found = {name for _, _, name in _fused_call_sites()}
    assert found == set(kernels.SPECS)
    # without CuPy the call sites hold the references themselves: no dispatch on the CPU path
    if importlib.util.find_spec("cupy") is None:
        from neuronet.ops import activation
        assert activation.sigmoid_backward is activation._sigmoid_backward


@pytest.fixture
def numpy_kernels(monkeypatch):
    """Route every fused call site (a ``kernels.dispatcher`` at each, the one dispatch place)
    to the NumPy reading of its kernel."""
    used = set()

    def kernel(name):
        used.add(name)
        return _numpy_kernel(name)
    monkeypatch.setattr(kernels, "kernel", kernel)
    monkeypatch.setattr(kernels, "usable", lambda *a: kernels._enabled[0])
    monkeypatch.setattr(kernels, "_NUMPY", type(None))  # the one-type-test guard of the CPU path
    for module, attr, name in _fused_call_sites():
        reference = getattr(getattr(module, attr), "reference", getattr(module, attr))
        monkeypatch.setattr(module, attr, kernels.dispatcher(name, reference))
    return used


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name,fn", ACTIVATION_CASES)
def test_activation_kernels_equal_the_plain_path(numpy_kernels, name, fn, dtype):
    rng = np.random.default_rng(0)
    x = np.concatenate([rng.standard_normal(200) * 5, [-1e4, -100.0, -0.0, 0.0, 100.0, 1e4]])
    x, seed = x.astype(dtype), rng.standard_normal(x.size).astype(dtype)

    def value_and_grad():
        t = nt.tensor(x, requires_grad=True)
        out = fn(t)
        out.backward(nt.tensor(seed))
        return out.detach().numpy(), t.grad.numpy()
    fused = value_and_grad()
    assert f"{name}_backward" in numpy_kernels
    with kernels.disabled():
        plain = value_and_grad()
    for a, b in zip(fused, plain):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("cls,kwargs,kernel_name", OPTIMIZER_CASES)
def test_optimizer_kernels_follow_the_plain_trajectory(numpy_kernels, cls, kwargs, kernel_name,
                                                       dtype):
    rng = np.random.default_rng(1)
    start, target = rng.standard_normal((8, 4)), rng.standard_normal((8, 4))

    def trajectory():
        w = nt.tensor(start.astype(dtype), requires_grad=True)
        goal = nt.tensor(target.astype(dtype))
        opt = cls([w], **kwargs)
        for _ in range(20):
            opt.zero_grad()
            ((w - goal) ** 2).sum().backward()
            opt.step()
        return w.detach().numpy()
    fused = trajectory()
    assert kernel_name in numpy_kernels
    with kernels.disabled():
        plain = trajectory()
    np.testing.assert_allclose(fused, plain, rtol=1e-12 if dtype == np.float64 else 1e-6)


def test_numpy_arrays_never_use_fused_kernels_and_disabled_restores_the_switch():
    assert not kernels.usable(np.ones(3, np.float32))
    assert kernels._enabled[0]
    with kernels.disabled():
        assert not kernels._enabled[0]
        with kernels.disabled():
            assert not kernels._enabled[0]
        assert not kernels._enabled[0]
    assert kernels._enabled[0]
