"""Checks of what the activation functions put out: ``dead_units`` and ``saturation``.

``dead_units``: a ReLU unit (ReLU, ReLU6) is dead when it outputs exactly 0 for every sample
of the probe batch (and every position, for channels), on this probe and the earlier ones
passed in (the training callback passes its last two: a unit must stay silent over 100 or more
steps). A dead unit passes no gradient back, so nothing revives it. Threshold: more than 25%
of a layer's units dead is a ``warning`` (CS231n's notes report "as much as 40%" dead after a
too large learning rate; a healthy network keeps nearly all units alive), all of them an
``error`` (no gradient reaches the layers below).

``saturation``: a sigmoid or tanh output is saturated when it lies in a flat tail, where the
local derivative is below 6% of its peak: |tanh(x)| > 0.97 (the cut-off of Karpathy's
"Building makemore" lecture, part 3), and for the sigmoid, 4 s (1 - s) < 1 - 0.97^2, the same
derivative ratio. Threshold: more than half of a layer's outputs saturated is a ``warning``:
then the median output passes back less than 6% of its gradient. (Karpathy flags a few
percent at initialisation; trained networks legitimately drive many units to +-1: the notes'
window scorer, trained to separate scores by a margin, ends with about a third of its tanh
outputs in the tails and scores well, so a quarter would flag a healthy run.)
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ...nn.modules.activation import Tanh
from ..finding import Finding
from ..probe import Probe
from .layers import RELU_FAMILY, SATURATING, per_unit

DEAD_FRACTION = 0.25
SATURATION_CUT = 0.97
SATURATED_FRACTION = 0.5

DEAD_WHY = (
    "A ReLU passes back no gradient for a negative input. A unit whose weighted sum is "
    "negative for every input (often after one update that over-corrected, pushing its bias "
    "far down) outputs 0 and receives 0 gradient from then on: it is dead and never recovers. "
    "The notes warn that too large a learning rate changes the weights too much; a smaller "
    "rate, batch normalisation before the ReLU, or LeakyReLU/ELU (which keep a gradient for "
    "negative inputs) prevent it."
)

SATURATION_WHY = (
    "Sigmoid and tanh are flat in their tails: there the derivative is close to zero, so the "
    "unit hardly changes its output whatever its weights do, and backpropagation multiplies "
    "the error passed to the layers below by that near-zero derivative. Saturation comes from "
    "weighted sums that are too large, usually weights not scaled by 1/sqrt(fan-in) (the "
    "notes) or unnormalised inputs; fan-in scaled initialisation, normalised inputs or batch "
    "normalisation keep the sums in the responsive middle."
)


def dead_masks(probe: Probe) -> dict[str, np.ndarray]:
    """For each ReLU-family layer: which of its units output 0 on every value of the probe."""
    return {
        r.name: ~(per_unit(r.output) > 0).any(axis=1)
        for r in probe.layers
        if isinstance(r.module, RELU_FAMILY) and r.output.size
    }


def dead_units(probe: Probe, earlier: Sequence[dict[str, np.ndarray]] = ()) -> list[Finding]:
    """Findings for layers whose units were dead on this probe and on all ``earlier`` ones
    (each a ``dead_masks`` result of the same model)."""
    findings = []
    for name, mask in dead_masks(probe).items():
        for old in earlier:
            if name in old and old[name].shape == mask.shape:
                mask = mask & old[name]
        fraction = float(mask.mean())
        if fraction <= DEAD_FRACTION:
            continue
        units = mask.size
        over = f"the last {len(earlier) + 1} probes" if earlier else "this batch"
        every = fraction == 1.0
        message = (
            f"{int(mask.sum())} of its {units} ReLU units ({fraction:.0%}) output 0 for every "
            f"sample on {over}: they pass no gradient and will not recover; "
            + (
                "lower the learning rate and re-initialise."
                if every
                else "lower the learning rate, or use batch normalisation or LeakyReLU."
            )
        )
        findings.append(
            Finding(
                "dead_units",
                name,
                "error" if every else "warning",
                fraction,
                DEAD_FRACTION,
                message,
                DEAD_WHY,
            )
        )
    return findings


def saturated_fraction(module, output: np.ndarray) -> float:
    """The fraction of a sigmoid's or tanh's outputs in the flat tails (see the module doc)."""
    y = output.astype(np.float64, copy=False)
    if isinstance(module, Tanh):
        flat = np.abs(y) > SATURATION_CUT
    else:
        flat = 4.0 * y * (1.0 - y) < 1.0 - SATURATION_CUT**2
    return float(flat.mean()) if y.size else 0.0


def saturation(probe: Probe) -> list[Finding]:
    findings = []
    for r in probe.layers:
        if not isinstance(r.module, SATURATING) or not r.output.size:
            continue
        fraction = saturated_fraction(r.module, r.output)
        if fraction <= SATURATED_FRACTION:
            continue
        kind = type(r.module).__name__
        findings.append(
            Finding(
                "saturation",
                r.name,
                "warning",
                fraction,
                SATURATED_FRACTION,
                f"{fraction:.0%} of its {kind} outputs sit in the flat tails (derivative below "
                f"6% of its peak), so little gradient gets through; scale the weights of the "
                f"layer before by 1/sqrt(fan-in) (the default init) or normalise its inputs.",
                SATURATION_WHY,
            )
        )
    return findings
