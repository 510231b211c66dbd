"""Hypothesis property tests over random shapes and broadcasts."""
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import neuronet as nt

FLOATS = st.floats(-10, 10, allow_nan=False, width=64)
settings.register_profile("neuronet", max_examples=60, deadline=None)
settings.load_profile("neuronet")


@st.composite
def broadcastable_pair(draw):
    shapes = draw(hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=4,
                                                    max_side=4))
    a = draw(hnp.arrays(np.float64, shapes.input_shapes[0], elements=FLOATS))
    b = draw(hnp.arrays(np.float64, shapes.input_shapes[1], elements=FLOATS))
    return a, b, shapes.result_shape


@given(broadcastable_pair(), st.sampled_from(["add", "sub", "mul", "maximum"]))
def test_binary_op_gradients_have_input_shapes_and_sum_correctly(pair, op):
    a, b, result_shape = pair
    ta, tb = nt.tensor(a, requires_grad=True), nt.tensor(b, requires_grad=True)
    out = getattr(nt, op)(ta, tb)
    assert out.shape == result_shape
    out.sum().backward()
    assert ta.grad.shape == a.shape and tb.grad.shape == b.shape
    if op in ("add", "sub"):
        n = int(np.prod(result_shape))
        np.testing.assert_allclose(ta.grad.numpy().sum(), n)
        np.testing.assert_allclose(tb.grad.numpy().sum(), n if op == "add" else -n)
    if op == "mul":
        want = np.broadcast_to(b, result_shape)
        axes = tuple(range(len(result_shape) - a.ndim))
        want = want.sum(axis=axes) if axes else want
        for i, s in enumerate(a.shape):
            if s == 1:
                want = want.sum(axis=i, keepdims=True)
        np.testing.assert_allclose(ta.grad.numpy(), want.reshape(a.shape))
    if op == "maximum":  # the gradient is split, never lost: it sums to the output size
        np.testing.assert_allclose(ta.grad.numpy().sum() + tb.grad.numpy().sum(),
                                   np.prod(result_shape))


@given(hnp.arrays(np.float64, hnp.array_shapes(min_dims=1, max_dims=4, max_side=5),
                  elements=FLOATS), st.data())
def test_softmax_rows_sum_to_one_and_log_softmax_agrees(x, data):
    dim = data.draw(st.integers(-x.ndim, x.ndim - 1))
    t = nt.tensor(x)
    s = nt.softmax(t, dim).numpy()
    np.testing.assert_allclose(s.sum(axis=dim), 1.0, rtol=1e-12)
    np.testing.assert_allclose(np.log(s), nt.log_softmax(t, dim).numpy(), atol=1e-9)


@given(hnp.arrays(np.float64, hnp.array_shapes(min_dims=1, max_dims=4, max_side=4),
                  elements=FLOATS), st.data())
def test_sum_over_any_dims_matches_numpy_and_gradient_is_ones(x, data):
    dims = data.draw(st.lists(st.integers(0, x.ndim - 1), unique=True, min_size=1))
    keep = data.draw(st.booleans())
    t = nt.tensor(x, requires_grad=True)
    out = t.sum(tuple(dims), keepdim=keep)
    np.testing.assert_allclose(out.detach().numpy(), x.sum(axis=tuple(dims), keepdims=keep))
    out.sum().backward()
    assert np.all(t.grad.numpy() == 1.0)


@given(hnp.arrays(np.float64, hnp.array_shapes(min_dims=2, max_dims=4, max_side=4),
                  elements=FLOATS), st.data())
def test_permute_reshape_round_trip_gradient(x, data):
    perm = data.draw(st.permutations(range(x.ndim)))
    t = nt.tensor(x, requires_grad=True)
    w = np.arange(x.size, dtype=np.float64).reshape(np.transpose(x, perm).shape)
    (t.permute(*perm).reshape(-1) * nt.tensor(w.reshape(-1))).sum().backward()
    np.testing.assert_array_equal(t.grad.numpy(), np.transpose(w, np.argsort(perm)))


@given(st.lists(st.integers(0, 4), min_size=1, max_size=12))
def test_indexing_with_repeated_indices_counts_each_use(indices):
    t = nt.zeros(5, dtype=nt.float64, requires_grad=True)
    t[nt.tensor(indices)].sum().backward()
    np.testing.assert_array_equal(t.grad.numpy(), np.bincount(indices, minlength=5))
