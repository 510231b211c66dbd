"""Learning-rate schedules with PyTorch's exact update rules (``torch.optim.lr_scheduler``).

The notes' recipes:

    fixed rate:              no scheduler (or ``LambdaLR(opt, lambda t: 1.0)``)
    alpha0 * tau / max(t, tau) annealing:  ``InverseTimeLR(opt, tau)``
    halve when validation stops improving:
                             ``ReduceLROnPlateau(opt, mode='max', factor=0.5, patience=0)``
                             stepped with the validation score after each epoch
    AdaGrad:                 ``neuronet.optim.Adagrad`` (adapts each parameter's rate itself)

Step a scheduler after ``optimizer.step()``; like PyTorch, the first ``scheduler.step()``
warns if the optimizer has not stepped yet (the first value of the schedule would be skipped).

The schedules that PyTorch computes recursively (from each group's current ``lr``) are
computed the same way here, so they compose: two schedulers on one optimizer multiply their
effects, and the numbers are PyTorch's to the last bit. This module holds the schedules of
one formula each; the cyclic ones (``CyclicLR``, ``OneCycleLR``), ``ReduceLROnPlateau`` and
the combinators (``SequentialLR``, ``ChainedScheduler``) live in ``lr_cyclic``, ``lr_plateau``
and ``lr_chain`` and are re-exported here.
"""

from __future__ import annotations

import math
import types
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Iterable
from numbers import Real
from typing import Any

from .lr_base import LRScheduler, _LRScheduler, group_values, per_group
from .lr_chain import ChainedScheduler, SequentialLR
from .lr_cyclic import CyclicLR, OneCycleLR
from .lr_plateau import ReduceLROnPlateau
from .optimizer import Optimizer

__all__ = [
    "ChainedScheduler",
    "ConstantLR",
    "CosineAnnealingLR",
    "CosineAnnealingWarmRestarts",
    "CyclicLR",
    "ExponentialLR",
    "InverseTimeLR",
    "LRScheduler",
    "LambdaLR",
    "LinearLR",
    "MultiStepLR",
    "MultiplicativeLR",
    "OneCycleLR",
    "PolynomialLR",
    "ReduceLROnPlateau",
    "SequentialLR",
    "StepLR",
    "_LRScheduler",
]


def _is_positive_number(value: object) -> bool:
    return isinstance(value, Real) and not isinstance(value, bool) and float(value) > 0


class _FactorFunctions(LRScheduler):
    """Shared by LambdaLR and MultiplicativeLR: one factor function per group. Functions and
    methods are not saved by ``state_dict()`` (its ``lr_lambdas`` holds None for them); a
    callable object's attributes are saved and restored."""

    def __init__(self, optimizer: Optimizer, lr_lambda: Any, last_epoch: int) -> None:
        self.optimizer = optimizer
        self.lr_lambdas: list[Callable[[int], float]] = per_group("lr_lambda", optimizer, lr_lambda)
        for fn in self.lr_lambdas:
            if not callable(fn):
                raise TypeError(f"lr_lambda should be a function, but got {type(fn).__name__}")
        super().__init__(optimizer, last_epoch)

    def state_dict(self) -> dict[str, Any]:
        state = {k: v for k, v in self.__dict__.items() if k not in ("optimizer", "lr_lambdas")}
        state["lr_lambdas"] = [
            None
            if isinstance(fn, (types.FunctionType, types.MethodType)) or not hasattr(fn, "__dict__")
            else dict(fn.__dict__)
            for fn in self.lr_lambdas
        ]
        return state

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        state = dict(state_dict)
        saved = state.pop("lr_lambdas", [None] * len(self.lr_lambdas))
        self.__dict__.update(state)
        for fn, attrs in zip(self.lr_lambdas, saved):
            if attrs is not None:
                fn.__dict__.update(attrs)


