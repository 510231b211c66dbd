"""Pooling beyond the spec table (tests/nn/conv_specs.py): PyTorch's output sizes and ceil-mode
rule over a grid of options, returned indices, unpooling, module reprs, errors and extreme
inputs."""
import itertools
import warnings

import numpy as np
import pytest

import neuronet as nt
import neuronet.nn.functional as F
from neuronet import nn
from neuronet.autograd import gradcheck


def _both(torch, x):
    return nt.tensor(x), torch.tensor(x)


# (size, kernel, stride, padding, dilation, ceil_mode): the combinations PyTorch accepts
GRID = [g for g in itertools.product([5, 7], [2, 3], [1, 2, 3], [0, 1], [1, 2], [False, True])
        if 2 * g[3] <= g[1]]


@pytest.mark.parametrize("size, k, s, p, d, ceil", GRID)
def test_max_pool_sizes_values_and_indices_match_pytorch(size, k, s, p, d, ceil, torch, rng):
    x, tx = _both(torch, rng.standard_normal((1, 2, size, size + 1)))
    out, idx = F.max_pool2d(x, k, s, p, d, ceil, return_indices=True)
    ref, ridx = torch.nn.functional.max_pool2d(tx, k, s, p, d, ceil, return_indices=True)
    assert out.shape == tuple(ref.shape)
    np.testing.assert_array_equal(out.numpy(), ref.numpy())
    np.testing.assert_array_equal(idx.numpy(), ridx.numpy())
    assert idx.dtype == nt.int64


@pytest.mark.parametrize("size, k, s, p, ceil, include", [
    (g[0], g[1], g[2], g[3], g[5], inc) for g in GRID if g[4] == 1 for inc in (False, True)])
def test_avg_pool_sizes_and_values_match_pytorch(size, k, s, p, ceil, include, torch, rng):
    x, tx = _both(torch, rng.standard_normal((1, 2, size, size + 1)))
    out = F.avg_pool2d(x, k, s, p, ceil, include)
    ref = torch.nn.functional.avg_pool2d(tx, k, s, p, ceil, include)
    assert out.shape == tuple(ref.shape)
    np.testing.assert_allclose(out.numpy(), ref.numpy(), rtol=1e-12)


def test_max_pool1d_and_adaptive_indices_match_pytorch(torch, rng):
    x, tx = _both(torch, rng.standard_normal((2, 3, 9)))
    tf = torch.nn.functional
    for ours, theirs in [
        (F.max_pool1d(x, 3, 2, 1, 2, True, True), tf.max_pool1d(tx, 3, 2, 1, 2, True, True)),
        (F.adaptive_max_pool1d(x, 4, True), tf.adaptive_max_pool1d(tx, 4, True)),
        (F.adaptive_max_pool2d(x, (2, 5), True), tf.adaptive_max_pool2d(tx, (2, 5), True)),
    ]:
        np.testing.assert_array_equal(ours[0].numpy(), theirs[0].numpy())
        np.testing.assert_array_equal(ours[1].numpy(), theirs[1].numpy())


def test_ties_take_the_first_maximum_as_pytorch(torch):
    x = np.zeros((1, 1, 4, 4))
    x[0, 0, 1, 1] = x[0, 0, 0, 1] = 1.0
    ours = F.max_pool2d(nt.tensor(x), 2, return_indices=True)[1]
    theirs = torch.nn.functional.max_pool2d(torch.tensor(x), 2, return_indices=True)[1]
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_unpool_inverts_pool_at_the_maxima(torch, rng):
    x, tx = _both(torch, rng.standard_normal((2, 3, 6, 5)))
    pool, unpool = nn.MaxPool2d(2, return_indices=True), nn.MaxUnpool2d(2)
    out, idx = pool(x)
    restored = unpool(out, idx, output_size=x.shape)
    ref_out, ref_idx = torch.nn.MaxPool2d(2, return_indices=True)(tx)
    expected = torch.nn.MaxUnpool2d(2)(ref_out, ref_idx, output_size=tx.shape)
    np.testing.assert_array_equal(restored.numpy(), expected.numpy())
    assert repr(unpool) == repr(torch.nn.MaxUnpool2d(2))


def test_extreme_inputs_raise_no_warning():
    """Infinite inputs under -inf (max) and zero (average) padding: PyTorch's values and the
    arg-max inside the input, no NumPy warning."""
    x = np.array([[[[-np.inf, np.inf, -np.inf], [1e4, -np.inf, -1e4], [-np.inf] * 3]]],
                 np.float32)
    t = nt.tensor(x, requires_grad=True)
    out, idx = F.max_pool2d(t, 2, 1, 1, return_indices=True)
    out.backward(nt.ones_like(out))
    assert np.isfinite(idx.numpy()).all() and (idx.numpy() >= 0).all() and (idx.numpy() < 9).all()
    assert np.isposinf(out.detach().numpy()[0, 0, 0, 1:3]).all()
    assert t.grad.numpy().sum() == out.numel()
    avg = F.avg_pool2d(nt.tensor(np.full((1, 1, 2, 2), 1e4, np.float32)), 2, padding=1)
    np.testing.assert_allclose(avg.numpy(), np.full((1, 1, 2, 2), 2.5e3))


