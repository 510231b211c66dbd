"""Normalisation, channel dropout and resampling layers: PyTorch's defaults, buffers, running
statistics, train/eval behaviour, errors, and finite results on constant and extreme inputs."""
import warnings

import numpy as np
import pytest

import neuronet as nt
import neuronet.nn.functional as F
from neuronet import nn

SELU_SATURATION = -1.0507009873554804934193349852946 * 1.6732632423543772848170429916717


def _copy_params(ours, theirs, torch):
    with torch.no_grad():
        for (name, p), (tname, tp) in zip(ours.named_parameters(), theirs.named_parameters()):
            assert name == tname
            tp.copy_(torch.tensor(p.detach().numpy()))


def _set_affine(module, rng):
    with nt.no_grad():
        module.weight.data[...] = rng.standard_normal(module.weight.shape)
        module.bias.data[...] = rng.standard_normal(module.bias.shape)


def _train_steps(ours, theirs, shape, torch, rng, steps=4):
    """Forward and backward in both libraries for a few batches: same outputs and gradients."""
    for step in range(steps):
        x = rng.standard_normal(shape) * (step + 1) + step
        xo, xt = nt.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        yo, yt = ours(xo), theirs(xt)
        np.testing.assert_allclose(yo.detach().numpy(), yt.detach().numpy(), rtol=1e-9,
                                   atol=1e-11)
        g = rng.standard_normal(yt.shape)
        yo.backward(nt.tensor(g))
        yt.backward(torch.tensor(g))
        np.testing.assert_allclose(xo.grad.numpy(), xt.grad.numpy(), rtol=1e-8, atol=1e-11)
    for (name, p), tp in zip(ours.named_parameters(), theirs.parameters()):
        np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), rtol=1e-8, err_msg=name)


def _assert_same_state(ours, theirs):
    theirs_state = theirs.state_dict()
    ours_state = ours.state_dict()
    assert list(ours_state) == list(theirs_state)
    for key, value in ours_state.items():
        np.testing.assert_allclose(value.numpy(), theirs_state[key].numpy(), rtol=1e-12,
                                   err_msg=key)


@pytest.mark.parametrize("cls,shape,momentum", [
    ("BatchNorm2d", (4, 3, 5, 2), 0.1), ("BatchNorm2d", (2, 3, 3, 3), None),
    ("BatchNorm3d", (2, 3, 2, 3, 2), 0.3), ("BatchNorm1d", (6, 3, 4), None),
])
def test_batchnorm_nd_matches_pytorch_with_running_buffers(cls, shape, momentum, torch, rng):
    ours = getattr(nn, cls)(3, momentum=momentum).double()
    theirs = getattr(torch.nn, cls)(3, momentum=momentum).double()
    _set_affine(ours, rng)
    _copy_params(ours, theirs, torch)
    _train_steps(ours, theirs, shape, torch, rng)
    _assert_same_state(ours, theirs)
    assert ours.num_batches_tracked.dtype == nt.int64
    ours.eval()
    theirs.eval()
    x = rng.standard_normal(shape)
    np.testing.assert_allclose(ours(nt.tensor(x)).detach().numpy(),
                               theirs(torch.tensor(x)).detach().numpy(), rtol=1e-10)
    _assert_same_state(ours, theirs)  # (evaluation leaves the buffers alone)


def test_batchnorm2d_defaults_ranks_and_untracked_eval(rng):
    bn = nn.BatchNorm2d(4)
    assert (bn.eps, bn.momentum, bn.affine, bn.track_running_stats) == (1e-5, 0.1, True, True)
    assert sorted(bn.state_dict()) == ["bias", "num_batches_tracked", "running_mean",
                                       "running_var", "weight"]
    with pytest.raises(ValueError, match=r"expected 4D input \(got 3D"):
        bn(nt.randn(2, 4, 5))
    with pytest.raises(ValueError, match="expected 4 channels"):
        bn(nt.randn(2, 3, 2, 2))
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        bn(nt.randn(1, 4, 1, 1))
    with pytest.raises(ValueError, match=r"expected 5D input"):
        nn.BatchNorm3d(4)(nt.randn(2, 4, 2, 2))
    free = nn.BatchNorm2d(2, track_running_stats=False, affine=False).eval()
    assert list(free.state_dict()) == []
    y = free(nt.tensor(rng.standard_normal((3, 2, 4, 4)) * 5 + 2)).numpy()
    np.testing.assert_allclose(y.mean(axis=(0, 2, 3)), 0, atol=1e-5)
    np.testing.assert_allclose(y.var(axis=(0, 2, 3)), 1, rtol=1e-3)