class LambdaLR(_FactorFunctions):
    """lr_t = base_lr * lr_lambda(t): one function of the step ``t`` (an int), or one per
    group."""

    def __init__(
        self,
        optimizer: Optimizer,
        lr_lambda: Callable[[int], float] | list[Callable[[int], float]],
        last_epoch: int = -1,
    ) -> None:
        super().__init__(optimizer, lr_lambda, last_epoch)

    def get_lr(self) -> list:
        self._warn_if_outside_step()
        return [base * f(self.last_epoch) for f, base in zip(self.lr_lambdas, self.base_lrs)]


class InverseTimeLR(LambdaLR):
    """The notes' annealing: lr_t = lr_0 * tau / max(t, tau): constant for the first ``tau``
    steps, then O(1/t) decay (which has convergence guarantees). The same numbers as
    ``LambdaLR(opt, lambda t: tau / max(t, tau))``."""

    def __init__(self, optimizer: Optimizer, tau: float, last_epoch: int = -1) -> None:
        if not tau > 0:
            raise ValueError(f"InverseTimeLR: tau must be positive, got {tau}")
        self.tau = tau
        super().__init__(optimizer, self._factor, last_epoch)

    def _factor(self, t: int) -> float:
        return self.tau / max(t, self.tau)


class MultiplicativeLR(_FactorFunctions):
    """lr_t = lr_{t-1} * lr_lambda(t) for t > 0 (the constructor's step leaves the lr)."""

    def __init__(
        self,
        optimizer: Optimizer,
        lr_lambda: Callable[[int], float] | list[Callable[[int], float]],
        last_epoch: int = -1,
    ) -> None:
        super().__init__(optimizer, lr_lambda, last_epoch)

    def get_lr(self) -> list:
        self._warn_if_outside_step()
        if self._is_initial:
            return group_values(self.optimizer, "lr")
        return [
            g["lr"] * f(self.last_epoch)
            for f, g in zip(self.lr_lambdas, self.optimizer.param_groups)
        ]


