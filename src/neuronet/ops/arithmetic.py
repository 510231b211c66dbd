"""Arithmetic with broadcasting and PyTorch's type promotion: + - * / (and the rounded
divisions), powers, remainders, atan2, lerp, the element-wise max and min, clamp and where.

In every ``backward(g, needs)``, ``g`` is the gradient of the output and the result holds one
gradient per input (``None`` where ``needs[i]`` is False), summed back over broadcast
dimensions by ``unbroadcast``. ``lerp`` is a composite of add, mul and sub; every other op
here owns its VJP.
"""

from __future__ import annotations

from .. import dtypes
from ..backend import get_xp
from ..ieee import ieee
from ..tensor import Tensor, record
from ._util import binary, broadcast_error, constant, floating, no_bools, operands, unbroadcast
from .array_api import TENSOR_API, array_api
from .keywords import write_out

_PY_SCALARS = (int, float)


def check_integer_division(x, y, name: str) -> None:
    """PyTorch's refusals for a rounded quotient or a remainder of the promoted arrays ``x``,
    ``y``: bools, and integers divided by zero."""
    no_bools(x.dtype, name)
    if x.dtype.kind in "iu" and not get_xp(y).all(y):
        raise RuntimeError("ZeroDivisionError: integer division by zero")


def _is_bool(v) -> bool:
    """A Python bool or a bool tensor."""
    return type(v) is bool or isinstance(v, Tensor) and v._data.dtype.kind == "b"


def _float_tensor(a) -> bool:
    return isinstance(a, Tensor) and a._data.dtype.kind == "f"


def _scalar_fast(a, b) -> bool:
    """True for (floating tensor, Python number): the result keeps the tensor's dtype and the
    number needs no tensor of its own (the common ``x * 2.0`` case, kept cheap)."""
    return type(b) in _PY_SCALARS and _float_tensor(a)


def _identity_vjp(g, needs):
    return (g,)


def _negate_vjp(g, needs):
    return (-g,)


def add(input, other, *, alpha=1, out=None) -> Tensor:
    """input + alpha * other; ``out`` receives the result when given."""
    if out is not None:
        return write_out(out, "add", (input, other), lambda: add(input, other, alpha=alpha))
    if alpha != 1:
        other = mul(other, alpha)
    if type(other) in _PY_SCALARS:
        if _float_tensor(input):
            return record(input._data + other, (input,), _identity_vjp, "AddBackward0", ())
    elif type(input) in _PY_SCALARS and _float_tensor(other):
        return record(input + other._data, (other,), _identity_vjp, "AddBackward0", ())
    a, other, x, y = binary(input, other, "add")
    try:
        out = x + y
    except ValueError:
        raise broadcast_error("add", a, other) from None
    xs, ys = x.shape, y.shape

    def backward(g, needs):
        return (unbroadcast(g, xs) if needs[0] else None, unbroadcast(g, ys) if needs[1] else None)

    return record(out, (a, other), backward, "AddBackward0", ())


def sub(input, other, *, alpha=1, out=None) -> Tensor:
    """input - alpha * other; ``out`` receives the result when given. Booleans are refused, as
    in PyTorch (masks are inverted with ``~``)."""
    if out is not None:
        return write_out(out, "sub", (input, other), lambda: sub(input, other, alpha=alpha))
    if alpha != 1:
        other = mul(other, alpha)
    if type(other) in _PY_SCALARS:
        if _float_tensor(input):
            return record(input._data - other, (input,), _identity_vjp, "SubBackward0", ())
    elif type(input) in _PY_SCALARS and _float_tensor(other):
        return record(input - other._data, (other,), _negate_vjp, "RsubBackward1", ())
    a, other_tensor, x, y = binary(input, other, "sub")
    unconverted = a is input and other_tensor is other  # (so x, y are the inputs' own arrays)
    bools = 0 if unconverted and x.dtype.kind != "b" else _is_bool(input) + _is_bool(other)
    if bools:
        raise RuntimeError(
            "Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` "
            "or `logical_xor()` operator instead."
            if bools == 2
            else "Subtraction, the `-` operator, with a bool tensor is not supported. If you are "
            "trying to invert a mask, use the `~` or `logical_not()` operator instead."
        )
    other = other_tensor
    try:
        out = x - y
    except ValueError:
        raise broadcast_error("sub", a, other) from None
    xs, ys = x.shape, y.shape

    def backward(g, needs):
        return (unbroadcast(g, xs) if needs[0] else None, unbroadcast(-g, ys) if needs[1] else None)

    return record(out, (a, other), backward, "SubBackward0", ())


