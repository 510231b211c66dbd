"""Module hooks (forward, full backward, global) and post-accumulate-grad hooks, against PyTorch.

Each comparison builds the same model with the same weights in both libraries, registers the
same hooks (written once: neuronet has PyTorch's API) and compares what the hooks saw, in what
order, and the gradients that came out.
"""
import warnings

import numpy as np
import pytest

import neuronet as nt
import neuronet.nn.modules.module as nt_module_path
from neuronet import nn
from neuronet.nn import module as nt_module
from neuronet.utils.hooks import RemovableHandle

RTOL = 1e-10


def _np(t):
    return None if t is None else t.detach().numpy()


def _close(a, b):
    if a is None or b is None:
        assert a is None and b is None, (a, b)
    else:
        np.testing.assert_allclose(a, b, rtol=RTOL, atol=1e-12)


def _close_all(ours, theirs):
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        _close(a, b)


def _pair(torch, kind, rng):
    """The same float64 model in neuronet and PyTorch (weights drawn here, copied into both)."""
    if kind == "linear":
        ours, theirs = nn.Linear(3, 2).double(), torch.nn.Linear(3, 2).double()
    else:
        ours = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2)).double()
        theirs = torch.nn.Sequential(
            torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2)).double()
    with torch.no_grad():
        for (name, p), (tname, tp) in zip(ours.named_parameters(), theirs.named_parameters()):
            assert name == tname
            value = rng.standard_normal(p.shape)
            p.data[...] = value
            tp.copy_(torch.tensor(value))
    return ours, theirs


def _record_all(model, log):
    """Every kind of hook on every module of ``model``, each appending what it saw to ``log``."""
    names = {id(m): name or "root" for name, m in model.named_modules()}
    handles = []
    for m in model.modules():
        name = names[id(m)]
        handles += [
            m.register_forward_pre_hook(
                lambda mod, args, n=name: log.append(("pre", n, [_np(a) for a in args]))),
            m.register_forward_hook(
                lambda mod, args, out, n=name: log.append(("fwd", n, [_np(out)]))),
            m.register_full_backward_pre_hook(
                lambda mod, go, n=name: log.append(("bw_pre", n, [_np(g) for g in go]))),
            m.register_full_backward_hook(
                lambda mod, gi, go, n=name: log.append(
                    ("bw", n, [_np(g) for g in gi] + [_np(g) for g in go]))),
        ]
    return handles


def _compare_logs(ours, theirs):
    assert [e[:2] for e in ours] == [e[:2] for e in theirs]
    for a, b in zip(ours, theirs):
        _close_all(a[2], b[2])


def _run(lib, model, x, g):
    """Forward and backward from ``x`` (requiring grad) with the output gradient ``g``."""
    xt = lib.tensor(x, requires_grad=True)
    y = model(xt)
    y.backward(lib.tensor(g))
    return xt, y


@pytest.mark.parametrize("kind", ["linear", "mlp"])
def test_every_hook_sees_what_pytorchs_sees_in_the_same_order(torch, rng, kind):
    ours, theirs = _pair(torch, kind, rng)
    x, g = rng.standard_normal((5, 3)), rng.standard_normal((5, 2))
    log_ours, log_theirs = [], []
    _record_all(ours, log_ours)
    _record_all(theirs, log_theirs)
    xo, yo = _run(nt, ours, x, g)
    xt, yt = _run(torch, theirs, x, g)
    _compare_logs(log_ours, log_theirs)
    kinds = [e[0] for e in log_ours]
    assert kinds.count("bw") == kinds.count("fwd") == len(list(ours.modules()))
    _close(_np(yo), _np(yt))
    _close(xo.grad.numpy(), xt.grad.numpy())
    for p, tp in zip(ours.parameters(), theirs.parameters()):
        _close(p.grad.numpy(), tp.grad.numpy())


