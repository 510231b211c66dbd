"""``Tensor``: an array, and what autograd needs to know about it.

A tensor holds ``_data`` (a NumPy or CuPy array; ``data`` is the same memory as a tensor),
``requires_grad``, the ``grad_fn`` node of the op that made it (``None`` for leaves) and, for
leaves, the accumulated ``grad``. This
module holds what a tensor is (its array, its properties, its place in the graph, ``backward``)
and ``record``, which every op calls to make its output. The operators and op methods
(``x + y``, ``x.sum()``, ...) are the ops of ``neuronet.ops`` themselves, bound to the class by
one table in ``neuronet.tensor_methods``.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from . import dtypes as _dt
from . import printing as _printing
from .autograd import grad_mode as _grad_mode
from .autograd import graph as _graph
from .autograd import versions as _versions
from .autograd.graph import (
    Node,
    run_backward,
    run_backward_recording,
    run_post_accumulate_grad_hooks,
)
from .autograd.versions import sequence as _graph_sequence
from .backend import device_of, get_xp, to_device
from .ieee import ieee
from .size import Size
from .utils.hooks import RemovableHandle

_enabled = _grad_mode._enabled
_generic = np.generic
_ndarray = np.ndarray
_public_dtype = _dt.public
_size_of = tuple.__new__  # a Size from a shape already made of ints


@ieee
def as_array(data, dtype=None, copy: bool = True):
    """An array from tensors, arrays or (nested) Python data, with PyTorch's default dtypes.
    A value beyond the dtype's range becomes inf as in PyTorch, silently (``neuronet.ieee``)."""
    if isinstance(data, Tensor):
        arr = data._data
    elif (
        hasattr(data, "__cuda_array_interface__")
        and type(data).__module__.startswith("cupy")
        or isinstance(data, np.ndarray)
    ):
        arr = data
    else:
        if isinstance(data, (list, tuple)) and any(isinstance(v, Tensor) for v in data):
            data = [v._data if isinstance(v, Tensor) else v for v in data]
        arr = np.array(data)
        if arr.dtype.kind not in "biufc":
            raise TypeError(
                f"data: expected numbers, arrays or tensors, got {type(data).__name__} "
                f"holding {arr.dtype}"
            )
        if dtype is not None:
            return np.asarray(data, dtype=_dt.to_dtype(dtype))
        if arr.dtype.kind == "f" and not isinstance(data, np.generic):
            arr = arr.astype(_dt.get_default_dtype())
        elif arr.dtype.kind == "i" and not isinstance(data, np.generic):
            arr = arr.astype(np.int64)
        copy = False
    if dtype is not None:
        arr = arr.astype(_dt.to_dtype(dtype), copy=copy)
    elif copy:
        arr = arr.copy()
    return arr


_NON_LEAF_REQUIRES_GRAD = (
    "you can only change requires_grad flags of leaf variables. If you want to use a computed "
    "variable in a subgraph that doesn't require differentiation use var_no_grad = var.detach()."
)


