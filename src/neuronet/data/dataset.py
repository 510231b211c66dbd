"""Datasets: indexable collections of samples, as ``torch.utils.data``."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from ..random import numpy_generator
from ..tensor import Tensor


class Dataset:
    """A map-style dataset: ``__getitem__(i)`` and ``__len__``. Datasets whose samples live in
    arrays also define ``__getitems__(indices)``, which returns a whole batch at once."""

    def __getitem__(self, index):
        raise NotImplementedError

    def __len__(self) -> int:
        raise NotImplementedError


class TensorDataset(Dataset):
    """Samples are rows of tensors that share their first dimension."""

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

    def __getitems__(self, indices) -> tuple:
        """A batch by one fancy-index per tensor."""
        return tuple(Tensor._make(t._data[indices]) for t in self.tensors)

    def __len__(self) -> int:
        return self.tensors[0].shape[0]


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices``."""

    def __init__(self, dataset: Dataset, indices: Sequence[int] | np.ndarray) -> None:
        self.dataset = dataset
        self.indices = np.asarray(indices, dtype=np.int64)

    def __getitem__(self, index):
        return self.dataset[int(self.indices[index])]

    def __getitems__(self, indices):
        inner = self.indices[np.asarray(indices)]
        if hasattr(self.dataset, "__getitems__"):
            return self.dataset.__getitems__(inner)
        return [self.dataset[int(i)] for i in inner]

    def __len__(self) -> int:
        return len(self.indices)


def random_split(dataset: Dataset, lengths: Sequence[float | int], generator=None) -> list[Subset]:
    """Split into non-overlapping random subsets of the given lengths (or fractions summing
    to 1, the remainder spread one by one from the first subset, as PyTorch does)."""
    n = len(dataset)
    lengths = list(lengths)
    if (
        math.isclose(sum(lengths), 1)
        and sum(lengths) <= 1
        and any(isinstance(x, float) for x in lengths)
    ):
        counts = [int(math.floor(n * frac)) for frac in lengths]
        for i in range(n - sum(counts)):
            counts[i % len(counts)] += 1
        lengths = counts
    if sum(lengths) != n:
        raise ValueError(
            f"random_split: lengths {lengths} sum to {sum(lengths)}, but the dataset "
            f"has {n} samples"
        )
    order = numpy_generator(generator).permutation(n)
    out = []
    start: float = 0  # (a sum of lengths, which are typed float | int)
    for length in lengths:
        out.append(Subset(dataset, order[start : start + length]))
        start += length
    return out
