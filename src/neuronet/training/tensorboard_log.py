"""``TensorBoardLogger``: a callback that writes a run's epochs to TensorBoard event files.

It writes through ``neuronet.utils.tensorboard.SummaryWriter`` (the ``tensorboard`` extra).
Each epoch's logs become scalars at step ``epoch``: ``<name>/train`` for a training value,
``<name>/validation`` for a ``val_<name>`` one, and ``lr``; the epoch number and its seconds
are not written. At the end of training the hyperparameters and the last epoch's values go to
TensorBoard's HParams tab, in the run ``<log_dir>/hparams``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import Any

from .callbacks import Callback

#: Epoch log entries that are bookkeeping, not measurements.
_NOT_SCALARS = ("epoch", "seconds")


def scalar_tag(key: str) -> str | None:
    """The TensorBoard tag of the epoch log entry ``key`` (None: not written): ``lr`` stays
    ``lr``, ``val_<name>`` becomes ``<name>/validation`` and ``<name>`` ``<name>/train``."""
    if key in _NOT_SCALARS:
        return None
    if key == "lr":
        return key
    if key.startswith("val_"):
        return f"{key[4:]}/validation"
    return f"{key}/train"


def _hparam(value: Any) -> bool | int | float | str:
    """A setting as TensorBoard takes it: numbers, strings and bools as they are, anything
    else (a list of layer sizes) as its JSON text."""
    if isinstance(value, (bool, int, float, str)):
        return value
    return json.dumps(value)


class TensorBoardLogger(Callback):
    """Write each epoch's loss, metrics and learning rate to ``log_dir`` and, at the end,
    ``hparams`` with the last epoch's values (see the module docstring for the tags).

    Making one checks that the ``tensorboard`` package is there (``ImportError`` naming the
    extra otherwise); the event file is opened when training begins. When a run resumes after
    epoch ``k``, events of an earlier attempt from step ``k + 1`` on are marked as discarded.
    """

    def __init__(self, log_dir: str | os.PathLike, hparams: Mapping[str, Any] | None = None):
        from ..utils.tensorboard import SummaryWriter  # noqa: PLC0415 - the optional extra

        self._writer_class = SummaryWriter
        self.log_dir = os.fspath(log_dir)
        self.hparams = {key: _hparam(value) for key, value in (hparams or {}).items()}
        self.writer: SummaryWriter | None = None

    def on_train_begin(self, trainer) -> None:
        done = len(trainer.history)
        self.writer = self._writer_class(self.log_dir, purge_step=done + 1 if done else None)

    def on_epoch_end(self, trainer, epoch: int, logs: dict) -> None:
        assert self.writer is not None, "on_train_begin opens the writer"
        for key, value in logs.items():
            tag = scalar_tag(key)
            if tag is not None:
                self.writer.add_scalar(tag, value, epoch)
        self.writer.flush()

    def on_train_end(self, trainer) -> None:
        assert self.writer is not None, "on_train_begin opens the writer"
        if trainer.history:
            last = trainer.history[-1]
            metrics = {
                tag: value for key, value in last.items() if (tag := scalar_tag(key)) is not None
            }
            self.writer.add_hparams(
                self.hparams, metrics, run_name="hparams", global_step=last["epoch"]
            )
        self.writer.close()
