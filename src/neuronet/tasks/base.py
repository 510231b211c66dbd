"""What a task is: the part of a run that differs from one kind of model and data to another.

The run driver (``neuronet.tasks.run``) does what every task shares — the run folder, the
optimizer, the schedule, the ``Trainer`` loop, ``summary.json`` — and asks the task for the rest
through the hooks of ``Task``.
"""

from __future__ import annotations

import copy
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Generic, TypeVar

from ..nn import Module
from ..tensor import Tensor
from ..training.callbacks import Callback
from ..training.config import ConfigError, TrainConfig
from ..training.trainer import Trainer

Report = Callable[[str], None]
ConfigT = TypeVar("ConfigT", bound=TrainConfig)


@dataclass
class Setup:
    """What a task prepares for training, ready for the driver's ``Trainer``."""

    #: The network that is evaluated and used to predict (on ``cfg.device``).
    model: Module
    train_loader: Any
    loss_fn: Callable
    val_loader: Any = None
    #: What the Trainer trains and checkpoints when it wraps ``model`` (None: ``model`` itself).
    wrapper: Module | None = None
    #: The validation metric that picks the best checkpoint and drives the plateau schedule.
    monitor: str = "val_accuracy"
    #: Whether the best ``monitor`` value is the largest ('max') or the smallest ('min').
    monitor_mode: str = "max"
    #: Extra validation metrics computed after each epoch (``Trainer(epoch_metrics=...)``).
    epoch_metrics: Callable[[], dict] | None = None
    #: Callbacks of this task, run after the progress bar.
    callbacks: list[Callback] = field(default_factory=list)
    #: The task's own data (for example a vocabulary), for its other hooks.
    data: Any = None

    @property
    def trainable(self) -> Module:
        """What the Trainer trains and checkpoints."""
        return self.model if self.wrapper is None else self.wrapper


class Task(ABC, Generic[ConfigT]):
    """One kind of training run, with settings of type ``ConfigT``. A subclass names itself,
    gives its config class and defaults, and implements the hooks; one instance of it goes into
    ``neuronet.tasks.TASKS``."""

    #: The name of ``--task`` and of the ``task`` setting.
    name: ClassVar[str]
    #: ``TrainConfig`` or a subclass holding this task's own settings and data sets.
    config_class: type[ConfigT]
    #: Settings whose defaults differ from those of ``config_class``.
    defaults: ClassVar[Mapping[str, Any]] = {}
    #: The column names of the per-epoch table (``row`` gives its rows).
    header: ClassVar[str]

    def config(self, values: Mapping[str, Any] | None = None) -> ConfigT:
        """This task's default settings (``values``, the settings about to be given, may pick
        among a task's recipes; the base ignores them)."""
        return self.config_class(task=self.name, **copy.deepcopy(dict(self.defaults)))

    def name_prefix(self, cfg: ConfigT) -> str:
        """The start of a run folder's default name (the time follows)."""
        return cfg.task

    @abstractmethod
    def prepare(self, cfg: ConfigT) -> Setup:
        """Seed the generators with ``cfg.seed``, then read the data and build the model (on
        ``cfg.device``), the loaders and the loss, deterministically."""

    def save_files(self, setup: Setup, folder: Path) -> dict[str, str]:
        """Write the files this task's run folder needs besides the common ones; return them
        as summary.json's ``files`` entries (name -> file). None by default."""
        return {}

    @abstractmethod
    def headline(self, cfg: ConfigT, setup: Setup, folder: Path) -> str:
        """The line printed before training: what is trained, where to, and how big."""

    @abstractmethod
    def row(self, logs: dict) -> str:
        """One row of the per-epoch table, from the Trainer's epoch ``logs``."""

    @abstractmethod
    def finish(
        self, cfg: ConfigT, setup: Setup, trainer: Trainer, folder: Path, report: Report
    ) -> dict:
        """After the last epoch: score the model, ``report`` the scores and return them as
        summary.json's ``figures``."""

    @abstractmethod
    def evaluate(self, cfg: ConfigT, folder: Path, checkpoint: str, report: Report) -> None:
        """``neuronet evaluate``: ``report`` the scores of the run in ``folder`` with its
        ``checkpoint`` ('best' or 'last')."""

    @abstractmethod
    def predict(
        self, cfg: ConfigT, folder: Path, file: str | None, text: str | None, report: Report
    ) -> None:
        """``neuronet predict``: ``report`` one line per prediction of the run in ``folder``
        for the inputs in ``file`` or ``text`` (a ``ConfigError`` when the task's input is
        missing)."""

    def exportable(self, cfg: ConfigT, folder: Path) -> tuple[Module, Tensor]:
        """``neuronet export``: the model of the run in ``folder`` with its best weights, in
        eval mode, and an input of batch size 1 to trace it with (a ``ConfigError`` for a
        task whose models cannot be exported)."""
        raise ConfigError(f"export: runs of the task {self.name} cannot be exported")
