"""dtype objects, Size, formatted losses and backend flags, written as a PyTorch script."""

import numpy as np
import torch
import torch.nn as nn


def name(dtype):
    return str(dtype).split(".")[-1]


torch.backends.cudnn.benchmark = True
torch.backends.cudnn.deterministic = True
torch.backends.cuda.matmul.allow_tf32 = False
torch.set_float32_matmul_precision("high")
torch.use_deterministic_algorithms(False)
print("flags", torch.backends.cudnn.benchmark, torch.backends.cudnn.deterministic,
      torch.backends.cudnn.enabled, torch.backends.cuda.matmul.allow_tf32,
      torch.get_float32_matmul_precision(), torch.backends.mps.is_available(),
      torch.are_deterministic_algorithms_enabled())

x = torch.zeros(64, 1, 28, 28)
print("size", list(x.shape), list(x.size()), x.size(1), x.shape.numel(), list(x.shape[1:]))
print("dtype", name(x.dtype), x.dtype == torch.float32, x.dtype == torch.float, x.dtype.is_floating_point,
      x.dtype.itemsize, name(torch.get_default_dtype()))
for d in (torch.float16, torch.half, torch.float64, torch.int64, torch.long, torch.int32, torch.uint8,
          torch.bool, torch.complex64):
    print("props", name(d), d.is_floating_point, d.is_complex, d.is_signed, d.itemsize,
          name(d.to_real()))
print("cast", name(x.long().dtype), name(x.to(torch.float64).dtype), name(x.half().dtype),
      name(torch.ones(2, dtype=torch.int32).dtype))
print("finfo", torch.finfo(torch.float32).eps, torch.finfo(torch.float16).max, torch.iinfo(torch.int8).min)

rng = np.random.default_rng(0)
data = torch.tensor(rng.normal(size=(16, 4)).astype(np.float32))
target = torch.tensor(rng.normal(size=(16, 1)).astype(np.float32))
model = torch.compile(nn.Linear(4, 1))
with torch.no_grad():
    model.weight.copy_(torch.tensor(rng.normal(size=(1, 4)).astype(np.float32)))
    model.bias.zero_()
opt = torch.optim.SGD(model.parameters(), lr=0.1)
for step in range(3):
    loss = nn.functional.mse_loss(model(data), target)
    opt.zero_grad()
    loss.backward()
    opt.step()
    print(f"step {step} loss {loss:.4f} item {loss.item():.3f}")
