"""The training loop, top to bottom: data -> model -> loss -> backward -> optimizer -> scheduler.

``Trainer.fit`` runs mini-batch epochs with validation, steps the scheduler per batch or per
epoch (``ReduceLROnPlateau`` on a validation metric), clips gradients, calls callbacks, and
after every epoch writes the history and an atomic ``last`` checkpoint (and ``best`` when the
monitored metric improves). ``fit(resume=True)`` continues from ``last`` so that the result is
bit-identical to a run that was never interrupted. ``Trainer(compile=True)`` runs each batch's
forward pass, loss and backward pass through ``neuronet.compile`` (``forward_backward``): the
numbers are the eager ones, bit for bit. As one of several MPI ranks (a model
wrapped in ``DistributedDataParallel``, see ``training.distributed``), the epoch's sums are
added over the ranks and only rank 0 writes.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np

from ..autograd.grad_mode import no_grad
from ..capture import CompiledStep
from ..nn.utils import clip_grad_norm_
from ..optim.lr_scheduler import ReduceLROnPlateau
from ..serialization import CheckpointError
from .callbacks import Callback
from .checkpoint import load_checkpoint, save_checkpoint
from .distributed import is_main_process, reduce_sums, unwrapped
from .history import plot_history, write_history
from .metrics import RunningMean


class TrainingDiverged(RuntimeError):
    """The loss became NaN or infinite; the last good checkpoint is kept."""


def _over_ranks(loss_mean: RunningMean, correct: int, seen: int) -> tuple[float, float]:
    """The mean loss and the accuracy over every rank's batches (this process's alone outside
    a group of several)."""
    total, count, right, n = reduce_sums([loss_mean.total, loss_mean.count, correct, seen])
    return (total / count if count else float("nan")), right / max(n, 1)


def forward_backward(model, loss_fn: Callable, x, y) -> tuple:
    """The part of the Trainer's step that ``compile=True`` captures: ``out = model(x)``,
    ``loss = loss_fn(out, y)``, then ``loss.backward()`` when the loss is finite (a diverged
    loss leaves the gradients as they were). Returns ``(loss, out)``.

    The finiteness test is a branch on a tensor: a replay computes it again and, where it goes
    the other way, runs the step eagerly. What a step reads into Python (the loss as a number,
    the gradient norm of clipping) and what it does after (``optimizer.step()``, a scheduler,
    the callbacks) stay outside, in the Trainer's loop."""
    out = model(x)
    loss = loss_fn(out, y)
    if loss.isfinite():
        loss.backward()
    return loss, out


