"""Linear algebra: the matrix products ``matmul`` (with batch broadcasting), ``linear`` (fused
x @ W.T + b) and ``einsum``, each owning its VJP; PyTorch's named products ``outer``, ``dot``,
``mv`` and ``bmm``, composites of ``matmul`` with their own shape rules; and the matrix
structure ops ``tril``, ``triu``, ``diagonal``, ``diag`` and ``trace`` (a composite of
``diagonal`` and ``sum``), whose VJPs put the output's gradient back where each entry was read
from and zero elsewhere."""

from __future__ import annotations

import math

import numpy as np

from ..backend import get_xp, numpy_dot, sum_rows, xp_and_dot
from ..tensor import Tensor, record
from ._util import normalize_dim, operands, unbroadcast
from .arithmetic import where
from .array_api import array_api
from .keywords import write_out
from .reduce import norm as _norm
from .reduce import sum as _sum
from .shape import movedim as _movedim
from .shape import unsqueeze

_NUMPY = np.ndarray
# Output elements beyond which a product goes through matmul rather than dot: NumPy's dot
# zero-fills its output before BLAS writes it, a pass over memory that costs about a tenth of
# the product for a (512, 784) float32 weight gradient (matmul has a little more call overhead,
# which counts only for small products).
_LARGE_PRODUCT = 1 << 18


def matmul(input, other, *, out=None) -> Tensor:
    """PyTorch's matmul: dot for 1-D x 1-D, matrix product with broadcast batch dims otherwise;
    ``out`` receives the result when given.

    1-D operands are promoted to matrices (a row for ``a``, a column for ``b``) and the added
    dim is removed afterwards; the VJP works on those matrices and undoes both steps.
    """
    if out is not None:
        return write_out(out, "matmul", (input, other), lambda: matmul(input, other))
    a, other = operands(input, other, "matmul")
    x, y = a._data, other._data
    if x.ndim == 0 or y.ndim == 0:
        raise RuntimeError(
            f"matmul: both arguments need at least 1 dimension, got shapes "
            f"{tuple(x.shape)} and {tuple(y.shape)}"
        )
    try:
        out = x @ y
    except ValueError:
        raise RuntimeError(
            f"matmul: shapes {tuple(x.shape)} and {tuple(y.shape)} cannot be "
            f"multiplied ({x.shape[-1]} != "
            f"{y.shape[-2] if y.ndim > 1 else y.shape[0]})"
        ) from None
    return record(
        out,
        (a, other),
        _matmul_vjp,
        "MmBackward0" if x.ndim == y.ndim == 2 else "MatmulBackward0",
        (x, y),
    )


def _matmul_vjp(g, needs, x, y):
    xp = array_api(g)
    x2 = x.reshape((1,) + x.shape) if x.ndim == 1 else x
    y2 = y.reshape(y.shape + (1,)) if y.ndim == 1 else y
    if x.ndim == 1 and y.ndim == 1:
        g2 = g.reshape((1, 1))
    elif x.ndim == 1:
        g2 = xp.expand_dims(g, -2)
    elif y.ndim == 1:
        g2 = xp.expand_dims(g, -1)
    else:
        g2 = g
    ga = gb = None
    if needs[0]:
        ga = unbroadcast(g2 @ xp.swapaxes(y2, -1, -2), x2.shape).reshape(x.shape)
    if needs[1]:
        gb = unbroadcast(xp.swapaxes(x2, -1, -2) @ g2, y2.shape).reshape(y.shape)
    return ga, gb


def _linear_operands(x: Tensor, weight: Tensor) -> tuple:
    """``x`` and ``weight`` on one device in one dtype, with matching feature sizes, or the
    error that says which of these fails."""
    if type(x._data) is not type(weight._data):
        raise RuntimeError(
            f"linear: expected all tensors on the same device, got {x.device} and {weight.device}"
        )
    if x._data.dtype != weight._data.dtype:
        x, weight = operands(x, weight, "linear")
    X, W = x._data, weight._data
    if X.shape[-1:] != W.shape[-1:]:
        raise RuntimeError(
            f"linear: input has {X.shape[-1] if X.ndim else 0} features in its "
            f"last dim (shape "
            f"{tuple(X.shape)}) but weight expects {W.shape[-1]} (shape "
            f"{tuple(W.shape)})"
        )
    return x, weight


def _rows(a):
    """``a`` as a 2-D array of its last dim's rows."""
    return a.reshape(math.prod(a.shape[:-1]), a.shape[-1])


