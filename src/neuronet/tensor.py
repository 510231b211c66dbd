"""``Tensor``: an array, and what autograd needs to know about it.

A tensor holds ``data`` (a NumPy or CuPy array), ``requires_grad``, the ``grad_fn`` node of
the op that made it (``None`` for leaves) and, for leaves, the accumulated ``grad``. Every
operator and method delegates to a function in ``neuronet.ops``, where the op's forward and
its vector-Jacobian product sit side by side.
"""
from __future__ import annotations

import numpy as np

from . import dtypes as _dt
from .autograd import grad_mode as _grad_mode
from .autograd.graph import Node, run_backward
from .autograd.graph import _sequence as _graph_sequence
from .backend import device as _device
from .backend import device_of, get_xp, to_device

_enabled = _grad_mode._enabled
_generic = np.generic


class Tensor:
    """A multi-dimensional array with reverse-mode automatic differentiation.

    ``Tensor(data)`` makes a leaf from array-like data (Python floats give the default dtype);
    prefer ``neuronet.tensor(data, dtype=..., requires_grad=...)``.
    """

    __slots__ = ("data", "grad", "requires_grad", "grad_fn", "_hooks", "__weakref__")
    __array_priority__ = 1000  # ``ndarray * Tensor`` calls Tensor.__rmul__

    def __init__(self, data=None, requires_grad: bool = False, dtype=None) -> None:
        from .factories import _to_array  # noqa: PLC0415

        self.data = _to_array([] if data is None else data, dtype)
        self.grad = None
        self.grad_fn = None
        self._hooks = None
        self.requires_grad = False
        if requires_grad:
            self.requires_grad_(True)

    @staticmethod
    def _make(data, requires_grad: bool = False) -> Tensor:
        """A leaf around an existing array, without checks (internal fast path)."""
        t = Tensor.__new__(Tensor)
        t.data = np.asarray(data) if isinstance(data, _generic) else data
        t.grad = None
        t.grad_fn = None
        t._hooks = None
        t.requires_grad = requires_grad
        return t

    # ----------------------------------------------------------------- properties
    @property
    def shape(self) -> tuple:
        return self.data.shape

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype

    @property
    def device(self):
        return device_of(self.data)

    @property
    def is_leaf(self) -> bool:
        return self.grad_fn is None

    @property
    def is_cuda(self) -> bool:
        return self.device.type == "cuda"

    @property
    def xp(self):
        """The array module (NumPy or CuPy) that holds this tensor's data."""
        return get_xp(self.data)

    @property
    def T(self) -> Tensor:  # noqa: N802
        return _ops.permute(self, tuple(range(self.data.ndim - 1, -1, -1)))

    @property
    def mT(self) -> Tensor:  # noqa: N802
        return _ops.transpose(self, -2, -1)

    def dim(self) -> int:
        return self.data.ndim

    def size(self, dim: int | None = None):
        if dim is None:
            return self.data.shape
        return self.data.shape[_ops.normalize_dim(dim, self.data.ndim, "dim")]

    def numel(self) -> int:
        return int(self.data.size)

    def element_size(self) -> int:
        return self.data.itemsize

    def is_floating_point(self) -> bool:
        return self.data.dtype.kind == "f"

    # ----------------------------------------------------------------- conversion
    def numpy(self) -> np.ndarray:
        if self.requires_grad:
            raise RuntimeError("Can't call numpy() on a Tensor that requires grad. "
                               "Use tensor.detach().numpy() instead.")
        if get_xp(self.data) is not np:
            raise TypeError("numpy(): the tensor is on a CUDA device; call .cpu() first")
        return self.data

    def __array__(self, dtype=None, copy=None):
        arr = self.detach().cpu().data
        return arr if dtype is None else arr.astype(dtype)

    def item(self):
        if self.data.size != 1:
            raise RuntimeError(f"item(): a Tensor with {self.data.size} elements cannot be "
                               "converted to a Python scalar")
        return self.data.reshape(()).item()

    def tolist(self):
        return to_device(self.data, "cpu").tolist()

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __bool__(self) -> bool:
        if self.data.size != 1:
            raise RuntimeError(f"Boolean value of a Tensor with {self.data.size} values is "
                               "ambiguous")
        return bool(self.item())

    def __index__(self) -> int:
        if self.data.dtype.kind not in "iub" or self.data.size != 1:
            raise TypeError("only integer tensors of a single element can be used as an index")
        return int(self.item())

    def __len__(self) -> int:
        if self.data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.data.shape[0]

    def __iter__(self):
        if self.data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self.data.shape[0]))

    __hash__ = object.__hash__

    def detach(self) -> Tensor:
        """The same data, cut from the graph (shares memory)."""
        return Tensor._make(self.data)

    def detach_(self) -> Tensor:
        self.grad_fn = None
        self.requires_grad = False
        return self

    def clone(self) -> Tensor:
        return _ops.clone(self)

    def contiguous(self) -> Tensor:
        return self

    def to(self, *args, **kwargs) -> Tensor:
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
            elif isinstance(a, (str, _device)):
                dev = a
            else:
                dtype = a
        out = self
        if dev is not None:
            out = _ops.to_device(out, dev)
        if dtype is not None:
            out = _ops.cast(out, _dt.to_dtype(dtype))
        if copy and out is self:
            out = self.clone()
        return out

    def type(self, dtype=None):
        if dtype is None:
            return _dt.dtype_name(self.data.dtype)
        return self.to(dtype)

    def float(self) -> Tensor:
        return _ops.cast(self, _dt.float32)

    def double(self) -> Tensor:
        return _ops.cast(self, _dt.float64)

    def half(self) -> Tensor:
        return _ops.cast(self, _dt.float16)

    def long(self) -> Tensor:
        return _ops.cast(self, _dt.int64)

    def int(self) -> Tensor:
        return _ops.cast(self, _dt.int32)

    def bool(self) -> Tensor:
        return _ops.cast(self, _dt.bool_)

    def cpu(self) -> Tensor:
        return _ops.to_device(self, "cpu")

    def cuda(self, device=None) -> Tensor:
        return _ops.to_device(self, "cuda" if device is None else
                              (f"cuda:{device}" if isinstance(device, int) else device))

    # ----------------------------------------------------------------- autograd
    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        if not self.is_leaf:
            if not requires_grad:
                raise RuntimeError("requires_grad_(False) on a non-leaf tensor: use detach()")
            return self
        if requires_grad and self.data.dtype.kind not in "fc":
            raise RuntimeError("Only Tensors of floating point dtype can require gradients, "
                               f"got dtype {_dt.dtype_name(self.data.dtype)}")
        self.requires_grad = bool(requires_grad)
        return self

    def retain_grad(self) -> None:
        """Keep this interior tensor's gradient in ``.grad`` after backward."""
        if not self.requires_grad:
            raise RuntimeError("can't retain_grad on a Tensor that has requires_grad=False")
        if self.grad_fn is not None:
            self.grad_fn.retained = self

    @property
    def retains_grad(self) -> bool:
        return self.grad_fn is not None and self.grad_fn.retained is self

    def register_hook(self, hook):
        """Call ``hook(grad)`` when this tensor's gradient is computed; it may return a new one."""
        if not self.requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self.grad_fn is not None:
            self.grad_fn.hooks = (self.grad_fn.hooks or []) + [hook]
        else:
            self._hooks = (self._hooks or []) + [hook]
        return hook

    def backward(self, gradient=None, retain_graph: bool | None = None,
                 create_graph: bool = False, inputs=None) -> None:
        """Accumulate d(self)/d(leaf) (times ``gradient``) into every leaf's ``.grad``."""
        if create_graph:
            raise NotImplementedError("backward(create_graph=True): higher-order gradients are "
                                      "not supported")
        if not self.requires_grad:
            raise RuntimeError("element 0 of tensors does not require grad and does not have a "
                               "grad_fn: backward() needs a tensor computed from tensors with "
                               "requires_grad=True")
        g = _root_gradient(self, gradient, "gradient")
        if inputs is not None:
            from .autograd.functional import grad as _grad  # noqa: PLC0415

            inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
            grads = _grad([self], inputs, [Tensor._make(g)], retain_graph=retain_graph,
                          allow_unused=True, materialize=False)
            for t, gi in zip(inputs, grads):
                if gi is not None:  # accumulate into the same .grad, as backward() does
                    if t.grad is None:
                        t.grad = gi
                    else:
                        t.grad.data = t.grad.data + gi.data
            return
        run_backward([self], [g], bool(retain_graph))

    # ----------------------------------------------------------------- operators
    def __add__(self, other):
        return _ops.add(self, other)

    def __radd__(self, other):
        return _ops.add(other, self)

    def __sub__(self, other):
        return _ops.sub(self, other)

    def __rsub__(self, other):
        return _ops.sub(other, self)

    def __mul__(self, other):
        return _ops.mul(self, other)

    def __rmul__(self, other):
        return _ops.mul(other, self)

    def __truediv__(self, other):
        return _ops.div(self, other)

    def __rtruediv__(self, other):
        return _ops.div(other, self)

    def __floordiv__(self, other):
        return _ops.div(self, other, rounding_mode="floor")

    def __pow__(self, other):
        return _ops.pow(self, other)

    def __rpow__(self, other):
        return _ops.rpow(self, other)

    def __matmul__(self, other):
        return _ops.matmul(self, other)

    def __rmatmul__(self, other):
        return _ops.matmul(other, self)

    def __neg__(self):
        return _ops.neg(self)

    def __pos__(self):
        return self

    def __abs__(self):
        return _ops.abs(self)

    def __getitem__(self, key):
        return _ops.getitem(self, key)

    def __setitem__(self, key, value) -> None:
        """In-place assignment into the data (``x[x < 0] = 0``); like every in-place op it is
        refused on a tensor that autograd is tracking."""
        from .ops.indexing import _array_key, _ints_first, _is_basic  # noqa: PLC0415

        split = None
        if not _is_basic(key):
            key = _array_key(key, get_xp(self.data))
            split = _ints_first(key)

        def assign(x, v):
            if split is None:
                return _assign_at(x, key, v)
            _assign_at(x[split[0]], split[1], v)  # (x[split[0]] is a view of x)
            return x
        self._inplace(assign, value)

    def __eq__(self, other):  # noqa: D105
        return _ops.eq(self, other)

    def __ne__(self, other):
        return _ops.ne(self, other)

    def __lt__(self, other):
        return _ops.lt(self, other)

    def __le__(self, other):
        return _ops.le(self, other)

    def __gt__(self, other):
        return _ops.gt(self, other)

    def __ge__(self, other):
        return _ops.ge(self, other)

    def __invert__(self):
        return _ops.bitwise_not(self)

    def __and__(self, other):
        return _ops.bitwise_and(self, other)

    def __rand__(self, other):
        return _ops.bitwise_and(other, self)

    def __or__(self, other):
        return _ops.bitwise_or(self, other)

    def __ror__(self, other):
        return _ops.bitwise_or(other, self)

    def __xor__(self, other):
        return _ops.bitwise_xor(self, other)

    def __rxor__(self, other):
        return _ops.bitwise_xor(other, self)

    # In-place arithmetic works on data; it is refused while autograd would need the old values.
    def _inplace(self, op, other):
        if self.requires_grad and _enabled[0]:
            raise RuntimeError("a leaf Variable that requires grad is being used in an in-place "
                               "operation: wrap it in neuronet.no_grad()" if self.is_leaf else
                               "in-place operation on a tensor that is part of a graph")
        value = other.data if isinstance(other, Tensor) else other
        self.data = op(self.data, value)
        return self

    def __iadd__(self, other):
        return self._inplace(lambda x, v: _assign(x, x + v), other)

    def __isub__(self, other):
        return self._inplace(lambda x, v: _assign(x, x - v), other)

    def __imul__(self, other):
        return self._inplace(lambda x, v: _assign(x, x * v), other)

    def __itruediv__(self, other):
        return self._inplace(lambda x, v: _assign(x, x / v), other)

    def add_(self, other, alpha=1):
        return self._inplace(lambda x, v: _assign(x, x + alpha * v), other)

    def sub_(self, other, alpha=1):
        return self._inplace(lambda x, v: _assign(x, x - alpha * v), other)

    def mul_(self, other):
        return self._inplace(lambda x, v: _assign(x, x * v), other)

    def div_(self, other):
        return self._inplace(lambda x, v: _assign(x, x / v), other)

    def copy_(self, src):
        return self._inplace(lambda x, v: _assign(x, get_xp(x).asarray(v)), src)

    def fill_(self, value):
        return self._inplace(lambda x, v: _assign(x, v), value)

    def zero_(self):
        return self.fill_(0)

    def clamp_(self, min=None, max=None):  # noqa: A002
        return self._inplace(lambda x, v: _assign(x, get_xp(x).clip(x, min, max)), None)

    def uniform_(self, a: float = 0.0, b: float = 1.0, generator=None):
        from .nn import init  # noqa: PLC0415

        return init.uniform_(self, a, b, generator=generator)

    def normal_(self, mean: float = 0.0, std: float = 1.0, generator=None):
        from .nn import init  # noqa: PLC0415

        return init.normal_(self, mean, std, generator=generator)

    # ----------------------------------------------------------------- op methods
    def add(self, other, alpha=1):
        return _ops.add(self, other, alpha=alpha)

    def sub(self, other, alpha=1):
        return _ops.sub(self, other, alpha=alpha)

    def mul(self, other):
        return _ops.mul(self, other)

    def div(self, other, rounding_mode=None):
        return _ops.div(self, other, rounding_mode=rounding_mode)

    def pow(self, exponent):
        return _ops.pow(self, exponent)

    def matmul(self, other):
        return _ops.matmul(self, other)

    def neg(self):
        return _ops.neg(self)

    def exp(self):
        return _ops.exp(self)

    def log(self):
        return _ops.log(self)

    def log1p(self):
        return _ops.log1p(self)

    def expm1(self):
        return _ops.expm1(self)

    def sqrt(self):
        return _ops.sqrt(self)

    def rsqrt(self):
        return _ops.rsqrt(self)

    def abs(self):
        return _ops.abs(self)

    def sin(self):
        return _ops.sin(self)

    def cos(self):
        return _ops.cos(self)

    def tanh(self):
        return _ops.tanh(self)

    def sigmoid(self):
        return _ops.sigmoid(self)

    def relu(self):
        return _ops.relu(self)

    def sign(self):
        return _ops.sign(self)

    def floor(self):
        return _ops.floor(self)

    def round(self):
        return _ops.round(self)

    def clamp(self, min=None, max=None):  # noqa: A002
        return _ops.clamp(self, min, max)

    clip = clamp

    def clamp_min(self, min):  # noqa: A002
        return _ops.clamp(self, min=min)

    def clamp_max(self, max):  # noqa: A002
        return _ops.clamp(self, max=max)

    def maximum(self, other):
        return _ops.maximum(self, other)

    def minimum(self, other):
        return _ops.minimum(self, other)

    def eq(self, other):
        return _ops.eq(self, other)

    def ne(self, other):
        return _ops.ne(self, other)

    def lt(self, other):
        return _ops.lt(self, other)

    def le(self, other):
        return _ops.le(self, other)

    def gt(self, other):
        return _ops.gt(self, other)

    def ge(self, other):
        return _ops.ge(self, other)

    def isnan(self):
        return _ops.isnan(self)

    def isfinite(self):
        return _ops.isfinite(self)

    def prod(self, dim=None, keepdim=False, dtype=None):
        return _ops.prod(self, dim, keepdim, dtype=dtype)

    def max(self, dim=None, keepdim=False):
        return _ops.max(self, dim, keepdim)

    def min(self, dim=None, keepdim=False):
        return _ops.min(self, dim, keepdim)

    def amax(self, dim=(), keepdim=False):
        return _ops.amax(self, dim, keepdim)

    def amin(self, dim=(), keepdim=False):
        return _ops.amin(self, dim, keepdim)

    def argmax(self, dim=None, keepdim=False):
        return _ops.argmax(self, dim, keepdim)

    def argmin(self, dim=None, keepdim=False):
        return _ops.argmin(self, dim, keepdim)

    def var(self, dim=None, *, correction=1, keepdim=False, unbiased=None):
        return _ops.var(self, dim, correction=correction, keepdim=keepdim, unbiased=unbiased)

    def std(self, dim=None, *, correction=1, keepdim=False, unbiased=None):
        return _ops.std(self, dim, correction=correction, keepdim=keepdim, unbiased=unbiased)

    def logsumexp(self, dim, keepdim=False):
        return _ops.logsumexp(self, dim, keepdim)

    def norm(self, p="fro", dim=None, keepdim=False):
        return _ops.norm(self, p, dim, keepdim)

    def softmax(self, dim, dtype=None):
        return _ops.softmax(self, dim, dtype)

    def log_softmax(self, dim, dtype=None):
        return _ops.log_softmax(self, dim, dtype)

    def view(self, *shape):
        if len(shape) == 1 and not isinstance(shape[0], (int, tuple, list)):
            return self.to(shape[0])
        return _ops.reshape(self, *shape)

    def view_as(self, other):
        return _ops.reshape(self, other.shape)

    def reshape_as(self, other):
        return _ops.reshape(self, other.shape)

    def flatten(self, start_dim=0, end_dim=-1):
        return _ops.flatten(self, start_dim, end_dim)

    def unflatten(self, dim, sizes):
        return _ops.unflatten(self, dim, sizes)

    def transpose(self, dim0, dim1):
        return _ops.transpose(self, dim0, dim1)

    def t(self):
        return _ops.t(self)

    def permute(self, *dims):
        return _ops.permute(self, *dims)

    def unsqueeze(self, dim):
        return _ops.unsqueeze(self, dim)

    def squeeze(self, dim=None):
        return _ops.squeeze(self, dim)

    def expand(self, *sizes):
        return _ops.expand(self, *sizes)

    def expand_as(self, other):
        return _ops.broadcast_to(self, other.shape)

    def broadcast_to(self, shape):
        return _ops.broadcast_to(self, shape)

    def repeat(self, *repeats):
        return _ops.repeat(self, *repeats)

    def split(self, split_size, dim=0):
        return _ops.split(self, split_size, dim)

    def chunk(self, chunks, dim=0):
        return _ops.chunk(self, chunks, dim)

    def unbind(self, dim=0):
        return _ops.unbind(self, dim)

    def flip(self, dims):
        return _ops.flip(self, dims)

    def index_select(self, dim, index):
        return _ops.index_select(self, dim, index)

    def gather(self, dim, index):
        return _ops.gather(self, dim, index)

    def take_along_dim(self, indices, dim=None):
        return _ops.take_along_dim(self, indices, dim)

    # ----------------------------------------------------------------- repr
    def __repr__(self) -> str:
        arr = to_device(self.data, "cpu")
        fixed = arr.dtype.kind == "f" and arr.size and not bool(
            np.all(np.mod(arr[np.isfinite(arr)], 1) == 0))
        body = np.array2string(arr, precision=4, separator=", ", prefix="tensor(",
                               threshold=1000, edgeitems=3,
                               floatmode="fixed" if fixed else "maxprec")
        if arr.size == 0:
            body = "[]"
        extras = []
        if self.device.type != "cpu":
            extras.append(f"device='{self.device}'")
        if arr.dtype not in (_dt.get_default_dtype(), _dt.int64, _dt.bool_):
            extras.append(f"dtype={_dt.dtype_name(arr.dtype)}")
        if self.grad_fn is not None:
            extras.append(f"grad_fn=<{self.grad_fn.name}>")
        elif self.requires_grad:
            extras.append("requires_grad=True")
        return "tensor(" + body + "".join(", " + e for e in extras) + ")"

    __str__ = __repr__