def test_linear_grad_input_is_the_input_gradient_and_grad_output_the_seed(torch, rng):
    ours, theirs = _pair(torch, "linear", rng)
    x, g = rng.standard_normal((4, 3)), rng.standard_normal((4, 2))
    seen = {}
    ours.register_full_backward_hook(lambda m, gi, go: seen.update(gi=gi, go=go))
    xo, _ = _run(nt, ours, x, g)
    assert isinstance(seen["gi"], tuple) and len(seen["gi"]) == 1
    assert isinstance(seen["go"], tuple) and len(seen["go"]) == 1
    np.testing.assert_allclose(seen["go"][0].numpy(), g, rtol=RTOL)
    np.testing.assert_allclose(seen["gi"][0].numpy(), g @ ours.weight.detach().numpy(), rtol=RTOL)
    xt = torch.tensor(x, requires_grad=True)
    theirs(xt).backward(torch.tensor(g))
    _close(seen["gi"][0].numpy(), xt.grad.numpy())


@pytest.mark.parametrize("kind", ["linear", "mlp"])
def test_replacing_grad_input_and_grad_output_as_pytorch(torch, rng, kind):
    x, g = rng.standard_normal((5, 3)), rng.standard_normal((5, 2))
    results = []
    for lib, model in zip((nt, torch), _pair(torch, kind, rng)):
        first = model if kind == "linear" else model[0]
        last = model if kind == "linear" else model[2]
        last.register_full_backward_pre_hook(lambda m, go: (go[0] * 3,))
        first.register_full_backward_hook(lambda m, gi, go: (gi[0] * -2,))
        xt, _ = _run(lib, model, x, g)
        results.append([xt.grad] + [p.grad for p in model.parameters()])
    _close_all([_np(t) for t in results[0]], [_np(t) for t in results[1]])
    ours, theirs = _pair(torch, kind, rng)  # and the replacements did change the gradients
    xo, _ = _run(nt, ours, x, g)
    assert not np.allclose(xo.grad.numpy(), _np(results[0][0]))


def test_forward_pre_hook_replaces_args_and_forward_hook_the_output(torch, rng):
    x = rng.standard_normal((2, 3))
    outs = []
    for lib, model in zip((nt, torch), _pair(torch, "linear", rng)):
        model.register_forward_pre_hook(lambda m, args: args[0] * 2)  # not a tuple: wrapped
        model.register_forward_pre_hook(lambda m, args: (args[0] + 1,))
        model.register_forward_hook(lambda m, args, out: out * 10)
        seen = []
        model.register_forward_hook(lambda m, args, out: seen.append((_np(args[0]), _np(out))))
        outs.append((_np(model(lib.tensor(x))), seen[0]))
    (yo, (ao, oo)), (yt, (at, ot)) = outs
    _close(yo, yt)
    _close(ao, at)
    _close(oo, ot)
    np.testing.assert_allclose(ao, x * 2 + 1, rtol=RTOL)  # the replaced args reach the hooks


def test_hooks_with_kwargs(torch):
    class Scale(torch.nn.Module):
        def forward(self, x, factor=1.0):
            return x * factor

    class OurScale(nn.Module):
        def forward(self, x, factor=1.0):
            return x * factor

    outs = []
    for lib, model in ((nt, OurScale()), (torch, Scale())):
        model.register_forward_pre_hook(
            lambda m, args, kwargs: (args, {"factor": kwargs["factor"] + 1}), with_kwargs=True)
        seen = []
        model.register_forward_hook(
            lambda m, args, kwargs, out: seen.append(kwargs["factor"]), with_kwargs=True)
        outs.append((_np(model(lib.tensor([1.0, 2.0], dtype=lib.float64), factor=2.0)), seen))
    assert outs[0][1] == outs[1][1] == [3.0]
    _close(outs[0][0], outs[1][0])

    bad = OurScale()
    bad.register_forward_pre_hook(lambda m, args, kwargs: 5, with_kwargs=True)
    with pytest.raises(RuntimeError, match=r"forward pre-hook must return None or a tuple of "
                                           r"\(new_args, new_kwargs\), but got 5\."):
        bad(nt.tensor([1.0]))


