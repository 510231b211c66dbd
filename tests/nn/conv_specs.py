"""Convolution, window and pooling functions: how to call each in neuronet and PyTorch.

Joined into ``functional_specs.ALL_SPECS``, so each spec gets the float64 gradient check, the
second-derivative check, the PyTorch comparison, the float32 check and the GPU parity test.
Tiny shapes: every option (strides, padding as ints, tuples, 'same' with even kernels and
'valid', dilation, groups and depthwise, output_padding, ceil_mode, count_include_pad,
divisor_override, unbatched inputs) at a few dozen elements.
"""
import numpy as np

from tests.core.op_specs import OpSpec


def _long(m, values):
    return m.tensor(values) if m.__name__ == "neuronet" else m.tensor(values, dtype=m.long)


def _window_argmax(rng, shape, kernel, out_size):
    """Flat indices h * W + w, one cell of each non-overlapping window (as max_pool gives)."""
    n, c, oh, ow = shape
    kh, kw = kernel
    i, j = rng.integers(0, kh, shape), rng.integers(0, kw, shape)
    rows = np.arange(oh).reshape(-1, 1) * kh + i
    cols = np.arange(ow) * kw + j
    return (rows * out_size[1] + cols).tolist()


_RNG = np.random.default_rng(5)
UNPOOL_2D = _window_argmax(_RNG, (1, 2, 2, 2), (2, 2), (4, 5))
UNPOOL_1D = _window_argmax(_RNG, (2, 2, 1, 3), (1, 2), (1, 7))
UNPOOL_1D = [[row[0] for row in plane] for plane in UNPOOL_1D]

