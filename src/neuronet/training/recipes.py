"""From a ``TrainConfig`` to a finished run folder: data, model, optimizer, scheduler, Trainer.

A run folder ``<run_dir>/<name>/`` holds config.json, checkpoints/{last,best}.safetensors,
history.csv/json, loss.png/accuracy.png and summary.json (which lists all of them).
"""
from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Callable

import numpy as np

from .. import optim
from ..data import DataLoader, TensorDataset
from ..data.datasets import dataset_class
from ..models import MLP
from ..random import manual_seed, numpy_generator
from ..serialization import atomic_write_text
from ..tensor import Tensor
from .callbacks import EarlyStopping, ProgressBar
from .config import ConfigError, TrainConfig
from .metrics import confusion_matrix
from .trainer import Trainer


def check_device(name: str) -> None:
    """A clear error for a device that is not there."""
    from .. import cuda  # noqa: PLC0415
    from ..backend import device  # noqa: PLC0415

    try:
        dev = device(name)
    except ValueError as err:
        raise ConfigError(str(err)) from None
    if dev.type == "cuda" and (dev.index or 0) >= cuda.device_count():
        raise ConfigError(f"device: {name!r} is not available (CuPy sees "
                          f"{cuda.device_count()} CUDA devices; install neuronet[gpu] on a "
                          "machine with an NVIDIA GPU)")


def load_arrays(cfg: TrainConfig, train: bool) -> tuple[np.ndarray, np.ndarray, list]:
    ds = dataset_class(cfg.dataset)(train=train)
    x, y = ds.arrays()
    return x, y, ds.classes


def build_model(cfg: TrainConfig, in_features: int, classes: int):
    return MLP(in_features, tuple(cfg.hidden), classes, cfg.activation, cfg.batch_norm,
               cfg.dropout, cfg.init, cfg.pieces)


def build_optimizer(cfg: TrainConfig, params):
    name = cfg.optimizer
    if name == "sgd":
        return optim.SGD(params, lr=cfg.lr, momentum=cfg.momentum, weight_decay=cfg.weight_decay)
    if name == "rmsprop":
        return optim.RMSprop(params, lr=cfg.lr, weight_decay=cfg.weight_decay)
    if name == "adagrad":
        return optim.Adagrad(params, lr=cfg.lr, weight_decay=cfg.weight_decay)
    cls = optim.AdamW if name == "adamw" else optim.Adam
    return cls(params, lr=cfg.lr, weight_decay=cfg.weight_decay)


def build_scheduler(cfg: TrainConfig, optimizer, steps_per_epoch: int):
    """(scheduler, 'epoch' | 'batch') for the configured schedule."""
    sched = optim.lr_scheduler
    if cfg.scheduler == "plateau":
        return sched.ReduceLROnPlateau(optimizer, mode="max", factor=cfg.factor,
                                       patience=cfg.patience, threshold=0), "epoch"
    if cfg.scheduler == "inverse-time":
        return sched.InverseTimeLR(optimizer, tau=cfg.tau), "batch"
    if cfg.scheduler == "step":
        return sched.StepLR(optimizer, cfg.step_size, gamma=cfg.factor), "epoch"
    if cfg.scheduler == "cosine":
        return sched.CosineAnnealingLR(optimizer, T_max=cfg.epochs * steps_per_epoch), "batch"
    return None, "epoch"


def _loaders(cfg: TrainConfig, x: np.ndarray, y: np.ndarray):
    order = numpy_generator().permutation(len(x))
    val_idx, train_idx = order[:cfg.val_size], order[cfg.val_size:]
    train = TensorDataset(Tensor._make(x[train_idx]), Tensor._make(y[train_idx]))
    train_loader = DataLoader(train, batch_size=cfg.batch_size, shuffle=True)
    val_loader = None
    if cfg.val_size:
        val = TensorDataset(Tensor._make(x[val_idx]), Tensor._make(y[val_idx]))
        val_loader = DataLoader(val, batch_size=1000)
    return train_loader, val_loader


def prepare(cfg: TrainConfig):
    """Seed, data, model, optimizer, scheduler and Trainer for ``cfg`` (deterministic)."""
    from ..nn.functional import cross_entropy  # noqa: PLC0415

    manual_seed(cfg.seed)
    x, y, classes = load_arrays(cfg, train=True)
    if cfg.val_size >= len(x):
        raise ConfigError(f"val_size: expected fewer than {len(x)} samples, got {cfg.val_size}")
    train_loader, val_loader = _loaders(cfg, x, y)
    model = build_model(cfg, x.shape[1], len(classes)).to(cfg.device)
    optimizer = build_optimizer(cfg, model.parameters())
    scheduler, interval = build_scheduler(cfg, optimizer, len(train_loader))
    return model, optimizer, scheduler, interval, train_loader, val_loader, classes, cross_entropy


