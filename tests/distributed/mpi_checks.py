"""Run under ``mpiexec -n 2``: every check of neuronet.distributed that needs two real ranks, in
one launch (MPI start-up costs about a second). Each rank writes ``rank<R>.json`` into the
folder given as the first argument: the name of each check and what it measured, which
tests/distributed/test_mpi.py asserts."""

import datetime
import json
import sys
import time
from pathlib import Path

import numpy as np

import neuronet as nt
import neuronet.distributed as dist
from neuronet import nn
from neuronet.nn.parallel import DistributedDataParallel
from neuronet.utils.data import DistributedSampler

out_dir = Path(sys.argv[1])
rank, world, local_rank = dist.init()
results: dict = {"rank": rank, "world": world, "local_rank": local_rank}


def check(name):
    def run(fn):
        try:
            results[name] = fn()
        except Exception as err:  # noqa: BLE001 - recorded, so that one failing check reports the others too
            results[name] = {"error": f"{type(err).__name__}: {err}"}
        return fn

    return run


@check("collectives")
def _():
    r = {}
    t = nt.tensor([1.0, 2.0, 3.0], dtype=nt.float64) * (rank + 1)
    dist.all_reduce(t)
    r["sum"] = t.tolist()
    t = nt.tensor([1.0, 4.0], dtype=nt.float64) * (rank + 1)
    dist.all_reduce(t, op=dist.ReduceOp.AVG)
    r["avg"] = t.tolist()
    t = nt.tensor([rank, -rank, 5])
    dist.all_reduce(t, op=dist.ReduceOp.MAX)
    r["max"] = t.tolist()
    t = nt.tensor([rank, -rank, 5])
    dist.all_reduce(t, op=dist.ReduceOp.MIN)
    r["min"] = t.tolist()
    t = nt.tensor([2.0, 3.0]) + rank
    dist.all_reduce(t, op=dist.ReduceOp.PRODUCT)
    r["product"] = t.tolist()
    m = nt.arange(12, dtype=nt.float64).reshape(3, 4) * (rank + 1)
    col = m[:, 1]  # a strided view: reduced through a copy and written back
    dist.all_reduce(col)
    r["strided_view"] = col.tolist()
    r["strided_base"] = m.tolist()
    t = nt.full((2,), float(rank + 10))
    dist.broadcast(t, src=1)
    r["broadcast"] = t.tolist()
    parts = [nt.zeros(2, dtype=nt.int64) for _ in range(world)]
    dist.all_gather(parts, nt.tensor([rank, rank * 10]))
    r["all_gather"] = [p.tolist() for p in parts]
    t = nt.ones(3) * (rank + 1)
    work = dist.all_reduce(t, async_op=True)
    r["async_type"] = type(work).__name__
    r["async_wait"] = work.wait()
    r["async_result"] = t.tolist()
    r["barrier"] = dist.barrier()
    objs = [None] * world
    dist.all_gather_object(objs, {"rank": rank, "name": f"r{rank}"})
    r["all_gather_object"] = objs
    return r