CONV_SPECS = [
    OpSpec("conv2d", lambda F, m, x, w, b: F.conv2d(x, w, b), ((2, 3, 5, 4), (4, 3, 3, 2), (4,))),
    OpSpec("conv2d_stride_padding",
           lambda F, m, x, w, b: F.conv2d(x, w, b, stride=2, padding=1),
           ((2, 2, 5, 5), (3, 2, 3, 3), (3,))),
    # (PyTorch warns about the padded copy an asymmetric 'same' makes: compared with PyTorch
    # in tests/nn/test_convolution.py, under pytest.warns)
    OpSpec("conv2d_same_even_kernel",
           lambda F, m, x, w: F.conv2d(x, w, padding="same", dilation=(1, 2)),
           ((1, 2, 5, 6), (2, 2, 2, 4)), kwargs={"ours": True}),
    OpSpec("conv2d_same_odd_kernel", lambda F, m, x, w: F.conv2d(x, w, padding="same"),
           ((1, 2, 4, 5), (2, 2, 3, 1))),
    OpSpec("conv2d_valid_dilation",
           lambda F, m, x, w, b: F.conv2d(x, w, b, padding="valid", dilation=2),
           ((1, 2, 6, 6), (2, 2, 2, 2), (2,))),
    OpSpec("conv2d_groups",
           lambda F, m, x, w, b: F.conv2d(x, w, b, stride=(1, 2), padding=(0, 1), groups=2),
           ((2, 4, 4, 4), (4, 2, 2, 2), (4,))),
    OpSpec("conv2d_depthwise", lambda F, m, x, w: F.conv2d(x, w, padding=1, groups=3),
           ((1, 3, 4, 4), (6, 1, 3, 3))),
    OpSpec("conv2d_unbatched", lambda F, m, x, w: F.conv2d(x, w), ((2, 4, 4), (3, 2, 2, 2))),
    OpSpec("conv1d", lambda F, m, x, w, b: F.conv1d(x, w, b, stride=2, padding=1),
           ((2, 3, 7), (4, 3, 3), (4,))),
    OpSpec("conv1d_same_groups_dilation",
           lambda F, m, x, w: F.conv1d(x, w, padding="same", groups=2, dilation=2),
           ((2, 4, 6), (2, 2, 4))),
    OpSpec("conv_transpose2d",
           lambda F, m, x, w, b: F.conv_transpose2d(x, w, b, stride=2, padding=1,
                                                    output_padding=1),
           ((2, 3, 3, 3), (3, 2, 3, 3), (2,))),
    OpSpec("conv_transpose2d_groups_dilation",
           lambda F, m, x, w: F.conv_transpose2d(x, w, stride=(1, 2), output_padding=(0, 1),
                                                 groups=2, dilation=2),
           ((1, 4, 3, 3), (4, 1, 2, 2))),
    OpSpec("conv_transpose1d",
           lambda F, m, x, w, b: F.conv_transpose1d(x, w, b, stride=3, output_padding=2),
           ((2, 2, 4), (2, 3, 3), (3,))),
    OpSpec("unfold",
           lambda F, m, x: F.unfold(x, (2, 3), dilation=(1, 2), padding=1, stride=(2, 1)),
           ((2, 2, 4, 5),)),
    OpSpec("fold", lambda F, m, c: F.fold(c, (4, 5), (2, 3), padding=1, stride=(2, 1)),
           ((2, 12, 15),)),
    OpSpec("max_pool2d", lambda F, m, x: F.max_pool2d(x, 2), ((2, 2, 4, 4),)),
    OpSpec("max_pool2d_stride_padding",
           lambda F, m, x: F.max_pool2d(x, 3, stride=2, padding=1), ((1, 2, 5, 5),)),
    OpSpec("max_pool2d_dilation_ceil_mode",
           lambda F, m, x: F.max_pool2d(x, (2, 3), stride=(2, 1), dilation=(2, 1),
                                        ceil_mode=True, return_indices=True)[0],
           ((1, 2, 7, 5),)),
    OpSpec("max_pool1d_ceil_mode",
           lambda F, m, x: F.max_pool1d(x, 3, stride=2, padding=1, ceil_mode=True),
           ((2, 2, 8),)),
    OpSpec("max_unpool2d",
           lambda F, m, x: F.max_unpool2d(x, _long(m, UNPOOL_2D), 2, output_size=(4, 5)),
           ((1, 2, 2, 2),)),
    OpSpec("max_unpool1d",
           lambda F, m, x: F.max_unpool1d(x, _long(m, UNPOOL_1D), 2, output_size=[7]),
           ((2, 2, 3),)),
    OpSpec("avg_pool2d", lambda F, m, x: F.avg_pool2d(x, 2), ((2, 2, 4, 4),)),
    OpSpec("avg_pool2d_ceil_mode_exclude_pad",
           lambda F, m, x: F.avg_pool2d(x, 3, stride=2, padding=1, ceil_mode=True,
                                        count_include_pad=False), ((1, 2, 6, 6),)),
    OpSpec("avg_pool2d_ceil_mode_include_pad",
           lambda F, m, x: F.avg_pool2d(x, 3, stride=2, padding=1, ceil_mode=True),
           ((1, 2, 6, 6),)),
    OpSpec("avg_pool2d_divisor_override",
           lambda F, m, x: F.avg_pool2d(x, (2, 3), padding=1, divisor_override=3),
           ((1, 2, 4, 5),)),
    OpSpec("avg_pool1d_ceil_mode_exclude_pad",
           lambda F, m, x: F.avg_pool1d(x, 3, stride=2, padding=1, ceil_mode=True,
                                        count_include_pad=False), ((2, 2, 8),)),
    OpSpec("lp_pool2d", lambda F, m, x: F.lp_pool2d(x, 2, 2), ((1, 2, 4, 4),), "positive"),
    OpSpec("lp_pool2d_p3_ceil_mode",
           lambda F, m, x: F.lp_pool2d(x, 3, (3, 2), stride=2, ceil_mode=True),
           ((1, 2, 6, 5),), "positive"),
    OpSpec("lp_pool1d", lambda F, m, x: F.lp_pool1d(x, 2, 3, 2), ((2, 2, 7),), "positive"),
    OpSpec("adaptive_avg_pool2d", lambda F, m, x: F.adaptive_avg_pool2d(x, (3, 2)),
           ((2, 2, 5, 7),)),
    OpSpec("adaptive_avg_pool2d_none", lambda F, m, x: F.adaptive_avg_pool2d(x, (None, 3)),
           ((1, 2, 3, 7),)),
    OpSpec("adaptive_avg_pool1d", lambda F, m, x: F.adaptive_avg_pool1d(x, 4), ((2, 2, 7),)),
    OpSpec("adaptive_max_pool2d",
           lambda F, m, x: F.adaptive_max_pool2d(x, (3, 4), return_indices=True)[0],
           ((1, 2, 5, 7),)),
    OpSpec("adaptive_max_pool1d", lambda F, m, x: F.adaptive_max_pool1d(x, 3), ((2, 2, 7),)),
]
