"""From a ``TrainConfig`` to the pieces every task trains with: the device check, the optimizer
and the learning-rate schedule."""

from __future__ import annotations

from collections.abc import Iterable

from .. import optim
from .config import ConfigError, TrainConfig


def check_device(name: str) -> None:
    """A clear error for a device that is not there."""
    from .. import cuda  # noqa: PLC0415
    from ..backend import device  # noqa: PLC0415

    try:
        dev = device(name)
    except ValueError as err:
        raise ConfigError(str(err)) from None
    if dev.type == "cuda" and (dev.index or 0) >= cuda.device_count():
        raise ConfigError(
            f"device: {name!r} is not available (CuPy sees "
            f"{cuda.device_count()} CUDA devices; install neuronet[gpu] on a "
            "machine with an NVIDIA GPU)"
        )


def build_optimizer(cfg: TrainConfig, params: Iterable) -> optim.Optimizer:
    """The configured optimizer (``cfg.optimizer``, ``lr``, ``momentum``, ``weight_decay``)."""
    name = cfg.optimizer
    if name == "sgd":
        return optim.SGD(params, lr=cfg.lr, momentum=cfg.momentum, weight_decay=cfg.weight_decay)
    if name == "rmsprop":
        return optim.RMSprop(params, lr=cfg.lr, weight_decay=cfg.weight_decay)
    if name == "adagrad":
        return optim.Adagrad(params, lr=cfg.lr, weight_decay=cfg.weight_decay)
    cls = optim.AdamW if name == "adamw" else optim.Adam
    return cls(params, lr=cfg.lr, weight_decay=cfg.weight_decay)


def build_scheduler(cfg: TrainConfig, optimizer: optim.Optimizer, steps_per_epoch: int):
    """(scheduler, 'epoch' | 'batch') for the configured schedule; (None, 'epoch') for none."""
    sched = optim.lr_scheduler
    if cfg.scheduler == "plateau":
        return sched.ReduceLROnPlateau(
            optimizer, mode="max", factor=cfg.factor, patience=cfg.patience, threshold=0
        ), "epoch"
    if cfg.scheduler == "inverse-time":
        return sched.InverseTimeLR(optimizer, tau=cfg.tau), "batch"
    if cfg.scheduler == "step":
        return sched.StepLR(optimizer, cfg.step_size, gamma=cfg.factor), "epoch"
    if cfg.scheduler == "cosine":
        return sched.CosineAnnealingLR(optimizer, T_max=cfg.epochs * steps_per_epoch), "batch"
    return None, "epoch"
