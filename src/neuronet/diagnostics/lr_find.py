"""The learning-rate range test: ``lr_find(model, loader, loss_fn, optimizer)``.

Algorithm (Smith 2017; fastai's LR finder): copy the model and the optimizer (the originals
are not touched, nor is the library's random generator: its state is restored), then for
``i = 0 .. num_iter - 1`` set every parameter group's rate to
``lr_i = start_lr * (end_lr / start_lr) ** (i / (num_iter - 1))``, take one training step on
the next batch of ``loader`` (cycling through it) and record the loss. The losses are smoothed
with the bias-corrected moving average of ``checks.progress.smoothed``; the test stops early
once the smoothed loss is NaN or exceeds 4 times its best. ``lr_min`` is the rate at the lowest
smoothed loss, the suggestion ``lr_min / 10``, and ``steepest`` the rate where the smoothed
loss falls fastest against log(rate).
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

import numpy as np

from ..nn import Module
from ..random import get_rng_state, set_rng_state
from .checks.learning_rate import learning_rate
from .checks.progress import DIVERGE_FACTOR, smoothed
from .finding import Finding


@dataclass
class LRFinderResult:
    """The rates tried, the raw and smoothed losses, and what they suggest."""

    lrs: list[float]
    losses: list[float]
    smoothed: list[float]
    lr_min: float
    suggestion: float
    steepest: float
    stopped_early: bool = False
    extra: dict = field(default_factory=dict)

    def findings(self, lr: float) -> list[Finding]:
        """``lr_too_high`` / ``lr_too_low`` for training at ``lr``."""
        return learning_rate(lr, self.suggestion, self.lr_min)

    def to_dict(self) -> dict:
        return {
            "lrs": self.lrs,
            "losses": self.losses,
            "smoothed": self.smoothed,
            "lr_min": self.lr_min,
            "suggestion": self.suggestion,
            "steepest": self.steepest,
            "stopped_early": self.stopped_early,
        }


def _batches(loader: Iterable) -> Iterator:
    while True:
        empty = True
        for batch in loader:
            empty = False
            yield batch
        if empty:
            raise ValueError("loader: expected at least one batch, got none")


def lr_find(
    model: Module,
    loader: Iterable,
    loss_fn: Callable,
    optimizer,
    start_lr: float = 1e-7,
    end_lr: float = 10.0,
    num_iter: int = 100,
    device=None,
) -> LRFinderResult:
    """Run the range test (see the module doc) and return its ``LRFinderResult``."""
    if not 0 < start_lr < end_lr:
        raise ValueError(
            f"start_lr, end_lr: expected 0 < start_lr < end_lr, got {start_lr!r}, {end_lr!r}"
        )
    if not isinstance(num_iter, int) or num_iter < 2:
        raise ValueError(f"num_iter: expected an integer of at least 2, got {num_iter!r}")
    rng = get_rng_state()
    try:
        net, opt = copy.deepcopy((model, optimizer))
        net.train()
        lrs, losses = [], []
        stopped = False
        batches = _batches(loader)
        for i in range(num_iter):
            rate = start_lr * (end_lr / start_lr) ** (i / (num_iter - 1))
            for group in opt.param_groups:
                group["lr"] = rate
            x, y = next(batches)[:2]
            if device is not None:
                x, y = x.to(device), y.to(device)
            opt.zero_grad()
            loss = loss_fn(net(x), y)
            value = float(loss.item())
            lrs.append(rate)
            losses.append(value)
            if not math.isfinite(value):
                stopped = True
                break
            loss.backward()
            opt.step()
            s = smoothed(losses)
            if i > 0 and s[-1] > DIVERGE_FACTOR * s.min():
                stopped = True
                break
    finally:
        set_rng_state(rng)
    finite = [v if math.isfinite(v) else np.nan for v in losses]
    kept = int(np.isfinite(finite).sum())
    s = smoothed(finite[:kept]) if kept else np.array([])
    if kept < 2:
        raise ValueError(
            f"lr_find: the loss diverged at once (start_lr={start_lr:g}); use a smaller start_lr"
        )
    best = int(np.argmin(s))
    slope = np.gradient(s, np.log(np.asarray(lrs[:kept])))
    steep = int(np.argmin(slope[: best + 1])) if best > 0 else 0
    return LRFinderResult(
        lrs,
        losses,
        [float(v) for v in s],
        lrs[best],
        lrs[best] / 10,
        lrs[steep],
        stopped,
    )
