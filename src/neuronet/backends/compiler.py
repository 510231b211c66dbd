"""``neuronet.compile``: PyTorch's ``torch.compile``, which returns the model unchanged here."""

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
    """Return ``model`` itself: neuronet runs every model eagerly and has no compiler.

    The arguments are PyTorch's (``fullgraph``, ``dynamic``, ``backend``, ``mode``, ``options``,
    ``disable`` and any later keyword) and are accepted so scripts run unchanged; none changes
    what runs. Called without a model (``@neuronet.compile(mode=...)``) it returns a decorator
    that returns the function it decorates.
    """
    if model is None:
        return lambda fn: fn
    if not callable(model):
        raise TypeError(
            f"compile: model must be a module or a function, got {type(model).__name__}"
        )
    return model
