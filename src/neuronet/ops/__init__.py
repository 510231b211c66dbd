"""Differentiable primitives, grouped by concept; each op's forward sits beside its VJP.

- ``arithmetic``: + - * /, rounded division, pow, remainders, atan2, lerp, max/min, clamp, where
- ``unary``: exp, log, sqrt, trigonometric and hyperbolic functions, erf (one table of
  forward/backward pairs), abs, sign, square and the rounding ops
- ``compare``: comparisons, predicates, logical and bitwise ops (no gradients)
- ``activation``: relu, sigmoid, tanh and the other activations; ``dropout`` beside them
- ``softmax``, ``normalization`` (batch and layer norm), ``loss``
- ``reduce``: sum, mean, prod, max/min, var/std (and with the mean), logsumexp, norm, all/any
- ``counting``: histogram, histc, bincount, unique, nonzero; ``search``: searchsorted, bucketize
- ``keywords``: ``out=`` and the ``axis``/``keepdims`` aliases, as PyTorch's functions take them
- ``linalg``: matmul, linear, einsum, the named products and matrix structure
- structure: ``shape`` (reshape, permute, cat, split, ...), ``indexing`` (getitem, gather,
  setitem, the scatters, ...), ``padding`` (``nn.functional.pad``), ``ordering`` (sort, topk,
  cumsum)
- ``embedding``: the row lookup, whose gradient is a row gradient (``autograd.rows``)
- ``convolution``: conv1d/2d and their transposes (im2col and one BLAS product per layer),
  ``unfold`` / ``fold``; ``pooling``: max, average, LP and adaptive pooling, ``max_unpool``
- ``sampling``: multinomial, bernoulli, poisson, normal and the random in-place fills
- ``inplace``: the ``_`` methods and augmented assignments; ``conversion``: cast, device, clone

This package exports the tensor ops (``neuronet.ops.add``, ...); the activations, losses,
dropout, embedding, convolutions and pooling are reached through ``neuronet.nn.functional``,
the in-place ops as ``Tensor`` methods. ``COMPOSITES`` names the ops (of either set) built
from other ops: their gradients come from those ops' VJPs. Every other differentiable op owns
its VJP.
"""

from ._util import normalize_dim, normalize_dims, unbroadcast
from .activation import relu, sigmoid, tanh
from .arithmetic import (
    add,
    atan2,
    clamp,
    clamp_max,
    clamp_min,
    div,
    floor_divide,
    fmod,
    lerp,
    maximum,
    minimum,
    mul,
    neg,
    pow,
    remainder,
    rpow,
    sub,
    where,
)
from .array_api import TENSOR_API, array_api
from .compare import (
    allclose,
    bitwise_and,
    bitwise_not,
    bitwise_or,
    bitwise_xor,
    eq,
    equal,
    ge,
    gt,
    isclose,
    isfinite,
    isinf,
    isnan,
    le,
    logical_and,
    logical_not,
    logical_or,
    logical_xor,
    lt,
    ne,
)
from .conversion import cast, clone, to_device
from .counting import (
    argwhere,
    bincount,
    histc,
    histogram,
    nonzero,
    unique,
    unique_consecutive,
)
from .indexing import (
    gather,
    getitem,
    index_add,
    index_copy,
    index_fill,
    index_select,
    masked_fill,
    scatter,
    scatter_add,
    scatter_reduce,
)
from .linalg import (
    bmm,
    cdist,
    diag,
    diagonal,
    dot,
    einsum,
    linear,
    matmul,
    mv,
    outer,
    trace,
    tril,
    triu,
)
from .ordering import argsort, cumsum, sort, topk
from .reduce import (
    all,
    amax,
    amin,
    any,
    argmax,
    argmin,
    count_nonzero,
    logsumexp,
    max,
    mean,
    median,
    min,
    mode,
    nanmedian,
    nanquantile,
    norm,
    prod,
    quantile,
    std,
    std_mean,
    sum,
    var,
    var_mean,
)
from .sampling import bernoulli, multinomial, normal, poisson
from .search import bucketize, searchsorted
from .shape import (
    broadcast_to,
    cat,
    chunk,
    concat,
    expand,
    flatten,
    flip,
    movedim,
    narrow,
    permute,
    repeat,
    repeat_interleave,
    reshape,
    roll,
    rot90,
    split,
    squeeze,
    stack,
    t,
    take_along_dim,
    transpose,
    unbind,
    unflatten,
    unsqueeze,
    view,
)
from .softmax import log_softmax, softmax
from .unary import (
    abs,
    acos,
    asin,
    atan,
    ceil,
    cos,
    cosh,
    erf,
    exp,
    exp2,
    expm1,
    floor,
    log,
    log1p,
    log2,
    log10,
    reciprocal,
    round,
    rsqrt,
    sign,
    sin,
    sinh,
    sqrt,
    square,
    tan,
    trunc,
)

# Public ops whose forward is written with other ops (and whose gradient is theirs).
COMPOSITES = frozenset(
    """
    allclose bilinear bmm cdist celu chunk clamp_max clamp_min dot equal expand flatten floor_divide
    hinge_embedding_loss huber_loss kl_div l1_loss lerp margin_ranking_loss masked_fill
    mish mse_loss mv narrow outer relu6 repeat_interleave rot90 rpow selu smooth_l1_loss
    soft_margin_loss softmin sort split squeeze stack std std_mean take_along_dim trace unbind
    unflatten unsqueeze var_mean
    index_add index_copy index_fill scatter quantile nanquantile
    lp_pool1d lp_pool2d adaptive_avg_pool1d adaptive_avg_pool2d adaptive_max_pool1d
    adaptive_max_pool2d
    """.split()
)