def _root_gradient(t: Tensor, gradient, argname: str):
    """The seed gradient for backward from ``t``: ``gradient``, or 1 for a scalar."""
    if gradient is None:
        if t.data.size != 1:
            raise RuntimeError(f"grad can be implicitly created only for scalar outputs; "
                               f"this output has shape {tuple(t.data.shape)}: pass {argname}=")
        one = get_xp(t.data).empty(t.data.shape, dtype=t.data.dtype)  # (ones_like is slower)
        one.fill(1)
        return one
    g = gradient.data if isinstance(gradient, Tensor) else get_xp(t.data).asarray(gradient)
    if g.shape != t.data.shape:
        raise RuntimeError(f"{argname}: expected shape {tuple(t.data.shape)} (the output's), "
                           f"got {tuple(g.shape)}")
    return g.astype(t.data.dtype, copy=True)


def _assign_at(target, key, value):
    target[key] = value
    return target


def _assign(target, value):
    """Write ``value`` into ``target`` in place and return ``target``."""
    target[...] = value
    return target


def record(data, inputs: tuple, backward, name: str) -> Tensor:
    """The output tensor of an op; records a graph node when an input requires grad.

    ``backward(grad, needs)`` returns one gradient per input (``None`` where ``needs[i]`` is
    False).
    """
    out = _new_tensor(Tensor)
    out.data = np.asarray(data) if isinstance(data, _generic) else data
    out.grad = None
    out._hooks = None
    if _enabled[0]:
        if len(inputs) == 1:  # most ops: no tuple of flags to build
            needs = _NEEDS_ONE if inputs[0].requires_grad else None
        else:
            n = len(inputs)
            needs = ((inputs[0].requires_grad, inputs[1].requires_grad) if n == 2 else
                     (inputs[0].requires_grad, inputs[1].requires_grad, inputs[2].requires_grad)
                     if n == 3 else tuple([t.requires_grad for t in inputs]))
            if True not in needs:
                needs = None
        if needs is not None:
            # the graph node, its slots set here (no constructor call: this runs once per op)
            node = out.grad_fn = _new_node(Node)
            node.name = name
            node.inputs = inputs
            node.backward = backward
            node.needs = needs
            node.seq = _next_seq()
            node.retained = node.hooks = None
            out.requires_grad = True
            return out
    out.requires_grad = False
    out.grad_fn = None
    return out


