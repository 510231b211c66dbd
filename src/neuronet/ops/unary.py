"""Unary math, as PyTorch defines it: one table of forward/backward pairs.

Each row of the table below is one op: its forward ``f(x)`` on the input's array module ``xp``,
and its vector-Jacobian product ``g * f'(x)``, written from the output's gradient ``g``, the
input ``x`` and the output ``y = f(x)`` (whichever makes the derivative cheapest and exact).
Float-valued ops give integer and bool inputs the default float dtype, as PyTorch does.

Below the table: the ops whose dtype rules differ (``abs``, ``sign``, ``square``) and the
rounding ops, whose gradient is zero.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from ..backend import get_xp
from ..tensor import Tensor, record
from ._util import floating, no_bools

_LN2, _LN10 = math.log(2), math.log(10)
_TWO_OVER_SQRT_PI = 2 / math.sqrt(math.pi)


def _unary(
    name: str, forward: Callable, backward: Callable, grad_fn: str, doc: str
) -> Callable[[Tensor], Tensor]:
    """The op ``name``: ``forward(xp, x)``, with VJP ``backward(xp, g, x, y)``, of ``a`` made
    floating."""

    def op(a: Tensor) -> Tensor:
        a = floating(a)
        x = a._data
        xp = get_xp(x)
        y = forward(xp, x)
        return record(y, (a,), lambda g, needs: (backward(xp, g, x, y),), grad_fn)

    op.__name__ = op.__qualname__ = name
    op.__doc__ = doc
    return op


def erf_array(x):
    """The error function of an array: SciPy's (CuPy's on a GPU) when installed, else Python's
    ``math.erf`` element by element (exact, slower)."""
    xp = get_xp(x)
    if xp is not np:
        import cupyx.scipy.special  # noqa: PLC0415 - only reached for CuPy arrays

        return cupyx.scipy.special.erf(x)
    try:
        from scipy.special import erf  # noqa: PLC0415 - optional: faster when installed
    except ImportError:
        return np.vectorize(math.erf, otypes=[x.dtype])(x) if x.size else x.copy()
    return erf(x).astype(x.dtype, copy=False)


# name, forward f(x), backward g * f'(x) from (g, x, y), grad_fn name, docstring
exp = _unary(
    "exp",
    lambda xp, x: xp.exp(x),
    lambda xp, g, x, y: g * y,
    "ExpBackward0",
    "e ** a; derivative e ** a (the output).",
)
exp2 = _unary(
    "exp2",
    lambda xp, x: xp.exp2(x),
    lambda xp, g, x, y: g * (y * _LN2),
    "Exp2Backward0",
    "2 ** a; derivative ln(2) * 2 ** a.",
)
expm1 = _unary(
    "expm1",
    lambda xp, x: xp.expm1(x),
    lambda xp, g, x, y: g * (y + 1),
    "Expm1Backward0",
    "e ** a - 1, exact for small a; derivative e ** a.",
)
log = _unary(
    "log",
    lambda xp, x: xp.log(x),
    lambda xp, g, x, y: g / x,
    "LogBackward0",
    "The natural logarithm; derivative 1 / a.",
)
log2 = _unary(
    "log2",
    lambda xp, x: xp.log2(x),
    lambda xp, g, x, y: g * (1 / (x * _LN2)),
    "Log2Backward0",
    "The base-2 logarithm; derivative 1 / (a ln 2).",
)
log10 = _unary(
    "log10",
    lambda xp, x: xp.log10(x),
    lambda xp, g, x, y: g * (1 / (x * _LN10)),
    "Log10Backward0",
    "The base-10 logarithm; derivative 1 / (a ln 10).",
)
log1p = _unary(
    "log1p",
    lambda xp, x: xp.log1p(x),
    lambda xp, g, x, y: g / (1 + x),
    "Log1PBackward0",
    "log(1 + a), exact for small a; derivative 1 / (1 + a).",
)
sqrt = _unary(
    "sqrt",
    lambda xp, x: xp.sqrt(x),
    lambda xp, g, x, y: g / (2 * y),
    "SqrtBackward0",
    "The square root; derivative 1 / (2 sqrt(a)).",
)
rsqrt = _unary(
    "rsqrt",
    lambda xp, x: 1 / xp.sqrt(x),
    lambda xp, g, x, y: -0.5 * g * y * y * y,
    "RsqrtBackward0",
    "1 / sqrt(a); derivative -0.5 * a ** -1.5 = -0.5 * out ** 3.",
)
reciprocal = _unary(
    "reciprocal",
    lambda xp, x: 1 / x,
    lambda xp, g, x, y: g * (-y * y),
    "ReciprocalBackward0",
    "1 / a; derivative -1 / a ** 2 = -out ** 2.",
)
sin = _unary(
    "sin",
    lambda xp, x: xp.sin(x),
    lambda xp, g, x, y: g * xp.cos(x),
    "SinBackward0",
    "The sine; derivative cos(a).",
)
cos = _unary(
    "cos",
    lambda xp, x: xp.cos(x),
    lambda xp, g, x, y: -g * xp.sin(x),
    "CosBackward0",
    "The cosine; derivative -sin(a).",
)
tan = _unary(
    "tan",
    lambda xp, x: xp.tan(x),
    lambda xp, g, x, y: g * (1 + y * y),
    "TanBackward0",
    "The tangent; derivative 1 + tan(a) ** 2.",
)
asin = _unary(
    "asin",
    lambda xp, x: xp.arcsin(x),
    lambda xp, g, x, y: g * (1 / xp.sqrt(1 - x * x)),
    "AsinBackward0",
    "arcsin(a) for |a| <= 1; derivative 1 / sqrt(1 - a ** 2).",
)
acos = _unary(
    "acos",
    lambda xp, x: xp.arccos(x),
    lambda xp, g, x, y: g * (-1 / xp.sqrt(1 - x * x)),
    "AcosBackward0",
    "arccos(a) for |a| <= 1; derivative -1 / sqrt(1 - a ** 2).",
)
atan = _unary(
    "atan",
    lambda xp, x: xp.arctan(x),
    lambda xp, g, x, y: g * (1 / (1 + x * x)),
    "AtanBackward0",
    "arctan(a); derivative 1 / (1 + a ** 2).",
)
sinh = _unary(
    "sinh",
    lambda xp, x: xp.sinh(x),
    lambda xp, g, x, y: g * xp.cosh(x),
    "SinhBackward0",
    "The hyperbolic sine; derivative cosh(a).",
)
cosh = _unary(
    "cosh",
    lambda xp, x: xp.cosh(x),
    lambda xp, g, x, y: g * xp.sinh(x),
    "CoshBackward0",
    "The hyperbolic cosine; derivative sinh(a).",
)
erf = _unary(
    "erf",
    lambda xp, x: erf_array(x),
    lambda xp, g, x, y: g * (_TWO_OVER_SQRT_PI * xp.exp(-x * x)),
    "ErfBackward0",
    "The error function; derivative 2 / sqrt(pi) * exp(-a ** 2).",
)


def abs(a: Tensor) -> Tensor:  # noqa: A001 - PyTorch's name
    """|a|, in ``a``'s dtype (bools refused); gradient sign(a) (0 at 0, as PyTorch)."""
    no_bools(a._data.dtype, "abs")
    x = a._data
    xp = get_xp(x)
    return record(xp.abs(x), (a,), lambda g, needs: (g * xp.sign(x),), "AbsBackward0")


