"""Whether operations are recorded for backpropagation.

``no_grad`` and ``enable_grad`` work as context managers and as decorators, with or without
parentheses (``@no_grad`` and ``@no_grad()``); ``set_grad_enabled(mode)`` takes effect as soon as
it is called and also works as a context manager and a decorator; ``inference_mode(mode=True)``
works as a context manager and a decorator, with or without parentheses. All as in PyTorch.

A decorated generator function runs its body in the mode each time it is resumed and gives the
caller's mode back at each ``yield``. Decorating a class warns (``FutureWarning``) and applies the
mode to its construction only.

Unlike PyTorch, where the mode is per thread, the mode here is process-wide. The engine reads it
as ``_enabled[0]`` (a one-element list, so that reading it is one index on a module constant).
"""

from __future__ import annotations

import functools
import inspect
import warnings
from collections.abc import Callable, Generator
from typing import Any, Self, TypeVar, cast, overload

F = TypeVar("F", bound=Callable[..., Any])

_enabled = [True]  # grad mode: whether operations are recorded
_inference = [False]  # inference mode (see ``inference_mode``)

_CLASS_DECORATION_WARNING = (
    "Decorating classes is deprecated and will be disabled in future versions. You should only "
    "decorate functions or methods. To preserve the current behavior of class decoration, you "
    "can directly decorate the `__init__` method and nothing else."
)


def is_grad_enabled() -> bool:
    """True if operations are recorded for backpropagation now (the grad mode is on)."""
    return _enabled[0]


def is_inference_mode_enabled() -> bool:
    """True inside ``inference_mode()`` (and not inside a nested ``inference_mode(False)``)."""
    return _inference[0]


def _wrap_generator(ctx_factory: Callable[[], Any], gen_fn: Callable[..., Generator]) -> Any:
    """A generator function that runs each step of ``gen_fn``'s generator (the first ``next``,
    each ``send``, ``throw`` and ``close``) inside a fresh context from ``ctx_factory``, so the
    mode holds while the generator runs and the caller's mode is back at each ``yield``."""

    @functools.wraps(gen_fn)
    def generator_context(*args, **kwargs):
        gen = gen_fn(*args, **kwargs)
        try:
            with ctx_factory():
                response = gen.send(None)
            while True:
                try:
                    request = yield response
                except GeneratorExit:
                    with ctx_factory():
                        gen.close()
                    raise
                except BaseException as error:  # noqa: BLE001 - passed on into the generator
                    with ctx_factory():
                        response = gen.throw(error)
                else:
                    with ctx_factory():
                        response = gen.send(request)
        except StopIteration as stop:
            return stop.value

    return generator_context


def _in_grad_mode(mode: bool, fn: Callable[..., Any]) -> Callable[..., Any]:
    """``fn`` run with the grad mode set to ``mode``, the previous mode restored after it
    (exceptions included); no context object is made per call."""

    @functools.wraps(fn)
    def decorate_context(*args, **kwargs):
        prev = _enabled[0]
        _enabled[0] = mode
        try:
            return fn(*args, **kwargs)
        finally:
            _enabled[0] = prev

    return decorate_context


