"""``neuronet.compile``: PyTorch's ``torch.compile``. A function (a training step) is captured
(``neuronet.compile.CompiledStep``); a module is returned unchanged."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def compile(  # noqa: A001 - PyTorch's name
    model: Callable | None = None,
    *,
    fullgraph: bool = False,
    dynamic: bool | None = None,
    backend: str | Callable = "inductor",
    mode: str | None = None,
    options: dict[str, Any] | None = None,
    disable: bool = False,
    **kwargs: Any,
) -> Any:
    """A function, typically a whole training step (``zero_grad``, forward, loss, ``backward``,
    ``optimizer.step()``, returning the loss), as a ``CompiledStep``: its first call runs
    eagerly and records the step's NumPy calls; later calls with the same argument shapes and
    dtypes replay that recording as one straight-line function (no op dispatch, no graph),
    with results bitwise equal to the eager step's, and run eagerly whenever the recording
    does not apply (see the guide "Captured training steps"). A module is returned itself
    (neuronet runs a model's forward eagerly); ``disable=True`` returns the function itself.

    The other arguments are PyTorch's (``fullgraph``, ``dynamic``, ``backend``, ``mode``,
    ``options`` and any later keyword) and are accepted so scripts run unchanged. Called without
    a model (``@neuronet.compile(mode=...)``) it returns a decorator.
    """
    if model is None:
        return lambda fn: compile(fn, disable=disable)
    if not callable(model):
        raise TypeError(
            f"compile: model must be a module or a function, got {type(model).__name__}"
        )
    from ..nn.module import Module  # noqa: PLC0415 - (the library's modules import this one)

    if disable or isinstance(model, Module):
        return model
    from ..capture import CompiledStep  # noqa: PLC0415

    return CompiledStep(model)
