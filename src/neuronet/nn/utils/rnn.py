"""Batches of variable-length sequences, as PyTorch's ``torch.nn.utils.rnn``.

A ``PackedSequence`` stores the steps of a batch sorted by decreasing length, time-major:
``data`` holds the rows of step 0 of every sequence, then step 1 of those at least 2 long, and
so on; ``batch_sizes[t]`` is the number of sequences longer than ``t``. The recurrent layers
run it without computing the padded steps. ``sorted_indices[i]`` is the original batch index
of the ``i``-th longest sequence and ``unsorted_indices`` its inverse (both None when the batch
came sorted).

Every conversion is a gather of rows (``index_select``), so gradients flow back to the
sequences' elements and padded positions get none.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from ... import ops
from ...backend import get_xp
from ...tensor import Tensor


class PackedSequence(NamedTuple):
    """``(data, batch_sizes, sorted_indices, unsorted_indices)``: ``data`` ``(sum(lengths),
    *)``, ``batch_sizes`` an int64 CPU tensor of one count per step, the index tensors int64
    (or None). Build it with ``pack_padded_sequence`` or ``pack_sequence``."""

    data: Tensor
    batch_sizes: Tensor
    sorted_indices: Tensor | None = None
    unsorted_indices: Tensor | None = None

    def to(self, *args, **kwargs) -> PackedSequence:
        """``data`` (and the index tensors, for a device) moved/cast as ``Tensor.to``;
        ``batch_sizes`` stays on the CPU."""
        data = self.data.to(*args, **kwargs)
        if data is self.data:
            return self
        move = [None if t is None else t.to(device=data.device) for t in self[2:]]
        return PackedSequence(data, self.batch_sizes, *move)

    @property
    def is_cuda(self) -> bool:
        return self.data.is_cuda

    def is_pinned(self) -> bool:
        return False


def _int_list(values, argname: str) -> list:
    if isinstance(values, Tensor):
        if values.dtype.is_floating_point or values.dim() != 1:
            raise ValueError(
                f"{argname} must be a 1-D integer tensor or list, got a {values.dim()}-D "
                f"{values.dtype} tensor"
            )
        return [int(v) for v in values.tolist()]
    return [int(v) for v in values]


def _index(values, like: Tensor) -> Tensor:
    """An int64 index tensor on ``like``'s device."""
    xp = get_xp(like._data)
    return Tensor._make(xp.asarray(np.asarray(values, dtype=np.int64)))


def _cpu_long(values) -> Tensor:
    return Tensor._make(np.asarray(values, dtype=np.int64))


def invert_permutation(permutation: Tensor | None) -> Tensor | None:
    """The permutation that undoes ``permutation`` (None stays None)."""
    if permutation is None:
        return None
    p = np.asarray(permutation.tolist(), dtype=np.int64)
    inv = np.empty_like(p)
    inv[p] = np.arange(len(p))
    return _index(inv, permutation)


def pack_padded_sequence(
    input: Tensor, lengths, batch_first: bool = False, enforce_sorted: bool = True
) -> PackedSequence:
    """Packs a padded batch ``(T, B, *)`` (``(B, T, *)`` with ``batch_first``) of sequences of
    the given ``lengths`` (a list or a 1-D int64 CPU tensor). With ``enforce_sorted`` the
    lengths must be in decreasing order; otherwise the batch is sorted by decreasing length
    (stable for equal lengths) and the permutation recorded."""
    if not isinstance(input, Tensor):
        raise TypeError(f"pack_padded_sequence(): input must be a Tensor, got {type(input)}")
    lens = _int_list(lengths, "lengths")
    if input.dim() < 2:
        raise ValueError(
            f"pack_padded_sequence(): input must have at least 2 dims (time and batch), got "
            f"{input.dim()}"
        )
    steps, batch = (input.shape[1], input.shape[0]) if batch_first else input.shape[:2]
    if len(lens) != batch:
        raise ValueError(
            f"Expected `len(lengths)` to be equal to batch_size, but got {len(lens)} "
            f"(batch_size={batch})"
        )
    if not batch:
        raise ValueError("pack_padded_sequence(): the batch must hold at least one sequence")
    if enforce_sorted:
        if any(a < b for a, b in zip(lens, lens[1:])):
            raise RuntimeError(
                "`lengths` array must be sorted in decreasing order when `enforce_sorted` is "
                "True. You can pass `enforce_sorted=False` to pack_padded_sequence and/or "
                "pack_sequence to sidestep this requirement if you do not need ONNX "
                "exportability."
            )
        order = np.arange(batch)
        sorted_indices = None
    else:
        order = np.argsort(-np.asarray(lens, dtype=np.int64), kind="stable")
        sorted_indices = _index(order, input)
    if min(lens) <= 0:
        raise RuntimeError(
            "Length of all samples has to be greater than 0, but found an element in "
            "'lengths' that is <= 0"
        )
    if max(lens) > steps:
        raise RuntimeError(
            f"pack_padded_sequence(): a length of {max(lens)} exceeds the input's {steps} steps"
        )
    sorted_lens = np.asarray(lens, dtype=np.int64)[order]
    longest = int(sorted_lens[0])
    batch_sizes = (sorted_lens[None, :] > np.arange(longest)[:, None]).sum(1)
    t_idx = np.concatenate([np.full(n, t) for t, n in enumerate(batch_sizes)])
    b_idx = np.concatenate([order[:n] for n in batch_sizes])
    flat_idx = (b_idx * steps + t_idx) if batch_first else (t_idx * batch + b_idx)
    flat = input.reshape(steps * batch, *input.shape[2:])
    data = ops.index_select(flat, 0, _index(flat_idx.astype(np.int64), input))
    return PackedSequence(
        data, _cpu_long(batch_sizes), sorted_indices, invert_permutation(sorted_indices)
    )


