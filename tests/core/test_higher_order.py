"""Higher-order gradients (``create_graph=True``), the functional API of
``neuronet.autograd.functional`` and anomaly detection, against PyTorch."""
import numpy as np
import pytest

import neuronet as nt
import neuronet.nn.functional as F
from neuronet.autograd import functional as AF


def _pair(torch, *arrays):
    """The same float64 leaves requiring grad in neuronet and in PyTorch."""
    ours = [nt.tensor(a, dtype=nt.float64, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in arrays]
    return ours, theirs


def _close(a, b, rtol=1e-7):
    np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=rtol, atol=1e-12)


def _mlp(m, F_, x, w1, b1, w2, b2, y):
    hidden = F_.linear(x, w1, b1).tanh()
    return F_.mse_loss(F_.linear(hidden, w2, b2), y)


def _mlp_arrays(rng):
    return [rng.standard_normal(s) for s in ((5, 3), (4, 3), (4,), (2, 4), (2,))]


def test_create_graph_gives_gradients_in_a_graph_and_keeps_it(torch):
    (x,), (tx,) = _pair(torch, np.array([0.3, -1.2, 2.0]))
    y = (x.exp() * x.sin()).sum()
    y.backward(create_graph=True)
    assert x.grad.requires_grad and x.grad.grad_fn is not None
    first = x.grad
    y.backward(create_graph=True)  # the graph was kept: a second pass adds, out of place
    ty = (tx.exp() * tx.sin()).sum()
    with pytest.warns(UserWarning, match="reference cycle"):  # (PyTorch's advice; none here)
        ty.backward(create_graph=True)
        ty.backward(create_graph=True)
    _close(x.grad, tx.grad)
    assert x.grad is not first
    (second,) = nt.autograd.grad(x.grad.sum(), x)
    (tsecond,) = torch.autograd.grad(tx.grad.sum(), tx)
    _close(second, tsecond)


def test_hessian_vector_products_of_a_small_mlp_loss(torch, rng):
    arrays = _mlp_arrays(rng)
    target = rng.standard_normal((5, 2))
    ours, theirs = _pair(torch, *arrays)
    x, tx = nt.tensor(target[:, :1].repeat(3, 1)), torch.tensor(target[:, :1].repeat(3, 1))
    y, ty = nt.tensor(target), torch.tensor(target)
    params, tparams = ours[1:], theirs[1:]
    vs = [rng.standard_normal(a.shape) for a in arrays[1:]]
    loss = _mlp(nt, F, x, *params, y)
    grads = nt.autograd.grad(loss, params, create_graph=True)
    hv = nt.autograd.grad(grads, params, [nt.tensor(v) for v in vs])
    import torch.nn.functional as TF

    tloss = _mlp(torch, TF, tx, *tparams, ty)
    tgrads = torch.autograd.grad(tloss, tparams, create_graph=True)
    thv = torch.autograd.grad(tgrads, tparams, [torch.tensor(v) for v in vs])
    for a, b in zip(hv, thv):
        _close(a, b)
    _, fhv = AF.hvp(lambda *p: _mlp(nt, F, x, *p, y), tuple(params), tuple(nt.tensor(v) for v in vs))
    for a, b in zip(fhv, thv):
        _close(a, b)


def test_a_gradient_penalty_backpropagated_into_the_weights(torch, rng):
    """||dL/dx||^2 (as in WGAN-GP) added to the loss: its gradient reaches the weights."""
    import torch.nn.functional as TF

    arrays = _mlp_arrays(rng)
    target = rng.standard_normal((5, 2))
    ours, theirs = _pair(torch, *arrays)
    for m, F_, (x, *params), y in ((nt, F, ours, nt.tensor(target)),
                                   (torch, TF, theirs, torch.tensor(target))):
        loss = _mlp(m, F_, x, *params, y)
        (dx,) = m.autograd.grad(loss, x, create_graph=True)
        (loss + 10 * (dx**2).sum()).backward()
    for a, b in zip(ours, theirs):
        _close(a.grad, b.grad)


def test_jacobian_and_hessian_of_small_functions(torch, rng):
    a, b = rng.standard_normal(3), rng.standard_normal(3)
    (x, y), (tx, ty) = _pair(torch, a, b)

    def f(m):
        return lambda u, v: (u.exp() * v).sum() * u.sin().sum()

    _close(AF.jacobian(lambda u: u.exp() * u.sin(), x),
           torch.autograd.functional.jacobian(lambda u: u.exp() * u.sin(), tx))
    jac = AF.jacobian(lambda u, v: (u * v, u.sin()), (x, y))
    tjac = torch.autograd.functional.jacobian(lambda u, v: (u * v, u.sin()), (tx, ty))
    for i in range(2):
        for j in range(2):
            _close(jac[i][j], tjac[i][j])
    hess = AF.hessian(f(nt), (x, y))
    thess = torch.autograd.functional.hessian(f(torch), (tx, ty))
    for i in range(2):
        for j in range(2):
            assert hess[i][j].shape == (3, 3)
            _close(hess[i][j], thess[i][j])
    _close(AF.hessian(lambda u: (u**3).sum(), x), torch.autograd.functional.hessian(
        lambda u: (u**3).sum(), tx))


