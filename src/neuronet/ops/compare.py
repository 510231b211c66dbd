"""Comparisons and logic: ``==``-style comparisons, the predicates (isnan, isinf, isfinite,
isclose, with allclose and equal answering with a Python bool), logical ops, and the bitwise
ops of integers and bools (``&``, ``|``, ``^``, ``~``). None of them has a gradient: each
returns a tensor that does not require grad.
"""

from __future__ import annotations

from ..backend import get_xp
from ..tensor import Tensor
from ._util import binary, broadcast_error


def _compare(fn_name: str):
    def compare(input, other) -> Tensor:
        a, b, x, y = binary(input, other, fn_name)
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


def isnan(input: Tensor) -> Tensor:
    return Tensor._make(get_xp(input._data).isnan(input._data))


def isinf(input: Tensor) -> Tensor:
    return Tensor._make(get_xp(input._data).isinf(input._data))


def isfinite(input: Tensor) -> Tensor:
    return Tensor._make(get_xp(input._data).isfinite(input._data))


def isclose(
    input, other, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False
) -> Tensor:
    """|input - other| <= atol + rtol * |other|, element by element (a bool tensor); two
    tensors must share a dtype, as in PyTorch."""
    if (
        isinstance(input, Tensor)
        and isinstance(other, Tensor)
        and input._data.dtype != other._data.dtype
    ):
        raise RuntimeError(
            f"isclose(): expected both tensors to have same dtype, but got "
            f"{input._data.dtype} and {other._data.dtype}"
        )
    a, b, x, y = binary(input, other, "isclose")
    return Tensor._make(get_xp(x).isclose(x, y, rtol=rtol, atol=atol, equal_nan=equal_nan))


def allclose(
    input, other, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False
) -> bool:
    """Whether ``isclose`` holds everywhere."""
    return bool(isclose(input, other, rtol, atol, equal_nan)._data.all())


def equal(input: Tensor, other: Tensor) -> bool:
    """Whether the two tensors have one shape and equal entries."""
    if tuple(input._data.shape) != tuple(other._data.shape):
        return False
    return bool((input._data == other._data).all())


def logical_not(input: Tensor) -> Tensor:
    return Tensor._make(get_xp(input._data).logical_not(input._data))


def logical_and(input, other) -> Tensor:
    a, b, x, y = binary(input, other, "logical_and")
    return Tensor._make(get_xp(x).logical_and(x, y))


def logical_or(input, other) -> Tensor:
    a, b, x, y = binary(input, other, "logical_or")
    return Tensor._make(get_xp(x).logical_or(x, y))


def logical_xor(input, other) -> Tensor:
    a, b, x, y = binary(input, other, "logical_xor")
    return Tensor._make(get_xp(x).logical_xor(x, y))


def _bitwise(a, b, name: str) -> Tensor:
    a, b, x, y = binary(a, b, name)
    if x.dtype.kind not in "biu":
        raise NotImplementedError(
            f"{name}: not implemented for {x.dtype} tensors (integers and bools only)"
        )
    try:
        return Tensor._make(getattr(get_xp(x), name)(x, y))
    except ValueError:
        raise broadcast_error(name, a, b) from None


def bitwise_and(input, other) -> Tensor:
    """``input & other``: bit by bit for integers, logical for bools."""
    return _bitwise(input, other, "bitwise_and")


def bitwise_or(input, other) -> Tensor:
    """``input | other``: bit by bit for integers, logical for bools."""
    return _bitwise(input, other, "bitwise_or")


def bitwise_xor(input, other) -> Tensor:
    """``input ^ other``: bit by bit for integers, logical for bools."""
    return _bitwise(input, other, "bitwise_xor")


def bitwise_not(input: Tensor) -> Tensor:
    """``~input``: every bit flipped for integers, logical not for bools."""
    x = input._data
    if x.dtype.kind not in "biu":
        raise TypeError(
            "~ (operator.invert) is only implemented on integer and Boolean-type tensors"
        )
    return Tensor._make(get_xp(x).invert(x))