def _padded_rows(data: Tensor, where: np.ndarray, padding_value) -> Tensor:
    """Rows ``data[where[k]]`` with ``padding_value`` rows where ``where[k]`` is -1."""
    xp = get_xp(data._data)
    pad_row = Tensor._make(xp.full((1, *data.shape[1:]), padding_value, dtype=data._data.dtype))
    rows = ops.cat([data, pad_row], 0)
    idx = np.where(where < 0, data.shape[0], where)
    return ops.index_select(rows, 0, _index(idx, data))


def pad_packed_sequence(
    sequence: PackedSequence,
    batch_first: bool = False,
    padding_value: float = 0.0,
    total_length: int | None = None,
) -> tuple[Tensor, Tensor]:
    """Undoes ``pack_padded_sequence``: ``(padded, lengths)``, ``padded`` ``(T, B, *)`` (``(B,
    T, *)`` with ``batch_first``) in the original batch order, ``padding_value`` after each
    sequence's end, ``T`` the longest length or ``total_length``; ``lengths`` int64."""
    if not isinstance(sequence, PackedSequence):
        raise TypeError(
            f"pad_packed_sequence(): sequence must be a PackedSequence, got "
            f"{type(sequence).__name__}"
        )
    sizes = np.asarray(sequence.batch_sizes.tolist(), dtype=np.int64)
    longest, batch = len(sizes), int(sizes[0]) if len(sizes) else 0
    steps = longest
    if total_length is not None:
        if total_length < longest:
            raise ValueError(
                "Expected total_length to be at least the length of the longest sequence in "
                f"input, but got total_length={total_length} and max sequence length being "
                f"{longest}"
            )
        steps = total_length
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]]) if longest else np.zeros(0, np.int64)
    # where[t, i]: the packed row of step t of the i-th longest sequence, -1 past its end
    where = np.full((steps, batch), -1, dtype=np.int64)
    cols = np.arange(batch)
    for t in range(longest):
        where[t, : sizes[t]] = starts[t] + cols[: sizes[t]]
    lengths = (where >= 0).sum(0)
    if sequence.unsorted_indices is not None:
        back = np.asarray(sequence.unsorted_indices.tolist(), dtype=np.int64)
        where, lengths = where[:, back], lengths[back]
    if batch_first:
        where = where.T
    padded = _padded_rows(sequence.data, where.reshape(-1), padding_value)
    padded = padded.reshape(*where.shape, *sequence.data.shape[1:])
    return padded, _cpu_long(lengths)


def pad_sequence(
    sequences: Sequence[Tensor] | Tensor,
    batch_first: bool = False,
    padding_value: float = 0.0,
    padding_side: str = "right",
) -> Tensor:
    """Stacks sequences ``(L_i, *)`` into ``(T, B, *)`` (``(B, T, *)`` with ``batch_first``),
    ``T = max L_i``, filling with ``padding_value`` after each one (``padding_side='right'``)
    or before it (``'left'``)."""
    if padding_side not in ("left", "right"):
        raise ValueError(
            f"Expected padding_side to be one of left or right, but got {padding_side}."
        )
    if isinstance(sequences, Tensor):
        sequences = list(sequences.unbind(0))
    seqs = list(sequences)
    if not seqs:
        raise RuntimeError("received an empty list of sequences")
    for k, s in enumerate(seqs):
        if not isinstance(s, Tensor):
            raise TypeError(f"pad_sequence(): sequences[{k}] must be a Tensor, got {type(s)}")
        if s.dim() == 0 or tuple(s.shape[1:]) != tuple(seqs[0].shape[1:]):
            raise RuntimeError(
                f"pad_sequence(): every sequence must have shape (L, *rest) with the same rest "
                f"as sequences[0] {tuple(seqs[0].shape[1:])}, got {tuple(s.shape)} at {k}"
            )
    lens = np.asarray([s.shape[0] for s in seqs], dtype=np.int64)
    steps = int(lens.max())
    starts = np.concatenate([[0], np.cumsum(lens)[:-1]])
    t = np.arange(steps)[:, None]
    pos = t - (steps - lens[None, :]) if padding_side == "left" else t + 0 * lens[None, :]
    where = np.where((pos >= 0) & (pos < lens[None, :]), starts[None, :] + pos, -1)
    if batch_first:
        where = where.T
    padded = _padded_rows(ops.cat(seqs, 0), where.reshape(-1), padding_value)
    return padded.reshape(*where.shape, *seqs[0].shape[1:])


def unpad_sequence(padded_sequences: Tensor, lengths, batch_first: bool = False) -> list:
    """The sequences of a padded batch, each cut to its length (``padding_side='right'``)."""
    lens = _int_list(lengths, "lengths")
    x = padded_sequences if batch_first else padded_sequences.transpose(0, 1)
    return [x[i, :n] for i, n in enumerate(lens)]


def pack_sequence(sequences: Sequence[Tensor], enforce_sorted: bool = True) -> PackedSequence:
    """``pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=...)``."""
    lens = [s.shape[0] for s in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lens, enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences: PackedSequence) -> list:
    """The sequences of a ``PackedSequence``, in the original order."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
