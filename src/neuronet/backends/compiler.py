"""``neuronet.compile``: PyTorch's ``torch.compile``. A function (a training step) is captured
(``neuronet.capture.CompiledStep``); a module is returned unchanged."""

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
    """``model`` as a ``neuronet.capture.CompiledStep`` when it is a function (typically a
    whole training step: ``zero_grad``, forward, loss, ``backward``, ``optimizer.step()``,
    returning the loss); a module is returned itself (neuronet runs a model's forward
    eagerly), and ``disable=True`` returns the function itself.

    What is captured: every NumPy call the function makes on tensors' arrays during one eager
    call, in order and with its arguments: the forward pass, the backward pass in the engine's
    order with its accumulation, the draws from neuronet's random generators (dropout), the
    in-place writes (batch normalisation's running statistics). They are written out as one
    straight-line Python function of the same NumPy calls: no op dispatch, no graph, no tensor
    objects. A neuronet optimizer's ``step()`` is not recorded: the replay hands the gradients
    to the parameters and runs the optimizer's own ``step`` eagerly, so learning rates changed
    between calls (by hand or by a scheduler) and step counts are honoured. Python code that
    touches no tensor runs only on the calls that run eagerly, and the Python values the
    function reads (other than the optimizers' settings) are taken as they were recorded.

    When: the first call with a new signature (the shapes, dtypes and strides of the tensor and
    array arguments; the values of the None, bool, number and string arguments and the
    identity of any other object argument; the grad mode; the default dtype) runs eagerly
    while it is recorded. The next matching call
    checks the recording: it replays it, puts the tensors, the optimizers' state and the random
    streams back, runs the function eagerly, and keeps the recording only when the two agree
    bit for bit; later calls replay it. Each replay first tests its guards (every tensor it
    reads has the recorded shape, dtype and strides and the same presence of ``.grad``; every
    module called has the same ``training`` flag and no hooks; no tensor has gradient hooks)
    and recomputes each branch on a tensor's value (``if loss > 10:``); one that differs gives
    up before anything is written, and the call runs eagerly and is recorded anew (up to four
    recordings per signature: a smaller last batch is a signature of its own).

    Fallback: a signature runs eagerly on every call, with ``CompiledStep.reasons`` saying why,
    when the function reads a value into Python (``item()``, ``float()``, ``tolist()``,
    printing, a tensor as an index or a size), has or registers hooks (module hooks,
    ``register_hook``, ``retain_grad``), steps a learning-rate scheduler or passes a closure to
    ``optimizer.step``, branches on a tensor's value after ``optimizer.step()``,
    returns a tensor with a graph left to backpropagate through, makes an array in a way the
    recording does not see, or when the checked replay differed from the eager call. A call with
    a CuPy tensor argument always runs eagerly.

    Guarantee: what a call leaves (the tensors' arrays and gradients, the optimizers' state,
    the random streams) and what it returns are bitwise those of the eager function; a replay
    returns new tensors around its arrays, without a graph (``requires_grad`` False).

    The other arguments are PyTorch's (``fullgraph``, ``dynamic``, ``backend``, ``mode``,
    ``options`` and any later keyword) and are accepted so scripts run unchanged. Called without
    a model (``@neuronet.compile(mode=...)``) it returns a decorator. ``Trainer(compile=True)``
    (``neuronet train --compile``) captures the training loop's forward and backward passes.
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
