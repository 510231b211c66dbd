"""neuronet: a small, fast, readable neural-network library on NumPy with PyTorch's API."""

from __future__ import annotations

import importlib
import importlib.util

import numpy as _np

from . import (
    autograd,
    backends,
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
from .backends.compiler import compile
from .backends.cuda import get_float32_matmul_precision, set_float32_matmul_precision
from .backends.determinism import (
    are_deterministic_algorithms_enabled,
    is_deterministic_algorithms_warn_only_enabled,
    use_deterministic_algorithms,
)
from .backends.threads import get_num_threads, set_num_threads
from .dtypes import default_dtype as get_default_dtype
from .dtypes import dtype, dtype_name, finfo, iinfo, set_default_dtype
from .dtypes import public as _public
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
    randint_like,
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
    argwhere,
    asin,
    atan,
    atan2,
    bernoulli,
    bincount,
    bitwise_and,
    bitwise_not,
    bitwise_or,
    bitwise_xor,
    bmm,
    broadcast_to,
    bucketize,
    cat,
    cdist,
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
    histc,
    histogram,
    index_add,
    index_copy,
    index_fill,
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
    median,
    min,
    minimum,
    mode,
    movedim,
    mul,
    multinomial,
    mv,
    nanmedian,
    nanquantile,
    narrow,
    ne,
    neg,
    nonzero,
    norm,
    normal,
    outer,
    permute,
    poisson,
    pow,
    prod,
    quantile,
    reciprocal,
    relu,
    remainder,
    repeat,
    repeat_interleave,
    reshape,
    roll,
    rot90,
    round,
    rsqrt,
    scatter,
    scatter_add,
    scatter_reduce,
    searchsorted,
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
    std_mean,
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
    unique,
    unique_consecutive,
    unsqueeze,
    var,
    var_mean,
    where,
)
from .printing import set_printoptions
from .random import Generator, get_rng_state, initial_seed, manual_seed, seed, set_rng_state
from .serialization import load_object as load
from .serialization import save
from .size import Size
from .tensor import Tensor

__version__ = "0.1.0"

# the dtype objects (Tensor.dtype gives these; bfloat16 comes from __getattr__ below)
float16 = half = _public(_np.float16)
float32 = float = _public(_np.float32)  # noqa: A001 - PyTorch's names
float64 = double = _public(_np.float64)
complex64 = cfloat = _public(_np.complex64)
complex128 = cdouble = _public(_np.complex128)
int8 = _public(_np.int8)
int16 = short = _public(_np.int16)
int32 = int = _public(_np.int32)  # noqa: A001
int64 = long = _public(_np.int64)
uint8 = _public(_np.uint8)
uint16 = _public(_np.uint16)
uint32 = _public(_np.uint32)
uint64 = _public(_np.uint64)
bool_ = bool = _public(_np.bool_)  # noqa: A001
clip = clamp
is_floating_point = Tensor.is_floating_point
multiply, subtract, divide = mul, sub, div
mm = matmul
swapaxes = swapdims = transpose
moveaxis = movedim
arcsin, arccos, arctan, arctan2 = asin, acos, atan, atan2
default_generator = importlib.import_module(".random", __name__).default_generator


_LAZY = ("nn", "optim", "data", "training", "models", "cuda", "utils", "serialization", "onnx")

# PyTorch's top-level forms of functions that live in nn.functional (the same objects),
# resolved on first use so that ``import neuronet`` does not import ``nn``.
_FROM_FUNCTIONAL = frozenset(
    """
    bilinear celu celu_ cosine_similarity embedding_bag hardshrink pairwise_distance
    pixel_shuffle pixel_unshuffle rms_norm
    prelu relu_ rrelu rrelu_ selu selu_ threshold threshold_
    adaptive_avg_pool1d avg_pool1d conv1d conv2d conv_transpose1d conv_transpose2d max_pool1d
    max_pool2d
    """.split()
)


def __getattr__(name: str):
    if name in _LAZY:
        module = importlib.import_module(f".{name}", __name__)
        globals()[name] = module
        return module
    if name in _FROM_FUNCTIONAL:
        globals()[name] = value = getattr(importlib.import_module(".nn.functional", __name__), name)
        return value
    if name == "bfloat16":  # from the optional ml_dtypes package: a clear error without it
        globals()[name] = value = importlib.import_module(".dtypes", __name__).bfloat16()
        return value
    raise AttributeError(f"module 'neuronet' has no attribute {name!r}")


def __dir__():
    optional = ["bfloat16"] if importlib.util.find_spec("ml_dtypes") else []
    return sorted(set(globals()) | set(_LAZY) | _FROM_FUNCTIONAL | set(optional))