@pytest.mark.parametrize("cls,shape,kwargs", [
    ("InstanceNorm2d", (3, 4, 3, 5), {}),
    ("InstanceNorm2d", (2, 4, 3, 3), dict(affine=True, track_running_stats=True)),
    ("InstanceNorm1d", (3, 4, 6), dict(track_running_stats=True, momentum=0.4)),
    ("InstanceNorm1d", (4, 6), dict(affine=True)),  # unbatched (C, L)
    ("InstanceNorm2d", (4, 3, 3), dict(track_running_stats=True)),  # unbatched (C, H, W)
    ("InstanceNorm3d", (2, 4, 2, 3, 2), dict(affine=True)),
])
def test_instance_norm_matches_pytorch(cls, shape, kwargs, torch, rng):
    ours = getattr(nn, cls)(4, **kwargs).double()
    theirs = getattr(torch.nn, cls)(4, **kwargs).double()
    if ours.affine:
        _set_affine(ours, rng)
        _copy_params(ours, theirs, torch)
    _train_steps(ours, theirs, shape, torch, rng, steps=3)
    _assert_same_state(ours, theirs)
    ours.eval()
    theirs.eval()
    x = rng.standard_normal(shape)
    np.testing.assert_allclose(ours(nt.tensor(x)).detach().numpy(),
                               theirs(torch.tensor(x)).detach().numpy(), rtol=1e-10, atol=1e-12)


def test_instance_norm_defaults_and_channel_checks():
    norm = nn.InstanceNorm2d(3)
    assert (norm.affine, norm.track_running_stats, norm.eps, norm.momentum) == (
        False, False, 1e-5, 0.1)
    assert norm.weight is None and norm.running_mean is None and list(norm.state_dict()) == []
    with pytest.warns(UserWarning, match="does not match num_features"):
        norm(nt.randn(2, 5, 3, 3))
    with pytest.raises(ValueError, match=r"match num_features \(3\), but got: 5"):
        nn.InstanceNorm2d(3, affine=True)(nt.randn(2, 5, 3, 3))
    with pytest.raises(ValueError, match=r"expected 3D or 4D input \(got 2D"):
        norm(nt.randn(3, 3))
    with pytest.raises(ValueError, match="more than 1 spatial element"):
        norm(nt.randn(2, 3, 1, 1))
    with pytest.raises(RuntimeError, match="running_mean and running_var to be defined"):
        F.instance_norm(nt.randn(2, 3, 4), use_input_stats=False)


def test_group_norm_module_matches_pytorch_and_checks_groups(torch, rng):
    ours, theirs = nn.GroupNorm(2, 6).double(), torch.nn.GroupNorm(2, 6).double()
    assert ours.weight.tolist() == [1.0] * 6 and ours.bias.tolist() == [0.0] * 6
    _set_affine(ours, rng)
    _copy_params(ours, theirs, torch)
    _train_steps(ours, theirs, (3, 6, 4, 3), torch, rng, steps=2)
    assert repr(ours) == repr(theirs)
    assert list(nn.GroupNorm(3, 3, affine=False).state_dict()) == []
    with pytest.raises(ValueError, match=r"num_channels \(6\) must be divisible by num_groups \(4\)"):
        nn.GroupNorm(4, 6)
    with pytest.raises(RuntimeError, match="num_groups"):
        F.group_norm(nt.randn(2, 6, 3), 4)


def test_local_response_norm_module_matches_pytorch(torch, rng):
    ours, theirs = nn.LocalResponseNorm(3, alpha=0.2, k=0.5), torch.nn.LocalResponseNorm(
        3, alpha=0.2, k=0.5)
    assert repr(ours) == repr(theirs)
    _train_steps(ours, theirs, (2, 7, 3, 3), torch, rng, steps=2)
    with pytest.raises(ValueError, match="3D or higher"):
        ours(nt.randn(2, 3))


def _normalisers():
    return {
        "BatchNorm2d": nn.BatchNorm2d(3), "GroupNorm": nn.GroupNorm(3, 3),
        "InstanceNorm2d": nn.InstanceNorm2d(3, affine=True), "LocalResponseNorm":
        nn.LocalResponseNorm(2), "BatchNorm2d_eval": nn.BatchNorm2d(3).eval(),
    }


