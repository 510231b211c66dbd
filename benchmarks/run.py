"""``make bench``: neuronet against PyTorch CPU, JAX and hand-written NumPy, side by side.

Each workload runs in its own process, which builds every implementation and times them
interleaved (a round of neuronet steps, then PyTorch, then JAX, then NumPy, repeated), so they
share the same machine state. JAX runs the whole step under one ``jax.jit``
(``jax_workloads.py``); PyTorch and JAX are peers where installed, and reported as n/a where
not. Reported: the median time per training step, min and max, and the ratios.
W1-W4 are also timed as a captured step (``neuronet.compile``), in a table of their own beside
the eager figures. Then: import times, the peak resident memory of a process running 200 W2
steps, one MNIST epoch, batch-1 inference latency and the per-op overhead. Results go to results/latest.json and
the table in benchmarks/README.md. No timing is asserted anywhere: these are measurements.

    python benchmarks/run.py [--quick] [--only W2,W4]
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

THREADS = "2"
for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, THREADS)

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(HERE))


# The workloads also timed as a captured step (``neuronet.compile``), in a column of their own.
CAPTURED = {"W1", "W2", "W3", "W4"}


def _have_torch() -> bool:
    try:
        import torch  # noqa: F401, PLC0415
    except ImportError:
        return False
    return True


def time_steps(steps: dict, rounds: int, per_round: int, warmup: int = 5) -> dict:
    """Interleaved timing: {name: [seconds per step, ...]}."""
    for fn in steps.values():
        for _ in range(warmup):
            fn()
    times = {name: [] for name in steps}
    for _ in range(rounds):
        for name, fn in steps.items():
            for _ in range(per_round):
                t0 = time.perf_counter()
                fn()
                times[name].append(time.perf_counter() - t0)
    return times


def one_workload(name: str, rounds: int) -> dict:
    from workloads import WORKLOADS  # noqa: PLC0415

    import neuronet  # noqa: PLC0415

    build_framework, build_numpy = WORKLOADS[name]
    neuronet.manual_seed(0)
    steps = {"neuronet": build_framework(neuronet)}
    if name.split("-")[0] in CAPTURED:  # the same step through neuronet.compile, beside it
        neuronet.manual_seed(0)
        steps["captured"] = neuronet.compile(build_framework(neuronet))
    if build_numpy is not None:  # (the larger models have no hand-written NumPy version)
        steps["numpy"] = build_numpy()
    if _have_torch():
        import torch  # noqa: PLC0415

        torch.set_num_threads(int(THREADS))
        torch.manual_seed(0)
        steps["pytorch"] = build_framework(torch)
    from jax_workloads import JAX_WORKLOADS  # noqa: PLC0415

    if name in JAX_WORKLOADS:
        steps["jax"] = JAX_WORKLOADS[name]()
    per_round = 20
    times = time_steps(steps, rounds, per_round)
    out = {impl: {"median_us": statistics.median(t) * 1e6, "min_us": min(t) * 1e6,
                  "max_us": max(t) * 1e6, "steps": len(t)} for impl, t in times.items()}
    if "captured" in steps:  # (a step that fell back to eager says so in the table)
        out["captured"]["replaying"] = steps["captured"].replaying
        out["captured"]["reasons"] = steps["captured"].reasons
    return out


def _subprocess_json(args: list[str]) -> dict:
    out = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True,
                         check=True, env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
    return json.loads(out.stdout.strip().splitlines()[-1])


def import_time(module: str) -> float:
    code = f"import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
    runs = []
    for _ in range(5):
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             check=True, env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
        runs.append(float(out.stdout))
    return statistics.median(runs)


def peak_memory(framework: str) -> dict:
    return _subprocess_json(["--memory", framework])


def _peak_rss_mb() -> float:
    """This process's peak resident memory (VmHWM: unlike ru_maxrss, not inherited through
    fork from the parent that started us)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    import resource  # noqa: PLC0415

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _memory_child(framework: str) -> None:
    from workloads import w2_framework  # noqa: PLC0415

    if framework == "pytorch":
        import torch as m  # noqa: PLC0415

        m.set_num_threads(int(THREADS))
    else:
        import neuronet as m  # noqa: PLC0415
    step = w2_framework(m)
    for _ in range(200):
        step()
    print(json.dumps({"peak_rss_mb": _peak_rss_mb()}))