def mul(input, other, *, out=None) -> Tensor:
    """input * other; ``out`` receives the result when given."""
    if out is not None:
        return write_out(out, "mul", (input, other), lambda: mul(input, other))
    if _scalar_fast(other, input):
        input, other = other, input  # noqa: A001 - (the number second)
    if _scalar_fast(input, other):
        b = other
        return record(input._data * b, (input,), lambda g, needs: (g * b,), "MulBackward0", ())
    a, other, x, y = binary(input, other, "mul")
    try:
        out = x * y
    except ValueError:
        raise broadcast_error("mul", a, other) from None

    return record(out, (a, other), _mul_vjp, "MulBackward0", (x, y))


def _mul_vjp(g, needs, x, y):
    return (
        unbroadcast(g * y, x.shape) if needs[0] else None,
        unbroadcast(g * x, y.shape) if needs[1] else None,
    )


@ieee
def _divide(x, y):
    """x / y with IEEE results for a zero divisor (inf, -inf, nan), silently as in PyTorch."""
    return x / y


def div(input, other, *, rounding_mode=None, out=None) -> Tensor:
    """input / other (true division); ``rounding_mode='trunc'|'floor'`` gives a result with no
    gradient; ``out`` receives the result when given. Rounded division of booleans, and of
    integers by zero, raises, as in PyTorch."""
    if out is not None:
        return write_out(
            out, "div", (input, other), lambda: div(input, other, rounding_mode=rounding_mode)
        )
    a, other, x, y = binary(input, other, "div")
    if rounding_mode is not None:
        xp = get_xp(x)
        check_integer_division(x, y, f"div(rounding_mode={rounding_mode!r})")
        if rounding_mode == "floor":
            return Tensor._make(xp.floor_divide(x, y))
        if rounding_mode == "trunc":
            if x.dtype.kind in "iu":  # floor, moved up where the signs differ: exact integers
                q = xp.floor_divide(x, y)
                q += (xp.remainder(x, y) != 0) & ((x < 0) != (y < 0))
                return Tensor._make(q)
            return Tensor._make(xp.trunc(x / y))
        raise ValueError(
            f"div: rounding_mode must be None, 'trunc' or 'floor', got {rounding_mode!r}"
        )
    if _scalar_fast(a, other):
        return record(
            _divide(a._data, other), (a,), lambda g, needs: (_divide(g, other),), "DivBackward0", ()
        )
    if x.dtype.kind in "iub":
        a, other = a.to(dtypes.get_default_dtype()), other.to(dtypes.get_default_dtype())
        x, y = a._data, other._data
    try:
        out = _divide(x, y)
    except ValueError:
        raise broadcast_error("div", a, other) from None

    xs = x.shape

    @ieee
    def backward(g, needs, y, out=None):  # (out is saved when b requires grad)
        ga = g / y
        return (
            unbroadcast(ga, xs) if needs[0] else None,
            unbroadcast(-ga * out, y.shape) if needs[1] else None,
        )

    saved = (y, out) if other._requires_grad else (y,)
    return record(out, (a, other), backward, "DivBackward0", saved)


def neg(input: Tensor) -> Tensor:
    if input._data.dtype.kind == "b":
        raise RuntimeError(
            "Negation, the `-` operator, on a bool tensor is not supported. If "
            "you are trying to invert a mask, use the `~` or `logical_not()` "
            "operator instead."
        )

    return record(-input._data, (input,), _negate_vjp, "NegBackward0", ())


