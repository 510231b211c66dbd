"""In-place ops on tensors that autograd tracks, against PyTorch: values, gradients, the leaf
and version errors, ``no_grad`` writes, ``inplace=True`` activations and indexed assignment."""
import numpy as np
import pytest

import neuronet as nt
import neuronet.nn as nn
import neuronet.nn.functional as F

X = [[0.5, -1.25, 2.0], [-0.75, 1.5, -2.5]]
W = [[1.0, 2.0, -1.0], [0.25, -0.5, 3.0]]


def _check(torch, fn):
    """``fn(module, x, w)`` returns a tensor; compare its values and d(sum(out * c))/d(x, w)."""
    results = []
    for m in (nt, torch):
        x = m.tensor(X, dtype=m.float64, requires_grad=True)
        w = m.tensor(W, dtype=m.float64, requires_grad=True)
        out = fn(m, x, w)
        c = m.tensor(np.arange(out.numel(), dtype=np.float64).reshape(tuple(out.shape)) - 2.0)
        (out * c).sum().backward()
        results.append([out.detach().numpy(), x.grad.numpy(), w.grad.numpy()])
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=1e-7, atol=1e-7)


def _iadd(m, x, w):
    y = x * 2
    y += w
    return y


def _imul(m, x, w):
    y = x + 1
    z = y * 3  # recorded before y changes: its gradient is the old y's
    y *= w
    return y + z


def _masked_fill(m, x, w):
    y = x * w
    return y.masked_fill_(x > 0, 0.5)


def _setitem_value_requires_grad(m, x, w):
    t = m.zeros(2, 3, dtype=m.float64)  # requires no grad: it joins the graph
    t[:, 1] = x[:, 0] * w[:, 2]
    t[0] = w[1] * 2
    return t


def _setitem_advanced(m, x, w):
    y = x * w
    y[m.tensor([0, 1]), m.tensor([2, 0])] = x[0, :2] ** 2
    y[y < 0] = 0.25
    return y


def _getitem_isub(m, x, w):
    y = x * 3  # (mul by a number saves nothing that the writes below change)
    y[range(2), [2, 0]] -= w[0, :2]
    y[:, 1:] *= 2
    return y


def _relu_(m, x, w):
    y = x * w
    return y.relu_() * x


def _relu_inplace(m, x, w):
    y = x - w
    m.nn.functional.relu(y, inplace=True)
    z = m.nn.functional.leaky_relu(y * x, 0.2, inplace=True)
    return m.nn.functional.hardtanh(z * w, -0.5, 0.5, inplace=True) + y


def _chain(m, x, w):
    y = x.clone()
    y.sub_(w, alpha=0.5).div_(w).clamp_(-1.0, 1.5)
    y.pow_(2).neg_().abs_()
    return y.sigmoid_()


def _copy_into_plain(m, x, w):
    t = m.ones(2, 3, dtype=m.float64)
    t.copy_(x[0] * w)
    return t


def _view_slice_mul_(m, x, w):
    y = x * w
    h = y[:, 1:]  # a view of y: writing into it changes y, and y's gradient follows
    h.mul_(3)
    return y * y


def _view_of_view_chain(m, x, w):
    y = x + w
    v = y.view(3, 2).t()  # a view of a view
    v.add_(1)
    v.mul_(x[:, :2].reshape(2, 2).sum())
    return y * x


def _view_then_relu_inplace(m, x, w):
    y = x * w
    m.nn.functional.relu(y.reshape(6)[1:5], inplace=True)
    return y.exp()


@pytest.mark.parametrize("fn", [_iadd, _imul, _masked_fill, _setitem_value_requires_grad,
                                _setitem_advanced, _getitem_isub, _relu_, _relu_inplace, _chain,
                                _copy_into_plain, _view_slice_mul_, _view_of_view_chain,
                                _view_then_relu_inplace])
def test_values_and_gradients_match_pytorch(torch, fn):
    _check(torch, fn)


def test_mlp_with_inplace_relu_matches_pytorch(torch):
    rng = np.random.default_rng(0)
    data = rng.standard_normal((5, 4))
    params = [rng.standard_normal(s) for s in ((6, 4), (6,), (3, 6), (3,))]
    grads = []
    for m in (nt, torch):
        net = m.nn.Sequential(m.nn.Linear(4, 6), m.nn.ReLU(inplace=True), m.nn.Linear(6, 3))
        net = net.double()
        with m.no_grad():
            for p, v in zip(net.parameters(), params):
                p.copy_(m.tensor(v))
        out = net(m.tensor(data))
        out.pow(2).sum().backward()
        grads.append([out.detach().numpy()] + [p.grad.numpy() for p in net.parameters()])
    for ours, theirs in zip(*grads):
        np.testing.assert_allclose(ours, theirs, rtol=1e-7, atol=1e-7)
    assert repr(nn.ReLU(inplace=True)) == repr(torch.nn.ReLU(inplace=True))