class Trainer:
    """Mini-batch training with validation, schedules, checkpoints and callbacks (see the
    module). Each batch: ``optimizer.zero_grad()``, ``forward_backward`` (the forward pass, the
    loss and its backward pass), the loss read as a number (a NaN or infinite one raises
    ``TrainingDiverged`` before any update), gradient clipping to ``grad_clip`` (the total
    norm), ``optimizer.step()``, the scheduler when it steps per batch, the callbacks'
    ``on_batch_end``.

    ``compile=True`` (default False) runs ``forward_backward`` through ``neuronet.compile``
    (``CompiledStep``, kept as ``compiled``): a batch with the shapes, dtypes and modes of an
    earlier one replays its recording, and any other (the smaller last batch of an epoch, the
    first of each shape, anything the recording's guards reject or cannot hold: hooks, CuPy
    arrays, a value read into Python) runs eagerly. The parameters, the optimizer state, the
    losses and the metrics are bitwise those of ``compile=False``; ``compiled.reasons`` says
    why steps ran eagerly where they did.
    """

    def __init__(
        self,
        model,
        loss_fn: Callable,
        optimizer,
        scheduler=None,
        scheduler_interval: str = "epoch",
        plateau_metric: str = "val_accuracy",
        callbacks: Iterable[Callback] = (),
        grad_clip: float | None = None,
        run_dir: str | Path | None = None,
        monitor: str = "val_accuracy",
        monitor_mode: str = "max",
        epoch_metrics: Callable[[], dict] | None = None,
        device=None,
        compile: bool = False,
    ) -> None:
        if scheduler_interval not in ("epoch", "batch"):
            raise ValueError(
                f"scheduler_interval: expected 'epoch' or 'batch', got {scheduler_interval!r}"
            )
        self.model, self.loss_fn, self.optimizer = model, loss_fn, optimizer
        self.scheduler, self.scheduler_interval = scheduler, scheduler_interval
        self.plateau_metric, self.grad_clip = plateau_metric, grad_clip
        self.callbacks = list(callbacks)
        self.run_dir = Path(run_dir) if run_dir is not None else None
        self.monitor, self.monitor_mode = monitor, monitor_mode
        self.epoch_metrics = epoch_metrics  # extra validation metrics after each epoch
        self.device = device  # batches are moved here (the model should already be there)
        self.history: list[dict] = []
        self.best: float | None = None
        self.stop_training = False
        self.batches_per_epoch = 0
        if not isinstance(compile, bool):
            raise TypeError(f"compile: expected True or False, got {compile!r}")
        # (model and loss_fn are arguments, not globals: another model is another recording)
        self.compiled = CompiledStep(forward_backward) if compile else None

    # ----------------------------------------------------------------- checkpoints
    @property
    def checkpoint_dir(self) -> Path | None:
        return self.run_dir / "checkpoints" if self.run_dir else None

    def _save(self, name: str, epoch: int) -> None:
        if self.checkpoint_dir is None or not is_main_process():
            return
        save_checkpoint(
            self.checkpoint_dir / f"{name}.safetensors",
            unwrapped(self.model),
            self.optimizer,
            self.scheduler,
            {"epoch": epoch, "history": self.history, "best": self.best},
        )

    def _kept(self) -> str:
        """What a diverged run keeps, in words."""
        if self.checkpoint_dir is None:
            return "nothing was saved (no run_dir)"
        if not (self.checkpoint_dir / "last.safetensors").is_file():
            return f"no checkpoint was written yet in {self.checkpoint_dir}"
        done = len(self.history)
        return f"the last good checkpoint (epoch {done}) is kept in {self.checkpoint_dir}"

    def _resume(self) -> int:
        path = self.checkpoint_dir / "last.safetensors" if self.checkpoint_dir else None
        if path is None or not path.is_file():
            return 1
        extra = load_checkpoint(path, unwrapped(self.model), self.optimizer, self.scheduler)
        epoch, history, best = (extra.get(k) for k in ("epoch", "history", "best"))
        if not isinstance(epoch, int) or isinstance(epoch, bool) or epoch < 0:
            raise CheckpointError(f"{path}: the checkpoint's epoch is {epoch!r}, not a count")
        if not isinstance(history, list) or not all(isinstance(h, dict) for h in history):
            raise CheckpointError(f"{path}: the checkpoint's history is not a list of epochs")
        if best is not None and not (isinstance(best, (int, float)) and not isinstance(best, bool)):
            raise CheckpointError(f"{path}: the checkpoint's best value is {best!r:.60}")
        self.history, self.best = history, best
        return epoch + 1

    def _set_lr(self, lr: float) -> None:
        for group in self.optimizer.param_groups:
            group["lr"] = lr
            if "initial_lr" in group:
                group["initial_lr"] = lr
        for name in ("base_lrs", "_last_lr"):
            if isinstance(getattr(self.scheduler, name, None), list):
                setattr(self.scheduler, name, [lr] * len(self.optimizer.param_groups))

    # ----------------------------------------------------------------- loops
    def _train_epoch(self, loader, epoch: int) -> dict:
        self.model.train()
        loss_mean, correct, seen, classifies = RunningMean(), 0, 0, False
        step = forward_backward if self.compiled is None else self.compiled
        for batch, (x, y) in enumerate(loader):
            x, y = self._place(x), self._place(y)
            self.optimizer.zero_grad()
            loss, out = step(self.model, self.loss_fn, x, y)
            value = loss.item()
            if not math.isfinite(value):
                raise TrainingDiverged(
                    f"the loss became {value} at epoch {epoch}, batch {batch}: training stopped "
                    f"(lower the learning rate?); {self._kept()}"
                )
            if self.grad_clip:
                clip_grad_norm_(self.model.parameters(), self.grad_clip)
            self.optimizer.step()
            if self.scheduler is not None and self.scheduler_interval == "batch":
                self.scheduler.step()
            n = y.shape[0]
            loss_mean.update(value, n)
            classifies = out.ndim == 2 and y.dtype.kind in "iu"
            if classifies:
                correct += int((out._data.argmax(axis=1) == y._data).sum())
            seen += n
            for cb in self.callbacks:
                cb.on_batch_end(self, batch, value, n)
        loss, accuracy = _over_ranks(loss_mean, correct, seen)
        logs = {"loss": loss}
        if classifies:
            logs["accuracy"] = accuracy
        return logs

    @no_grad()
    def evaluate(self, loader) -> dict:
        """Mean loss and accuracy of the model in eval mode over ``loader``."""
        self.model.eval()
        loss_mean, correct, seen = RunningMean(), 0, 0
        for x, y in loader:
            x, y = self._place(x), self._place(y)
            out = self.model(x)
            loss_mean.update(self.loss_fn(out, y).item(), y.shape[0])
            if out.ndim == 2:
                correct += int((out._data.argmax(axis=1) == y._data).sum())
            seen += y.shape[0]
        loss, accuracy = _over_ranks(loss_mean, correct, seen)
        return {"loss": loss, "accuracy": accuracy}

    def _place(self, t):
        return t if self.device is None else t.to(self.device)

    @no_grad()
    def predict(self, loader) -> np.ndarray:
        """The model's outputs over ``loader`` (eval mode), concatenated on the host."""
        self.model.eval()
        outs = [
            self.model(self._place(batch[0] if isinstance(batch, (tuple, list)) else batch))
            for batch in loader
        ]
        return np.concatenate([o.cpu()._data for o in outs])

    def _better(self, value: float) -> bool:
        if self.best is None:
            return True
        return value > self.best if self.monitor_mode == "max" else value < self.best

    def fit(
        self,
        train_loader,
        val_loader=None,
        epochs: int = 1,
        resume: bool = False,
        on_epoch: Callable[[dict], None] | None = None,
        lr: float | None = None,
    ) -> list[dict]:
        """Train for ``epochs`` epochs (counting any already done when resuming). ``lr``,
        when given with ``resume``, replaces the checkpoint's learning rate from the next step
        on: in every parameter group and as the base of the schedule."""
        start = self._resume() if resume else 1
        if resume and lr is not None:
            self._set_lr(lr)
        self.batches_per_epoch = len(train_loader)
        self.train_loader, self.val_loader = train_loader, val_loader  # (for callbacks)
        self.stop_training = False
        for cb in self.callbacks:
            cb.on_train_begin(self)
        for epoch in range(start, epochs + 1):
            for cb in self.callbacks:
                cb.on_epoch_begin(self, epoch)
            began = time.perf_counter()
            logs = {"epoch": epoch, **self._train_epoch(train_loader, epoch)}
            if val_loader is not None:
                logs.update({f"val_{k}": v for k, v in self.evaluate(val_loader).items()})
            if self.epoch_metrics is not None:
                logs.update(self.epoch_metrics())
            logs["lr"] = self.optimizer.param_groups[0]["lr"]
            logs["seconds"] = round(time.perf_counter() - began, 3)
            if self.scheduler is not None and self.scheduler_interval == "epoch":
                if isinstance(self.scheduler, ReduceLROnPlateau):
                    if self.plateau_metric not in logs:
                        raise KeyError(
                            f"plateau_metric '{self.plateau_metric}' is not among "
                            f"the epoch's metrics {sorted(logs)}"
                        )
                    self.scheduler.step(logs[self.plateau_metric])
                else:
                    self.scheduler.step()
            self.history.append(logs)
            improved = self.monitor in logs and self._better(logs[self.monitor])
            if improved:
                self.best = logs[self.monitor]
            for cb in self.callbacks:
                cb.on_epoch_end(self, epoch, logs)
            if self.run_dir is not None and is_main_process():
                self._save("last", epoch)
                if improved:
                    self._save("best", epoch)
                write_history(self.history, self.run_dir)
            if on_epoch:
                on_epoch(logs)
            if self.stop_training:
                break
        if self.run_dir is not None and is_main_process():
            plot_history(self.history, self.run_dir)
        for cb in self.callbacks:
            cb.on_train_end(self)
        return self.history