def pow(input, exponent) -> Tensor:  # noqa: A001 - PyTorch's name
    """a ** b. d/da = b * a**(b-1); d/db = a**b * log(a) (0 where a == 0 and b >= 0)."""
    if (
        isinstance(input, Tensor)
        and not isinstance(exponent, Tensor)
        and not hasattr(exponent, "__array__")
    ):
        return _pow_scalar(input, exponent)
    if _is_bool(input) and _is_bool(exponent):
        raise NotImplementedError("pow: not implemented for two bool tensors")
    a, exponent, x, y = binary(input, exponent, "pow")
    try:
        out = _power(x, y)
    except ValueError:
        raise broadcast_error("pow", a, exponent) from None
    return record(out, (a, exponent), _pow_vjp, "PowBackward1", (x, y, out))


@ieee
def _power(x, y):
    """x ** y with IEEE results (0 ** -1 is inf, overflow inf), silently as in PyTorch."""
    return x**y


@ieee
def _pow_vjp(g, needs, x, y, out):
    ga = gb = None
    if needs[0]:
        ga = unbroadcast(g * y * x ** (y - 1), x.shape)
    if needs[1]:
        xp = array_api(g)
        zero = x == 0
        log_x = xp.log(xp.where(zero, 1, x))
        gb = unbroadcast(xp.where(zero & (y >= 0), 0, g * out * log_x), y.shape)
    return ga, gb


def _pow_scalar(a: Tensor, exponent) -> Tensor:
    x = a._data
    if x.dtype.kind == "b":  # PyTorch: a bool result for a bool exponent, else int64 or float
        if type(exponent) is bool:
            return Tensor._make(x if exponent else get_xp(x).ones_like(x))
        if not isinstance(exponent, float):
            a = a.long()
            x = a._data
    if x.dtype.kind in "iub" and isinstance(exponent, float):
        a = a.to(constant(exponent, a).dtype)
        x = a._data
    if exponent == 2:
        out = x * x
    elif exponent in _BY_PRODUCTS and x.dtype.kind in "fc":
        out = _power_by_products(x, exponent)
    else:
        out = _power(x, exponent)

    @ieee
    def backward(g, needs, x):
        if exponent == 0:
            return (g * 0,)
        if exponent == 2:
            return (g * 2 * x,)
        if exponent in _BY_PRODUCTS and array_api(x) is not TENSOR_API and x.dtype.kind in "fc":
            return (g * exponent * _power_by_products(x, exponent - 1),)
        return (g * exponent * x ** (exponent - 1),)

    return record(out, (a,), backward, "PowBackward0", (x,))


_BY_PRODUCTS = (3, 4)  # (the exponents 3 and 4 also match 3.0 and 4.0)


@ieee
def _power_by_products(x, n):
    """x ** n for n = 2, 3 or 4 (int or integer-valued float) by multiplications: the general
    float power costs many times more, and real scripts write ``x ** 3.0`` (GELU's tanh form)."""
    square = x * x
    if n == 2:
        return square
    if n == 3:
        square *= x
        return square
    square *= square
    return square


def rpow(a: Tensor, base) -> Tensor:
    """base ** a for a scalar base."""
    return pow(constant(base, a), a)


def _remainder_like(a, b, name: str, quotient_rounding: str, numpy_name: str) -> Tensor:
    """a - q * b with q the quotient rounded by ``quotient_rounding``; gradients 1 and -q."""
    a, b, x, y = binary(a, b, name)
    xp = get_xp(x)
    check_integer_division(x, y, name)
    try:
        out = getattr(xp, numpy_name)(x, y)
    except ValueError:
        raise broadcast_error(name, a, b) from None

    xs, ys = x.shape, y.shape

    def backward(g, needs, x=None, y=None):  # (x and y are saved when b requires grad)
        gb = None
        if needs[1]:
            if isinstance(g, Tensor):  # (a recorded backward pass: the quotient is a constant)
                q = div(x, y, rounding_mode=quotient_rounding)
            else:
                q = div(Tensor._make(x), Tensor._make(y), rounding_mode=quotient_rounding)._data
            gb = unbroadcast(-g * q, ys)
        return (unbroadcast(g, xs) if needs[0] else None, gb)

    return record(
        out, (a, b), backward, name.capitalize() + "Backward0", (x, y) if b._requires_grad else ()
    )


