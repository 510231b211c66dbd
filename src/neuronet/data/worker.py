"""DataLoader worker processes: ``num_workers > 0`` loads batches in parallel, as PyTorch does.

Each pass (or, with ``persistent_workers``, the loader's lifetime) draws one ``base_seed`` from
the loader's ``generator`` (neuronet's global one if None). Worker ``k`` then seeds
neuronet's global generator and Python's ``random`` with ``base_seed + k``, and NumPy's global
legacy generator with a state derived from both; it calls ``worker_init_fn(k)``, then fetches
the batches it is sent. The main process hands batches out round-robin, at most
``prefetch_factor`` per worker ahead, and gives them back in the sampler's order (or as they
come with ``in_order=False``). For an iterable dataset each worker iterates its own copy
(``get_worker_info()`` tells it which share is its), and a worker whose iterator ends gets no
more batches.

A batch crosses between processes with its tensors taken apart into their NumPy arrays (the
``multiprocessing`` queue carries them); the main process makes tensors of them again.
"""

from __future__ import annotations

import contextlib
import functools
import multiprocessing
import multiprocessing.queues
import os
import queue
import random
import signal
import traceback
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from ..random import manual_seed
from ..tensor import Tensor
from .fetch import IterableFetcher, MapFetcher, index_stream

if TYPE_CHECKING:
    from .dataloader import DataLoader

_POLL_S = 5.0  # how often a waiting process checks that the other side is alive


@dataclass(frozen=True)
class WorkerInfo:
    """What a DataLoader worker knows about itself: ``id`` (0 to ``num_workers - 1``),
    ``num_workers``, ``seed`` (``base_seed + id``, already set) and ``dataset`` (this
    process's copy)."""

    id: int
    num_workers: int
    seed: int
    dataset: Any


_worker_info: WorkerInfo | None = None


def get_worker_info() -> WorkerInfo | None:
    """This worker's ``WorkerInfo`` inside a DataLoader worker process; None in the main
    process."""
    return _worker_info


class _Wire:
    """A tensor in transit: its array alone."""

    __slots__ = ("array",)

    def __init__(self, array: Any) -> None:
        self.array = array


def _map_inside(obj: Any, fn: Callable[[Any], Any]) -> Any:
    """``obj`` rebuilt with ``fn`` applied to each item, for lists, tuples, namedtuples and
    dicts; anything else as it is."""
    kind = type(obj)
    if kind is list or kind is tuple:
        return kind(fn(o) for o in obj)
    if isinstance(obj, tuple) and hasattr(obj, "_fields"):
        return kind(*(fn(o) for o in obj))
    if kind is dict:
        return {k: fn(v) for k, v in obj.items()}
    return obj


def _pack(obj: Any) -> Any:
    """``obj`` with each tensor (inside lists, tuples, namedtuples and dicts) replaced by its
    array."""
    return _Wire(obj._data) if isinstance(obj, Tensor) else _map_inside(obj, _pack)


def _unpack(obj: Any) -> Any:
    """The inverse of ``_pack``: arrays in transit made tensors again."""
    return Tensor._make(obj.array) if type(obj) is _Wire else _map_inside(obj, _unpack)


class _Failure:
    """An exception raised in a worker, carried to the main process and raised there again
    (same type where it can be rebuilt from a message, else RuntimeError)."""

    def __init__(self, worker_id: int, where: str, error: BaseException) -> None:
        kind = type(error)
        try:  # a class defined inside a function cannot cross; its name still does
            multiprocessing.reduction.ForkingPickler.dumps(kind)
            self.kind: type[BaseException] | None = kind
        except Exception:  # noqa: BLE001 - whatever stops the class crossing, send its name
            self.kind = None
        trace = "".join(traceback.format_exception(kind, error, error.__traceback__))
        self.message = (
            f"Caught {kind.__name__}{' ' + where if where else ''} in DataLoader worker "
            f"process {worker_id}.\n"
            f"Original {trace}"
        )

    def reraise(self) -> None:
        if self.kind is not None:
            try:
                error = self.kind(self.message)
            except Exception:  # noqa: BLE001 - a class that needs other arguments
                error = None
            if isinstance(error, BaseException):
                raise error
        raise RuntimeError(self.message)


