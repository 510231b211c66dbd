"""More element-wise math, as PyTorch defines it: powers and logs, trigonometric and hyperbolic
functions, erf, rounding, atan2, remainders, lerp, the bitwise ops of integers and bools
(``&``, ``|``, ``^``, ``~``), and the predicates isinf, logical_xor and isclose (with allclose
and equal, which answer with a Python bool).

Float-valued ops give integer inputs the default float dtype, as PyTorch does. Each backward
sits beside its forward and sums over broadcast dimensions with ``unbroadcast``.
"""
from __future__ import annotations

import math

import numpy as np

from ..backend import get_xp
from ..tensor import Tensor, record
from ._util import broadcast_error, unbroadcast
from .elementwise import _binary, _zero_grad, check_integer_division, div, floating


def _unary(a: Tensor, forward, derivative, name: str) -> Tensor:
    """``forward(x)``, with gradient ``g * derivative(x, out)``, of a floating ``a``."""
    a = floating(a)
    x = a.data
    out = forward(x)
    return record(out, (a,), lambda g, needs: (g * derivative(x, out),), name)


def square(a: Tensor) -> Tensor:
    """a * a; integers stay integers, bools become int64 (as ``a ** 2``)."""
    if a.data.dtype.kind == "b":
        a = a.long()
    x = a.data
    return record(x * x, (a,), lambda g, needs: (g * (2 * x),), "PowBackward0")


def reciprocal(a: Tensor) -> Tensor:
    """1 / a; gradient -g / a^2 = -g * out^2."""
    return _unary(a, lambda x: 1 / x, lambda x, out: -out * out, "ReciprocalBackward0")


def log2(a: Tensor) -> Tensor:
    return _unary(a, lambda x: get_xp(x).log2(x), lambda x, out: 1 / (x * math.log(2)),
                  "Log2Backward0")


def log10(a: Tensor) -> Tensor:
    return _unary(a, lambda x: get_xp(x).log10(x), lambda x, out: 1 / (x * math.log(10)),
                  "Log10Backward0")


def tan(a: Tensor) -> Tensor:
    """tan(a); gradient 1 + tan^2."""
    return _unary(a, lambda x: get_xp(x).tan(x), lambda x, out: 1 + out * out, "TanBackward0")


def atan(a: Tensor) -> Tensor:
    return _unary(a, lambda x: get_xp(x).arctan(x), lambda x, out: 1 / (1 + x * x),
                  "AtanBackward0")


def asin(a: Tensor) -> Tensor:
    """arcsin(a) for |a| <= 1; gradient 1 / sqrt(1 - a^2)."""
    return _unary(a, lambda x: get_xp(x).arcsin(x), lambda x, out: 1 / get_xp(x).sqrt(1 - x * x),
                  "AsinBackward0")


def acos(a: Tensor) -> Tensor:
    """arccos(a) for |a| <= 1; gradient -1 / sqrt(1 - a^2)."""
    return _unary(a, lambda x: get_xp(x).arccos(x), lambda x, out: -1 / get_xp(x).sqrt(1 - x * x),
                  "AcosBackward0")


def sinh(a: Tensor) -> Tensor:
    return _unary(a, lambda x: get_xp(x).sinh(x), lambda x, out: get_xp(x).cosh(x),
                  "SinhBackward0")


def cosh(a: Tensor) -> Tensor:
    return _unary(a, lambda x: get_xp(x).cosh(x), lambda x, out: get_xp(x).sinh(x),
                  "CoshBackward0")


def exp2(a: Tensor) -> Tensor:
    """2 ** a; gradient ln(2) * 2 ** a."""
    return _unary(a, lambda x: get_xp(x).exp2(x), lambda x, out: out * math.log(2),
                  "Exp2Backward0")


def erf_array(x):
    """The error function of an array: SciPy's (CuPy's on a GPU) when installed, else Python's
    ``math.erf`` element by element (exact, slower)."""
    xp = get_xp(x)
    if xp is not np:
        import cupyx.scipy.special  # noqa: PLC0415

        return cupyx.scipy.special.erf(x)
    try:
        from scipy.special import erf  # noqa: PLC0415 - optional: faster when installed
    except ImportError:
        return np.vectorize(math.erf, otypes=[x.dtype])(x) if x.size else x.copy()
    return erf(x).astype(x.dtype, copy=False)


def erf(a: Tensor) -> Tensor:
    """erf(a); gradient 2 / sqrt(pi) * exp(-a^2)."""
    return _unary(a, erf_array, lambda x, out: (2 / math.sqrt(math.pi)) * get_xp(x).exp(-x * x),
                  "ErfBackward0")


def trunc(a: Tensor) -> Tensor:
    """Rounds toward zero; its gradient is zero."""
    return _zero_grad(a, lambda x: get_xp(x).trunc(x), "trunc")


def ceil(a: Tensor) -> Tensor:
    """Rounds up; its gradient is zero."""
    return _zero_grad(a, lambda x: get_xp(x).ceil(x), "ceil")