def remainder(input, other) -> Tensor:
    """Python's modulus, ``a % b``: the result has the sign of ``b`` (a - floor(a / b) * b)."""
    return _remainder_like(input, other, "remainder", "floor", "remainder")


def fmod(input, other) -> Tensor:
    """C's remainder: the result has the sign of ``a`` (a - trunc(a / b) * b)."""
    return _remainder_like(input, other, "fmod", "trunc", "fmod")


def floor_divide(input, other) -> Tensor:
    """``a // b``: the quotient rounded down (no gradient)."""
    return div(input, other, rounding_mode="floor")


def atan2(input, other) -> Tensor:
    """The angle of the point (b, a), in (-pi, pi]. Gradients: b / r^2 for a, -a / r^2 for b,
    with r^2 = a^2 + b^2."""
    a, b, _, _ = binary(input, other, "atan2")  # promoted first: a 0-d float64 makes float64
    a, other = floating(a), floating(b)
    x, y = a._data, other._data
    xp = get_xp(x)
    try:
        out = xp.arctan2(x, y)
    except ValueError:
        raise broadcast_error("atan2", a, other) from None

    return record(out, (a, other), _atan2_vjp, "Atan2Backward0", (x, y))


def _atan2_vjp(g, needs, x, y):
    scale = g / (x * x + y * y)
    return (
        unbroadcast(scale * y, x.shape) if needs[0] else None,
        unbroadcast(-scale * x, y.shape) if needs[1] else None,
    )


def lerp(input: Tensor, end: Tensor, weight) -> Tensor:
    """start + weight * (end - start), for a number or tensor ``weight``. Gradients: (1 - w),
    w and (end - start). As in PyTorch, ``start`` is floating and tensors share its dtype."""
    dtype = input._data.dtype
    if dtype.kind not in "fc":
        raise RuntimeError(f"lerp: only implemented for floating point tensors, got {dtype}")
    for name, t in (("end", end), ("weight", weight)):
        if isinstance(t, Tensor) and t._data.dtype != dtype:
            raise RuntimeError(
                f"lerp: expected dtype {dtype} for `{name}` but got dtype {t._data.dtype}"
            )
    return add(input, mul(weight, sub(end, input)))


def _tie_split(a, b, name: str, pick_a):
    a, b, x, y = binary(a, b, name)
    xp = get_xp(x)
    try:
        out = xp.where(pick_a(x, y), x, y)
    except ValueError:
        raise broadcast_error(name, a, b) from None

    def backward(g, needs, x, y):
        if isinstance(g, Tensor):  # (a recorded backward pass: the weights are constants)
            wa = Tensor._make(_tie_weights(x._data, y._data, pick_a, g._data.dtype))
        else:
            wa = _tie_weights(x, y, pick_a, g.dtype)
        return (
            unbroadcast(g * wa, x.shape) if needs[0] else None,
            unbroadcast(g * (1 - wa), y.shape) if needs[1] else None,
        )

    return record(out, (a, b), backward, name.capitalize() + "Backward0", (x, y))


def _tie_weights(x, y, pick_a, dtype):
    """The share of the gradient that goes to ``x``: 1 where it is picked, 0.5 at ties."""
    return get_xp(x).where(x == y, 0.5, pick_a(x, y)).astype(dtype, copy=False)


def maximum(input, other, *, out=None) -> Tensor:
    """Element-wise max; at ties each input gets half the gradient (PyTorch's rule)."""
    if out is not None:
        return write_out(out, "maximum", (input, other), lambda: maximum(input, other))
    return _tie_split(input, other, "maximum", lambda x, y: x >= y)


def minimum(input, other, *, out=None) -> Tensor:
    """Element-wise min; at ties each input gets half the gradient."""
    if out is not None:
        return write_out(out, "minimum", (input, other), lambda: minimum(input, other))
    return _tie_split(input, other, "minimum", lambda x, y: x <= y)


