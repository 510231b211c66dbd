"""Fetching one batch: from a map-style dataset by indices, or the next samples of an iterable
dataset. The same fetchers run in the main process (``num_workers=0``) and in each worker."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from .collate import StackedSamples
from .dataset import _batched_by_neuronet
from .sampler import BatchSampler


class MapFetcher:
    """Samples of a map-style dataset: ``fetch(indices)`` is ``collate_fn`` of the samples at
    ``indices`` (by one ``__getitems__`` call when the dataset has it, else one
    ``dataset[i]`` each); without auto-collation ``fetch(i)`` is ``collate_fn(dataset[i])``.

    Index arrays reach neuronet's own ``__getitems__`` as they are; any other dataset gets
    Python ints (a list for ``__getitems__``), as PyTorch passes them.
    """

    def __init__(self, dataset: Any, auto_collation: bool, collate_fn: Callable) -> None:
        self.dataset, self.auto_collation, self.collate_fn = dataset, auto_collation, collate_fn
        self.getitems = getattr(dataset, "__getitems__", None) if auto_collation else None
        self.takes_arrays = self.getitems is not None and _batched_by_neuronet(dataset)

    def fetch(self, index: Any) -> Any:
        if not self.auto_collation:
            return self.collate_fn(self.dataset[index])
        if self.takes_arrays:
            data = self.getitems(index)  # type: ignore[misc]
            if type(data) is tuple:  # a neuronet dataset's stacked fields
                data = StackedSamples(data)
            return self.collate_fn(data)
        if isinstance(index, np.ndarray):
            index = index.tolist()
        if self.getitems is not None:
            return self.collate_fn(self.getitems(index))
        return self.collate_fn([self.dataset[i] for i in index])


class IterableFetcher:
    """The next samples of an iterable dataset: ``fetch(n)`` collates the next ``n`` samples
    (fewer at the end, none with ``drop_last``), ``fetch(None)`` converts the next one;
    ``StopIteration`` once the dataset is exhausted."""

    def __init__(self, dataset: Any, collate_fn: Callable, drop_last: bool) -> None:
        self.iterator = iter(dataset)
        self.collate_fn, self.drop_last = collate_fn, drop_last
        self.ended = False

    def fetch(self, count: int | None) -> Any:
        if self.ended:
            raise StopIteration
        if count is None:
            return self.collate_fn(next(self.iterator))
        data = []
        for _ in range(count):
            try:
                data.append(next(self.iterator))
            except StopIteration:
                self.ended = True
                break
        if not data or (self.drop_last and len(data) < count):
            raise StopIteration
        return self.collate_fn(data)


def index_stream(
    iterable: bool, batch_size: int | None, sampler: Any, batch_sampler: Any
) -> Iterator:
    """What each fetch of one pass is given: index arrays or lists (map-style, batched),
    single indices (map-style, unbatched), or a sample count / None forever (iterable)."""
    if iterable:
        return itertools.repeat(batch_size)
    if batch_sampler is None:
        return iter(sampler)
    if isinstance(batch_sampler, BatchSampler):
        arrays = batch_sampler.index_arrays()
        if arrays is not None:
            return arrays
    return iter(batch_sampler)
