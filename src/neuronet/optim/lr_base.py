"""``LRScheduler``: the base of every learning-rate schedule, with PyTorch's stepping rules.

A scheduler keeps ``last_epoch`` (the index of the last step, -1 before the first) and
``base_lrs`` (each group's ``initial_lr``). Construction performs the first step (``last_epoch``
becomes 0, in "initial" mode); each later ``step()`` adds one to ``last_epoch`` and sets every
group's ``lr`` to ``get_lr()``. ``step(epoch)`` (deprecated in PyTorch, and warned about as
there) sets ``last_epoch = epoch`` and uses the schedule's closed form where it has one.
"""

from __future__ import annotations

import warnings
from typing import Any

from .optimizer import Optimizer

EPOCH_DEPRECATION_WARNING = (
    "The epoch parameter in `scheduler.step()` was not necessary and is being deprecated "
    "where possible. Please use `scheduler.step()` to step the scheduler. During the "
    "deprecation, if epoch is different from None, the closed form is used instead of the "
    "new chainable form, where available."
)


def per_group(name: str, optimizer: Optimizer, value: Any) -> list:
    """``value`` once per parameter group: a list or tuple must have one entry per group."""
    if isinstance(value, (list, tuple)):
        if len(value) != len(optimizer.param_groups):
            raise ValueError(
                f"{name}: expected {len(optimizer.param_groups)} values (one per "
                f"parameter group), got {len(value)}"
            )
        return list(value)
    return [value] * len(optimizer.param_groups)


def check_optimizer(optimizer: Any) -> Optimizer:
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"{type(optimizer).__name__} is not an Optimizer")
    return optimizer


def group_values(optimizer: Optimizer, key: str) -> list:
    """``group[key]`` of every parameter group, in order."""
    return [group[key] for group in optimizer.param_groups]


class LRScheduler:
    """Base class of the learning-rate schedules (PyTorch's ``torch.optim.lr_scheduler``).

    Subclasses implement ``get_lr()``: the learning rate of each group after the step that
    made ``last_epoch`` what it is (``self._is_initial`` is true during the step made by the
    constructor); a schedule with a closed form also defines ``_get_closed_form_lr()``, used
    by ``step(epoch)``. With ``last_epoch=-1`` each group's ``initial_lr`` is set to its
    ``lr`` (if not already there); resuming with ``last_epoch >= 0`` requires ``initial_lr``
    in every group. Step a scheduler after ``optimizer.step()``: the first ``step()`` warns
    when the optimizer has not stepped yet (the schedule's first value would be skipped).
    """

    _get_lr_called_within_step: bool = False
    _is_initial: bool = False

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1) -> None:
        self.optimizer = check_optimizer(optimizer)
        if last_epoch == -1:
            for group in optimizer.param_groups:
                group.setdefault("initial_lr", group["lr"])
        else:
            for i, group in enumerate(optimizer.param_groups):
                if "initial_lr" not in group:
                    raise KeyError(
                        f"param 'initial_lr' is not specified in param_groups[{i}] when "
                        "resuming scheduler with last_epoch >= 0 (load the optimizer's "
                        "state first, or start with last_epoch=-1)"
                    )
        self.base_lrs: list = group_values(optimizer, "initial_lr")
        self.last_epoch = last_epoch
        self._initial_step()

    def _initial_step(self) -> None:
        """Reset the step count and take the constructor's step."""
        self._step_count = 0
        self._is_initial = True
        try:
            self.step()
        finally:
            self._is_initial = False

    def get_lr(self) -> list:
        """The learning rates of the step being taken (call ``get_last_lr()`` to read them)."""
        raise NotImplementedError

    def _warn_if_outside_step(self) -> None:
        if not self._get_lr_called_within_step:
            warnings.warn(
                "To get the last learning rate computed by the scheduler, please use "
                "`get_last_lr()`.",
                UserWarning,
                stacklevel=3,
            )

    def step(self, epoch: int | None = None) -> None:
        """Advance ``last_epoch`` by one (or set it to ``epoch``, deprecated) and set each
        group's ``lr``."""
        if self._step_count == 1 and self.optimizer._step_count == 0:
            warnings.warn(
                "Detected call of `lr_scheduler.step()` before `optimizer.step()`. "
                "Call `optimizer.step()` before `lr_scheduler.step()`, or the first value "
                "of the learning rate schedule is skipped.",
                UserWarning,
                stacklevel=2,
            )
        self._step_count += 1
        if epoch is not None:
            warnings.warn(EPOCH_DEPRECATION_WARNING, UserWarning, stacklevel=2)
        self._update_lr(epoch)

    def _update_lr(self, epoch: int | None = None) -> None:
        if epoch is None:
            self.last_epoch += 1
            self._set_lrs(self._get_lr_in_step())
        else:
            self.last_epoch = epoch
            closed_form = getattr(self, "_get_closed_form_lr", None)
            self._set_lrs(closed_form() if closed_form is not None else self._get_lr_in_step())

    def _get_lr_in_step(self) -> list:
        """``get_lr()`` called as a step calls it (without the warning meant for users)."""
        self._get_lr_called_within_step = True
        try:
            return self.get_lr()
        finally:
            self._get_lr_called_within_step = False

    def _set_lrs(self, values: list) -> None:
        for group, lr in zip(self.optimizer.param_groups, values, strict=True):
            group["lr"] = lr
        self._last_lr = group_values(self.optimizer, "lr")

    def get_last_lr(self) -> list:
        """The learning rates set by the last step (one per parameter group)."""
        return self._last_lr

    def state_dict(self) -> dict[str, Any]:
        """Every attribute of the scheduler except the optimizer."""
        return {k: v for k, v in self.__dict__.items() if k != "optimizer"}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore the attributes saved by ``state_dict()`` (the dict is not modified)."""
        self.__dict__.update(state_dict)


class _LRScheduler(LRScheduler):
    """PyTorch's older name of ``LRScheduler`` (kept for code that subclasses it)."""
