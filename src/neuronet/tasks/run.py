"""From a config to a finished run folder, for any task: the folder, the optimizer, the schedule,
the ``Trainer`` loop and the summary; the task (``get_task(cfg.task)``) does the rest.

A run folder ``<run_dir>/<name>/`` holds config.json, checkpoints/{last,best}.safetensors,
history.csv/json, loss.png/accuracy.png, the task's own files and summary.json (which lists all
of them), and with ``tensorboard`` its TensorBoard event files (by default in ``tensorboard/``).
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from ..serialization import atomic_write_text
from ..training.builders import build_optimizer, build_scheduler, check_device
from ..training.callbacks import ProgressBar
from ..training.config import ConfigError, TrainConfig
from ..training.tensorboard_log import TensorBoardLogger
from ..training.trainer import Trainer
from . import get_task
from .base import Report


def run_folder(cfg: TrainConfig, prefix: str, resume: bool) -> Path:
    """The folder of run ``cfg.name`` (default: ``prefix`` and the time), checked: it must
    hold a run to ``resume`` and must not hold one otherwise. Sets ``cfg.name``."""
    name = cfg.name or f"{prefix}-{time.strftime('%Y%m%d-%H%M%S')}"
    folder = Path(cfg.run_dir) / name
    if resume and not (folder / "checkpoints" / "last.safetensors").is_file():
        raise ConfigError(f"--resume: no checkpoint to continue in {folder}/checkpoints")
    if not resume and (folder / "checkpoints").exists():
        raise ConfigError(
            f"run folder {folder} already holds a run: pass --resume to continue "
            "it, or --name to start another"
        )
    cfg.name = name
    return folder


def tensorboard_logger(tensorboard: str | bool | None, folder: Path, cfg: TrainConfig):
    """The callback that writes the run to TensorBoard, or None when ``tensorboard`` is None
    or False: into ``folder/tensorboard`` for True or '', else into the folder it names. A
    ``ConfigError`` naming the extra when the tensorboard package is missing."""
    if tensorboard is None or tensorboard is False:
        return None
    log_dir = folder / "tensorboard" if tensorboard in (True, "") else Path(str(tensorboard))
    try:
        return TensorBoardLogger(log_dir, hparams=cfg.to_dict())
    except ImportError as err:
        raise ConfigError(f"--tensorboard: {err}") from None


def _inside(path: Path, folder: Path) -> str:
    """``path`` relative to ``folder`` when it lies there, else as it is."""
    return str(path.relative_to(folder)) if path.is_relative_to(folder) else str(path)


def train_run(
    cfg: TrainConfig,
    resume: bool = False,
    progress: bool = True,
    report: Report = print,
    tensorboard: str | bool | None = None,
) -> dict:
    """Train (or continue) the run ``cfg`` describes; returns its summary. ``tensorboard``
    (True or '': the run folder's ``tensorboard/``; a path: there; None or False: off) also
    writes each epoch's loss, metrics and learning rate, and the settings, for TensorBoard."""
    task = get_task(cfg.task)
    cfg.validate()
    check_device(cfg.device)
    folder = run_folder(cfg, task.name_prefix(cfg), resume)
    logger = tensorboard_logger(tensorboard, folder, cfg)
    folder.mkdir(parents=True, exist_ok=True)
    atomic_write_text(folder / "config.json", json.dumps(cfg.to_dict(), indent=1))
    started = time.perf_counter()
    setup = task.prepare(cfg)
    task_files = task.save_files(setup, folder)
    optimizer = build_optimizer(cfg, setup.trainable.parameters())
    scheduler, interval = build_scheduler(cfg, optimizer, len(setup.train_loader))
    trainer = Trainer(
        setup.trainable,
        setup.loss_fn,
        optimizer,
        scheduler,
        interval,
        plateau_metric=setup.monitor,
        callbacks=[ProgressBar(enabled=progress), *setup.callbacks, *([logger] if logger else [])],
        grad_clip=cfg.grad_clip or None,
        run_dir=folder,
        monitor=setup.monitor,
        epoch_metrics=setup.epoch_metrics,
        device=None if cfg.device == "cpu" else cfg.device,
    )
    report(task.headline(cfg, setup, folder))
    report(task.header)
    trainer.fit(
        setup.train_loader,
        setup.val_loader,
        cfg.epochs,
        resume=resume,
        on_epoch=lambda logs: report(task.row(logs)),
    )
    figures = task.finish(cfg, setup, trainer, folder, report)
    history = json.loads((folder / "history.json").read_text())
    summary = {
        "run": str(folder),
        "task": cfg.task,
        "figures": figures,
        "epochs": len(history),
        "train_seconds": round(time.perf_counter() - started, 1),
        "files": {
            "config": "config.json",
            "last_checkpoint": "checkpoints/last.safetensors",
            "best_checkpoint": "checkpoints/best.safetensors",
            "history": ["history.csv", "history.json"],
            "plots": [p.name for p in sorted(folder.glob("*.png"))],
            "summary": "summary.json",
            **task_files,
            **({"tensorboard": _inside(Path(logger.log_dir), folder)} if logger else {}),
        },
    }
    atomic_write_text(folder / "summary.json", json.dumps(summary, indent=1))
    report(f"run folder: {folder} (summary.json lists every file)")
    return summary
