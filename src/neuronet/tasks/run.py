"""From a config to a finished run folder, for any task: the folder, the optimizer, the schedule,
the ``Trainer`` loop and the summary; the task (``get_task(cfg.task)``) does the rest.

A run folder ``<run_dir>/<name>/`` holds config.json, checkpoints/{last,best}.safetensors,
history.csv/json, loss.png/accuracy.png, the task's own files and summary.json (which lists all
of them), and with ``tensorboard`` its TensorBoard event files (by default in ``tensorboard/``).

Started as several MPI ranks, every rank trains its part of each global batch of ``batch_size``
samples and rank 0 alone prints and writes the folder (see ``training.distributed``).
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from ..nn.parallel import DistributedDataParallel
from ..serialization import atomic_write_text
from ..training import distributed
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


def _silent(line: str) -> None:
    """The report of ranks other than 0: they print nothing."""


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
    rank, world = distributed.start()
    main = rank == 0
    if world > 1:
        distributed.check_batch_split(cfg.batch_size, world)
        cfg.name = distributed.rank0_value(
            cfg.name or f"{task.name_prefix(cfg)}-{time.strftime('%Y%m%d-%H%M%S')}"
        )
    if not main:
        report, progress, tensorboard = _silent, False, None
    folder = run_folder(cfg, task.name_prefix(cfg), resume)
    if world > 1:
        distributed.rank0_value(0)  # (every rank has checked the folder before rank 0 writes)
    logger = tensorboard_logger(tensorboard, folder, cfg)
    if main:
        folder.mkdir(parents=True, exist_ok=True)
        atomic_write_text(folder / "config.json", json.dumps(cfg.to_dict(), indent=1))
    started = time.perf_counter()
    setup = task.prepare(cfg)
    task_files = task.save_files(setup, folder) if main else {}
    trainable = setup.trainable
    if world > 1:
        setup.train_loader = distributed.ShardedBatches(setup.train_loader, rank, world, True)
        if setup.val_loader is not None:
            setup.val_loader = distributed.ShardedBatches(setup.val_loader, rank, world, False)
        trainable = DistributedDataParallel(trainable)
    optimizer = build_optimizer(cfg, trainable.parameters())
    scheduler, interval = build_scheduler(cfg, optimizer, len(setup.train_loader))
    trainer = Trainer(
        trainable,
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
    if not main:
        return {"run": str(folder), "task": cfg.task, "figures": figures}
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