def test_always_call_forward_hook_runs_when_forward_raises(torch):
    class Fails(nn.Module):
        def forward(self, x):
            raise ValueError("forward failed")

    class TorchFails(torch.nn.Module):
        def forward(self, x):
            raise ValueError("forward failed")

    calls = []
    for lib, model in ((nt, Fails()), (torch, TorchFails())):
        seen = []
        model.register_forward_hook(lambda m, a, out: seen.append(("always", out)),
                                    always_call=True)
        model.register_forward_hook(lambda m, a, out: seen.append(("plain", out)))
        with pytest.raises(ValueError, match="forward failed"):
            model(lib.ones(2))
        calls.append(seen)
    assert calls[0] == calls[1] == [("always", None)]


def test_an_always_call_hooks_own_error_becomes_a_warning(torch, global_hooks):
    def broken(m, a, out):
        raise KeyError("hook failed")

    for lib in (nt, torch):
        mod = nt_module_path if lib is nt else torch.nn.modules.module
        model = (nn.Linear if lib is nt else torch.nn.Linear)(2, 2)
        model.register_forward_hook(broken, always_call=True)
        global_hooks.append(mod.register_module_forward_hook(broken, always_call=True))
        with pytest.warns(UserWarning) as record, pytest.raises(RuntimeError):
            model(lib.ones(1, 3))  # a shape error in forward
        assert [str(w.message) for w in record] == [
            f"{owner} forward hook with ``always_call=True`` raised an exception that was "
            "silenced as another error was raised in forward: 'hook failed'"
            for owner in ("global module", "module")
        ]
        global_hooks.pop().remove()


def test_backward_hook_on_module_whose_inputs_do_not_require_grad(torch, rng):
    x, g = rng.standard_normal((2, 3)), rng.standard_normal((2, 2))
    seen = []
    for lib, model in zip((nt, torch), _pair(torch, "linear", rng)):
        log = []
        model.register_full_backward_hook(lambda m, gi, go: log.append((gi, _np(go[0]))))
        with pytest.warns(UserWarning, match="Full backward hook is firing when gradients are "
                                             "computed with respect to module outputs since no "
                                             "inputs require gradients"):
            model(lib.tensor(x)).backward(lib.tensor(g))
        seen.append((log, model.weight.grad))
    (log_o, wo), (log_t, wt) = seen
    assert len(log_o) == len(log_t) == 1
    assert log_o[0][0] == log_t[0][0] == (None,)
    _close(log_o[0][1], log_t[0][1])
    _close(_np(wo), _np(wt))

    ours = nn.Linear(3, 2)
    ours.register_full_backward_hook(lambda m, gi, go: (go[0],))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(RuntimeError, match="Backward hook for Modules where no input requires "
                                               "gradient should always return None or None for "
                                               "all gradients."):
            ours(nt.ones(1, 3)).sum().backward()


def _two_in_two_out(lib):
    base = nn.Module if lib is nt else lib.nn.Module

    class TwoInTwoOut(base):
        def forward(self, a, scale, b):
            return a * b * scale, a * 3

    return TwoInTwoOut()


def test_tuple_inputs_and_outputs(torch, rng):
    """grad_input: None for the non-tensor argument; grad_output: None for the unused output;
    an input that requires no grad gets zeros, as PyTorch's identity node gives."""
    a, b = rng.standard_normal(3), rng.standard_normal(3)
    seen = []
    for lib in (nt, torch):
        model = _two_in_two_out(lib)
        log = []
        model.register_full_backward_pre_hook(lambda m, go: log.append(("pre", go)))
        model.register_full_backward_hook(lambda m, gi, go: log.append(("bw", gi, go)))
        at = lib.tensor(a, requires_grad=True)
        first, _second = model(at, 2.0, lib.tensor(b))
        first.sum().backward()
        seen.append(([(e[0], [[_np(t) for t in part] for part in e[1:]]) for e in log],
                     _np(at.grad)))
    (log_o, grad_o), (log_t, grad_t) = seen
    assert [e[0] for e in log_o] == [e[0] for e in log_t] == ["pre", "bw"]
    for (_, parts_o), (_, parts_t) in zip(log_o, log_t):
        for po, pt in zip(parts_o, parts_t):
            _close_all(po, pt)
    assert log_o[0][1][0][1] is None  # the unused output
    assert log_o[1][1][0][1] is None  # the non-tensor argument
    np.testing.assert_array_equal(log_o[1][1][0][2], np.zeros(3))  # b: no grad, zeros
    _close(grad_o, grad_t)


