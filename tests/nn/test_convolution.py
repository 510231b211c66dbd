"""Convolution layers and functions beyond the spec table (tests/nn/conv_specs.py): PyTorch's
default initialisation, padding modes, state_dict exchange with PyTorch, output_size of the
transposed layers, reprs, errors, dtypes and layouts."""
import math
import warnings

import numpy as np
import pytest

import neuronet as nt
import neuronet.nn.functional as F
from neuronet import nn
from neuronet.autograd import gradcheck


def _pair(torch, rng, shape):
    x = rng.standard_normal(shape)
    return nt.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)


def _torch_same(call):
    """PyTorch's result for an asymmetric 'same' padding, which may come with PyTorch's notice
    (once per process) that it pads a copy of the input; any other warning fails."""
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        out = call()
    assert all("padding='same'" in str(w.message) for w in seen), [str(w.message) for w in seen]
    return out


def _same_grads(ours, theirs, rtol=1e-9):
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=rtol, atol=1e-11)


def test_asymmetric_same_padding_matches_pytorch(torch, rng):
    """'same' with an even kernel pads one more on the bottom/right, as PyTorch."""
    (x, tx), (w, tw) = _pair(torch, rng, (2, 2, 5, 6)), _pair(torch, rng, (3, 2, 2, 4))
    out = F.conv2d(x, w, padding="same", dilation=(1, 3))
    ref = _torch_same(lambda: torch.nn.functional.conv2d(tx, tw, padding="same", dilation=(1, 3)))
    assert out.shape == (2, 3, 5, 6) == tuple(ref.shape)
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), rtol=1e-10)
    g = rng.standard_normal(out.shape)
    out.backward(nt.tensor(g))
    ref.backward(torch.tensor(g))
    _same_grads((x, w), (tx, tw))


@pytest.mark.parametrize("mode", ["zeros", "reflect", "replicate", "circular"])
@pytest.mark.parametrize("padding", [(1, 2), "same"])
def test_conv2d_padding_modes_match_pytorch(mode, padding, torch, rng):
    layer = nn.Conv2d(2, 3, (3, 4), padding=padding, padding_mode=mode, dtype=nt.float64)
    ref = torch.nn.Conv2d(2, 3, (3, 4), padding=padding, padding_mode=mode, dtype=torch.float64)
    ref.load_state_dict({k: torch.tensor(v.numpy()) for k, v in layer.state_dict().items()})
    x, tx = _pair(torch, rng, (2, 2, 5, 6))
    out = layer(x)
    expected = _torch_same(lambda: ref(tx))
    np.testing.assert_allclose(out.detach().numpy(), expected.detach().numpy(), rtol=1e-10)
    g = rng.standard_normal(out.shape)
    out.backward(nt.tensor(g))
    expected.backward(torch.tensor(g))
    _same_grads((x, layer.weight, layer.bias), (tx, ref.weight, ref.bias))


def test_padding_mode_gradient_check(rng):
    layer = nn.Conv1d(2, 2, 3, padding=2, padding_mode="reflect", dtype=nt.float64)
    x = nt.tensor(rng.standard_normal((2, 2, 5)), requires_grad=True)
    assert gradcheck(lambda x, w, b: F.conv1d(F.pad(x, (2, 2), mode="reflect"), w, b),
                     [x, layer.weight, layer.bias])
    np.testing.assert_allclose(
        layer(x).detach().numpy(),
        F.conv1d(F.pad(x, (2, 2), mode="reflect"), layer.weight, layer.bias).detach().numpy())


