"""Saving and resuming training as PyTorch scripts do, written for PyTorch: run it with
``python checkpoint.py`` (PyTorch) or ``neuronet run checkpoint.py``.

A small model trains 3 steps with Adam (two parameter groups), ``torch.save`` writes a dict of
the model's and the optimizer's state, the iteration and a config into a temporary folder,
``torch.load`` reads it into fresh objects, and both the fresh and the original objects go on
for 2 steps: their losses must agree with each other and, line by line, with PyTorch's. Data
and initial weights come from a seeded NumPy generator; lines starting with '#' are not results.
"""

import io
import os
import tempfile

import numpy as np
import torch
import torch.nn as nn

rng = np.random.default_rng(7)
X = torch.from_numpy(rng.standard_normal((12, 4)).astype(np.float32))
y = torch.from_numpy(rng.integers(0, 3, 12))
START = [rng.standard_normal(shape).astype(np.float32) * 0.4 for shape in
         ((6, 4), (6,), (6,), (3, 6), (3,))]


def make_model():
    # no bias before the batch norm: its gradient would be rounding noise, which Adam scales up
    model = nn.Sequential(nn.Linear(4, 6, bias=False), nn.BatchNorm1d(6), nn.Tanh(),
                          nn.Linear(6, 3))
    with torch.no_grad():
        for param, value in zip(model.parameters(), START):
            param.copy_(torch.from_numpy(value))
    return model


def make_optimizer(model):
    weights = [p for name, p in model.named_parameters() if name.endswith("weight")]
    biases = [p for name, p in model.named_parameters() if name.endswith("bias")]
    return torch.optim.Adam([{"params": weights, "weight_decay": 0.01},
                             {"params": biases, "lr": 0.05, "betas": (0.8, 0.99)}], lr=0.02)


def step(model, optimizer, loss_fn):
    model.train()
    optimizer.zero_grad()
    loss = loss_fn(model(X), y)
    loss.backward()
    optimizer.step()
    return loss.item()


print(f"# torch {torch.__version__}")
loss_fn = nn.CrossEntropyLoss()
model = make_model()
optimizer = make_optimizer(model)
for i in range(3):
    print(f"step {i} loss {step(model, optimizer, loss_fn):.7f}")

with tempfile.TemporaryDirectory() as folder:
    path = os.path.join(folder, "checkpoint.pt")
    config = {"hidden": 6, "lrs": [0.02, 0.05], "name": "tiny", "batch_norm": True}
    torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(),
                "iteration": 3, "config": config}, path)
    print("saved", os.path.isfile(path), sorted(os.listdir(folder)))
    checkpoint = torch.load(path, map_location="cpu")

print("keys", *sorted(checkpoint))
print("iteration", checkpoint["iteration"], type(checkpoint["iteration"]).__name__)
print("config", *(f"{k}={checkpoint['config'][k]}" for k in sorted(checkpoint["config"])))
state = checkpoint["model"]
print("model keys", *state)
print("running mean", *(f"{v:.6f}" for v in state["1.running_mean"].tolist()))
print("batches tracked", state["1.num_batches_tracked"].item(),
      str(state["1.num_batches_tracked"].dtype).split(".")[-1])
saved = checkpoint["optimizer"]
print("groups", *(g["params"] for g in saved["param_groups"]))
print("group options", *(f"{g['lr']:g} {g['weight_decay']:g} {tuple(g['betas'])}"
                         for g in saved["param_groups"]))
print("state", *(f"{i}:{float(s['step']):g}" for i, s in sorted(saved["state"].items())))
print("exp_avg_sq sum", f"{sum(s['exp_avg_sq'].sum().item() for s in saved['state'].values()):.7e}")

fresh = make_model()
with torch.no_grad():
    for param in fresh.parameters():
        param.zero_()  # nothing of the fresh model's own start may survive the load
fresh.load_state_dict(checkpoint["model"])
fresh_optimizer = make_optimizer(fresh)
fresh_optimizer.load_state_dict(checkpoint["optimizer"])
print("restored lr", *(g["lr"] for g in fresh_optimizer.param_groups))
for i in range(checkpoint["iteration"], checkpoint["iteration"] + 2):
    resumed = step(fresh, fresh_optimizer, loss_fn)
    original = step(model, optimizer, loss_fn)
    print(f"step {i} loss {resumed:.7f} same {resumed == original}")
same = all(torch.equal(a, b) for a, b in zip(fresh.state_dict().values(),
                                             model.state_dict().values()))
print("weights equal", same)
fresh.eval()
with torch.no_grad():
    print("eval logits sum", f"{fresh(X).sum().item():.6f}")

# a file object instead of a path; what comes back is what went in
buffer = io.BytesIO()
weight = fresh[0].weight.detach().clone()
torch.save({"w": weight, "again": weight, "pair": (1, 2.5), "none": None, "flag": False,
            "grad": torch.ones(2, requires_grad=True), "state": fresh.state_dict()}, buffer)
print("buffer written", buffer.tell() > 0)
buffer.seek(0)
back = torch.load(buffer, weights_only=True)
print("types", *(f"{k}:{type(back[k]).__name__}" for k in sorted(back)))
print("state type", type(back["state"]).__name__, list(back["state"]) == list(fresh.state_dict()))
print("pair", *back["pair"], "none", back["none"], "flag", back["flag"])
print("one tensor", back["w"] is back["again"], torch.equal(back["w"], weight))
print("requires grad", back["grad"].requires_grad, back["w"].requires_grad)
