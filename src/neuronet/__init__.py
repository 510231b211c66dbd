"""neuronet: a small, fast, readable neural-network library on NumPy with PyTorch's API."""

from __future__ import annotations

import importlib

from . import (
    autograd,
    tensor_methods,
)
from .autograd import (
    enable_grad,
    inference_mode,
    is_grad_enabled,
    is_inference_mode_enabled,
    no_grad,
    set_grad_enabled,
)
from .backend import device
from .dtypes import (
    bool_,
    dtype_name,
    float16,
    float32,
    float64,
    get_default_dtype,
    int8,
    int16,
    int32,
    int64,
    set_default_dtype,
    uint8,
)
from .factories import (
    arange,
    as_tensor,
    empty,
    empty_like,
    eye,
    from_numpy,
    full,
    full_like,
    is_tensor,
    linspace,
    numel,
    ones,
    ones_like,
    rand,
    rand_like,
    randint,
    randn,
    randn_like,
    randperm,
    tensor,
    zeros,
    zeros_like,
)
from .ops import (
    abs,
    acos,
    add,
    all,
    allclose,
    amax,
    amin,
    any,
    argmax,
    argmin,
    argsort,
    asin,
    atan,
    atan2,
    bitwise_and,
    bitwise_not,
    bitwise_or,
    bitwise_xor,
    bmm,
    broadcast_to,
    cat,
    ceil,
    chunk,
    clamp,
    clamp_max,
    clamp_min,
    clone,
    concat,
    cos,
    cosh,
    count_nonzero,
    cumsum,
    diag,
    diagonal,
    div,
    dot,
    einsum,
    eq,
    equal,
    erf,
    exp,
    exp2,
    expm1,
    flatten,
    flip,
    floor,
    floor_divide,
    fmod,
    gather,
    ge,
    gt,
    index_select,
    isclose,
    isfinite,
    isinf,
    isnan,
    le,
    lerp,
    log,
    log1p,
    log2,
    log10,
    log_softmax,
    logical_and,
    logical_not,
    logical_or,
    logical_xor,
    logsumexp,
    lt,
    masked_fill,
    matmul,
    max,
    maximum,
    mean,
    min,
    minimum,
    movedim,
    mul,
    mv,
    narrow,
    ne,
    neg,
    norm,
    outer,
    permute,
    pow,
    prod,
    reciprocal,
    relu,
    remainder,
    repeat,
    repeat_interleave,
    reshape,
    roll,
    round,
    rsqrt,
    scatter_add,
    sigmoid,
    sign,
    sin,
    sinh,
    softmax,
    sort,
    split,
    sqrt,
    square,
    squeeze,
    stack,
    std,
    sub,
    sum,
    t,
    take_along_dim,
    tan,
    tanh,
    topk,
    trace,
    transpose,
    tril,
    triu,
    trunc,
    unbind,
    unflatten,
    unsqueeze,
    var,
    where,
)
from .random import Generator, get_rng_state, initial_seed, manual_seed, seed, set_rng_state
from .serialization import load_object as load
from .serialization import save
from .tensor import Tensor

__version__ = "0.1.0"

bool = bool_  # noqa: A001 - PyTorch's name for the dtype
half, double = float16, float64
long, short = int64, int16
float = float32  # noqa: A001
int = int32  # noqa: A001
clip = clamp
multiply, subtract, divide = mul, sub, div
mm = matmul
swapaxes = swapdims = transpose
moveaxis = movedim
arcsin, arccos, arctan, arctan2 = asin, acos, atan, atan2
dtype = type(float32)
default_generator = importlib.import_module(".random", __name__).default_generator


_LAZY = ("nn", "optim", "data", "training", "models", "cuda", "utils", "serialization")


def __getattr__(name: str):
    if name in _LAZY:
        module = importlib.import_module(f".{name}", __name__)
        globals()[name] = module
        return module
    raise AttributeError(f"module 'neuronet' has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + list(_LAZY))
