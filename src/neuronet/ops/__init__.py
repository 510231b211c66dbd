"""Differentiable primitives, grouped by family; each forward sits beside its VJP."""
from ._util import cast, clone, normalize_dim, normalize_dims, to_device, unbroadcast
from .elementwise import (
    abs, add, clamp, clamp_max, clamp_min, cos, div, eq, exp, expm1, floor, ge, gt, isfinite,
    isnan, le, log, log1p, logical_and, logical_not, logical_or, lt, maximum, minimum, mul, ne,
    neg, pow, relu, round, rpow, rsqrt, sigmoid, sign, sin, sqrt, sub, tanh, where,
)
from .indexing import gather, getitem, index_select, masked_fill, scatter_add, take_along_dim
from .linalg import einsum, linear, matmul
from .matrix import bmm, diag, diagonal, dot, mv, outer, trace, tril, triu
from .ordering import argsort, cumsum, sort, topk
from .pointwise import (
    acos, allclose, asin, atan, atan2, bitwise_and, bitwise_not, bitwise_or, bitwise_xor, ceil,
    cosh, equal, erf, exp2, floor_divide, fmod, isclose, isinf, lerp, log2, log10, logical_xor,
    reciprocal, remainder, sinh, square, tan, trunc,
)
from .reduce import (
    all, amax, amin, any, argmax, argmin, count_nonzero, logsumexp, max, mean, min, norm, prod,
    std, sum, var,
)
from .shape import (
    broadcast_to, cat, chunk, concat, expand, flatten, flip, movedim, narrow, permute, repeat,
    repeat_interleave, reshape, roll, split, squeeze, stack, t, transpose, unbind, unflatten,
    unsqueeze, view,
)
from .softmax import log_softmax, softmax
