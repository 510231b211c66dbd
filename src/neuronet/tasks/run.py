"""From a config to a finished run folder, for any task: the folder, the optimizer, the schedule,
the ``Trainer`` loop and the summary; the task (``get_task(cfg.task)``) does the rest.

A run folder ``<run_dir>/<name>/`` holds config.json, checkpoints/{last,best}.safetensors,
history.csv/json, loss.png/accuracy.png, the task's own files and summary.json (which lists all
of them), and with ``tensorboard`` its TensorBoard event files (by default in ``tensorboard/``).

Started as several MPI ranks, every rank trains its part of each global batch of ``batch_size``
samples and rank 0 alone checks, locks and writes the folder (see ``training.distributed``).
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import re
import shutil
import time
from collections.abc import Collection, Iterator
from pathlib import Path

from ..diagnostics import Diagnostics
from ..nn.parallel import DistributedDataParallel
from ..serialization import atomic_write_text
from ..training import distributed
from ..training.builders import build_optimizer, build_scheduler, check_device
from ..training.callbacks import Callback, ProgressBar
from ..training.config import ConfigError, TrainConfig
from ..training.lock import FolderLock
from ..training.tensorboard_log import TensorBoardLogger
from ..training.trainer import Trainer, TrainingDiverged
from . import get_task
from .base import Report
from .config import load_run_config

#: The settings ``--resume`` may change: they do not change what the checkpoint holds.
RESUMABLE = ("epochs", "lr", "grad_clip", "early_stopping", "device")
#: Settings that say where the run is, not how it trains.
_WHERE = ("run_dir", "name")
#: What a run folder may hold (anything else: the folder is not a run's, and is left alone).
RUN_FILES = frozenset(
    {
        "config.json",
        "checkpoints",
        "history.csv",
        "history.json",
        "loss.png",
        "accuracy.png",
        "summary.json",
        "vocab.txt",
        "alphabet.json",
        "tensorboard",
        "resumes.json",
    }
)
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+-]{0,99}")


def check_name(name: str) -> str:
    """``name`` when it is a run name: 1 to 100 letters, digits, '.', '_', '+' and '-',
    starting with a letter or digit (never a path: no '/', '..', '.')."""
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise ConfigError(
            f"name: expected a run name (letters, digits and . _ + -, starting with a letter "
            f"or digit, at most 100; not a path), got {name!r:.120}"
        )
    return name


def _temp_files(folder: Path) -> Iterator[Path]:
    """The temporary files interrupted atomic writes left in a run folder."""
    for place in (folder, folder / "checkpoints"):
        if place.is_dir():
            yield from (p for p in place.glob(".*.tmp") if p.is_file())


def _foreign(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name not in RUN_FILES)


@contextlib.contextmanager
def open_run(cfg: TrainConfig, prefix: str, resume: bool) -> Iterator[tuple[Path, bool]]:
    """The folder of run ``cfg.name`` (default: ``prefix``, the time and, when another run
    took that name, ``-2``, ``-3``...), locked for this process while the block runs; yields
    (folder, created). Checked: to ``resume`` it must hold a run (its config.json); otherwise
    it must not hold a checkpoint nor files that are not a run's. Temporary files of writes
    that were interrupted are removed. Sets ``cfg.name``."""
    if resume and not cfg.name:
        raise ConfigError("--resume: give the --name of the run to continue")
    run_dir = Path(cfg.run_dir)
    new_run_dir = not run_dir.exists()
    if cfg.name:
        names = [check_name(cfg.name)]
    else:
        base = f"{prefix}-{time.strftime('%Y%m%d-%H%M%S')}"
        names = [base] + [f"{base}-{i}" for i in range(2, 1000)]
    for name in names:
        folder = run_dir / name
        created = False
        if resume:
            if not (folder / "config.json").is_file():
                raise ConfigError(f"--resume: no run to continue in {folder} (no config.json)")
        else:
            try:
                folder.mkdir(parents=True)
                created = True
            except FileExistsError:
                if not cfg.name:
                    continue  # another run has this default name: take the next
                if not folder.is_dir():
                    raise ConfigError(f"name: {folder} exists and is not a folder") from None
        with FolderLock(folder):
            for tmp in _temp_files(folder):
                tmp.unlink()
            if not resume and (folder / "checkpoints" / "last.safetensors").exists():
                raise ConfigError(
                    f"run folder {folder} already holds a run: pass --resume to continue "
                    "it, or --name to start another"
                )
            if not resume and _foreign(folder):
                raise ConfigError(
                    f"name: {folder} exists and holds files that are not a run's "
                    f"({', '.join(_foreign(folder)[:3])}): choose another --name"
                )
            cfg.name = name
            try:
                yield folder, created
            except BaseException as err:
                unfinished = not (folder / "checkpoints" / "last.safetensors").exists()
                if created and unfinished and not isinstance(err, TrainingDiverged):
                    shutil.rmtree(folder, ignore_errors=True)  # a refused run leaves nothing
                    if new_run_dir:
                        with contextlib.suppress(OSError):
                            run_dir.rmdir()  # (only when empty)
                raise
        return
    raise ConfigError(f"name: runs {names[0]} to {names[-1]} all exist in {run_dir}")


def resumed_config(
    cfg: TrainConfig, folder: Path, given: Collection[str] | None
) -> tuple[TrainConfig, dict]:
    """The config to continue the run in ``folder`` with: its config.json, with the settings
    in ``given`` (all of ``cfg``'s when None) taken from ``cfg`` where they differ. Returns
    (config, {setting: [saved, new]}); a ``ConfigError`` for a change ``RESUMABLE`` lacks."""
    saved = load_run_config(folder)
    if saved.task != cfg.task:
        raise ConfigError(
            f"--resume: {folder} is a {saved.task} run; it cannot continue as task {cfg.task}"
        )
    keys = [f.name for f in dataclasses.fields(saved) if f.name not in _WHERE]
    changes = {
        k: [getattr(saved, k), getattr(cfg, k)]
        for k in keys
        if (given is None or k in given) and getattr(cfg, k) != getattr(saved, k)
    }
    fixed = [k for k in changes if k not in RESUMABLE]
    if fixed:
        k = fixed[0]
        raise ConfigError(
            f"--resume: {k} cannot change when a run continues (the run has "
            f"{changes[k][0]!r}, given {changes[k][1]!r}); only {', '.join(RESUMABLE)} can: "
            "start another run with --name for the rest"
        )
    for k, (_, new) in changes.items():
        setattr(saved, k, new)
    saved.run_dir, saved.name = cfg.run_dir, cfg.name
    return saved.validate(), changes


def _silent(line: str) -> None:
    """The report of ranks other than 0: they print nothing."""


class _RecordRun(Callback):
    """Writes config.json (and, when resuming, the change of settings in resumes.json) and
    the task's files once training can begin, so a run that fails before (a bad setting, a
    checkpoint that does not load) leaves its folder as it was."""

    def __init__(
        self, cfg: TrainConfig, folder: Path, changes: dict | None, write_files, main: bool
    ) -> None:
        self.cfg, self.folder, self.changes, self.write_files = cfg, folder, changes, write_files
        self.main = main  # (only rank 0 writes)
        self.task_files: dict[str, str] = {}

    def on_train_begin(self, trainer) -> None:
        done = len(trainer.history)
        if self.changes is not None and self.cfg.epochs <= done:
            raise ConfigError(
                f"epochs: the run has done {done} epochs; give --epochs above {done} to continue it"
            )
        if not self.main:
            return
        self.task_files = self.write_files()
        atomic_write_text(self.folder / "config.json", json.dumps(self.cfg.to_dict(), indent=1))
        if self.changes:
            path = self.folder / "resumes.json"
            resumes = json.loads(path.read_text()) if path.is_file() else []
            resumes.append({"after_epoch": done, "changed": self.changes})
            atomic_write_text(path, json.dumps(resumes, indent=1))


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


def check_compile(device: str, world: int) -> None:
    """A ``ConfigError`` where ``compile=True`` could replay no step: on a GPU (a captured step
    holds NumPy arrays) or as one of several data-parallel processes (their gradients are
    averaged in hooks, which keep every step eager)."""
    if device != "cpu":
        raise ConfigError(
            f"--compile: captured steps run on the CPU (NumPy arrays), not on device "
            f"{device!r}; leave out --compile or use --device cpu"
        )
    if world > 1:
        raise ConfigError(
            f"--compile: a data-parallel step ({world} processes) averages the gradients in "
            "hooks, which a captured step cannot hold; leave out --compile or train in one process"
        )


def train_run(
    cfg: TrainConfig,
    resume: bool = False,
    progress: bool = True,
    report: Report = print,
    tensorboard: str | bool | None = None,
    given: Collection[str] | None = None,
    diagnose: str = "warn",
    strict_diagnostics: bool = False,
    compile: bool = False,
) -> dict:
    """Train (or continue) the run ``cfg`` describes; returns its summary. ``tensorboard``
    (True or '': the run folder's ``tensorboard/``; a path: there; None or False: off) also
    writes each epoch's loss, metrics and learning rate, and the settings, for TensorBoard.

    One process at a time writes a run folder (``FolderLock``). To ``resume``, the run's own
    config.json gives the settings; of ``cfg``, the settings named in ``given`` (all when
    None) that differ from it are changes: ``RESUMABLE`` ones apply from the next epoch on
    and are recorded in resumes.json, any other is a ``ConfigError``. A run stopped before
    its first checkpoint resumes from its first epoch. Whatever fails before training
    begins leaves the folder as it was (a new run's folder is removed).

    ``diagnose`` is the ``Diagnostics`` level ('quiet', 'warn', 'teach'; 'off': none), and
    ``strict_diagnostics`` stops the run on an error-severity finding. ``compile`` trains with
    ``Trainer(compile=True)`` (the same numbers; a line says why steps ran eagerly, if any
    did)."""
    task = get_task(cfg.task)
    cfg.validate()
    rank, world = distributed.start()
    main = rank == 0
    if compile:
        check_compile(cfg.device, world)
    if world > 1:
        distributed.check_batch_split(cfg.batch_size, world)
    if not main:
        report, progress, tensorboard = _silent, False, None
    opened = (
        open_run(cfg, task.name_prefix(cfg), resume)
        if main
        else contextlib.nullcontext((Path(), False))
    )
    with opened as (folder, _):
        changes = None
        if main and resume:
            cfg, changes = resumed_config(cfg, folder, given)
        if world > 1:  # rank 0 has checked and locked the folder: every rank takes its settings
            shared = distributed.rank0_value([str(folder), cfg.to_dict(), changes])
            folder, changes = Path(shared[0]), shared[2]
            cfg = cfg.update(shared[1], "rank 0")
        check_device(cfg.device)
        return _train(
            task,
            cfg,
            folder,
            resume,
            changes,
            progress,
            report,
            tensorboard,
            main,
            diagnose,
            strict_diagnostics,
            compile,
        )


def _train(
    task,
    cfg,
    folder,
    resume,
    changes,
    progress,
    report,
    tensorboard,
    main,
    diagnose: str = "warn",
    strict_diagnostics: bool = False,
    compile: bool = False,
) -> dict:
    rank, world = distributed.start()
    logger = tensorboard_logger(tensorboard, folder, cfg)
    started = time.perf_counter()
    setup = task.prepare(cfg)
    record = _RecordRun(cfg, folder, changes, lambda: task.save_files(setup, folder), main)
    trainable = setup.trainable
    if world > 1:
        setup.train_loader = distributed.ShardedBatches(setup.train_loader, rank, world, True)
        if setup.val_loader is not None:
            setup.val_loader = distributed.ShardedBatches(setup.val_loader, rank, world, False)
        trainable = DistributedDataParallel(trainable)
    optimizer = build_optimizer(cfg, trainable.parameters())
    scheduler, interval = build_scheduler(cfg, optimizer, len(setup.train_loader))
    # Data-parallel runs diagnose on rank 0 without probes: a probe's backward pass on one rank
    # would wait for the others' gradients.
    diagnostics = (
        [
            Diagnostics(
                level=diagnose, strict=strict_diagnostics, probe_size=0 if world > 1 else None
            )
        ]
        if diagnose != "off" and main
        else []
    )
    trainer = Trainer(
        trainable,
        setup.loss_fn,
        optimizer,
        scheduler,
        interval,
        plateau_metric=setup.monitor,
        callbacks=[
            record,
            ProgressBar(enabled=progress),
            *setup.callbacks,
            *([logger] if logger else []),
            *diagnostics,
        ],
        grad_clip=cfg.grad_clip or None,
        run_dir=folder,
        monitor=setup.monitor,
        monitor_mode=setup.monitor_mode,
        epoch_metrics=setup.epoch_metrics,
        device=None if cfg.device == "cpu" else cfg.device,
        compile=compile,
    )
    report(task.headline(cfg, setup, folder))
    report(task.header)
    trainer.fit(
        setup.train_loader,
        setup.val_loader,
        cfg.epochs,
        resume=resume,
        on_epoch=lambda logs: report(task.row(logs)),
        lr=cfg.lr if changes and "lr" in changes else None,
    )
    if trainer.compiled is not None and trainer.compiled.reasons:
        reasons = "; ".join(dict.fromkeys(trainer.compiled.reasons))
        report(f"compile: some training steps ran eagerly ({reasons})")
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
            **record.task_files,
            **({"resumes": "resumes.json"} if (folder / "resumes.json").is_file() else {}),
            **({"diagnostics": "diagnostics.json"} if diagnostics else {}),
            **({"tensorboard": _inside(Path(logger.log_dir), folder)} if logger else {}),
        },
    }
    atomic_write_text(folder / "summary.json", json.dumps(summary, indent=1))
    report(f"run folder: {folder} (summary.json lists every file)")
    return summary
