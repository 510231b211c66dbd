"""Gradient clipping and flat parameter vectors."""

from __future__ import annotations

import math
from collections.abc import Iterable

from ...tensor import Tensor


def _params(parameters) -> list:
    if isinstance(parameters, Tensor):
        return [parameters]
    return list(parameters)


def clip_grad_norm_(
    parameters: Iterable[Tensor],
    max_norm: float,
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
) -> Tensor:
    """Scale all gradients together so their joint norm is at most ``max_norm``.

    total = (sum over grads of ||g||_p^p)^(1/p) (max |g| for p = inf); each g is multiplied by
    min(1, max_norm / (total + 1e-6)). Returns the total norm before clipping.
    """
    from ...factories import tensor  # noqa: PLC0415

    grads = [p.grad for p in _params(parameters) if p.grad is not None]
    if not grads:
        return tensor(0.0)
    p = float(norm_type)
    if math.isinf(p):
        total = max(float(abs(g._data).max()) for g in grads)
    else:
        total = sum(float((abs(g._data) ** p).sum()) for g in grads) ** (1.0 / p)
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(
            f"The total norm of order {norm_type} for gradients from `parameters` "
            "is non-finite, so it cannot be clipped."
        )
    coef = max_norm / (total + 1e-6)
    if coef < 1:
        for g in grads:
            g._data *= coef
    return tensor(total, dtype=grads[0].dtype)


def clip_grad_value_(parameters: Iterable[Tensor], clip_value: float) -> None:
    """Clamp every gradient element into [-clip_value, clip_value]."""
    for p in _params(parameters):
        if p.grad is not None:
            p.grad._data[...] = p.grad.xp.clip(p.grad._data, -clip_value, clip_value)


def parameters_to_vector(parameters: Iterable[Tensor]) -> Tensor:
    """All parameters flattened and concatenated into one vector (a copy)."""
    params = _params(parameters)
    xp = params[0].xp
    return Tensor._make(xp.concatenate([p._data.reshape(-1) for p in params]))


def vector_to_parameters(vec: Tensor, parameters: Iterable[Tensor]) -> None:
    """Copy consecutive slices of ``vec`` into the parameters (in place)."""
    params = _params(parameters)
    total = sum(p.numel() for p in params)
    if vec.ndim != 1 or vec.numel() != total:
        raise ValueError(
            f"vec: expected a 1-D tensor of {total} elements, got shape {tuple(vec.shape)}"
        )
    offset = 0
    for p in params:
        n = p.numel()
        p._data[...] = vec._data[offset : offset + n].reshape(p.shape)
        offset += n


from . import rnn  # noqa: E402  (nn.utils.rnn: packed and padded sequence batches)