@pytest.mark.parametrize("cls, args", [
    (nn.Conv1d, (4, 6, 5)),
    (nn.Conv2d, (4, 6, (3, 2))),
    (nn.Conv2d, (4, 8, 3, 1, 0, 1, 2)),
    (nn.ConvTranspose1d, (6, 4, 3)),
    (nn.ConvTranspose2d, (4, 6, (2, 3))),
])
def test_default_init_is_pytorchs_uniform(cls, args):
    """kaiming_uniform_(a=sqrt(5)) = U(-1/sqrt(fan_in), 1/sqrt(fan_in)), fan_in = weight.shape[1]
    * kernel area; the bias from the same bound. Checked on the bounds and the moments of a few
    thousand draws (a fresh layer each time)."""
    draws_w, draws_b = [], []
    for _ in range(60):
        layer = cls(*args)
        draws_w.append(layer.weight.detach().numpy().ravel())
        draws_b.append(layer.bias.detach().numpy().ravel())
    fan_in = layer.weight.shape[1] * math.prod(layer.weight.shape[2:])
    bound = 1 / math.sqrt(fan_in)
    for draws in (np.concatenate(draws_w), np.concatenate(draws_b)):
        assert np.abs(draws).max() <= bound
        assert np.abs(draws).max() > 0.95 * bound
        sd = bound / math.sqrt(3)  # U(-b, b)
        assert abs(draws.mean()) < 5 * sd / math.sqrt(draws.size)
        assert abs(draws.std() - sd) < 0.06 * sd


def test_parameter_shapes_and_names_are_pytorchs(torch):
    pairs = [
        (nn.Conv2d(4, 6, (3, 2), groups=2), torch.nn.Conv2d(4, 6, (3, 2), groups=2)),
        (nn.Conv1d(3, 6, 4, bias=False), torch.nn.Conv1d(3, 6, 4, bias=False)),
        (nn.ConvTranspose2d(4, 6, 3, groups=2), torch.nn.ConvTranspose2d(4, 6, 3, groups=2)),
        (nn.ConvTranspose1d(2, 3, 2), torch.nn.ConvTranspose1d(2, 3, 2)),
    ]
    for ours, theirs in pairs:
        assert {k: tuple(v.shape) for k, v in ours.state_dict().items()} == {
            k: tuple(v.shape) for k, v in theirs.state_dict().items()}
        assert repr(ours) == repr(theirs)


@pytest.mark.parametrize("kwargs", [
    dict(stride=2, padding=1, dilation=2, groups=2, bias=False),
    dict(padding="same", padding_mode="circular"),
    dict(padding="valid"),
])
def test_conv_repr_is_pytorchs(kwargs, torch):
    assert repr(nn.Conv2d(4, 6, 3, **kwargs)) == repr(torch.nn.Conv2d(4, 6, 3, **kwargs))
    assert repr(nn.Conv1d(4, 6, 3, **kwargs)) == repr(torch.nn.Conv1d(4, 6, 3, **kwargs))


def test_conv_transpose_repr_is_pytorchs(torch):
    kw = dict(stride=2, padding=1, output_padding=1, dilation=1, groups=2)
    assert repr(nn.ConvTranspose2d(4, 6, 3, **kw)) == repr(torch.nn.ConvTranspose2d(4, 6, 3, **kw))


def _small_net(m, dtype):
    nn_ = m.nn
    return nn_.Sequential(
        nn_.Conv2d(1, 4, 3, padding=1, dtype=dtype), nn_.ReLU(), nn_.MaxPool2d(2),
        nn_.Conv2d(4, 6, 3, groups=2, padding="same", padding_mode="replicate", dtype=dtype),
        nn_.ReLU(), nn_.AvgPool2d(2, ceil_mode=True), nn_.ConvTranspose2d(6, 3, 2, stride=2,
                                                                          dtype=dtype),
        nn_.AdaptiveMaxPool2d((2, 3)), nn_.Flatten(), nn_.Linear(18, 5, dtype=dtype),
    )


def test_state_dict_moves_to_pytorch_and_back(torch, rng):
    ours, theirs = _small_net(nt, nt.float64), _small_net(torch, torch.float64)
    theirs.load_state_dict({k: torch.tensor(v.numpy()) for k, v in ours.state_dict().items()})
    x = rng.standard_normal((2, 1, 9, 9))
    np.testing.assert_allclose(ours(nt.tensor(x)).detach().numpy(),
                               theirs(torch.tensor(x)).detach().numpy(), rtol=1e-10)
    fresh_theirs = _small_net(torch, torch.float64)  # and back: PyTorch's weights in neuronet
    fresh_ours = _small_net(nt, nt.float64)
    fresh_ours.load_state_dict({k: nt.tensor(v.numpy())
                                for k, v in fresh_theirs.state_dict().items()})
    np.testing.assert_allclose(fresh_ours(nt.tensor(x)).detach().numpy(),
                               fresh_theirs(torch.tensor(x)).detach().numpy(), rtol=1e-10)


