"""Tensor factories with PyTorch's names and dtype rules.

Python floats become the default dtype (float32), Python ints int64, bools bool; NumPy arrays
keep their dtype. Every factory takes ``dtype=``, ``device=`` and ``requires_grad=``; random
ones draw from the library generator (``manual_seed``) or the ``generator=`` given.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from . import dtypes as _dt
from .backend import device as _device
from .backend import get_xp, import_cupy, to_device
from .random import numpy_generator
from .tensor import Tensor
from .tensor import as_array as _to_array


def _place(arr, device):
    if device is None:
        return arr
    return to_device(arr, _device(device))


def _finish(arr, device, requires_grad: bool) -> Tensor:
    t = Tensor._make(_place(arr, device))
    if requires_grad:
        t.requires_grad_(True)
    return t


def tensor(data, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A new leaf tensor holding a copy of ``data``."""
    return _finish(_to_array(data, dtype, copy=True), device, requires_grad)


def as_tensor(data, dtype=None, device=None) -> Tensor:
    """A tensor that shares memory with ``data`` where dtype and device allow."""
    if isinstance(data, Tensor) and dtype is None and device is None:
        return data
    return _finish(_to_array(data, dtype, copy=False), device, False)


def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor sharing memory with a NumPy array (dtype kept)."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy: expected a numpy.ndarray, got {type(array).__name__}")
    return Tensor._make(array)


def _shape(size) -> tuple:
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    for s in size:
        if not isinstance(s, (numbers.Integral,)) or s < 0:
            raise ValueError(f"size: expected non-negative integers, got {tuple(size)}")
    return tuple(int(s) for s in size)


def _xp_for(device):
    if device is not None and _device(device).type == "cuda":
        return import_cupy()
    return np


_CXX_NAMES = {"float16": "c10::Half", "float32": "float", "float64": "double"}


def _check_fill(fill, dt: np.dtype) -> None:
    """PyTorch's refusal of a finite fill value that the float dtype cannot hold."""
    if dt.kind == "f" and isinstance(fill, numbers.Real) and not isinstance(fill, bool):
        value = float(fill)
        if math.isfinite(value) and abs(value) > float(np.finfo(dt).max):
            raise RuntimeError(
                f"value cannot be converted to type {_CXX_NAMES.get(dt.name, dt.name)} "
                "without overflow"
            )


def _filled(fill, size, dtype, device, requires_grad) -> Tensor:
    dt = _dt.to_dtype(dtype) if dtype is not None else _dt.get_default_dtype()
    _check_fill(fill, np.dtype(dt))
    xp = _xp_for(device)
    if xp is np:
        arr = np.full(_shape(size), fill, dtype=dt)
    else:
        with xp.cuda.Device(_device(device).index or 0):
            arr = xp.full(_shape(size), fill, dtype=dt)
    return _finish(arr, None, requires_grad)