def test_a_saved_tensor_modified_in_place_raises_at_backward(torch):
    messages = []
    for m in (nt, torch):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        y = x.sigmoid()
        y.mul_(2)
        with pytest.raises(RuntimeError, match="modified by an inplace operation") as err:
            y.sum().backward()
        messages.append(str(err.value).replace(m.__name__ + ".", "MODULE."))
    ours, theirs = (msg[: msg.index("instead.") + len("instead.")] for msg in messages)
    assert ours == theirs  # the tensor, the op whose output it is, the two versions
    assert ours.endswith("[MODULE.FloatTensor [2]], which is output 0 of Sigmoid, "
                         "is at version 1; expected version 0 instead.")


def test_ops_that_did_not_save_the_modified_tensor_still_backpropagate(torch):
    grads = []
    for m in (nt, torch):
        x = m.tensor([1.0, 2.0], dtype=m.float64, requires_grad=True)
        y = x * 2
        z = y + 1
        y.add_(1)
        z.sum().backward()
        grads.append(x.grad.tolist())
    assert grads[0] == grads[1] == [2.0, 2.0]


def test_leaf_requiring_grad_refuses_and_no_grad_allows():
    w = nt.ones(3, requires_grad=True)
    msg = "a leaf Variable that requires grad is being used in an in-place operation."
    for write in (lambda: w.add_(1), lambda: w.relu_(), lambda: w.__setitem__(0, 2.0),
                  lambda: F.relu(w, inplace=True)):
        with pytest.raises(RuntimeError, match=msg):
            write()
    with pytest.raises(RuntimeError, match="a view of a leaf Variable"):
        w[1:].mul_(2)
    with pytest.raises(RuntimeError, match=msg):
        w += 1
    before = w._version
    with nt.no_grad():
        w += 1
        w[0] = 5.0
        w.exp_()
    assert w._version == before + 3 and w.is_leaf and w.requires_grad
    np.testing.assert_allclose(w.detach().numpy(), np.exp([5.0, 2.0, 2.0]), rtol=1e-6)


def test_inplace_returns_self_and_bumps_the_version():
    x = nt.tensor([1.0, -2.0], requires_grad=True)
    y = x * 1
    for op in (lambda t: t.add_(1), lambda t: t.relu_(), lambda t: t.mul_(x), lambda t: t.zero_(),
               lambda t: F.elu(t, inplace=True), lambda t: t.masked_fill_(t > 0, 1.0)):
        v = y._version
        assert op(y) is y
        assert y._version == v + 1 and y.grad_fn is not None


def test_integer_tensor_refuses_a_float_result(torch):
    for m in (nt, torch):
        t = m.tensor([1, 2])
        with pytest.raises(RuntimeError, match="result type Float can't be cast to the desired "
                                               "output type Long"):
            t.add_(1.5)
    t = nt.tensor([1, 2])
    t += 3
    assert t.tolist() == [4, 5] and t.dtype == nt.int64


def test_plain_tensor_joins_the_graph_through_an_operand():
    w = nt.tensor([2.0, 3.0], requires_grad=True)
    t = nt.ones(2)
    t.mul_(w)
    assert t.requires_grad and not t.is_leaf
    t.sum().backward()
    assert w.grad.tolist() == [1.0, 1.0]


def test_augmented_assignment_falls_back_to_the_operand():
    class Other:
        def __radd__(self, other):
            return "radd"

    t = nt.ones(2)
    t += Other()
    assert t == "radd"
    t = nt.ones(2)
    with pytest.raises(TypeError):
        t -= Other()


def test_manual_softmax_backprop_matches_cross_entropy_gradient(torch):
    rng = np.random.default_rng(3)
    n = 6
    logits = nt.tensor(rng.standard_normal((n, 5)), dtype=nt.float64, requires_grad=True)
    Yb = nt.tensor(rng.integers(0, 5, n))
    F.cross_entropy(logits, Yb).backward()
    dlogits = F.softmax(logits, 1)
    dlogits[range(n), Yb] -= 1
    dlogits /= n
    np.testing.assert_allclose(dlogits.detach().numpy(), logits.grad.numpy(), rtol=1e-7,
                               atol=1e-12)
    tl = torch.tensor(logits.detach().numpy(), requires_grad=True)
    torch.nn.functional.cross_entropy(tl, torch.tensor(Yb.numpy())).backward()
    np.testing.assert_allclose(dlogits.detach().numpy(), tl.grad.numpy(), rtol=1e-7, atol=1e-12)


@pytest.mark.parametrize("case", ["saved_input", "saved_constant"])
def test_the_modified_tensor_is_named_as_pytorch_names_it(torch, case):
    """The error names the op that made the saved tensor (before the write), or none for a
    tensor that no op made."""
    messages = []
    for m in (nt, torch):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        if case == "saved_input":
            a = x * 2
            out = a.sin()  # saves its input, a
            a.mul_(3)
        else:
            c = m.ones(2)
            out = x * c  # saves c
            c.add_(1)
        with pytest.raises(RuntimeError) as err:
            out.sum().backward()
        msg = str(err.value).replace(m.__name__ + ".", "MODULE.")
        messages.append(msg[: msg.index("instead.")])
    assert messages[0] == messages[1]
