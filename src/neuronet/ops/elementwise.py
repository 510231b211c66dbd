"""Element-wise ops with broadcasting: each forward beside its vector-Jacobian product.

In every ``backward(g, needs)``, ``g`` is the gradient of the output and the result holds one
gradient per input, summed back over broadcast dimensions by ``unbroadcast``.
"""
from __future__ import annotations

import numpy as np

from ..backend import get_xp
from ..kernels import kernel, usable
from ..tensor import Tensor, record
from ._util import broadcast_error, constant, operands, unbroadcast


_PY_SCALARS = (int, float)
_NUMPY = np.ndarray


def floating(a: Tensor) -> Tensor:
    """``a``, in the default float dtype if it holds integers or bools: PyTorch's dtype for
    float-valued ops (exp, sin, sqrt, ...) of integer tensors."""
    if a.data.dtype.kind in "fc":
        return a
    from .. import dtypes  # noqa: PLC0415

    return a.to(dtypes.get_default_dtype())


def _no_bools(dtype, name: str) -> None:
    if dtype.kind == "b":
        raise NotImplementedError(f"{name}: not implemented for bool tensors")


def check_integer_division(x, y, name: str) -> None:
    """PyTorch's refusals for a rounded quotient or a remainder of the promoted arrays ``x``,
    ``y``: bools, and integers divided by zero."""
    _no_bools(x.dtype, name)
    if x.dtype.kind in "iu" and not get_xp(y).all(y):
        raise RuntimeError("ZeroDivisionError: integer division by zero")


def _is_bool(v) -> bool:
    """A Python bool or a bool tensor."""
    return type(v) is bool or isinstance(v, Tensor) and v.data.dtype.kind == "b"


def _float_tensor(a) -> bool:
    return isinstance(a, Tensor) and a.data.dtype.kind == "f"


def _scalar_fast(a, b) -> bool:
    """True for (floating tensor, Python number): the result keeps the tensor's dtype and the
    number needs no tensor of its own (the common ``x * 2.0`` case, kept cheap)."""
    return type(b) in _PY_SCALARS and _float_tensor(a)


def _binary(a, b, name: str):
    """``a, b`` as tensors of one dtype on one device, and their arrays."""
    if isinstance(a, Tensor) and isinstance(b, Tensor):
        x, y = a.data, b.data
        if x.dtype == y.dtype and type(x) is type(y):  # nothing to convert: the usual case
            return a, b, x, y
    a, b = operands(a, b, name)
    return a, b, a.data, b.data


def _identity_vjp(g, needs):
    return (g,)


def _negate_vjp(g, needs):
    return (-g,)


def add(a, b, *, alpha=1) -> Tensor:
    """a + alpha * b."""
    if alpha != 1:
        b = mul(b, alpha)
    if type(b) in _PY_SCALARS:
        if _float_tensor(a):
            return record(a.data + b, (a,), _identity_vjp, "AddBackward0")
    elif type(a) in _PY_SCALARS and _float_tensor(b):
        return record(a + b.data, (b,), _identity_vjp, "AddBackward0")
    a, b, x, y = _binary(a, b, "add")
    try:
        out = x + y
    except ValueError:
        raise broadcast_error("add", a, b) from None
    xs, ys = x.shape, y.shape

    def backward(g, needs):
        return (unbroadcast(g, xs) if needs[0] else None,
                unbroadcast(g, ys) if needs[1] else None)
    return record(out, (a, b), backward, "AddBackward0")


def sub(a, b, *, alpha=1) -> Tensor:
    """a - alpha * b. Booleans are refused, as in PyTorch (masks are inverted with ``~``)."""
    if alpha != 1:
        b = mul(b, alpha)
    if type(b) in _PY_SCALARS:
        if _float_tensor(a):
            return record(a.data - b, (a,), _identity_vjp, "SubBackward0")
    elif type(a) in _PY_SCALARS and _float_tensor(b):
        return record(a - b.data, (b,), _negate_vjp, "RsubBackward1")
    bools = _is_bool(a) + _is_bool(b)
    if bools:
        raise RuntimeError(
            "Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` "
            "or `logical_xor()` operator instead." if bools == 2 else
            "Subtraction, the `-` operator, with a bool tensor is not supported. If you are "
            "trying to invert a mask, use the `~` or `logical_not()` operator instead.")
    a, b, x, y = _binary(a, b, "sub")
    try:
        out = x - y
    except ValueError:
        raise broadcast_error("sub", a, b) from None
    xs, ys = x.shape, y.shape

    def backward(g, needs):
        return (unbroadcast(g, xs) if needs[0] else None,
                unbroadcast(-g, ys) if needs[1] else None)
    return record(out, (a, b), backward, "SubBackward0")


