"""What a training run does differently as one of several MPI ranks (``mpiexec -n N neuronet
train`` or ``neuronet train --nproc N``).

Every rank builds the same data loaders, model and optimizer from the same seed. Each global
batch of the training loader (``batch_size`` samples, the batch a one-process run takes) is split
into equal contiguous parts, one per rank (``ShardedBatches``); the model is wrapped in
``DistributedDataParallel``, which averages the gradients, so every step is the one-process
step on the same global batch (up to the order of float additions, and with batch
normalisation's statistics and dropout's masks per rank, as in PyTorch). Where the last global
batch does not split evenly, its last ``len % world`` samples are left out of that epoch.
Validation batches are split the same way, unevenly when they must (evaluation communicates
nothing), and the epoch's sums (loss, correct, count) are added over the ranks (``reduce_sums``),
so every rank has the metrics of the whole validation set. Only rank 0 prints and writes the run
folder, the history and the checkpoints; every rank reads the checkpoint to resume.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from ..distributed import collectives as dist
from ..tensor import Tensor
from .config import ConfigError


def start() -> tuple[int, int]:
    """``(rank, world size)``: the process group is made when an MPI launcher started several
    processes (and was not made yet); ``(0, 1)`` for a process on its own."""
    if not dist.is_initialized() and dist.env_world_size() > 1:
        dist.init()
    if dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return 0, 1


def check_batch_split(batch_size: int, world: int) -> None:
    """A ``ConfigError`` unless the global batch splits evenly over ``world`` processes."""
    if batch_size % world:
        raise ConfigError(
            f"batch_size: the global batch ({batch_size}) must split evenly over the {world} "
            "processes"
        )


def world_size() -> int:
    """The number of ranks training together (1 outside a process group)."""
    return dist.get_world_size() if dist.is_initialized() else 1


def is_main_process() -> bool:
    """Whether this process prints and writes: rank 0, or a process on its own."""
    return not dist.is_initialized() or dist.get_rank() == 0


def reduce_sums(values: Sequence[float]) -> list[float]:
    """``values`` added over all ranks (as float64); themselves outside a group of several."""
    if world_size() == 1:
        return [float(v) for v in values]
    total = Tensor._make(np.array(values, dtype=np.float64))
    dist.all_reduce(total)
    return [float(v) for v in total._data]


def rank0_value(value: Any) -> Any:
    """Rank 0's ``value`` (JSON data) on every rank."""
    if world_size() == 1:
        return value
    every: list = [None] * dist.get_world_size()
    dist.all_gather_object(every, value)
    return every[0]


def unwrapped(model: Any) -> Any:
    """The module inside a ``DistributedDataParallel`` (what a checkpoint holds), else
    ``model``."""
    from ..nn.parallel import DistributedDataParallel  # noqa: PLC0415 - nn imports training

    return model.module if isinstance(model, DistributedDataParallel) else model


class ShardedBatches:
    """Rank ``rank``'s part of each batch of ``loader`` (batches are tensors, or tuples or lists
    of tensors, with the samples along dimension 0). ``even=True``: each rank takes
    ``n // world`` samples of a batch of ``n`` (rank ``r`` the ``r``-th run of them; the
    remainder is left out, and a batch smaller than ``world`` is skipped); ``even=False``: rank
    ``r`` takes samples ``r * n // world`` up to ``(r + 1) * n // world`` and may get none (the
    batch is then skipped on that rank)."""

    def __init__(self, loader: Any, rank: int, world: int, even: bool) -> None:
        self.loader, self.rank, self.world, self.even = loader, rank, world, even
        self.dataset = getattr(loader, "dataset", None)

    def _part(self, n: int) -> slice:
        if self.even:
            per = n // self.world
            return slice(self.rank * per, (self.rank + 1) * per)
        return slice(self.rank * n // self.world, (self.rank + 1) * n // self.world)

    def __iter__(self) -> Iterator:
        for batch in self.loader:
            parts = batch if isinstance(batch, (tuple, list)) else (batch,)
            if not all(isinstance(p, Tensor) for p in parts):
                raise TypeError(
                    "training on several ranks splits batches of tensors; this task's loader "
                    f"gives {type(batch).__name__} batches"
                )
            cut = self._part(int(parts[0].shape[0]))
            if cut.stop <= cut.start:
                continue
            shard = [Tensor._make(p._data[cut]) for p in parts]
            yield shard if isinstance(batch, (tuple, list)) else shard[0]

    def __len__(self) -> int:
        """The batches this rank gets (the same on every rank when ``even``)."""
        batches = len(self.loader)
        size = getattr(self.loader, "batch_size", None)
        if not self.even or self.dataset is None or not size or self.loader.drop_last:
            return batches
        last = len(self.dataset) % size
        return batches - 1 if last and last < self.world else batches
