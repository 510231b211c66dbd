"""RMSprop: gradients scaled by a running root-mean-square of their history."""

from __future__ import annotations

from .optimizer import Optimizer, check_non_negative


class RMSprop(Optimizer):
    r"""RMSprop (Hinton), as PyTorch's. State ``square_avg`` = 0 (and ``grad_avg`` = 0 when
    centered, ``momentum_buffer`` = 0 with momentum). For each parameter theta with gradient g::

        if maximize:      g = -g
        if weight_decay:  g = g + weight_decay * theta
        square_avg = alpha * square_avg + (1 - alpha) * g * g
        if centered:
            grad_avg = grad_avg + (1 - alpha) * (g - grad_avg)
            avg = sqrt(square_avg - grad_avg^2) + eps
        else:
            avg = sqrt(square_avg) + eps                   (eps outside the square root)
        if momentum:  buf = momentum * buf + g / avg;  theta = theta - lr * buf
        else:         theta = theta - lr * g / avg
    """

    def __init__(
        self,
        params,
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum: float = 0.0,
        centered: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        check_non_negative(
            lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay, momentum=momentum
        )
        super().__init__(
            params,
            dict(
                lr=lr,
                alpha=alpha,
                eps=eps,
                weight_decay=weight_decay,
                momentum=momentum,
                centered=centered,
                maximize=maximize,
            ),
        )

    def _update_group(self, group) -> None:
        lr, alpha, eps = group["lr"], group["alpha"], group["eps"]
        wd, mu, centered = group["weight_decay"], group["momentum"], group["centered"]
        for p in group["params"]:
            if p.grad is None:
                continue
            g = self._grad(p, group["maximize"])
            xp = p.xp
            state = self._state(
                p,
                "square_avg",
                *(["momentum_buffer"] if mu > 0 else []),
                *(["grad_avg"] if centered else []),
            )
            state["step"] += 1
            if wd:
                g = g + wd * p._data
            sq, avg = state["square_avg"]._data, self._buffer(p)
            sq *= alpha
            xp.multiply(g, g, out=avg)
            avg *= 1 - alpha
            sq += avg
            if centered:
                ga = state["grad_avg"]._data
                ga += (1 - alpha) * (g - ga)
                xp.multiply(ga, ga, out=avg)
                xp.subtract(sq, avg, out=avg)
                xp.sqrt(avg, out=avg)
            else:
                xp.sqrt(sq, out=avg)
            avg += eps
            xp.divide(g, avg, out=avg)
            if mu > 0:
                buf = state["momentum_buffer"]._data
                buf *= mu
                buf += avg
                xp.multiply(buf, lr, out=avg)
            else:
                avg *= lr
            p._data -= avg
