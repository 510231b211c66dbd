"""Padding layers, as PyTorch's: ``ZeroPad1d/2d``, ``ConstantPad1d/2d``, ``ReflectionPad1d/2d``,
``ReplicationPad1d/2d``, ``CircularPad1d/2d``. Each holds its widths and calls
``nn.functional.pad``, so its gradient is that op's.

``padding`` is an int (the same width on every side) or a tuple of ``(before, after)`` widths,
the last dim first: ``(left, right)`` for the 1d layers, ``(left, right, top, bottom)`` for the
2d ones.
"""

from __future__ import annotations

import numbers

from ...tensor import Tensor
from .. import functional
from ..module import Module


def _widths(padding, dims: int, name: str) -> tuple:
    """``padding`` as widths: an int repeated ``2 * dims`` times, or a tuple of ints as given
    (as PyTorch, a tuple of another length is passed on to ``pad`` unchanged)."""
    if isinstance(padding, numbers.Integral) and not isinstance(padding, bool):
        return (int(padding),) * (2 * dims)
    widths = tuple(padding) if isinstance(padding, (tuple, list)) else None
    if widths is None or not all(
        isinstance(w, numbers.Integral) and not isinstance(w, bool) for w in widths
    ):
        raise TypeError(f"{name}: padding must be an int or a tuple of ints, got {padding!r}")
    return tuple(int(w) for w in widths)


class _Pad(Module):
    """``functional.pad(x, self.padding, mode)``; subclasses set ``mode`` and the number of dims."""

    mode = "constant"
    dims = 1

    def __init__(self, padding) -> None:
        super().__init__()
        self.padding = _widths(padding, self.dims, type(self).__name__)

    def forward(self, input: Tensor) -> Tensor:
        return functional.pad(input, self.padding, self.mode)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class _ConstantPad(_Pad):
    """Pads with the constant ``value``."""

    def __init__(self, padding, value: float) -> None:
        super().__init__(padding)
        self.value = value

    def forward(self, input: Tensor) -> Tensor:
        return functional.pad(input, self.padding, "constant", self.value)

    def extra_repr(self) -> str:
        return f"padding={self.padding}, value={self.value}"


class ConstantPad1d(_ConstantPad):
    """Pads the last dim with ``value``: ``(left, right)``."""


class ConstantPad2d(_ConstantPad):
    """Pads the last two dims with ``value``: ``(left, right, top, bottom)``."""

    dims = 2


class ZeroPad1d(ConstantPad1d):
    """Pads the last dim with zeros."""

    def __init__(self, padding) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ZeroPad2d(ConstantPad2d):
    """Pads the last two dims with zeros."""

    def __init__(self, padding) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ReflectionPad1d(_Pad):
    """Pads the last dim of a (C, W) or (N, C, W) input with its reflection about the edge."""

    mode = "reflect"


class ReflectionPad2d(_Pad):
    """Pads the last two dims of a (C, H, W) or (N, C, H, W) input with their reflection."""

    mode = "reflect"
    dims = 2


class ReplicationPad1d(_Pad):
    """Pads the last dim of a (C, W) or (N, C, W) input with copies of its edge elements."""

    mode = "replicate"


class ReplicationPad2d(_Pad):
    """Pads the last two dims of a (C, H, W) or (N, C, H, W) input with their edge elements."""

    mode = "replicate"
    dims = 2


class CircularPad1d(_Pad):
    """Pads the last dim of a (C, W) or (N, C, W) input by wrapping around."""

    mode = "circular"


class CircularPad2d(_Pad):
    """Pads the last two dims of a (C, H, W) or (N, C, H, W) input by wrapping around."""

    mode = "circular"
    dims = 2
