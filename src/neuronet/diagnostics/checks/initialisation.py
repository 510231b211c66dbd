"""Checks of the weights as initialised: ``symmetry`` and ``fan_in`` (the notes' section on
weight initialisation).

``symmetry``: two units of a layer are duplicates when their incoming weight rows and biases
are exactly equal and so are the weights that carry their outputs into the next weight layer
(its columns for them). Duplicates get exactly the same gradient and the same update at every
step, so they stay duplicates forever (the notes: "if their weights start equal there is no
source of asymmetry"). Threshold: every unit distinct (``value``: the number of distinct units,
``threshold``: the number of units). All units equal (all-zero initialisation) is an ``error``;
some duplicates a ``warning``. The last weight layer is not checked: its units receive
different targets, which break the symmetry (a zero-initialised output layer is fine).

``fan_in``: ``r = std(W) * sqrt(fan_in)``, the factor by which a layer scales the standard
deviation of independent unit-variance inputs. Fan-in scaled schemes keep ``r`` near the
activation's gain ``g`` (1 linear and sigmoid, 5/3 tanh, sqrt(2) ReLU): LeCun ``r = 1``,
Kaiming ``r = sqrt(2)``, Xavier ``r = sqrt(2 fan_in/(fan_in+fan_out))``, PyTorch's default
U(-1/sqrt(fan_in), 1/sqrt(fan_in)) ``r = 1/sqrt(3)``. N(0, 1) gives ``r = sqrt(fan_in)``
(28 for 784 inputs): the output variance grows with the fan-in (the notes). Threshold:
``g/4 <= r <= 4g`` (a factor of 4 either way: beyond it each such layer multiplies or divides
the activations' scale by more than 4). A ``warning``, or ``info`` when a normalisation layer
(BatchNorm, LayerNorm) follows and rescales the outputs anyway.
"""

from __future__ import annotations

import math

import numpy as np

from ...nn.init import calculate_gain
from ..finding import Finding
from ..probe import Probe, host
from .layers import NORMALISATION, RELU_FAMILY, following, weight_layers

FAN_IN_FACTOR = 4.0

SYMMETRY_WHY = (
    "Units whose incoming and outgoing weights are equal compute the same output, receive the "
    "same gradient in backpropagation and make exactly the same update, so they stay equal "
    "forever: the layer behaves as if it had one unit (with all-zero weights every hidden unit "
    "is the same). The notes: initialise with small random numbers, close to zero but not "
    "zero; randomness breaks the symmetry so each neuron starts unique and becomes a "
    "different part of the network."
)

FAN_IN_WHY = (
    "The variance of a unit's weighted sum grows with its number of inputs (its fan-in): with "
    "weights of standard deviation s and n unit-variance inputs the sum has standard deviation "
    "s*sqrt(n). The notes fix this by scaling each weight vector by 1/sqrt(fan-in) (LeCun, "
    "Xavier and Kaiming initialisation, and PyTorch's default, all do; Kaiming adds the "
    "sqrt(2) gain ReLU needs). Too large a scale saturates sigmoid and tanh and blows up "
    "activations layer after layer; too small a scale makes them shrink towards zero, and the "
    "gradients with them."
)


def _distinct_units(rows: np.ndarray) -> int:
    """The number of distinct rows of ``rows`` (exact equality)."""
    if rows.shape[0] <= 1:
        return rows.shape[0]
    # One projection sorts the candidates; equal rows project equally, so only rows with
    # equal projections can be equal, and those are compared exactly.
    key = rows @ np.linspace(1.0, 2.0, rows.shape[1]) if rows.shape[1] else np.zeros(len(rows))
    if np.unique(key).size == rows.shape[0]:
        return rows.shape[0]
    return int(np.unique(rows, axis=0).shape[0])


def symmetry(probe: Probe) -> list[Finding]:
    layers = weight_layers(probe)
    findings = []
    for record, consumer in zip(layers, layers[1:]):
        module = record.module
        weight = host(module.weight._data)
        units = weight.shape[0]
        if units < 2:
            continue
        parts = [weight.reshape(units, -1).astype(np.float64)]
        bias = getattr(module, "bias", None)
        if bias is not None and getattr(bias, "shape", None) == (units,):
            parts.append(host(bias._data).reshape(units, 1).astype(np.float64))
        out_w = host(consumer.module.weight._data)
        if out_w.ndim >= 2 and out_w.shape[1] == units:
            parts.append(np.moveaxis(out_w, 1, 0).reshape(units, -1).astype(np.float64))
        distinct = _distinct_units(np.concatenate(parts, axis=1))
        if distinct == units:
            continue
        if distinct == 1:
            message = (
                f"all {units} units have the same weights (zero or constant initialisation?), "
                "so they will always compute the same thing; initialise with small random "
                "numbers (keep the default init or use a scheme such as kaiming_normal)."
            )
        else:
            message = (
                f"only {distinct} of its {units} units differ; the duplicates will stay "
                "identical; initialise them randomly."
            )
        findings.append(
            Finding(
                "symmetry",
                record.name,
                "error" if distinct == 1 else "warning",
                float(distinct),
                float(units),
                message,
                SYMMETRY_WHY,
            )
        )
    return findings


def _gain(probe: Probe, name: str) -> tuple[float, str]:
    for module in following(probe, name):
        if isinstance(module, RELU_FAMILY):
            return calculate_gain("relu"), "ReLU"
        kind = type(module).__name__.lower()
        if kind in ("tanh", "sigmoid"):
            return calculate_gain(kind), type(module).__name__
        if kind in ("leakyrelu", "selu"):
            return calculate_gain("leaky_relu" if kind == "leakyrelu" else "selu"), type(
                module
            ).__name__
    return 1.0, "linear"


def fan_in(probe: Probe) -> list[Finding]:
    findings = []
    for record in weight_layers(probe):
        weight = host(record.module.weight._data).astype(np.float64)
        n_in = int(np.prod(weight.shape[1:]))
        r = float(weight.std()) * math.sqrt(n_in)
        if r == 0.0:  # all weights equal: symmetry's finding, not a matter of scale
            continue
        gain, activation = _gain(probe, record.name)
        low, high = gain / FAN_IN_FACTOR, gain * FAN_IN_FACTOR
        if low <= r <= high:
            continue
        normalised = any(isinstance(m, NORMALISATION) for m in following(probe, record.name))
        pre = float(record.output.astype(np.float64).std())
        side = "large" if r > high else "small"
        message = (
            f"weights of std {weight.std():.3g} with fan-in {n_in} scale its outputs by "
            f"{r:.3g} (pre-activation std {pre:.3g}); for a {activation} layer aim for about "
            f"{gain:.3g}: draw weights with std {gain:.3g}/sqrt({n_in}) = "
            f"{gain / math.sqrt(n_in):.3g} (the default init, or kaiming_normal for ReLU)."
        )
        if normalised:
            message += (
                " The normalisation layer after it rescales the outputs, so this matters less."
            )
        findings.append(
            Finding(
                "fan_in",
                record.name,
                "info" if normalised else "warning",
                r,
                high if side == "large" else low,
                message,
                FAN_IN_WHY,
            )
        )
    return findings
