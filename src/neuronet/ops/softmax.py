"""softmax and log_softmax along one dim, computed stably from the max-shifted input.

As in PyTorch the shift is the plain maximum: a slice holding +inf, or only -inf, gives
inf - inf = nan and so a slice of nan (``softmax([inf, 0.])`` is ``[nan, nan]``), computed
under ``ieee`` so that such IEEE results come without NumPy warnings."""

from __future__ import annotations

from ..backend import get_xp
from ..ieee import ieee
from ..tensor import Tensor, record
from ._util import normalize_dim
from .array_api import array_api


def _dim_or_error(dim, name: str, ndim: int) -> int:
    if dim is None:
        raise TypeError(
            f"{name}(): argument 'dim' must be given (PyTorch deprecated the implicit choice)"
        )
    return normalize_dim(dim, ndim)


def _shifted(x, d: int | None):
    return x - x.max(axis=d, keepdims=True)


@ieee
def _softmax(x, d: int | None, xp):
    e = xp.exp(_shifted(x, d))
    return e / e.sum(axis=d, keepdims=True)


@ieee
def _softmax_vjp(g, needs, y, d: int | None):
    return (y * (g - array_api(g).sum(g * y, axis=d, keepdims=True)),)


@ieee
def _log_softmax(x, d: int | None, xp):
    z = _shifted(x, d)
    return z - xp.log(xp.exp(z).sum(axis=d, keepdims=True))


@ieee
def _log_softmax_vjp(g, needs, y, d: int | None):
    xp = array_api(g)
    return (g - xp.exp(y) * xp.sum(g, axis=d, keepdims=True),)


def softmax(input: Tensor, dim: int | None = None, dtype=None, *, _stacklevel: int = 3) -> Tensor:
    """exp(x_i) / sum_j exp(x_j) along ``dim`` (x: ``input``, cast to ``dtype`` first when
    given), from x - max(x) so exp never overflows. ``_stacklevel`` is accepted as
    ``torch.nn.functional.softmax`` takes it, and has no effect.

    VJP: y * (g - sum(g * y, dim)).
    """
    a = input if dtype is None else input.to(dtype)
    x = a._data
    if x.dtype.kind not in "fc":
        raise RuntimeError(
            f"softmax and log_softmax: expected a floating point tensor, got "
            f"{x.dtype} (pass dtype=)"
        )
    xp = get_xp(x)
    d = _dim_or_error(dim, "softmax", x.ndim) if x.ndim else None
    out = _softmax(x, d, xp)

    def backward(g, needs, y):
        return _softmax_vjp(g, needs, y, d)

    return record(out, (a,), backward, "SoftmaxBackward0", (out,))


def log_softmax(
    input: Tensor, dim: int | None = None, dtype=None, *, _stacklevel: int = 3
) -> Tensor:
    """x - m - log(sum exp(x - m)) along ``dim`` (x: ``input``, cast to ``dtype`` first when
    given) with m = max(x) held constant. ``_stacklevel`` is accepted as
    ``torch.nn.functional.log_softmax`` takes it, and has no effect.

    VJP: g - exp(y) * sum(g, dim).
    """
    a = input if dtype is None else input.to(dtype)
    x = a._data
    if x.dtype.kind not in "fc":
        raise RuntimeError(
            f"softmax and log_softmax: expected a floating point tensor, got "
            f"{x.dtype} (pass dtype=)"
        )
    xp = get_xp(x)
    d = _dim_or_error(dim, "log_softmax", x.ndim) if x.ndim else None
    out = _log_softmax(x, d, xp)

    def backward(g, needs, y):
        return _log_softmax_vjp(g, needs, y, d)

    return record(out, (a,), backward, "LogSoftmaxBackward0", (out,))
