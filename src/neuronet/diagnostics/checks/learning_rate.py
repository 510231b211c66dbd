"""The check of a learning rate against a learning-rate range test (``lr_find``):
``lr_too_high`` and ``lr_too_low``.

The range test (Smith 2017, "Cyclical Learning Rates"; fastai's LR finder) trains a copy of
the model for a few steps while the rate grows exponentially, and records the smoothed loss.
The loss falls faster as the rate grows, bottoms out at ``lr_min`` and then rises: beyond
that point each step over-corrects. Thresholds: a rate at or above ``lr_min`` is
``lr_too_high``; a rate below a hundredth of the suggestion (``lr_min / 10``, the usual pick)
is ``lr_too_low``; both ``warning``.
"""

from __future__ import annotations

from ..finding import Finding

LOW_FACTOR = 100.0

LR_WHY = (
    "The learning rate multiplies each derivative before it is subtracted from the weights "
    "(the notes). The range test measures the loss while the rate grows: where the loss "
    "falls fastest the rate is large enough to make progress and small enough not to "
    "over-correct; past the loss's minimum each step overshoots and the loss rises. A tenth "
    "of the rate at the minimum is the usual safe choice; far below it training is needlessly "
    "slow."
)


def learning_rate(lr: float, suggestion: float, lr_min: float) -> list[Finding]:
    """Findings for training at ``lr`` given a range test's ``suggestion`` and ``lr_min``."""
    if lr >= lr_min:
        return [
            Finding(
                "lr_too_high",
                "",
                "warning",
                lr,
                lr_min,
                f"the rate {lr:.3g} is at or past the range test's loss minimum ({lr_min:.3g}), "
                f"where steps over-correct; use about {suggestion:.2g}.",
                LR_WHY,
            )
        ]
    if lr < suggestion / LOW_FACTOR:
        return [
            Finding(
                "lr_too_low",
                "",
                "warning",
                lr,
                suggestion / LOW_FACTOR,
                f"the rate {lr:.3g} is more than {LOW_FACTOR:g} times below the range test's "
                f"suggestion {suggestion:.2g}: training will be needlessly slow; raise it.",
                LR_WHY,
            )
        ]
    return []
