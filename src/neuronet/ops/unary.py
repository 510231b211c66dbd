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
from ..ieee import ieee
from ..tensor import Tensor, record
from ._util import floating, no_bools
from .array_api import array_api
from .keywords import write_out

_NUMPY = np.ndarray
_LN2, _LN10 = math.log(2), math.log(10)
_TWO_OVER_SQRT_PI = 2 / math.sqrt(math.pi)


def _unary(
    name: str, forward: Callable, backward: Callable, grad_fn: str, doc: str, saves: str
) -> Callable[[Tensor], Tensor]:
    """The op ``name``: ``forward(xp, x)``, with VJP ``backward(xp, g, x, y)``, of ``a`` made
    floating. ``saves`` is ``"x"`` or ``"y"``: the one value the VJP reads (the other is
    passed as None), the input or the output, as PyTorch saves it. Both run under ``ieee``:
    exp's overflow, log(0), sqrt(-1) give inf/-inf/nan silently, as in PyTorch."""
    forward, backward = ieee(forward), ieee(backward)
    if saves == "y":

        def vjp(g, needs, y):
            return (backward(np if type(g) is _NUMPY else array_api(g), g, None, y),)

    else:

        def vjp(g, needs, x):
            return (backward(np if type(g) is _NUMPY else array_api(g), g, x, None),)

    def op(input: Tensor, *, out: Tensor | None = None) -> Tensor:
        if out is not None:
            return write_out(out, name, (input,), lambda: op(input))
        a = floating(input)
        x = a._data
        y = forward(get_xp(x), x)
        return record(y, (a,), vjp, grad_fn, (y,) if saves == "y" else (x,))

    op.__name__ = op.__qualname__ = name
    op.__doc__ = doc
    return op


def erf_array(x):
    """The error function of an array: SciPy's (CuPy's on a GPU) when installed, else
    ``erf_numpy`` (NumPy only, accurate to about one unit in the last place)."""
    xp = get_xp(x)
    if xp is not np:
        import cupyx.scipy.special  # noqa: PLC0415 - only reached for CuPy arrays

        return cupyx.scipy.special.erf(x)
    try:
        from scipy.special import erf  # noqa: PLC0415 - optional: faster when installed
    except ImportError:
        return erf_numpy(x)
    return erf(x).astype(x.dtype, copy=False)


# erf_numpy's tables: the Maclaurin series of erf below 1, and Chebyshev expansions of erfc
# on [1, 6) in pieces of _ERF_WIDTH (erf = 1 - erfc there; erfc(6) < 2^-54, so erf = 1 beyond).
_ERF_SERIES = [
    2 / math.sqrt(math.pi) * (-1) ** n / (math.factorial(n) * (2 * n + 1)) for n in range(19)
]
_ERF_LOW, _ERF_HIGH, _ERF_WIDTH, _ERF_DEGREE = 1.0, 6.0, 0.25, 10
_erf_tables: dict = {}


def _erfc_chebyshev(dtype) -> np.ndarray:
    """(degree + 1, pieces) Chebyshev coefficients of erfc on each piece, from ``math.erfc``
    at the Chebyshev points (the discrete cosine transform, summed exactly by ``fsum``)."""
    table = _erf_tables.get(dtype)
    if table is None:
        n = _ERF_DEGREE + 1
        theta = [math.pi * (i + 0.5) / n for i in range(n)]
        pieces = int((_ERF_HIGH - _ERF_LOW) / _ERF_WIDTH)  # (20: the quotient is exact)
        half = _ERF_WIDTH / 2
        coefficients = []
        for k in range(pieces):
            centre = _ERF_LOW + k * _ERF_WIDTH + half
            values = [math.erfc(centre + half * math.cos(t)) for t in theta]
            c = [
                2 / n * math.fsum(v * math.cos(j * t) for v, t in zip(values, theta))
                for j in range(n)
            ]
            c[0] /= 2
            coefficients.append(c)
        table = _erf_tables[dtype] = np.array(coefficients, dtype=dtype).T.copy()
    return table