_new_tensor = Tensor.__new__
_new_node = Node.__new__
_next_seq = _graph_sequence.__next__
_NEEDS_ONE = (True,)


from .autograd import graph as _graph  # noqa: E402

_graph.Tensor = Tensor
from . import ops as _ops  # noqa: E402 - ops import Tensor from this module

# Methods that take exactly their op's arguments are the op itself: no forwarding call.
for _name in ("reshape", "sum", "mean", "square", "reciprocal", "log2", "log10", "tan", "atan",
              "asin", "acos", "sinh", "cosh", "erf", "trunc", "ceil", "atan2", "remainder",
              "fmod", "floor_divide", "lerp", "isinf", "logical_xor", "isclose", "allclose",
              "equal", "all", "any", "count_nonzero", "sort", "argsort", "topk", "cumsum", "tril",
              "triu", "diagonal", "diag", "trace", "outer", "dot", "mv", "bmm", "roll", "movedim",
              "narrow", "repeat_interleave", "masked_fill", "scatter_add", "bitwise_and",
              "bitwise_or", "bitwise_xor", "bitwise_not", "exp2"):
    setattr(Tensor, _name, getattr(_ops, _name))
Tensor.arctan, Tensor.arcsin, Tensor.arccos = Tensor.atan, Tensor.asin, Tensor.acos
Tensor.arctan2, Tensor.moveaxis = Tensor.atan2, Tensor.movedim
Tensor.swapaxes = Tensor.swapdims = _ops.transpose
Tensor.mm = _ops.matmul
Tensor.type_as = lambda self, other: self.to(other.dtype)
Tensor.__mod__ = _ops.remainder
Tensor.__rmod__ = lambda self, other: _ops.remainder(other, self)
Tensor.__rfloordiv__ = lambda self, other: _ops.floor_divide(other, self)