@pytest.mark.parametrize("output_size", [(7, 8), [2, 3, 8, 8], (8, 7)])
def test_conv_transpose_output_size_matches_pytorch(output_size, torch, rng):
    layer = nn.ConvTranspose2d(3, 2, 3, stride=2, padding=1, dtype=nt.float64)
    ref = torch.nn.ConvTranspose2d(3, 2, 3, stride=2, padding=1, dtype=torch.float64)
    ref.load_state_dict({k: torch.tensor(v.numpy()) for k, v in layer.state_dict().items()})
    x = rng.standard_normal((2, 3, 4, 4))
    out = layer(nt.tensor(x), output_size=output_size)
    expected = ref(torch.tensor(x), output_size=output_size)
    assert out.shape == tuple(expected.shape) == (2, 2, *tuple(output_size)[-2:])
    np.testing.assert_allclose(out.detach().numpy(), expected.detach().numpy(), rtol=1e-10)


def test_conv_transpose_refuses_an_unreachable_output_size():
    layer = nn.ConvTranspose1d(1, 1, 3, stride=2)
    with pytest.raises(ValueError, match=r"requested an output size of \[12\], but valid sizes "
                                         r"range from \[9\] to \[10\]"):
        layer(nt.randn(1, 1, 4), output_size=[12])


def test_float32_end_to_end_and_channels_last_outputs_flatten_in_order(rng):
    """float32 in, float32 out and gradients; a convolution's output (a channels-last array seen
    as NCHW) flattens in NCHW order, as a contiguous one would."""
    layer = nn.Conv2d(2, 3, 2)
    x = nt.tensor(rng.standard_normal((2, 2, 4, 4)).astype(np.float32), requires_grad=True)
    out = layer(x)
    assert out.dtype == nt.float32
    flat = out.flatten(1).detach().numpy()
    np.testing.assert_array_equal(flat, np.ascontiguousarray(out.detach().numpy()).reshape(2, -1))
    (out * out).sum().backward()
    assert x.grad.dtype == layer.weight.grad.dtype == layer.bias.grad.dtype == nt.float32


def test_conv_gradients_match_pytorch_in_float32(torch, rng):
    x = rng.standard_normal((4, 3, 9, 9)).astype(np.float32)
    w = rng.standard_normal((5, 3, 3, 3)).astype(np.float32)
    a, b = nt.tensor(x, requires_grad=True), nt.tensor(w, requires_grad=True)
    ta, tb = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)
    out = F.conv2d(a, b, stride=2, padding=1)
    ref = torch.nn.functional.conv2d(ta, tb, stride=2, padding=1)
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), rtol=1e-4, atol=1e-5)
    out.sum().backward()
    ref.sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), ta.grad.numpy(), rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(b.grad.numpy(), tb.grad.numpy(), rtol=1e-4, atol=1e-4)


def test_extreme_inputs_raise_no_warning(rng):
    """|x| up to 1e4 in float32 (and the 'same' zero padding around it): finite, no warning."""
    x = nt.tensor((rng.choice([-1e4, 1e4], (1, 2, 5, 5))).astype(np.float32), requires_grad=True)
    w = nt.tensor((rng.choice([-1e4, 1e4], (3, 2, 2, 2))).astype(np.float32), requires_grad=True)
    out = F.conv2d(x, w, padding="same")
    (out * 1e-4).sum().backward()
    assert np.isfinite(out.detach().numpy()).all() and np.isfinite(x.grad.numpy()).all()


