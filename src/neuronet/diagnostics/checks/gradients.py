"""Checks of the gradients of one backward pass: ``vanishing_gradient``,
``exploding_gradient`` and ``grad_accumulation``.

``vanishing_gradient`` / ``exploding_gradient``: ``g_l`` is the root mean square of the
gradient of the loss with respect to the output of weight layer ``l`` (the error signal that
backpropagation hands to it), for the weight layers in the order they ran. The check reports
the layer with the smallest (largest) ratio ``g_l / g_last`` to the last weight layer's.
Thresholds: a ratio below 1e-3 is a vanishing gradient, above 1e3 an exploding one, both
``warning``: a thousandfold difference means plain SGD with one learning rate moves the first
layers a thousand times less (more) than the last (Glorot & Bengio 2010 measure these ratios
across depth; adaptive optimisers such as Adam rescale per parameter and hide part of it, not
the loss of information in a saturated stack). A NaN or infinite gradient in any parameter is
an ``exploding_gradient`` ``error`` on the first such layer.

``grad_accumulation``: the ratio of the root mean square of the ``.grad`` the parameters held
before the check to that of the gradient of the check's own batch. ``backward`` adds into
``.grad``; a loop that never calls ``zero_grad()`` feeds the optimizer the sum of all gradients
so far, which grows step after step (k summed gradients are between sqrt(k) and k times one).
Threshold: a ratio above 3 is a ``warning`` (the gradient of the previous batch has the scale
of this batch's). Checked only when a loss is given and ``.grad`` held something.
"""

from __future__ import annotations

import math

import numpy as np

from ..finding import Finding
from ..probe import Probe, rms
from .layers import param_layer, weight_layers

VANISHING_RATIO = 1e-3
EXPLODING_RATIO = 1e3
ACCUMULATION_RATIO = 3.0

VANISHING_WHY = (
    "Backpropagation computes a layer's gradient from the one above it, multiplying by the "
    "layer's weights and by the derivative of its activation (the notes: the partial "
    "derivatives of higher layers are reused for the lower ones). When those factors are "
    "below 1, as with saturated sigmoid or tanh units (derivative near 0) or too small "
    "weights, the product shrinks geometrically with depth and the first layers stop "
    "learning. Fan-in scaled initialisation, ReLU-family activations, batch normalisation "
    "and residual connections keep the factors near 1."
)

EXPLODING_WHY = (
    "The same product of per-layer factors grows geometrically when they exceed 1, as with "
    "weights far larger than 1/sqrt(fan-in): the lower layers then receive huge gradients and "
    "the update over-corrects, so the loss rises or becomes NaN (the notes' warning about "
    "subtracting too large a step). Fan-in scaled initialisation, a smaller learning rate "
    "and gradient clipping (--grad-clip) keep it in check."
)

ACCUMULATION_WHY = (
    "backward() adds the new gradient to what .grad already holds, so that gradients of "
    "several backward passes can be combined on purpose. A training loop must therefore call "
    "optimizer.zero_grad() before each backward; without it every step subtracts the sum of "
    "all gradients so far, an ever larger step in an ever staler direction: the "
    "over-correction the notes warn of. If you accumulate over k micro-batches on purpose, "
    "divide the loss by k and zero the gradients after each optimizer step."
)


def _non_finite(probe: Probe) -> list[Finding]:
    bad = [n for n, g in probe.grads.items() if g is not None and not np.isfinite(g).all()]
    if not bad:
        return []
    return [
        Finding(
            "exploding_gradient",
            param_layer(bad[0]),
            "error",
            float(len(bad)),
            0.0,
            f"the gradient of {bad[0]} is NaN or infinite ({len(bad)} parameter(s) in all); "
            "lower the learning rate, clip the gradients (--grad-clip) or look for a log of 0 "
            "or an overflow in the loss.",
            EXPLODING_WHY,
        )
    ]


def depth(probe: Probe) -> list[Finding]:
    """vanishing_gradient and exploding_gradient (see the module doc)."""
    findings = _non_finite(probe)
    if findings:
        return findings
    signal = [
        (r.name, rms(r.grad_output)) for r in weight_layers(probe) if r.grad_output is not None
    ]
    if len(signal) < 2 or signal[-1][1] == 0.0:
        return []
    last_name, last = signal[-1]
    ratios = [(name, g / last) for name, g in signal[:-1]]
    low_name, low = min(ratios, key=lambda item: item[1])
    high_name, high = max(ratios, key=lambda item: item[1])
    if low < VANISHING_RATIO:
        findings.append(
            Finding(
                "vanishing_gradient",
                low_name,
                "warning",
                low,
                VANISHING_RATIO,
                (
                    f"no gradient reaches its outputs (the last layer {last_name} gets some)"
                    if low == 0
                    else f"the gradient reaching its outputs is {low:.2g} times the one at the "
                    f"last layer {last_name}: it shrinks across depth"
                )
                + "; this layer barely learns; "
                "scale the initial weights by 1/sqrt(fan-in), avoid saturated sigmoid/tanh "
                "(ReLU, batch normalisation).",
                VANISHING_WHY,
            )
        )
    if high > EXPLODING_RATIO and math.isfinite(high):
        findings.append(
            Finding(
                "exploding_gradient",
                high_name,
                "warning",
                high,
                EXPLODING_RATIO,
                f"the gradient reaching its outputs is {high:.2g} times the one at the last "
                f"layer {last_name}: it grows across depth; use smaller initial weights "
                "(1/sqrt(fan-in)), a smaller learning rate or --grad-clip.",
                EXPLODING_WHY,
            )
        )
    return findings


def grad_accumulation(probe: Probe) -> list[Finding]:
    if probe.loss is None:
        return []
    pairs: list[tuple[np.ndarray, np.ndarray]] = []
    for n, g in probe.grads.items():
        before = probe.previous_grads.get(n)
        if g is not None and before is not None:
            pairs.append((before, g))
    if not pairs:
        return []
    held = math.sqrt(sum(rms(p) ** 2 * p.size for p, _ in pairs))
    fresh = math.sqrt(sum(rms(g) ** 2 * g.size for _, g in pairs))
    if fresh == 0.0 or not math.isfinite(held):
        return []
    ratio = held / fresh
    if ratio <= ACCUMULATION_RATIO:
        return []
    return [
        Finding(
            "grad_accumulation",
            "",
            "warning",
            ratio,
            ACCUMULATION_RATIO,
            f"the gradients held in .grad are {ratio:.3g} times as large as one batch's: they "
            "are accumulating; call optimizer.zero_grad() before each loss.backward().",
            ACCUMULATION_WHY,
        )
    ]
