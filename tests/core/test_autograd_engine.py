"""Autograd semantics: accumulation, retained grads, graph freeing, grad modes, grad()."""
import numpy as np
import pytest

import neuronet as nt
from neuronet.autograd import Function, GradcheckError, gradcheck


def test_gradients_accumulate_into_leaves_across_backward_calls():
    x = nt.tensor([1.0, 2.0], requires_grad=True)
    (x * 3).sum().backward()
    (x * x).sum().backward()
    assert x.grad.tolist() == [3 + 2, 3 + 4]


def test_interior_tensors_keep_no_grad_unless_retained():
    x = nt.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    z = y * y
    y.retain_grad()
    w = x + 1
    (z.sum() + w.sum()).backward()
    assert y.grad.tolist() == [4.0, 8.0]
    assert w.grad is None and not w.is_leaf and x.is_leaf
    assert y.retains_grad


def test_shared_subexpression_gets_summed_gradient():
    x = nt.tensor(3.0, requires_grad=True)
    y = x * x
    (y + y * y).backward()  # d/dx (x^2 + x^4) = 2x + 4x^3
    assert x.grad.item() == pytest.approx(6 + 108)


def test_same_leaf_twice_in_one_op():
    x = nt.tensor([1.0, -2.0], requires_grad=True)
    (x + x).sum().backward()
    assert x.grad.tolist() == [2.0, 2.0]


def test_leaf_grads_are_independent_arrays():
    a = nt.ones(3, requires_grad=True)
    b = nt.ones(3, requires_grad=True)
    (a + b).sum().backward()
    a.grad.data *= 10
    assert b.grad.tolist() == [1.0, 1.0, 1.0]


def test_non_scalar_backward_needs_gradient():
    y = nt.ones(3, requires_grad=True) * 2
    with pytest.raises(RuntimeError, match="implicitly created only for scalar outputs"):
        y.backward()
    y.backward(nt.tensor([1.0, 0.0, 2.0]))


def test_gradient_argument_shape_is_checked():
    y = nt.ones(3, requires_grad=True) * 2
    with pytest.raises(RuntimeError, match=r"expected shape \(3,\).*got \(2,\)"):
        y.backward(nt.ones(2))


def test_second_backward_through_freed_graph_raises():
    x = nt.tensor([1.0], requires_grad=True)
    y = (x.exp() * 2).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        y.backward()


@pytest.mark.parametrize("saved", ["nothing", "the output", "two arrays"])
def test_a_freed_node_raises_also_when_written_in_place_since_and_names_the_op(saved):
    """A freed node is found whether or not an in-place write came after it was recorded (the
    backward pass checks the nodes older than the newest write apart), whatever it saved."""
    x = nt.tensor([1.0, 2.0], requires_grad=True)
    make = {"nothing": lambda: x + 1.0, "the output": lambda: x.exp(), "two arrays": lambda: x * x}
    for write_between in (False, True):
        y = make[saved]()
        y.sum().backward(retain_graph=True)  # the sum's node stays; y's node is kept as well
        y.backward(nt.ones_like(y))  # frees y's node
        if write_between:
            nt.tensor([1.0]).add_(1.0)  # a write in place elsewhere, newer than y's node
        with pytest.raises(RuntimeError, match=r"a second time \(through \w+Backward"):
            y.backward(nt.ones_like(y))


def test_a_retained_grad_and_hooks_on_one_node_each_take_part_and_go_independently():
    x = nt.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3.0
    y.retain_grad()
    y.register_hook(lambda g: g * 2)
    (y * y).sum().backward()
    assert y.grad.tolist() == [12.0, 24.0]  # 2 * y, doubled by the hook, then retained
    assert x.grad.tolist() == [36.0, 72.0]
    assert y.retains_grad
    z = x * 3.0
    z.register_hook(lambda g: g * 2)  # hooks alone: no retained grad
    (z * z).sum().backward()
    assert z.grad is None and not z.retains_grad and x.grad.tolist() == [72.0, 144.0]


def test_retain_graph_allows_second_backward():
    x = nt.tensor([1.0], requires_grad=True)
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    assert x.grad.tolist() == [4.0]


def test_backward_of_tensor_without_grad_says_so():
    with pytest.raises(RuntimeError, match="does not require grad"):
        nt.ones(2).sum().backward()


def test_integer_tensors_cannot_require_grad():
    with pytest.raises(RuntimeError, match="floating point"):
        nt.tensor([1, 2], requires_grad=True)


def test_no_grad_context_and_decorator():
    x = nt.ones(2, requires_grad=True)
    with nt.no_grad():
        y = x * 2
        with nt.enable_grad():
            z = x * 2
    assert not y.requires_grad and y.grad_fn is None
    assert z.requires_grad

    @nt.no_grad()
    def f(t):
        return t * 2
    assert not f(x).requires_grad
    assert nt.is_grad_enabled()


