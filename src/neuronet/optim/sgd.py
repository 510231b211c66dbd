"""Stochastic gradient descent, with PyTorch's momentum, dampening, Nesterov and weight decay."""

from __future__ import annotations

import math

import numpy as np

from ..autograd.rows import has_row_record, written_rows
from ..backend import get_xp
from ..kernels import fused
from ..tensor import Tensor
from .optimizer import Optimizer, check_non_negative

_NUMPY = np.ndarray
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
    Plain SGD (no momentum, weight decay or maximize) given an embedding's gradient whose rows
    cover at most an eighth of the table writes only the entries of those rows
    (``sgd_rows_step``): the same numbers as the update of the whole table, whose other entries
    would have 0 subtracted.
    """

    def __init__(
        self,
        params,
        lr: float = 1e-3,
        momentum: float = 0.0,
        dampening: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        check_non_negative(lr=lr, momentum=momentum, weight_decay=weight_decay)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(
            params,
            dict(
                lr=lr,
                momentum=momentum,
                dampening=dampening,
                weight_decay=weight_decay,
                nesterov=nesterov,
                maximize=maximize,
            ),
        )

    def _update_group(self, group) -> None:
        lr, mu, damp = group["lr"], group["momentum"], group["dampening"]
        wd, nesterov, maximize = group["weight_decay"], group["nesterov"], group["maximize"]
        rows_only = not (wd or mu or maximize) and math.isfinite(lr)
        scratch, buffer = self._scratch, self._buffer
        for p in group["params"]:
            grad = p.grad
            if grad is None:
                continue
            if rows_only and has_row_record(id(grad)) and sgd_rows_step(p, lr):
                continue
            g, data = grad._data, p._data
            if maximize or g.dtype is not data.dtype:  # (dtypes are singletons: `is` is cheap)
                g = self._grad(p, maximize)
            if wd or mu:
                g = self._direction(p, g, wd, mu, damp, nesterov)
            work = scratch.get(id(p))  # (``_buffer``'s lookup, inlined: it runs per parameter)
            sgd_step(g, lr, data, work[1] if work is not None and work[0] is data else buffer(p))

    def _direction(self, p: Tensor, g, wd: float, mu: float, damp: float, nesterov: bool):
        """The gradient after weight decay and momentum (the update is lr times this)."""
        if wd:
            g = g + wd * p._data
        if mu:
            state = self.state.setdefault(p, {})
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = state["momentum_buffer"] = Tensor._make(g.copy())
            else:
                b = buf._data
                b *= mu
                b += g if damp == 0 else (1 - damp) * g
            g = g + mu * buf._data if nesterov else buf._data
        return g


def _sgd_step(g, lr: float, param, work) -> None:
    """theta = theta - lr * g, in place (``work``: an array shaped like theta)."""
    (np if type(g) is _NUMPY else get_xp(g)).multiply(g, lr, out=work)
    param -= work


sgd_step = fused("sgd_step", _sgd_step)


def sgd_rows_step(p: Tensor, lr: float) -> bool:
    """theta = theta - lr * g in the rows alone of a row gradient (an embedding's), when its
    rows cover at most 1/8 of a C-contiguous NumPy table; returns whether it did.

    ``g`` is zero outside those rows (``autograd.rows.written_rows``), so this gives the numbers
    of the full update, which would subtract 0 from every other entry. Repeated rows write the
    same values.
    """
    data, grad = p._data, p.grad
    if grad is None:
        return False
    if not isinstance(data, _NUMPY) or not data.flags.c_contiguous:  # (reshape(-1) must be a view)
        return False
    written = written_rows(grad)
    if written is None or len(written[1]) * _ROWS_ONLY_SHARE > data.size:
        return False
    rows, positions = written
    step = grad._data.take(rows, axis=0)
    step *= lr
    new = data.take(rows, axis=0)
    new -= step
    data.reshape(-1)[positions] = new.reshape(-1)  # (faster than put or row assignment)
    return True
