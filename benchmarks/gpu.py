"""GPU benchmarks: neuronet on CuPy against PyTorch CUDA, side by side in one process.

    python benchmarks/gpu.py OUT_DIR

W2 (784-512-256-10 ReLU, Adagrad) at batch 4096, a 4096-wide 4-layer MLP at batch 4096 (SGD),
each also with neuronet's fused kernels turned off (the plain path: what the kernels save), and
one MNIST epoch of the default model on the GPU and on the CPU. Writes OUT_DIR/gpu.json and
prints a markdown table.
"""
from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent / "src"), str(HERE)]


def _mlp_step(m, sizes, batch, optimizer, device, sync):
    nn = m.nn
    layers = []
    for i in range(len(sizes) - 1):
        layers.append(nn.Linear(sizes[i], sizes[i + 1]))
        if i < len(sizes) - 2:
            layers.append(nn.ReLU())
    model = nn.Sequential(*layers).to(device)
    rng = np.random.default_rng(0)
    x = m.tensor(rng.standard_normal((batch, sizes[0])).astype(np.float32)).to(device)
    y = m.tensor(rng.integers(0, sizes[-1], batch)).to(device)
    opt = optimizer(m, model.parameters())
    loss_fn = nn.CrossEntropyLoss()

    def step():
        opt.zero_grad()
        loss_fn(model(x), y).backward()
        opt.step()
        sync()
    return step


def _time(step, n=30, warmup=5):
    for _ in range(warmup):
        step()
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        step()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1e6


def main(out_dir: str) -> None:
    import torch

    import neuronet

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    sync_nt, sync_t = neuronet.cuda.synchronize, torch.cuda.synchronize
    workloads = {
        "W2 batch 4096": ([784, 512, 256, 10], lambda m, p: m.optim.Adagrad(p, lr=0.01)),
        "MLP 4096x4 batch 4096": ([4096, 4096, 4096, 4096, 10],
                                  lambda m, p: m.optim.SGD(p, lr=0.01)),
    }
    results = {"gpu": torch.cuda.get_device_name(0), "workloads": {}}
    for name, (sizes, opt) in workloads.items():
        ours = _time(_mlp_step(neuronet, sizes, 4096, opt, "cuda", sync_nt))
        with neuronet.kernels.disabled():
            plain = _time(_mlp_step(neuronet, sizes, 4096, opt, "cuda", sync_nt))
        theirs = _time(_mlp_step(torch, sizes, 4096, opt, "cuda", sync_t))
        results["workloads"][name] = {"neuronet_us": ours, "neuronet_plain_us": plain,
                                      "pytorch_us": theirs, "ratio": ours / theirs}
    from neuronet.tasks import get_task
    from neuronet.tasks.config import make_config
    from neuronet.training.builders import build_optimizer
    from neuronet.training.trainer import Trainer

    for device in ("cuda", "cpu"):
        cfg = make_config({"epochs": 1, "device": device}).validate()
        setup = get_task(cfg.task).prepare(cfg)
        opt = build_optimizer(cfg, setup.model.parameters())
        trainer = Trainer(setup.model, setup.loss_fn, opt,
                          device=None if device == "cpu" else device)
        t0 = time.perf_counter()
        trainer.fit(setup.train_loader, None, 1)
        sync_nt()
        results[f"mnist_epoch_{device}_s"] = time.perf_counter() - t0
    (out / "gpu.json").write_text(json.dumps(results, indent=1))
    print(f"GPU: {results['gpu']}")
    print("| workload | neuronet (CuPy) | without fused kernels | PyTorch CUDA | ratio |\n"
          "|---|---|---|---|---|")
    for name, r in results["workloads"].items():
        print(f"| {name} | {r['neuronet_us']:,.0f} us | {r['neuronet_plain_us']:,.0f} us | "
              f"{r['pytorch_us']:,.0f} us | {r['ratio']:.2f} |")
    print(f"| one MNIST epoch | GPU {results['mnist_epoch_cuda_s']:.2f} s | | CPU "
          f"{results['mnist_epoch_cpu_s']:.2f} s | |")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "gpu-results")
