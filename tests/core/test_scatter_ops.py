"""scatter, scatter_reduce, index_add, index_copy, index_fill: values written by hand, the
gradients PyTorch gives at ties and zeros, the in-place methods, and PyTorch's refusals."""
import numpy as np
import pytest

import neuronet as nt


def _t(values, **kw):
    return nt.tensor(values, **kw)


def test_scatter_writes_src_and_values():
    x = nt.zeros(2, 3)
    out = x.scatter(1, _t([[2, 0], [1, 1]]), _t([[1.0, 2.0], [3.0, 3.0]]))
    np.testing.assert_array_equal(out.numpy(), [[2, 0, 1], [0, 3, 0]])
    # src larger than the index: only its leading part is read
    out = x.scatter(0, _t([[1, 0, 1]]), _t([[5.0, 6.0, 7.0], [8.0, 9.0, 10.0]]))
    np.testing.assert_array_equal(out.numpy(), [[0, 6, 0], [5, 0, 7]])
    np.testing.assert_array_equal(x.scatter(1, _t([[0], [2]]), 4.0).numpy(), [[4, 0, 0], [0, 0, 4]])
    np.testing.assert_array_equal(x.numpy(), np.zeros((2, 3)))  # out of place


def test_scatter_reduce_values():
    x = _t([[1.0, 2.0, 3.0]])
    idx = _t([[0, 0, 2, 2]])
    src = _t([[4.0, 5.0, 6.0, -1.0]])
    cases = {
        ("sum", True): [10, 2, 8], ("sum", False): [9, 2, 5],
        ("prod", True): [20, 2, -18], ("prod", False): [20, 2, -6],
        ("mean", True): [10 / 3, 2, 8 / 3], ("mean", False): [4.5, 2, 2.5],
        ("amax", True): [5, 2, 6], ("amax", False): [5, 2, 6],
        ("amin", True): [1, 2, -1], ("amin", False): [4, 2, -1],
    }  # fmt: skip
    for (how, include), expected in cases.items():
        out = x.scatter_reduce(1, idx, src, how, include_self=include)
        np.testing.assert_allclose(out.numpy()[0], expected, rtol=1e-6, err_msg=(how, include))


def test_scatter_reduce_mean_of_integers_rounds_down():
    out = _t([[1, 2]]).scatter_reduce(1, _t([[0, 0]]), _t([[2, 4]]), "mean")
    assert out.dtype == nt.int64
    np.testing.assert_array_equal(out.numpy(), [[2, 2]])  # (1 + 2 + 4) // 3 = 2


def test_deprecated_reduce_argument():
    x = _t([[1.0, 2.0]])
    with pytest.warns(UserWarning, match="deprecated"):
        out = x.scatter(1, _t([[1, 1]]), _t([[3.0, 4.0]]), reduce="multiply")
    np.testing.assert_array_equal(out.numpy(), [[1, 24]])
    out = x.scatter(1, _t([[0]]), 5.0, reduce="add")  # (the value form does not warn)
    np.testing.assert_array_equal(out.numpy(), [[6, 2]])


def test_index_add_copy_fill_values():
    x = nt.zeros(2, 4)
    src = _t([[1.0, 2.0], [3.0, 4.0]])
    out = x.index_add(1, _t([3, 3]), src, alpha=2)
    np.testing.assert_array_equal(out.numpy(), [[0, 0, 0, 6], [0, 0, 0, 14]])
    out = x.index_copy(1, _t([2, 0]), src)
    np.testing.assert_array_equal(out.numpy(), [[2, 0, 1, 0], [4, 0, 3, 0]])
    out = x.index_fill(1, _t([-1, 1]), 7.0)
    np.testing.assert_array_equal(out.numpy(), [[0, 7, 0, 7], [0, 7, 0, 7]])


def test_in_place_forms_write_into_the_tensor():
    x = nt.zeros(2, 3)
    assert x.index_fill_(0, _t([1]), 2.0) is x
    x.scatter_(1, _t([[0], [0]]), _t([[5.0], [6.0]]))
    x.index_add_(1, _t([2]), _t([[1.0], [1.0]]))
    x.scatter_reduce_(1, _t([[1], [1]]), _t([[3.0], [3.0]]), "amax")
    x.index_copy_(0, _t([0]), _t([[9.0, 9.0, 9.0]]))
    np.testing.assert_array_equal(x.numpy(), [[9, 9, 9], [6, 3, 3]])