def test_an_unused_tensor_input_gets_zeros_in_grad_input_and_in_grad(torch):
    grads = []
    for lib in (nt, torch):
        base = nn.Module if lib is nt else lib.nn.Module

        class FirstOnly(base):
            def forward(self, a, b):
                return a * 2

        model = FirstOnly()
        log = []
        model.register_full_backward_hook(lambda m, gi, go: log.append([_np(t) for t in gi]))
        a = lib.ones(2, dtype=lib.float64, requires_grad=True)
        b = lib.ones(2, dtype=lib.float64, requires_grad=True)
        model(a, b).sum().backward()
        grads.append((log, _np(b.grad)))
    assert len(grads[0][0]) == len(grads[1][0]) == 1
    _close_all(grads[0][0][0], grads[1][0][0])
    np.testing.assert_array_equal(grads[0][1], np.zeros(2))
    _close(grads[0][1], grads[1][1])


def test_grad_input_of_none_stops_the_gradient(torch, rng):
    a, b = rng.standard_normal(3), rng.standard_normal(3)
    grads = []
    for lib in (nt, torch):
        model = _two_in_two_out(lib)
        model.register_full_backward_hook(lambda m, gi, go: (gi[0] * 10, None, None))
        at, bt = lib.tensor(a, requires_grad=True), lib.tensor(b, requires_grad=True)
        first, second = model(at, 2.0, bt)
        (first.sum() + second.sum()).backward()
        grads.append((_np(at.grad), bt.grad))
    _close(grads[0][0], grads[1][0])
    assert grads[0][1] is None and grads[1][1] is None


@pytest.mark.parametrize("register,bad,message", [
    ("register_full_backward_hook", lambda m, gi, go: (gi[0], gi[0]),
     "Backward hook returned an invalid number of grad_input, got 2, but expected 1"),
    ("register_full_backward_pre_hook", lambda m, go: (go[0], go[0]),
     "Backward pre hook returned an invalid number of grad_output, got 2, but expected 1"),
])
def test_wrong_number_of_gradients_raises_pytorchs_error(torch, register, bad, message):
    for lib, model in ((nt, nn.Linear(2, 1)), (torch, torch.nn.Linear(2, 1))):
        getattr(model, register)(bad)
        with pytest.raises(RuntimeError, match=message):
            model(lib.ones(1, 2, requires_grad=True)).sum().backward()


def test_remove_and_context_manager_and_prepend():
    model = nn.Linear(2, 2)
    order = []
    first = model.register_forward_hook(lambda m, a, o: order.append("first"))
    model.register_forward_hook(lambda m, a, o: order.append("second"))
    model.register_forward_hook(lambda m, a, o: order.append("prepended"), prepend=True)
    model(nt.ones(1, 2))
    assert order == ["prepended", "first", "second"]
    assert isinstance(first, RemovableHandle)
    first.remove()
    first.remove()  # a second remove does nothing
    order.clear()
    model(nt.ones(1, 2))
    assert order == ["prepended", "second"]

    other = nn.Linear(2, 2)
    with other.register_forward_pre_hook(lambda m, a: order.append("in block")) as handle:
        other(nt.ones(1, 2))
    assert isinstance(handle, RemovableHandle)
    other(nt.ones(1, 2))
    assert order == ["prepended", "second", "in block"]
    assert "_has_hooks" not in other.__dict__  # back on the call without hooks


def test_removed_backward_hooks_leave_plain_graph():
    model = nn.Linear(2, 2)
    handle = model.register_full_backward_hook(lambda m, gi, go: None)
    x = nt.ones(1, 2, requires_grad=True)
    assert model(x).grad_fn.name == "BackwardHookFunctionBackward"
    handle.remove()
    assert model(x).grad_fn.name != "BackwardHookFunctionBackward"


