"""``check(model, inputs, ...)``: one measured forward and backward pass, and every check that
one pass can answer."""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

from ..nn import Module
from .checks import CODES, PROBE_CHECKS
from .checks.progress import divergence
from .checks.updates import adaptive, trial_ratios, update_ratio
from .finding import Finding
from .probe import Probe, probe


def probe_findings(result: Probe, only: Collection[str] | None = None) -> list[Finding]:
    """The findings of the probe checks on ``result`` (the families named in ``only``, by
    their keys in ``checks.PROBE_CHECKS``; all by default)."""
    findings: list[Finding] = []
    for key, run in PROBE_CHECKS.items():
        if only is None or key in only:
            findings.extend(run(result))
    return findings


def check(
    model: Module,
    inputs: Any,
    target: Any = None,
    loss_fn: Callable | None = None,
    optimizer=None,
    codes: Collection[str] | None = None,
) -> list[Finding]:
    """Run ``model`` forward and backward once on ``inputs`` (and ``loss_fn(output, target)``
    when given; else the backward pass starts from the sum of the outputs) and return the
    findings, worst first.

    The gradients, buffers and random generator the pass touched are restored. Checked:
    symmetry, fan_in (read as of initialisation), dead_units and saturation on this batch,
    vanishing/exploding gradients, grad_accumulation (what ``.grad`` held before the call
    against this batch's gradient; with a loss), a NaN or infinite loss (divergence), and
    with ``optimizer`` the update_ratio one step would give (the step is undone, its state
    restored; not for an adaptive optimizer that has not stepped yet, see
    ``checks.updates``). ``codes`` keeps only the findings with those codes.
    """
    if codes is not None:
        unknown = sorted(set(codes) - set(CODES))
        if unknown:
            raise ValueError(f"codes: expected some of {', '.join(CODES)}; got {unknown}")
    result = probe(model, inputs, target, loss_fn)
    findings = probe_findings(result)
    if result.loss is not None:
        findings.extend(divergence([result.loss]))
    fresh = adaptive(optimizer) and not optimizer.state_dict()["state"]
    if optimizer is not None and result.loss is not None and not fresh:
        findings.extend(update_ratio(trial_ratios(model, optimizer, result), optimizer))
    if codes is not None:
        findings = [f for f in findings if f.code in codes]
    order = ("error", "warning", "info")
    return sorted(findings, key=lambda f: order.index(f.severity))