@pytest.mark.parametrize("call, error, match", [
    (lambda: F.conv2d(nt.randn(2, 3), nt.randn(1, 3, 1, 1)), RuntimeError,
     r"Expected 3D \(unbatched\) or 4D \(batched\) input to conv2d, but got input of size: "
     r"\[2, 3\]"),
    (lambda: F.conv2d(nt.randn(1, 2, 5, 5), nt.randn(4, 3, 3, 3)), RuntimeError,
     r"expected input\[1, 2, 5, 5\] to have 3 channels, but got 2 channels instead"),
    (lambda: F.conv2d(nt.randn(1, 3, 2, 2), nt.randn(4, 3, 3, 3)), RuntimeError,
     r"Kernel size can't be greater than actual input size"),
    (lambda: F.conv2d(nt.randn(1, 4, 5, 5), nt.randn(3, 2, 3, 3), groups=2), RuntimeError,
     r"expected weight to be divisible by 2 at dimension 0"),
    (lambda: F.conv2d(nt.randn(1, 3, 5, 5), nt.randn(4, 3, 3, 3), padding="full"), ValueError,
     r"Invalid padding string 'full'"),
    (lambda: F.conv2d(nt.randn(1, 3, 5, 5), nt.randn(4, 3, 3, 3), padding="same", stride=2),
     RuntimeError, r"padding='same' is not supported for strided convolutions"),
    (lambda: F.conv2d(nt.randn(1, 3, 5, 5), nt.randn(4, 3, 3, 3), stride=0), RuntimeError,
     r"argument 'stride' must be positive"),
    (lambda: F.conv2d(nt.randn(1, 3, 5, 5), nt.randn(4, 3, 3, 3), padding=-1), RuntimeError,
     r"negative padding is not supported"),
    (lambda: F.conv2d(nt.randn(1, 3, 5, 5), nt.randn(4, 3, 3, 3), nt.randn(3)), RuntimeError,
     r"expected bias to be 1-dimensional with 4 elements"),
    (lambda: F.conv2d(nt.randn(1, 3, 5, 5, dtype=nt.float64), nt.randn(4, 3, 3, 3)),
     RuntimeError, r"input type \(neuronet.float64\) and weight type \(neuronet.float32\)"),
    (lambda: F.conv_transpose2d(nt.randn(1, 3, 4, 4), nt.randn(3, 2, 3, 3), stride=2,
                                output_padding=2), RuntimeError,
     r"output padding must be smaller than either stride or dilation"),
    (lambda: F.fold(nt.randn(1, 6, 4), (3, 3), 2), RuntimeError,
     r"Expected size of input's dimension 1 to be divisible by the product of kernel_size"),
    (lambda: F.fold(nt.randn(1, 8, 5), (3, 3), 2), RuntimeError,
     r"match the calculated number of sliding blocks 2 \* 2 = 4, but got input.size\(2\)=5"),
    (lambda: nn.Conv2d(3, 4, 3, groups=2), ValueError, r"in_channels must be divisible by groups"),
    (lambda: nn.Conv2d(4, 3, 3, groups=2), ValueError, r"out_channels must be divisible by groups"),
    (lambda: nn.Conv2d(4, 3, 3, padding_mode="mirror"), ValueError,
     r"padding_mode must be one of \['zeros', 'reflect', 'replicate', 'circular'\]"),
    (lambda: nn.ConvTranspose2d(4, 3, 3, padding_mode="reflect"), ValueError,
     r'Only "zeros" padding mode is supported for ConvTranspose2d'),
])
def test_bad_arguments_say_what_was_expected(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_pytorch_refuses_the_same_arguments(torch):
    """The refusals above are PyTorch's too (a sample, where the messages agree)."""
    tf = torch.nn.functional
    with pytest.raises(RuntimeError, match=r"to have 3 channels, but got 2 channels instead"):
        tf.conv2d(torch.randn(1, 2, 5, 5), torch.randn(4, 3, 3, 3))
    with pytest.raises(RuntimeError, match=r"Kernel size can't be greater than actual input"):
        tf.conv2d(torch.randn(1, 3, 2, 2), torch.randn(4, 3, 3, 3))
    with pytest.raises(RuntimeError, match="not supported for strided convolutions"):
        tf.conv2d(torch.randn(1, 3, 5, 5), torch.randn(4, 3, 3, 3), padding="same", stride=2)
    with pytest.raises(ValueError, match="in_channels must be divisible by groups"):
        torch.nn.Conv2d(3, 4, 3, groups=2)


def test_unfold_then_fold_counts_window_overlaps(rng):
    """fold(unfold(x)) multiplies each pixel by the number of windows that cover it."""
    x = nt.tensor(rng.standard_normal((1, 2, 4, 4)))
    folded = F.fold(F.unfold(x, 3, padding=1), (4, 4), 3, padding=1)
    counts = F.fold(F.unfold(nt.ones(1, 1, 4, 4, dtype=nt.float64), 3, padding=1), (4, 4), 3,
                    padding=1)
    np.testing.assert_allclose(folded.numpy(), x.numpy() * counts.numpy())
    assert counts.numpy()[0, 0, 0, 0] == 4 and counts.numpy()[0, 0, 1, 1] == 9


def test_unfold_fold_modules_match_functions(torch):
    u, f = nn.Unfold((2, 3), padding=1, stride=2), nn.Fold((4, 5), (2, 3), padding=1, stride=2)
    assert repr(u) == repr(torch.nn.Unfold((2, 3), padding=1, stride=2))
    assert repr(f) == repr(torch.nn.Fold((4, 5), (2, 3), padding=1, stride=2))
    x = nt.randn(1, 2, 4, 5)
    np.testing.assert_array_equal(u(x).numpy(),
                                  F.unfold(x, (2, 3), padding=1, stride=2).numpy())
    assert f(u(x)).shape == (1, 2, 4, 5)


# ---------------------------------------------------------------------------- blocked col2im
BLOCK_CASES = [  # (stride, padding, dilation, groups)
    (1, 0, 1, 1), (2, 1, 1, 1), (1, 2, 2, 2), (2, 0, 1, 4), (3, 1, 2, 1)]


@pytest.mark.parametrize("stride, padding, dilation, groups", BLOCK_CASES)
@pytest.mark.parametrize("block_bytes", [1, 700, 1 << 30])  # one image, a few, all at once
def test_blocked_col2im_matches_the_whole_batch_reference(stride, padding, dilation, groups,
                                                          block_bytes, monkeypatch, rng):
    from neuronet.ops import convolution as conv

    n, c, o, size, k = 5, 4, 8, 9, 3
    out = tuple([conv.out_size(size, k, stride, padding, padding, dilation)] * 2)
    a = rng.standard_normal((groups, n * out[0] * out[1], o // groups))
    b = rng.standard_normal((groups, o // groups, k * k * c // groups))
    args = ((n, c, size, size), ((padding, padding),) * 2, (k, k), (stride,) * 2,
            (dilation,) * 2, out, groups)
    reference = conv.col2im(conv.group_matmul(a, b), *args)
    monkeypatch.setattr(conv, "BLOCK_BYTES", block_bytes)
    np.testing.assert_allclose(conv.col2im_product(a, b, *args), reference, rtol=1e-12,
                               atol=1e-12)


@pytest.mark.parametrize("stride, padding, dilation, groups", BLOCK_CASES)
def test_blocked_col2im_gradients_match_pytorch_and_gradcheck(stride, padding, dilation, groups,
                                                              monkeypatch, torch, rng):
    from neuronet.ops import convolution as conv

    monkeypatch.setattr(conv, "BLOCK_BYTES", 700)  # blocks of one or two images
    x = rng.standard_normal((5, 4, 9, 9))
    w = rng.standard_normal((8, 4 // groups, 3, 3))
    g = rng.standard_normal(tuple(torch.nn.functional.conv2d(
        torch.tensor(x), torch.tensor(w), None, stride, padding, dilation, groups).shape))
    t, tw = nt.tensor(x, requires_grad=True), nt.tensor(w, requires_grad=True)
    F.conv2d(t, tw, None, stride, padding, dilation, groups).backward(nt.tensor(g))
    tx = torch.tensor(x, requires_grad=True)
    torch.nn.functional.conv2d(tx, torch.tensor(w), None, stride, padding, dilation,
                               groups).backward(torch.tensor(g))
    np.testing.assert_allclose(t.grad.numpy(), tx.grad.numpy(), rtol=1e-10, atol=1e-10)
    small = nt.tensor(x[:3, :, :7, :7], requires_grad=True)
    assert gradcheck(lambda x, w: F.conv2d(x, w, None, stride, padding, dilation, groups),
                     (small, nt.tensor(w, requires_grad=True)))
    tp = nt.tensor(rng.standard_normal((3, 4, 4, 4)), requires_grad=True)
    wt = nt.tensor(rng.standard_normal((4, 8 // groups, 3, 3)), requires_grad=True)
    assert gradcheck(lambda x, w: F.conv_transpose2d(x, w, None, stride, padding, 0, groups,
                                                     dilation), (tp, wt))