def atan2(a, b) -> Tensor:
    """The angle of the point (b, a), in (-pi, pi]. Gradients: b / r^2 for a, -a / r^2 for b,
    with r^2 = a^2 + b^2."""
    a, b, _, _ = _binary(a, b, "atan2")  # promoted first: a 0-d float64 makes float64
    a, b = floating(a), floating(b)
    x, y = a.data, b.data
    xp = get_xp(x)
    try:
        out = xp.arctan2(x, y)
    except ValueError:
        raise broadcast_error("atan2", a, b) from None

    def backward(g, needs):
        scale = g / (x * x + y * y)
        return (unbroadcast(scale * y, x.shape) if needs[0] else None,
                unbroadcast(-scale * x, y.shape) if needs[1] else None)
    return record(out, (a, b), backward, "Atan2Backward0")


def _remainder_like(a, b, name: str, quotient_rounding: str, numpy_name: str) -> Tensor:
    """a - q * b with q the quotient rounded by ``quotient_rounding``; gradients 1 and -q."""
    a, b, x, y = _binary(a, b, name)
    xp = get_xp(x)
    check_integer_division(x, y, name)
    try:
        out = getattr(xp, numpy_name)(x, y)
    except ValueError:
        raise broadcast_error(name, a, b) from None

    def backward(g, needs):
        gb = None
        if needs[1]:
            q = div(Tensor._make(x), Tensor._make(y), rounding_mode=quotient_rounding).data
            gb = unbroadcast(-g * q, y.shape)
        return (unbroadcast(g, x.shape) if needs[0] else None, gb)
    return record(out, (a, b), backward, name.capitalize() + "Backward0")


def remainder(a, b) -> Tensor:
    """Python's modulus, ``a % b``: the result has the sign of ``b`` (a - floor(a / b) * b)."""
    return _remainder_like(a, b, "remainder", "floor", "remainder")


def fmod(a, b) -> Tensor:
    """C's remainder: the result has the sign of ``a`` (a - trunc(a / b) * b)."""
    return _remainder_like(a, b, "fmod", "trunc", "fmod")


def floor_divide(a, b) -> Tensor:
    """``a // b``: the quotient rounded down (no gradient)."""
    return div(a, b, rounding_mode="floor")


def lerp(start: Tensor, end: Tensor, weight) -> Tensor:
    """start + weight * (end - start), for a number or tensor ``weight``. Gradients: (1 - w),
    w and (end - start). As in PyTorch, ``start`` is floating and tensors share its dtype."""
    from .elementwise import add, mul, sub  # noqa: PLC0415

    dtype = start.data.dtype
    if dtype.kind not in "fc":
        raise RuntimeError(f"lerp: only implemented for floating point tensors, got {dtype}")
    for name, t in (("end", end), ("weight", weight)):
        if isinstance(t, Tensor) and t.data.dtype != dtype:
            raise RuntimeError(f"lerp: expected dtype {dtype} for `{name}` but got dtype "
                               f"{t.data.dtype}")
    return add(start, mul(weight, sub(end, start)))


def isinf(a: Tensor) -> Tensor:
    return Tensor._make(get_xp(a.data).isinf(a.data))


def logical_xor(a, b) -> Tensor:
    a, b, x, y = _binary(a, b, "logical_xor")
    return Tensor._make(get_xp(x).logical_xor(x, y))


def isclose(a, b, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> Tensor:
    """|a - b| <= atol + rtol * |b|, element by element (a bool tensor); two tensors must share
    a dtype, as in PyTorch."""
    if isinstance(a, Tensor) and isinstance(b, Tensor) and a.data.dtype != b.data.dtype:
        raise RuntimeError(f"isclose(): expected both tensors to have same dtype, but got "
                           f"{a.data.dtype} and {b.data.dtype}")
    a, b, x, y = _binary(a, b, "isclose")
    return Tensor._make(get_xp(x).isclose(x, y, rtol=rtol, atol=atol, equal_nan=equal_nan))


def allclose(a, b, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> bool:
    """Whether ``isclose`` holds everywhere."""
    return bool(isclose(a, b, rtol, atol, equal_nan).data.all())


def equal(a: Tensor, b: Tensor) -> bool:
    """Whether the two tensors have one shape and equal entries."""
    if tuple(a.data.shape) != tuple(b.data.shape):
        return False
    return bool((a.data == b.data).all())


def _bitwise(a, b, name: str) -> Tensor:
    a, b, x, y = _binary(a, b, name)
    if x.dtype.kind not in "biu":
        raise NotImplementedError(f"{name}: not implemented for {x.dtype} tensors (integers and "
                                  "bools only)")
    try:
        return Tensor._make(getattr(get_xp(x), name)(x, y))
    except ValueError:
        raise broadcast_error(name, a, b) from None


def bitwise_and(a, b) -> Tensor:
    """``a & b``: bit by bit for integers, logical for bools."""
    return _bitwise(a, b, "bitwise_and")


def bitwise_or(a, b) -> Tensor:
    """``a | b``: bit by bit for integers, logical for bools."""
    return _bitwise(a, b, "bitwise_or")


def bitwise_xor(a, b) -> Tensor:
    """``a ^ b``: bit by bit for integers, logical for bools."""
    return _bitwise(a, b, "bitwise_xor")


def bitwise_not(a: Tensor) -> Tensor:
    """``~a``: every bit flipped for integers, logical not for bools."""
    x = a.data
    if x.dtype.kind not in "biu":
        raise TypeError("~ (operator.invert) is only implemented on integer and Boolean-type "
                        "tensors")
    return Tensor._make(get_xp(x).invert(x))
