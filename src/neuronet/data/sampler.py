"""Samplers: the order in which a DataLoader visits a dataset, as ``torch.utils.data``.

A sampler is an iterable of dataset indices (``BatchSampler``: of lists of indices). The random
ones draw from the ``generator`` they are given, else from neuronet's global generator, so
``neuronet.manual_seed`` makes every epoch's order reproducible. The draws are NumPy's (PCG64),
so the orders are not the ones PyTorch's generator would give for the same seed.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence, Sized
from typing import Any

import numpy as np

from ..random import numpy_generator
from ..tensor import Tensor


def rng_of(generator: Any, owner: str) -> np.random.Generator:
    """The NumPy generator behind ``generator`` (a ``neuronet.Generator``, anything with a
    ``numpy`` attribute holding a ``numpy.random.Generator``, or a ``numpy.random.Generator``);
    neuronet's global generator when it is None."""
    if generator is None:
        return numpy_generator(None)
    if isinstance(generator, np.random.Generator):
        return generator
    inner = getattr(generator, "numpy", None)
    if isinstance(inner, np.random.Generator):
        return inner
    raise TypeError(
        f"{owner}: generator must be a neuronet.Generator or None, got {type(generator).__name__}"
    )


def _check_positive_int(value: Any, name: str) -> None:
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value <= 0:
        raise ValueError(f"{name} should be a positive integer value, but got {name}={value}")


class Sampler:
    """Base class of samplers: subclasses give ``__iter__`` (the indices, in order) and
    usually ``__len__`` (how many)."""

    def __init__(self, data_source: Sized | None = None) -> None:
        pass

    def __iter__(self) -> Iterator:
        raise NotImplementedError


class SequentialSampler(Sampler):
    """``0, 1, ..., len(data_source) - 1``."""

    def __init__(self, data_source: Sized) -> None:
        self.data_source = data_source

    def order(self) -> np.ndarray:
        """This pass's indices as an int64 array."""
        return np.arange(len(self.data_source))

    def __iter__(self) -> Iterator[int]:
        return iter(range(len(self.data_source)))

    def __len__(self) -> int:
        return len(self.data_source)


