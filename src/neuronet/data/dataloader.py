"""DataLoader: mini-batches from a dataset, optionally shuffled, as ``torch.utils.data``."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np

from ..random import numpy_generator
from ..tensor import Tensor
from .dataset import Dataset


def default_collate(samples: list):
    """Stack a list of samples (tensors, arrays, numbers, or tuples/dicts of them) into a batch."""
    first = samples[0]
    if isinstance(first, Tensor):
        return Tensor._make(first.xp.stack([s._data for s in samples]))
    if isinstance(first, np.ndarray):
        return Tensor._make(np.stack(samples))
    if isinstance(first, (int, float, bool, np.number)):
        from ..factories import tensor  # noqa: PLC0415

        return tensor(samples)
    if isinstance(first, dict):
        return {k: default_collate([s[k] for s in samples]) for k in first}
    if isinstance(first, (tuple, list)):
        return type(first)(default_collate(list(field)) for field in zip(*samples))
    raise TypeError(f"default_collate: cannot batch samples of type {type(first).__name__}")


class DataLoader:
    """Iterates over ``dataset`` in mini-batches of ``batch_size``.

    ``shuffle`` draws a new order each epoch from ``generator`` (the library generator by
    default, so ``manual_seed`` fixes it). The last partial batch is kept unless ``drop_last``.
    A dataset with ``__getitems__`` gives each batch by one fancy-index (no per-sample loop).
    """

    def __init__(
        self,
        dataset: Dataset,
        batch_size: int | None = 1,
        shuffle: bool = False,
        drop_last: bool = False,
        collate_fn: Callable | None = None,
        generator=None,
    ) -> None:
        if batch_size is not None and (not isinstance(batch_size, int) or batch_size < 1):
            raise ValueError(f"batch_size: expected a positive int, got {batch_size!r}")
        self.dataset, self.batch_size, self.shuffle = dataset, batch_size, shuffle
        self.drop_last, self.collate_fn, self.generator = drop_last, collate_fn, generator

    def __len__(self) -> int:
        n = len(self.dataset)
        if self.batch_size is None:
            return n
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def _order(self) -> np.ndarray:
        n = len(self.dataset)
        if self.shuffle:
            return numpy_generator(self.generator).permutation(n)
        return np.arange(n)

    def __iter__(self) -> Iterator:
        order = self._order()
        if self.batch_size is None:
            for i in order:
                yield self.dataset[int(i)]
            return
        getitems = getattr(self.dataset, "__getitems__", None)  # a whole batch by one call
        if self.collate_fn is not None:
            getitems = None
        for start in range(0, len(order), self.batch_size):
            idx = order[start : start + self.batch_size]
            if len(idx) < self.batch_size and self.drop_last:
                return
            if getitems is not None:
                yield getitems(idx)
            else:
                batch = [self.dataset[int(i)] for i in idx]
                yield (self.collate_fn or default_collate)(batch)