def train_run(cfg: TrainConfig, resume: bool = False, progress: bool = True,
              report: Callable[[str], None] = print) -> dict:
    """Train (or continue) the run ``cfg`` describes; returns its summary."""
    cfg.validate()
    check_device(cfg.device)
    prefix = cfg.dataset if cfg.task == "classify" else cfg.task
    name = cfg.name or f"{prefix}-{time.strftime('%Y%m%d-%H%M%S')}"
    folder = Path(cfg.run_dir) / name
    if resume and not (folder / "checkpoints" / "last.safetensors").is_file():
        raise ConfigError(f"--resume: no checkpoint to continue in {folder}/checkpoints")
    if not resume and (folder / "checkpoints").exists():
        raise ConfigError(f"run folder {folder} already holds a run: pass --resume to continue "
                          "it, or --name to start another")
    cfg.name = name
    folder.mkdir(parents=True, exist_ok=True)
    atomic_write_text(folder / "config.json", json.dumps(cfg.to_dict(), indent=1))
    started = time.perf_counter()
    if cfg.task == "classify":
        figures = _train_classifier(cfg, folder, resume, progress, report)
    else:
        from .ner import train_ner  # noqa: PLC0415

        figures = train_ner(cfg, folder, resume, progress, report)
    history = json.loads((folder / "history.json").read_text())
    summary = {
        "run": str(folder), "task": cfg.task, "figures": figures, "epochs": len(history),
        "train_seconds": round(time.perf_counter() - started, 1),
        "files": {"config": "config.json", "last_checkpoint": "checkpoints/last.safetensors",
                  "best_checkpoint": "checkpoints/best.safetensors",
                  "history": ["history.csv", "history.json"],
                  "plots": [p.name for p in sorted(folder.glob("*.png"))],
                  "summary": "summary.json"},
    }
    if cfg.task != "classify":
        summary["files"]["vocabulary"] = "vocab.txt"
    atomic_write_text(folder / "summary.json", json.dumps(summary, indent=1))
    report(f"run folder: {folder} (summary.json lists every file)")
    return summary


def _train_classifier(cfg: TrainConfig, folder: Path, resume: bool, progress: bool,
                      report: Callable[[str], None]) -> dict:
    model, optimizer, scheduler, interval, train_loader, val_loader, classes, loss_fn = prepare(cfg)
    callbacks = [ProgressBar(enabled=progress)]
    if cfg.early_stopping:
        callbacks.append(EarlyStopping("val_accuracy", cfg.early_stopping, "max"))
    trainer = Trainer(model, loss_fn, optimizer, scheduler, interval, callbacks=callbacks,
                      grad_clip=cfg.grad_clip or None, run_dir=folder,
                      device=None if cfg.device == "cpu" else cfg.device)
    report(f"training {cfg.dataset} -> {folder}  ({sum(p.numel() for p in model.parameters()):,} "
           f"parameters)")
    report(f"{'epoch':>5} {'loss':>8} {'acc':>7} {'val_loss':>9} {'val_acc':>8} {'lr':>9} "
           f"{'time':>6}")

    def row(logs):
        report(f"{logs['epoch']:>5} {logs['loss']:>8.4f} {logs.get('accuracy', float('nan')):>7.4f} "
               f"{logs.get('val_loss', float('nan')):>9.4f} "
               f"{logs.get('val_accuracy', float('nan')):>8.4f} {logs['lr']:>9.2e} "
               f"{logs['seconds']:>5.1f}s")
    trainer.fit(train_loader, val_loader, cfg.epochs, resume=resume, on_epoch=row)
    test = evaluate_model(cfg, model, loss_fn)
    report(f"test: loss {test['loss']:.4f}  accuracy {test['accuracy']:.4f}")
    return {"test_loss": test["loss"], "test_accuracy": test["accuracy"],
            "best_val_accuracy": trainer.best}


def evaluate_model(cfg: TrainConfig, model, loss_fn, with_confusion: bool = False) -> dict:
    x, y, classes = load_arrays(cfg, train=False)
    loader = DataLoader(TensorDataset(Tensor._make(x), Tensor._make(y)), batch_size=1000)
    trainer = Trainer(model, loss_fn, optimizer=None,
                      device=None if cfg.device == "cpu" else cfg.device)
    result = trainer.evaluate(loader)
    if with_confusion:
        predicted = trainer.predict(loader).argmax(axis=1)
        result["confusion"] = confusion_matrix(predicted, y, len(classes))
        result["classes"] = classes
    return result


def load_run(run: str | Path, which: str = "best"):
    """(config, model) of a finished run, with the weights of its ``best`` (or ``last``)
    checkpoint."""
    from .checkpoint import load_checkpoint  # noqa: PLC0415

    folder = Path(run)
    if not (folder / "config.json").is_file():
        raise ConfigError(f"{folder}: not a run folder (no config.json)")
    cfg = TrainConfig.from_dict(json.loads((folder / "config.json").read_text()),
                                str(folder / "config.json"))
    path = folder / "checkpoints" / f"{which}.safetensors"
    if not path.is_file():
        path = folder / "checkpoints" / "last.safetensors"
    classes = dataset_class(cfg.dataset).classes
    model = build_model(cfg, 784, len(classes))
    load_checkpoint(path, model, restore_rng=False)
    model.eval()
    return cfg, model