def test_in_place_scatter_on_a_graph_value_differentiates():
    w = _t([1.0, 2.0, 3.0], requires_grad=True)
    y = w * 2
    y.scatter_(0, _t([1]), _t([0.0]))
    y.sum().backward()
    np.testing.assert_array_equal(w.grad.numpy(), [2, 0, 2])


def _grads(module, x, src, index, how, include_self):
    a = module.tensor(x, requires_grad=True)
    b = module.tensor(src, requires_grad=True)
    i = module.tensor(index) if module is nt else module.tensor(index, dtype=module.long)
    a.scatter_reduce(1, i, b, how, include_self=include_self).sum().backward()
    return a.grad.numpy(), b.grad.numpy()


@pytest.mark.parametrize("include_self", [True, False])
@pytest.mark.parametrize("how,x,src", [
    ("amax", [[1.0, 2.0, 3.0]], [[3.0, 3.0, 1.0]]),  # ties: the gradient is shared
    ("amin", [[1.0, 2.0, 0.5]], [[0.5, 0.5, 1.0]]),
    ("prod", [[1.0, 0.0, 3.0, 2.0]], [[0.0, 2.0, 0.0, 5.0]]),  # zeros: the others' product
    ("mean", [[1.0, 2.0, 3.0]], [[3.0, 3.0, 1.0]]),
])
def test_gradients_at_ties_and_zeros_as_pytorch(torch, how, x, src, include_self):
    index = [[2, 2, 0]] if len(src[0]) == 3 else [[0, 0, 1, 2]]
    ours = _grads(nt, x, src, index, how, include_self)
    theirs = _grads(torch, x, src, index, how, include_self)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-6)


def test_refusals_as_pytorch():
    x = nt.zeros(3, 4)
    i = _t([[0, 1]])
    with pytest.raises(RuntimeError, match="Expected self.dtype to be equal to src.dtype"):
        x.scatter(1, i, nt.ones(1, 2, dtype=nt.float64))
    with pytest.raises(RuntimeError, match="Expected dtype int32/int64 for index"):
        x.scatter(1, i.float(), nt.ones(1, 2))
    with pytest.raises(RuntimeError, match="same number of dimensions"):
        x.scatter(1, _t([0, 1]), nt.ones(1, 2))
    with pytest.raises(RuntimeError, match="index 9 is out of bounds for dimension 1 with size 4"):
        x.scatter(1, _t([[0, 9]]), nt.ones(1, 2))
    with pytest.raises(RuntimeError, match="index -1 is out of bounds"):
        x.scatter_add(1, _t([[0, -1]]), nt.ones(1, 2))
    with pytest.raises(RuntimeError, match="no larger size than src"):
        x.scatter(1, _t([[0, 1, 2]]), nt.ones(1, 2))
    with pytest.raises(RuntimeError, match="must be either add or multiply"):
        x.scatter(1, i, 1.0, reduce="sum")
    with pytest.raises(RuntimeError, match="sum, prod, mean, amax or amin, got 'add'"):
        x.scatter_reduce(1, i, nt.ones(1, 2), "add")
    with pytest.raises(RuntimeError, match=r"self \(float32\) and source \(float64\)"):
        x.index_add(1, _t([0, 1]), nt.ones(3, 2, dtype=nt.float64))
    with pytest.raises(IndexError, match="Index is supposed to be a vector"):
        x.index_add(1, _t([[0, 1]]), nt.ones(3, 2))
    with pytest.raises(RuntimeError, match="source tensor shape must match self tensor shape"):
        x.index_add(1, _t([0, 1]), nt.ones(2, 2))
    with pytest.raises(IndexError, match=r"Number of indices \(2\) should be equal to"):
        x.index_copy(1, _t([0, 1]), nt.ones(3, 3))
    with pytest.raises(RuntimeError, match="index 7 is out of bounds"):
        x.index_add(1, _t([0, 7]), nt.ones(3, 2))
    with pytest.raises(IndexError, match="index 9 is out of bounds"):
        x.index_fill(1, _t([0, 9]), 1.0)
    with pytest.raises(RuntimeError, match="0-dimensional value tensor"):
        x.index_fill(1, _t([0]), nt.ones(2))