def test_all_infinite_windows_index_their_first_cell_as_pytorch(torch):
    x = np.full((1, 1, 5, 5), -np.inf)
    for args in [(2, 2, 1, 1), (3, 1, 1, 1), (3, 1, 1, 2), (4, 2, 2, 1)]:
        ours = F.max_pool2d(nt.tensor(x), *args, return_indices=True)[1]
        theirs = torch.nn.functional.max_pool2d(torch.tensor(x), *args, return_indices=True)[1]
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


@pytest.mark.parametrize("ours, theirs", [
    ("MaxPool2d(3, stride=2, padding=1, dilation=2, ceil_mode=True)",) * 2,
    ("MaxPool1d(3)",) * 2,
    ("AvgPool2d((2, 3), padding=1, divisor_override=2)",) * 2,
    ("AvgPool1d(3, 2, 1)",) * 2,
    ("MaxUnpool1d(2, 1)",) * 2,
    ("AdaptiveAvgPool2d((None, 4))",) * 2,
    ("AdaptiveAvgPool1d(3)",) * 2,
    ("AdaptiveMaxPool2d(3, return_indices=True)",) * 2,
    ("AdaptiveMaxPool1d(3)",) * 2,
    ("LPPool2d(2, 3, stride=2)",) * 2,
    ("LPPool1d(1.5, 2)",) * 2,
])
def test_module_reprs_are_pytorchs(ours, theirs, torch):
    assert repr(eval("nn." + ours)) == repr(eval("torch.nn." + theirs))


def test_modules_call_their_functions(torch, rng):
    x, tx = _both(torch, np.abs(rng.standard_normal((2, 3, 6, 7))) + 0.1)
    pairs = [
        (nn.MaxPool2d(3, 2, 1, ceil_mode=True), torch.nn.MaxPool2d(3, 2, 1, ceil_mode=True)),
        (nn.AvgPool2d(3, 2, 1, True, False), torch.nn.AvgPool2d(3, 2, 1, True, False)),
        (nn.LPPool2d(2, 2), torch.nn.LPPool2d(2, 2)),
        (nn.AdaptiveAvgPool2d(3), torch.nn.AdaptiveAvgPool2d(3)),
        (nn.AdaptiveMaxPool2d((2, 3)), torch.nn.AdaptiveMaxPool2d((2, 3))),
    ]
    for ours, theirs in pairs:
        np.testing.assert_allclose(ours(x).numpy(), theirs(tx).numpy(), rtol=1e-12)
    x1, tx1 = _both(torch, np.abs(rng.standard_normal((2, 3, 8))) + 0.1)
    pairs1 = [
        (nn.MaxPool1d(2), torch.nn.MaxPool1d(2)), (nn.AvgPool1d(3, 2), torch.nn.AvgPool1d(3, 2)),
        (nn.LPPool1d(3, 2), torch.nn.LPPool1d(3, 2)),
        (nn.AdaptiveAvgPool1d(3), torch.nn.AdaptiveAvgPool1d(3)),
        (nn.AdaptiveMaxPool1d(3), torch.nn.AdaptiveMaxPool1d(3)),
    ]
    for ours, theirs in pairs1:
        np.testing.assert_allclose(ours(x1).numpy(), theirs(tx1).numpy(), rtol=1e-12)


def test_unbatched_inputs(torch, rng):
    x, tx = _both(torch, rng.standard_normal((3, 6, 5)))
    out, idx = F.max_pool2d(x, 2, return_indices=True)
    ref, ridx = torch.nn.functional.max_pool2d(tx, 2, return_indices=True)
    np.testing.assert_array_equal(out.numpy(), ref.numpy())
    np.testing.assert_array_equal(idx.numpy(), ridx.numpy())
    np.testing.assert_allclose(F.avg_pool2d(x, 2).numpy(),
                               torch.nn.functional.avg_pool2d(tx, 2).numpy())


def test_float32_stays_float32(rng):
    x = nt.tensor(rng.standard_normal((2, 2, 6, 6)).astype(np.float32), requires_grad=True)
    for fn in (lambda t: F.max_pool2d(t, 2), lambda t: F.avg_pool2d(t, 3, 1, 1),
               lambda t: F.adaptive_avg_pool2d(t, 4), lambda t: F.adaptive_max_pool2d(t, 4),
               lambda t: F.lp_pool2d(t * t + 1, 2, 2)):
        out = fn(x)
        out.sum().backward()
        assert out.dtype == x.grad.dtype == nt.float32
        x.grad = None