def zeros(*size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    return _filled(0, size, dtype, device, requires_grad)


def ones(*size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    return _filled(1, size, dtype, device, requires_grad)


def empty(*size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    return _filled(0, size, dtype, device, requires_grad)


def full(size, fill_value, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    if dtype is None:
        dtype = (
            _dt.scalar_dtype(fill_value, _dt.int64)
            if not isinstance(fill_value, bool)
            else _dt.bool_
        )
    return _filled(fill_value, (size,), dtype, device, requires_grad)


def _like(t: Tensor, fill, dtype, device, requires_grad) -> Tensor:
    return _filled(
        fill,
        t.shape,
        dtype if dtype is not None else t.dtype,
        device if device is not None else t.device,
        requires_grad,
    )


def zeros_like(t: Tensor, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    return _like(t, 0, dtype, device, requires_grad)


def ones_like(t: Tensor, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    return _like(t, 1, dtype, device, requires_grad)


def empty_like(t: Tensor, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    return _like(t, 0, dtype, device, requires_grad)


def full_like(
    t: Tensor, fill_value, dtype=None, device=None, requires_grad: bool = False
) -> Tensor:
    return _like(t, fill_value, dtype, device, requires_grad)


def new_tensor(self: Tensor, data, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """``Tensor.new_tensor``: a copy of ``data`` with ``self``'s dtype and device by default."""
    return tensor(
        data,
        self.dtype if dtype is None else dtype,
        self.device if device is None else device,
        requires_grad,
    )


def _new_filled(value):
    def new(self: Tensor, *size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
        return _filled(
            value,
            size,
            self.dtype if dtype is None else dtype,
            self.device if device is None else device,
            requires_grad,
        )

    return new


new_zeros = _new_filled(0)
new_zeros.__doc__ = "``Tensor.new_zeros(*size)``: zeros, ``self``'s dtype and device by default."
new_ones = _new_filled(1)
new_ones.__doc__ = "``Tensor.new_ones(*size)``: ones, ``self``'s dtype and device by default."
new_empty = _new_filled(0)
new_empty.__doc__ = "``Tensor.new_empty(*size)``: like ``new_zeros`` (the values are zeros)."


def new_full(
    self: Tensor, size, fill_value, dtype=None, device=None, requires_grad: bool = False
) -> Tensor:
    """``Tensor.new_full``: ``fill_value`` everywhere, ``self``'s dtype and device by default."""
    return _filled(
        fill_value,
        (size,),
        self.dtype if dtype is None else dtype,
        self.device if device is None else device,
        requires_grad,
    )


def arange(start, end=None, step=1, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """[start, end) in steps of ``step``; int64 when all three are ints, else the default dtype."""
    if end is None:
        start, end = 0, start
    if step == 0:
        raise RuntimeError("arange: step must be nonzero")
    all_int = all(isinstance(v, numbers.Integral) for v in (start, end, step))
    dt = (
        _dt.to_dtype(dtype)
        if dtype is not None
        else (_dt.int64 if all_int else _dt.get_default_dtype())
    )
    arr = np.arange(start, end, step, dtype=np.float64 if dt.kind == "f" else None).astype(dt)
    return _finish(arr, device, requires_grad)


def linspace(
    start, end, steps: int, dtype=None, device=None, requires_grad: bool = False
) -> Tensor:
    dt = _dt.to_dtype(dtype) if dtype is not None else _dt.get_default_dtype()
    return _finish(np.linspace(start, end, int(steps)).astype(dt), device, requires_grad)


def eye(
    n: int, m: int | None = None, dtype=None, device=None, requires_grad: bool = False
) -> Tensor:
    dt = _dt.to_dtype(dtype) if dtype is not None else _dt.get_default_dtype()
    return _finish(np.eye(n, m, dtype=dt), device, requires_grad)


def _random_dtype(dtype):
    dt = _dt.to_dtype(dtype) if dtype is not None else _dt.get_default_dtype()
    if dt.kind != "f":
        raise TypeError(f"dtype: random floats need a floating dtype, got {dt}")
    return dt


def _rng(generator, device):
    """The NumPy generator to draw with for a tensor on ``device`` (None: the CPU)."""
    return numpy_generator(generator, device if device is not None else "cpu")


def rand(*size, generator=None, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Uniform on [0, 1), drawn from ``generator`` (the library's by default)."""
    dt = _random_dtype(dtype)
    rng = _rng(generator, device)
    arr = rng.random(_shape(size), dtype=dt if dt in (_dt.float32, _dt.float64) else np.float64)
    return _finish(arr.astype(dt, copy=False), device, requires_grad)


def randn(*size, generator=None, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Standard normal, drawn from ``generator`` (the library's by default)."""
    dt = _random_dtype(dtype)
    rng = _rng(generator, device)
    arr = rng.standard_normal(
        _shape(size), dtype=dt if dt in (_dt.float32, _dt.float64) else np.float64
    )
    return _finish(arr.astype(dt, copy=False), device, requires_grad)


def check_random_range(low: int, high: int, owner: str = "random_") -> None:
    """PyTorch's check of an integer range [low, high) to draw from."""
    if low >= high:
        raise RuntimeError(
            f"{owner} expects 'from' to be less than 'to', but got from={low} >= to={high}"
        )


def randint(
    low, high=None, size=None, generator=None, dtype=None, device=None, requires_grad: bool = False
) -> Tensor:
    """Integers uniform on [low, high) (``randint(high, size)`` takes low = 0), int64 unless
    ``dtype`` says otherwise."""
    if size is None:
        if high is None or not isinstance(high, (tuple, list)):
            raise TypeError("randint: expected randint(low, high, size) or randint(high, size)")
        low, high, size = 0, low, high
    elif high is None:
        low, high = 0, low
    check_random_range(int(low), int(high))
    dt = _dt.to_dtype(dtype) if dtype is not None else _dt.int64
    arr = _rng(generator, device).integers(int(low), int(high), size=_shape((size,))).astype(dt)
    return _finish(arr, device, requires_grad)


def randperm(
    n: int, generator=None, dtype=None, device=None, requires_grad: bool = False
) -> Tensor:
    """A random permutation of 0 .. n-1 (int64 unless ``dtype`` says otherwise)."""
    if not isinstance(n, numbers.Integral) or n < 0:
        raise RuntimeError(f"randperm: n must be a non-negative integer, got {n!r}")
    dt = _dt.to_dtype(dtype) if dtype is not None else _dt.int64
    return _finish(_rng(generator, device).permutation(int(n)).astype(dt), device, requires_grad)


def _random_like(factory, name: str):
    """``factory`` (``rand`` or ``randn``) in an input's shape, dtype and device unless given."""

    def like(
        input: Tensor, *, dtype=None, device=None, requires_grad: bool = False, generator=None
    ) -> Tensor:
        return factory(
            input.shape,
            generator=generator,
            dtype=dtype or input.dtype,
            device=device or input.device,
            requires_grad=requires_grad,
        )

    like.__name__ = like.__qualname__ = name
    like.__doc__ = f"``{factory.__name__}`` in ``input``'s shape, dtype and device unless given."
    return like


rand_like = _random_like(rand, "rand_like")
randn_like = _random_like(randn, "randn_like")


def randint_like(
    input: Tensor,
    low: int = 0,
    high: int | None = None,
    *,
    dtype=None,
    device=None,
    requires_grad: bool = False,
    generator=None,
) -> Tensor:
    """``randint`` in ``input``'s shape, dtype and device unless given:
    ``randint_like(x, high)`` or ``randint_like(x, low, high)``."""
    if high is None:
        low, high = 0, low
    return randint(
        low,
        high,
        input.shape,
        generator=generator,
        dtype=dtype or input.dtype,
        device=device or input.device,
        requires_grad=requires_grad,
    )


def is_tensor(obj) -> bool:
    return isinstance(obj, Tensor)


def numel(t: Tensor) -> int:
    return t.numel()


del get_xp
