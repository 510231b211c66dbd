"""Data types: the public dtype objects, the default floating dtype, PyTorch's promotion rules.

Inside the library dtypes are NumPy dtype objects (``float32`` ... ``bool_`` below, and what
``to_dtype`` and ``get_default_dtype`` return): arrays carry them and ops compare them cheaply.
What users see are ``dtype`` objects (``neuronet.float32``, ``Tensor.dtype``,
``neuronet.get_default_dtype()``): one per NumPy dtype, shown as ``neuronet.float32`` (PyTorch:
``torch.float32``), equal to and hashing like the NumPy dtype they stand for
(``t.dtype == numpy.float32`` holds), and accepted wherever NumPy or CuPy take a dtype (NumPy
reads their ``.dtype`` attribute). Every ``dtype=`` argument takes either kind.
"""

from __future__ import annotations

import importlib
from typing import Any

import numpy as np

float16 = np.dtype(np.float16)
float32 = np.dtype(np.float32)
float64 = np.dtype(np.float64)
complex64 = np.dtype(np.complex64)
complex128 = np.dtype(np.complex128)
int8 = np.dtype(np.int8)
int16 = np.dtype(np.int16)
int32 = np.dtype(np.int32)
int64 = np.dtype(np.int64)
uint8 = np.dtype(np.uint8)
uint16 = np.dtype(np.uint16)
uint32 = np.dtype(np.uint32)
uint64 = np.dtype(np.uint64)
bool_ = np.dtype(np.bool_)


_NAMES = {
    float16: "float16",
    float32: "float32",
    float64: "float64",
    complex64: "complex64",
    complex128: "complex128",
    int8: "int8",
    int16: "int16",
    int32: "int32",
    int64: "int64",
    uint8: "uint8",
    uint16: "uint16",
    uint32: "uint32",
    uint64: "uint64",
    bool_: "bool",
}
_REAL = {complex64: float32, complex128: float64}
_COMPLEX = {float32: complex64, float64: complex128}


class dtype:  # noqa: N801 - PyTorch's name
    """The element type of a tensor (PyTorch's ``torch.dtype``), standing for one NumPy dtype.

    ``repr``/``str`` is ``neuronet.<name>``; it compares equal to, and hashes like, its NumPy
    dtype (``neuronet.float32 == numpy.float32``), equals NumPy scalar types and other dtype
    objects by that dtype, and nothing else (not strings). ``.dtype`` is the NumPy dtype (NumPy
    and CuPy read it, so the object passes to ``numpy.zeros(3, neuronet.float32)``); NumPy's
    other attributes (``kind``, ``char``, ``type``, ``name``, ...) read through to it. Made
    once per NumPy dtype by ``public``: compare with ``==`` or ``is``.
    """

    __slots__ = ("_name", "dtype")

    def __init__(self, np_dtype: np.dtype, name: str) -> None:
        self.dtype = np_dtype
        self._name = name

    def __repr__(self) -> str:
        return "neuronet." + self._name

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        if type(other) is dtype:
            return self.dtype == other.dtype
        if isinstance(other, np.dtype):
            return self.dtype == other
        if isinstance(other, type) and issubclass(other, np.generic):
            return self.dtype == np.dtype(other)
        return NotImplemented

    def __ne__(self, other: object) -> bool:
        same = self.__eq__(other)
        return same if same is NotImplemented else not same

    def __hash__(self) -> int:
        return hash(self.dtype)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(self.dtype, name)

    def __reduce__(self) -> tuple:
        return (public, (self.dtype,))

    def __copy__(self) -> dtype:
        return self

    def __deepcopy__(self, memo: dict) -> dtype:
        return self

    @property
    def is_floating_point(self) -> bool:
        """True for the floating types (float16, bfloat16, float32, float64)."""
        return self.dtype.kind == "f" or self._name == "bfloat16"

    @property
    def is_complex(self) -> bool:
        """True for complex64 and complex128."""
        return self.dtype.kind == "c"

    @property
    def is_signed(self) -> bool:
        """True for the types holding negative numbers (not bool and the unsigned integers)."""
        return self.dtype.kind in "ifc" or self._name == "bfloat16"

    @property
    def itemsize(self) -> int:
        """Bytes per element."""
        return self.dtype.itemsize

    def to_real(self) -> dtype:
        """The real type of a complex type (complex64 -> float32); any other type itself."""
        return public(_REAL.get(self.dtype, self.dtype))

    def to_complex(self) -> dtype:
        """The complex type of a real floating type (float32 -> complex64); complex types
        themselves. Raises for types with no complex counterpart here (integers, bool, float16,
        bfloat16)."""
        if self.dtype.kind == "c":
            return self
        if self.dtype not in _COMPLEX:
            raise RuntimeError(f"to_complex: {self} has no complex counterpart in neuronet")
        return public(_COMPLEX[self.dtype])


_PUBLIC: dict[np.dtype, dtype] = {}