def clamp(input: Tensor, min=None, max=None, *, out=None) -> Tensor:
    """min(max(a, min), max). The gradient flows to ``a`` where min <= a <= max (ends included),
    and to tensor bounds where they are chosen; ``out`` receives the result when given."""
    if out is not None:
        return write_out(out, "clamp", (input, min, max), lambda: clamp(input, min, max))
    if max is None and type(min) in _PY_SCALARS and _float_tensor(input):  # clamp_min(x, c)
        x = input._data
        return record(
            get_xp(x).maximum(x, min),
            (input,),
            lambda g, needs, x: (g * (x >= min),),
            "ClampMinBackward0",
            (x,),
        )
    if min is None and max is None:
        raise RuntimeError("clamp: at least one of 'min' or 'max' must not be None")
    # The bounds take part in the result's dtype, as in PyTorch (integers clamped at 2.5 become
    # floats); number bounds are constants.
    lo_t = None if min is None else min if isinstance(min, Tensor) else constant(min, input)
    hi_t = None if max is None else max if isinstance(max, Tensor) else constant(max, input)
    a = input
    for bound in (lo_t, hi_t):
        if bound is not None:
            a = operands(a, bound, "clamp")[0]
    lo_t = None if lo_t is None else operands(a, lo_t, "clamp")[1]
    hi_t = None if hi_t is None else operands(a, hi_t, "clamp")[1]
    x = a._data
    if x.dtype.kind == "b" and not (isinstance(min, Tensor) or isinstance(max, Tensor)):
        raise NotImplementedError("clamp: not implemented for bool tensors with number bounds")
    xp = get_xp(x)
    inputs = [a] + [t for t in (lo_t, hi_t) if t is not None]
    lo = None if lo_t is None else lo_t._data
    hi = None if hi_t is None else hi_t._data
    below = x < lo if lo is not None else None
    out = xp.maximum(x, lo) if lo is not None else x
    above = out > hi if hi is not None else None
    if hi is not None:
        out = xp.minimum(out, hi)
    if out is x:
        out = x.copy()
    out = out.astype(x.dtype, copy=False)
    lo_is_t, hi_is_t = lo_t is not None, hi_t is not None
    shapes = [t._data.shape for t in inputs]

    def backward(g, needs, below, above):
        keep = True
        if below is not None:
            keep = ~below
        if above is not None:
            keep = keep & ~above
        grads = [unbroadcast(g * keep, shapes[0]) if needs[0] else None]
        i = 1
        if lo_is_t:
            sel = below if above is None else below & ~above
            grads.append(unbroadcast(g * sel, shapes[i]) if needs[i] else None)
            i += 1
        if hi_is_t:
            grads.append(unbroadcast(g * above, shapes[i]) if needs[i] else None)
        return tuple(grads)

    return record(out, tuple(inputs), backward, "ClampBackward1", (below, above))


def clamp_min(input: Tensor, min) -> Tensor:
    return clamp(input, min=min)


def clamp_max(input: Tensor, max) -> Tensor:
    return clamp(input, max=max)


def where(condition, input, other, *, out=None) -> Tensor:
    """``input`` where ``condition`` else ``other`` (broadcast); ``out`` receives the result
    when given."""
    if out is not None:
        return write_out(
            out, "where", (condition, input, other), lambda: where(condition, input, other)
        )
    cond = condition._data if isinstance(condition, Tensor) else condition
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        raise TypeError("where: at least one of the inputs must be a Tensor")
    a, other, x, y = binary(input, other, "where")
    xp = get_xp(x)
    cond = xp.asarray(cond)
    if cond.dtype.kind != "b":
        raise TypeError(f"where: condition must be a bool tensor, got dtype {cond.dtype}")
    out = xp.where(cond, x, y)

    xs, ys = x.shape, y.shape

    def backward(g, needs, cond):
        xp = array_api(g)
        zero = 0 if xp is TENSOR_API else xp.zeros((), dtype=g.dtype)
        return (
            unbroadcast(xp.where(cond, g, zero), xs) if needs[0] else None,
            unbroadcast(xp.where(cond, zero, g), ys) if needs[1] else None,
        )

    return record(out, (a, other), backward, "WhereBackward0", (cond,))