def test_backward_hooks_stay_out_of_no_grad():
    model = nn.Linear(2, 2)
    calls = []
    model.register_full_backward_hook(lambda m, gi, go: calls.append(1))
    with nt.no_grad():
        y = model(nt.ones(1, 2, requires_grad=True))
    assert y.grad_fn is None and not calls


@pytest.fixture
def global_hooks(torch):
    handles = []
    yield handles
    for h in handles:
        h.remove()
    assert not nt_module._global_forward_hooks and not nt_module._global_backward_hooks


def test_global_hooks_run_before_each_modules_own(torch, rng, global_hooks):
    x, g = rng.standard_normal((5, 3)), rng.standard_normal((5, 2))
    logs = []
    for lib, model in zip((nt, torch), _pair(torch, "mlp", rng)):
        mod = nt_module_path if lib is nt else torch.nn.modules.module
        names = {id(m): n or "root" for n, m in model.named_modules()}
        log = []
        model[2].register_forward_hook(lambda m, a, o: log.append(("own fwd", names[id(m)])))
        model[2].register_full_backward_hook(
            lambda m, gi, go: log.append(("own bw", names[id(m)])))
        global_hooks += [
            mod.register_module_forward_pre_hook(
                lambda m, a: log.append(("pre", names[id(m)]))),
            mod.register_module_forward_hook(lambda m, a, o: log.append(("fwd", names[id(m)]))),
            mod.register_module_full_backward_pre_hook(
                lambda m, go: log.append(("bw_pre", names[id(m)]))),
            mod.register_module_full_backward_hook(
                lambda m, gi, go: log.append(("bw", names[id(m)], _np(gi[0])))),
        ]
        _run(lib, model, x, g)
        logs.append(log)
        for h in global_hooks:
            h.remove()
        global_hooks.clear()
    assert [e[:2] for e in logs[0]] == [e[:2] for e in logs[1]]
    assert logs[0].index(("fwd", "2")) < logs[0].index(("own fwd", "2"))
    for a, b in zip(logs[0], logs[1]):
        if len(a) == 3:
            _close(a[2], b[2])
    assert nt_module.Module._has_hooks is False  # every module back on the call without hooks


def test_global_hook_paths_are_pytorchs():
    assert nt_module_path.Module is nn.Module
    assert nt_module_path._global_forward_hooks is nt_module._global_forward_hooks
    for name in ("register_module_forward_pre_hook", "register_module_forward_hook",
                 "register_module_full_backward_pre_hook", "register_module_full_backward_hook"):
        assert getattr(nt_module_path, name) is getattr(nt_module, name)


def test_post_accumulate_grad_hook_sgd_step_as_pytorch(torch):
    """PyTorch's documented example: an SGD step in the hook, once per backward pass."""
    results = []
    for lib in (nt, torch):
        v = lib.tensor([0.0, 0.0, 0.0], dtype=lib.float64, requires_grad=True)
        seen = []

        def step(p, seen=seen):
            seen.append(_np(p.grad).copy())
            p.add_(p.grad * -0.01)

        handle = v.register_post_accumulate_grad_hook(step)
        w = lib.tensor([1.0, 2.0, 3.0], dtype=lib.float64)
        (v * w).sum().backward()  # one pass reaching v twice: the hook sees the sum, once
        (v * w + v * w).sum().backward()
        handle.remove()
        (v * w).sum().backward()
        results.append((seen, _np(v), _np(v.grad)))
    (seen_o, v_o, g_o), (seen_t, v_t, g_t) = results
    assert len(seen_o) == len(seen_t) == 2
    _close_all(seen_o, seen_t)
    np.testing.assert_allclose(seen_o[1], [3.0, 6.0, 9.0], rtol=RTOL)  # 1x + 2x, accumulated
    _close(v_o, v_t)
    _close(g_o, g_t)


def test_post_accumulate_grad_hook_with_backward_inputs_and_autograd_grad(torch):
    counts = []
    for lib in (nt, torch):
        calls = []
        w = lib.ones(2, dtype=lib.float64, requires_grad=True)
        a = lib.ones(2, dtype=lib.float64, requires_grad=True)
        w.register_post_accumulate_grad_hook(lambda p: calls.append(_np(p.grad).copy()))
        (w * a * 2).sum().backward(inputs=[w])
        lib.autograd.grad((w * a).sum(), [w])  # accumulates nothing: no hook
        counts.append(calls)
    assert len(counts[0]) == len(counts[1]) == 1
    _close(counts[0][0], counts[1][0])


