"""In-place ops: ``add_``, ``mul_``, ``+=``, ``x[mask] = 0``, ``zero_`` and the rest.

They write into the tensor's own array. While autograd would need the old values they are
refused: on a leaf that requires grad (outside ``no_grad()``) and on a tensor computed in a
graph. Each returns the tensor itself.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..autograd import grad_mode
from ..autograd.versions import bump
from ..backend import get_xp
from ..tensor import Tensor

_grad_enabled = grad_mode._enabled


def apply_inplace(t: Tensor, write: Callable, value) -> Tensor:
    """``t._data = write(t._data, v)`` with ``v`` the array (or number) of ``value``."""
    if t.requires_grad and _grad_enabled[0]:
        raise RuntimeError(
            "a leaf Variable that requires grad is being used in an in-place "
            "operation: wrap it in neuronet.no_grad()"
            if t.is_leaf
            else "in-place operation on a tensor that is part of a graph"
        )
    v = value._data if isinstance(value, Tensor) else value
    t._data = write(t._data, v)
    bump(t._data)
    return t


def fill_from_host(t: Tensor, values) -> Tensor:
    """Write host (NumPy) ``values`` into ``t`` in place, dtype and device kept, without the
    autograd check: what the initialisers and the random fills (``uniform_``) do."""
    xp = get_xp(t._data)
    t._data[...] = values if xp is np else xp.asarray(values)
    return t


def _assign(target, value):
    """Write ``value`` into ``target`` in place and return ``target``."""
    target[...] = value
    return target


def add_(t: Tensor, other, alpha=1) -> Tensor:
    """t = t + alpha * other."""
    return apply_inplace(t, lambda x, v: _assign(x, x + alpha * v), other)


def sub_(t: Tensor, other, alpha=1) -> Tensor:
    """t = t - alpha * other."""
    return apply_inplace(t, lambda x, v: _assign(x, x - alpha * v), other)


def mul_(t: Tensor, other) -> Tensor:
    """t = t * other."""
    return apply_inplace(t, lambda x, v: _assign(x, x * v), other)


def div_(t: Tensor, other) -> Tensor:
    """t = t / other."""
    return apply_inplace(t, lambda x, v: _assign(x, x / v), other)


def iadd(t: Tensor, other) -> Tensor:
    """``t += other``."""
    return apply_inplace(t, lambda x, v: _assign(x, x + v), other)


def isub(t: Tensor, other) -> Tensor:
    """``t -= other``."""
    return apply_inplace(t, lambda x, v: _assign(x, x - v), other)


def copy_(t: Tensor, src) -> Tensor:
    """Write ``src`` (broadcast) into ``t``, cast to ``t``'s dtype."""
    return apply_inplace(t, lambda x, v: _assign(x, get_xp(x).asarray(v)), src)


def fill_(t: Tensor, value) -> Tensor:
    """Every entry of ``t`` set to ``value``."""
    return apply_inplace(t, _assign, value)


def zero_(t: Tensor) -> Tensor:
    """Every entry of ``t`` set to 0."""
    return fill_(t, 0)


def clamp_(t: Tensor, min=None, max=None) -> Tensor:
    """t = min(max(t, min), max)."""
    return apply_inplace(t, lambda x, v: _assign(x, get_xp(x).clip(x, min, max)), None)
