"""DistributedDataParallel's allreduce per training step and how much of it runs during
backward, on the default MNIST model (784-512-256-10, batch norm, dropout 0.1, global batch
128) with real steps (Adam), one thread per rank:

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 mpiexec -n 2 python benchmarks/ddp_overlap.py

Per step, from DDP's ``sync_times``: the allreduce window runs from the first bucket's start to
the moment every bucket is averaged; the part of it before the last bucket starts lies inside
backward (overlapped), the rest is waited for after it (exposed). Also the step's time and that
of a blocking allreduce of the same buckets with both ranks ready (after a barrier). Medians
over the steps; rank 0 prints one line per bucket size.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

import neuronet as nt
import neuronet.distributed as dist
from neuronet.models import MLP
from neuronet.nn.functional import cross_entropy
from neuronet.nn.parallel import DistributedDataParallel
from neuronet.tensor import Tensor

STEPS, WARMUP, GLOBAL_BATCH = 60, 10, 128


def median_ms(values: list[float]) -> float:
    return statistics.median(values[WARMUP:]) * 1000


def measure(bucket_cap_mb: float | None) -> dict:
    _, world, _ = dist.init()
    nt.manual_seed(0)
    model = MLP(784, (512, 256), 10, "relu", True, 0.1, "default", 2)
    ddp = DistributedDataParallel(model, bucket_cap_mb=bucket_cap_mb)
    opt = nt.optim.Adam(ddp.parameters())
    x = nt.rand(GLOBAL_BATCH // world, 784)
    y = nt.randint(0, 10, (GLOBAL_BATCH // world,))
    step, window, overlapped, alone = [], [], [], []
    for _ in range(STEPS):
        began = time.perf_counter()
        opt.zero_grad()
        cross_entropy(ddp(x), y).backward()
        opt.step()
        step.append(time.perf_counter() - began)
        first, last, done = ddp.sync_times  # type: ignore[misc]
        window.append(done - first)
        overlapped.append(last - first)
        flats = [Tensor._make(b.flat.copy()) for b in ddp._buckets]
        dist.barrier()
        began = time.perf_counter()
        for work in [dist.all_reduce(f, async_op=True) for f in flats]:
            work.wait()
        alone.append(time.perf_counter() - began)
    return {
        "buckets": len(ddp._buckets),
        "step": median_ms(step),
        "window": median_ms(window),
        "overlapped": median_ms(overlapped),
        "alone": median_ms(alone),
    }


def main() -> None:
    for cap in (None, 0.5, 0.1):
        r = measure(cap)
        if dist.get_rank() == 0:
            label = "25 (default)" if cap is None else f"{cap:g}"
            print(
                f"bucket_cap_mb {label}: {r['buckets']} bucket(s); step {r['step']:.1f} ms; "
                f"allreduce window {r['window']:.2f} ms, of which {r['overlapped']:.2f} ms during "
                f"backward; blocking allreduce with both ranks ready {r['alone']:.2f} ms",
                flush=True,
            )


if __name__ == "__main__":
    main()
