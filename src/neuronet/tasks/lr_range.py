"""``neuronet lr-find``: the learning-rate range test on the model and data ``neuronet train``
would use with the same settings (see ``neuronet.diagnostics.lr_find``)."""

from __future__ import annotations

from pathlib import Path

from ..diagnostics import lr_find
from ..diagnostics.plots import lr_find_figure
from ..training.builders import build_optimizer, check_device
from ..training.config import ConfigError, TrainConfig
from . import get_task
from .base import Report


def lr_find_run(
    cfg: TrainConfig, plot: str | Path | None, report: Report = print, num_iter: int = 100
) -> dict:
    """Prepare the task of ``cfg`` as training would, run the range test on a copy of the
    model with the configured optimizer, ``report`` the curve, the suggested rate and the
    findings for ``cfg.lr``, and write the plot to ``plot`` (None: no plot). Returns the
    result as a dict."""
    if num_iter < 2:
        raise ConfigError(f"--steps: expected at least 2 steps, got {num_iter}")
    task = get_task(cfg.task)
    cfg.validate()
    check_device(cfg.device)
    setup = task.prepare(cfg)
    optimizer = build_optimizer(cfg, setup.trainable.parameters())
    result = lr_find(
        setup.trainable,
        setup.train_loader,
        setup.loss_fn,
        optimizer,
        num_iter=num_iter,
        device=None if cfg.device == "cpu" else cfg.device,
    )
    report(f"learning-rate range test: {cfg.task}, {cfg.optimizer}, {len(result.lrs)} steps")
    report(f"{'lr':>10} {'loss':>9} {'smoothed':>9}")
    stride = max(1, len(result.smoothed) // 12)
    for i in range(0, len(result.smoothed), stride):
        report(f"{result.lrs[i]:>10.2e} {result.losses[i]:>9.4f} {result.smoothed[i]:>9.4f}")
    report(
        f"loss minimum at lr {result.lr_min:.2e}; steepest descent at {result.steepest:.2e}; "
        f"suggested lr: {result.suggestion:.2e}"
    )
    findings = result.findings(cfg.lr)
    for f in findings:
        report(f"{f.severity} [{f.code}] --lr {cfg.lr:g}: {f.message}")
    if not findings:
        report(f"--lr {cfg.lr:g} is within the range the test supports")
    if plot is not None:
        written = lr_find_figure(result, Path(plot))
        if written is not None:
            report(f"plot: {written}")
    return {**result.to_dict(), "findings": [f.to_dict() for f in findings]}