def test_set_grad_enabled_as_function_context_and_decorator():
    x = nt.ones(2, requires_grad=True)
    with nt.set_grad_enabled(False):
        assert not (x * 2).requires_grad
    assert (x * 2).requires_grad
    nt.set_grad_enabled(False)
    try:
        assert not (x * 2).requires_grad
    finally:
        nt.set_grad_enabled(True)

    @nt.set_grad_enabled(False)
    def f(t):
        return t * 2
    assert nt.is_grad_enabled()
    assert not f(x).requires_grad
    assert nt.is_grad_enabled()


def test_autograd_grad_returns_gradients_without_touching_dot_grad():
    x = nt.tensor([1.0, 2.0], requires_grad=True)
    w = nt.tensor([3.0, 4.0], requires_grad=True)
    h = x * w
    y = (h * h).sum()
    gx, gh = nt.autograd.grad(y, [x, h])
    assert gx.tolist() == [2 * 3 * 3 * 1, 2 * 4 * 4 * 2]
    assert gh.tolist() == [6.0, 16.0]
    assert x.grad is None and w.grad is None


def test_autograd_grad_unused_input():
    x = nt.ones(2, requires_grad=True)
    u = nt.ones(2, requires_grad=True)
    y = (x * 2).sum()
    with pytest.raises(RuntimeError, match="not have been used"):
        nt.autograd.grad(y, [x, u], retain_graph=True)
    gx, gu = nt.autograd.grad(y, [x, u], allow_unused=True)
    assert gu is None and gx.tolist() == [2.0, 2.0]