def global_batch(seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((16, 5))
    y = rng.integers(0, 3, 16)
    return x, y


def make_model(seed, hidden=7):
    nt.manual_seed(seed)
    return nn.Sequential(nn.Linear(5, hidden), nn.Tanh(), nn.Linear(hidden, 6), nn.Tanh(),
                         nn.Linear(6, 3)).double()


def single_process_grads(x, y, seed):
    model = make_model(seed)
    loss = nn.functional.cross_entropy(model(nt.tensor(x)), nt.tensor(y))
    loss.backward()
    return [p.grad.numpy().copy() for p in model.parameters()]


def shard(a):
    n = len(a) // world
    return a[rank * n:(rank + 1) * n]


def ddp_grads(bucket_cap_mb):
    x, y = global_batch()
    model = make_model(seed=100 + rank)  # different on each rank: construction takes rank 0's
    ddp = DistributedDataParallel(model, bucket_cap_mb=bucket_cap_mb)
    loss = nn.functional.cross_entropy(ddp(nt.tensor(shard(x))), nt.tensor(shard(y)))
    loss.backward()
    want = single_process_grads(x, y, seed=100)
    got = [p.grad.numpy() for p in model.parameters()]
    return {
        "buckets": len(ddp._buckets),
        "max_error": max(float(np.abs(g - w).max()) for g, w in zip(got, want)),
        "bucket_order": [[int(p.shape[0]) for p in b.params] for b in ddp._buckets],
    }


@check("ddp_one_bucket")
def _():
    return ddp_grads(None)


@check("ddp_bucket_per_parameter")
def _():
    return ddp_grads(1e-9)  # every parameter closes its bucket: 6 allreduces during backward


@check("ddp_overlap")
def _():
    # With a bucket per parameter, the last layer's allreduce must start while the engine has
    # not yet computed the first layer's gradient.
    model = make_model(seed=3)
    ddp = DistributedDataParallel(model, bucket_cap_mb=1e-9)
    first = model[0].weight
    seen = []
    original = ddp._grad_ready

    def spy(p):
        seen.append((int(ddp._next), first.grad is not None))
        original(p)

    for h in ddp._handles:
        h.remove()
    for p in ddp._params:
        p.register_post_accumulate_grad_hook(spy)
    x, y = global_batch()
    nn.functional.cross_entropy(ddp(nt.tensor(shard(x))), nt.tensor(shard(y))).backward()
    first_start, last_start, done = ddp.sync_times
    return {"started_before_first_layer_grad": max(n for n, has in seen if not has),
            "sync_times_ordered": first_start < last_start <= done}


@check("no_sync")
def _():
    x, y = global_batch(1)
    model = make_model(seed=5)
    ddp = DistributedDataParallel(model)
    xs, ys = shard(x), shard(y)
    with ddp.no_sync():
        nn.functional.cross_entropy(ddp(nt.tensor(xs[:4])), nt.tensor(ys[:4])).backward()
    local = [p.grad.numpy().copy() for p in model.parameters()]
    nn.functional.cross_entropy(ddp(nt.tensor(xs[4:])), nt.tensor(ys[4:])).backward()
    # the same on one process: each rank's two half-shards, losses summed, averaged over ranks
    ref = make_model(seed=5)
    n = len(x) // world
    for r in range(world):
        for part in (slice(r * n, r * n + 4), slice(r * n + 4, (r + 1) * n)):
            loss = nn.functional.cross_entropy(ref(nt.tensor(x[part])), nt.tensor(y[part]))
            (loss / world).backward()
    want = [p.grad.numpy() for p in ref.parameters()]
    got = [p.grad.numpy() for p in model.parameters()]
    others = [None] * world
    dist.all_gather_object(others, float(local[0].sum()))
    return {
        "max_error": max(float(np.abs(g - w).max()) for g, w in zip(got, want)),
        "local_grads_differ_inside_no_sync": others[0] != others[1],
    }


@check("buffers_broadcast")
def _():
    nt.manual_seed(rank)
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4)).double()
    ddp = DistributedDataParallel(model)
    ddp(nt.randn(6, 3, dtype=nt.float64) + 10 * rank)  # each rank updates its own statistics
    seen = []
    model[1].register_forward_pre_hook(lambda m, args: seen.append(m.running_mean.tolist()))
    ddp(nt.randn(6, 3, dtype=nt.float64))  # ... and this forward first takes rank 0's
    with nt.no_grad():
        ddp(nt.randn(6, 3, dtype=nt.float64))  # evaluation: no broadcast
    stats = [None] * world
    dist.all_gather_object(stats, seen)
    weights = [None] * world
    dist.all_gather_object(weights, model[0].weight.tolist())
    return {"weights_equal": weights[0] == weights[1],
            "buffers_equal_at_forward": stats[0][0] == stats[1][0],
            "buffers_equal_under_no_grad": stats[0][1] == stats[1][1]}


@check("model_mismatch")
def _():
    model = make_model(seed=0, hidden=7 if rank == 0 else 8)
    try:
        DistributedDataParallel(model)
    except RuntimeError as err:
        return {"message": str(err)}
    return {"message": None}


@check("sampler")
def _():
    out = {}
    for drop_last in (False, True):
        s = DistributedSampler(list(range(11)), shuffle=True, seed=3, drop_last=drop_last)
        s.set_epoch(0)
        e0 = list(s)
        s.set_epoch(1)
        e1 = list(s)
        shares = [None] * world
        dist.all_gather_object(shares, e0)
        out[str(drop_last)] = {"len": len(s), "epoch0": e0, "epoch1": e1, "all": shares}
    return out


@check("timeout")
def _():
    # Rank 1 joins the allreduce 1.5 s late: rank 0's wait with a 0.3 s timeout gives up with
    # DistTimeoutError, and a second wait (after rank 1 joins) completes.
    t = nt.ones(2) * (rank + 1)
    if rank == 1:
        time.sleep(1.5)
    work = dist.all_reduce(t, async_op=True)
    error = None
    began = time.perf_counter()
    try:
        work.wait(timeout=datetime.timedelta(seconds=0.3))
    except dist.DistTimeoutError as err:
        error = str(err)
    waited = time.perf_counter() - began
    work.wait()
    return {"error": error, "waited": waited, "result": t.tolist()}


(out_dir / f"rank{rank}.json").write_text(json.dumps(results))
dist.barrier()
