"""``DistributedDataParallel``: data-parallel training of one module over the ranks of the
default process group (``neuronet.distributed``), PyTorch's algorithm on MPI.

At construction every rank checks that its module has the same parameters and buffers (names,
shapes, dtypes) as rank 0's, then takes rank 0's values (one broadcast each). The parameters
that require grad go, in reverse order of ``module.parameters()`` (roughly the order backward
produces their gradients), into buckets by dtype: a bucket is closed as soon as it holds at
least its cap, 1 MiB for the first bucket and ``bucket_cap_mb`` (default 25) MiB for the others,
as PyTorch's ``compute_bucket_assignment_by_size`` does (the first cap is never above
``bucket_cap_mb``); every rank computes the same buckets
from the same model, so they go out in the same order everywhere.

Each parameter's post-accumulate-grad hook copies its ``.grad`` into its bucket's flat array.
When a bucket has all its gradients, and every bucket before it has been started, its
non-blocking allreduce (MPI ``Iallreduce``, sum) starts at once, while the engine goes on
computing the gradients of earlier layers; the hooks also poll the requests in flight so that
MPI moves them along. When the last bucket has started, the hook waits for all of them, divides
by the world size and writes the averages into the parameters' ``.grad``: when ``backward()``
returns, ``.grad`` holds the mean of the ranks' gradients, ready for ``optimizer.step()``.
Inside ``no_sync()`` the hooks do nothing, so gradients accumulate locally; the first backward
after it averages the accumulated ``.grad``.

With ``broadcast_buffers=True`` (the default) rank 0's buffers (batch-norm statistics) are
broadcast to the others (all their bytes in one message) before each forward whose backward
will average (grad mode on, outside ``no_sync()``), as PyTorch does; a forward under
``no_grad()`` (evaluation) communicates nothing, so the ranks may evaluate different numbers of
batches. ``sync_times`` holds the last averaging's times (see ``_finish``).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from ...autograd.grad_mode import is_grad_enabled
from ...autograd.versions import bump
from ...backend import get_xp
from ...distributed import collectives as dist
from ...tensor import Tensor
from ..module import Module

#: PyTorch's first-bucket size (``dist._DEFAULT_FIRST_BUCKET_BYTES``).
FIRST_BUCKET_BYTES = 1024 * 1024
#: PyTorch's default ``bucket_cap_mb``.
DEFAULT_BUCKET_CAP_MB = 25


def assign_buckets(params: list, first_cap: int, cap: int) -> list[list[int]]:
    """Indices into ``params`` grouped into buckets, in reverse parameter order, one run of
    buckets per dtype and device: a bucket closes once its bytes reach its cap (``first_cap``
    for the first bucket of all, ``cap`` after)."""
    open_buckets: dict = {}  # (dtype, device) -> [indices, bytes]
    closed: list[list[int]] = []
    for i in reversed(range(len(params))):
        data = params[i]._data
        key = (data.dtype.str, type(data).__module__)
        bucket = open_buckets.setdefault(key, [[], 0])
        bucket[0].append(i)
        bucket[1] += data.nbytes
        if bucket[1] >= (first_cap if not closed else cap):
            closed.append(bucket[0])
            del open_buckets[key]
    closed.extend(b[0] for b in open_buckets.values() if b[0])
    return closed


class _Bucket:
    """The flat array of some parameters' gradients and where each one lies in it."""

    def __init__(self, params: list) -> None:
        first = params[0]._data
        xp = get_xp(first)
        self.params = params
        self.offsets: list[int] = []
        total = 0
        for p in params:
            self.offsets.append(total)
            total += p._data.size
        self.flat = xp.zeros(total, dtype=first.dtype)
        self.pending = len(params)
        self.ready: set[int] = set()
        self.work: Any = None