def linear(x: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """x @ weight.T + bias as one fused op (``weight`` is (out, in), as in PyTorch).

    VJP: dx = g @ W, dW = g^T x (over all leading dims), db = sum of g over leading dims.
    """
    X, W = x._data, weight._data
    if (
        type(X) is not type(W) or X.dtype is not W.dtype or not X.ndim or X.shape[-1] != W.shape[-1]
    ):  # (dtypes are singletons: `is` is the cheap test)
        x, weight = _linear_operands(x, weight)
        X, W = x._data, weight._data
    xp, dot = (np, numpy_dot) if type(X) is _NUMPY else xp_and_dot(X)  # (inline: per call)
    # one 2-D product also for more leading dims: NumPy's stacked matmul skips BLAS there
    out = dot(X, W.T) if X.ndim == 2 else dot(_rows(X), W.T).reshape(*X.shape[:-1], W.shape[0])
    inputs: tuple[Tensor, ...]
    if bias is not None:
        out += bias._data
        inputs = (x, weight, bias)
    else:
        inputs = (x, weight)

    def backward(g, needs, X, W):
        if type(g) is not _NUMPY and isinstance(g, Tensor):  # a recorded backward pass:
            return _linear_vjp_tensors(g, needs, X, W)  # the same products, as ops
        g2 = _rows(g) if g.ndim != 2 else g
        gx = None
        if needs[0]:
            gx = dot(g2, W) if g.ndim == 2 else dot(g2, W).reshape(*g.shape[:-1], W.shape[1])
        gw = None
        if needs[1]:  # (a weight gradient larger than the cache: matmul, see _LARGE_PRODUCT)
            product = xp.matmul if W.size > _LARGE_PRODUCT else dot
            gw = product(g2.T, _rows(X) if X.ndim != 2 else X)
        if len(needs) == 3:
            gb = sum_rows(xp, g2) if needs[2] else None
            return gx, gw, gb
        return gx, gw

    name = "AddmmBackward0" if bias is not None else "MmBackward0"
    return record(out, inputs, backward, name, (X, W))


def _linear_vjp_tensors(g: Tensor, needs, X: Tensor, W: Tensor) -> tuple:
    g2 = g.reshape((-1, g.shape[-1])) if g.ndim != 2 else g
    gx = g @ W if needs[0] else None
    gw = None
    if needs[1]:
        X2 = X.reshape((-1, X.shape[-1])) if X.ndim != 2 else X
        gw = g2.T @ X2
    if len(needs) == 3:
        return gx, gw, _sum(g2, 0) if needs[2] else None
    return gx, gw


def _parse_einsum(equation: str, ndims: list) -> tuple:
    """Explicit subscripts (``'...'`` expanded to letters) for each operand and the output."""
    eq = equation.replace(" ", "")
    lhs, arrow, rhs = eq.partition("->")
    ins = lhs.split(",")
    if len(ins) != len(ndims):
        raise ValueError(
            f"einsum(): the equation has {len(ins)} operands but {len(ndims)} were given"
        )
    used = set(c for c in eq if c.isalpha())
    spare = [c for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz" if c not in used]
    ell_len = max(
        (nd - len(s.replace("...", "")) for s, nd in zip(ins, ndims) if "..." in s), default=0
    )
    ell = "".join(spare[:ell_len])
    expanded = []
    for s, nd in zip(ins, ndims):
        if "..." in s:
            k = nd - len(s.replace("...", ""))
            s = s.replace("...", ell[ell_len - k :])
        expanded.append(s)
    if arrow:
        out = rhs.replace("...", ell)
    else:
        letters = "".join(expanded)
        out = ell + "".join(
            sorted(c for c in set(letters) if letters.count(c) == 1 and c not in ell)
        )
    return expanded, out


def einsum(equation: str, *operands_) -> Tensor:
    """Einstein summation. The VJP for operand i is an einsum of ``g`` with the other operands,
    broadcast over letters that only operand i had."""
    if len(operands_) == 1 and isinstance(operands_[0], (list, tuple)):
        operands_ = tuple(operands_[0])
    tensors = list(operands_)
    for i in range(1, len(tensors)):
        if tensors[i]._data.dtype != tensors[0]._data.dtype:
            tensors[0], tensors[i] = operands(tensors[0], tensors[i], "einsum")
    arrays = [t._data for t in tensors]
    xp = get_xp(arrays[0])
    subs, out_sub = _parse_einsum(equation, [a.ndim for a in arrays])
    for s in subs:
        if len(set(s)) != len(s):
            raise NotImplementedError(
                f"einsum(): repeated subscripts within one operand ('{s}') "
                "are not differentiable here"
            )
    spec = ",".join(subs) + "->" + out_sub
    out = xp.einsum(spec, *arrays, optimize=len(arrays) > 2)

    def backward(g, needs, *arrays):
        xp = array_api(g)
        grads = []
        for i, need in enumerate(needs):
            if not need:
                grads.append(None)
                continue
            others = [s for j, s in enumerate(subs) if j != i]
            avail = set(out_sub) | set("".join(others))
            target = "".join(c for c in subs[i] if c in avail)
            spec_i = ",".join([out_sub] + others) + "->" + target
            gi = xp.einsum(
                spec_i,
                g,
                *[arrays[j] for j in range(len(arrays)) if j != i],
                optimize=len(arrays) > 1,
            )
            if target != subs[i]:  # letters only operand i had: the gradient is constant there
                kept = tuple(arrays[i].shape[k] if c in avail else 1 for k, c in enumerate(subs[i]))
                gi = xp.broadcast_to(gi.reshape(kept), arrays[i].shape)
            grads.append(gi)
        return tuple(grads)

    return record(out, tuple(tensors), backward, "EinsumBackward0", tuple(arrays))


def _triangle(a: Tensor, diagonal: int, which: str) -> Tensor:
    x = a._data
    if x.ndim < 2:
        raise RuntimeError(
            f"{which}: input tensor must have at least 2 dimensions, got shape {tuple(x.shape)}"
        )
    xp = get_xp(x)
    keep = getattr(xp, which)(xp.ones(x.shape[-2:], dtype=bool), diagonal)
    out = xp.where(keep, x, xp.zeros((), dtype=x.dtype))
    return record(out, (a,), _mask_vjp, which.capitalize() + "Backward0", (keep,))


def _mask_vjp(g, needs, keep):
    return (g * keep,)


def tril(input: Tensor, diagonal: int = 0) -> Tensor:
    """The lower triangle of the last two dims: entries (i, j) with j - i <= ``diagonal``."""
    return _triangle(input, diagonal, "tril")


def triu(input: Tensor, diagonal: int = 0) -> Tensor:
    """The upper triangle of the last two dims: entries (i, j) with j - i >= ``diagonal``."""
    return _triangle(input, diagonal, "triu")


def _diagonal_positions(shape: tuple, offset: int, d1: int, d2: int, xp) -> tuple:
    """Rows and columns (along dims d1, d2) of the ``offset`` diagonal."""
    n = max(0, min(shape[d1] - max(-offset, 0), shape[d2] - max(offset, 0)))
    steps = xp.arange(n)
    return steps + max(-offset, 0), steps + max(offset, 0)


def diagonal(input: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """The ``offset`` diagonal of the matrices in dims ``dim1`` and ``dim2``, as a new last dim
    (a copy; PyTorch's is a view)."""
    x = input._data
    xp = get_xp(x)
    d1, d2 = normalize_dim(dim1, x.ndim, "dim1"), normalize_dim(dim2, x.ndim, "dim2")
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    rows, cols = _diagonal_positions(x.shape, offset, d1, d2, xp)
    moved = xp.moveaxis(x, (d1, d2), (-2, -1))
    out = moved[..., rows, cols]

    shape, dtype = x.shape, x.dtype

    def backward(g, needs):
        if isinstance(g, Tensor):  # (a recorded backward pass): g times the positions, as ops
            places = xp.zeros((len(rows), shape[d1], shape[d2]), dtype=g._data.dtype)
            places[xp.arange(len(rows)), rows, cols] = 1
            moved = einsum("...k,kij->...ij", g, Tensor._make(places))
            return (_movedim(moved, (-2, -1), (d1, d2)),)
        grad = xp.zeros(shape, dtype)
        xp.moveaxis(grad, (d1, d2), (-2, -1))[..., rows, cols] = g
        return (grad,)

    return record(out, (input,), backward, "DiagonalBackward0", ())


_diagonal = diagonal  # (``diag`` has an argument of that name)


def diag(input: Tensor, diagonal: int = 0) -> Tensor:
    """A 1-D ``a`` as the ``diagonal`` of a square matrix of zeros; the ``diagonal`` of a 2-D
    ``a``."""
    x = input._data
    if x.ndim == 2:
        return _diagonal(input, diagonal)
    if x.ndim != 1:
        raise RuntimeError(f"diag(): expected a 1-D or 2-D tensor, got shape {tuple(x.shape)}")
    xp = get_xp(x)
    n = x.shape[0] + abs(diagonal)
    rows, cols = _diagonal_positions((n, n), diagonal, 0, 1, xp)
    out = xp.zeros((n, n), dtype=x.dtype)
    out[rows, cols] = x

    def backward(g, needs):
        if isinstance(g, Tensor):  # (a recorded backward pass: the same entries, as an op)
            return (_diagonal(g, diagonal),)
        return (g[rows, cols],)

    return record(out, (input,), backward, "DiagEmbedBackward0", ())


def trace(input: Tensor) -> Tensor:
    """The sum of the main diagonal of a 2-D tensor."""
    if input._data.ndim != 2:
        raise RuntimeError(
            f"trace: expected a matrix, but got tensor with size {tuple(input._data.shape)}"
        )
    return _sum(diagonal(input))


def _check_dims(name: str, *pairs) -> None:
    for what, t, ndim in pairs:
        if t._data.ndim != ndim:
            raise RuntimeError(f"{name}: {what} must be {ndim}-D, got shape {tuple(t._data.shape)}")


def outer(input: Tensor, vec2: Tensor) -> Tensor:
    """a[i] * b[j] for 1-D ``a`` and ``b``."""
    _check_dims("outer", ("input", input, 1), ("vec2", vec2, 1))
    return matmul(unsqueeze(input, 1), unsqueeze(vec2, 0))


def dot(input: Tensor, tensor: Tensor) -> Tensor:
    """The inner product of two 1-D tensors of one size."""
    _check_dims("dot", ("input", input, 1), ("tensor", tensor, 1))
    return matmul(input, tensor)


def mv(input: Tensor, vec: Tensor) -> Tensor:
    """Matrix (n, m) times vector (m,)."""
    _check_dims("mv", ("input", input, 2), ("vec", vec, 1))
    return matmul(input, vec)


def bmm(input: Tensor, mat2: Tensor) -> Tensor:
    """Batched matrix product of (B, n, m) and (B, m, p), without broadcasting."""
    _check_dims("bmm", ("batch1", input, 3), ("batch2", mat2, 3))
    if input._data.shape[0] != mat2._data.shape[0]:
        raise RuntimeError(
            f"bmm: batch sizes differ: {input._data.shape[0]} and {mat2._data.shape[0]}"
        )
    return matmul(input, mat2)


def cdist(x1: Tensor, x2: Tensor, p: float = 2.0, compute_mode: str | None = None) -> Tensor:
    """The p-norm distances between the rows of ``x1`` (..., P, M) and of ``x2`` (..., R, M):
    a (..., P, R) tensor, batch dims broadcast. Composite: the norm of the differences (so the
    gradient at a zero distance is 0, as PyTorch's). ``compute_mode`` is accepted for
    PyTorch's signature; the distances are always computed directly."""
    for name, t in (("X1", x1), ("X2", x2)):
        if t._data.ndim < 2:
            raise RuntimeError(f"cdist only supports at least 2D tensors, {name} got: {t.dim()}D")
        if t._data.dtype.kind != "f":
            raise RuntimeError(
                f"cdist only supports floating-point dtypes, {name} got: {t._data.dtype}"
            )
    if x1.shape[-1] != x2.shape[-1]:
        raise RuntimeError(
            f"X1 and X2 must have the same number of columns. X1: {x1.shape[-1]} X2: {x2.shape[-1]}"
        )
    if p < 0:
        raise RuntimeError("cdist only supports non-negative p values")
    diff = unsqueeze(x1, -2) - unsqueeze(x2, -3)
    if p == 0:  # the count of differing coordinates, with PyTorch's zero gradient
        return _sum(where(diff != 0, 1.0, diff * 0.0), -1)
    return _norm(diff, p, -1)


def bilinear(input1: Tensor, input2: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """y[..., k] = sum_ij input1[..., i] * weight[k, i, j] * input2[..., j] + bias[k]
    (``nn.functional.bilinear``): a composite of ``einsum``, whose VJP gives the gradients.
    input1 (..., in1) and input2 (..., in2) share their leading dims; weight (out, in1, in2)."""
    x1, x2, w = input1._data, input2._data, weight._data
    if w.ndim != 3:
        raise RuntimeError(f"bilinear(): weight must be 3-D (out, in1, in2), got {w.ndim}-D")
    if x1.ndim != x2.ndim or x1.shape[:-1] != x2.shape[:-1]:
        raise RuntimeError(
            f"bilinear(): input batch dimensions do not match: got {list(x1.shape[:-1])} and "
            f"{list(x2.shape[:-1])}"
        )
    for name, x, n in (("input1", x1, w.shape[1]), ("input2", x2, w.shape[2])):
        if x.shape[-1] != n:
            raise RuntimeError(
                f"bilinear(): {name} size does not match weight size: got {x.shape[-1]} but "
                f"expected {n}"
            )
    out = einsum("...i,kij,...j->...k", input1, weight, input2)
    return out + bias if bias is not None else out