def mul(a, b) -> Tensor:
    if _scalar_fast(b, a):
        a, b = b, a
    if _scalar_fast(a, b):
        return record(a.data * b, (a,), lambda g, needs: (g * b,), "MulBackward0")
    a, b, x, y = _binary(a, b, "mul")
    try:
        out = x * y
    except ValueError:
        raise broadcast_error("mul", a, b) from None

    def backward(g, needs):
        return (unbroadcast(g * y, x.shape) if needs[0] else None,
                unbroadcast(g * x, y.shape) if needs[1] else None)
    return record(out, (a, b), backward, "MulBackward0")


def div(a, b, *, rounding_mode=None) -> Tensor:
    """a / b (true division); ``rounding_mode='trunc'|'floor'`` gives a result with no gradient.
    Rounded division of booleans, and of integers by zero, raises, as in PyTorch."""
    a, b, x, y = _binary(a, b, "div")
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
        raise ValueError(f"div: rounding_mode must be None, 'trunc' or 'floor', got {rounding_mode!r}")
    if _scalar_fast(a, b):
        return record(a.data / b, (a,), lambda g, needs: (g / b,), "DivBackward0")
    if x.dtype.kind in "iub":
        from .. import dtypes  # noqa: PLC0415

        a, b = a.to(dtypes.get_default_dtype()), b.to(dtypes.get_default_dtype())
        x, y = a.data, b.data
    try:
        out = x / y
    except ValueError:
        raise broadcast_error("div", a, b) from None

    def backward(g, needs):
        ga = g / y
        return (unbroadcast(ga, x.shape) if needs[0] else None,
                unbroadcast(-ga * out, y.shape) if needs[1] else None)
    return record(out, (a, b), backward, "DivBackward0")


def neg(a: Tensor) -> Tensor:
    if a.data.dtype.kind == "b":
        raise RuntimeError("Negation, the `-` operator, on a bool tensor is not supported. If "
                           "you are trying to invert a mask, use the `~` or `logical_not()` "
                           "operator instead.")

    def backward(g, needs):
        return (-g,)
    return record(-a.data, (a,), backward, "NegBackward0")


def pow(a, b) -> Tensor:  # noqa: A001 - PyTorch's name
    """a ** b. d/da = b * a**(b-1); d/db = a**b * log(a) (0 where a == 0 and b >= 0)."""
    if isinstance(a, Tensor) and not isinstance(b, Tensor) and not hasattr(b, "__array__"):
        return _pow_scalar(a, b)
    if _is_bool(a) and _is_bool(b):
        raise NotImplementedError("pow: not implemented for two bool tensors")
    a, b, x, y = _binary(a, b, "pow")
    xp = get_xp(x)
    try:
        out = x ** y
    except ValueError:
        raise broadcast_error("pow", a, b) from None

    def backward(g, needs):
        ga = gb = None
        if needs[0]:
            ga = unbroadcast(g * y * x ** (y - 1), x.shape)
        if needs[1]:
            zero = x == 0
            log_x = xp.log(xp.where(zero, 1, x))
            gb = unbroadcast(xp.where(zero & (y >= 0), 0, g * out * log_x), y.shape)
        return ga, gb
    return record(out, (a, b), backward, "PowBackward1")


