"""Adam and AdamW: bias-corrected first and second moment estimates."""

from __future__ import annotations

import math

from ..backend import get_xp
from ..kernels import fused
from .optimizer import Optimizer, check_non_negative


class Adam(Optimizer):
    r"""Adam (Kingma & Ba, 2014), as PyTorch's. State ``exp_avg`` = ``exp_avg_sq`` = 0 (and
    ``max_exp_avg_sq`` = 0 with amsgrad). For each parameter theta with gradient g at step t::

        if maximize:      g = -g
        if weight_decay:  g = g + weight_decay * theta          (Adam: coupled L2)
                          theta = theta - lr * weight_decay * theta   (AdamW: decoupled, first)
        m = m + (1 - beta1) * (g - m)
        v = beta2 * v + (1 - beta2) * g * g
        if amsgrad:  v_max = max(v_max, v);  v_hat = v_max  else  v_hat = v
        theta = theta - (lr / (1 - beta1^t)) * m / (sqrt(v_hat) / sqrt(1 - beta2^t) + eps)
    """

    _decoupled = False

    def __init__(
        self,
        params,
        lr: float = 1e-3,
        betas: tuple = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        check_non_negative(lr=lr, eps=eps, weight_decay=weight_decay)
        for i, b in enumerate(betas):
            if not 0.0 <= b < 1.0:
                raise ValueError(f"Invalid beta parameter at index {i}: {b} (expected in [0, 1))")
        super().__init__(
            params,
            dict(
                lr=lr,
                betas=tuple(betas),
                eps=eps,
                weight_decay=weight_decay,
                amsgrad=amsgrad,
                maximize=maximize,
            ),
        )

    def _update_group(self, group) -> None:
        lr, (beta1, beta2), eps = group["lr"], group["betas"], group["eps"]
        wd, amsgrad = group["weight_decay"], group["amsgrad"]
        for p in group["params"]:
            if p.grad is None:
                continue
            g = self._grad(p, group["maximize"])
            state = self._state(
                p, "exp_avg", "exp_avg_sq", *(["max_exp_avg_sq"] if amsgrad else [])
            )
            state["step"] += 1
            t = state["step"]
            if wd:
                if self._decoupled:
                    p._data *= 1 - lr * wd
                else:
                    g = g + wd * p._data
            m, v = state["exp_avg"]._data, state["exp_avg_sq"]._data
            args = (
                g,
                1 - beta1,
                beta2,
                1 - beta2,
                lr / (1 - beta1**t),
                math.sqrt(1 - beta2**t),
                eps,
                p._data,
                m,
                v,
                self._buffer(p),
            )
            if amsgrad:  # (no fused kernel keeps the running maximum)
                _adam_step(*args, v_max=state["max_exp_avg_sq"]._data)  # (the reference path)
            else:
                adam_step(*args)


def _adam_step(
    g,
    one_minus_beta1: float,
    beta2: float,
    one_minus_beta2: float,
    step_size: float,
    bias2_sqrt: float,
    eps: float,
    param,
    m,
    v,
    work,
    v_max=None,
) -> None:
    """One Adam update in place, from g and the moments m, v (``work``: a scratch array)::

        m = m + (1 - beta1) * (g - m)
        v = beta2 * v + (1 - beta2) * g * g
        v_hat = max(v_max, v) (kept in v_max)  if v_max is given (AMSGrad)  else  v
        theta = theta - step_size * m / (sqrt(v_hat) / bias2_sqrt + eps)

    with step_size = lr / (1 - beta1^t) and bias2_sqrt = sqrt(1 - beta2^t).
    """
    xp = get_xp(g)
    xp.subtract(g, m, out=work)
    work *= one_minus_beta1
    m += work
    v *= beta2
    xp.multiply(g, g, out=work)
    work *= one_minus_beta2
    v += work
    if v_max is not None:
        xp.maximum(v_max, v, out=v_max)
        v = v_max
    xp.sqrt(v, out=work)
    work /= bias2_sqrt
    work += eps
    xp.divide(m, work, out=work)
    work *= step_size
    param -= work


adam_step = fused("adam_step", _adam_step)


class AdamW(Adam):
    r"""Adam with decoupled weight decay (Loshchilov & Hutter): before the Adam update,
    theta = theta - lr * weight_decay * theta (default weight_decay = 1e-2). See ``Adam``."""

    _decoupled = True

    def __init__(
        self,
        params,
        lr: float = 1e-3,
        betas: tuple = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize)
