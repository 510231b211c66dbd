"""``neuronet.autograd.grad``: gradients of outputs with respect to chosen inputs."""

from __future__ import annotations

from ..tensor import Tensor, differentiated_inputs, root_gradient, root_gradient_tensor
from .graph import free_graph, run_backward, run_backward_recording


def grad(
    outputs,
    inputs,
    grad_outputs=None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    allow_unused: bool | None = None,
    materialize: bool = False,
) -> tuple:
    """Sum over ``outputs`` of d(output)/d(input) (times ``grad_outputs``), for each input.

    Nothing accumulates into any ``.grad``. An input the outputs do not depend on raises,
    unless ``allow_unused=True`` (then its gradient is ``None``). With ``create_graph=True``
    the backward pass is recorded: the gradients returned are tensors in a graph (and
    ``grad_outputs`` may require grad), to be differentiated again; the graph is kept unless
    ``retain_graph=False`` is passed.
    """
    outputs = [outputs] if isinstance(outputs, Tensor) else list(outputs)
    inputs = differentiated_inputs(inputs)
    if grad_outputs is None or isinstance(grad_outputs, Tensor):
        grad_outputs = [grad_outputs] * len(outputs) if grad_outputs is None else [grad_outputs]
    if len(grad_outputs) != len(outputs):
        raise RuntimeError(
            f"grad_outputs: expected {len(outputs)} gradients (one per output), "
            f"got {len(grad_outputs)}"
        )
    for i, out in enumerate(outputs):
        if not out.requires_grad:
            raise RuntimeError(
                f"outputs[{i}]: element {i} of tensors does not require grad and "
                "does not have a grad_fn"
            )
    if create_graph:
        seeds = [
            root_gradient_tensor(o, g, f"grad_outputs[{i}]")
            for i, (o, g) in enumerate(zip(outputs, grad_outputs))
        ]
        captured = run_backward_recording(outputs, seeds, capture=inputs)
        if retain_graph is False:
            free_graph(outputs)
    else:
        seeds = [
            root_gradient(o, g, f"grad_outputs[{i}]")
            for i, (o, g) in enumerate(zip(outputs, grad_outputs))
        ]
        captured = run_backward(outputs, seeds, bool(retain_graph), capture=inputs)
    result = []
    for i, t in enumerate(inputs):
        g = captured[id(t)]
        if g is None:
            if not allow_unused:
                raise RuntimeError(
                    f"inputs[{i}]: one of the differentiated Tensors appears to "
                    "not have been used in the graph. Set allow_unused=True if "
                    "this is the desired behavior."
                )
            if materialize:
                g = t.xp.zeros_like(t._data)
        result.append(None if g is None else g if isinstance(g, Tensor) else Tensor._make(g))
    return tuple(result)
