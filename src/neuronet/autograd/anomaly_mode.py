"""Anomaly detection: name the op whose backward produced a NaN.

While it is on, the backward pass looks at every gradient each node's VJP returns and raises
``RuntimeError("Function 'DivBackward0' returned nan values in its 1th output.")`` (PyTorch's
words: the node, and which of its inputs' gradients) at the first NaN, instead of letting it
spread silently into every ``.grad`` below. ``detect_anomaly()`` turns it on for a block (a
context manager and a decorator) and warns, as PyTorch does, that it slows the backward pass;
``set_detect_anomaly(mode)`` turns it on or off at once (and, used as a context manager, gives
the previous mode back on exit). The check costs one flag test per backward pass when off.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

_state = [False, True]  # [anomaly mode on, check for NaN]


def is_anomaly_enabled() -> bool:
    """True while anomaly detection is on."""
    return _state[0]


def is_anomaly_check_nan_enabled() -> bool:
    """True while anomaly detection checks the gradients for NaN."""
    return _state[1]


class _AnomalyMode:
    """Set the mode on entry, give the previous one back on exit; also a decorator."""

    def __init__(self, mode: bool, check_nan: bool) -> None:
        self.mode, self.check_nan = bool(mode), bool(check_nan)
        self.before: list[bool] = []

    def __enter__(self) -> None:
        self.before = list(_state)
        _state[0], _state[1] = self.mode, self.check_nan

    def __exit__(self, *exc: object) -> None:
        _state[0], _state[1] = self.before

    def __call__(self, fn: F) -> F:
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.__class__(self.mode, self.check_nan):
                return fn(*args, **kwargs)

        return wrapper  # type: ignore[return-value]


class detect_anomaly(_AnomalyMode):  # noqa: N801 - PyTorch's name
    """Anomaly detection on inside the block (or the decorated function)."""

    def __init__(self, check_nan: bool = True) -> None:
        super().__init__(True, check_nan)

    def __enter__(self) -> None:
        warnings.warn(
            "Anomaly Detection has been enabled. This mode will increase the runtime and should "
            "only be enabled for debugging.",
            UserWarning,
            stacklevel=2,
        )
        super().__enter__()


class set_detect_anomaly(_AnomalyMode):  # noqa: N801 - PyTorch's name
    """Turn anomaly detection on or off now; as a context manager, until the block ends."""

    def __init__(self, mode: bool, check_nan: bool = True) -> None:
        super().__init__(mode, check_nan)
        self.before = list(_state)
        _state[0], _state[1] = self.mode, self.check_nan

    def __enter__(self) -> None:
        pass  # (already set by the constructor)

    def __call__(self, fn: F) -> F:
        _state[0], _state[1] = self.before  # as a decorator it applies per call only
        return super().__call__(fn)


def check_gradients(node: Any, grads: Any) -> None:
    """Raise naming ``node`` if a gradient its VJP returned holds a NaN."""
    if not _state[1]:
        return
    for i, g in enumerate(grads):
        if g is None:
            continue
        array = getattr(g, "_data", g)
        if hasattr(array, "dense"):  # (a row gradient)
            array = array.dense()
        if array.dtype.kind in "fc" and bool(array.size) and bool((array != array).any()):
            raise RuntimeError(f"Function '{node.name}' returned nan values in its {i}th output.")