def _pow_scalar(a: Tensor, exponent) -> Tensor:
    x = a.data
    if x.dtype.kind == "b":  # PyTorch: a bool result for a bool exponent, else int64 or float
        if type(exponent) is bool:
            return Tensor._make(x if exponent else get_xp(x).ones_like(x))
        if not isinstance(exponent, float):
            a = a.long()
            x = a.data
    if x.dtype.kind in "iub" and isinstance(exponent, float):
        a = a.to(constant(exponent, a).dtype)
        x = a.data
    if exponent == 2:
        out = x * x
    else:
        out = x ** exponent

    def backward(g, needs):
        if exponent == 0:
            return (g * 0,)
        if exponent == 2:
            return (g * 2 * x,)
        return (g * exponent * x ** (exponent - 1),)
    return record(out, (a,), backward, "PowBackward0")


def rpow(a: Tensor, base) -> Tensor:
    """base ** a for a scalar base."""
    return pow(constant(base, a), a)


def exp(a: Tensor) -> Tensor:
    a = floating(a)
    out = get_xp(a.data).exp(a.data)
    return record(out, (a,), lambda g, needs: (g * out,), "ExpBackward0")


def log(a: Tensor) -> Tensor:
    a = floating(a)
    x = a.data
    return record(get_xp(x).log(x), (a,), lambda g, needs: (g / x,), "LogBackward0")


def log1p(a: Tensor) -> Tensor:
    a = floating(a)
    x = a.data
    return record(get_xp(x).log1p(x), (a,), lambda g, needs: (g / (1 + x),), "Log1PBackward0")


def expm1(a: Tensor) -> Tensor:
    a = floating(a)
    out = get_xp(a.data).expm1(a.data)
    return record(out, (a,), lambda g, needs: (g * (out + 1),), "Expm1Backward0")


def sqrt(a: Tensor) -> Tensor:
    a = floating(a)
    out = get_xp(a.data).sqrt(a.data)
    return record(out, (a,), lambda g, needs: (g / (2 * out),), "SqrtBackward0")


def rsqrt(a: Tensor) -> Tensor:
    """1 / sqrt(a); derivative -0.5 * a**-1.5 = -0.5 * out**3."""
    a = floating(a)
    out = 1 / get_xp(a.data).sqrt(a.data)
    return record(out, (a,), lambda g, needs: (-0.5 * g * out * out * out,), "RsqrtBackward0")


def abs(a: Tensor) -> Tensor:  # noqa: A001
    """|a|; gradient sign(a) (0 at 0, as PyTorch)."""
    _no_bools(a.data.dtype, "abs")
    xp = get_xp(a.data)
    x = a.data
    return record(xp.abs(x), (a,), lambda g, needs: (g * xp.sign(x),), "AbsBackward0")


def sin(a: Tensor) -> Tensor:
    a = floating(a)
    xp, x = get_xp(a.data), a.data
    return record(xp.sin(x), (a,), lambda g, needs: (g * xp.cos(x),), "SinBackward0")


def cos(a: Tensor) -> Tensor:
    a = floating(a)
    xp, x = get_xp(a.data), a.data
    return record(xp.cos(x), (a,), lambda g, needs: (-g * xp.sin(x),), "CosBackward0")


def tanh(a: Tensor) -> Tensor:
    """tanh(a); backward g * (1 - y**2) from the output y."""
    a = floating(a)
    out = get_xp(a.data).tanh(a.data)

    def backward(g, needs):
        if type(g) is not _NUMPY and usable(g, out):
            return (kernel("tanh_backward")(g, out),)
        return (g * (1 - out * out),)
    return record(out, (a,), backward, "TanhBackward0")


def sigmoid_array(x):
    """Overflow-free logistic function: with m = min(x, 0), exp(m) / (exp(m) + exp(m - x)).

    Neither exponent is positive, so nothing overflows, and each sign gets its exact form:
    1 / (1 + e^-x) for x >= 0 and e^x / (e^x + 1) for x < 0.
    """
    if type(x) is not _NUMPY and usable(x):  # (the CPU pays one type test)
        return kernel("sigmoid")(x)
    xp = get_xp(x)
    m = xp.minimum(x, 0)
    out = xp.exp(m)
    den = xp.subtract(m, x, out=m)
    xp.exp(den, out=den)
    den += out
    out /= den
    return out


