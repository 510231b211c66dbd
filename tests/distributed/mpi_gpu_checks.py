"""Run under ``mpiexec -n 2`` on a machine with a GPU: the collectives and DDP on CuPy arrays
(through a CUDA-aware MPI when NEURONET_MPI_CUDA_AWARE=1, else through host memory). Rank 0
writes ``gpu.json`` into the folder given as the first argument."""

import json
import sys
from pathlib import Path

import numpy as np

import neuronet as nt
import neuronet.distributed as dist
from neuronet import nn
from neuronet.nn.parallel import DistributedDataParallel

rank, world, _ = dist.init()
t = (nt.tensor([1.0, 2.0], dtype=nt.float64) * (rank + 1)).cuda()
dist.all_reduce(t)
summed = t.cpu().tolist()
b = nt.full((3,), float(rank)).cuda()
dist.broadcast(b, src=1)
parts = [nt.zeros(2).cuda() for _ in range(world)]
dist.all_gather(parts, nt.full((2,), float(rank)).cuda())

rng = np.random.default_rng(0)
x, y = rng.standard_normal((8, 5)), rng.integers(0, 3, 8)


def model(seed):
    nt.manual_seed(seed)
    return nn.Sequential(nn.Linear(5, 6), nn.Tanh(), nn.Linear(6, 3)).double().to("cuda")


ref = model(0)
nn.functional.cross_entropy(ref(nt.tensor(x).cuda()), nt.tensor(y).cuda()).backward()
ddp_model = model(10 + rank)
ddp = DistributedDataParallel(ddp_model, bucket_cap_mb=1e-9)
n = len(x) // world
part = slice(rank * n, (rank + 1) * n)
nn.functional.cross_entropy(ddp(nt.tensor(x[part]).cuda()), nt.tensor(y[part]).cuda()).backward()
error = max(float(np.abs(p.grad.cpu().numpy() - q.grad.cpu().numpy()).max())
            for p, q in zip(ddp_model.parameters(), ref.parameters()))
if rank == 0:
    Path(sys.argv[1], "gpu.json").write_text(json.dumps({
        "sum": summed, "broadcast": b.cpu().tolist(),
        "all_gather": [p.cpu().tolist() for p in parts], "ddp_max_error": error,
        "grad_on_gpu": type(ddp_model[0].weight.grad._data).__module__.startswith("cupy")}))
dist.barrier()