class Tensor:
    """A multi-dimensional array with reverse-mode automatic differentiation.

    ``Tensor(data)`` makes a leaf from array-like data (Python floats give the default dtype);
    prefer ``neuronet.tensor(data, dtype=..., requires_grad=...)``.
    """

    # ``_post_accumulate_grad_hooks`` is set only on a leaf that registers such a hook (read it
    # with ``getattr(t, "_post_accumulate_grad_hooks", None)``): making a tensor never sets it.
    __slots__ = (
        "_data",
        "grad",
        "_requires_grad",
        "grad_fn",
        "_hooks",
        "_post_accumulate_grad_hooks",
        "__weakref__",
    )
    __array_priority__ = 1000  # ``ndarray * Tensor`` calls Tensor.__rmul__
    _data: Any  # the NumPy or CuPy array: what every op of the library reads and writes
    grad: Tensor | None
    _requires_grad: bool
    grad_fn: Node | None
    _hooks: list[Callable[[Tensor], Tensor | None]] | None
    _post_accumulate_grad_hooks: dict[int, Callable[[Tensor], None]]

    def __init__(self, data=None, requires_grad: bool = False, dtype=None) -> None:
        self._data = as_array([] if data is None else data, dtype)
        self.grad = None
        self.grad_fn = None
        self._hooks = None
        self._requires_grad = False
        if requires_grad:
            self.requires_grad_(True)

    @staticmethod
    def _make(data, requires_grad: bool = False) -> Tensor:
        """A leaf around an existing array, without checks (internal fast path)."""
        t = _new_tensor(Tensor)
        t._data = (
            np.asarray(data) if type(data) is not _ndarray and isinstance(data, _generic) else data
        )
        t.grad = None
        t.grad_fn = None
        t._hooks = None
        t._requires_grad = requires_grad
        return t

    # ----------------------------------------------------------------- data and grad flag
    @property
    def data(self) -> Tensor:
        """This tensor's values as a new tensor that shares its memory, cut from the graph and
        requiring no grad (PyTorch's ``.data``): writing into it changes this tensor's values
        without autograd seeing the change. ``t.data = other`` makes ``t`` hold ``other``'s
        array (its shape and dtype may differ), keeping ``t``'s place in the graph."""
        return Tensor._make(self._data)

    @data.setter
    def data(self, value: Tensor) -> None:
        if not isinstance(value, Tensor):
            raise TypeError(f"Variable data has to be a tensor, but got {type(value).__name__}")
        self._data = value._data

    @property
    def _version(self) -> int:
        """How many in-place writes this tensor's memory has had (shared by its views)."""
        return _versions.version(self._data)

    @property
    def requires_grad(self) -> bool:
        """Whether autograd records ops on this tensor and computes its gradient."""
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, requires_grad: bool) -> None:
        if self.grad_fn is not None:
            raise RuntimeError(
                "you can only change requires_grad flags of leaf variables."
                if requires_grad
                else _NON_LEAF_REQUIRES_GRAD
            )
        self._set_requires_grad(requires_grad, "floating point and complex dtype")

    # ----------------------------------------------------------------- properties
    @property
    def shape(self) -> Size:
        """The shape, as a ``neuronet.Size`` (a tuple of ints)."""
        return _size_of(Size, self._data.shape)

    @property
    def ndim(self) -> int:
        return self._data.ndim

    @property
    def dtype(self) -> _dt.dtype:
        """The element type, as a ``neuronet.dtype`` (``neuronet.float32``, ...)."""
        return _public_dtype(self._data.dtype)

    @property
    def device(self):
        return device_of(self._data)

    @property
    def is_leaf(self) -> bool:
        return self.grad_fn is None

    @property
    def is_cuda(self) -> bool:
        return self.device.type == "cuda"

    @property
    def xp(self):
        """The array module (NumPy or CuPy) that holds this tensor's data."""
        return get_xp(self._data)

    def dim(self) -> int:
        return self._data.ndim

    def numel(self) -> int:
        return int(self._data.size)

    def element_size(self) -> int:
        return self._data.itemsize

    def is_floating_point(self) -> bool:
        return self._data.dtype.kind == "f"

    # ----------------------------------------------------------------- conversion
    def numpy(self) -> np.ndarray:
        if self.requires_grad:
            raise RuntimeError(
                "Can't call numpy() on a Tensor that requires grad. "
                "Use tensor.detach().numpy() instead."
            )
        if get_xp(self._data) is not np:
            raise TypeError("numpy(): the tensor is on a CUDA device; call .cpu() first")
        return self._data

    def __array__(self, dtype=None, copy=None):
        arr = self.detach().cpu()._data
        return arr if dtype is None else arr.astype(dtype)

    def item(self):
        if self._data.size != 1:
            raise RuntimeError(
                f"item(): a Tensor with {self._data.size} elements cannot be "
                "converted to a Python scalar"
            )
        return self._data.reshape(()).item()

    def tolist(self):
        return to_device(self._data, "cpu").tolist()

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __bool__(self) -> bool:
        if self._data.size != 1:
            raise RuntimeError(
                f"Boolean value of a Tensor with {self._data.size} values is ambiguous"
            )
        return bool(self._data.reshape(()))  # (the array's own truth: a captured step's check)

    def __index__(self) -> int:
        if self._data.dtype.kind not in "iub" or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be used as an index")
        return int(self.item())

    def __len__(self) -> int:
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self._data.shape[0]))

    __hash__ = object.__hash__

    def detach(self) -> Tensor:
        """The same data, cut from the graph (shares memory)."""
        return Tensor._make(self._data)

    def detach_(self) -> Tensor:
        self.grad_fn = None
        self._requires_grad = False
        return self

    # ----------------------------------------------------------------- autograd
    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Set whether this leaf requires grad (floating dtypes only); returns it. On a non-leaf,
        True does nothing and False raises, as in PyTorch."""
        if not self.is_leaf:
            if not requires_grad:
                raise RuntimeError(_NON_LEAF_REQUIRES_GRAD)
            return self
        self._set_requires_grad(requires_grad, "floating point dtype")
        return self

    def _set_requires_grad(self, requires_grad: bool, kinds: str) -> None:
        """Set a leaf's flag; True only for floating dtypes (``kinds`` names them in PyTorch's
        message, which the setter and ``requires_grad_`` word differently)."""
        if requires_grad and self._data.dtype.kind not in "fc":
            raise RuntimeError(
                f"only Tensors of {kinds} can require gradients "
                f"(got dtype {_dt.dtype_name(self._data.dtype)})"
            )
        self._requires_grad = bool(requires_grad)

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
            _graph.hooked_leaves.add(self)
        return hook

    def register_post_accumulate_grad_hook(self, hook: Callable[[Tensor], None]):
        """Call ``hook(self)`` after each backward pass has accumulated into this leaf's ``.grad``.

        The hook gets the tensor (not its gradient) and runs with the grad mode off, once per
        backward pass that reaches the leaf, after ``.grad`` holds the pass's sum (and after the
        tensor's ``register_hook`` hooks); ``autograd.grad`` does not run it (it accumulates
        nothing). Returns a ``RemovableHandle``.
        """
        if not self.requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self.grad_fn is not None:
            raise RuntimeError(
                "post accumulate grad hooks cannot be registered on non-leaf tensors"
            )
        hooks = getattr(self, "_post_accumulate_grad_hooks", None)
        if hooks is None:
            hooks = self._post_accumulate_grad_hooks = OrderedDict()
        if self._hooks is None:
            self._hooks = []  # (the engine then hands this leaf its whole gradient at once)
        _graph.hooked_leaves.add(self)
        handle = RemovableHandle(hooks)
        hooks[handle.id] = hook
        return handle

    def backward(
        self,
        gradient=None,
        retain_graph: bool | None = None,
        create_graph: bool = False,
        inputs=None,
    ) -> None:
        """Accumulate d(self)/d(leaf) (times ``gradient``) into every leaf's ``.grad``.

        With ``create_graph=True`` the backward pass is itself recorded: each ``.grad`` is a
        tensor in a graph (and ``gradient`` may require grad), so it can be differentiated
        again; the graph is then kept unless ``retain_graph=False`` is passed.
        """
        if not self._requires_grad:
            raise RuntimeError(
                "element 0 of tensors does not require grad and does not have a "
                "grad_fn: backward() needs a tensor computed from tensors with "
                "requires_grad=True"
            )
        if create_graph:
            seed = root_gradient_tensor(self, gradient, "gradient")
            if inputs is None:
                run_backward_recording([self], [seed])
            else:
                inputs = differentiated_inputs(inputs)
                captured = run_backward_recording([self], [seed], capture=inputs)
                for t in inputs:
                    gi = captured[id(t)]
                    if gi is not None:
                        t.grad = gi if t.grad is None else t.grad + gi
                        run_post_accumulate_grad_hooks(t)
            if retain_graph is False:
                _graph.free_graph([self])
            return
        g = root_gradient(self, gradient, "gradient")
        if inputs is None:
            run_backward([self], [g], bool(retain_graph))
            return
        inputs = differentiated_inputs(inputs)
        captured = run_backward([self], [g], bool(retain_graph), capture=inputs)
        for t in inputs:
            gi = captured[id(t)]
            if gi is not None:  # accumulate into the same .grad, as backward() does
                if t.grad is None:
                    t.grad = Tensor._make(gi)
                else:
                    t.grad._data = t.grad._data + gi
                run_post_accumulate_grad_hooks(t)

    # ----------------------------------------------------------------- repr
    def __repr__(self) -> str:
        return _printing.tensor_repr(self)

    def __format__(self, format_spec: str) -> str:
        """A 0-d tensor formats as its number (``f"{loss:.4f}"``); any other tensor only with an
        empty spec, as its str (PyTorch's rule)."""
        if self._data.ndim == 0:
            return format(self.item(), format_spec)
        return object.__format__(self, format_spec)

    __str__ = __repr__

    if TYPE_CHECKING:  # the methods and operators that neuronet.tensor_methods.bind() sets

        def _bound(self, *args: Any, **kwargs: Any) -> Any: ...

        add = sub = mul = div = pow = neg = remainder = fmod = floor_divide = atan2 = lerp = _bound
        maximum = minimum = clamp = clamp_min = clamp_max = exp = exp2 = expm1 = log = log2 = _bound
        log10 = log1p = sqrt = rsqrt = reciprocal = square = abs = sign = sin = cos = tan = _bound
        asin = acos = atan = sinh = cosh = erf = floor = ceil = trunc = round = tanh = _bound
        sigmoid = relu = softmax = log_softmax = eq = ne = lt = le = gt = ge = isnan = _bound
        isinf = isfinite = isclose = allclose = equal = logical_xor = bitwise_and = _bound
        bitwise_or = bitwise_xor = bitwise_not = sum = mean = prod = max = min = amax = _bound
        amin = argmax = argmin = var = std = logsumexp = norm = all = any = count_nonzero = _bound
        sort = argsort = topk = cumsum = matmul = outer = dot = mv = bmm = tril = triu = _bound
        diagonal = diag = trace = reshape = flatten = unflatten = transpose = t = permute = _bound
        unsqueeze = squeeze = expand = broadcast_to = repeat = chunk = unbind = flip = roll = _bound
        movedim = narrow = repeat_interleave = index_select = gather = take_along_dim = _bound
        masked_fill = scatter_add = clone = clip = mm = swapaxes = swapdims = arctan = _bound
        arcsin = arccos = arctan2 = moveaxis = add_ = sub_ = mul_ = div_ = copy_ = fill_ = _bound
        zero_ = clamp_ = new_tensor = new_zeros = new_ones = new_empty = new_full = _bound
        __add__ = __sub__ = __mul__ = __truediv__ = __floordiv__ = __mod__ = __pow__ = _bound
        __matmul__ = __and__ = __or__ = __xor__ = __radd__ = __rsub__ = __rmul__ = _bound
        __rtruediv__ = __rfloordiv__ = __rmod__ = __rpow__ = __rmatmul__ = __rand__ = _bound
        __ror__ = __rxor__ = __neg__ = __abs__ = __invert__ = __eq__ = __ne__ = __lt__ = _bound
        __le__ = __gt__ = __ge__ = __getitem__ = __setitem__ = __iadd__ = __isub__ = _bound
        __imul__ = __itruediv__ = _bound
        size = contiguous = to = type = type_as = float = double = half = long = int = bool = _bound
        cpu = cuda = view = view_as = reshape_as = expand_as = split = _bound
        __pos__ = _bound
        __iand__ = __ifloordiv__ = __imod__ = __ior__ = __ipow__ = __ixor__ = abs_ = absolute_ = (
            _bound
        )
        acos_ = arccos_ = arcsin_ = arctan2_ = arctan_ = asin_ = atan2_ = atan_ = ceil_ = _bound
        clamp_max_ = clamp_min_ = clip_ = cos_ = cosh_ = divide_ = erf_ = exp2_ = exp_ = _bound
        expm1_ = fix_ = floor_ = floor_divide_ = fmod_ = lerp_ = log10_ = log1p_ = log2_ = _bound
        log_ = masked_fill_ = multiply_ = neg_ = negative_ = pow_ = reciprocal_ = relu_ = _bound
        remainder_ = round_ = rsqrt_ = scatter_add_ = sigmoid_ = sign_ = sin_ = sinh_ = _bound
        sqrt_ = square_ = subtract_ = tan_ = tanh_ = true_divide_ = trunc_ = _bound
        multinomial = bernoulli = uniform_ = normal_ = bernoulli_ = exponential_ = _bound
        geometric_ = cauchy_ = log_normal_ = random_ = _bound
        scatter = scatter_reduce = index_add = index_copy = index_fill = scatter_ = _bound
        scatter_reduce_ = index_add_ = index_copy_ = index_fill_ = _bound
        histogram = histc = bincount = unique = unique_consecutive = nonzero = argwhere = _bound
        rot90 = nelement = median = nanmedian = mode = quantile = nanquantile = _bound
        T: Tensor  # (properties)
        mT: Tensor  # noqa: N815 - PyTorch's name


def differentiated_inputs(inputs) -> list[Tensor]:
    """``inputs`` (a tensor or a sequence of them) as a list, each checked to require grad."""
    inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    for i, t in enumerate(inputs):
        if not isinstance(t, Tensor) or not t.requires_grad:
            raise RuntimeError(
                f"inputs[{i}]: one of the differentiated Tensors does not require grad"
            )
    return inputs


def root_gradient(t: Tensor, gradient, argname: str):
    """The seed gradient for backward from ``t``: ``gradient``, or 1 for a scalar."""
    if gradient is None:
        if t._data.size != 1:
            raise RuntimeError(
                f"grad can be implicitly created only for scalar outputs; "
                f"this output has shape {tuple(t._data.shape)}: pass {argname}="
            )
        one = get_xp(t._data).empty(t._data.shape, dtype=t._data.dtype)  # (ones_like is slower)
        one.fill(1)
        return one
    g = gradient._data if isinstance(gradient, Tensor) else get_xp(t._data).asarray(gradient)
    if g.shape != t._data.shape:
        raise RuntimeError(
            f"{argname}: expected shape {tuple(t._data.shape)} (the output's), got {tuple(g.shape)}"
        )
    return g.astype(t._data.dtype, copy=True)


def root_gradient_tensor(t: Tensor, gradient, argname: str) -> Tensor:
    """The seed gradient of a recorded backward pass (``create_graph=True``): ``gradient``
    itself when it is a tensor of ``t``'s shape and dtype (it may require grad), else
    ``root_gradient``'s array as a constant tensor."""
    if (
        isinstance(gradient, Tensor)
        and gradient._data.shape == t._data.shape
        and gradient._data.dtype == t._data.dtype
    ):
        return gradient
    return Tensor._make(root_gradient(t, gradient, argname))


def record(data, inputs: tuple, backward, name: str, saved: tuple) -> Tensor:
    """The output tensor of an op; records a graph node when an input requires grad.

    ``backward(grad, needs, *saved)`` returns one gradient per input (``None`` where
    ``needs[i]`` is False). ``saved`` holds what the VJP reads besides the gradient: the
    arrays of inputs, the output array ``data`` (last, when it is saved), and constants (masks,
    indices, shapes). The engine passes them as they are; a backward pass that records its own
    graph (``create_graph=True``) passes the input tensors, the output as a tensor of this node
    and the constants as tensors in their place, with the gradient as a tensor, so one VJP
    written with the functions of ``ops.array_api(grad)`` serves both. A VJP that reads
    nothing but the gradient (and Python values of its closure) passes ``saved=()``.
    """
    out = _new_tensor(Tensor)
    # a NumPy scalar (from a 0-d result) is kept as a 0-d array
    if type(data) is not _ndarray and isinstance(data, _generic):
        scalar, data = data, np.asarray(data)
        if saved and saved[-1] is scalar:
            saved = (*saved[:-1], data)
    out._data = data
    out.grad = None
    out._hooks = None
    if _enabled[0]:
        if len(inputs) == 1:  # most ops: no tuple of flags to build
            needs = _NEEDS_ONE if inputs[0]._requires_grad else None
        else:
            n = len(inputs)
            needs = (
                (inputs[0]._requires_grad, inputs[1]._requires_grad)
                if n == 2
                else (inputs[0]._requires_grad, inputs[1]._requires_grad, inputs[2]._requires_grad)
                if n == 3
                else tuple([t._requires_grad for t in inputs])
            )
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
            node.extra = None
            node.saved = saved
            node.out = data  # (no extra memory: the output tensor holds it while the graph lives)
            out._requires_grad = True
            return out
    out._requires_grad = False
    out.grad_fn = None
    return out


_new_tensor = Tensor.__new__
_new_node = Node.__new__
_next_seq = _graph_sequence.__next__
_NEEDS_ONE = (True,)


_graph.make_tensor = Tensor._make  # (the engine makes tensors for hooks and .grad)
