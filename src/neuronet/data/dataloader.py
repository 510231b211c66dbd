"""DataLoader: batches from a dataset, as ``torch.utils.data.DataLoader``."""

from __future__ import annotations

import multiprocessing
import multiprocessing.context
from collections.abc import Callable, Iterator
from typing import Any

from .collate import default_collate, default_convert
from .dataset import Dataset, IterableDataset
from .fetch import IterableFetcher, MapFetcher, index_stream
from .sampler import BatchSampler, RandomSampler, Sampler, SequentialSampler, rng_of
from .worker import MultiProcessIterator

_FROZEN = ("batch_size", "batch_sampler", "sampler", "drop_last", "dataset", "persistent_workers")


class DataLoader:
    """Iterates over ``dataset`` in batches, with PyTorch's arguments and rules.

    Map-style datasets are visited in ``sampler`` order (default: ``SequentialSampler``, or
    ``RandomSampler(dataset, generator=generator)`` when ``shuffle``), grouped by a
    ``BatchSampler(sampler, batch_size, drop_last)`` unless a ``batch_sampler`` is given;
    ``batch_size=None`` turns batching off (each sample goes through ``default_convert``). A
    batch is ``collate_fn`` (default ``default_collate``) of its samples, fetched by one
    ``dataset.__getitems__`` call where the dataset has one. Iterable datasets are read in
    order, ``batch_size`` samples a batch.

    ``num_workers > 0`` fetches batches in that many worker processes (see
    :mod:`neuronet.data.worker` for the seeding and ordering rules): ``prefetch_factor``
    (default 2) batches per worker are requested ahead, ``persistent_workers`` keeps the
    workers between epochs, ``timeout`` (seconds, 0 = wait forever) bounds the wait for one
    batch, ``multiprocessing_context`` picks the start method, ``in_order=False`` yields
    batches as they are ready. ``pin_memory`` is accepted and does nothing: neuronet's host
    arrays are ordinary NumPy memory and CuPy copies them when they move to the GPU.
    """

    def __init__(
        self,
        dataset: Dataset,
        batch_size: int | None = 1,
        shuffle: bool | None = None,
        sampler: Sampler | None = None,
        batch_sampler: Sampler | None = None,
        num_workers: int = 0,
        collate_fn: Callable | None = None,
        pin_memory: bool = False,
        drop_last: bool = False,
        timeout: float = 0,
        worker_init_fn: Callable[[int], None] | None = None,
        multiprocessing_context: Any = None,
        generator: Any = None,
        *,
        prefetch_factor: int | None = None,
        persistent_workers: bool = False,
        in_order: bool = True,
    ) -> None:
        if not isinstance(num_workers, int) or num_workers < 0:
            raise ValueError(
                "num_workers option should be non-negative; use num_workers=0 to disable "
                f"multiprocessing (got num_workers={num_workers!r})"
            )
        if timeout < 0:
            raise ValueError(f"timeout option should be non-negative, got timeout={timeout}")
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError(
                "prefetch_factor option could only be specified in multiprocessing: let "
                "num_workers > 0 to enable multiprocessing, otherwise set prefetch_factor to None"
            )
        if num_workers > 0 and prefetch_factor is None:
            prefetch_factor = 2
        elif prefetch_factor is not None and prefetch_factor < 0:
            raise ValueError(
                f"prefetch_factor option should be non-negative, got {prefetch_factor}"
            )
        if persistent_workers and num_workers == 0:
            raise ValueError("persistent_workers option needs num_workers > 0")

        iterable = isinstance(dataset, IterableDataset)
        if iterable:
            if shuffle not in (False, None):
                raise ValueError(
                    "DataLoader with IterableDataset: expected unspecified shuffle option, "
                    f"but got shuffle={shuffle}"
                )
            if sampler is not None:
                raise ValueError(
                    "DataLoader with IterableDataset: expected unspecified sampler option, "
                    f"but got sampler={sampler}"
                )
            if batch_sampler is not None:
                raise ValueError(
                    "DataLoader with IterableDataset: expected unspecified batch_sampler "
                    f"option, but got batch_sampler={batch_sampler}"
                )
        shuffle = bool(shuffle)
        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError(
                    "batch_sampler option is mutually exclusive with batch_size, shuffle, "
                    "sampler, and drop_last"
                )
            batch_size, drop_last = None, False
        elif batch_size is None and drop_last:
            raise ValueError(
                "batch_size=None option disables auto-batching and is mutually exclusive "
                "with drop_last"
            )
        if sampler is None and not iterable:
            if shuffle:
                sampler = RandomSampler(dataset, generator=generator)  # type: ignore[arg-type]
            else:
                sampler = SequentialSampler(dataset)  # type: ignore[arg-type]
        if batch_size is not None and batch_sampler is None and not iterable:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)  # type: ignore[arg-type]
        elif iterable and batch_size is not None:
            BatchSampler([], batch_size, drop_last)  # the same checks of both arguments

        self.dataset = dataset
        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.num_workers = num_workers
        self.prefetch_factor = prefetch_factor
        self.pin_memory = pin_memory
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.multiprocessing_context = multiprocessing_context
        self.generator = generator
        self.persistent_workers = persistent_workers
        self.in_order = in_order
        self._is_iterable = iterable
        self._auto_collation = batch_sampler is not None or (iterable and batch_size is not None)
        if collate_fn is None:
            collate_fn = default_collate if self._auto_collation else default_convert
        self.collate_fn = collate_fn
        self._iterator: MultiProcessIterator | None = None
        self._initialized = True

    @property
    def multiprocessing_context(self) -> multiprocessing.context.BaseContext | None:
        """The start method's context for the workers (None: Python's default)."""
        return self._multiprocessing_context

    @multiprocessing_context.setter
    def multiprocessing_context(self, context: Any) -> None:
        if context is not None:
            if self.num_workers == 0:
                raise ValueError(
                    "multiprocessing_context can only be used with multi-process loading "
                    f"(num_workers > 0), but got num_workers={self.num_workers}"
                )
            if isinstance(context, str):
                methods = multiprocessing.get_all_start_methods()
                if context not in methods:
                    raise ValueError(
                        f"multiprocessing_context option should specify a valid start method "
                        f"in {methods!r}, but got multiprocessing_context={context!r}"
                    )
                context = multiprocessing.get_context(context)
            if not isinstance(context, multiprocessing.context.BaseContext):
                raise TypeError(
                    "multiprocessing_context option should be a valid context object or a "
                    f"string specifying the start method, but got "
                    f"multiprocessing_context={context}"
                )
        self._multiprocessing_context = context

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _FROZEN and self.__dict__.get("_initialized", False):
            raise ValueError(
                f"{name} attribute should not be set after {type(self).__name__} is initialized"
            )
        super().__setattr__(name, value)

    def __len__(self) -> int:
        if self._is_iterable:
            n = len(self.dataset)  # type: ignore[arg-type]
            if self.batch_size is None:
                return n
            return n // self.batch_size if self.drop_last else -(-n // self.batch_size)
        return len(self.batch_sampler if self.batch_sampler is not None else self.sampler)  # type: ignore[arg-type]

    def _index_stream(self) -> Iterator:
        return index_stream(self._is_iterable, self.batch_size, self.sampler, self.batch_sampler)

    def __iter__(self) -> Iterator:
        if self.num_workers == 0:
            return self._single_process()
        if not self.persistent_workers:
            return MultiProcessIterator(self)
        if self._iterator is None:
            self._iterator = MultiProcessIterator(self)
        else:
            self._iterator.reset()
        return self._iterator

    def _base_seed(self) -> int:
        """One draw from ``generator`` (the global one if None) at the start of each pass, as
        PyTorch draws it with or without workers; the workers are seeded from it."""
        return int(rng_of(self.generator, "DataLoader").integers(0, 2**63))

    def _single_process(self) -> Iterator:
        self._base_seed()  # drawn as with workers, so a seed gives the same order either way
        fetch: Callable[[Any], Any]
        if self._is_iterable:
            fetch = IterableFetcher(self.dataset, self.collate_fn, self.drop_last).fetch
        else:
            fetch = MapFetcher(self.dataset, self._auto_collation, self.collate_fn).fetch
        for index in self._index_stream():
            try:
                batch = fetch(index)
            except StopIteration:
                return
            yield batch