def sign(a: Tensor) -> Tensor:
    """sign(a); its gradient is zero. A bool tensor is its own sign."""
    xp = get_xp(a._data)
    if a._data.dtype.kind == "b":
        return Tensor._make(a._data.copy())
    return record(xp.sign(a._data), (a,), lambda g, needs: (xp.zeros_like(g),), "SignBackward0")


def square(a: Tensor) -> Tensor:
    """a * a; integers stay integers, bools become int64 (as ``a ** 2``); derivative 2a."""
    if a._data.dtype.kind == "b":
        a = a.long()
    x = a._data
    return record(x * x, (a,), lambda g, needs: (g * (2 * x),), "PowBackward0")


def _rounding(name: str, forward: Callable, doc: str) -> Callable[[Tensor], Tensor]:
    """A rounding op: piecewise constant, so its gradient is zero; integers pass through
    unchanged and bools are refused, as in PyTorch."""

    def op(a: Tensor) -> Tensor:
        no_bools(a._data.dtype, name)
        x = a._data
        if x.dtype.kind in "iu":
            return Tensor._make(x.copy())
        return record(
            forward(get_xp(x), x),
            (a,),
            lambda g, needs: (get_xp(g).zeros_like(g),),
            name.capitalize() + "Backward0",
        )

    op.__name__ = op.__qualname__ = name
    op.__doc__ = doc
    return op


floor = _rounding("floor", lambda xp, x: xp.floor(x), "Rounds down; its gradient is zero.")
ceil = _rounding("ceil", lambda xp, x: xp.ceil(x), "Rounds up; its gradient is zero.")
trunc = _rounding("trunc", lambda xp, x: xp.trunc(x), "Rounds toward zero; its gradient is zero.")
round = _rounding(  # noqa: A001 - PyTorch's name
    "round",
    lambda xp, x: xp.round(x),
    "Rounds half to even, as PyTorch; its gradient is zero.",
)