class DistributedDataParallel(Module):
    """Wraps ``module`` so that ``backward()`` leaves the mean gradient over all ranks in each
    parameter's ``.grad`` (see the module notes for the algorithm). Call it as the module;
    reach the module as ``.module`` (the state dict's keys start with ``module.``)."""

    def __init__(
        self,
        module: Module,
        device_ids: Any = None,
        output_device: Any = None,
        dim: int = 0,
        broadcast_buffers: bool = True,
        process_group: Any = None,
        bucket_cap_mb: float | None = None,
        find_unused_parameters: bool = False,
        check_reduction: bool = False,
        gradient_as_bucket_view: bool = False,
        static_graph: bool = False,
    ) -> None:
        super().__init__()
        if not isinstance(module, Module):
            raise TypeError(
                f"DistributedDataParallel: module must be a Module, got {type(module).__name__}"
            )
        if dim != 0:
            raise ValueError(f"DistributedDataParallel: dim must be 0 (the batch), got {dim!r}")
        if find_unused_parameters:
            raise ValueError(
                "DistributedDataParallel: find_unused_parameters=True is not supported: every "
                "parameter that requires grad must take part in the loss"
            )
        if bucket_cap_mb is not None and not bucket_cap_mb > 0:
            raise ValueError(
                f"DistributedDataParallel: bucket_cap_mb must be positive, got {bucket_cap_mb!r}"
            )
        group = dist._check_group(process_group)
        self.module = module
        self.broadcast_buffers = broadcast_buffers
        self.require_backward_grad_sync = True
        self.world_size = group.size
        cap_mb = DEFAULT_BUCKET_CAP_MB if bucket_cap_mb is None else bucket_cap_mb
        self.bucket_bytes_cap = int(cap_mb * 1024 * 1024)
        self._params = [p for p in module.parameters() if p.requires_grad]
        self._check_same_model()
        self._sync_module_states()
        first = min(FIRST_BUCKET_BYTES, self.bucket_bytes_cap)
        order = assign_buckets(self._params, first, self.bucket_bytes_cap)
        self._buckets = [_Bucket([self._params[i] for i in ids]) for ids in order]
        self._where: dict[int, tuple[_Bucket, int]] = {}
        for bucket in self._buckets:
            for slot, p in enumerate(bucket.params):
                self._where[id(p)] = (bucket, slot)
        self._next = 0  # the first bucket whose allreduce has not started in this backward
        self._started_at = 0.0
        self.sync_times: tuple[float, float, float] | None = None
        self._handles = [p.register_post_accumulate_grad_hook(self._grad_ready) for p in
                         self._params]  # fmt: skip

    # ------------------------------------------------------------------ construction
    def _check_same_model(self) -> None:
        """Every rank's parameters and buffers (names, shapes, dtypes) against rank 0's."""
        mine = {
            "params": [[n, list(p.shape), str(p._data.dtype)] for n, p in
                       self.module.named_parameters() if p.requires_grad],
            "buffers": [[n, list(b.shape), str(b._data.dtype)] for n, b in
                        self.module.named_buffers()],
        }  # fmt: skip
        every: list = [None] * self.world_size
        dist.all_gather_object(every, mine)
        reference = every[0]
        for rank, theirs in enumerate(every[1:], start=1):
            for kind in ("params", "buffers"):
                a, b = reference[kind], theirs[kind]
                if len(a) != len(b):
                    raise RuntimeError(
                        f"DistributedDataParallel expects the same model on every rank, but rank "
                        f"{rank} has {len(b)} {kind}, while rank 0 has {len(a)}"
                    )
                for (name0, shape0, dtype0), (name, shape, dtype) in zip(a, b):
                    if (name0, shape0, dtype0) != (name, shape, dtype):
                        raise RuntimeError(
                            f"DistributedDataParallel expects the same model on every rank, but "
                            f"rank {rank}'s {kind[:-1]} {name} has shape {tuple(shape)} and dtype "
                            f"{dtype}, while rank 0's {name0} has shape {tuple(shape0)} and "
                            f"dtype {dtype0}"
                        )

    def _sync_module_states(self) -> None:
        """Rank 0's parameters and buffers on every rank."""
        tensors = [*self.module.parameters(), *self.module.buffers()]
        works = [dist.broadcast(t, 0, async_op=True) for t in tensors]
        for work in works:
            work.wait()

    # ------------------------------------------------------------------ forward
    def forward(self, *inputs: Any, **kwargs: Any) -> Any:
        if self._next or any(b.ready for b in self._buckets):
            raise RuntimeError(
                "Expected to have finished reduction in the prior iteration before starting a "
                "new one. This error indicates that your module has parameters that were not "
                "used in producing loss (every parameter that requires grad must get a "
                "gradient in each backward pass outside no_sync())"
            )
        if self.broadcast_buffers and self.world_size > 1 and self._syncs():
            self._broadcast_buffers()
        return self.module(*inputs, **kwargs)

    def _broadcast_buffers(self) -> None:
        """Rank 0's buffers on every rank, in one broadcast of all their bytes."""
        buffers = [b for b in self.module.buffers() if b._data.size]
        if not buffers:
            return
        xp = get_xp(buffers[0]._data)
        raw = [xp.ascontiguousarray(b._data).reshape(-1).view(xp.uint8) for b in buffers]
        flat = xp.concatenate(raw)
        dist.broadcast(Tensor._make(flat), 0)
        start = 0
        for b, r in zip(buffers, raw):
            data = b._data
            data[...] = flat[start : start + r.size].view(data.dtype).reshape(data.shape)
            bump(data)
            start += r.size

    def _syncs(self) -> bool:
        """Whether this forward is one whose backward averages (grad mode on, outside
        ``no_sync()``): only then are the buffers broadcast, as PyTorch does."""
        return is_grad_enabled() and self.require_backward_grad_sync

    @contextmanager
    def no_sync(self) -> Iterator[None]:
        """Inside it, backward passes accumulate gradients locally without averaging them;
        the first backward after it averages the accumulated gradients."""
        before = self.require_backward_grad_sync
        self.require_backward_grad_sync = False
        try:
            yield
        finally:
            self.require_backward_grad_sync = before

    # ------------------------------------------------------------------ backward
    def _grad_ready(self, p: Tensor) -> None:
        """Post-accumulate-grad hook: ``p``'s gradient of this pass is complete."""
        if not self.require_backward_grad_sync:
            return
        bucket, slot = self._where[id(p)]
        if slot in bucket.ready:
            raise RuntimeError(
                "DistributedDataParallel: a parameter got its gradient twice in one backward "
                "pass before the averaging finished (a reentrant backward?)"
            )
        grad = p.grad._data  # type: ignore[union-attr]
        start = bucket.offsets[slot]
        bucket.flat[start : start + grad.size] = grad.reshape(-1)
        bucket.ready.add(slot)
        bucket.pending -= 1
        buckets = self._buckets
        while self._next < len(buckets) and buckets[self._next].pending == 0:
            if self._next == 0:
                self._started_at = time.perf_counter()
            b = buckets[self._next]
            b.work = dist.all_reduce(Tensor._make(b.flat), dist.ReduceOp.SUM, async_op=True)
            self._next += 1
        if self._next == len(buckets):
            self._finish()
        else:
            for b in buckets[: self._next]:
                b.work.is_completed()  # (lets MPI progress the reductions in flight)

    def _finish(self) -> None:
        """Wait for every bucket and put the averaged gradients into ``.grad``."""
        last_started = time.perf_counter()
        for b in self._buckets:
            b.work.wait()
            b.flat /= self.world_size
            for p, start in zip(b.params, b.offsets):
                grad = p.grad._data
                grad[...] = b.flat[start : start + grad.size].reshape(grad.shape)
            b.work, b.pending = None, len(b.params)
            b.ready.clear()
        self._next = 0
        #: (first bucket started, last bucket started, all averaged), perf_counter seconds: the
        #: share of the allreduce window before the last start ran during backward.
        self.sync_times = (self._started_at, last_started, time.perf_counter())

    def extra_repr(self) -> str:
        return f"world_size={self.world_size}, buckets={len(self._buckets)}"