@pytest.mark.parametrize("call, match", [
    (lambda: F.max_pool2d(nt.randn(1, 1, 4, 4), 2, padding=2),
     r"pad should be smaller than or equal to half of kernel size, but got padH = 2, padW = 2"),
    (lambda: F.max_pool2d(nt.randn(1, 1, 2, 2), 3),
     r"Given input size: \(1x2x2\). Calculated output size: \(1x0x0\). Output size is too small"),
    (lambda: F.max_pool2d(nt.randn(4, 4), 2), r"Expected 3D or 4D \(batch mode\)"),
    (lambda: F.max_pool2d(nt.randn(1, 1, 4, 4), 0), r"argument 'kernel_size' must be positive"),
    (lambda: F.avg_pool2d(nt.randn(1, 1, 4, 4), 2, divisor_override=0),
     r"divisor must be not zero"),
    (lambda: F.max_unpool2d(nt.randn(1, 1, 2, 2), nt.tensor([[[[0, 1], [2, 99]]]]), 2),
     r"Found an invalid max index: 99"),
    (lambda: F.max_unpool2d(nt.randn(1, 1, 2, 2), nt.tensor([[[0, 1]]]), 2),
     r"Expected shape of indices to be same as that of the input tensor"),
    (lambda: F.adaptive_avg_pool2d(nt.randn(1, 1, 4, 4), (2, 2, 2)),
     r"output_size must be 2"),
])
def test_bad_arguments_say_what_was_expected(call, match):
    with pytest.raises((RuntimeError, ValueError), match=match):
        call()


def test_pytorch_refuses_the_same_pooling_arguments(torch):
    tf = torch.nn.functional
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(RuntimeError, match="pad should be .* half of"):
            tf.max_pool2d(torch.randn(1, 1, 4, 4), 2, padding=2)
        with pytest.raises(RuntimeError, match="Output size is too small"):
            tf.max_pool2d(torch.randn(1, 1, 2, 2), 3)


# ---------------------------------------------------------------------------- tiling windows
def _pool_grads(x, g, k, **kw):
    t = nt.tensor(x, requires_grad=True)
    F.max_pool2d(t, k, **kw).backward(nt.tensor(g))
    return t.grad.numpy()


def _tie_heavy(rng, shape):
    """Values from {-1, 0, 1} (many tied maxima) with a NaN, seen channels last in memory."""
    x = rng.integers(-1, 2, (shape[0], shape[2], shape[3], shape[1])).astype(np.float64)
    x[0, 1, 2, 0] = np.nan
    return x.transpose(0, 3, 1, 2)


def test_tiling_windows_match_the_overlapping_path_and_pytorch(torch, rng):
    # kernel == stride, dividing the input: the gradient is written per window; a 7 x 7 input
    # (one row and column left over) takes the general path on the same 6 x 6 windows
    x7 = _tie_heavy(rng, (2, 3, 7, 7))
    g = rng.standard_normal((2, 3, 3, 3))
    fast = _pool_grads(np.ascontiguousarray(x7[:, :, :6, :6]), g, 2)
    general = _pool_grads(x7, g, 2)
    np.testing.assert_array_equal(general[:, :, 6], 0)
    np.testing.assert_array_equal(fast, general[:, :, :6, :6])
    for x in (x7[:, :, :6, :6], np.ascontiguousarray(x7[:, :, :6, :6])):  # both memory layouts
        tx = torch.tensor(x, requires_grad=True)
        torch.nn.functional.max_pool2d(tx, 2).backward(torch.tensor(g))
        np.testing.assert_array_equal(_pool_grads(x, g, 2), tx.grad.numpy())
    tx = torch.tensor(x7[:, :, :6, :6], requires_grad=True)
    torch.nn.functional.max_pool2d(tx, (2, 3)).backward(torch.tensor(g[:, :, :, :2]))
    np.testing.assert_array_equal(_pool_grads(x7[:, :, :6, :6], g[:, :, :, :2], (2, 3)),
                                  tx.grad.numpy())


def test_tiling_windows_gradcheck_in_float64(rng):
    x = nt.tensor(rng.standard_normal((2, 3, 4, 6)), requires_grad=True)
    assert gradcheck(lambda x: F.max_pool2d(x, 2) * 1.5, (x,))
    assert gradcheck(lambda x: F.max_pool2d(x, (2, 3)), (x,))


def test_tiling_windows_infinite_gradients_reach_only_the_maxima(torch, rng):
    x = _tie_heavy(rng, (1, 2, 4, 4))
    g = np.full((1, 2, 2, 2), np.inf)
    tx = torch.tensor(x, requires_grad=True)
    torch.nn.functional.max_pool2d(tx, 2).backward(torch.tensor(g))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_array_equal(_pool_grads(x, g, 2), tx.grad.numpy())


def test_output_changed_in_place_keeps_the_gradient_of_the_input(torch, rng):
    # the saved maxima are not used once the output was written in place (PyTorch's gradient
    # is the arg-max of the input, whatever happens to the output)
    x = rng.standard_normal((2, 3, 4, 4))
    for k in (2, 3):  # tiling, and the general path (stride 3 over 4: one cell left over)
        t, tx = nt.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        for a, f in ((t, F), (tx, torch.nn.functional)):
            out = f.max_pool2d(a * 1.0, k)
            out.mul_(2.0)
            (out * out).sum().backward()
        np.testing.assert_allclose(t.grad.numpy(), tx.grad.numpy(), rtol=1e-12)