class _ResultQueue(multiprocessing.queues.Queue):
    """The workers' result queue: a batch that cannot be sent becomes an error for its task
    rather than being dropped (which would leave the main process waiting)."""

    def _on_queue_feeder_error(self, e: Exception, obj: Any) -> None:
        epoch, task = obj[0], obj[1]
        self.put((epoch, task, "error", _Failure(_worker_id(), "sending a batch", e)))


def _worker_id() -> int:
    return _worker_info.id if _worker_info is not None else -1


def _seed_worker(base_seed: int, worker_id: int) -> int:
    seed = base_seed + worker_id
    random.seed(seed)
    manual_seed(seed)
    np.random.seed(np.random.SeedSequence([worker_id, base_seed]).generate_state(4))
    return seed


def worker_loop(
    dataset: Any,
    iterable: bool,
    auto_collation: bool,
    collate_fn: Callable,
    drop_last: bool,
    index_queue: Any,
    result_queue: Any,
    base_seed: int,
    init_fn: Callable[[int], None] | None,
    worker_id: int,
    num_workers: int,
) -> None:
    """The body of one worker process: seed, ``init_fn(worker_id)``, then answer tasks
    ``("task", epoch, n, index)`` with ``(epoch, n, "data" | "end" | "error", payload)``
    until ``None`` comes; ``("resume", epoch)`` starts a new pass over an iterable dataset."""
    global _worker_info
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the main process handles Ctrl-C
    seed = _seed_worker(base_seed, worker_id)
    _worker_info = WorkerInfo(worker_id, num_workers, seed, dataset)
    parent = os.getppid()

    def new_fetcher() -> MapFetcher | IterableFetcher:
        if iterable:
            return IterableFetcher(dataset, collate_fn, drop_last)
        return MapFetcher(dataset, auto_collation, collate_fn)

    failure: _Failure | None = None
    fetcher: MapFetcher | IterableFetcher | None = None
    try:
        if init_fn is not None:
            init_fn(worker_id)
        fetcher = new_fetcher()
    except Exception as err:  # noqa: BLE001 - the user's error goes to the main process
        failure = _Failure(worker_id, "in worker_init_fn or starting the dataset", err)
    ended = False
    while True:
        try:
            message = index_queue.get(timeout=_POLL_S)
        except queue.Empty:
            if os.getppid() != parent:  # the main process is gone
                break
            continue
        if message is None:
            break
        if message[0] == "resume":
            ended = False
            if failure is None and iterable:
                try:
                    fetcher = new_fetcher()
                except Exception as err:  # noqa: BLE001 - goes to the main process
                    failure = _Failure(worker_id, "starting the dataset", err)
            continue
        _, epoch, task, index = message
        if ended:
            continue
        if failure is not None or fetcher is None:
            result_queue.put((epoch, task, "error", failure))
            continue
        try:
            result = (epoch, task, "data", _pack(fetcher.fetch(index)))
        except StopIteration:
            ended = True
            result = (epoch, task, "end", worker_id)
        except Exception as err:  # noqa: BLE001 - the user's error goes to the main process
            result = (epoch, task, "error", _Failure(worker_id, "", err))
        result_queue.put(result)
    result_queue.cancel_join_thread()  # the main process no longer reads what is left