class RandomSampler(Sampler):
    """Random indices of ``data_source``.

    Without replacement each pass is a fresh permutation of ``range(len(data_source))``;
    ``num_samples`` larger than the dataset chains whole permutations and a part of one more.
    With ``replacement=True``, ``num_samples`` (default ``len(data_source)``) indices are drawn
    uniformly and independently. Each pass draws from ``generator`` (the global one if None).
    """

    def __init__(
        self,
        data_source: Sized,
        replacement: bool = False,
        num_samples: int | None = None,
        generator: Any = None,
    ) -> None:
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = generator
        if not isinstance(replacement, bool):
            raise TypeError(
                f"replacement should be a boolean value, but got replacement={replacement}"
            )
        _check_positive_int(self.num_samples, "num_samples")

    @property
    def num_samples(self) -> int:
        """How many indices a pass gives (the dataset's current length unless set)."""
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def order(self) -> np.ndarray:
        """This pass's indices as an int64 array (one set of draws per call)."""
        n, k = len(self.data_source), self.num_samples
        rng = rng_of(self.generator, "RandomSampler")
        if self.replacement:
            return rng.integers(0, n, size=k, dtype=np.int64)
        if k == n:
            return rng.permutation(n)
        parts = [rng.permutation(n) for _ in range(k // n)]
        parts.append(rng.permutation(n)[: k % n])
        return np.concatenate(parts)

    def __iter__(self) -> Iterator[int]:
        return iter(self.order().tolist())

    def __len__(self) -> int:
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """The elements of ``indices`` in a random order (a fresh permutation each pass)."""

    def __init__(self, indices: Sequence[int], generator: Any = None) -> None:
        self.indices = indices
        self.generator = generator

    def __iter__(self) -> Iterator[int]:
        for i in rng_of(self.generator, "SubsetRandomSampler").permutation(len(self.indices)):
            yield self.indices[int(i)]

    def __len__(self) -> int:
        return len(self.indices)


class WeightedRandomSampler(Sampler):
    """``num_samples`` indices of ``range(len(weights))``, index ``i`` drawn with probability
    ``weights[i] / sum(weights)``; with ``replacement=False`` no index comes twice (each draw
    renormalises over the indices not drawn yet)."""

    def __init__(
        self,
        weights: Sequence[float] | np.ndarray | Tensor,
        num_samples: int,
        replacement: bool = True,
        generator: Any = None,
    ) -> None:
        _check_positive_int(num_samples, "num_samples")
        if not isinstance(replacement, bool):
            raise ValueError(
                f"replacement should be a boolean value, but got replacement={replacement}"
            )
        array = weights._data if isinstance(weights, Tensor) else weights
        w = np.asarray(array, dtype=np.float64)
        if w.ndim != 1:
            raise ValueError(
                f"weights should be a 1d sequence but given weights have shape {tuple(w.shape)}"
            )
        if not np.isfinite(w).all() or (w < 0).any() or not w.sum() > 0:
            raise ValueError(
                "weights: expected finite, non-negative values with a positive sum, got "
                f"{w.tolist() if w.size <= 10 else 'an array'}"
            )
        if not replacement and num_samples > np.count_nonzero(w):
            raise ValueError(
                f"num_samples: cannot draw {num_samples} samples without replacement from "
                f"{np.count_nonzero(w)} indices of non-zero weight"
            )
        self.weights = Tensor._make(w)
        self.num_samples = int(num_samples)
        self.replacement = replacement
        self.generator = generator

    def __iter__(self) -> Iterator[int]:
        w = self.weights._data
        drawn = rng_of(self.generator, "WeightedRandomSampler").choice(
            len(w), size=self.num_samples, replace=self.replacement, p=w / w.sum()
        )
        return iter(drawn.tolist())

    def __len__(self) -> int:
        return self.num_samples


class BatchSampler(Sampler):
    """Groups the indices of ``sampler`` into lists of ``batch_size``; the last, shorter list
    is kept unless ``drop_last``."""

    def __init__(self, sampler: Sampler | Iterable[int], batch_size: int, drop_last: bool) -> None:
        _check_positive_int(batch_size, "batch_size")
        if not isinstance(drop_last, bool):
            raise ValueError(f"drop_last should be a boolean value, but got drop_last={drop_last}")
        self.sampler = sampler
        self.batch_size = int(batch_size)
        self.drop_last = drop_last

    def __iter__(self) -> Iterator[list[int]]:
        batch: list[int] = []
        for index in self.sampler:
            batch.append(index)
            if len(batch) == self.batch_size:
                yield batch
                batch = []
        if batch and not self.drop_last:
            yield batch

    def index_arrays(self) -> Iterator[np.ndarray] | None:
        """The batches as int64 arrays, when this is a plain ``BatchSampler`` over a
        ``SequentialSampler`` or ``RandomSampler`` (the same indices, the same draws, as
        iterating it); None otherwise. The DataLoader's fast path for array datasets."""
        if type(self).__iter__ is not BatchSampler.__iter__:
            return None
        if type(self.sampler) not in (SequentialSampler, RandomSampler):
            return None
        order = self.sampler.order()  # type: ignore[union-attr]
        stop = len(order) - len(order) % self.batch_size if self.drop_last else len(order)
        return (order[i : i + self.batch_size] for i in range(0, stop, self.batch_size))

    def __len__(self) -> int:
        n = len(self.sampler)  # type: ignore[arg-type]
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)


class InfiniteConstantSampler(Sampler):
    """``None`` forever: the placeholder index stream of an iterable-style dataset."""

    def __iter__(self) -> Iterator[None]:
        while True:
            yield None