def sigmoid(a: Tensor) -> Tensor:
    """1 / (1 + exp(-a)), computed without overflow; backward g * y * (1 - y)."""
    a = floating(a)
    out = sigmoid_array(a.data)

    def backward(g, needs):
        if type(g) is not _NUMPY and usable(g, out):
            return (kernel("sigmoid_backward")(g, out),)
        slope = 1 - out
        slope *= out
        slope *= g
        return (slope,)
    return record(out, (a,), backward, "SigmoidBackward0")


def relu(a: Tensor) -> Tensor:
    """max(a, 0); gradient 0 at a == 0 (PyTorch's threshold_backward)."""
    _no_bools(a.data.dtype, "relu")
    x = a.data
    out = get_xp(x).maximum(x, 0)

    def backward(g, needs):
        if type(g) is not _NUMPY and usable(g, out):
            return (kernel("relu_backward")(g, out),)
        return (g * (out > 0),)
    return record(out, (a,), backward, "ReluBackward0")


def sign(a: Tensor) -> Tensor:
    """sign(a); its gradient is zero. A bool tensor is its own sign."""
    xp = get_xp(a.data)
    if a.data.dtype.kind == "b":
        return Tensor._make(a.data.copy())
    return record(xp.sign(a.data), (a,), lambda g, needs: (xp.zeros_like(g),), "SignBackward0")


def clamp(a: Tensor, min=None, max=None) -> Tensor:  # noqa: A002
    """min(max(a, min), max). The gradient flows to ``a`` where min <= a <= max (ends included),
    and to tensor bounds where they are chosen."""
    if max is None and type(min) in _PY_SCALARS and _float_tensor(a):  # clamp_min(x, c)
        x = a.data
        return record(get_xp(x).maximum(x, min), (a,), lambda g, needs: (g * (x >= min),),
                      "ClampMinBackward0")
    if min is None and max is None:
        raise RuntimeError("clamp: at least one of 'min' or 'max' must not be None")
    # The bounds take part in the result's dtype, as in PyTorch (integers clamped at 2.5 become
    # floats); number bounds are constants.
    lo_t = None if min is None else min if isinstance(min, Tensor) else constant(min, a)
    hi_t = None if max is None else max if isinstance(max, Tensor) else constant(max, a)
    for bound in (lo_t, hi_t):
        if bound is not None:
            a = operands(a, bound, "clamp")[0]
    lo_t = None if lo_t is None else operands(a, lo_t, "clamp")[1]
    hi_t = None if hi_t is None else operands(a, hi_t, "clamp")[1]
    x = a.data
    if x.dtype.kind == "b" and not (isinstance(min, Tensor) or isinstance(max, Tensor)):
        raise NotImplementedError("clamp: not implemented for bool tensors with number bounds")
    xp = get_xp(x)
    inputs = [a] + [t for t in (lo_t, hi_t) if t is not None]
    lo = None if lo_t is None else lo_t.data
    hi = None if hi_t is None else hi_t.data
    below = x < lo if lo is not None else None
    out = xp.maximum(x, lo) if lo is not None else x
    above = out > hi if hi is not None else None
    if hi is not None:
        out = xp.minimum(out, hi)
    if out is x:
        out = x.copy()
    out = out.astype(x.dtype, copy=False)
    lo_is_t, hi_is_t = lo_t is not None, hi_t is not None

    def backward(g, needs):
        keep = True
        if below is not None:
            keep = ~below
        if above is not None:
            keep = keep & ~above
        grads = [g * keep if needs[0] else None]
        i = 1
        if lo_is_t:
            sel = below if above is None else below & ~above
            grads.append(unbroadcast(g * sel, inputs[i].data.shape) if needs[i] else None)
            i += 1
        if hi_is_t:
            grads.append(unbroadcast(g * above, inputs[i].data.shape) if needs[i] else None)
        return tuple(grads)
    return record(out, tuple(inputs), backward, "ClampBackward1")


def clamp_min(a: Tensor, min) -> Tensor:  # noqa: A002
    return clamp(a, min=min)


def clamp_max(a: Tensor, max) -> Tensor:  # noqa: A002
    return clamp(a, max=max)