def test_vjp_jvp_hvp_vhp_match_pytorch(torch, rng):
    a, v = rng.standard_normal(4), rng.standard_normal(4)
    (x,), (tx,) = _pair(torch, a)
    fn = lambda u: u.exp() * u - u.cos()  # noqa: E731
    scalar = lambda u: (u.exp() * u.sin()).sum()  # noqa: E731
    for name, f in (("vjp", fn), ("jvp", fn), ("hvp", scalar), ("vhp", scalar)):
        out, got = getattr(AF, name)(f, x, nt.tensor(v))
        tout, want = getattr(torch.autograd.functional, name)(f, tx, torch.tensor(v))
        _close(out, tout)
        _close(got, want)
        assert not got.requires_grad
    out, got = AF.vjp(scalar, x)  # v omitted for a single-element output
    _close(got, torch.autograd.functional.vjp(scalar, tx)[1])


def test_functional_api_errors_and_strict_mode():
    x = nt.tensor([1.0, 2.0], dtype=nt.float64)
    with pytest.raises(RuntimeError, match="pass v of its shape"):
        AF.vjp(lambda u: u * 2, x)
    with pytest.raises(RuntimeError, match="independent of input 1"):
        AF.vjp(lambda u, w: u.sum(), (x, x.clone()), strict=True)
    _, grads = AF.vjp(lambda u, w: u.sum(), (x, x.clone()))
    assert grads[1].tolist() == [0.0, 0.0]
    with pytest.raises(TypeError, match=r"inputs\[1\]: expected a Tensor, got int"):
        AF.jacobian(lambda u, w: u, (x, 3))
    with pytest.raises(RuntimeError, match="single-element tensor"):
        AF.hessian(lambda u: u * 2, x)


def test_create_graph_results_differentiate_again_with_functional_api(torch):
    (x,), (tx,) = _pair(torch, np.array([0.5, -0.25]))
    jac = AF.jacobian(lambda u: u.exp() * u, x, create_graph=True)
    tjac = torch.autograd.functional.jacobian(lambda u: u.exp() * u, tx, create_graph=True)
    jac.sum().backward()
    tjac.sum().backward()
    _close(x.grad, tx.grad)


def test_detect_anomaly_names_the_op_whose_backward_made_a_nan(torch):
    """A NaN in a saved input makes the multiplication's VJP return a NaN gradient for the
    other factor (without any NumPy warning: NaN times a number is quiet)."""
    w, x = nt.tensor([1.0, 2.0], requires_grad=True), nt.tensor([float("nan"), 1.0])
    with pytest.warns(UserWarning, match="Anomaly Detection has been enabled"):
        with nt.autograd.detect_anomaly():
            assert nt.autograd.is_anomaly_enabled()
            with pytest.raises(RuntimeError) as ours:
                (w * x).sum().backward()
    assert not nt.autograd.is_anomaly_enabled()
    tw, tx = torch.tensor([1.0, 2.0], requires_grad=True), torch.tensor([float("nan"), 1.0])
    with pytest.warns(UserWarning), torch.autograd.detect_anomaly():
        with pytest.raises(RuntimeError) as theirs:
            (tw * tx).sum().backward()
    assert str(ours.value) == str(theirs.value).splitlines()[0]
    assert str(ours.value) == "Function 'MulBackward0' returned nan values in its 0th output."
    (w * x).sum().backward()  # off again: the NaN flows into .grad
    assert np.isnan(w.grad.numpy()[0])


def test_set_detect_anomaly_function_and_context_manager():
    nt.autograd.set_detect_anomaly(True)
    try:
        assert nt.autograd.is_anomaly_enabled()
        with nt.autograd.set_detect_anomaly(False):
            assert not nt.autograd.is_anomaly_enabled()
        assert nt.autograd.is_anomaly_enabled()
        w, x = nt.tensor([1.0], requires_grad=True), nt.tensor([float("nan")])
        with pytest.raises(RuntimeError, match="Function 'DivBackward0' returned nan values"):
            (w / x).sum().backward()
    finally:
        nt.autograd.set_detect_anomaly(False)
    assert not nt.autograd.is_anomaly_enabled()


def test_a_custom_function_written_with_ops_differentiates_twice(torch):
    """As in PyTorch, a ``Function`` whose backward is written with tensor ops has a second
    derivative; writing its saved tensor in place before backward raises."""

    def cube(base):
        class Cube(base.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                return x**3

            @staticmethod
            def backward(ctx, grad):
                (x,) = ctx.saved_tensors
                return 3 * x**2 * grad

        return Cube

    (x,), (tx,) = _pair(torch, np.array([2.0, -0.5]))
    for m, u in ((nt, x), (torch, tx)):
        (g,) = m.autograd.grad(cube(m).apply(u).sum(), u, create_graph=True)
        g.sum().backward()
    _close(x.grad, tx.grad)
    y = cube(nt).apply(x)
    with nt.no_grad():
        x.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()
