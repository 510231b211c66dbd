"""How much of DistributedDataParallel's allreduce hides behind backward, on the default MNIST
model (784-512-256-10, batch norm, dropout 0.1) with a global batch of 128.

Run under MPI (each rank single-threaded):

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 mpiexec -n 2 python benchmarks/ddp_overlap.py

For each bucket size it times, per step and as the median over the steps: forward + backward
without communication (inside ``no_sync()``), the blocking allreduce of the same gradient
buckets alone, and forward + backward with DDP's overlapped allreduces. The hidden share of the
allreduce is ``(local + allreduce - ddp) / allreduce``. Rank 0 prints one line per bucket size.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

import neuronet as nt  # noqa: E402
import neuronet.distributed as dist  # noqa: E402
from neuronet.models import MLP  # noqa: E402
from neuronet.nn.functional import cross_entropy  # noqa: E402
from neuronet.nn.parallel import DistributedDataParallel  # noqa: E402
from neuronet.tensor import Tensor  # noqa: E402

STEPS, WARMUP, GLOBAL_BATCH = 40, 5, 128


def median_ms(times: list[float]) -> float:
    return statistics.median(times[WARMUP:]) * 1000


def measure(bucket_cap_mb: float | None) -> dict:
    rank, world, _ = dist.init()
    nt.manual_seed(0)
    model = MLP(784, (512, 256), 10, "relu", True, 0.1, "default", 2)
    ddp = DistributedDataParallel(model, bucket_cap_mb=bucket_cap_mb)
    x = nt.rand(GLOBAL_BATCH // world, 784)
    y = nt.randint(0, 10, (GLOBAL_BATCH // world,))

    def step(sync: bool) -> float:
        for p in model.parameters():
            p.grad = None
        dist.barrier()
        began = time.perf_counter()
        if sync:
            cross_entropy(ddp(x), y).backward()
        else:
            with ddp.no_sync():
                cross_entropy(ddp(x), y).backward()
        return time.perf_counter() - began

    local, overlapped, alone = [], [], []
    for _ in range(STEPS):
        local.append(step(False))
        overlapped.append(step(True))
        flats = [Tensor._make(b.flat) for b in ddp._buckets]
        dist.barrier()
        began = time.perf_counter()
        works = [dist.all_reduce(f, async_op=True) for f in flats]
        for w in works:
            w.wait()
        alone.append(time.perf_counter() - began)
    t_local, t_ddp, t_reduce = median_ms(local), median_ms(overlapped), median_ms(alone)
    return {
        "buckets": len(ddp._buckets),
        "local_ms": t_local,
        "ddp_ms": t_ddp,
        "allreduce_ms": t_reduce,
        "hidden": (t_local + t_reduce - t_ddp) / t_reduce,
    }


def main() -> None:
    for cap in (None, 0.5, 0.1):
        r = measure(cap)
        if dist.get_rank() == 0:
            label = "25 (default)" if cap is None else f"{cap:g}"
            print(
                f"bucket_cap_mb {label:>12}: {r['buckets']} bucket(s); forward+backward "
                f"{r['local_ms']:.1f} ms alone, {r['ddp_ms']:.1f} ms with DDP; allreduce alone "
                f"{r['allreduce_ms']:.2f} ms; hidden behind backward: {100 * r['hidden']:.0f}%",
                flush=True,
            )


if __name__ == "__main__":
    main()
