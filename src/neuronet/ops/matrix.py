"""Matrix structure and the named products: ``tril``, ``triu``, ``diagonal``, ``diag``,
``trace``, and ``outer``, ``dot``, ``mv``, ``bmm`` (``matmul`` with PyTorch's shape rules).

The VJPs put the output's gradient back where each output entry was read from, and zero
elsewhere.
"""
from __future__ import annotations

from ..backend import get_xp
from ..tensor import Tensor, record
from ._util import normalize_dim
from .linalg import matmul


def _triangle(a: Tensor, diagonal: int, which: str) -> Tensor:
    x = a.data
    if x.ndim < 2:
        raise RuntimeError(f"{which}: input tensor must have at least 2 dimensions, got shape "
                           f"{tuple(x.shape)}")
    xp = get_xp(x)
    keep = getattr(xp, which)(xp.ones(x.shape[-2:], dtype=bool), diagonal)
    out = xp.where(keep, x, xp.zeros((), dtype=x.dtype))
    return record(out, (a,), lambda g, needs: (g * keep,), which.capitalize() + "Backward0")


def tril(a: Tensor, diagonal: int = 0) -> Tensor:
    """The lower triangle of the last two dims: entries (i, j) with j - i <= ``diagonal``."""
    return _triangle(a, diagonal, "tril")


def triu(a: Tensor, diagonal: int = 0) -> Tensor:
    """The upper triangle of the last two dims: entries (i, j) with j - i >= ``diagonal``."""
    return _triangle(a, diagonal, "triu")


def _diagonal_positions(shape: tuple, offset: int, d1: int, d2: int, xp) -> tuple:
    """Rows and columns (along dims d1, d2) of the ``offset`` diagonal."""
    n = max(0, min(shape[d1] - max(-offset, 0), shape[d2] - max(offset, 0)))
    steps = xp.arange(n)
    return steps + max(-offset, 0), steps + max(offset, 0)


def diagonal(a: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """The ``offset`` diagonal of the matrices in dims ``dim1`` and ``dim2``, as a new last dim
    (a copy; PyTorch's is a view)."""
    x = a.data
    xp = get_xp(x)
    d1, d2 = normalize_dim(dim1, x.ndim, "dim1"), normalize_dim(dim2, x.ndim, "dim2")
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    rows, cols = _diagonal_positions(x.shape, offset, d1, d2, xp)
    moved = xp.moveaxis(x, (d1, d2), (-2, -1))
    out = moved[..., rows, cols]

    def backward(g, needs):
        grad = xp.zeros_like(x)
        xp.moveaxis(grad, (d1, d2), (-2, -1))[..., rows, cols] = g
        return (grad,)
    return record(out, (a,), backward, "DiagonalBackward0")


_diagonal = diagonal  # (``diag`` has an argument of that name)


def diag(a: Tensor, diagonal: int = 0) -> Tensor:
    """A 1-D ``a`` as the ``diagonal`` of a square matrix of zeros; the ``diagonal`` of a 2-D
    ``a``."""
    x = a.data
    if x.ndim == 2:
        return _diagonal(a, diagonal)
    if x.ndim != 1:
        raise RuntimeError(f"diag(): expected a 1-D or 2-D tensor, got shape {tuple(x.shape)}")
    xp = get_xp(x)
    n = x.shape[0] + abs(diagonal)
    rows, cols = _diagonal_positions((n, n), diagonal, 0, 1, xp)
    out = xp.zeros((n, n), dtype=x.dtype)
    out[rows, cols] = x
    return record(out, (a,), lambda g, needs: (g[rows, cols],), "DiagEmbedBackward0")


def trace(a: Tensor) -> Tensor:
    """The sum of the main diagonal of a 2-D tensor."""
    if a.data.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with size "
                           f"{tuple(a.data.shape)}")
    from .reduce import sum as _sum  # noqa: PLC0415

    return _sum(diagonal(a))


def _check_dims(name: str, *pairs) -> None:
    for what, t, ndim in pairs:
        if t.data.ndim != ndim:
            raise RuntimeError(f"{name}: {what} must be {ndim}-D, got shape {tuple(t.data.shape)}")


def outer(a: Tensor, b: Tensor) -> Tensor:
    """a[i] * b[j] for 1-D ``a`` and ``b``."""
    _check_dims("outer", ("input", a, 1), ("vec2", b, 1))
    from .shape import unsqueeze  # noqa: PLC0415

    return matmul(unsqueeze(a, 1), unsqueeze(b, 0))


def dot(a: Tensor, b: Tensor) -> Tensor:
    """The inner product of two 1-D tensors of one size."""
    _check_dims("dot", ("input", a, 1), ("tensor", b, 1))
    return matmul(a, b)


def mv(a: Tensor, v: Tensor) -> Tensor:
    """Matrix (n, m) times vector (m,)."""
    _check_dims("mv", ("input", a, 2), ("vec", v, 1))
    return matmul(a, v)


def bmm(a: Tensor, b: Tensor) -> Tensor:
    """Batched matrix product of (B, n, m) and (B, m, p), without broadcasting."""
    _check_dims("bmm", ("batch1", a, 3), ("batch2", b, 3))
    if a.data.shape[0] != b.data.shape[0]:
        raise RuntimeError(f"bmm: batch sizes differ: {a.data.shape[0]} and {b.data.shape[0]}")
    return matmul(a, b)
