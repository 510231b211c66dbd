"""How each neuronet op becomes ONNX nodes: one entry per op node name.

A mapping is ``f(ctx) -> str``: it reads the op through ``ctx`` (``graph.OpContext``: its inputs
as ONNX names, the op function's locals for its attributes, its shapes), adds nodes, and returns
the name of the value that is the op's output. Adding an op is one entry: a name in
``ELEMENTWISE`` when ONNX has the same operator, or a function under ``@maps("NameBackward0")``.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from .graph import INT64_MAX, INT64_MIN, OpContext

Mapping = Callable[[OpContext], str]
MAPPINGS: dict[str, Mapping] = {}

#: Ops whose ONNX operator takes the op's inputs as they are, with no attributes.
ELEMENTWISE = {
    "ReluBackward0": "Relu",
    "SigmoidBackward0": "Sigmoid",
    "TanhBackward0": "Tanh",
    "ExpBackward0": "Exp",
    "LogBackward0": "Log",
    "SqrtBackward0": "Sqrt",
    "AbsBackward0": "Abs",
    "NegBackward0": "Neg",
    "SinBackward0": "Sin",
    "CosBackward0": "Cos",
    "TanBackward0": "Tan",
    "AsinBackward0": "Asin",
    "AcosBackward0": "Acos",
    "AtanBackward0": "Atan",
    "SinhBackward0": "Sinh",
    "CoshBackward0": "Cosh",
    "ErfBackward0": "Erf",
    "ReciprocalBackward0": "Reciprocal",
    "SignBackward0": "Sign",
    "FloorBackward0": "Floor",
    "CeilBackward0": "Ceil",
    "RoundBackward0": "Round",
    "SoftsignBackward0": "Softsign",
    "PowBackward1": "Pow",
    "MaximumBackward0": "Max",
    "MinimumBackward0": "Min",
    "CloneBackward0": "Identity",
    "MatmulBackward0": "MatMul",
}


def maps(*names: str) -> Callable[[Mapping], Mapping]:
    """Register a mapping for the op node names ``names``."""

    def register(f: Mapping) -> Mapping:
        for name in names:
            MAPPINGS[name] = f
        return f

    return register


def _elementwise(op_type: str) -> Mapping:
    return lambda ctx: ctx.node(op_type, *ctx.inputs)


for _name, _op_type in ELEMENTWISE.items():
    MAPPINGS[_name] = _elementwise(_op_type)


def _scalar_operand(ctx: OpContext) -> tuple[str, bool]:
    """For an arithmetic op recorded with one tensor input and a Python number: the number as
    a constant, and whether it stands first (``2 - x``)."""
    for name in ("other", "b", "input"):
        value = ctx.local(name, None)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return ctx.const(value), name == "input"
    raise ctx.unsupported("a scalar operand was expected")


def _binary(op_type: str) -> Mapping:
    def mapping(ctx: OpContext) -> str:
        if len(ctx.op.inputs) == 2:
            return ctx.node(op_type, *ctx.inputs)
        c, first = _scalar_operand(ctx)
        x = ctx.input(0)
        return ctx.node(op_type, *((c, x) if first else (x, c)))

    return mapping


maps("AddBackward0")(_binary("Add"))
maps("SubBackward0", "RsubBackward1")(_binary("Sub"))
maps("DivBackward0")(_binary("Div"))


@maps("MulBackward0")
def _mul(ctx: OpContext) -> str:
    if ctx.fn == "dropout":  # (dropout in training: the mask the pass drew)
        raise ctx.unsupported("dropout in training mode: export the model in eval mode")
    return _binary("Mul")(ctx)


@maps("PowBackward0")
def _pow(ctx: OpContext) -> str:
    x = ctx.input(0)
    if ctx.fn == "square" or ctx.local("exponent", None) == 2:
        return ctx.node("Mul", x, x)
    return ctx.node("Pow", x, ctx.const(float(ctx.local("exponent"))))


@maps("ClampMinBackward0")
def _clamp_min(ctx: OpContext) -> str:
    return ctx.node("Max", ctx.input(0), ctx.const(ctx.local("min")))


@maps("ClampBackward1")
def _clamp(ctx: OpContext) -> str:
    out = ctx.input(0)
    i = 1
    for bound, op_type in (("lo_t", "Max"), ("hi_t", "Min")):
        if ctx.local(bound) is not None:
            out = ctx.node(op_type, out, ctx.input(i))
            i += 1
    return out


@maps("WhereBackward0")
def _where(ctx: OpContext) -> str:
    return ctx.node("Where", ctx.saved_value(0, "condition"), *ctx.inputs)


@maps("ToCopyBackward0")
def _to_copy(ctx: OpContext) -> str:
    if ctx.out_dtype == ctx.in_dtype(0):  # (a move between devices)
        return ctx.node("Identity", ctx.input(0))
    return ctx.cast(ctx.input(0), ctx.out_dtype)


# -- activations -------------------------------------------------------------------------------


@maps("LeakyReluBackward0")
def _leaky_relu(ctx: OpContext) -> str:
    return ctx.node("LeakyRelu", ctx.input(0), alpha=float(ctx.local("negative_slope")))


@maps("EluBackward0", "SeluBackward0")
def _elu(ctx: OpContext) -> str:
    alpha, scale = float(ctx.local("alpha")), float(ctx.local("scale"))
    if ctx.name == "SeluBackward0":
        return ctx.node("Selu", ctx.input(0), alpha=alpha, gamma=scale)
    out = ctx.node("Elu", ctx.input(0), alpha=alpha)
    return out if scale == 1 else ctx.node("Mul", out, ctx.const(scale))


@maps("SoftplusBackward0")
def _softplus(ctx: OpContext) -> str:
    """log(1 + exp(beta x)) / beta, and x where beta x > threshold (ONNX's Softplus has no
    threshold: the Where keeps PyTorch's linear branch)."""
    beta, threshold = float(ctx.local("beta")), float(ctx.local("threshold"))
    x = ctx.input(0)
    z = x if beta == 1 else ctx.node("Mul", x, ctx.const(beta))
    soft = ctx.node("Softplus", z)
    if beta != 1:
        soft = ctx.node("Div", soft, ctx.const(beta))
    return ctx.node("Where", ctx.node("Greater", z, ctx.const(threshold)), x, soft)


@maps("LogSigmoidBackward0")
def _logsigmoid(ctx: OpContext) -> str:
    return ctx.node("Neg", ctx.node("Softplus", ctx.node("Neg", ctx.input(0))))


@maps("GeluBackward0")
def _gelu(ctx: OpContext) -> str:
    x = ctx.input(0)
    approximate = ctx.local("approximate")
    if ctx.opset >= 20:
        return ctx.node("Gelu", x, approximate=approximate)
    if approximate == "tanh":  # 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
        cube = ctx.node("Mul", ctx.node("Mul", x, x), x)
        inner = ctx.node("Add", x, ctx.node("Mul", cube, ctx.const(0.044715)))
        t = ctx.node("Tanh", ctx.node("Mul", inner, ctx.const(math.sqrt(2 / math.pi))))
    else:  # 0.5 x (1 + erf(x / sqrt 2))
        t = ctx.node("Erf", ctx.node("Mul", x, ctx.const(1 / math.sqrt(2))))
    half_x = ctx.node("Mul", x, ctx.const(0.5))
    return ctx.node("Mul", half_x, ctx.node("Add", t, ctx.const(1.0)))


def _x_with(outer: str, inner: str) -> Mapping:
    """``outer(x, inner(x))``: silu is x * sigmoid(x), tanhshrink x - tanh(x)."""

    def mapping(ctx: OpContext) -> str:
        x = ctx.input(0)
        return ctx.node(outer, x, ctx.node(inner, x))

    return mapping


maps("SiluBackward0")(_x_with("Mul", "Sigmoid"))
maps("TanhshrinkBackward0")(_x_with("Sub", "Tanh"))


@maps("HardtanhBackward0")
def _hardtanh(ctx: OpContext) -> str:
    lo, hi = ctx.local("min_val"), ctx.local("max_val")
    return ctx.node("Clip", ctx.input(0), ctx.const(lo), ctx.const(hi))


@maps("HardsigmoidBackward0")
def _hardsigmoid(ctx: OpContext) -> str:
    return ctx.node("HardSigmoid", ctx.input(0), alpha=1 / 6, beta=0.5)


@maps("HardswishBackward0")
def _hardswish(ctx: OpContext) -> str:
    return ctx.node("HardSwish", ctx.input(0))


@maps("ThresholdBackward0")
def _threshold(ctx: OpContext) -> str:
    x = ctx.input(0)
    above = ctx.node("Greater", x, ctx.const(ctx.local("threshold")))
    return ctx.node("Where", above, x, ctx.const(ctx.local("value")))


@maps("HardshrinkBackward0")
def _hardshrink(ctx: OpContext) -> str:
    return ctx.node("Shrink", ctx.input(0), lambd=float(ctx.local("lambd")), bias=0.0)


@maps("SoftshrinkBackward0")
def _softshrink(ctx: OpContext) -> str:
    lambd = float(ctx.local("lambd"))
    return ctx.node("Shrink", ctx.input(0), lambd=lambd, bias=lambd)


@maps("PreluKernelBackward0")
def _prelu(ctx: OpContext) -> str:
    view = tuple(ctx.local("view"))
    slope = ctx.node("Reshape", ctx.input(1), ctx.ints(view))
    return ctx.node("PRelu", ctx.input(0), slope)


@maps("BinaryStepBackward0")
def _binary_step(ctx: OpContext) -> str:
    step = ctx.node("GreaterOrEqual", ctx.input(0), ctx.const(0.0))
    return ctx.cast(step, ctx.out_dtype)


@maps("MaxoutBackward0")
def _maxout(ctx: OpContext) -> str:
    d = int(ctx.local("d"))
    grouped = tuple(ctx.local("grouped_shape"))
    other = None if ctx.other is None else tuple(ctx.other.locals["grouped_shape"])
    x = ctx.reshape(ctx.input(0), grouped, other)
    return ctx.reduce("ReduceMax", x, [d + 1], keepdims=False)


@maps("SoftmaxBackward0", "LogSoftmaxBackward0")
def _softmax(ctx: OpContext) -> str:
    d = ctx.local("d")
    op_type = "Softmax" if ctx.name == "SoftmaxBackward0" else "LogSoftmax"
    if d is None:  # (a 0-d input: softmax is 1, log_softmax 0)
        d = 0
        x = ctx.node("Reshape", ctx.input(0), ctx.ints([1]))
        return ctx.node("Reshape", ctx.node(op_type, x, axis=0), ctx.ints([]))
    return ctx.node(op_type, ctx.input(0), axis=int(d))


# -- layers ------------------------------------------------------------------------------------


@maps("AddmmBackward0", "MmBackward0")
def _linear(ctx: OpContext) -> str:
    """linear: Gemm (x W^T + b) for 2-D input, else MatMul with W^T and Add; matmul of two
    matrices: MatMul."""
    if ctx.fn != "linear":
        return ctx.node("MatMul", *ctx.inputs)
    x, w = ctx.input(0), ctx.input(1)
    bias = [ctx.input(2)] if len(ctx.op.inputs) == 3 else []
    if len(ctx.in_shape(0)) == 2:
        return ctx.node("Gemm", x, w, *bias, transB=1)
    out = ctx.node("MatMul", x, ctx.node("Transpose", w, perm=[1, 0]))
    return ctx.node("Add", out, bias[0]) if bias else out


@maps("EmbeddingBackward0")
def _embedding(ctx: OpContext) -> str:
    return ctx.node("Gather", ctx.input(0), ctx.saved_value(0, "ids"), axis=0)


@maps("NativeBatchNormBackward0")
def _batch_norm(ctx: OpContext) -> str:
    """Evaluation with running statistics: BatchNormalization; batch statistics (training, or
    no running statistics kept): the normalisation over (N, *spatial) written out. Read from
    batch_norm's arguments."""
    x = ctx.input(0)
    shape = ctx.in_shape(0)
    c = shape[1]
    eps = float(ctx.local("eps"))
    dtype = ctx.out_dtype
    n_params = len(ctx.op.inputs) - 1
    scale = ctx.input(1) if n_params >= 1 else ctx.const(np.ones(c, dtype))
    bias = ctx.input(2) if n_params >= 2 else ctx.const(np.zeros(c, dtype))
    mean, var = ctx.local("running_mean"), ctx.local("running_var")
    if not ctx.local("training") and mean is not None:
        other = (
            (None, None)
            if ctx.other is None
            else (ctx.other.locals["running_mean"], ctx.other.locals["running_var"])
        )
        m = ctx.value(mean, other[0], "running_mean")
        v = ctx.value(var, other[1], "running_var")
        return ctx.node("BatchNormalization", x, scale, bias, m, v, epsilon=eps)
    axes = [0, *range(2, len(shape))]
    view = ctx.ints([1, c] + [1] * (len(shape) - 2))
    xhat = _normalized(ctx, x, axes, eps)
    out = ctx.node("Mul", xhat, ctx.node("Reshape", scale, view))
    return ctx.node("Add", out, ctx.node("Reshape", bias, view))


def _normalized(ctx: OpContext, x: str, axes: list, eps: float) -> str:
    """(x - mean) / sqrt(var + eps) over ``axes``, with the biased variance."""
    mean = ctx.reduce("ReduceMean", x, axes, keepdims=True)
    d = ctx.node("Sub", x, mean)
    var = ctx.reduce("ReduceMean", ctx.node("Mul", d, d), axes, keepdims=True)
    return ctx.node("Div", d, ctx.node("Sqrt", ctx.node("Add", var, ctx.const(eps))))


def _normalized_shape(ctx: OpContext) -> tuple:
    """The ``normalized_shape`` argument of layer_norm or rms_norm, as a tuple."""
    shape = ctx.local("normalized_shape")
    return (int(shape),) if isinstance(shape, int) else tuple(int(s) for s in shape)


@maps("NativeLayerNormBackward0")
def _layer_norm(ctx: OpContext) -> str:
    shape = _normalized_shape(ctx)
    eps = float(ctx.local("eps"))
    x = ctx.input(0)
    scale = ctx.input(1) if len(ctx.op.inputs) > 1 else ctx.const(np.ones(shape, ctx.out_dtype))
    bias = [ctx.input(2)] if len(ctx.op.inputs) > 2 else []
    return ctx.node("LayerNormalization", x, scale, *bias, axis=-len(shape), epsilon=eps)


# -- shapes ------------------------------------------------------------------------------------


@maps("TrilBackward0", "TriuBackward0")
def _triangle(ctx: OpContext) -> str:
    k = ctx.const(np.asarray(int(ctx.local("diagonal")), np.int64))
    return ctx.node("Trilu", ctx.input(0), k, upper=int(ctx.name == "TriuBackward0"))


@maps("ViewBackward0")
def _view(ctx: OpContext) -> str:
    return ctx.reshape(ctx.input(0))


@maps("PermuteBackward0")
def _permute(ctx: OpContext) -> str:
    return ctx.node("Transpose", ctx.input(0), perm=[int(d) for d in ctx.local("dims")])


@maps("TransposeBackward0")
def _transpose(ctx: OpContext) -> str:
    nd = len(ctx.in_shape(0))
    if nd < 2:
        return ctx.node("Identity", ctx.input(0))
    perm = list(range(nd))
    d0, d1 = ctx.local("d0"), ctx.local("d1")
    perm[d0], perm[d1] = perm[d1], perm[d0]
    return ctx.node("Transpose", ctx.input(0), perm=perm)


@maps("MovedimBackward0")
def _movedim(ctx: OpContext) -> str:
    n = len(ctx.in_shape(0))
    src, dst = ctx.local("src"), ctx.local("dst")
    order = [d for d in range(n) if d not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    if not n:
        return ctx.node("Identity", ctx.input(0))
    return ctx.node("Transpose", ctx.input(0), perm=order)


@maps("ExpandBackward0")
def _expand(ctx: OpContext) -> str:
    """Expand to the output shape; a dim that follows the dynamic axes is 1 there (Expand
    broadcasts it from the input, where it has that size)."""
    out, src = list(ctx.out_shape), ctx.in_shape(0)
    if ctx.other is not None:
        other = tuple(ctx.other.out._data.shape)
        lead = len(out) - len(src)
        varying = [i for i, (a, b) in enumerate(zip(out, other)) if a != b]
        if any(i < lead or src[i - lead] != out[i] for i in varying):
            return ctx.node("Expand", ctx.input(0), ctx.shape_value(tuple(out), other))
        for i in varying:
            out[i] = 1
    return ctx.node("Expand", ctx.input(0), ctx.ints(out))


@maps("CatBackward0")
def _cat(ctx: OpContext) -> str:
    return ctx.node("Concat", *ctx.inputs, axis=int(ctx.local("d")))


@maps("RepeatBackward0")
def _repeat(ctx: OpContext) -> str:
    full = tuple(ctx.local("full"))
    x = ctx.input(0)
    if len(full) != len(ctx.in_shape(0)):
        x = ctx.node("Reshape", x, ctx.ints(full))
    return ctx.node("Tile", x, ctx.ints(ctx.local("reps")))


@maps("FlipBackward0")
def _flip(ctx: OpContext) -> str:
    axes = [int(a) for a in ctx.local("axes")]
    n = len(axes)
    return ctx.node(
        "Slice",
        ctx.input(0),
        ctx.ints([-1] * n),
        ctx.ints([INT64_MIN] * n),
        ctx.ints(axes),
        ctx.ints([-1] * n),
    )


def _bound(b: int, n: int, ob: int, on: int, step: int) -> tuple[int, int]:
    """A slice bound ``b`` of a dim of size ``n`` (``ob``, ``on``: the same in the second
    trace) for ONNX's Slice: INT64_MAX at the end and INT64_MIN before the start (a negative
    step) in both traces, negative where it is the same distance from the end in both."""
    if step < 0 and b == -1 and ob == -1:
        return INT64_MIN, INT64_MIN
    if b == n and ob == on:
        return INT64_MAX, INT64_MAX
    if b != ob and b - n == ob - on:
        return b - n, ob - on
    return b, ob


def _basic_parts(key, ndim: int) -> list:
    """A basic key as one entry per position: ints, slices and None, Ellipsis expanded."""
    parts = list(key) if isinstance(key, tuple) else [key]
    taken = sum(1 for p in parts if p is not None and p is not Ellipsis)
    out: list = []
    for p in parts:
        if p is Ellipsis:
            out.extend([slice(None)] * (ndim - taken))
        else:
            out.append(p)
    if Ellipsis not in parts:
        out.extend([slice(None)] * (ndim - taken))
    return out


@maps("SliceBackward0")
def _slice(ctx: OpContext) -> str:
    """Basic indexing: one Slice for the slices, a Gather per integer (from the last), one
    Unsqueeze for the None entries. Bounds that follow the dynamic axes are read from the
    inputs' shapes."""
    shape = ctx.in_shape(0)
    parts = _basic_parts(ctx.local("key"), len(shape))
    other_parts, other_shape = parts, shape
    if ctx.other is not None:
        other_shape = tuple(ctx.other.inputs[0]._data.shape)
        other_parts = _basic_parts(ctx.other.locals["key"], len(other_shape))
    starts: list = [[], []]
    ends: list = [[], []]
    axes, steps, picks, news = [], [], [], []
    axis = position = 0
    for p, q in zip(parts, other_parts):
        if p is None:
            news.append(position)
            position += 1
            continue
        n, on = shape[axis], other_shape[axis]
        if isinstance(p, slice):
            start, stop, step = p.indices(n)
            o_start, o_stop, _ = q.indices(on)
            if step != 1 or (start, stop, o_start, o_stop) != (0, n, 0, on):
                for bounds, pair in (
                    (starts, _bound(start, n, o_start, on, step)),
                    (ends, _bound(stop, n, o_stop, on, step)),
                ):
                    bounds[0].append(pair[0])
                    bounds[1].append(pair[1])
                axes.append(axis)
                steps.append(step)
            position += 1
        else:
            index, o_index = int(p) % n, int(q) % on
            if index != o_index:
                if index - n != o_index - on:
                    raise ctx.unsupported("an integer index follows a dynamic axis")
                index -= n
            picks.append((axis, index))
        axis += 1
    x = ctx.input(0)
    if axes:
        begin = ctx.shape_value(tuple(starts[0]), tuple(starts[1]))
        end = ctx.shape_value(tuple(ends[0]), tuple(ends[1]))
        x = ctx.node("Slice", x, begin, end, ctx.ints(axes), ctx.ints(steps))
    for axis, index in reversed(picks):
        x = ctx.node("Gather", x, ctx.const(np.asarray(index, np.int64)), axis=axis)
    if news:
        x = ctx.node("Unsqueeze", x, ctx.ints(news))
    if x == ctx.input(0):
        x = ctx.node("Identity", x)
    return x


@maps("IndexBackward0")
def _advanced_index(ctx: OpContext) -> str:
    """Indexing with one integer index array (the other entries whole-dim slices): Gather."""
    key = ctx.local("key")
    parts = list(key) if isinstance(key, tuple) else [key]
    arrays = [i for i, p in enumerate(parts) if not isinstance(p, slice)]
    whole = all(p == slice(None) for p in parts if isinstance(p, slice))
    if ctx.local("split") is not None or len(arrays) != 1 or not whole:
        raise ctx.unsupported("indexing with more than one index array, or mixed with slices")
    i = arrays[0]
    index = parts[i]
    if getattr(index, "dtype", np.dtype("O")).kind not in "iu":
        raise ctx.unsupported("boolean-mask indexing (its output size depends on the values)")
    other = None if ctx.other is None else ctx.other.locals["key"]
    if other is not None:
        other = (list(other) if isinstance(other, tuple) else [other])[i]
    return ctx.node("Gather", ctx.input(0), ctx.value(index, other, "index"), axis=i)


@maps("IndexSelectBackward0")
def _index_select(ctx: OpContext) -> str:
    other = None if ctx.other is None else ctx.other.locals["idx"]
    index = ctx.value(ctx.local("idx"), other, "index")
    return ctx.node("Gather", ctx.input(0), index, axis=int(ctx.local("d")))


@maps("GatherBackward0")
def _gather(ctx: OpContext) -> str:
    """GatherElements; where the index is smaller than the input along another dim (which
    PyTorch allows), the input is sliced to it first."""
    other = None if ctx.other is None else ctx.other.locals["idx"]
    idx, d = ctx.local("idx"), int(ctx.local("d"))
    index = ctx.value(idx, other, "index")
    x = ctx.input(0)
    short = [a for a, n in enumerate(idx.shape) if a != d and n < ctx.in_shape(0)[a]]
    if short:
        ends = [int(idx.shape[a]) for a in short]
        x = ctx.node("Slice", x, ctx.ints([0] * len(short)), ctx.ints(ends), ctx.ints(short))
    return ctx.node("GatherElements", x, index, axis=d)


@maps("ConstantPadNdBackward0")
def _pad(ctx: OpContext) -> str:
    """F.pad's constant mode: Pad by the positive widths, then Slice off the negative ones."""
    widths = [(int(lo), int(hi)) for lo, hi in ctx.local("widths")]
    grow = [max(lo, 0) for lo, _ in widths] + [max(hi, 0) for _, hi in widths]
    x = ctx.node("Pad", ctx.input(0), ctx.ints(grow), ctx.const(ctx.local("value")))
    crop = [(d, -lo, hi if hi < 0 else INT64_MAX) for d, (lo, hi) in enumerate(widths)]
    crop = [c for c in crop if c[1] > 0 or c[2] < 0]
    if crop:
        axes = [c[0] for c in crop]
        starts = [max(c[1], 0) for c in crop]
        x = ctx.node("Slice", x, ctx.ints(starts), ctx.ints([c[2] for c in crop]), ctx.ints(axes))
    return x


# -- reductions --------------------------------------------------------------------------------


def _axes(ctx: OpContext, name: str = "axes") -> list | None:
    axes = ctx.local(name)
    if axes is None:
        return None
    return [int(a) for a in (axes if isinstance(axes, (tuple, list)) else (axes,))]


def _reduction(op_type: str, keep: str = "keepdim") -> Mapping:
    def mapping(ctx: OpContext) -> str:
        return ctx.reduce(op_type, ctx.input(0), _axes(ctx), bool(ctx.local(keep)))

    return mapping


maps("SumBackward0", "SumBackward1")(_reduction("ReduceSum"))
maps("MeanBackward0", "MeanBackward1")(_reduction("ReduceMean"))


@maps("ProdBackward0")
def _prod(ctx: OpContext) -> str:
    dim = ctx.local("dim")
    axes = None if dim is None or not ctx.in_shape(0) else [int(ctx.local("ax"))]
    return ctx.reduce("ReduceProd", ctx.input(0), axes, bool(ctx.local("keepdim")))


maps("LogsumexpBackward0")(_reduction("ReduceLogSumExp"))


@maps("AmaxBackward0", "AminBackward0")
def _amax(ctx: OpContext) -> str:
    op_type = "ReduceMax" if ctx.name == "AmaxBackward0" else "ReduceMin"
    return ctx.reduce(op_type, ctx.input(0), _axes(ctx), bool(ctx.local("keepdim")))


@maps("MaxBackward0", "MinBackward0")
def _max_along(ctx: OpContext) -> str:
    op_type = "ReduceMax" if ctx.name == "MaxBackward0" else "ReduceMin"
    return ctx.reduce(op_type, ctx.input(0), [int(ctx.local("ax"))], bool(ctx.local("keepdim")))


@maps("VarBackward0")
def _var(ctx: OpContext) -> str:
    x = ctx.input(0)
    axes = _axes(ctx)
    d = ctx.node("Sub", x, ctx.reduce("ReduceMean", x, axes, keepdims=True))
    total = ctx.reduce("ReduceSum", ctx.node("Mul", d, d), axes, bool(ctx.local("keepdim")))
    return ctx.node("Div", total, ctx.const(float(ctx.local("denom"))))


@maps("CumsumBackward0")
def _cumsum(ctx: OpContext) -> str:
    axis = ctx.const(np.asarray(int(ctx.local("d")), np.int64))
    return ctx.node("CumSum", ctx.input(0), axis)


# -- comparisons and logic (traced from ops.compare) -----------------------------------------

_COMPARISONS = {
    "greater": "Greater",
    "less": "Less",
    "equal": "Equal",
    "greater_equal": "GreaterOrEqual",
    "less_equal": "LessOrEqual",
    "logical_and": "And",
    "logical_or": "Or",
    "logical_xor": "Xor",
    "logical_not": "Not",
    "isnan": "IsNaN",
    "isinf": "IsInf",
    "bitwise_and": "BitwiseAnd",
    "bitwise_or": "BitwiseOr",
    "bitwise_xor": "BitwiseXor",
    "bitwise_not": "BitwiseNot",
}
_LOGICAL = {"BitwiseAnd": "And", "BitwiseOr": "Or", "BitwiseXor": "Xor", "BitwiseNot": "Not"}


@maps("Compare")
def _compare(ctx: OpContext) -> str:
    if ctx.fn == "not_equal":
        return ctx.node("Not", ctx.node("Equal", *ctx.inputs))
    if ctx.fn == "isfinite":
        x = ctx.input(0)
        return ctx.node("Not", ctx.node("Or", ctx.node("IsNaN", x), ctx.node("IsInf", x)))
    op_type = _COMPARISONS.get(ctx.fn)
    if op_type is None:
        raise ctx.unsupported("it has no ONNX mapping")
    if ctx.out_dtype.kind == "b":  # (the bitwise ops of bools are the logical ones)
        op_type = _LOGICAL.get(op_type, op_type)
    return ctx.node(op_type, *ctx.inputs)


# -- normalisations beyond batch and layer norm ----------------------------------------------


@maps("NativeGroupNormBackward0")
def _group_norm(ctx: OpContext) -> str:
    """Each sample's groups of channels normalised over (channels of the group, positions):
    Reshape to (N, groups, -1), normalise over the last axis, Reshape back, scale and shift
    per channel."""
    x = ctx.input(0)
    groups, eps = int(ctx.local("num_groups")), float(ctx.local("eps"))
    grouped = ctx.node("Reshape", x, ctx.ints([0, groups, -1]))
    out = ctx.node("Reshape", _normalized(ctx, grouped, [2], eps), ctx.node("Shape", x))
    view = ctx.ints([ctx.in_shape(0)[1]] + [1] * (len(ctx.in_shape(0)) - 2))
    for i in range(1, len(ctx.op.inputs)):
        op_type = "Mul" if i == 1 else "Add"
        out = ctx.node(op_type, out, ctx.node("Reshape", ctx.input(i), view))
    return out


@maps("RmsNormBackward0")
def _rms_norm(ctx: OpContext) -> str:
    """x / sqrt(mean(x^2) + eps) * weight, the mean over the normalised dims."""
    x = ctx.input(0)
    nd, k = len(ctx.in_shape(0)), len(_normalized_shape(ctx))
    eps = ctx.local("eps")
    eps = float(np.finfo(ctx.out_dtype).eps) if eps is None else float(eps)
    mean = ctx.reduce("ReduceMean", ctx.node("Mul", x, x), list(range(nd - k, nd)), True)
    rms = ctx.node("Sqrt", ctx.node("Add", mean, ctx.const(eps)))
    out = ctx.node("Div", x, rms)
    return ctx.node("Mul", out, ctx.input(1)) if len(ctx.op.inputs) > 1 else out


def _upsample(ctx: OpContext) -> str:
    """Interpolation as neuronet computes it, axis by axis: the input positions each output
    position reads (Gather), times their weights (linear modes), summed."""
    out = ctx.input(0)
    dims = int(ctx.local("dim"))
    for axis, (index, weight) in zip(range(-dims, 0), ctx.local("maps")):
        parts = []
        for i, w in zip(index, weight):
            part = ctx.node("Gather", out, ctx.const(np.asarray(i, np.int64)), axis=axis)
            if w is not None:
                shape = (-1,) + (1,) * (-axis - 1)
                part = ctx.node("Mul", part, ctx.const(np.asarray(w).reshape(shape)))
            parts.append(part)
        out = parts[0] if len(parts) == 1 else ctx.node("Add", *parts)
    return out


for _mode in (
    "UpsampleNearest",
    "UpsampleNearestExact",
    "UpsampleLinear",
    "UpsampleBilinear",
    "UpsampleTrilinear",
):
    for _dims in (1, 2, 3):
        MAPPINGS[f"{_mode}{_dims}DBackward0"] = _upsample


# -- attention --------------------------------------------------------------------------------


@maps("AttentionWeightsBackward0")
def _attention_weights(ctx: OpContext) -> str:
    """softmax(q k^T * scale + bias, -1) with -inf where ``keep`` is False; a row with no
    key left is zeros (``empty='zero'``) or NaN (``empty='nan'``), as neuronet gives it."""
    q, k = ctx.input(0), ctx.input(1)
    rank = len(ctx.in_shape(1))
    perm = list(range(rank - 2)) + [rank - 1, rank - 2]
    s = ctx.node("MatMul", q, ctx.node("Transpose", k, perm=perm))
    scale = float(ctx.local("scale"))
    if scale != 1:
        s = ctx.node("Mul", s, ctx.const(scale))
    if len(ctx.op.inputs) == 3:
        s = ctx.node("Add", s, ctx.input(2))
    if ctx.local("keep") is not None:
        keep = ctx.local_value("keep")
        s = ctx.node("Where", keep, s, ctx.const(-np.inf))
    p = ctx.node("Softmax", s, axis=-1)
    if ctx.local("masked") and ctx.local("empty") == "zero":
        p = ctx.node("Where", ctx.node("IsNaN", p), ctx.const(0.0), p)
    return p


# -- recurrent layers -------------------------------------------------------------------------

#: PyTorch's gate blocks in ONNX's order: LSTM i f g o -> i o f c, GRU r z n -> z r h.
_GATE_ORDER = {"LSTM": [0, 3, 1, 2], "GRU": [1, 0, 2], "RNN_TANH": [0], "RNN_RELU": [0]}


@maps("LstmBackward0", "GruBackward0", "RnnBackward0")
def _recurrent(ctx: OpContext) -> str:
    """One direction of one layer: ONNX's LSTM, GRU (linear_before_reset, PyTorch's form) or
    RNN over the padded sequence, the weights' gate blocks reordered by a Gather. The op's
    output (every step's hidden state, then the final h and c, flattened one after the
    other) is rebuilt by a Concat."""
    mode = ctx.local("mode")
    sizes = tuple(ctx.local("batch_sizes"))
    if len(set(sizes)) > 1:
        raise ctx.unsupported("packed sequences of different lengths (pad them to one length)")
    if ctx.local("w_hr") is not None:
        raise ctx.unsupported("LSTM with proj_size")
    named = dict(zip(ctx.local("names"), range(len(ctx.op.inputs))))
    rows, batch = int(ctx.local("rows")), int(ctx.local("batch"))
    hidden = int(ctx.local("hidden"))
    steps = rows // batch if batch else 0
    other = None
    if ctx.other is not None:
        o_rows, o_batch = int(ctx.other.locals["rows"]), int(ctx.other.locals["batch"])
        other = (o_rows // o_batch, o_batch, ctx.in_shape(0)[1])
    x = ctx.input(0)
    x = ctx.node("Reshape", x, ctx.shape_value((steps, batch, ctx.in_shape(0)[1]), other))
    gates = ctx.ints([g * hidden + j for g in _GATE_ORDER[mode] for j in range(hidden)])

    def weight(name: str) -> str:
        return ctx.node("Gather", ctx.input(named[name]), gates, axis=0)

    w = ctx.node("Unsqueeze", weight("w_ih"), ctx.ints([0]))
    r = ctx.node("Unsqueeze", weight("w_hh"), ctx.ints([0]))
    if "b_ih" in named:
        b = ctx.node(
            "Unsqueeze", ctx.node("Concat", weight("b_ih"), weight("b_hh"), axis=0), ctx.ints([0])
        )
    else:
        b = ""
    h0 = ctx.node("Unsqueeze", ctx.input(named["hx"]), ctx.ints([0]))
    inputs = [x, w, r, b, "", h0]
    attrs = {"hidden_size": hidden, "direction": "reverse" if ctx.local("reverse") else "forward"}
    if mode == "LSTM":
        inputs.append(ctx.node("Unsqueeze", ctx.input(named["cx"]), ctx.ints([0])))
        outs = ctx.node("LSTM", *inputs, outputs=3, **attrs)
    elif mode == "GRU":
        outs = ctx.node("GRU", *inputs, outputs=2, linear_before_reset=1, **attrs)
    elif mode == "RNN_TANH":
        outs = ctx.node("RNN", *inputs, outputs=2, activations=["Tanh"], **attrs)
    else:  # (ONNX's reference evaluator runs RNN with tanh only: relu steps written out)
        outs = _relu_steps(ctx, x, named, steps, bool(ctx.local("reverse")))
    flat = [ctx.node("Reshape", y, ctx.ints([-1])) for y in outs]
    if ctx.other is not None:  # the bounds of the parts, for the slices that take them apart
        ends, other_ends = np.cumsum(ctx.local("sizes")), np.cumsum(ctx.other.locals["sizes"])
        end = ctx.node("Shape", flat[0])
        for k in range(len(flat) - 1):
            ctx.graph.dim_values.setdefault((int(ends[k]), int(other_ends[k])), end)
            end = ctx.node("Add", end, ctx.node("Shape", flat[k + 1]))
    return ctx.node("Concat", *flat, axis=0)


def _relu_steps(ctx: OpContext, x: str, named: dict, steps: int, reverse: bool) -> list[str]:
    """An Elman RNN with relu, step by step: h = relu(x_t W_ih^T + b_ih + h W_hh^T + b_hh);
    returns (every step's h in time order, the final h)."""
    z = ctx.node("MatMul", x, ctx.node("Transpose", ctx.input(named["w_ih"]), perm=[1, 0]))
    if "b_ih" in named:
        z = ctx.node("Add", z, ctx.node("Add", ctx.input(named["b_ih"]), ctx.input(named["b_hh"])))
    w_hh = ctx.node("Transpose", ctx.input(named["w_hh"]), perm=[1, 0])
    h = ctx.input(named["hx"])
    states: list[str] = []
    for t in reversed(range(steps)) if reverse else range(steps):
        z_t = ctx.node("Gather", z, ctx.const(np.asarray(t, np.int64)), axis=0)
        h = ctx.node("Relu", ctx.node("Add", z_t, ctx.node("MatMul", h, w_hh)))
        states.append(h)
    if reverse:
        states.reverse()
    every = [ctx.node("Unsqueeze", s, ctx.ints([0])) for s in states]
    return [ctx.node("Concat", *every, axis=0) if len(every) > 1 else every[0], h]


# -- convolution and pooling ------------------------------------------------------------------


@maps("ConvolutionBackward0")
def _convolution(ctx: OpContext) -> str:
    """conv2d (conv1d arrives as a height-1 conv2d): Conv; conv_transpose2d: ConvTranspose,
    the weight in PyTorch's layout in both."""
    stride = [int(s) for s in ctx.local("stride")]
    dilation = [int(d) for d in ctx.local("dilation")]
    groups = int(ctx.local("groups"))
    if ctx.fn == "_conv_transpose2d":
        padding = [int(p) for p in ctx.local("padding")]
        return ctx.node(
            "ConvTranspose",
            *ctx.inputs,
            strides=stride,
            dilations=dilation,
            group=groups,
            pads=padding + padding,
            output_padding=[int(p) for p in ctx.local("out_pad")],
        )
    pads = ctx.local("pads")
    onnx_pads = [int(lo) for lo, _ in pads] + [int(hi) for _, hi in pads]
    return ctx.node(
        "Conv", *ctx.inputs, strides=stride, dilations=dilation, group=groups, pads=onnx_pads
    )


def _pool_pads(ctx: OpContext, dilation: tuple) -> list[int]:
    """ONNX's pads for a pooling window: PyTorch's padding before, and after whatever makes
    ONNX's floor-mode size equal the op's output size (PyTorch's padding, or the reach of
    the last window in ceil mode)."""
    shape = ctx.in_shape(0)[2:]
    kernel, stride, padding = ctx.local("kernel"), ctx.local("stride"), ctx.local("padding")
    ends = []
    for n, k, s, p, d, o in zip(shape, kernel, stride, padding, dilation, ctx.local("out")):
        span = d * (k - 1) + 1
        reach = (o - 1) * s + span
        for end in (p, max(reach - n - p, 0)):
            if (n + p + end - span) // s + 1 == o:
                break
        else:
            raise ctx.unsupported(f"a pooling window layout ONNX cannot express ({tuple(shape)})")
        ends.append(end)
    return [int(p) for p in padding] + ends


@maps("MaxPool2DWithIndicesBackward0")
def _max_pool(ctx: OpContext) -> str:
    dilation = tuple(int(d) for d in ctx.local("dilation"))
    return ctx.node(
        "MaxPool",
        ctx.input(0),
        kernel_shape=[int(k) for k in ctx.local("kernel")],
        strides=[int(s) for s in ctx.local("stride")],
        dilations=list(dilation),
        pads=_pool_pads(ctx, dilation),
    )


@maps("AvgPool2DBackward0")
def _avg_pool(ctx: OpContext) -> str:
    """The window sums (AveragePool counting the zero padding, times the window's area)
    divided by neuronet's divisors (the padding rule and divisor_override as PyTorch's)."""
    kernel = [int(k) for k in ctx.local("kernel")]
    mean = ctx.node(
        "AveragePool",
        ctx.input(0),
        kernel_shape=kernel,
        strides=[int(s) for s in ctx.local("stride")],
        pads=_pool_pads(ctx, (1, 1)),
        count_include_pad=1,
    )
    sums = ctx.node("Mul", mean, ctx.const(float(kernel[0] * kernel[1])))
    return ctx.node("Div", sums, ctx.saved_value(0, "divisor"))
