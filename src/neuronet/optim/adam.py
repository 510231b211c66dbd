"""Adam and AdamW: bias-corrected first and second moment estimates."""
from __future__ import annotations

import math

import numpy as np

from .. import kernels
from .optimizer import Optimizer, check_non_negative


_NUMPY = np.ndarray  # the CPU path pays one type test for the GPU's fused kernels


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

    def __init__(self, params, lr: float = 1e-3, betas: tuple = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0, amsgrad: bool = False, *, maximize: bool = False) -> None:
        check_non_negative(lr=lr, eps=eps, weight_decay=weight_decay)
        for i, b in enumerate(betas):
            if not 0.0 <= b < 1.0:
                raise ValueError(f"Invalid beta parameter at index {i}: {b} (expected in [0, 1))")
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps,
                                      weight_decay=weight_decay, amsgrad=amsgrad,
                                      maximize=maximize))

    def _update_group(self, group) -> None:
        lr, (beta1, beta2), eps = group["lr"], group["betas"], group["eps"]
        wd, amsgrad = group["weight_decay"], group["amsgrad"]
        for p in group["params"]:
            if p.grad is None:
                continue
            g = self._grad(p, group["maximize"])
            xp = p.xp
            state = self._state(p, "exp_avg", "exp_avg_sq", *(["max_exp_avg_sq"] if amsgrad
                                                              else []))
            state["step"] += 1
            t = state["step"]
            if wd:
                if self._decoupled:
                    p.data *= 1 - lr * wd
                else:
                    g = g + wd * p.data
            m, v = state["exp_avg"].data, state["exp_avg_sq"].data
            if not amsgrad and type(g) is not _NUMPY and kernels.usable(g, p.data, m, v):
                kernels.kernel("adam_step")(g, 1 - beta1, beta2, 1 - beta2, lr / (1 - beta1 ** t),
                                            math.sqrt(1 - beta2 ** t), eps, p.data, m, v)
                continue
            work = self._buffer(p)
            xp.subtract(g, m, out=work)
            work *= 1 - beta1
            m += work
            v *= beta2
            xp.multiply(g, g, out=work)
            work *= 1 - beta2
            v += work
            if amsgrad:
                v_hat = state["max_exp_avg_sq"].data
                xp.maximum(v_hat, v, out=v_hat)
            else:
                v_hat = v
            step_size = lr / (1 - beta1 ** t)
            xp.sqrt(v_hat, out=work)
            work /= math.sqrt(1 - beta2 ** t)
            work += eps
            xp.divide(m, work, out=work)
            work *= step_size
            p.data -= work


class AdamW(Adam):
    r"""Adam with decoupled weight decay (Loshchilov & Hutter): before the Adam update,
    theta = theta - lr * weight_decay * theta (default weight_decay = 1e-2). See ``Adam``."""

    _decoupled = True

    def __init__(self, params, lr: float = 1e-3, betas: tuple = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2, amsgrad: bool = False, *, maximize: bool = False) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize)
