"""Datasets: indexable or iterable collections of samples, as ``torch.utils.data``."""

from __future__ import annotations

import bisect
import math
import warnings
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import numpy as np

from ..tensor import Tensor
from .collate import StackedSamples
from .sampler import rng_of


class Dataset:
    """A map-style dataset: ``__getitem__(i)`` and ``__len__``.

    A dataset may also define ``__getitems__(indices)``, which returns the samples at
    ``indices`` (a list of samples, or a ``StackedSamples`` when they already sit stacked in
    arrays); the DataLoader then fetches each batch by one call. ``a + b`` is
    ``ConcatDataset([a, b])``.
    """

    def __getitem__(self, index):
        raise NotImplementedError(
            f"{type(self).__name__}: subclasses of Dataset define __getitem__"
        )

    def __add__(self, other: Dataset) -> ConcatDataset:
        return ConcatDataset([self, other])


class IterableDataset(Dataset):
    """An iterable-style dataset: ``__iter__`` gives the samples.

    In a DataLoader with workers each worker iterates its own copy; to split the data rather
    than repeat it, ``__iter__`` reads ``get_worker_info()`` (``id``, ``num_workers``) and
    yields only its share. ``a + b`` is ``ChainDataset([a, b])``.
    """

    def __iter__(self) -> Iterator:
        raise NotImplementedError(
            f"{type(self).__name__}: subclasses of IterableDataset define __iter__"
        )

    def __add__(self, other: Dataset) -> ChainDataset:  # type: ignore[override]
        return ChainDataset([self, other])


class TensorDataset(Dataset):
    """Sample ``i`` is the tuple of row ``i`` of each tensor; the tensors share their first
    dimension. A batch is one fancy-index per tensor (``__getitems__``)."""

    def __init__(self, *tensors: Tensor) -> None:
        if not tensors:
            raise ValueError("TensorDataset: expected at least one tensor")
        n = tensors[0].shape[0]
        for i, t in enumerate(tensors):
            if t.shape[0] != n:
                raise ValueError(
                    f"TensorDataset: tensor {i} has {t.shape[0]} rows, tensor 0 has "
                    f"{n}: size mismatch between tensors"
                )
        self.tensors = tensors

    def __getitem__(self, index):
        return tuple(t[index] for t in self.tensors)

    def __getitems__(self, indices) -> StackedSamples:
        """The samples at ``indices``, stacked: one fancy-index per tensor."""
        return StackedSamples([Tensor._make(t._data[indices]) for t in self.tensors])

    def __len__(self) -> int:
        return self.tensors[0].shape[0]


def _batched_by_neuronet(dataset: Any) -> bool:
    """Whether ``dataset.__getitems__`` is neuronet's own (it takes index arrays)."""
    method = getattr(type(dataset), "__getitems__", None)
    return getattr(method, "__module__", "").startswith("neuronet.")


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices`` (kept as given, as ``subset.indices``)."""

    def __init__(self, dataset: Dataset, indices: Sequence[int]) -> None:
        self.dataset = dataset
        self.indices = indices
        self._array = np.asarray(indices, dtype=np.int64).reshape(-1)

    def __getitem__(self, index):
        if isinstance(index, list):
            return self.dataset[[self.indices[i] for i in index]]
        return self.dataset[self.indices[index]]

    def __getitems__(self, indices):
        """The samples at ``indices`` of this subset, by the dataset's ``__getitems__`` when
        it has one."""
        getitems = getattr(self.dataset, "__getitems__", None)
        if getitems is None:
            return [self.dataset[self.indices[i]] for i in indices]
        inner = self._array[np.asarray(indices, dtype=np.int64)]
        return getitems(inner if _batched_by_neuronet(self.dataset) else inner.tolist())

    def __len__(self) -> int:
        return len(self.indices)


class ConcatDataset(Dataset):
    """The samples of several map-style datasets one after another."""

    def __init__(self, datasets: Iterable[Dataset]) -> None:
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("ConcatDataset: datasets should not be an empty iterable")
        for i, d in enumerate(self.datasets):
            if isinstance(d, IterableDataset):
                raise TypeError(
                    f"ConcatDataset does not support IterableDataset (dataset {i} is a "
                    f"{type(d).__name__}); use ChainDataset"
                )
        self.cumulative_sizes = list(np.cumsum([len(d) for d in self.datasets]).tolist())  # type: ignore[arg-type]

    def __len__(self) -> int:
        return self.cumulative_sizes[-1]

    def __getitem__(self, index: int):
        if index < 0:
            if -index > len(self):
                raise ValueError(
                    f"ConcatDataset: absolute value of index should not exceed dataset length "
                    f"({len(self)}), got {index}"
                )
            index += len(self)
        which = bisect.bisect_right(self.cumulative_sizes, index)
        if which == len(self.datasets):
            raise IndexError(f"ConcatDataset: index {index} out of range for length {len(self)}")
        start = self.cumulative_sizes[which - 1] if which > 0 else 0
        return self.datasets[which][index - start]


class ChainDataset(IterableDataset):
    """The samples of several iterable datasets one after another (each iterated lazily)."""

    def __init__(self, datasets: Iterable[Dataset]) -> None:
        self.datasets = datasets

    def __iter__(self) -> Iterator:
        for d in self.datasets:
            if not isinstance(d, IterableDataset):
                raise TypeError(
                    f"ChainDataset only supports IterableDataset, got {type(d).__name__}"
                )
            yield from d

    def __len__(self) -> int:
        total = 0
        for d in self.datasets:
            if not isinstance(d, IterableDataset):
                raise TypeError(
                    f"ChainDataset only supports IterableDataset, got {type(d).__name__}"
                )
            total += len(d)  # type: ignore[arg-type]
        return total


def random_split(
    dataset: Dataset, lengths: Sequence[float | int], generator: Any = None
) -> list[Subset]:
    """Split ``dataset`` into non-overlapping random subsets of the given ``lengths``.

    Fractions that sum to 1 are turned into counts ``floor(n * fraction)``, the remainder
    given one by one to the subsets from the first, as PyTorch does. The order is one
    permutation drawn from ``generator`` (the global generator if None).
    """
    n = len(dataset)  # type: ignore[arg-type]
    lengths = list(lengths)
    if math.isclose(sum(lengths), 1) and sum(lengths) <= 1:
        counts = []
        for i, frac in enumerate(lengths):
            if not 0 <= frac <= 1:
                raise ValueError(f"random_split: fraction at index {i} is not between 0 and 1")
            counts.append(int(math.floor(n * frac)))
        for i in range(n - sum(counts)):
            counts[i % len(counts)] += 1
        for i, count in enumerate(counts):
            if count == 0:
                warnings.warn(
                    f"Length of split at index {i} is 0. This might result in an empty dataset.",
                    stacklevel=2,
                )
        lengths = counts
    if sum(lengths) != n:
        raise ValueError(
            f"random_split: sum of input lengths does not equal the length of the input "
            f"dataset: lengths {lengths} sum to {sum(lengths)}, but the dataset has {n} samples"
        )
    order = rng_of(generator, "random_split").permutation(n).tolist()
    out, start = [], 0
    for length in lengths:
        out.append(Subset(dataset, order[start : start + int(length)]))
        start += int(length)
    return out