def erf_numpy(x: np.ndarray) -> np.ndarray:
    """erf of a floating NumPy array in NumPy alone: for |x| < 1 the Maclaurin series
    x * sum_n c_n x^(2n) (19 terms, Horner's rule), for 1 <= |x| < 6 one minus erfc's
    Chebyshev expansion of degree 10 on the piece of width 1/4 holding |x| (Clenshaw's
    recurrence), 1 beyond; odd in x, NaN for NaN. Within about 2e-16 relative error of
    ``math.erf`` in float64."""
    x = np.asarray(x)
    if x.dtype.kind != "f":
        x = x.astype(np.float64)
    dtype = x.dtype.type
    a = np.abs(x)
    out = np.ones_like(a)
    nan = np.isnan(a)
    small = a < _ERF_LOW
    if small.any():
        s = a[small]
        u = s * s
        acc = np.full_like(s, _ERF_SERIES[-1])
        for c in reversed(_ERF_SERIES[:-1]):
            acc *= u
            acc += dtype(c)
        out[small] = s * acc
    middle = (a >= _ERF_LOW) & (a < _ERF_HIGH)
    if middle.any():
        m = a[middle]
        table = _erfc_chebyshev(x.dtype)
        k = ((m - dtype(_ERF_LOW)) * dtype(1 / _ERF_WIDTH)).astype(np.intp)
        k = np.minimum(k, table.shape[1] - 1)
        t = (m - dtype(_ERF_LOW + _ERF_WIDTH / 2) - k * dtype(_ERF_WIDTH)) * dtype(2 / _ERF_WIDTH)
        t2 = t + t
        b1, b2 = np.zeros_like(t), np.zeros_like(t)
        for j in range(_ERF_DEGREE, 0, -1):
            b1, b2 = t2 * b1 - b2 + table[j].take(k), b1
        out[middle] = 1 - (t * b1 - b2 + table[0].take(k))
    out[nan] = np.nan
    return np.copysign(out, x)


# name, forward f(x), backward g * f'(x) from (g, x, y), grad_fn name, docstring, saved value
exp = _unary(
    "exp",
    lambda xp, x: xp.exp(x),
    lambda xp, g, x, y: g * y,
    "ExpBackward0",
    "e ** a; derivative e ** a (the output).",
    "y",
)
exp2 = _unary(
    "exp2",
    lambda xp, x: xp.exp2(x),
    lambda xp, g, x, y: g * (y * _LN2),
    "Exp2Backward0",
    "2 ** a; derivative ln(2) * 2 ** a.",
    "y",
)
expm1 = _unary(
    "expm1",
    lambda xp, x: xp.expm1(x),
    lambda xp, g, x, y: g * (y + 1),
    "Expm1Backward0",
    "e ** a - 1, exact for small a; derivative e ** a.",
    "y",
)
log = _unary(
    "log",
    lambda xp, x: xp.log(x),
    lambda xp, g, x, y: g / x,
    "LogBackward0",
    "The natural logarithm; derivative 1 / a.",
    "x",
)
log2 = _unary(
    "log2",
    lambda xp, x: xp.log2(x),
    lambda xp, g, x, y: g * (1 / (x * _LN2)),
    "Log2Backward0",
    "The base-2 logarithm; derivative 1 / (a ln 2).",
    "x",
)
log10 = _unary(
    "log10",
    lambda xp, x: xp.log10(x),
    lambda xp, g, x, y: g * (1 / (x * _LN10)),
    "Log10Backward0",
    "The base-10 logarithm; derivative 1 / (a ln 10).",
    "x",
)
log1p = _unary(
    "log1p",
    lambda xp, x: xp.log1p(x),
    lambda xp, g, x, y: g / (1 + x),
    "Log1PBackward0",
    "log(1 + a), exact for small a; derivative 1 / (1 + a).",
    "x",
)
sqrt = _unary(
    "sqrt",
    lambda xp, x: xp.sqrt(x),
    lambda xp, g, x, y: g / (2 * y),
    "SqrtBackward0",
    "The square root; derivative 1 / (2 sqrt(a)).",
    "y",
)
rsqrt = _unary(
    "rsqrt",
    lambda xp, x: 1 / xp.sqrt(x),
    lambda xp, g, x, y: -0.5 * g * y * y * y,
    "RsqrtBackward0",
    "1 / sqrt(a); derivative -0.5 * a ** -1.5 = -0.5 * out ** 3.",
    "y",
)
reciprocal = _unary(
    "reciprocal",
    lambda xp, x: 1 / x,
    lambda xp, g, x, y: g * (-y * y),
    "ReciprocalBackward0",
    "1 / a; derivative -1 / a ** 2 = -out ** 2.",
    "y",
)
sin = _unary(
    "sin",
    lambda xp, x: xp.sin(x),
    lambda xp, g, x, y: g * xp.cos(x),
    "SinBackward0",
    "The sine; derivative cos(a).",
    "x",
)
cos = _unary(
    "cos",
    lambda xp, x: xp.cos(x),
    lambda xp, g, x, y: -g * xp.sin(x),
    "CosBackward0",
    "The cosine; derivative -sin(a).",
    "x",
)
tan = _unary(
    "tan",
    lambda xp, x: xp.tan(x),
    lambda xp, g, x, y: g * (1 + y * y),
    "TanBackward0",
    "The tangent; derivative 1 + tan(a) ** 2.",
    "y",
)
asin = _unary(
    "asin",
    lambda xp, x: xp.arcsin(x),
    lambda xp, g, x, y: g * (1 / xp.sqrt(1 - x * x)),
    "AsinBackward0",
    "arcsin(a) for |a| <= 1; derivative 1 / sqrt(1 - a ** 2).",
    "x",
)
acos = _unary(
    "acos",
    lambda xp, x: xp.arccos(x),
    lambda xp, g, x, y: g * (-1 / xp.sqrt(1 - x * x)),
    "AcosBackward0",
    "arccos(a) for |a| <= 1; derivative -1 / sqrt(1 - a ** 2).",
    "x",
)
atan = _unary(
    "atan",
    lambda xp, x: xp.arctan(x),
    lambda xp, g, x, y: g * (1 / (1 + x * x)),
    "AtanBackward0",
    "arctan(a); derivative 1 / (1 + a ** 2).",
    "x",
)
sinh = _unary(
    "sinh",
    lambda xp, x: xp.sinh(x),
    lambda xp, g, x, y: g * xp.cosh(x),
    "SinhBackward0",
    "The hyperbolic sine; derivative cosh(a).",
    "x",
)
cosh = _unary(
    "cosh",
    lambda xp, x: xp.cosh(x),
    lambda xp, g, x, y: g * xp.sinh(x),
    "CoshBackward0",
    "The hyperbolic cosine; derivative sinh(a).",
    "x",
)
erf = _unary(
    "erf",
    lambda xp, x: erf_array(x),
    lambda xp, g, x, y: g * (_TWO_OVER_SQRT_PI * xp.exp(-x * x)),
    "ErfBackward0",
    "The error function; derivative 2 / sqrt(pi) * exp(-a ** 2).",
    "x",
)


