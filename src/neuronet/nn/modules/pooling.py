"""Pooling layers, as PyTorch's: ``MaxPool1d/2d``, ``MaxUnpool1d/2d``, ``AvgPool1d/2d``,
``LPPool1d/2d``, ``AdaptiveAvgPool1d/2d`` and ``AdaptiveMaxPool1d/2d``. Each holds its options
(stored as PyTorch stores them: ``stride`` defaults to ``kernel_size``) and calls the function
of ``nn.functional``, so its gradient is that op's."""

from __future__ import annotations

from ...ops.convolution import tuple_arg
from ...tensor import Tensor
from .. import functional
from ..module import Module


class _MaxPoolNd(Module):
    def __init__(
        self,
        kernel_size,
        stride=None,
        padding=0,
        dilation=1,
        return_indices: bool = False,
        ceil_mode: bool = False,
    ) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding, self.dilation = padding, dilation
        self.return_indices, self.ceil_mode = return_indices, ceil_mode

    def extra_repr(self) -> str:
        return (
            f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
            f"dilation={self.dilation}, ceil_mode={self.ceil_mode}"
        )


class MaxPool1d(_MaxPoolNd):
    """``F.max_pool1d`` over (N, C, L) or (C, L)."""

    def forward(self, input: Tensor):
        return functional.max_pool1d(
            input,
            self.kernel_size,
            self.stride,
            self.padding,
            self.dilation,
            self.ceil_mode,
            self.return_indices,
        )


class MaxPool2d(_MaxPoolNd):
    """``F.max_pool2d`` over (N, C, H, W) or (C, H, W)."""

    def forward(self, input: Tensor):
        return functional.max_pool2d(
            input,
            self.kernel_size,
            self.stride,
            self.padding,
            self.dilation,
            self.ceil_mode,
            self.return_indices,
        )


class _MaxUnpoolNd(Module):
    dims = 2

    def __init__(self, kernel_size, stride=None, padding=0) -> None:
        super().__init__()
        name, n = type(self).__name__, self.dims
        self.kernel_size = tuple_arg(kernel_size, n, name, "kernel_size", 1)
        self.stride = tuple_arg(stride if stride is not None else kernel_size, n, name, "stride", 1)
        self.padding = tuple_arg(padding, n, name, "padding")

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxUnpool1d(_MaxUnpoolNd):
    """``F.max_unpool1d``: ``forward(input, indices, output_size=None)``."""

    dims = 1

    def forward(self, input: Tensor, indices: Tensor, output_size=None) -> Tensor:
        return functional.max_unpool1d(
            input, indices, self.kernel_size, self.stride, self.padding, output_size
        )


class MaxUnpool2d(_MaxUnpoolNd):
    """``F.max_unpool2d``: ``forward(input, indices, output_size=None)``."""

    dims = 2

    def forward(self, input: Tensor, indices: Tensor, output_size=None) -> Tensor:
        return functional.max_unpool2d(
            input, indices, self.kernel_size, self.stride, self.padding, output_size
        )


class AvgPool1d(Module):
    """``F.avg_pool1d`` over (N, C, L) or (C, L); the sizes kept as 1-tuples, as PyTorch."""

    def __init__(
        self,
        kernel_size,
        stride=None,
        padding=0,
        ceil_mode: bool = False,
        count_include_pad: bool = True,
    ) -> None:
        super().__init__()
        name = type(self).__name__
        self.kernel_size = tuple_arg(kernel_size, 1, name, "kernel_size", 1)
        self.stride = tuple_arg(stride if stride is not None else kernel_size, 1, name, "stride", 1)
        self.padding = tuple_arg(padding, 1, name, "padding")
        self.ceil_mode, self.count_include_pad = ceil_mode, count_include_pad

    def forward(self, input: Tensor) -> Tensor:
        return functional.avg_pool1d(
            input,
            self.kernel_size,
            self.stride,
            self.padding,
            self.ceil_mode,
            self.count_include_pad,
        )

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AvgPool2d(Module):
    """``F.avg_pool2d`` over (N, C, H, W) or (C, H, W)."""

    def __init__(
        self,
        kernel_size,
        stride=None,
        padding=0,
        ceil_mode: bool = False,
        count_include_pad: bool = True,
        divisor_override: int | None = None,
    ) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding, self.ceil_mode = padding, ceil_mode
        self.count_include_pad, self.divisor_override = count_include_pad, divisor_override

    def forward(self, input: Tensor) -> Tensor:
        return functional.avg_pool2d(
            input,
            self.kernel_size,
            self.stride,
            self.padding,
            self.ceil_mode,
            self.count_include_pad,
            self.divisor_override,
        )

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class _LPPoolNd(Module):
    def __init__(self, norm_type: float, kernel_size, stride=None, ceil_mode: bool = False):
        super().__init__()
        self.norm_type, self.kernel_size = norm_type, kernel_size
        self.stride, self.ceil_mode = stride, ceil_mode

    def extra_repr(self) -> str:
        return (
            f"norm_type={self.norm_type}, kernel_size={self.kernel_size}, stride={self.stride}, "
            f"ceil_mode={self.ceil_mode}"
        )


class LPPool1d(_LPPoolNd):
    """``F.lp_pool1d``: ``(sum over each window of x^p)^(1/p)``."""

    def forward(self, input: Tensor) -> Tensor:
        return functional.lp_pool1d(
            input, self.norm_type, self.kernel_size, self.stride, self.ceil_mode
        )


class LPPool2d(_LPPoolNd):
    """``F.lp_pool2d``: ``(sum over each window of x^p)^(1/p)``."""

    def forward(self, input: Tensor) -> Tensor:
        return functional.lp_pool2d(
            input, self.norm_type, self.kernel_size, self.stride, self.ceil_mode
        )


class _AdaptivePool(Module):
    def __init__(self, output_size) -> None:
        super().__init__()
        self.output_size = output_size

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveAvgPool1d(_AdaptivePool):
    """``F.adaptive_avg_pool1d``: averages over PyTorch's adaptive bins."""

    def forward(self, input: Tensor) -> Tensor:
        return functional.adaptive_avg_pool1d(input, self.output_size)


class AdaptiveAvgPool2d(_AdaptivePool):
    """``F.adaptive_avg_pool2d``: averages over PyTorch's adaptive bins."""

    def forward(self, input: Tensor) -> Tensor:
        return functional.adaptive_avg_pool2d(input, self.output_size)


class _AdaptiveMaxPool(_AdaptivePool):
    def __init__(self, output_size, return_indices: bool = False) -> None:
        super().__init__(output_size)
        self.return_indices = return_indices


class AdaptiveMaxPool1d(_AdaptiveMaxPool):
    """``F.adaptive_max_pool1d``: maxima over PyTorch's adaptive bins."""

    def forward(self, input: Tensor):
        return functional.adaptive_max_pool1d(input, self.output_size, self.return_indices)


class AdaptiveMaxPool2d(_AdaptiveMaxPool):
    """``F.adaptive_max_pool2d``: maxima over PyTorch's adaptive bins."""

    def forward(self, input: Tensor):
        return functional.adaptive_max_pool2d(input, self.output_size, self.return_indices)