def per_op_overhead(n: int = 20000) -> dict:
    """Forward + backward of a tiny op (a 1-element multiply), per op."""
    import numpy as np  # noqa: PLC0415

    import neuronet  # noqa: PLC0415

    out = {}
    frameworks = [("neuronet", neuronet)]
    if _have_torch():
        import torch  # noqa: PLC0415

        frameworks.append(("pytorch", torch))
    for name, m in frameworks:
        x = m.tensor(np.ones(1, np.float32), requires_grad=True)
        samples = []
        for _ in range(5):
            t0 = time.perf_counter()
            for _ in range(n // 5):
                (x * 2.0).sum().backward()
            samples.append((time.perf_counter() - t0) / (n // 5) / 2 * 1e6)
        out[name] = statistics.median(samples)
    return out


def inference_latency() -> dict:
    """Batch-1 forward of the W2 network in eval mode without recording."""
    import numpy as np  # noqa: PLC0415

    import neuronet  # noqa: PLC0415

    out = {}
    frameworks = [("neuronet", neuronet)]
    if _have_torch():
        import torch  # noqa: PLC0415

        frameworks.append(("pytorch", torch))
    x = np.random.default_rng(0).standard_normal((1, 784)).astype(np.float32)
    for name, m in frameworks:
        nn = m.nn
        model = nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 256), nn.ReLU(),
                              nn.Linear(256, 10)).eval()
        t = m.tensor(x)
        with m.no_grad():
            times = time_steps({name: lambda: model(t)}, 10, 100)[name]
        out[name] = statistics.median(times) * 1e6
    return out


def mnist_epoch() -> dict:
    """Seconds of one training epoch of the default `neuronet train` model on MNIST."""
    from neuronet.tasks import get_task  # noqa: PLC0415
    from neuronet.tasks.config import make_config  # noqa: PLC0415
    from neuronet.training.builders import build_optimizer  # noqa: PLC0415
    from neuronet.training.trainer import Trainer  # noqa: PLC0415

    cfg = make_config({"epochs": 1}).validate()
    setup = get_task(cfg.task).prepare(cfg)
    trainer = Trainer(setup.model, setup.loss_fn, build_optimizer(cfg, setup.model.parameters()))
    t0 = time.perf_counter()
    trainer.fit(setup.train_loader, None, 1)
    return {"neuronet_s": time.perf_counter() - t0, "batches": len(setup.train_loader)}


def markdown(results: dict) -> str:
    rows = ["| workload | neuronet | PyTorch CPU | JAX (jit) | hand-written NumPy | "
            "neuronet / PyTorch | neuronet / JAX | neuronet / NumPy |",
            "|---|---|---|---|---|---|---|---|"]
    for name, r in results["workloads"].items():
        ours = r["neuronet"]["median_us"]
        peers = [r.get(impl, {}).get("median_us") for impl in ("pytorch", "jax", "numpy")]
        times = [f"{us:,.0f} us" if us else "n/a" for us in peers]
        ratios = [f"{ours / us:.2f}" if us else "n/a" for us in peers]
        rows.append(f"| {name} | {ours:,.0f} us | " + " | ".join(times + ratios) + " |")
    rows += ["", "| workload | neuronet (captured) | neuronet (eager) | captured / PyTorch | "
             "captured / JAX | captured / NumPy |", "|---|---|---|---|---|---|"]
    for name, r in results["workloads"].items():
        cap = r.get("captured")
        if cap is None:
            continue
        ours = cap["median_us"]
        peers = [r.get(impl, {}).get("median_us") for impl in ("pytorch", "jax", "numpy")]
        ratios = [f"{ours / us:.2f}" if us else "n/a" for us in peers]
        note = "" if cap.get("replaying") else " (ran eagerly)"
        rows.append(f"| {name} | {ours:,.0f} us{note} | {r['neuronet']['median_us']:,.0f} us | "
                    + " | ".join(ratios) + " |")
    extra = results["other"]
    rows += ["", "| measure | neuronet | PyTorch |", "|---|---|---|"]
    imp = extra["import_s"]
    rows.append(f"| import time | {imp['neuronet']:.3f} s | {imp.get('torch', float('nan')):.3f} s |")
    mem = extra.get("peak_rss_mb", {})
    if mem:
        rows.append(f"| peak RSS, 200 W2 steps | {mem['neuronet']:.0f} MB | "
                    f"{mem.get('pytorch', float('nan')):.0f} MB |")
    lat = extra.get("inference_us", {})
    if lat:
        rows.append(f"| batch-1 inference (W2 net) | {lat['neuronet']:.0f} us | "
                    f"{lat.get('pytorch', float('nan')):.0f} us |")
    ovh = extra.get("per_op_us", {})
    if ovh:
        rows.append(f"| per-op overhead (fwd + bwd of a tiny op) | {ovh['neuronet']:.1f} us | "
                    f"{ovh.get('pytorch', float('nan')):.1f} us |")
    if "mnist_epoch" in extra:
        rows.append(f"| one MNIST epoch (default model) | {extra['mnist_epoch']['neuronet_s']:.1f}"
                    f" s | |")
    return "\n".join(rows)


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--one")
    p.add_argument("--memory")
    p.add_argument("--rounds", type=int, default=10)
    p.add_argument("--quick", action="store_true", help="fewer rounds, no MNIST epoch")
    p.add_argument("--only", help="comma-separated workload names")
    args = p.parse_args()
    if args.one:
        print(json.dumps(one_workload(args.one, args.rounds)))
        return
    if args.memory:
        _memory_child(args.memory)
        return
    from workloads import WORKLOADS  # noqa: PLC0415

    rounds = 3 if args.quick else args.rounds
    names = args.only.split(",") if args.only else list(WORKLOADS)
    results = {"machine": {"python": platform.python_version(), "cpu": platform.processor() or
                           platform.machine(), "threads": THREADS}, "workloads": {}}
    for name in names:
        r = _subprocess_json(["--one", name, "--rounds", str(rounds)])
        results["workloads"][name] = r
        line = "  ".join(f"{impl} {v['median_us']:9,.0f} us" for impl, v in r.items())
        print(f"{name:9} {line}", flush=True)
    other: dict = {"import_s": {"neuronet": import_time("neuronet"), "numpy": import_time("numpy")}}
    if _have_torch():
        other["import_s"]["torch"] = import_time("torch")
        other["peak_rss_mb"] = {"neuronet": peak_memory("neuronet")["peak_rss_mb"],
                                "pytorch": peak_memory("pytorch")["peak_rss_mb"]}
    else:
        other["peak_rss_mb"] = {"neuronet": peak_memory("neuronet")["peak_rss_mb"]}
    other["inference_us"] = inference_latency()
    other["per_op_us"] = per_op_overhead()
    if not args.quick:
        other["mnist_epoch"] = mnist_epoch()
    results["other"] = other
    table = markdown(results)
    print()
    print(table)
    out = HERE / "results"
    out.mkdir(exist_ok=True)
    (out / "latest.json").write_text(json.dumps(results, indent=1))
    readme = HERE / "README.md"
    if readme.is_file():
        text = readme.read_text()
        start, end = "<!-- results -->", "<!-- /results -->"
        if start in text and end in text:
            head, rest = text.split(start, 1)
            readme.write_text(head + start + "\n" + table + "\n" + end + rest.split(end, 1)[1])


if __name__ == "__main__":
    main()
