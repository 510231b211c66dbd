"""Copies that change what holds the values: ``cast`` (dtype), ``to_device``, ``clone``.

Each gradient goes back unchanged in value to the input's dtype or device.
"""

from __future__ import annotations

import numpy as np

from ..backend import device as _device
from ..backend import device_of
from ..backend import to_device as _move
from ..ieee import ieee
from ..tensor import Tensor, record


@ieee
def astype(arr, dtype):
    """``arr`` converted to ``dtype`` as PyTorch converts: a float64 beyond float32's range
    becomes inf, silently (IEEE rounding; see ``neuronet.ieee``)."""
    return arr.astype(dtype)


def cast(x: Tensor, dtype: np.dtype) -> Tensor:
    """``x`` as ``dtype``; the gradient is cast back to ``x``'s dtype."""
    if x._data.dtype == dtype:
        return x
    src = x._data.dtype

    def backward(g, needs):
        if isinstance(g, Tensor):  # (a recorded backward pass)
            return (cast(g, src),)
        return (astype(g, src),)

    out = record(astype(x._data, dtype), (x,), backward, "ToCopyBackward0", ())
    if dtype.kind not in "fc" and out.requires_grad:
        out._requires_grad, out.grad_fn = False, None
    return out


def to_device(x: Tensor, dev) -> Tensor:
    """``x`` on device ``dev``; the gradient moves back to ``x``'s device."""
    target = _device(dev)
    if device_of(x._data) == target:
        return x
    src = device_of(x._data)

    def backward(g, needs):
        if isinstance(g, Tensor):  # (a recorded backward pass)
            return (to_device(g, src),)
        return (_move(g, src),)

    return record(_move(x._data, target), (x,), backward, "ToCopyBackward0", ())


def clone(input: Tensor, *, memory_format=None) -> Tensor:
    """A copy of ``input`` in new memory; the gradient passes through unchanged. neuronet's
    arrays have one layout, so ``memory_format`` may only be None (PyTorch's default,
    ``torch.preserve_format``)."""
    if memory_format is not None:
        raise ValueError(
            f"clone(): memory_format must be None (neuronet keeps one memory layout), "
            f"got {memory_format!r}"
        )

    def backward(g, needs):
        return (g,)

    return record(input._data.copy(), (input,), backward, "CloneBackward0", ())