def _tie_split(a, b, name: str, pick_a):
    a, b, x, y = _binary(a, b, name)
    xp = get_xp(x)
    try:
        out = xp.where(pick_a(x, y), x, y)
    except ValueError:
        raise broadcast_error(name, a, b) from None

    def backward(g, needs):
        wa = xp.where(x == y, 0.5, pick_a(x, y)).astype(g.dtype, copy=False)
        return (unbroadcast(g * wa, x.shape) if needs[0] else None,
                unbroadcast(g * (1 - wa), y.shape) if needs[1] else None)
    return record(out, (a, b), backward, name.capitalize() + "Backward0")


def maximum(a, b) -> Tensor:
    """Element-wise max; at ties each input gets half the gradient (PyTorch's rule)."""
    return _tie_split(a, b, "maximum", lambda x, y: x >= y)


def minimum(a, b) -> Tensor:
    """Element-wise min; at ties each input gets half the gradient."""
    return _tie_split(a, b, "minimum", lambda x, y: x <= y)


def where(condition, a, b) -> Tensor:
    """``a`` where ``condition`` else ``b`` (broadcast)."""
    cond = condition.data if isinstance(condition, Tensor) else condition
    if not isinstance(a, Tensor) and not isinstance(b, Tensor):
        raise TypeError("where: at least one of the inputs must be a Tensor")
    a, b, x, y = _binary(a, b, "where")
    xp = get_xp(x)
    cond = xp.asarray(cond)
    if cond.dtype.kind != "b":
        raise TypeError(f"where: condition must be a bool tensor, got dtype {cond.dtype}")
    out = xp.where(cond, x, y)

    def backward(g, needs):
        zero = xp.zeros((), dtype=g.dtype)
        return (unbroadcast(xp.where(cond, g, zero), x.shape) if needs[0] else None,
                unbroadcast(xp.where(cond, zero, g), y.shape) if needs[1] else None)
    return record(out, (a, b), backward, "WhereBackward0")


def _compare(fn_name: str):
    def compare(a, b) -> Tensor:
        a, b, x, y = _binary(a, b, fn_name)
        try:
            return Tensor._make(getattr(get_xp(x), fn_name)(x, y))
        except ValueError:
            raise broadcast_error(fn_name, a, b) from None
    compare.__name__ = compare.__qualname__ = fn_name
    compare.__doc__ = f"Element-wise ``{fn_name}`` comparison; a bool tensor with no gradient."
    return compare


eq = _compare("equal")
ne = _compare("not_equal")
lt = _compare("less")
le = _compare("less_equal")
gt = _compare("greater")
ge = _compare("greater_equal")


def logical_not(a: Tensor) -> Tensor:
    return Tensor._make(get_xp(a.data).logical_not(a.data))


def logical_and(a, b) -> Tensor:
    a, b, x, y = _binary(a, b, "logical_and")
    return Tensor._make(get_xp(x).logical_and(x, y))


def logical_or(a, b) -> Tensor:
    a, b, x, y = _binary(a, b, "logical_or")
    return Tensor._make(get_xp(x).logical_or(x, y))


def isnan(a: Tensor) -> Tensor:
    return Tensor._make(get_xp(a.data).isnan(a.data))


def isfinite(a: Tensor) -> Tensor:
    return Tensor._make(get_xp(a.data).isfinite(a.data))


def _zero_grad(a: Tensor, forward, name: str) -> Tensor:
    """A piecewise-constant op ``name``: its gradient is zero (integers pass through unchanged,
    bools are refused)."""
    _no_bools(a.data.dtype, name)
    x = a.data
    if x.dtype.kind in "iu":
        return Tensor._make(x.copy())
    return record(forward(x), (a,), lambda g, needs: (get_xp(g).zeros_like(g),),
                  name.capitalize() + "Backward0")


def floor(a: Tensor) -> Tensor:
    return _zero_grad(a, lambda x: get_xp(x).floor(x), "floor")


def round(a: Tensor) -> Tensor:  # noqa: A001
    return _zero_grad(a, lambda x: get_xp(x).round(x), "round")
