"""The keyword arguments PyTorch's functions share: ``out=`` and the NumPy-style aliases.

Both are handled only when given, so an op called without them pays one test of a default.

- ``write_out(out, name, inputs, compute)``: the result of ``compute()`` written into ``out``,
  with PyTorch's rules: ``out`` is resized to the result's shape (with PyTorch's deprecation
  warning when it had elements), the result is cast to ``out``'s dtype where PyTorch's
  ``canCast`` allows (no float into integers, nothing but bools into bools), and, while grad
  mode is on, nothing that requires grad may take part (autograd does not track ``out=``).
- ``numpy_aliases(name, aliases, dim, keepdim)``: ``axis=`` for ``dim`` and ``keepdims=`` for
  ``keepdim``, as PyTorch's argument parser accepts them; giving both spellings raises
  PyTorch's ``TypeError``.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

from ..autograd.grad_mode import _enabled as _grad_enabled
from ..autograd.versions import bump
from ..backend import get_xp
from ..tensor import Tensor

_ALIASES = {"axis": "dim", "keepdims": "keepdim"}


def numpy_aliases(
    name: str, aliases: dict, dim: Any, keepdim: Any = False, dim_default: Any = None
) -> tuple:
    """``(dim, keepdim)`` with ``axis``/``keepdims`` from ``aliases`` (the op's extra keyword
    arguments) applied. An alias given beside its own spelling (``dim`` not ``dim_default``,
    ``keepdim`` not False), or any other keyword, raises PyTorch's ``TypeError``."""
    for key, value in aliases.items():
        canonical = _ALIASES.get(key)
        given = (
            canonical == "dim"
            and dim is not dim_default
            and dim != dim_default
            or canonical == "keepdim"
            and keepdim is not False
        )
        if canonical is None or given:
            raise TypeError(f"{name}() got an unexpected keyword argument '{key}'")
        if canonical == "dim":
            dim = value
        else:
            keepdim = value
    return dim, keepdim


def _tensors(inputs) -> list:
    found = []
    for v in inputs:
        if isinstance(v, Tensor):
            found.append(v)
        elif isinstance(v, (list, tuple)):
            found.extend(_tensors(v))
    return found


def write_out(out: Any, name: str, inputs: tuple, compute: Callable[[], Tensor]) -> Tensor:
    """``out`` holding ``compute()`` (an op's result without ``out``), as PyTorch's ``out=``
    does; returns ``out``. ``inputs`` are the op's arguments (tensors, numbers, sequences)."""
    if not isinstance(out, Tensor):
        raise TypeError(f"{name}(): argument 'out' must be Tensor, not {type(out).__name__}")
    if _grad_enabled[0] and (out._requires_grad or any(t._requires_grad for t in _tensors(inputs))):
        raise RuntimeError(
            f"{name}(): functions with out=... arguments don't support automatic "
            "differentiation, but one of the arguments requires grad."
        )
    from .inplace import _can_cast, _type_name  # noqa: PLC0415 - (inplace imports the ops)

    result = compute()._data
    x = out._data
    if type(result) is not type(x):
        raise RuntimeError(
            f"{name}(): expected out on the device of the inputs ({Tensor._make(result).device}), "
            f"got out on {out.device}"
        )
    if result.dtype != x.dtype and not _can_cast(result.dtype, x.dtype):
        raise RuntimeError(
            f"result type {_type_name(result.dtype)} can't be cast to the desired output type "
            f"{_type_name(x.dtype)}"
        )
    if x.shape != result.shape:
        if x.size:
            warnings.warn(
                f"An output with one or more elements was resized since it had shape "
                f"{list(x.shape)}, which does not match the required output shape "
                f"{list(result.shape)}. This behavior is deprecated, and in a future PyTorch "
                "release outputs will not be resized unless they have zero elements. You can "
                "explicitly reuse an out tensor t by resizing it, inplace, to zero elements "
                "with t.resize_(0).",
                UserWarning,
                stacklevel=3,
            )
        out._data = get_xp(x).empty(result.shape, dtype=x.dtype)
        x = out._data
    x[...] = result
    bump(x)
    return out
