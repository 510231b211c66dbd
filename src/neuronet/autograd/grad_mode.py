"""Whether operations are recorded for backpropagation.

``no_grad()``, ``enable_grad()`` and ``set_grad_enabled(mode)`` work as context managers
and as decorators, as in PyTorch; ``set_grad_enabled(mode)`` also takes effect when simply
called. The mode is process-wide.
"""

from __future__ import annotations

import functools

_enabled = [True]


def is_grad_enabled() -> bool:
    return _enabled[0]


class _GradMode:
    """Sets the mode on entry and restores the previous one on exit."""

    mode: bool

    def __enter__(self) -> None:
        self._prev = _enabled[0]
        _enabled[0] = self.mode

    def __exit__(self, *exc) -> None:
        _enabled[0] = self._prev

    def __call__(self, fn):
        mode = self.mode

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            prev = _enabled[0]
            _enabled[0] = mode
            try:
                return fn(*args, **kwargs)
            finally:
                _enabled[0] = prev

        return wrapper


class no_grad(_GradMode):  # noqa: N801
    """Operations inside are not recorded: results have ``requires_grad=False``."""

    mode = False


class enable_grad(_GradMode):  # noqa: N801
    """Record operations again inside a ``no_grad`` block."""

    mode = True


class set_grad_enabled(_GradMode):  # noqa: N801
    """Enable or disable recording: at once when called, for a ``with`` block, or as a decorator."""

    def __init__(self, mode: bool) -> None:
        self.mode = bool(mode)
        self._prev = _enabled[0]
        _enabled[0] = self.mode

    def __enter__(self) -> None:
        pass  # already set by the constructor; __exit__ restores what was there before it

    def __call__(self, fn):
        _enabled[0] = self._prev  # used as a decorator: the constructor's change must not leak
        return super().__call__(fn)
