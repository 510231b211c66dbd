"""Callbacks: hooks the Trainer calls at the start and end of epochs and batches."""

from __future__ import annotations

import sys
import time


class Callback:
    """Override any of these; ``trainer`` is the running Trainer."""

    def on_train_begin(self, trainer) -> None: ...

    def on_epoch_begin(self, trainer, epoch: int) -> None: ...

    def on_batch_end(self, trainer, batch: int, loss: float, size: int) -> None: ...

    def on_epoch_end(self, trainer, epoch: int, logs: dict) -> None: ...

    def on_train_end(self, trainer) -> None: ...


class EarlyStopping(Callback):
    """Stop when ``monitor`` has not improved by more than ``min_delta`` for ``patience``
    epochs (``mode='min'`` for losses, ``'max'`` for accuracies)."""

    def __init__(
        self,
        monitor: str = "val_loss",
        patience: int = 5,
        mode: str = "min",
        min_delta: float = 0.0,
    ) -> None:
        if mode not in ("min", "max"):
            raise ValueError(f"EarlyStopping: mode must be 'min' or 'max', got {mode!r}")
        self.monitor, self.patience, self.mode, self.min_delta = monitor, patience, mode, min_delta
        self.best: float | None = None
        self.bad_epochs = 0

    def on_epoch_end(self, trainer, epoch: int, logs: dict) -> None:
        value = logs.get(self.monitor)
        if value is None:
            raise KeyError(f"EarlyStopping: no metric '{self.monitor}' in {sorted(logs)}")
        better = self.best is None or (
            value < self.best - self.min_delta
            if self.mode == "min"
            else value > self.best + self.min_delta
        )
        if better:
            self.best, self.bad_epochs = value, 0
        else:
            self.bad_epochs += 1
            if self.bad_epochs >= self.patience:
                trainer.stop_training = True


class ProgressBar(Callback):
    """A per-batch progress bar with the running loss and throughput (tqdm when installed; off
    when the output is not a terminal, so logs stay readable)."""

    def __init__(self, file=None, enabled: bool = True) -> None:
        self.file = file or sys.stderr
        self.enabled = enabled
        self.bar = None

    def on_epoch_begin(self, trainer, epoch: int) -> None:
        if not self.enabled:
            return
        self.start, self.seen, self.loss_sum = time.perf_counter(), 0, 0.0
        try:
            from tqdm import tqdm  # noqa: PLC0415
        except ImportError:
            self.bar = None
            return
        self.bar = tqdm(
            total=trainer.batches_per_epoch,
            desc=f"epoch {epoch}",
            leave=False,
            file=self.file,
            unit="batch",
            dynamic_ncols=True,
            disable=None,
        )

    def on_batch_end(self, trainer, batch: int, loss: float, size: int) -> None:
        if not self.enabled:
            return
        self.seen += size
        self.loss_sum += loss * size
        if self.bar is not None:
            self.bar.update(1)
            if batch % 20 == 0:
                rate = self.seen / max(time.perf_counter() - self.start, 1e-9)
                self.bar.set_postfix(
                    loss=f"{self.loss_sum / self.seen:.4f}", samples_s=f"{rate:,.0f}"
                )

    def on_epoch_end(self, trainer, epoch: int, logs: dict) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None
