"""Convolution layers, as PyTorch's: ``Conv1d``, ``Conv2d``, ``ConvTranspose1d``,
``ConvTranspose2d``, with PyTorch's parameter names, shapes and default initialisation.

Weights: (out_channels, in_channels / groups, *kernel_size) for a convolution,
(in_channels, out_channels / groups, *kernel_size) for a transposed one. Initialisation
(PyTorch's): ``kaiming_uniform_(weight, a=sqrt(5))``, i.e. U(-1/sqrt(fan_in), 1/sqrt(fan_in))
with ``fan_in = weight.shape[1] * prod(kernel_size)``, and the bias from the same
U(-1/sqrt(fan_in), 1/sqrt(fan_in)).

``padding_mode`` other than ``'zeros'`` pads with ``nn.functional.pad`` (``'reflect'``,
``'replicate'``, ``'circular'``) and convolves without padding.
"""

from __future__ import annotations

import math
import numbers

from ...factories import empty
from ...ops import convolution as conv
from ...tensor import Tensor
from .. import functional, init
from ..module import Module
from ..parameter import Parameter

PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


class _ConvNd(Module):
    """The parameters, checks, initialisation and ``extra_repr`` of every convolution layer."""

    dims = 2
    transposed = False
    in_channels: int
    out_channels: int
    kernel_size: tuple
    stride: tuple
    padding: tuple | str
    dilation: tuple
    output_padding: tuple
    groups: int
    padding_mode: str
    _reversed_padding_repeated_twice: tuple
    weight: Parameter
    bias: Parameter | None

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size,
        stride=1,
        padding=0,
        dilation=1,
        groups: int = 1,
        bias: bool = True,
        padding_mode: str = "zeros",
        output_padding=0,
        device=None,
        dtype=None,
    ) -> None:
        super().__init__()
        name, n = type(self).__name__, self.dims
        for arg, v in (("in_channels", in_channels), ("out_channels", out_channels)):
            if not isinstance(v, numbers.Integral) or isinstance(v, bool) or v < 0:
                raise ValueError(f"{name}: {arg} must be a non-negative int, got {v!r}")
        if not isinstance(groups, numbers.Integral) or groups <= 0:
            raise ValueError(f"{name}: groups must be a positive integer, got {groups!r}")
        if in_channels % groups:
            raise ValueError(
                f"{name}: in_channels must be divisible by groups, got "
                f"in_channels={in_channels} and groups={groups}"
            )
        if out_channels % groups:
            raise ValueError(
                f"{name}: out_channels must be divisible by groups, got "
                f"out_channels={out_channels} and groups={groups}"
            )
        if padding_mode not in PADDING_MODES:
            raise ValueError(
                f"padding_mode must be one of {list(PADDING_MODES)}, but got "
                f"padding_mode='{padding_mode}'"
            )
        self.kernel_size = conv.tuple_arg(kernel_size, n, name, "kernel_size", 1)
        self.stride = conv.tuple_arg(stride, n, name, "stride", 1)
        self.dilation = conv.tuple_arg(dilation, n, name, "dilation", 1)
        if isinstance(padding, str):
            if self.transposed:
                raise ValueError(
                    f"{name}: padding must be an int or a tuple of ints, got {padding!r}"
                )
            # (checks the string and refuses 'same' with a stride, as functional.conv2d does)
            pads = conv.conv_pads(padding, self.kernel_size, self.stride, self.dilation, name)
            self.padding = padding
        else:
            self.padding = conv.tuple_arg(padding, n, name, "padding")
            pads = tuple((p, p) for p in self.padding)
        self._reversed_padding_repeated_twice = tuple(w for lo_hi in reversed(pads) for w in lo_hi)
        self.in_channels, self.out_channels = int(in_channels), int(out_channels)
        self.output_padding = conv.tuple_arg(output_padding, n, name, "output_padding")
        self.groups, self.padding_mode = int(groups), padding_mode
        if self.transposed:
            shape = (self.in_channels, self.out_channels // self.groups, *self.kernel_size)
        else:
            shape = (self.out_channels, self.in_channels // self.groups, *self.kernel_size)
        self.weight = Parameter(empty(*shape, dtype=dtype, device=device))
        if bias:
            self.bias = Parameter(empty(self.out_channels, dtype=dtype, device=device))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """``kaiming_uniform_(weight, a=sqrt(5))``; bias ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in))."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in = self.weight.shape[1] * math.prod(self.kernel_size)
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def extra_repr(self) -> str:
        n = self.dims
        s = (
            f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
            f"stride={self.stride}"
        )
        if self.padding != (0,) * n:
            s += f", padding={self.padding}"
        if self.dilation != (1,) * n:
            s += f", dilation={self.dilation}"
        if self.output_padding != (0,) * n:
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s


class _Conv(_ConvNd):
    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size,
        stride=1,
        padding=0,
        dilation=1,
        groups: int = 1,
        bias: bool = True,
        padding_mode: str = "zeros",
        device=None,
        dtype=None,
    ) -> None:
        super().__init__(
            in_channels,
            out_channels,
            kernel_size,
            stride,
            padding,
            dilation,
            groups,
            bias,
            padding_mode,
            0,
            device,
            dtype,
        )

    def _conv_forward(self, input: Tensor, fn) -> Tensor:
        if self.padding_mode != "zeros":
            padded = functional.pad(
                input, self._reversed_padding_repeated_twice, mode=self.padding_mode
            )
            return fn(padded, self.weight, self.bias, self.stride, 0, self.dilation, self.groups)
        return fn(
            input, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups
        )


class Conv1d(_Conv):
    """1-D convolution over (N, C_in, L) or (C_in, L): ``F.conv1d`` with this layer's weight
    (out_channels, in_channels / groups, kernel_size) and bias."""

    dims = 1

    def forward(self, input: Tensor) -> Tensor:
        return self._conv_forward(input, functional.conv1d)


class Conv2d(_Conv):
    """2-D convolution over (N, C_in, H, W) or (C_in, H, W): ``F.conv2d`` with this layer's
    weight (out_channels, in_channels / groups, kH, kW) and bias."""

    dims = 2

    def forward(self, input: Tensor) -> Tensor:
        return self._conv_forward(input, functional.conv2d)


class _ConvTransposeNd(_ConvNd):
    transposed = True

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size,
        stride=1,
        padding=0,
        output_padding=0,
        groups: int = 1,
        bias: bool = True,
        dilation=1,
        padding_mode: str = "zeros",
        device=None,
        dtype=None,
    ) -> None:
        if padding_mode != "zeros":
            raise ValueError(
                f'Only "zeros" padding mode is supported for {type(self).__name__}, got '
                f"padding_mode={padding_mode!r}"
            )
        super().__init__(
            in_channels,
            out_channels,
            kernel_size,
            stride,
            padding,
            dilation,
            groups,
            bias,
            padding_mode,
            output_padding,
            device,
            dtype,
        )

    def _output_padding(self, input: Tensor, output_size) -> tuple:
        """The ``output_padding`` that gives ``output_size`` (the last ``dims`` sizes of it)."""
        if output_size is None:
            return self.output_padding
        n = self.dims
        size = [int(v) for v in output_size]
        if len(size) > n:
            size = size[-n:]
        if len(size) != n:
            raise ValueError(
                f"ConvTranspose{n}D: for {input.ndim}D input, output_size must have {n} or "
                f"{n + 2} elements (got {len(output_size)})"
            )
        spatial = list(input.shape)[-n:]
        lows = [
            (m - 1) * s - 2 * p + d * (k - 1) + 1
            for m, s, p, d, k in zip(
                spatial, self.stride, self.padding, self.dilation, self.kernel_size
            )
        ]
        highs = [lo + s - 1 for lo, s in zip(lows, self.stride)]
        for v, lo, hi in zip(size, lows, highs):
            if not lo <= v <= hi:
                raise ValueError(
                    f"requested an output size of {size}, but valid sizes range from {lows} to "
                    f"{highs} (for an input of {spatial})"
                )
        return tuple(v - lo for v, lo in zip(size, lows))

    def _forward(self, input: Tensor, output_size, fn) -> Tensor:
        out_pad = self._output_padding(input, output_size)
        return fn(
            input,
            self.weight,
            self.bias,
            self.stride,
            self.padding,
            out_pad,
            self.groups,
            self.dilation,
        )


class ConvTranspose1d(_ConvTransposeNd):
    """1-D transposed convolution over (N, C_in, L) or (C_in, L): ``F.conv_transpose1d`` with
    this layer's weight (in_channels, out_channels / groups, kernel_size) and bias;
    ``output_size`` picks the ``output_padding`` that gives that size."""

    dims = 1

    def forward(self, input: Tensor, output_size=None) -> Tensor:
        return self._forward(input, output_size, functional.conv_transpose1d)


class ConvTranspose2d(_ConvTransposeNd):
    """2-D transposed convolution over (N, C_in, H, W) or (C_in, H, W):
    ``F.conv_transpose2d`` with this layer's weight (in_channels, out_channels / groups, kH, kW)
    and bias; ``output_size`` picks the ``output_padding`` that gives that size."""

    dims = 2

    def forward(self, input: Tensor, output_size=None) -> Tensor:
        return self._forward(input, output_size, functional.conv_transpose2d)