def abs(input: Tensor) -> Tensor:  # noqa: A001 - PyTorch's name
    """|a|, in ``a``'s dtype (bools refused); gradient sign(a) (0 at 0, as PyTorch)."""
    no_bools(input._data.dtype, "abs")
    x = input._data
    return record(get_xp(x).abs(x), (input,), _abs_vjp, "AbsBackward0", (x,))


def _abs_vjp(g, needs, x):
    return (g * array_api(g).sign(x),)


def _zero_vjp(g, needs):
    return (array_api(g).zeros_like(g),)


def sign(input: Tensor) -> Tensor:
    """sign(a); its gradient is zero. A bool tensor is its own sign."""
    xp = get_xp(input._data)
    if input._data.dtype.kind == "b":
        return Tensor._make(input._data.copy())
    return record(xp.sign(input._data), (input,), _zero_vjp, "SignBackward0", ())


def square(input: Tensor) -> Tensor:
    """a * a; integers stay integers, bools become int64 (as ``a ** 2``); derivative 2a."""
    a = input.long() if input._data.dtype.kind == "b" else input
    x = a._data
    return record(x * x, (a,), _square_vjp, "PowBackward0", (x,))


def _square_vjp(g, needs, x):
    return (g * (2 * x),)


def _rounding(name: str, forward: Callable, doc: str) -> Callable[[Tensor], Tensor]:
    """A rounding op: piecewise constant, so its gradient is zero; integers pass through
    unchanged and bools are refused, as in PyTorch."""

    def op(input: Tensor) -> Tensor:
        no_bools(input._data.dtype, name)
        x = input._data
        if x.dtype.kind in "iu":
            return Tensor._make(x.copy())
        return record(
            forward(get_xp(x), x), (input,), _zero_vjp, name.capitalize() + "Backward0", ()
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
