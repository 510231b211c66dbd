"""AdaGrad: per-parameter learning rates from the accumulated squared gradients."""

from __future__ import annotations

from ..backend import get_xp
from ..kernels import fused
from ..tensor import Tensor
from .optimizer import Optimizer, check_non_negative


class Adagrad(Optimizer):
    r"""AdaGrad (Duchi et al., 2011), the adaptive rate the notes single out, as PyTorch's.

    State: ``sum`` = initial_accumulator_value and ``step`` = 0. For each parameter theta with
    gradient g::

        step = step + 1
        if maximize:      g = -g
        if weight_decay:  g = g + weight_decay * theta
        clr = lr / (1 + (step - 1) * lr_decay)
        sum = sum + g * g
        theta = theta - clr * g / (sqrt(sum) + eps)      (eps outside the square root)
    """

    def __init__(
        self,
        params,
        lr: float = 1e-2,
        lr_decay: float = 0.0,
        weight_decay: float = 0.0,
        initial_accumulator_value: float = 0.0,
        eps: float = 1e-10,
        *,
        maximize: bool = False,
    ) -> None:
        check_non_negative(
            lr=lr,
            lr_decay=lr_decay,
            weight_decay=weight_decay,
            eps=eps,
            initial_accumulator_value=initial_accumulator_value,
        )
        super().__init__(
            params,
            dict(
                lr=lr,
                lr_decay=lr_decay,
                weight_decay=weight_decay,
                initial_accumulator_value=initial_accumulator_value,
                eps=eps,
                maximize=maximize,
            ),
        )
        for group in self.param_groups:
            for p in group["params"]:
                self._init_state(p, group)

    def _init_state(self, p, group) -> dict:
        state = self.state.get(p)
        if state is None:
            acc = p.xp.full_like(p._data, group["initial_accumulator_value"])
            state = self.state[p] = {"step": 0, "sum": Tensor._make(acc)}
        return state

    def add_param_group(self, param_group) -> None:
        super().add_param_group(param_group)
        if hasattr(self, "state"):
            for p in self.param_groups[-1]["params"]:
                self._init_state(p, self.param_groups[-1])

    def _update_group(self, group) -> None:
        lr, lr_decay, wd, eps = group["lr"], group["lr_decay"], group["weight_decay"], group["eps"]
        for p in group["params"]:
            if p.grad is None:
                continue
            g = self._grad(p, group["maximize"])
            state = self._init_state(p, group)
            state["step"] += 1
            if wd:
                g = g + wd * p._data
            clr = lr / (1 + (state["step"] - 1) * lr_decay)
            adagrad_step(g, clr, eps, p._data, state["sum"]._data, self._buffer(p))


def _adagrad_step(g, clr: float, eps: float, param, acc, work) -> None:
    """One AdaGrad update in place (``work``: a scratch array)::

    sum = sum + g * g
    theta = theta - clr * g / (sqrt(sum) + eps)
    """
    xp = get_xp(g)
    xp.multiply(g, g, out=work)
    acc += work
    xp.sqrt(acc, out=work)
    work += eps
    xp.divide(g, work, out=work)
    work *= clr
    param -= work


adagrad_step = fused("adagrad_step", _adagrad_step)
