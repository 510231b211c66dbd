"""Stochastic gradient descent, with PyTorch's momentum, dampening, Nesterov and weight decay."""
from __future__ import annotations

import math

import numpy as np

from .. import kernels
from ..backend import get_xp
from ..ops.sparse import RowsGradTensor
from ..tensor import Tensor
from .optimizer import Optimizer, check_non_negative


_NUMPY = np.ndarray  # the CPU path pays one type test for the GPU's fused kernels
_multiply = np.multiply
# The rows-only update indexes each entry it writes, which costs about as much as a pass over
# 8-16 entries of the whole table: it is taken when the rows cover at most 1/8 of the table.
_ROWS_ONLY_SHARE = 8


class SGD(Optimizer):
    r"""Mini-batch SGD (the notes' theta_new = theta_old - alpha * grad J), as ``torch.optim.SGD``.

    For each parameter theta with gradient g at step t::

        if maximize:      g = -g
        if weight_decay:  g = g + weight_decay * theta
        if momentum:
            b = g                                   (t = 1: no dampening on the first step)
            b = momentum * b + (1 - dampening) * g  (t > 1)
            g = g + momentum * b  if nesterov  else  b
        theta = theta - lr * g

    The learning rate multiplies the whole buffer (so annealing it rescales past momentum too).
    Plain SGD (no momentum, weight decay or maximize) given an embedding's gradient that nothing
    has read yet, whose rows cover at most an eighth of the table, writes only the entries of
    those rows: the same numbers as the update of the whole table, whose other entries would
    have 0 subtracted.
    """

    def __init__(self, params, lr: float = 1e-3, momentum: float = 0.0, dampening: float = 0.0,
                 weight_decay: float = 0.0, nesterov: bool = False, *, maximize: bool = False) -> None:
        check_non_negative(lr=lr, momentum=momentum, weight_decay=weight_decay)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening,
                                      weight_decay=weight_decay, nesterov=nesterov,
                                      maximize=maximize))

    def _update_group(self, group) -> None:
        lr, mu, damp = group["lr"], group["momentum"], group["dampening"]
        wd, nesterov, maximize = group["weight_decay"], group["nesterov"], group["maximize"]
        rows_only = not (wd or mu or maximize) and math.isfinite(lr)
        for p in group["params"]:
            if p.grad is None:
                continue
            if (rows_only and type(p.grad) is RowsGradTensor and type(p.data) is _NUMPY
                    and p.data.flags.c_contiguous):  # (so that reshape(-1) is a view)
                unread = p.grad.dense_unread()
                if unread is not None and len(unread[2]) * _ROWS_ONLY_SHARE <= p.data.size:
                    _update_entries(p.data, *unread, lr)
                    continue
            g = self._grad(p, maximize)
            if wd or mu:
                g = self._direction(p, g, wd, mu, damp, nesterov)
            data = p.data
            if type(g) is _NUMPY:
                step = self._buffer(p)
                _multiply(g, lr, out=step)
                data -= step
            elif kernels.usable(g, data):
                kernels.kernel("sgd_step")(g, lr, data)
            else:
                step = self._buffer(p)
                get_xp(g).multiply(g, lr, out=step)
                data -= step

    def _direction(self, p: Tensor, g, wd: float, mu: float, damp: float, nesterov: bool):
        """The gradient after weight decay and momentum (the update is lr times this)."""
        if wd:
            g = g + wd * p.data
        if mu:
            state = self.state.setdefault(p, {})
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = state["momentum_buffer"] = Tensor._make(g.copy())
            else:
                b = buf.data
                b *= mu
                b += g if damp == 0 else (1 - damp) * g
            g = g + mu * buf.data if nesterov else buf.data
        return g


def _update_entries(data, grad, rows, positions, lr: float) -> None:
    """``data -= lr * grad`` in the ``rows`` alone (flat ``positions``: their entries, row after
    row), for a ``grad`` that is zero everywhere else (an embedding's rows): the numbers of the
    full update, where the full update would subtract 0 from every other entry. Repeated rows
    write the same values."""
    step = grad.take(rows, axis=0)
    step *= lr
    new = data.take(rows, axis=0)
    new -= step
    data.reshape(-1)[positions] = new.reshape(-1)  # (faster than put or row assignment)
