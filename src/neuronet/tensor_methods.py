"""The methods and operators of ``Tensor``, bound from one table.

A method that takes exactly its op's arguments is the op itself (``Tensor.exp is ops.exp``):
``METHODS`` and ``OPERATORS`` map each name to its op, and ``bind()`` sets them on the class.
Reflected operators (``2 - x``) swap their operands. The few methods that adapt their
arguments (``view``, ``to``, ``split``, ``float``, ...) are written out below the tables.
Importing ``neuronet`` binds them all.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from . import dtypes, ops
from .backend import device
from .factories import new_empty, new_full, new_ones, new_tensor, new_zeros
from .ops import inplace, sampling
from .ops.inplace import setitem
from .tensor import Tensor

# The methods whose arguments are their op's, by concept; each is ``getattr(ops, name)``.
# arithmetic
_ARITHMETIC = """
    add sub mul div pow neg remainder fmod floor_divide atan2 lerp maximum minimum clamp
    clamp_min clamp_max
"""
# unary math and activations
_UNARY_MATH = """
    exp exp2 expm1 log log2 log10 log1p sqrt rsqrt reciprocal square abs sign sin cos
    tan asin acos atan sinh cosh erf floor ceil trunc round tanh sigmoid relu softmax
    log_softmax
"""
# comparisons and logic
_COMPARISONS = """
    eq ne lt le gt ge isnan isinf isfinite isclose allclose equal logical_xor
    bitwise_and bitwise_or bitwise_xor bitwise_not
"""
# reductions and ordering
_REDUCTIONS = """
    sum mean prod max min amax amin argmax argmin var std logsumexp norm all any
    count_nonzero sort argsort topk cumsum histogram histc bincount unique unique_consecutive
    nonzero argwhere median nanmedian mode quantile nanquantile
"""
# linear algebra
_LINEAR_ALGEBRA = """
    matmul outer dot mv bmm tril triu diagonal diag trace
"""
# structure
_STRUCTURE = """
    reshape flatten unflatten transpose t permute unsqueeze squeeze expand broadcast_to
    repeat chunk unbind flip roll movedim narrow repeat_interleave index_select gather
    take_along_dim masked_fill scatter_add clone rot90
    scatter scatter_reduce index_add index_copy index_fill
"""
METHODS: dict[str, Callable] = {
    name: getattr(ops, name)
    for group in (_ARITHMETIC, _UNARY_MATH, _COMPARISONS, _REDUCTIONS, _LINEAR_ALGEBRA, _STRUCTURE)
    for name in group.split()
}
# order statistics, from their module
METHODS.update(
    clip=ops.clamp,
    mm=ops.matmul,
    swapaxes=ops.transpose,
    swapdims=ops.transpose,
    arctan=ops.atan,
    arcsin=ops.asin,
    arccos=ops.acos,
    arctan2=ops.atan2,
    moveaxis=ops.movedim,
    # in place (``INPLACE`` below holds the rest)
    copy_=inplace.copy_,
    fill_=inplace.fill_,
    zero_=inplace.zero_,
    new_tensor=new_tensor,
    new_zeros=new_zeros,
    new_ones=new_ones,
    new_empty=new_empty,
    new_full=new_full,
)


# The in-place ``_`` methods of out-of-place ops: ``t.exp_()`` is ``t`` set to ``exp(t)`` in
# place, with autograd's rules for in-place ops (``neuronet.ops.inplace``).
_INPLACE_OF_OPS = """
    add sub mul div pow neg remainder fmod floor_divide atan2 lerp clamp clamp_min clamp_max
    exp exp2 expm1 log log2 log10 log1p sqrt rsqrt reciprocal square abs sign sin cos tan
    asin acos atan sinh cosh erf floor ceil trunc round tanh sigmoid relu masked_fill
    scatter_add scatter scatter_reduce index_add index_copy index_fill
