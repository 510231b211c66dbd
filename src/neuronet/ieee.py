"""IEEE 754 results without NumPy's floating-point warnings, as PyTorch computes them.

PyTorch returns ``inf`` for ``exp(1000.)``, ``-inf`` for ``log(0.)``, ``nan`` for
``sqrt(-1.)`` and ``inf`` for ``1 / 0.`` silently; NumPy gives the same values but also
emits a ``RuntimeWarning`` (an exception under ``-W error``). ``ieee(fn)`` runs ``fn`` with
NumPy's floating-point error handling set to ignore, for exactly the duration of the call and
for the calling context only (a ``contextvars`` value, as ``numpy.errstate`` sets it): the
values are the IEEE results, unchanged and unclipped. Ops wrap the array math whose IEEE
result is PyTorch's; nothing changes NumPy's settings globally.

The switch uses NumPy's own ``errstate`` context variable when it is reachable (about 0.3 us
per call) and ``numpy.errstate(all="ignore")`` otherwise (the same effect, about 2 us).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TypeVar

import numpy as np

F = TypeVar("F", bound=Callable)


def _context_variable():
    """(NumPy's errstate context variable, its value with every error ignored) or None."""
    try:
        from numpy._core._ufunc_config import _extobj_contextvar as var  # noqa: PLC0415
    except ImportError:  # (another NumPy layout: the public errstate does the same)
        return None
    with np.errstate(all="ignore"):
        quiet = var.get()
    return var, quiet


_SWITCH = _context_variable()


def ieee(fn: F) -> F:
    """``fn`` computing with NumPy's floating-point warnings off during the call only."""
    if _SWITCH is None:
        return np.errstate(all="ignore")(fn)
    var, quiet = _SWITCH

    @functools.wraps(fn)
    def quiet_call(*args, **kwargs):
        token = var.set(quiet)
        try:
            return fn(*args, **kwargs)
        finally:
            var.reset(token)

    return quiet_call  # type: ignore[return-value]
