"""``Tensor.data`` as PyTorch has it (a detached tensor over the same memory), the
``requires_grad`` setter's errors, and the version counter that in-place writes bump."""

import numpy as np
import pytest

import neuronet as nt


def test_data_is_a_detached_tensor_over_the_same_memory():
    w = nt.tensor([1.0, 2.0, 3.0], requires_grad=True)
    d = w.data
    assert type(d) is nt.Tensor and not d.requires_grad and d.grad_fn is None
    d += 1  # writes w's values without autograd seeing it (no error for the leaf)
    assert w.tolist() == [2.0, 3.0, 4.0] and w.requires_grad
    assert w.data.std().item() == pytest.approx(1.0)


def test_manual_sgd_through_data_updates_the_parameter():
    w = nt.tensor([1.0, -2.0], requires_grad=True)
    (w * w).sum().backward()
    w.data += -0.25 * w.grad
    w.data.add_(w.grad, alpha=-0.25)
    np.testing.assert_allclose(w.detach().numpy(), [0.0, 0.0])


def test_assigning_data_replaces_the_array_shape_and_dtype_included():
    w = nt.tensor([1.0, 2.0], requires_grad=True)
    w.data = nt.zeros(2, 3, dtype=nt.float32)
    assert w.shape == (2, 3) and w.dtype == nt.float32 and w.requires_grad and w.is_leaf
    with pytest.raises(TypeError, match="Variable data has to be a tensor, but got int"):
        w.data = 3


def test_requires_grad_setter_errors_are_pytorchs():
    x = nt.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    with pytest.raises(
        RuntimeError, match=r"^you can only change requires_grad flags of leaf variables\.$"
    ):
        y.requires_grad = True
    with pytest.raises(RuntimeError, match="If you want to use a computed variable in a subgraph"):
        y.requires_grad = False
    with pytest.raises(RuntimeError, match="If you want to use a computed variable in a subgraph"):
        y.requires_grad_(False)
    assert y.requires_grad_(True) is y
    with pytest.raises(RuntimeError, match="only Tensors of floating point and complex dtype"):
        nt.tensor([1, 2]).requires_grad = True
    with pytest.raises(RuntimeError, match="only Tensors of floating point dtype"):
        nt.tensor([1, 2]).requires_grad_()
    z = nt.tensor([1.0])
    z.requires_grad = True
    assert z.requires_grad and z.is_leaf
    z.requires_grad = False
    assert not z.requires_grad


def test_in_place_writes_bump_one_version_shared_by_views_and_data():
    x = nt.zeros(4)
    view, d = x[1:3], x.data
    assert x._version == view._version == d._version == 0
    x.add_(1)
    view.mul_(2)
    d[0] = 5.0
    x += 1
    assert x._version == view._version == d._version == 4
    assert x.tolist() == [6.0, 3.0, 3.0, 2.0]
    assert (x + 1)._version == 0  # a new array starts at 0
