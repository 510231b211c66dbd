"""Checks of how training progresses: ``divergence`` (the training loss) and ``plateau``
(the validation metric).

``divergence``: the per-step losses are smoothed as the learning-rate range test does
(Smith 2017; fastai): an exponential moving average with ``beta = 0.98`` (about the last 50
steps), bias-corrected. With ``start`` the first smoothed value and ``best`` the lowest so
far: a NaN or infinite loss, or a smoothed loss above both ``start`` and 4 x ``best`` (the
range test's stopping rule: training has lost everything it gained), is an ``error``; after
at least 20 steps, a smoothed loss that has given back more than half of its progress
(``now - best > 0.5 (start - best)``) and is more than 1.2 x ``best`` is a ``warning``: the
rate over-corrects and the loss rises (the notes).

``plateau``: the validation metric (the one that picks the best checkpoint) has not improved
on its best for 2 or more epochs. With ``ReduceLROnPlateau`` the finding says what it does
(multiply the rate by its factor after ``patience + 1`` epochs without improvement, the notes'
halving) and is ``info``; with another schedule it is ``info`` too (the schedule lowers the
rate on its own); with a constant rate it is a ``warning``: halve it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from ..finding import Finding

BETA = 0.98
DIVERGE_FACTOR = 4.0
RISE_SHARE = 0.5
RISE_FACTOR = 1.2
RISE_MIN_STEPS = 20
PLATEAU_EPOCHS = 2

DIVERGENCE_WHY = (
    "Gradient descent subtracts the learning rate times the gradient from each weight. When "
    "that step is too large it over-corrects: it jumps past the valley floor to a point where "
    "the loss is higher, and the next step jumps back further still, so the loss oscillates, "
    "rises or becomes NaN (the notes: subtracting the raw derivative changes the weights too "
    "much and the loss rises or diverges). Multiply the gradient by a smaller rate: lower "
    "--lr (neuronet lr-find suggests one), clip the gradients, or use a schedule that decays "
    "the rate."
)

PLATEAU_WHY = (
    "When the validation score stops improving, the steps are too large to settle into the "
    "valley the model is in, or it has started to overfit. The notes' trick: halve the "
    "learning rate (x 0.5) when the validation score stops improving; ReduceLROnPlateau "
    "(--scheduler plateau, the default) does exactly that, and early stopping "
    "(--early-stopping) ends training when even that no longer helps."
)


def smoothed(losses: Sequence[float] | np.ndarray) -> np.ndarray:
    """The bias-corrected exponential moving average of ``losses`` (``BETA``)."""
    out = np.empty(len(losses))
    avg = 0.0
    for i, value in enumerate(losses):
        avg = BETA * avg + (1 - BETA) * value
        out[i] = avg / (1 - BETA ** (i + 1))
    return out


def divergence(losses: Sequence[float]) -> list[Finding]:
    """The divergence finding for a run's per-step training losses so far (or none)."""
    if not losses:
        return []
    values = np.asarray(losses, dtype=np.float64)
    if not np.isfinite(values).all():
        step = int(np.argmin(np.isfinite(values)))
        return [
            Finding(
                "divergence",
                "",
                "error",
                float(values[step]),
                math.inf,
                f"the loss became {values[step]} at step {step}: the learning rate "
                "over-corrects; lower it (neuronet lr-find) or clip the gradients.",
                DIVERGENCE_WHY,
            )
        ]
    s = smoothed(values)
    start, best, now = s[0], float(s.min()), s[-1]
    if now > start and now > DIVERGE_FACTOR * best:
        return [
            Finding(
                "divergence",
                "",
                "error",
                float(now),
                float(max(start, DIVERGE_FACTOR * best)),
                f"the smoothed loss {now:.4g} is above where it started ({start:.4g}) and "
                f"{now / best:.3g} times its best ({best:.4g}): training diverges; lower the "
                "learning rate.",
                DIVERGENCE_WHY,
            )
        ]
    risen = now - best > RISE_SHARE * (start - best) and now > RISE_FACTOR * best
    if len(values) >= RISE_MIN_STEPS and risen and start > best:
        return [
            Finding(
                "divergence",
                "",
                "warning",
                float(now),
                float(best + RISE_SHARE * (start - best)),
                f"the smoothed loss rose from its best {best:.4g} to {now:.4g}, giving back "
                f"{(now - best) / (start - best):.0%} of its progress: the rate over-corrects; "
                "lower it.",
                DIVERGENCE_WHY,
            )
        ]
    return []


def plateau(
    values: Sequence[float],
    mode: str = "max",
    scheduler=None,
    lr: float | None = None,
    metric: str = "val_accuracy",
) -> list[Finding]:
    """The plateau finding for the per-epoch ``values`` of the validation ``metric`` (higher
    is better with ``mode='max'``), given the run's ``scheduler`` and current ``lr``."""
    from ...optim.lr_scheduler import ReduceLROnPlateau  # noqa: PLC0415

    if mode not in ("min", "max"):
        raise ValueError(f"mode: expected 'min' or 'max', got {mode!r}")
    if len(values) < PLATEAU_EPOCHS + 1:
        return []
    best_at = int(np.argmax(values) if mode == "max" else np.argmin(values))
    stalled = len(values) - 1 - best_at
    if stalled < PLATEAU_EPOCHS:
        return []
    rate = f" (now {lr:.3g})" if lr is not None else ""
    if isinstance(scheduler, ReduceLROnPlateau):
        severity = "info"
        action = (
            f"ReduceLROnPlateau multiplies the rate by {scheduler.factor:g} after "
            f"{scheduler.patience + 1} epoch(s) without improvement{rate}, as the notes "
            "advise; early stopping (--early-stopping) ends the run if that does not help."
        )
    elif scheduler is not None:
        severity = "info"
        action = f"the {type(scheduler).__name__} schedule lowers the rate on its own{rate}."
    else:
        severity = "warning"
        action = (
            f"nothing lowers the rate{rate}: halve it when validation stalls (--scheduler plateau)."
        )
    return [
        Finding(
            "plateau",
            "",
            severity,
            float(stalled),
            float(PLATEAU_EPOCHS),
            f"{metric} has not improved on its best ({values[best_at]:.4g}) for {stalled} "
            f"epochs; {action}",
            PLATEAU_WHY,
        )
    ]