def public(np_dtype) -> dtype:
    """The public ``dtype`` object standing for a NumPy dtype (made once per dtype)."""
    try:
        return _PUBLIC[np_dtype]
    except KeyError:
        dt = np.dtype(np_dtype)
        if dt not in _PUBLIC:
            _PUBLIC[dt] = dtype(dt, _NAMES.get(dt, dt.name))
        return _PUBLIC[dt]


BF16_EXTRA = "bf16"


def bfloat16() -> dtype:
    """``neuronet.bfloat16``, from the optional ``ml_dtypes`` package (``pip install
    'neuronet[bf16]'``); raises ImportError naming that extra when it is missing."""
    try:
        ml_dtypes = importlib.import_module("ml_dtypes")
    except ImportError:
        raise ImportError(
            "neuronet.bfloat16 needs the optional package ml_dtypes, which is not installed: "
            f"pip install 'neuronet[{BF16_EXTRA}]'"
        ) from None
    return public(np.dtype(ml_dtypes.bfloat16))


_default_dtype = [float32]


def get_default_dtype() -> np.dtype:
    """The NumPy dtype given to tensors made from Python floats (float32 unless changed).

    The library's own calls use this NumPy form; ``neuronet.get_default_dtype`` is
    ``default_dtype``, the public object."""
    return _default_dtype[0]


def default_dtype() -> dtype:
    """``neuronet.get_default_dtype()``: the dtype given to tensors made from Python floats
    (``neuronet.float32`` unless changed by ``set_default_dtype``)."""
    return public(_default_dtype[0])


def set_default_dtype(dtype) -> None:
    """Set the dtype of tensors made from Python floats; it must be a floating dtype."""
    dt = to_dtype(dtype)
    if dt.kind != "f":
        raise TypeError(f"set_default_dtype: dtype must be a floating point dtype, got {dtype!r}")
    _default_dtype[0] = dt


def dtype_name(dtype) -> str:
    """'neuronet.float32'-style name of a dtype, as shown in a tensor's repr."""
    return repr(public(to_dtype(dtype)))


def to_dtype(dtype) -> np.dtype:
    """Normalise a dtype argument (a neuronet/NumPy dtype, a type or a name) to a NumPy dtype."""
    if type(dtype) is _dtype_class:
        return dtype.dtype
    if dtype is bool:  # builtins.bool
        return bool_
    if isinstance(dtype, str) and dtype == "bfloat16":
        return bfloat16().dtype
    try:
        return np.dtype(dtype)
    except TypeError:
        raise TypeError(
            f"dtype: expected a neuronet dtype such as neuronet.float32, got {dtype!r}"
        ) from None


_dtype_class = dtype


class finfo:  # noqa: N801 - PyTorch's name
    """Limits of a floating type (PyTorch's ``torch.finfo``; the default dtype when none is
    given): ``bits``, ``eps``, ``max``, ``min``, ``tiny`` (= ``smallest_normal``),
    ``resolution`` (``10 ** -precision``) as Python numbers, and ``dtype`` the type's name
    (``'float32'``)."""

    bits: int
    dtype: str
    eps: float
    max: float
    min: float
    tiny: float
    smallest_normal: float
    resolution: float

    def __init__(self, type=None) -> None:
        dt = get_default_dtype() if type is None else to_dtype(type)
        name = _NAMES.get(dt, dt.name)
        if dt.kind == "f":
            info: Any = np.finfo(dt)
        elif name == "bfloat16":
            info = importlib.import_module("ml_dtypes").finfo(dt)
        else:
            raise TypeError(
                f"finfo: type must be a floating point dtype (use iinfo for integers), got {type}"
            )
        self.bits, self.dtype = int(info.bits), name
        self.eps, self.max, self.min = float(info.eps), float(info.max), float(info.min)
        self.tiny = self.smallest_normal = float(info.smallest_normal)
        self.resolution = 10.0 ** -int(info.precision)

    def __repr__(self) -> str:
        return (
            f"finfo(resolution={self.resolution:g}, min={self.min:g}, max={self.max:g}, "
            f"eps={self.eps:g}, smallest_normal={self.smallest_normal:g}, tiny={self.tiny:g}, "
            f"dtype={self.dtype})"
        )


class iinfo:  # noqa: N801 - PyTorch's name
    """Limits of an integer type (PyTorch's ``torch.iinfo``): ``bits``, ``max``, ``min`` as
    Python ints, and ``dtype`` the type's name (``'int32'``)."""

    bits: int
    dtype: str
    max: int
    min: int

    def __init__(self, type) -> None:
        dt = to_dtype(type)
        if dt.kind not in "iu":
            raise TypeError(
                f"iinfo: type must be an integer dtype (use finfo for floating types), got {type}"
            )
        info = np.iinfo(dt)
        self.bits, self.max, self.min, self.dtype = int(info.bits), info.max, info.min, _NAMES[dt]

    def __repr__(self) -> str:
        return f"iinfo(min={self.min:g}, max={self.max:g}, dtype={self.dtype})"


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