class _DecoratorContextManager:
    """A context manager that also decorates functions, generator functions and methods."""

    def clone(self) -> _DecoratorContextManager:
        """A new context manager with the same settings (one is used per decorated call)."""
        return self.__class__()

    def __enter__(self) -> None:
        raise NotImplementedError

    def __exit__(self, exc_type: Any, exc_value: Any, traceback: Any) -> None:
        raise NotImplementedError

    def _wrap(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        """``fn`` run inside this mode; the subclasses' fast path for plain functions."""
        clone = self.clone

        @functools.wraps(fn)
        def decorate_context(*args, **kwargs):
            with clone():
                return fn(*args, **kwargs)

        return decorate_context

    def __call__(self, orig_func: F) -> F:
        """``orig_func`` wrapped so that it runs in this mode (``functools.wraps`` keeps its
        name, docstring and ``__wrapped__``)."""
        if inspect.isclass(orig_func):
            warnings.warn(_CLASS_DECORATION_WARNING, FutureWarning, stacklevel=2)
            cls = orig_func
            return cast(F, self._wrap(lambda *args, **kwargs: cls(*args, **kwargs)))
        if inspect.isgeneratorfunction(orig_func):
            return cast(F, _wrap_generator(self.clone, orig_func))
        return cast(F, self._wrap(orig_func))


class _NoParamDecoratorContextManager(_DecoratorContextManager):
    """A decorating context manager that can also decorate without parentheses."""

    @overload
    def __new__(cls, orig_func: None = None) -> Self: ...
    @overload
    def __new__(cls, orig_func: F) -> F: ...  # type: ignore[misc]

    def __new__(cls, orig_func=None):
        if orig_func is None:
            return object.__new__(cls)  # not super(): ``with no_grad():`` stays cheap
        return cls()(orig_func)


class _SetsGradMode(_NoParamDecoratorContextManager):
    """Sets the grad mode to ``mode`` on entry and restores the previous one on exit."""

    mode: bool
    prev: bool = False

    def __enter__(self) -> None:
        self.prev = _enabled[0]
        _enabled[0] = self.mode

    def __exit__(self, exc_type: Any, exc_value: Any, traceback: Any) -> None:
        _enabled[0] = self.prev

    def _wrap(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        return _in_grad_mode(self.mode, fn)


class no_grad(_SetsGradMode):  # noqa: N801
    """Operations inside are not recorded: their results have ``requires_grad=False`` even when
    their inputs require grad. Factory functions given ``requires_grad=True`` still make tensors
    that require grad.

    A context manager (``with no_grad():``) and a decorator, with or without parentheses
    (``@no_grad`` or ``@no_grad()``); the previous mode is restored on exit, exceptions included.
    """

    mode = False


class enable_grad(_SetsGradMode):  # noqa: N801
    """Operations inside are recorded again, inside ``no_grad`` or ``set_grad_enabled(False)``.

    A context manager and a decorator, with or without parentheses; the previous mode is restored
    on exit, exceptions included.
    """

    mode = True


class set_grad_enabled(_DecoratorContextManager):  # noqa: N801
    """Turns recording on (``mode=True``) or off (``mode=False``).

    The call itself sets the mode, so ``set_grad_enabled(False)`` as a statement turns recording
    off from then on. Used as ``with set_grad_enabled(mode):`` it also sets the mode on entry,
    and on exit restores the mode from before the call. Used as a decorator
    (``@set_grad_enabled(mode)``) it undoes the call's change at once and runs each call of the
    function in ``mode``.

    Raises:
        TypeError: ``mode`` is not a ``bool``.
    """

    def __init__(self, mode: bool) -> None:
        if not isinstance(mode, bool):
            raise TypeError(
                "set_grad_enabled(): argument 'enabled' (position 1) must be bool, "
                f"not {type(mode).__name__}"
            )
        self.prev = _enabled[0]
        self.mode = mode
        _enabled[0] = mode

    def __call__(self, orig_func: F) -> F:
        _enabled[0] = self.prev
        return super().__call__(orig_func)

    def __enter__(self) -> None:
        _enabled[0] = self.mode

    def __exit__(self, exc_type: Any, exc_value: Any, traceback: Any) -> None:
        _enabled[0] = self.prev

    def _wrap(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        return _in_grad_mode(self.mode, fn)

    def clone(self) -> set_grad_enabled:
        """A new ``set_grad_enabled`` with the same mode (it sets the mode as it is made)."""
        return self.__class__(self.mode)

    def __str__(self) -> str:
        return f"{type(self).__module__}.{type(self).__qualname__}(mode={self.mode})"

    __repr__ = __str__


class inference_mode(_DecoratorContextManager):  # noqa: N801
    """Turns inference mode on (``mode=True``, the default) or off (``mode=False``).

    A context manager and a decorator, with or without parentheses (``@inference_mode``,
    ``@inference_mode()``, ``@inference_mode(False)``). On exit both the inference mode and the
    grad mode are restored, exceptions included. As in PyTorch, ``inference_mode(True)`` turns
    the grad mode off and ``is_inference_mode_enabled()`` on; ``inference_mode(False)`` turns the
    grad mode on and inference mode off.

    Differences from PyTorch: neuronet has no inference tensors. Inside ``inference_mode()``
    operations are not recorded exactly as inside ``no_grad()``, and nothing more: tensors made
    inside are ordinary tensors, so using them later in recorded computations does not raise
    (PyTorch raises), and a nested ``enable_grad()`` or ``set_grad_enabled(True)`` records again
    (PyTorch records nothing inside inference mode whatever the grad mode).
    """

    mode: bool

    def __new__(cls, mode: Any = True) -> Any:
        if isinstance(mode, bool):
            return super().__new__(cls)
        return cls()(mode)  # ``@inference_mode`` without parentheses: ``mode`` is the function

    def __init__(self, mode: bool = True) -> None:
        self.mode = mode
        self._prev = (_enabled[0], _inference[0])

    def __enter__(self) -> None:
        self._prev = (_enabled[0], _inference[0])
        _enabled[0] = not self.mode
        _inference[0] = self.mode

    def __exit__(self, exc_type: Any, exc_value: Any, traceback: Any) -> None:
        _enabled[0], _inference[0] = self._prev

    def _wrap(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        mode = self.mode

        @functools.wraps(fn)
        def decorate_context(*args, **kwargs):
            prev = _enabled[0], _inference[0]
            _enabled[0] = not mode
            _inference[0] = mode
            try:
                return fn(*args, **kwargs)
            finally:
                _enabled[0], _inference[0] = prev

        return decorate_context

    def clone(self) -> inference_mode:
        """A new ``inference_mode`` with the same mode."""
        return self.__class__(self.mode)
