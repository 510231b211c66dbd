"""The check of what one optimizer step does to the weights: ``update_ratio``.

For each weight matrix or kernel (parameters of 2 or more dimensions, not Embedding tables,
whose rows are only updated for the words in a batch), ``ratio = rms(delta) / rms(w)``: the
size of one step's change over the size of the weights before it (the root mean square equals
the standard deviation for zero-mean weights). Karpathy's rule of thumb (CS231n, "Neural
Networks Part 3"; "Building makemore" part 3) puts a healthy ratio near 1e-3. Threshold: more
than two decades away, ``ratio > 1e-1`` (each step rewrites a tenth of the weights: the rate
over-corrects) or ``ratio < 1e-5`` (a hundred thousand steps to change them once: the rate is
too small), a ``warning`` naming the parameter.

Not judged: a parameter whose gradient was zero (as when a max-margin loss is satisfied on
the whole batch: nothing to learn, whatever the rate; a step lost to float32 rounding under a
non-zero gradient is judged: its ratio is 0), and the
first steps of optimisers that divide each step by a running gradient scale (``ADAPTIVE``:
Adam, AdamW, AdaGrad, RMSprop): their first step is ``lr * sign(g)`` for every weight by
construction (AdaGrad exactly, Adam through its bias correction), so the ratio then measures
the rate against the weights' scale, not the learning dynamics. (The notes' window scorer with
AdaGrad at 0.05 starts at 1.4 and is below 0.1 by step 50.) ``check`` skips such an optimizer
while it holds no state; the training callback judges from its first periodic probe on.
Nor is a ratio judged *too small* while a schedule has annealed the rate below a tenth of where
it started (``annealed``: a group's ``lr`` under ``initial_lr / 10``, as at the end of a cosine
or the notes' alpha0 * tau / max(t, tau) schedule): small late steps are the schedule's intent.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from ...autograd.grad_mode import no_grad
from ...nn import Module
from ..finding import Finding
from ..probe import Probe, host, rms
from .layers import param_layer

RATIO_HIGH = 1e-1
RATIO_LOW = 1e-5


def adaptive(optimizer) -> bool:
    """Whether ``optimizer`` scales each step by a running gradient scale (see the module
    doc)."""
    from ...optim import Adagrad, Adam, AdamW, RMSprop  # noqa: PLC0415

    return isinstance(optimizer, (Adam, AdamW, Adagrad, RMSprop))


UPDATE_WHY = (
    "Each step subtracts the learning rate times the gradient from the weights (the notes: "
    "theta_new = theta_old - alpha * grad). Subtracting too much changes the weights too much, "
    "over-correcting so that the loss rises or diverges; subtracting too little leaves them "
    "where they started. The ratio of the step to the weights it changes, measured per "
    "parameter, shows which: around 1e-3 is the usual healthy value. Lower or raise the "
    "learning rate (neuronet lr-find suggests one)."
)


def tracked(model: Module) -> dict[str, Any]:
    """The parameters whose update ratio is checked, by name."""
    from ...nn.modules.sparse import Embedding  # noqa: PLC0415

    skip = {
        f"{name}.{p}" if name else p
        for name, m in model.named_modules()
        if isinstance(m, Embedding)
        for p in m._parameters
    }
    return {
        n: p
        for n, p in model.named_parameters()
        if p.ndim >= 2 and n not in skip and p.requires_grad
    }


def snapshot(model: Module) -> dict[str, np.ndarray]:
    """Host copies of the tracked parameters."""
    return {n: host(p._data).copy() for n, p in tracked(model).items()}


def ratios(before: Mapping[str, np.ndarray], model: Module) -> dict[str, float]:
    """rms(now - before) / rms(before) for each tracked parameter in ``before`` whose
    ``.grad`` (the gradient of the step) is not all zero."""
    out = {}
    for n, p in tracked(model).items():
        if n not in before:
            continue
        grad = p.grad
        if grad is None or not grad._data.any():  # no gradient: nothing to learn, to judge
            continue
        old = before[n]
        scale = rms(old)
        if scale > 0:
            out[n] = rms(host(p._data).astype(np.float64) - old) / scale
    return out


def trial_ratios(model: Module, optimizer, probe: Probe) -> dict[str, float]:
    """The ratios one ``optimizer.step()`` with the probe's gradients would give; the
    parameters, their ``.grad`` and the optimizer's state are put back afterwards."""
    params = dict(model.named_parameters())
    before = snapshot(model)
    values = {n: p._data.copy() for n, p in params.items()}
    grads = {n: p.grad for n, p in params.items()}
    state = copy.deepcopy(optimizer.state_dict())
    from ...tensor import Tensor  # noqa: PLC0415

    try:
        for n, p in params.items():
            g = probe.grads.get(n)
            p.grad = None if g is None else Tensor._make(g.astype(p._data.dtype))
        with no_grad():
            optimizer.step()
        return ratios(before, model)
    finally:
        for n, p in params.items():
            p._data[...] = values[n]
            p.grad = grads[n]
        optimizer.load_state_dict(state)


ANNEALED = 0.1  # a scheduled rate below this share of its initial value is annealed


def annealed(optimizer) -> bool:
    """Whether a learning-rate schedule has brought every param group of ``optimizer`` below
    ``ANNEALED`` times its initial rate (``initial_lr``, which the schedulers record)."""
    groups = getattr(optimizer, "param_groups", None) or []
    return bool(groups) and all(
        "initial_lr" in g and g["lr"] < ANNEALED * g["initial_lr"] for g in groups
    )


def update_ratio(values: Mapping[str, float], optimizer=None) -> list[Finding]:
    """Findings for the ratios outside [RATIO_LOW, RATIO_HIGH] (``values``: parameter name ->
    ratio, as ``ratios`` gives them); ratios below RATIO_LOW are not judged while ``optimizer``'s
    rate is ``annealed``."""
    findings = []
    low_judged = optimizer is None or not annealed(optimizer)
    for name, ratio in values.items():
        if RATIO_LOW <= ratio <= RATIO_HIGH:
            continue
        high = ratio > RATIO_HIGH or not math.isfinite(ratio)
        if not high and not low_judged:
            continue
        findings.append(
            Finding(
                "update_ratio",
                param_layer(name),
                "warning",
                ratio,
                RATIO_HIGH if high else RATIO_LOW,
                f"one step changes {name} by {ratio:.2g} of its size (healthy: about 1e-3); "
                + (
                    "the learning rate is too large, lower it."
                    if high
                    else "the learning rate is too small, raise it."
                ),
                UPDATE_WHY,
            )
        )
    return findings