class StepLR(LRScheduler):
    """Multiply the lr by ``gamma`` every ``step_size`` steps (closed form
    base_lr * gamma ** (t // step_size))."""

    def __init__(
        self, optimizer: Optimizer, step_size: int, gamma: float = 0.1, last_epoch: int = -1
    ) -> None:
        if not _is_positive_number(step_size):
            raise ValueError(f"StepLR: step_size must be a positive number, got {step_size!r}")
        self.step_size = step_size
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list:
        self._warn_if_outside_step()
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return group_values(self.optimizer, "lr")
        return [g["lr"] * self.gamma for g in self.optimizer.param_groups]

    def _get_closed_form_lr(self) -> list:
        return [base * self.gamma ** (self.last_epoch // self.step_size) for base in self.base_lrs]


class MultiStepLR(LRScheduler):
    """Multiply the lr by ``gamma`` at each milestone (a milestone given n times multiplies
    by gamma ** n)."""

    def __init__(
        self,
        optimizer: Optimizer,
        milestones: Iterable[int],
        gamma: float = 0.1,
        last_epoch: int = -1,
    ) -> None:
        self.milestones = Counter(milestones)
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list:
        self._warn_if_outside_step()
        if self.last_epoch not in self.milestones:
            return group_values(self.optimizer, "lr")
        factor = self.gamma ** self.milestones[self.last_epoch]
        return [g["lr"] * factor for g in self.optimizer.param_groups]

    def _get_closed_form_lr(self) -> list:
        passed = bisect_right(sorted(self.milestones.elements()), self.last_epoch)
        return [base * self.gamma**passed for base in self.base_lrs]

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """As the base class; milestones saved as a mapping with string keys (JSON) are
        read back as integers."""
        state = dict(state_dict)
        if "milestones" in state:
            state["milestones"] = Counter({int(k): v for k, v in state["milestones"].items()})
        super().load_state_dict(state)


class ConstantLR(LRScheduler):
    """lr = base_lr * factor for the first ``total_iters`` steps, then base_lr (applied as
    a multiplication at step 0 and a division at step ``total_iters``)."""

    def __init__(
        self,
        optimizer: Optimizer,
        factor: float = 1.0 / 3,
        total_iters: int = 5,
        last_epoch: int = -1,
    ) -> None:
        if not 0 <= factor <= 1:
            raise ValueError(
                f"Constant multiplicative factor expected to be between 0 and 1, got {factor}"
            )
        self.factor, self.total_iters = factor, total_iters
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list:
        self._warn_if_outside_step()
        if self.last_epoch == 0:
            return [g["lr"] * self.factor for g in self.optimizer.param_groups]
        if self.last_epoch != self.total_iters:
            return group_values(self.optimizer, "lr")
        return [g["lr"] * (1.0 / self.factor) for g in self.optimizer.param_groups]

    def _get_closed_form_lr(self) -> list:
        reached = self.last_epoch >= self.total_iters
        return [base * (self.factor + reached * (1 - self.factor)) for base in self.base_lrs]


class LinearLR(LRScheduler):
    """Scale the lr linearly from ``start_factor`` to ``end_factor`` over ``total_iters``
    steps (each step multiplies the current lr by the ratio of consecutive factors)."""

    def __init__(
        self,
        optimizer: Optimizer,
        start_factor: float = 1.0 / 3,
        end_factor: float = 1.0,
        total_iters: int = 5,
        last_epoch: int = -1,
    ) -> None:
        if not 0 < start_factor <= 1:
            raise ValueError(
                "Starting multiplicative factor expected to be greater than 0 and "
                f"less or equal to 1, got {start_factor}"
            )
        if not 0 <= end_factor <= 1:
            raise ValueError(
                f"Ending multiplicative factor expected to be between 0 and 1, got {end_factor}"
            )
        self.start_factor, self.end_factor, self.total_iters = start_factor, end_factor, total_iters
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list:
        self._warn_if_outside_step()
        t = self.last_epoch
        if t == 0:
            return [g["lr"] * self.start_factor for g in self.optimizer.param_groups]
        if self._is_initial or t > self.total_iters:
            return group_values(self.optimizer, "lr")
        s, e = self.start_factor, self.end_factor
        ratio = 1.0 + (e - s) / (self.total_iters * s + (t - 1) * (e - s))
        return [g["lr"] * ratio for g in self.optimizer.param_groups]

    def _get_closed_form_lr(self) -> list:
        s, e = self.start_factor, self.end_factor
        done = min(self.total_iters, self.last_epoch)
        return [base * (s + (e - s) * done / self.total_iters) for base in self.base_lrs]


class ExponentialLR(LRScheduler):
    """lr_t = lr_{t-1} * gamma (closed form base_lr * gamma ** t)."""

    def __init__(self, optimizer: Optimizer, gamma: float, last_epoch: int = -1) -> None:
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list:
        self._warn_if_outside_step()
        if self._is_initial:
            return group_values(self.optimizer, "lr")
        return [g["lr"] * self.gamma for g in self.optimizer.param_groups]

    def _get_closed_form_lr(self) -> list:
        return [base * self.gamma**self.last_epoch for base in self.base_lrs]


class PolynomialLR(LRScheduler):
    """lr_t = base_lr * (1 - min(t, total_iters) / total_iters) ** power, computed as
    PyTorch does: each step multiplies the current lr by the ratio of consecutive values."""

    def __init__(
        self,
        optimizer: Optimizer,
        total_iters: int = 5,
        power: float = 1.0,
        last_epoch: int = -1,
    ) -> None:
        self.total_iters, self.power = total_iters, power
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list:
        self._warn_if_outside_step()
        t, total = self.last_epoch, self.total_iters
        if self._is_initial or t > total:
            return group_values(self.optimizer, "lr")
        ratio = ((1.0 - t / total) / (1.0 - (t - 1) / total)) ** self.power
        return [g["lr"] * ratio for g in self.optimizer.param_groups]

    def _get_closed_form_lr(self) -> list:
        left = 1.0 - min(self.total_iters, self.last_epoch) / self.total_iters
        return [base * left**self.power for base in self.base_lrs]


class CosineAnnealingLR(LRScheduler):
    """Cosine annealing from base_lr to ``eta_min`` over ``T_max`` steps, in PyTorch's
    recursive form: lr_t = eta_min + (lr_{t-1} - eta_min) (1 + cos(pi t / T)) /
    (1 + cos(pi (t-1) / T)); past T_max it rises again (a period of 2 T_max). The closed form
    (``step(epoch)``) is eta_min + (base_lr - eta_min) (1 + cos(pi t / T)) / 2."""

    def __init__(
        self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0, last_epoch: int = -1
    ) -> None:
        self.T_max, self.eta_min = T_max, eta_min
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list:
        self._warn_if_outside_step()
        t, T, lo = self.last_epoch, self.T_max, self.eta_min
        if self._is_initial:
            return group_values(self.optimizer, "lr")
        if self._step_count == 1 and t > 0:
            return [
                lo + (base - lo) * (1 + math.cos(t * math.pi / T)) / 2 for base in self.base_lrs
            ]
        if (t - 1 - T) % (2 * T) == 0:
            return [
                g["lr"] + (base - lo) * (1 - math.cos(math.pi / T)) / 2
                for base, g in zip(self.base_lrs, self.optimizer.param_groups)
            ]
        return [
            (1 + math.cos(math.pi * t / T)) / (1 + math.cos(math.pi * (t - 1) / T)) * (g["lr"] - lo)
            + lo
            for g in self.optimizer.param_groups
        ]

    def _get_closed_form_lr(self) -> list:
        lo = self.eta_min
        angle = math.pi * self.last_epoch / self.T_max
        return [lo + (base - lo) * (1 + math.cos(angle)) / 2 for base in self.base_lrs]


class CosineAnnealingWarmRestarts(LRScheduler):
    """SGDR: lr = eta_min + (base_lr - eta_min) (1 + cos(pi T_cur / T_i)) / 2, where T_cur
    counts the steps since the last restart and T_i (first ``T_0``) is multiplied by
    ``T_mult`` at each restart. ``step(epoch)`` accepts a fractional epoch (e.g.
    ``epoch + batch / batches``) and finds the cycle it falls in."""

    def __init__(
        self,
        optimizer: Optimizer,
        T_0: int,
        T_mult: int = 1,
        eta_min: float = 0.0,
        last_epoch: int = -1,
    ) -> None:
        if not isinstance(T_0, int) or T_0 <= 0:
            raise ValueError(f"Expected positive integer T_0, but got {T_0}")
        if not isinstance(T_mult, int) or T_mult < 1:
            raise ValueError(f"Expected integer T_mult >= 1, but got {T_mult}")
        if not isinstance(eta_min, (float, int)):
            raise ValueError(
                f"Expected float or int eta_min, but got {eta_min} of type {type(eta_min)}"
            )
        self.T_0 = self.T_i = T_0
        self.T_mult = T_mult
        self.eta_min = eta_min
        self.T_cur: float = last_epoch
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list:
        self._warn_if_outside_step()
        lo = self.eta_min
        factor = 1 + math.cos(math.pi * self.T_cur / self.T_i)
        return [lo + (base - lo) * factor / 2 for base in self.base_lrs]

    def step(self, epoch: float | None = None) -> None:
        """Advance one step, or go to ``epoch`` (which may be fractional)."""
        if epoch is None and self.last_epoch < 0:
            epoch = 0
        if epoch is None:
            epoch = self.last_epoch + 1
            self.T_cur = self.T_cur + 1
            if self.T_cur >= self.T_i:
                self.T_cur = self.T_cur % self.T_i
                self.T_i = self.T_i * self.T_mult
        elif epoch < 0:
            raise ValueError(f"Expected non-negative epoch, but got {epoch}")
        elif epoch >= self.T_0:
            if self.T_mult == 1:
                self.T_cur = epoch % self.T_0
            else:
                m = self.T_mult
                n = int(math.log(epoch / self.T_0 * (m - 1) + 1, m))
                self.T_cur = epoch - self.T_0 * (m**n - 1) / (m - 1)
                self.T_i = self.T_0 * m**n
        else:
            self.T_i = self.T_0
            self.T_cur = epoch
        self.last_epoch = math.floor(epoch)
        self._set_lrs(self._get_lr_in_step())
