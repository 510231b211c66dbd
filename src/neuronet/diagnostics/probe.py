"""One measured forward and backward pass: what every layer put out and got back.

``probe(model, inputs, target, loss_fn)`` calls the model on ``inputs`` with a forward hook on
every leaf module (each output is copied to the host, and a tensor hook on it catches the
gradient that reaches it), runs ``backward`` from the loss (or, without a loss, from the sum of
the outputs) and returns a ``Probe``. The pass leaves no trace: the parameters' ``.grad``, the
buffers (BatchNorm's running statistics) and the library's random generator are put back as they
were, so a check between two training steps changes nothing the training sees.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..autograd.grad_mode import enable_grad
from ..nn import Module
from ..random import get_rng_state, set_rng_state
from ..tensor import Tensor


def host(array: Any) -> np.ndarray:
    """``array`` as a NumPy array (a CuPy array is copied to the host)."""
    return array.get() if hasattr(array, "get") and not isinstance(array, np.ndarray) else array


def rms(array: np.ndarray) -> float:
    """The root mean square of ``array`` (0 for an empty one), in float64."""
    if array.size == 0:
        return 0.0
    a = array.astype(np.float64, copy=False)
    return float(np.sqrt(np.mean(a * a)))


@dataclass
class LayerRecord:
    """A leaf module's part in the pass: its output (a host copy) and the gradient of the
    loss with respect to it (None when none reached it)."""

    name: str
    module: Module
    output: np.ndarray
    grad_output: np.ndarray | None = None


@dataclass
class Probe:
    """What ``probe`` measured. ``layers``: the leaf modules in the order they ran, each once
    (its first call); ``grads``: each parameter's gradient from this pass alone (None where
    none came); ``previous_grads``: the ``.grad`` each parameter held before the pass;
    ``loss``: the loss (None without a ``loss_fn``)."""

    model: Module
    layers: list[LayerRecord]
    grads: dict[str, np.ndarray | None]
    previous_grads: dict[str, np.ndarray | None]
    loss: float | None
    samples: int
    modules: dict[str, Module] = field(default_factory=dict)

    def layer(self, name: str) -> LayerRecord | None:
        for record in self.layers:
            if record.name == name:
                return record
        return None

    def next_layers(self, name: str) -> list[LayerRecord]:
        """The layers that ran after ``name``, in order."""
        names = [r.name for r in self.layers]
        return self.layers[names.index(name) + 1 :] if name in names else []


def _first_tensor(value: Any) -> Tensor | None:
    if isinstance(value, Tensor):
        return value
    if isinstance(value, (tuple, list)):
        for item in value:
            if isinstance(item, Tensor):
                return item
    return None


def _samples(inputs: Any) -> int:
    first = _first_tensor(inputs if isinstance(inputs, (tuple, list)) else (inputs,))
    return int(first.shape[0]) if first is not None and first.ndim else 1


def probe(
    model: Module,
    inputs: Any,
    target: Any = None,
    loss_fn: Callable | None = None,
) -> Probe:
    """Run ``model(inputs)`` (a tuple of inputs is unpacked) and ``backward`` once, measuring
    every leaf module; restore the gradients, buffers and random generator it touched."""
    if not isinstance(model, Module):
        raise TypeError(f"model: expected an nn.Module, got {type(model).__name__}")
    if loss_fn is not None and target is None:
        raise ValueError("target: a loss_fn needs the target it compares the outputs with")
    params = dict(model.named_parameters())
    previous = {name: p.grad for name, p in params.items()}
    buffers = {name: b._data.copy() for name, b in model.named_buffers()}
    rng = get_rng_state()
    records: dict[int, LayerRecord] = {}
    order: list[int] = []
    names = {id(m): name for name, m in model.named_modules()}
    leaves = [m for m in model.modules() if not any(True for _ in m.children())]

    def on_forward(module: Module, args: tuple, output: Any) -> None:
        out = _first_tensor(output)
        key = id(module)
        if out is None or key in records:
            return
        record = LayerRecord(names[key], module, host(out._data).copy())
        records[key] = record
        order.append(key)
        if out.requires_grad:

            def catch(grad: Tensor) -> None:
                if record.grad_output is None:
                    record.grad_output = host(grad._data).copy()

            out.register_hook(catch)

    handles = [m.register_forward_hook(on_forward) for m in leaves]
    loss_value: float | None = None
    try:
        for p in params.values():
            p.grad = None
        with enable_grad():
            out = model(*inputs) if isinstance(inputs, tuple) else model(inputs)
            first = _first_tensor(out)
            if first is None:
                raise TypeError(f"model: expected it to return a tensor, got {type(out).__name__}")
            loss = loss_fn(out, target) if loss_fn is not None else first.sum()
            if loss_fn is not None:
                loss_value = float(loss.item())
            if loss.requires_grad:
                loss.backward()
        # (the gradients of this pass are new arrays that nothing else holds: no copy needed)
        grads = {name: None if p.grad is None else host(p.grad._data) for name, p in params.items()}
    finally:
        for handle in handles:
            handle.remove()
        for name, p in params.items():
            p.grad = previous[name]
        for name, b in model.named_buffers():
            if name in buffers:
                b._data = buffers[name]
        set_rng_state(rng)
    prev = {name: None if g is None else host(g._data) for name, g in previous.items()}
    return Probe(
        model,
        [records[k] for k in order],
        grads,
        prev,
        loss_value,
        _samples(inputs),
        {name: m for name, m in model.named_modules()},
    )
