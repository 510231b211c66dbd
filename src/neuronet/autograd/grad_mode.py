"""Whether operations are recorded for backpropagation.

``no_grad()``, ``enable_grad()`` and ``set_grad_enabled(mode)`` work as context managers
and as decorators, as in PyTorch.
"""
from __future__ import annotations

import functools

_enabled = [True]


def is_grad_enabled() -> bool:
    return _enabled[0]


class _GradMode:
    mode: bool

    def __enter__(self) -> None:
        self._prev = _enabled[0]
        _enabled[0] = self.mode

    def __exit__(self, *exc) -> None:
        _enabled[0] = self._prev

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.__class__._fresh(self):
                return fn(*args, **kwargs)
        return wrapper

    def _fresh(self):
        return self.__class__()


class no_grad(_GradMode):  # noqa: N801
    """Operations inside are not recorded: results have ``requires_grad=False``."""

    mode = False


class enable_grad(_GradMode):  # noqa: N801
    """Record operations again inside a ``no_grad`` block."""

    mode = True


class set_grad_enabled(_GradMode):  # noqa: N801
    """Enable or disable recording; takes effect at once, or for a ``with`` block."""

    def __init__(self, mode: bool) -> None:
        self.mode = bool(mode)
        self._prev = _enabled[0]
        _enabled[0] = self.mode

    def _fresh(self):
        return set_grad_enabled(self.mode)

    def __call__(self, fn):
        _enabled[0] = self._prev  # used as a decorator: the constructor must not leak
        return super().__call__(fn)
