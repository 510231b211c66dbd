"""The ONNX graph of a traced forward pass: value names, initializers, nodes.

``GraphBuilder`` walks the ops of a trace (``trace.TracedOp``) in order and calls each op's
mapping (``mappings.MAPPINGS``, keyed by the op's node name) with an ``OpContext``: the op's
inputs as ONNX value names, its attributes (the op function's locals), its shapes and a way to
add nodes and constants. A mapping returns the name of the value that stands for the op's
output.

Values are named by the tensor (or array) they come from: the model's inputs by
``input_names``, its parameters and buffers by their ``state_dict`` names (added as
initializers when first used), every traced op's output by the mapping's result. A tensor that
no traced op made and that is neither an input nor a parameter (a constant the forward pass
built, such as a scalar operand) becomes an initializer of its own.

A second trace, at other sizes along the dynamic axes and with other values in the floating
inputs, gives for each op its counterpart (``OpContext.other``); shapes that differ between the
two traces are the ones that follow the dynamic sizes (``OpContext.reshape_target`` writes them
as 0 or -1), and a constant that differs between them depends on the inputs through something
the trace did not see: one filled with a single value or a causal triangle is rebuilt from the
inputs' shapes, any other is refused.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..tensor import Tensor
from .errors import OnnxExporterError, UnsupportedOperatorError
from .trace import TracedOp

_MISSING = object()
INT64_MAX = np.iinfo(np.int64).max
INT64_MIN = np.iinfo(np.int64).min


def host(array) -> np.ndarray:
    """A NumPy copy of a NumPy or CuPy array."""
    if isinstance(array, np.ndarray):
        return array
    return np.asarray(array.get() if hasattr(array, "get") else array)


def _is_array(value: Any) -> bool:
    return isinstance(value, np.ndarray) or hasattr(value, "__cuda_array_interface__")


class GraphBuilder:
    """Nodes, initializers and value names of the graph being built."""

    def __init__(self, opset: int) -> None:
        import onnx  # noqa: PLC0415 - the optional dependency, imported by the exporter

        self.onnx = onnx
        self.opset = opset
        self.nodes: list = []
        self.initializers: list = []
        self.used: set[str] = set()
        self.reserved: set[str] = set()  # the graph outputs' names, given by rename_output
        self.by_tensor: dict[int, str] = {}  # id(tensor) -> value name
        self.by_array: dict[int, str] = {}  # id(array) -> value name
        self.params: dict[int, tuple[str, Any]] = {}  # id(tensor or array) -> (name, array)
        self.param_names: set[str] = set()  # the initializers that hold parameters and buffers
        self.keep: list = []  # what the ids above refer to, kept alive
        self.counts: dict[str, int] = {}
        #: The inputs' dynamic dims: (value name, axis, size in trace 1, size in trace 2).
        self.dims: list[tuple[str, int, int, int]] = []
        self.dim_values: dict[tuple[int, int], str] = {}  # (size 1, size 2) -> its 1-D value

    # -- names -----------------------------------------------------------------------------
    def fresh(self, hint: str) -> str:
        """A value name not used yet, from ``hint``."""
        n = self.counts.get(hint, 0)
        taken = self.used | self.reserved
        name = hint if n == 0 and hint not in taken else f"{hint}_{n}"
        while name in taken:
            n += 1
            name = f"{hint}_{n}"
        self.counts[hint] = n + 1
        self.used.add(name)
        return name

    def name_value(self, t: Tensor, name: str) -> None:
        """Make ``name`` stand for tensor ``t`` (and its array)."""
        self.by_tensor[id(t)] = name
        self.by_array[id(t._data)] = name
        self.keep.append(t)

    def add_parameter(self, name: str, t: Tensor) -> None:
        """A parameter or buffer: an initializer named ``name`` once something reads it."""
        self.params[id(t)] = (name, t._data)
        self.params[id(t._data)] = (name, t._data)
        self.keep.append(t)

    def lookup(self, value: Any) -> str | None:
        """The name of a tensor or array already in the graph (made a parameter's initializer
        on first use), or None."""
        array = value._data if isinstance(value, Tensor) else value
        name = self.by_tensor.get(id(value)) if isinstance(value, Tensor) else None
        if name is None:
            name = self.by_array.get(id(array))
        if name is None:
            param = self.params.get(id(value)) or self.params.get(id(array))
            if param is not None:
                name = self.initializer(param[1], param[0])
                self.param_names.add(name)
                for key in (id(value), id(array)):
                    self.by_array[key] = name
                    self.params.pop(key, None)
        return name

    # -- graph pieces ------------------------------------------------------------------------
    def initializer(self, array, hint: str = "const") -> str:
        name = self.fresh(hint)
        data = host(array)
        if not data.flags.c_contiguous:
            data = data.copy(order="C")
        self.initializers.append(self.onnx.numpy_helper.from_array(data, name))
        return name

    def node(self, op_type: str, inputs: Sequence[str], outputs: int = 1, **attrs) -> Any:
        """Add a node; its output name (a list of them when ``outputs`` > 1)."""
        names = [self.fresh(op_type.lower()) for _ in range(outputs)]
        attrs = {k: v for k, v in attrs.items() if v is not None}
        self.nodes.append(
            self.onnx.helper.make_node(
                op_type, list(inputs), names, name=self.fresh(f"/{op_type}"), **attrs
            )
        )
        return names[0] if outputs == 1 else names

    def rename_output(self, value: str, name: str) -> str:
        """Give the node output ``value`` the graph-output name ``name`` (an Identity node when
        ``value`` is not a node output or is one already taken)."""
        producer = next((n for n in self.nodes if value in n.output), None)
        if producer is None or name in self.used:
            out = name
            self.used.add(name)
            self.nodes.append(self.onnx.helper.make_node("Identity", [value], [out]))
            return out
        self.used.add(name)
        for n in self.nodes:
            for field in (n.input, n.output):
                for i, v in enumerate(field):
                    if v == value:
                        field[i] = name
        for key, v in list(self.by_array.items()):
            if v == value:
                self.by_array[key] = name
        for key, v in list(self.by_tensor.items()):
            if v == value:
                self.by_tensor[key] = name
        return name


def _same(a: Any, b: Any) -> bool:
    """Whether two constants of the two traces are equal (arrays by shape and values)."""
    if _is_array(a) and _is_array(b):
        return a.shape == b.shape and bool(np.array_equal(host(a), host(b), equal_nan=True))
    return bool(a == b) if not (_is_array(a) or _is_array(b)) else False


def _triangle_of_ones(a: np.ndarray, upper: bool) -> bool:
    """Whether ``a`` is ``triu``/``tril`` of ones over its last two dims."""
    if a.ndim < 2:
        return False
    ones = np.ones(a.shape[-2:], dtype=a.dtype)
    return bool(np.array_equal(a, np.broadcast_to((np.triu if upper else np.tril)(ones), a.shape)))


class OpContext:
    """What a mapping sees of one traced op: inputs by ONNX name, attributes, shapes, and how
    to add nodes and constants."""

    def __init__(self, graph: GraphBuilder, op: TracedOp, other: TracedOp | None) -> None:
        self.graph = graph
        self.op = op
        self.other = other
        self.name = op.name
        self.fn = op.fn
        self.opset = graph.opset

    # -- the op ------------------------------------------------------------------------------
    def local(self, name: str, default: Any = _MISSING) -> Any:
        """The value of the op function's local variable ``name`` (its argument, or what it
        computed) when it recorded the op."""
        if name in self.op.locals:
            return self.op.locals[name]
        if default is _MISSING:
            raise OnnxExporterError(
                f"internal error: the op {self.describe()} has no local {name!r}"
            )
        return default

    def closure(self, name: str) -> Any:
        return self.op.closure(name)

    def describe(self) -> str:
        return f"{self.fn} ({self.name})"

    def unsupported(self, why: str) -> UnsupportedOperatorError:
        return UnsupportedOperatorError(f"cannot export the op {self.describe()}: {why}")

    @property
    def out_shape(self) -> tuple:
        return tuple(self.op.out._data.shape)

    @property
    def out_dtype(self) -> np.dtype:
        return self.op.out._data.dtype

    def in_shape(self, i: int = 0) -> tuple:
        return tuple(self.op.inputs[i]._data.shape)

    def in_dtype(self, i: int = 0) -> np.dtype:
        return self.op.inputs[i]._data.dtype

    # -- values ------------------------------------------------------------------------------
    def input(self, i: int = 0) -> str:
        """The ONNX name of the op's input ``i``."""
        other = None if self.other is None else self.other.inputs[i]
        return self.value(self.op.inputs[i], other, f"input {i}")

    @property
    def inputs(self) -> list[str]:
        return [self.input(i) for i in range(len(self.op.inputs))]

    def value(self, value: Any, other: Any = _MISSING, what: str = "a value") -> str:
        """The ONNX name of a tensor or array the op reads: a traced value, an input or
        parameter, or else a constant initializer (``other``: the same value in the second
        trace, which must be equal for a constant)."""
        name = self.graph.lookup(value)
        if name is not None:
            return name
        array = value._data if isinstance(value, Tensor) else value
        if other is not _MISSING and other is not None:
            other_array = other._data if isinstance(other, Tensor) else other
            if not _same(array, other_array):
                return self._sized_constant(array, other_array, what)
        name = self.graph.initializer(array)
        self.graph.by_array[id(array)] = name
        self.graph.keep.append(array)
        return name

    def _sized_constant(self, array, other, what: str) -> str:
        """A constant whose shape follows the dynamic axes: one filled with a single value
        (``zeros(x.shape[0], n)``) is ConstantOfShape; any other is refused."""
        a, b = host(array), host(other)
        if a.size and b.size and a.ndim == b.ndim and a.dtype == b.dtype:
            first = a.reshape(-1)[:1]
            if (a == first).all() and (b == first).all():
                shape = self.shape_value(a.shape, b.shape)
                fill = self.graph.onnx.numpy_helper.from_array(first.copy())
                return self.node("ConstantOfShape", shape, value=fill)
        for upper in (False, True):  # (a causal mask: the triangle of ones of its size)
            if _triangle_of_ones(a, upper) and _triangle_of_ones(b, upper):
                one = self.graph.onnx.numpy_helper.from_array(np.ones(1, np.float32))
                ones = self.node("ConstantOfShape", self.shape_value(a.shape, b.shape), value=one)
                triangle = self.node("Trilu", ones, upper=int(upper))
                return self.cast(triangle, a.dtype)
        raise OnnxExporterError(
            f"cannot export the op {self.describe()}: its {what} is computed from the inputs "
            "by something outside the traced ops (such as argmax, sort or a NumPy step), so a "
            f"constant cannot stand for it (shape {tuple(a.shape)} here, {tuple(b.shape)} for "
            "other inputs)"
        )

    def dim_value(self, size: int, other: int) -> str:
        """A 1-D int64 value holding a dim that is ``size`` in the first trace and ``other``
        in the second: read from an input's dynamic dim of those sizes (or a multiple)."""
        key = (size, other)
        if key in self.graph.dim_values:
            return self.graph.dim_values[key]
        for value, axis, s1, s2 in self.graph.dims:
            if s1 and size % s1 == 0 and size // s1 == other // s2 and other % s2 == 0:
                dim = self.node("Shape", value, start=axis, end=axis + 1)
                k = size // s1
                if k != 1:
                    dim = self.node("Mul", dim, self.ints([k]))
                self.graph.dim_values[key] = dim
                return dim
        raise self.unsupported(
            f"a size ({size}, or {other} at another size of the dynamic axes) follows the dynamic "
            "axes but is no input's dynamic dim"
        )

    def shape_value(self, shape: tuple, other: tuple | None) -> str:
        """A 1-D int64 value holding ``shape`` (``other``: the same shape in the second trace;
        the dims that differ are read from the inputs' shapes)."""
        if other is None or tuple(shape) == tuple(other):
            return self.ints(shape)
        parts, static = [], []
        for a, b in zip(shape, other):
            if a == b:
                static.append(int(a))
                continue
            if static:
                parts.append(self.ints(static))
                static = []
            parts.append(self.dim_value(int(a), int(b)))
        if static:
            parts.append(self.ints(static))
        return parts[0] if len(parts) == 1 else self.node("Concat", *parts, axis=0)

    def saved_value(self, index: int, what: str = "a saved value") -> str:
        other = None if self.other is None else self.other.saved[index]
        return self.value(self.op.saved[index], other, what)

    def local_value(self, name: str) -> str:
        """The ONNX name of the array or tensor held by the local variable ``name``."""
        other = None if self.other is None else self.other.locals.get(name)
        return self.value(self.local(name), other, name)

    def const(self, value: Any, dtype: Any = None) -> str:
        """A constant initializer from an array (in its dtype unless ``dtype`` is given) or a
        number (in ``dtype``, by default the op's output dtype)."""
        if _is_array(value):
            arr = host(value)
        else:
            arr = np.asarray(value, dtype=self.out_dtype if dtype is None else dtype)
        if dtype is not None:
            arr = arr.astype(dtype)
        return self.graph.initializer(arr)

    def cast(self, x: str, dtype: Any) -> str:
        """``x`` cast to the NumPy dtype ``dtype``."""
        return self.node("Cast", x, to=self.graph.onnx.helper.np_dtype_to_tensor_dtype(dtype))

    def ints(self, values: Sequence[int]) -> str:
        """A 1-D int64 constant (axes, shapes, starts)."""
        return self.graph.initializer(np.asarray(list(values), dtype=np.int64), "ints")

    def node(self, op_type: str, *inputs: str, outputs: int = 1, **attrs) -> Any:
        return self.graph.node(op_type, inputs, outputs, **attrs)

    # -- helpers shared by mappings ------------------------------------------------------------
    def reduce(self, op_type: str, x: str, axes: Sequence[int] | None, keepdims: bool) -> str:
        """A Reduce* node over ``axes`` (all when None), the axes as an input where the opset
        wants one (ReduceSum from 13, the others from 18)."""
        keep = int(bool(keepdims))
        if axes is None:
            return self.node(op_type, x, keepdims=keep)
        axes = [int(a) for a in axes]
        if op_type == "ReduceSum" or self.opset >= 18:
            return self.node(op_type, x, self.ints(axes), keepdims=keep)
        return self.node(op_type, x, axes=axes, keepdims=keep)

    def reshape_target(
        self, in_shape: tuple, out_shape: tuple, other_in: tuple | None, other_out: tuple | None
    ) -> list[int] | None:
        """The shape input of a Reshape from ``in_shape`` to ``out_shape``: a dim that changes
        with the dynamic axes (``other_*``: the same shapes in the second trace) is 0 (copied
        from the input) where the input's dim at that place changes alike, else -1 (once); None
        when two dims would need -1."""
        target = [int(s) for s in out_shape]
        if other_out is None or other_in is None:
            return target
        inferred = False
        for i, (a, b) in enumerate(zip(out_shape, other_out)):
            if a == b:
                continue
            if i < len(in_shape) and in_shape[i] == a and other_in[i] == b:
                target[i] = 0
            elif not inferred:
                target[i], inferred = -1, True
            else:
                return None
        return target

    def reshape(self, x: str, shape: tuple | None = None, other: tuple | None = None) -> str:
        """``x`` (the op's input 0) reshaped to ``shape`` (default: the op's output shape),
        with ``other`` the same shape in the second trace."""
        if shape is None:
            shape = self.out_shape
            other = None if self.other is None else tuple(self.other.out._data.shape)
        other_in = None if self.other is None else tuple(self.other.inputs[0]._data.shape)
        target = self.reshape_target(self.in_shape(0), shape, other_in, other)
        if target is None:
            return self.node("Reshape", x, self.shape_value(shape, other))
        return self.node("Reshape", x, self.ints(target))
