"""Binary search in sorted values: ``searchsorted`` and ``bucketize``, PyTorch's arguments and
dtypes (int64 indices, int32 with ``out_int32=True``). Indices are not differentiable."""

from __future__ import annotations

from ..backend import get_xp
from ..tensor import Tensor


def searchsorted(
    sorted_sequence: Tensor,
    input,
    *,
    out_int32: bool = False,
    right: bool = False,
    side: str | None = None,
    sorter: Tensor | None = None,
) -> Tensor:
    """For each of ``input`` (the values), the index in ``sorted_sequence`` (sorted along its
    last dim) at which it would be inserted to keep the order: before equal entries, or after
    them with ``right=True`` / ``side='right'``. An N-D ``sorted_sequence`` searches each row
    with the matching row of ``input`` (same leading dims). ``sorter`` holds the indices that
    sort an unsorted ``sorted_sequence``. A number ``input`` gives a 0-d result."""
    if side is not None:
        if side not in ("left", "right"):
            raise RuntimeError(
                f"torch.searchsorted(): side can only be 'left' or 'right' but got {side}"
            )
        if right and side == "left":
            raise RuntimeError(
                "torch.searchsorted(): side and right can't be set to opposites, got side of "
                "left while right was True"
            )
        right = side == "right"
    seq = sorted_sequence._data
    xp = get_xp(seq)
    if sorter is not None:
        if tuple(sorter.shape) != tuple(seq.shape):
            raise RuntimeError(
                f"torch.searchsorted(): boundary and sorter must have the same size, but got "
                f"boundary tensor {list(seq.shape)} and got sorter tensor {list(sorter.shape)}"
            )
        seq = xp.take_along_axis(seq, sorter._data, axis=-1)
    scalar = not isinstance(input, Tensor)
    vals = xp.asarray(input) if scalar else input._data
    if seq.ndim == 0:
        raise RuntimeError("torch.searchsorted(): sorted_sequence must have at least 1 dim")
    which = "right" if right else "left"
    if seq.ndim == 1:
        idx = xp.searchsorted(seq, vals, side=which)
    else:
        if scalar or vals.shape[:-1] != seq.shape[:-1]:
            raise RuntimeError(
                "torch.searchsorted(): boundaries tensor should be 1 dimension or the first N-1 "
                "dimensions of boundaries tensor and input value tensor must match, but we got "
                f"boundaries tensor {list(seq.shape)} and input value tensor {list(vals.shape)}"
            )
        rows = seq.reshape(-1, seq.shape[-1])
        queries = vals.reshape(rows.shape[0], -1)
        idx = xp.stack([xp.searchsorted(r, q, side=which) for r, q in zip(rows, queries)])
        idx = idx.reshape(vals.shape)
    return Tensor._make(xp.asarray(idx).astype("int32" if out_int32 else "int64"))


def bucketize(input, boundaries: Tensor, *, out_int32: bool = False, right: bool = False) -> Tensor:
    """For each of ``input``, the index of its bucket among the 1-D sorted ``boundaries``:
    ``searchsorted(boundaries, input, right=right)``."""
    if boundaries._data.ndim != 1:
        raise RuntimeError(
            f"bucketize: boundaries tensor must be 1 dimension, but got dim("
            f"{boundaries._data.ndim})"
        )
    return searchsorted(boundaries, input, out_int32=out_int32, right=right)
