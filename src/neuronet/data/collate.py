"""Collation: a list of samples made into one batch, as ``torch.utils.data.default_collate``.

``default_collate`` maps, by the type of the first sample:

- ``Tensor`` -> the samples stacked on a new first dimension;
- NumPy array -> stacked into a tensor (string and object arrays are refused);
- NumPy scalar -> a 1-D tensor of its dtype; Python ``float`` -> float64, ``int`` -> int64,
  ``bool`` -> bool tensors;
- ``str`` / ``bytes`` -> the list as it is;
- mapping -> the same kind of mapping, each key's values collated;
- namedtuple -> the same namedtuple, each field collated; tuple -> a *list* of the collated
  fields (as PyTorch); other sequences -> the same kind of sequence (a list if that type
  cannot be built from one), each position collated; the samples must have equal lengths.

``default_convert`` (used when a DataLoader does not batch) turns NumPy arrays and scalars into
tensors inside the same structures. ``StackedSamples`` is how array datasets hand a DataLoader a
batch they have already stacked.
"""

from __future__ import annotations

import collections.abc
import copy
import re
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from ..factories import tensor
from ..tensor import Tensor

_STRING_OR_OBJECT = re.compile(r"[SaUO]")
_ERROR = (
    "default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; found {}"
)


class StackedSamples(Sequence):
    """The samples of one batch, already stacked: ``fields[k][i]`` is field ``k`` of sample
    ``i``. To a ``collate_fn`` it is a sequence of sample tuples, as a list of samples would be;
    ``default_collate`` returns the stacked fields themselves as a list, without restacking.
    """

    __slots__ = ("fields",)

    def __init__(self, fields: Sequence[Tensor]) -> None:
        self.fields = tuple(fields)

    def __len__(self) -> int:
        return self.fields[0].shape[0] if self.fields else 0

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        return tuple(f[i] for f in self.fields)

    def __iter__(self) -> Iterator[tuple]:
        return (self[i] for i in range(len(self)))


def _as_tensor(array: Any) -> Tensor:
    return Tensor._make(np.asarray(array))


def _collate_tensors(batch: Sequence[Tensor], collate_fn_map: dict | None) -> Tensor:
    if any(t.requires_grad for t in batch):
        from ..ops import stack  # noqa: PLC0415 - the recorded op, for samples in a graph

        return stack(list(batch))
    xp = batch[0].xp
    try:
        return Tensor._make(xp.stack([t._data for t in batch]))
    except ValueError:
        from ..ops import stack  # noqa: PLC0415 - raises PyTorch's message on unequal shapes

        return stack(list(batch))


def _collate_arrays(batch: Sequence[np.ndarray], collate_fn_map: dict | None) -> Any:
    if _STRING_OR_OBJECT.search(batch[0].dtype.str) is not None:
        raise TypeError(_ERROR.format(batch[0].dtype))
    return collate([_as_tensor(b) for b in batch], collate_fn_map=collate_fn_map)


def _collate_numpy_scalars(batch: Sequence, collate_fn_map: dict | None) -> Tensor:
    return _as_tensor(batch)


def _collate_floats(batch: Sequence[float], collate_fn_map: dict | None) -> Tensor:
    return Tensor._make(np.asarray(batch, dtype=np.float64))


def _collate_ints(batch: Sequence[int], collate_fn_map: dict | None) -> Tensor:
    # as neuronet.tensor(batch): int64, bool for bools, the default float dtype if mixed
    return tensor(list(batch))


def _keep(batch: Sequence, collate_fn_map: dict | None) -> Sequence:
    return batch


default_collate_fn_map: dict[type | tuple[type, ...], Callable] = {
    Tensor: _collate_tensors,
    np.ndarray: _collate_arrays,
    (np.bool_, np.number, np.object_): _collate_numpy_scalars,
    float: _collate_floats,
    int: _collate_ints,
    str: _keep,
    bytes: _keep,
}


def collate(batch: Sequence, *, collate_fn_map: dict | None = None) -> Any:
    """Collate ``batch`` by the rules in this module's docstring; a type (or tuple of types)
    in ``collate_fn_map`` is handled by its function ``fn(batch, collate_fn_map=...)`` first
    (the exact type of the first sample, then the first entry it is an instance of)."""
    if type(batch) is StackedSamples:
        return list(batch.fields)
    elem = batch[0]
    elem_type = type(elem)
    if collate_fn_map is not None:
        if elem_type in collate_fn_map:
            return collate_fn_map[elem_type](batch, collate_fn_map=collate_fn_map)
        for kind, fn in collate_fn_map.items():
            if isinstance(elem, kind):
                return fn(batch, collate_fn_map=collate_fn_map)
    if isinstance(elem, collections.abc.Mapping):
        fields = {
            key: collate([d[key] for d in batch], collate_fn_map=collate_fn_map) for key in elem
        }
        return _rebuild_mapping(elem, fields)
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # namedtuple
        return elem_type(*(collate(s, collate_fn_map=collate_fn_map) for s in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        size = len(elem)
        if any(len(sample) != size for sample in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        columns = [collate(s, collate_fn_map=collate_fn_map) for s in zip(*batch)]
        return columns if isinstance(elem, tuple) else _rebuild_sequence(elem, columns)
    raise TypeError(_ERROR.format(elem_type))


def _rebuild_mapping(like: collections.abc.Mapping, values: dict) -> Any:
    """A mapping of ``like``'s kind holding ``values`` (a plain dict if it cannot be made)."""
    try:
        if isinstance(like, collections.abc.MutableMapping):
            clone = copy.copy(like)
            clone.update(values)
            return clone
        return type(like)(values)  # type: ignore[call-arg]
    except TypeError:
        return values


def _rebuild_sequence(like: Sequence, values: list) -> Any:
    """A sequence of ``like``'s kind holding ``values`` (a list if it cannot be made)."""
    try:
        if isinstance(like, collections.abc.MutableSequence):
            clone = copy.copy(like)
            for i, v in enumerate(values):
                clone[i] = v
            return clone
        return type(like)(values)  # type: ignore[call-arg]
    except TypeError:
        return values


def default_collate(batch: Sequence) -> Any:
    """One batch from a list of samples (see the module docstring for the rules)."""
    return collate(batch, collate_fn_map=default_collate_fn_map)


def default_convert(data: Any) -> Any:
    """``data`` with NumPy arrays and scalars turned into tensors (string and object arrays
    kept), inside mappings, namedtuples and sequences; a tuple becomes a list, as PyTorch does.
    Everything else is returned as it is."""
    if isinstance(data, Tensor):
        return data
    kind = type(data)
    if kind.__module__ == "numpy" and kind.__name__ not in ("str_", "bytes_"):
        if isinstance(data, np.ndarray) and _STRING_OR_OBJECT.search(data.dtype.str):
            return data
        return _as_tensor(data)
    if isinstance(data, collections.abc.Mapping):
        return _rebuild_mapping(data, {key: default_convert(data[key]) for key in data})
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return kind(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, (str, bytes)):
        return _rebuild_sequence(data, [default_convert(d) for d in data])
    return data
