"""The checks, one module per family of codes: ``initialisation`` (symmetry, fan_in),
``activations`` (dead_units, saturation), ``gradients`` (vanishing_gradient,
exploding_gradient, grad_accumulation), ``updates`` (update_ratio), ``progress`` (divergence,
plateau) and ``learning_rate`` (lr_too_high, lr_too_low). Each module's docstring states its
thresholds and where they come from."""

from __future__ import annotations

from .activations import dead_units, saturation
from .gradients import depth, grad_accumulation
from .initialisation import fan_in, symmetry

#: The checks that read one probe, by the codes they give.
PROBE_CHECKS = {
    "symmetry": symmetry,
    "fan_in": fan_in,
    "dead_units": dead_units,
    "saturation": saturation,
    "gradient_depth": depth,
    "grad_accumulation": grad_accumulation,
}

#: Every code a check can give.
CODES = (
    "symmetry",
    "fan_in",
    "dead_units",
    "saturation",
    "update_ratio",
    "vanishing_gradient",
    "exploding_gradient",
    "divergence",
    "plateau",
    "grad_accumulation",
    "lr_too_high",
    "lr_too_low",
)