def test_long_chain_backpropagates_without_recursion_limit():
    x = nt.tensor(1.0, dtype=nt.float64, requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y * 1.0001
    y.backward()
    assert x.grad.item() == pytest.approx(1.0001 ** 100_000, rel=1e-9)


def test_hooks_see_and_replace_gradients():
    x = nt.ones(2, requires_grad=True)
    seen = []
    x.register_hook(lambda g: seen.append(g.tolist()))
    y = x * 3
    y.register_hook(lambda g: g * 10)
    y.sum().backward()
    assert seen == [[30.0, 30.0]]
    assert x.grad.tolist() == [30.0, 30.0]


def _hook_scenarios(m):
    """Hooks that are not linear (a clamp), on leaves and interior tensors reached by two paths,
    through backward() and autograd.grad; returns what each saw and produced."""
    out = {}
    x = m.ones(2, requires_grad=True)
    calls = []
    x.register_hook(lambda g: calls.append(g.tolist()) or g.clamp(max=4.0))
    (x * 2 + x * 3).sum().backward()  # one call, on the sum 5: clamped to 4
    out["leaf"] = (calls, x.grad.tolist())
    x = m.ones(2, requires_grad=True)
    y = x * 1
    y.retain_grad()
    y.register_hook(lambda g: g * 10)
    z = (y * 2 + y * 3).sum()
    (gy,) = m.autograd.grad(z, [y], retain_graph=True)  # after the hook; y.grad keeps it too
    out["captured"] = (gy.tolist(), y.grad.tolist())
    z.backward()
    out["retained"] = (y.grad.tolist(), x.grad.tolist())
    w = m.ones(2, requires_grad=True)
    w.register_hook(lambda g: g.clamp(max=4.0))
    (gw,) = m.autograd.grad((w * 2 + w * 3).sum(), [w])
    out["captured leaf"] = gw.tolist()
    return out


def test_hooks_run_once_on_the_whole_gradient_before_it_is_kept():
    assert _hook_scenarios(nt) == {
        "leaf": ([[5.0, 5.0]], [4.0, 4.0]),
        "captured": ([50.0, 50.0], [50.0, 50.0]),
        "retained": ([100.0, 100.0], [50.0, 50.0]),
        "captured leaf": [4.0, 4.0],
    }


def _autograd_grad_scenarios(m):
    """autograd.grad: which nodes run, and what a hooked tensor's requested gradient is."""
    out = {}
    for target in ("y", "x"):
        x = m.ones(2, requires_grad=True)
        y = x * 2
        y.retain_grad()
        z = x * 3
        z.retain_grad()
        m.autograd.grad((y * z).sum(), [y if target == "y" else x])
        out[target] = (y.grad.tolist(), None if z.grad is None else z.grad.tolist())
    for targets in ("y", "xy"):
        x = m.ones(2, requires_grad=True)
        y = x * 2
        y.retain_grad()
        y.register_hook(lambda g: -g)
        grads = m.autograd.grad((y * 3).sum(), [y] if targets == "y" else [x, y])
        out[targets + " hooked"] = ([g.tolist() for g in grads], y.grad.tolist())
    return out


def test_autograd_grad_runs_only_what_the_requested_gradients_need():
    assert _autograd_grad_scenarios(nt) == {
        "y": ([3.0, 3.0], None),  # z's node is not on a path to y: its .grad stays None
        "x": ([3.0, 3.0], [2.0, 2.0]),
        # y's node does not run: y's gradient is taken after its hook
        "y hooked": ([[-3.0, -3.0]], [-3.0, -3.0]),
        # y's node runs on to x: y's gradient is taken before its hook, x's comes after it
        "xy hooked": ([[-6.0, -6.0], [3.0, 3.0]], [-3.0, -3.0]),
    }


def test_autograd_grad_matches_pytorch(torch):
    assert _autograd_grad_scenarios(nt) == _autograd_grad_scenarios(torch)


def test_a_captured_gradient_and_a_retained_grad_are_separate_arrays():
    x = nt.ones(2, requires_grad=True)
    y = x * 2
    y.retain_grad()
    (g,) = nt.autograd.grad((y * 3).sum(), [y])
    g.data += 1  # the caller's array: the retained .grad must not change with it
    assert y.grad.tolist() == [3.0, 3.0] and g.tolist() == [4.0, 4.0]


def test_hooks_match_pytorch(torch):
    assert _hook_scenarios(nt) == _hook_scenarios(torch)


class _Cube(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x ** 3

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return 3 * x ** 2 * grad


class _WrongCube(_Cube):
    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return 2 * x ** 2 * grad


def test_custom_function_and_gradcheck():
    x = nt.tensor([0.5, -1.5], dtype=nt.float64, requires_grad=True)
    y = _Cube.apply(x)
    assert y.grad_fn.name == "_CubeBackward"
    assert gradcheck(_Cube.apply, (x,))


def test_gradcheck_names_input_element_and_both_values():
    x = nt.tensor([0.5, -1.5], dtype=nt.float64, requires_grad=True)
    with pytest.raises(GradcheckError, match=r"input 0 .*element \(0,\): analytical 0\.5, "
                                             r"numerical 0\.7(5|49999)"):
        gradcheck(_WrongCube.apply, (x,))
    assert gradcheck(_WrongCube.apply, (x,), raise_exception=False) is False


def test_gradcheck_refuses_float32():
    with pytest.raises(ValueError, match="float64"):
        gradcheck(lambda t: t * 2, (nt.ones(2, requires_grad=True),))


def test_detach_shares_data_and_cuts_graph():
    x = nt.ones(2, requires_grad=True)
    d = (x * 2).detach()
    assert not d.requires_grad and d.grad_fn is None
    y = x * 1
    assert np.shares_memory(y.detach().data, y.data)


def test_in_place_on_leaf_requiring_grad_refused_outside_no_grad():
    w = nt.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="in-place"):
        w -= 1
    with nt.no_grad():
        w -= 0.5
    assert w.tolist() == [0.5, 0.5] and w.requires_grad and w.is_leaf


def test_unused_branches_and_diamonds_get_exact_gradients():
    x = nt.tensor([1.0, 2.0], dtype=nt.float64, requires_grad=True)
    y = x * 3
    unused = y + 1  # a consumer of y outside the graph of the loss
    a, b = y.exp(), y * y  # a diamond: y feeds both, both feed the loss
    loss = (a + b).sum()
    loss.backward()
    want = 3 * (np.exp(3 * x.detach().numpy()) + 2 * 3 * x.detach().numpy())
    np.testing.assert_allclose(x.grad.numpy(), want, rtol=1e-12)
    assert unused.grad_fn is not None


def test_gradient_of_a_node_made_early_and_used_late():
    x = nt.tensor(2.0, dtype=nt.float64, requires_grad=True)
    early = x * x
    later = [x + i for i in range(5)]
    total = early
    for t in later:
        total = total * t + early
    (g,) = nt.autograd.grad(total, [x])
    eps = 1e-6

    def f(v):
        e = v * v
        out = e
        for i in range(5):
            out = out * (v + i) + e
        return out
    assert g.item() == pytest.approx((f(2 + eps) - f(2 - eps)) / (2 * eps), rel=1e-7)


def test_same_interior_tensor_twice_in_one_op_and_chains_beside_queued_nodes():
    x = nt.tensor([0.5, -1.0], dtype=nt.float64, requires_grad=True)
    h = x.exp()
    (h * h).sum().backward()  # both inputs of the product reach the same node at once
    np.testing.assert_allclose(x.grad.numpy(), 2 * np.exp(2 * x.detach().numpy()), rtol=1e-12)
    x.grad = None
    early = x * 2  # a chain whose next node must wait for a later-made consumer
    late = early.sin() * early.exp()
    (late.sum() + early.sum()).backward()
    e = 2 * x.detach().numpy()
    want = 2 * (np.cos(e) * np.exp(e) + np.sin(e) * np.exp(e) + 1)
    np.testing.assert_allclose(x.grad.numpy(), want, rtol=1e-12)
