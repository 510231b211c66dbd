"""Which modules the checks look at, and how: weight layers, the activations after them."""

from __future__ import annotations

from ...nn import Module
from ...nn.modules.activation import ReLU, ReLU6, Sigmoid, Tanh
from ...nn.modules.dropout import Dropout
from ...nn.modules.linear import Flatten, Identity, Unflatten
from ...nn.modules.normalization import BatchNorm1d, LayerNorm
from ...nn.modules.sparse import Embedding
from ..probe import LayerRecord, Probe

#: Units that output exactly 0 for every negative input, so that a unit can die.
RELU_FAMILY: tuple[type, ...] = (ReLU, ReLU6)
#: Units with flat tails on both sides.
SATURATING: tuple[type, ...] = (Sigmoid, Tanh)
#: Modules that rescale their input per unit, so the scale of the layer before matters less.
NORMALISATION: tuple[type, ...] = (BatchNorm1d, LayerNorm)
#: Modules that pass their input on unchanged or nearly so (skipped when looking for what
#: follows a layer).
PASS_THROUGH: tuple[type, ...] = (Dropout, Flatten, Identity, Unflatten)


def is_weight_layer(module: Module) -> bool:
    """A layer of units with incoming weights: a ``weight`` parameter of 2 or more dimensions
    whose first dimension is the units (Linear, Maxout, convolutions); not Embedding, whose
    rows are words, not units."""
    weight = getattr(module, "weight", None)
    return (
        weight is not None
        and getattr(weight, "ndim", 0) >= 2
        and not isinstance(module, Embedding)
        and "weight" in module._parameters
    )


def weight_layers(probe: Probe) -> list[LayerRecord]:
    """The weight layers that ran, in order."""
    return [r for r in probe.layers if is_weight_layer(r.module)]


def following(probe: Probe, name: str) -> list[Module]:
    """The modules that ran after layer ``name`` up to the next weight layer, skipping the
    pass-through ones."""
    out = []
    for record in probe.next_layers(name):
        if is_weight_layer(record.module):
            break
        if not isinstance(record.module, PASS_THROUGH):
            out.append(record.module)
    return out


def unit_axis(output) -> int:
    """The axis of a layer's units in its output: 1 (PyTorch's channel axis) for outputs of
    2 or more dimensions, else 0."""
    return 1 if output.ndim >= 2 else 0


def per_unit(output):
    """The output as (units, values): each row one unit over all samples (and positions)."""
    axis = unit_axis(output)
    moved = output.swapaxes(0, axis) if axis else output
    return moved.reshape(moved.shape[0], -1) if moved.ndim > 1 else moved.reshape(1, -1)


def param_layer(param_name: str) -> str:
    """The qualified name of the module a parameter belongs to (``'0.weight'`` -> ``'0'``)."""
    return param_name.rpartition(".")[0]