class MultiProcessIterator:
    """Batches of a DataLoader loaded by ``loader.num_workers`` worker processes."""

    def __init__(self, loader: DataLoader) -> None:
        # what a pass needs from the loader, kept without the loader itself: a persistent
        # loader holds its iterator, and a cycle would leave the workers to the garbage collector
        self.new_indices = functools.partial(
            index_stream,
            loader._is_iterable,
            loader.batch_size,
            loader.sampler,
            loader.batch_sampler,
        )
        self.length = weakref.ref(loader)
        self.prefetch = loader.prefetch_factor * loader.num_workers  # type: ignore[operator]
        self.in_order, self.timeout = loader.in_order, loader.timeout
        self.persistent = loader.persistent_workers
        n = loader.num_workers
        ctx: Any = loader.multiprocessing_context or multiprocessing.get_context()
        base_seed = loader._base_seed()
        self.result_queue = _ResultQueue(ctx=ctx)
        self.index_queues = [ctx.Queue() for _ in range(n)]
        self.workers = []
        for worker_id in range(n):
            process = ctx.Process(
                target=worker_loop,
                args=(
                    loader.dataset,
                    loader._is_iterable,
                    loader._auto_collation,
                    loader.collate_fn,
                    loader.drop_last,
                    self.index_queues[worker_id],
                    self.result_queue,
                    base_seed,
                    loader.worker_init_fn,
                    worker_id,
                    n,
                ),
                daemon=True,
            )
            process.start()
            self.workers.append(process)
        self.finalizer = weakref.finalize(
            self, _shutdown, self.workers, self.index_queues, self.result_queue
        )
        self.epoch = -1
        self.reset()

    def reset(self) -> None:
        """Start a pass: a fresh index stream, the first ``prefetch_factor`` tasks per worker
        sent (the workers of an iterable dataset restart their iterators)."""
        self.epoch += 1
        if self.epoch > 0:
            for q in self.index_queues:
                q.put(("resume", self.epoch))
        self.indices = self.new_indices()
        self.sent = self.received = 0
        self.owner: dict[int, int] = {}  # task -> worker, for tasks not yet given out
        self.results: dict[int, tuple[str, Any]] = {}
        self.active = [True] * len(self.workers)
        self.turn = 0
        self.exhausted = False
        for _ in range(self.prefetch):
            self._send()

    def _send(self) -> None:
        if self.exhausted:
            return
        n = len(self.workers)
        for step in range(n):
            worker = (self.turn + step) % n
            if self.active[worker]:
                break
        else:
            return
        try:
            index = next(self.indices)
        except StopIteration:
            self.exhausted = True
            return
        self.turn = worker + 1
        self.index_queues[worker].put(("task", self.epoch, self.sent, index))
        self.owner[self.sent] = worker
        self.sent += 1

    def __iter__(self) -> MultiProcessIterator:
        return self

    def __len__(self) -> int:
        loader = self.length()
        if loader is None:
            raise TypeError("len() of a DataLoader iterator whose DataLoader is gone")
        return len(loader)

    def __next__(self) -> Any:
        in_order = self.in_order
        while True:
            while self.received < self.sent and (
                self.received not in self.owner
                or (
                    self.received not in self.results and not self.active[self.owner[self.received]]
                )
            ):
                self.owner.pop(self.received, None)
                self.received += 1
            if self.received >= self.sent:
                if not self.persistent:
                    self.close()
                raise StopIteration
            if in_order and self.received in self.results:
                kind, payload = self.results.pop(self.received)
                del self.owner[self.received]
                self.received += 1
                self._send()
                return self._deliver(kind, payload)
            epoch, task, kind, payload = self._get()
            if epoch != self.epoch:
                continue
            if kind == "end":
                self.active[payload] = False
                self._send()
                continue
            if in_order:
                self.results[task] = (kind, payload)
                continue
            del self.owner[task]
            self._send()
            return self._deliver(kind, payload)

    def _deliver(self, kind: str, payload: Any) -> Any:
        if kind == "error":
            payload.reraise()
        return _unpack(payload)

    def _get(self) -> tuple:
        timeout = self.timeout
        while True:
            try:
                return self.result_queue.get(timeout=timeout if timeout > 0 else _POLL_S)
            except queue.Empty:
                if timeout > 0:
                    self.close()
                    raise RuntimeError(f"DataLoader timed out after {timeout} seconds") from None
            dead = [str(w.pid) for w in self.workers if not w.is_alive()]
            if dead:
                self.close()
                raise RuntimeError(
                    f"DataLoader worker (pid(s) {', '.join(dead)}) exited unexpectedly"
                )

    def close(self) -> None:
        """Stop the workers and release the queues (idempotent; also done when the iterator
        is garbage-collected, and at interpreter exit)."""
        self.finalizer()


def _shutdown(workers: list, index_queues: list, result_queue: Any) -> None:
    """Tell each worker to stop, wait a moment, stop those still busy, close the queues. Held
    by a ``weakref.finalize``, so the queues outlive the iterator until this has run."""
    for q in index_queues:
        with contextlib.suppress(OSError, ValueError):
            q.put(None)
    for w in workers:
        w.join(timeout=1.0)  # an idle worker exits at once; a busy one is stopped
        if w.is_alive():
            w.terminate()
            w.join()
    for q in (*index_queues, result_queue):
        q.cancel_join_thread()
        q.close()
