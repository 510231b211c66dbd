"""Data-parallel training over MPI, with ``torch.distributed``'s names.

Start N processes with ``mpiexec -n N python script.py`` (or ``neuronet train --nproc N``),
call ``init()`` (or ``init_process_group('mpi')``) in each, wrap the model in
``neuronet.nn.parallel.DistributedDataParallel`` and shard the data with
``neuronet.utils.data.DistributedSampler``. See :mod:`neuronet.distributed.collectives` for the
collectives and the fault rules. Needs the ``mpi`` extra (``mpi4py`` and an MPI library).
"""

from .collectives import (
    DistError,
    DistTimeoutError,
    ReduceOp,
    Work,
    abort,
    all_gather,
    all_gather_object,
    all_reduce,
    barrier,
    broadcast,
    destroy_process_group,
    env_world_size,
    get_backend,
    get_node_local_rank,
    get_rank,
    get_world_size,
    init,
    init_process_group,
    is_available,
    is_initialized,
    is_mpi_available,
)

__all__ = [
    "DistError",
    "DistTimeoutError",
    "ReduceOp",
    "Work",
    "abort",
    "all_gather",
    "all_gather_object",
    "all_reduce",
    "barrier",
    "broadcast",
    "destroy_process_group",
    "env_world_size",
    "get_backend",
    "get_node_local_rank",
    "get_rank",
    "get_world_size",
    "init",
    "init_process_group",
    "is_available",
    "is_initialized",
    "is_mpi_available",
]
