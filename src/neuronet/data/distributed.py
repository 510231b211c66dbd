"""``DistributedSampler``: each rank of a data-parallel job visits its own share of a dataset,
as ``torch.utils.data.distributed.DistributedSampler``."""

from __future__ import annotations

import math
from collections.abc import Iterator, Sized

import numpy as np

from ..distributed import collectives as dist
from .sampler import Sampler


def _replicas_and_rank(num_replicas: int | None, rank: int | None) -> tuple[int, int]:
    if (num_replicas is None or rank is None) and not dist.is_initialized():
        raise RuntimeError(
            "DistributedSampler: num_replicas and rank default to the process group's; "
            "call neuronet.distributed.init() first or pass both"
        )
    return (
        dist.get_world_size() if num_replicas is None else num_replicas,
        dist.get_rank() if rank is None else rank,
    )


class DistributedSampler(Sampler):
    """The indices of ``dataset`` that rank ``rank`` of ``num_replicas`` visits (defaults: the
    process group's rank and world size).

    Each epoch orders all indices (a permutation drawn from a generator seeded with
    ``seed + epoch`` when ``shuffle``, else ``0, 1, ..., n - 1``), makes their number a
    multiple of ``num_replicas`` (``drop_last=False``: repeats indices from the start of the
    order; ``drop_last=True``: drops the tail), and gives rank ``r`` every ``num_replicas``-th
    index from position ``r``. Every rank then has ``len(sampler)`` samples, the ranks' shares
    are disjoint (up to the repeats) and together cover the dataset. Call ``set_epoch(epoch)``
    before each epoch for a new order; every rank must use the same ``seed``. The permutation is
    NumPy's (PCG64), not the one PyTorch's generator draws for the same seed.
    """

    def __init__(
        self,
        dataset: Sized,
        num_replicas: int | None = None,
        rank: int | None = None,
        shuffle: bool = True,
        seed: int = 0,
        drop_last: bool = False,
    ) -> None:
        num_replicas, rank = _replicas_and_rank(num_replicas, rank)
        if isinstance(num_replicas, bool) or not isinstance(num_replicas, int) or num_replicas < 1:
            raise ValueError(f"num_replicas: expected a positive int, got {num_replicas!r}")
        if isinstance(rank, bool) or not isinstance(rank, int) or not 0 <= rank < num_replicas:
            raise ValueError(
                f"Invalid rank {rank}, rank should be in the interval [0, {num_replicas - 1}]"
            )
        self.dataset = dataset
        self.num_replicas, self.rank = num_replicas, rank
        self.shuffle, self.seed, self.drop_last = shuffle, seed, drop_last
        self.epoch = 0
        n = len(dataset)
        if drop_last and n % num_replicas:
            self.num_samples = math.ceil((n - num_replicas) / num_replicas)
        else:
            self.num_samples = math.ceil(n / num_replicas)
        self.total_size = self.num_samples * num_replicas

    def order(self) -> np.ndarray:
        """This epoch's indices for this rank, as an int64 array."""
        n = len(self.dataset)
        if self.shuffle:
            indices = np.random.Generator(np.random.PCG64(self.seed + self.epoch)).permutation(n)
        else:
            indices = np.arange(n)
        if self.drop_last:
            indices = indices[: self.total_size]
        elif self.total_size > n:
            indices = np.resize(indices, self.total_size)  # repeats from the start
        return indices[self.rank : self.total_size : self.num_replicas]

    def __iter__(self) -> Iterator[int]:
        return iter(self.order().tolist())

    def __len__(self) -> int:
        return self.num_samples

    def set_epoch(self, epoch: int) -> None:
        """The epoch whose order ``__iter__`` gives next (with ``shuffle``)."""
        self.epoch = epoch