@pytest.mark.parametrize("dtype", [nt.float32, nt.float64])
@pytest.mark.parametrize("name", sorted(_normalisers()))
def test_constant_and_extreme_channels_stay_finite_without_warnings(name, dtype):
    """A channel with zero variance normalises to zero (the bias), and |x| = 1e4 is fine: no
    NumPy warning (the suite runs with warnings as errors), finite values and gradients."""
    layer = _normalisers()[name].to(dtype)
    for fill in (0.0, 3.0, 1e4, -1e4):
        x = nt.full((2, 3, 4, 4), fill, dtype=dtype, requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            y = layer(x)
            y.sum().backward()
        assert y.dtype == dtype and x.grad.dtype == dtype
        assert np.all(np.isfinite(y.detach().numpy())) and np.all(np.isfinite(x.grad.numpy()))
        if name in ("BatchNorm2d", "GroupNorm", "InstanceNorm2d"):
            np.testing.assert_array_equal(y.detach().numpy(), 0.0)
            np.testing.assert_allclose(x.grad.numpy(), 0.0, atol=1e-6)


@pytest.mark.parametrize("cls,shape", [("Dropout1d", (50, 40, 3)), ("Dropout2d", (50, 40, 2, 3)),
                                       ("Dropout3d", (50, 40, 2, 2, 2)),
                                       ("Dropout1d", (400, 6))])
def test_channel_dropout_zeroes_whole_channels(cls, shape):
    drop = getattr(nn, cls)(0.3)
    x = nt.ones(*shape)
    y = drop(x).numpy()
    channels = y.reshape(shape[0] * shape[1] if len(shape) > 2 else shape[0], -1)
    kept = np.float32(1 / 0.7)
    assert all(set(np.unique(row).tolist()) in ({0.0}, {float(kept)}) for row in channels)
    assert abs((channels[:, 0] == 0).mean() - 0.3) < 0.05
    drop.eval()
    assert drop(x) is x
    assert repr(drop) == f"{cls}(p=0.3, inplace=False)"


def test_channel_dropout_ranks_warnings_and_gradient():
    with pytest.raises(RuntimeError, match="dropout1d: Expected 2D or 3D input"):
        F.dropout1d(nt.ones(2, 3, 4, 5))
    with pytest.warns(UserWarning, match="interpreted as shape \\(N, C, L\\)"):
        y = F.dropout2d(nt.ones(20, 30, 4), 0.5)
    assert all(len(set(row.tolist())) == 1 for row in y.numpy().reshape(600, 4))
    with pytest.warns(UserWarning, match="Received a 2-D input to dropout2d"):
        F.dropout2d(nt.ones(4, 3))
    with pytest.warns(UserWarning, match="Received a 3-D input to dropout3d"):
        F.dropout3d(nt.ones(4, 3, 2))
    with pytest.raises(ValueError, match="between 0 and 1, but got 1.5"):
        nn.Dropout2d(1.5)
    x = nt.ones(4, 5, 3, requires_grad=True)
    y = F.dropout1d(x, 0.5)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), y.detach().numpy())
    assert F.dropout2d(nt.ones(2, 3, 2, 2), 1.0).abs().sum().item() == 0.0


@pytest.mark.parametrize("p", [0.2, 0.5])
def test_alpha_dropout_keeps_selu_statistics_and_pytorch_values(p, torch):
    a = ((1 - p) * (1 + p * SELU_SATURATION ** 2)) ** -0.5
    b = -a * SELU_SATURATION * p
    x = nt.randn(400, 500)
    y = nn.AlphaDropout(p)(x).numpy()
    kept = np.isclose(y, a * x.numpy() + b, rtol=1e-5, atol=1e-6)
    dropped = np.isclose(y, a * SELU_SATURATION + b, rtol=1e-5)
    assert np.all(kept | dropped)
    assert abs(dropped.mean() - p) < 0.01
    assert abs(y.mean()) < 0.02 and abs(y.std() - 1) < 0.02
    theirs = torch.nn.AlphaDropout(p)(torch.ones(2000)).numpy()
    ours = nn.AlphaDropout(p)(nt.ones(2000)).numpy()
    np.testing.assert_allclose(np.unique(ours), np.unique(theirs), rtol=1e-6)
    assert F.alpha_dropout(x, p) is x  # (training=False by default, as PyTorch's)
    feature = nn.FeatureAlphaDropout(p)(nt.ones(300, 20, 2, 2)).numpy().reshape(6000, 4)
    assert all(len(set(row.tolist())) == 1 for row in feature)
    assert abs((np.isclose(feature[:, 0], a * SELU_SATURATION + b)).mean() - p) < 0.03