def test_post_accumulate_grad_hook_errors_and_grad_mode(torch):
    for lib in (nt, torch):
        with pytest.raises(RuntimeError, match="post accumulate grad hooks cannot be registered "
                                               "on non-leaf tensors"):
            (lib.ones(2, requires_grad=True) * 2).register_post_accumulate_grad_hook(print)
        with pytest.raises(RuntimeError, match="cannot register a hook on a tensor that doesn't "
                                               "require gradient"):
            lib.ones(2).register_post_accumulate_grad_hook(print)
    modes = []
    v = nt.ones(2, requires_grad=True)
    v.register_post_accumulate_grad_hook(lambda p: modes.append(nt.is_grad_enabled()))
    (v * 2).sum().backward()
    assert modes == [False]
    assert nt.is_grad_enabled()


def test_post_accumulate_grad_hook_after_tensor_hooks(torch):
    logs = []
    for lib in (nt, torch):
        log = []
        v = lib.ones(2, dtype=lib.float64, requires_grad=True)
        v.register_post_accumulate_grad_hook(lambda p: log.append(("post", _np(p.grad).copy())))
        v.register_hook(lambda g: (log.append(("grad", _np(g).copy())), g * 5)[1])
        (v * 3).sum().backward()
        logs.append(log)
    assert [e[0] for e in logs[0]] == [e[0] for e in logs[1]] == ["grad", "post"]
    for a, b in zip(logs[0], logs[1]):
        _close(a[1], b[1])


def test_post_accumulate_grad_hook_on_an_embedding_weight(torch, rng):
    """An embedding lookup's row gradient reaches the hook as the weight's dense .grad."""
    weights = rng.standard_normal((5, 3))
    idx = [[0, 3, 3], [4, 0, 1]]
    seen = []
    for lib in (nt, torch):
        emb = (nn.Embedding if lib is nt else torch.nn.Embedding)(5, 3).double()
        with lib.no_grad():
            emb.weight.copy_(lib.tensor(weights))
        calls = []
        emb.weight.register_post_accumulate_grad_hook(lambda p: calls.append(_np(p.grad).copy()))
        emb(lib.tensor(idx)).sum().backward()
        seen.append(calls)
    assert len(seen[0]) == len(seen[1]) == 1
    _close(seen[0][0], seen[1][0])


def test_full_backward_hooks_in_a_recorded_backward_pass(torch, rng):
    """With create_graph=True the hooks see gradients that are in the graph, and what they
    return (here grad_input scaled) is differentiated again, as in PyTorch."""
    arrays = [rng.standard_normal(s) for s in ((3, 4), (2, 4), (2,))]
    results = []
    for m in (nt, torch):
        x = m.tensor(arrays[0], dtype=m.float64, requires_grad=True)
        lin = m.nn.Linear(4, 2).double()
        with m.no_grad():
            lin.weight.copy_(m.tensor(arrays[1]))
            lin.bias.copy_(m.tensor(arrays[2]))
        seen = []

        def hook(module, grad_input, grad_output, seen=seen):
            seen.append(grad_output[0].requires_grad)
            return (grad_input[0] * 2,)

        lin.register_full_backward_hook(hook)
        loss = (lin(x).tanh() ** 2).sum()
        (gx,) = m.autograd.grad(loss, x, create_graph=True)
        (gx**2).sum().backward()
        results.append((gx.detach().numpy(), lin.weight.grad.numpy(), seen))
    (ours_gx, ours_w, ours_seen), (theirs_gx, theirs_w, theirs_seen) = results
    np.testing.assert_allclose(ours_gx, theirs_gx, rtol=1e-7)
    np.testing.assert_allclose(ours_w, theirs_w, rtol=1e-7)
    assert ours_seen[0] and theirs_seen[0]  # the recorded pass hands the hook graph tensors
