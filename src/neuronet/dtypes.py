"""Data types and the default floating dtype.

neuronet's dtypes are NumPy dtype objects, so they pass straight to NumPy and CuPy calls and
compare equal to them: ``neuronet.float32 == numpy.float32``.
"""

from __future__ import annotations

import numpy as np

float16 = np.dtype(np.float16)
float32 = np.dtype(np.float32)
float64 = np.dtype(np.float64)
int8 = np.dtype(np.int8)
int16 = np.dtype(np.int16)
int32 = np.dtype(np.int32)
int64 = np.dtype(np.int64)
uint8 = np.dtype(np.uint8)
bool_ = np.dtype(np.bool_)


_NAMES = {
    float16: "float16",
    float32: "float32",
    float64: "float64",
    int8: "int8",
    int16: "int16",
    int32: "int32",
    int64: "int64",
    uint8: "uint8",
    bool_: "bool",
}

_default_dtype = [float32]


def get_default_dtype() -> np.dtype:
    """The dtype given to tensors made from Python floats (float32 unless changed)."""
    return _default_dtype[0]


def set_default_dtype(dtype) -> None:
    """Set the dtype of tensors made from Python floats; it must be a floating dtype."""
    dt = np.dtype(dtype)
    if dt.kind != "f":
        raise TypeError(f"set_default_dtype: dtype must be a floating point dtype, got {dtype!r}")
    _default_dtype[0] = dt


def dtype_name(dtype) -> str:
    """'neuronet.float32'-style name of a dtype, as shown in a tensor's repr."""
    dt = np.dtype(dtype)
    return "neuronet." + _NAMES.get(dt, dt.name)


def to_dtype(dtype) -> np.dtype:
    """Normalise a dtype argument (a neuronet/NumPy dtype, a type or a name) to a NumPy dtype."""
    if dtype is bool:  # builtins.bool
        return bool_
    try:
        return np.dtype(dtype)
    except TypeError:
        raise TypeError(
            f"dtype: expected a neuronet dtype such as neuronet.float32, got {dtype!r}"
        ) from None


def _category(dtype: np.dtype) -> int:
    return {"b": 0, "u": 1, "i": 1, "f": 2, "c": 3}[dtype.kind]


def promote_types(a: np.dtype, a_dim: int, b: np.dtype, b_dim: int) -> np.dtype:
    """PyTorch's type promotion for two tensors.

    A higher category (bool < integer < floating) wins; within one category a tensor with
    dimensions wins over a zero-dimensional one; otherwise the wider type wins.
    """
    ca, cb = _category(a), _category(b)
    if ca != cb:
        return a if ca > cb else b
    if (a_dim == 0) != (b_dim == 0):
        return b if a_dim == 0 else a
    return np.promote_types(a, b)


def scalar_dtype(value, like: np.dtype) -> np.dtype:
    """dtype of a Python scalar combined with a tensor of dtype ``like`` (PyTorch's rules)."""
    if isinstance(value, (bool, np.bool_)):
        return like
    if isinstance(value, (int, np.integer)):
        return like if like.kind != "b" else int64
    if isinstance(value, complex):
        return np.dtype(np.complex128) if like.kind != "c" else like
    return like if like.kind in "fc" else get_default_dtype()