@pytest.mark.parametrize("make", [
    lambda m: m.Upsample(scale_factor=2),
    lambda m: m.Upsample(size=(5, 7), mode="bilinear"),
    lambda m: m.Upsample(scale_factor=(1.5, 2.5), mode="bilinear", align_corners=True),
    lambda m: m.Upsample(scale_factor=1.3, mode="nearest", recompute_scale_factor=True),
    lambda m: m.UpsamplingNearest2d(size=6),
    lambda m: m.UpsamplingBilinear2d(scale_factor=3),
    lambda m: m.PixelShuffle(2),
    lambda m: m.PixelUnshuffle(2),
])
def test_resampling_modules_match_pytorch(make, torch, rng):
    ours, theirs = make(nn), make(torch.nn)
    assert repr(ours) == repr(theirs)
    for dtype, rtol in ((np.float64, 1e-12), (np.float32, 1e-5)):
        x = rng.standard_normal((2, 4, 4, 6)).astype(dtype)
        xo, xt = nt.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        yo, yt = ours(xo), theirs(xt)
        assert yo.dtype == (nt.float64 if dtype is np.float64 else nt.float32)
        np.testing.assert_allclose(yo.detach().numpy(), yt.detach().numpy(), rtol=rtol,
                                   atol=rtol)
        g = rng.standard_normal(yt.shape).astype(dtype)
        yo.backward(nt.tensor(g))
        yt.backward(torch.tensor(g))
        assert xo.grad.dtype == yo.dtype
        np.testing.assert_allclose(xo.grad.numpy(), xt.grad.numpy(), rtol=rtol, atol=rtol * 10)


def test_interpolate_errors_name_the_problem():
    x = nt.randn(1, 2, 3, 3)
    with pytest.raises(ValueError, match="only one of size or scale_factor"):
        F.interpolate(x, size=4, scale_factor=2)
    with pytest.raises(ValueError, match="either size or scale_factor"):
        F.interpolate(x)
    with pytest.raises(ValueError, match="align_corners option can only be set"):
        F.interpolate(x, scale_factor=2, align_corners=True)
    with pytest.raises(NotImplementedError, match="bilinear mode needs 4D input"):
        F.interpolate(nt.randn(1, 2, 3), scale_factor=2, mode="bilinear")
    with pytest.raises(ValueError, match="not meaningful with an explicit size"):
        F.interpolate(x, size=4, recompute_scale_factor=True)
    with pytest.raises(ValueError, match="same number of spatial dimensions"):
        F.interpolate(x, size=(4, 4, 4))
    with pytest.raises(NotImplementedError, match="bicubic"):
        F.interpolate(x, scale_factor=2, mode="bicubic")
    with pytest.raises(RuntimeError, match="greater than 0"):
        F.interpolate(x, scale_factor=0.2)
    with pytest.raises(RuntimeError, match="divisible by the square of upscale_factor"):
        F.pixel_shuffle(nt.randn(1, 6, 2, 2), 2)
    with pytest.raises(RuntimeError, match="width to be divisible by downscale_factor"):
        F.pixel_unshuffle(nt.randn(1, 1, 4, 3), 2)


def test_pixel_unshuffle_inverts_pixel_shuffle_and_upsample_nearest_repeats():
    x = nt.randn(2, 3, 4, 6)
    assert nt.equal(F.pixel_shuffle(F.pixel_unshuffle(x, 2), 2), x)
    small = nt.tensor([[[[1.0, 2.0], [3.0, 4.0]]]])
    assert nn.Upsample(scale_factor=2)(small).tolist() == [[[[1.0, 1.0, 2.0, 2.0],
                                                            [1.0, 1.0, 2.0, 2.0],
                                                            [3.0, 3.0, 4.0, 4.0],
                                                            [3.0, 3.0, 4.0, 4.0]]]]
    corners = nn.UpsamplingBilinear2d(size=3)(small)
    assert corners.tolist() == [[[[1.0, 1.5, 2.0], [2.0, 2.5, 3.0], [3.0, 3.5, 4.0]]]]


@pytest.mark.parametrize("fn", [
    lambda x, w, b: F.group_norm(x, 2, w, b),
    lambda x, w, b: F.batch_norm(x, None, None, w, b, True),
    lambda x, w, b: F.instance_norm(x, weight=w, bias=b),
    lambda x, w, b: F.interpolate(x, size=(5, 4), mode="bilinear") * w.sum() + b.sum(),
    lambda x, w, b: F.interpolate(x, scale_factor=1.5) * w.sum(),
], ids=["group_norm", "batch_norm_4d", "instance_norm", "bilinear", "nearest"])
def test_second_order_gradients(fn):
    from neuronet.autograd import gradgradcheck

    x = nt.randn(2, 4, 3, 3, dtype=nt.float64, requires_grad=True)
    w = nt.randn(4, dtype=nt.float64, requires_grad=True)
    b = nt.randn(4, dtype=nt.float64, requires_grad=True)
    assert gradgradcheck(fn, [x, w, b])