"""
INPLACE: dict[str, Callable] = {
    name + "_": inplace.method(getattr(ops, name), name + "_") for name in _INPLACE_OF_OPS.split()
}
INPLACE.update(
    clip_=INPLACE["clamp_"],
    arctan_=INPLACE["atan_"],
    arcsin_=INPLACE["asin_"],
    arccos_=INPLACE["acos_"],
    arctan2_=INPLACE["atan2_"],
    absolute_=INPLACE["abs_"],
    negative_=INPLACE["neg_"],
    multiply_=INPLACE["mul_"],
    divide_=INPLACE["div_"],
    subtract_=INPLACE["sub_"],
    true_divide_=INPLACE["div_"],
    fix_=INPLACE["trunc_"],
)
METHODS.update(INPLACE)
# sampling: draws whose parameters are the tensor, and the random in-place fills
_SAMPLING = """
    multinomial bernoulli uniform_ normal_ bernoulli_ exponential_ geometric_ cauchy_
    log_normal_ random_
"""
METHODS.update({name: getattr(sampling, name) for name in _SAMPLING.split()})


def _reflected(op: Callable) -> Callable:
    """``other <op> self`` as a method of ``self`` (Python's reflected operators)."""

    def method(self: Tensor, other: Any) -> Tensor:
        return op(other, self)

    method.__name__ = method.__qualname__ = f"reflected_{op.__name__}"
    return method


OPERATORS: dict[str, Callable] = {
    "__add__": ops.add,
    "__sub__": ops.sub,
    "__mul__": ops.mul,
    "__truediv__": ops.div,
    "__floordiv__": ops.floor_divide,
    "__mod__": ops.remainder,
    "__pow__": ops.pow,
    "__matmul__": ops.matmul,
    "__and__": ops.bitwise_and,
    "__or__": ops.bitwise_or,
    "__xor__": ops.bitwise_xor,
    "__radd__": _reflected(ops.add),
    "__rsub__": _reflected(ops.sub),
    "__rmul__": _reflected(ops.mul),
    "__rtruediv__": _reflected(ops.div),
    "__rfloordiv__": _reflected(ops.floor_divide),
    "__rmod__": _reflected(ops.remainder),
    "__rpow__": ops.rpow,
    "__rmatmul__": _reflected(ops.matmul),
    "__rand__": _reflected(ops.bitwise_and),
    "__ror__": _reflected(ops.bitwise_or),
    "__rxor__": _reflected(ops.bitwise_xor),
    "__neg__": ops.neg,
    "__abs__": ops.abs,
    "__invert__": ops.bitwise_not,
    "__eq__": ops.eq,
    "__ne__": ops.ne,
    "__lt__": ops.lt,
    "__le__": ops.le,
    "__gt__": ops.gt,
    "__ge__": ops.ge,
    "__getitem__": ops.getitem,
    "__setitem__": setitem,
}
AUGMENTED: dict[str, Callable] = {
    name: inplace.augmented(op, name)
    for name, op in (
        ("__iadd__", ops.add),
        ("__isub__", ops.sub),
        ("__imul__", ops.mul),
        ("__itruediv__", ops.div),
        ("__ifloordiv__", ops.floor_divide),
        ("__imod__", ops.remainder),
        ("__ipow__", ops.pow),
        ("__iand__", ops.bitwise_and),
        ("__ior__", ops.bitwise_or),
        ("__ixor__", ops.bitwise_xor),
    )
}
OPERATORS.update(AUGMENTED)


# ----------------------------------------------------------------- methods that adapt arguments
def _transposed(self: Tensor) -> Tensor:
    """``x.T``: the dims reversed."""
    return ops.permute(self, tuple(range(self._data.ndim - 1, -1, -1)))


def _matrix_transposed(self: Tensor) -> Tensor:
    """``x.mT``: the last two dims swapped."""
    return ops.transpose(self, -2, -1)


def size(self: Tensor, dim: int | None = None):
    """The shape as a ``neuronet.Size``, or the size of dim ``dim`` as an int."""
    if dim is None:
        return self.shape
    return self._data.shape[ops.normalize_dim(dim, self._data.ndim, "dim")]


def contiguous(self: Tensor) -> Tensor:
    """The tensor itself: its array needs no reordering for any op here."""
    return self


def positive(self: Tensor) -> Tensor:
    """``+x``: the tensor itself."""
    return self


def to(self: Tensor, *args, **kwargs) -> Tensor:
    """``to(dtype)``, ``to(device)``, ``to(device, dtype)`` or ``to(other_tensor)``."""
    dtype = kwargs.pop("dtype", None)
    dev = kwargs.pop("device", None)
    kwargs.pop("non_blocking", None)
    copy = kwargs.pop("copy", False)
    if kwargs:
        raise TypeError(f"to(): unexpected arguments {sorted(kwargs)}")
    for a in args:
        if isinstance(a, Tensor):
            dtype, dev = a.dtype, a.device
        elif isinstance(a, (str, device)):
            dev = a
        else:
            dtype = a
    out = self
    if dev is not None:
        out = ops.to_device(out, dev)
    if dtype is not None:
        out = ops.cast(out, dtypes.to_dtype(dtype))
    if copy and out is self:
        out = ops.clone(self)
    return out


def type(self: Tensor, dtype=None):  # noqa: A001 - PyTorch's name
    """The dtype's name (``'torch.float32'`` style), or the tensor cast to ``dtype``."""
    if dtype is None:
        return dtypes.dtype_name(self._data.dtype)
    return to(self, dtype)


def type_as(self: Tensor, other: Tensor) -> Tensor:
    """The tensor cast to ``other``'s dtype."""
    return to(self, other.dtype)


def _cast_to(dtype) -> Callable[[Tensor], Tensor]:
    def method(self: Tensor) -> Tensor:
        return ops.cast(self, dtype)

    method.__doc__ = f"The tensor as {dtypes.dtype_name(dtype)}."
    return method


def cpu(self: Tensor) -> Tensor:
    """The tensor on the CPU."""
    return ops.to_device(self, "cpu")


def cuda(self: Tensor, device=None) -> Tensor:
    """The tensor on CUDA device ``device`` (an index or a name; the current one by default)."""
    return ops.to_device(
        self,
        "cuda" if device is None else (f"cuda:{device}" if isinstance(device, int) else device),
    )


def view(self: Tensor, *shape) -> Tensor:
    """The same values in ``shape`` (``view(dtype)`` casts)."""
    if len(shape) == 1 and not isinstance(shape[0], (int, tuple, list)):
        return to(self, shape[0])
    return ops.reshape(self, *shape)


def view_as(self: Tensor, other: Tensor) -> Tensor:
    """The same values in ``other``'s shape."""
    return ops.reshape(self, other.shape)


def expand_as(self: Tensor, other: Tensor) -> Tensor:
    """The tensor broadcast to ``other``'s shape."""
    return ops.broadcast_to(self, other.shape)


def split(self: Tensor, split_size, dim: int = 0) -> tuple:
    """Pieces of ``split_size`` along ``dim`` (or of the sizes in a list)."""
    return ops.split(self, split_size, dim)


ADAPTERS: dict[str, Any] = {
    "T": property(_transposed),
    "mT": property(_matrix_transposed),
    "size": size,
    "contiguous": contiguous,
    "to": to,
    "type": type,
    "type_as": type_as,
    "float": _cast_to(dtypes.float32),
    "double": _cast_to(dtypes.float64),
    "half": _cast_to(dtypes.float16),
    "long": _cast_to(dtypes.int64),
    "int": _cast_to(dtypes.int32),
    "bool": _cast_to(dtypes.bool_),
    "cpu": cpu,
    "cuda": cuda,
    "view": view,
    "view_as": view_as,
    "reshape_as": view_as,
    "expand_as": expand_as,
    "split": split,
    "__pos__": positive,
    "nelement": Tensor.numel,
}


def bind() -> None:
    """Set every method and operator of the tables on ``Tensor``."""
    for table in (METHODS, OPERATORS, ADAPTERS):
        for name, fn in table.items():
            setattr(Tensor, name, fn)


bind()
