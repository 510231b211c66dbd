"""Learning-rate schedulers as PyTorch scripts use them, written for PyTorch: run it with
``python schedulers.py`` (PyTorch) or ``neuronet run schedulers.py``.

A small regression model trained with warm-up then cosine decay (SequentialLR), a cyclic rate
with Adam's beta1 cycled (CyclicLR), warm restarts stepped at fractional epochs, chained
schedules, a checkpoint resumed through state_dict, 1cycle and plateau halving. Data and
initial weights come from a seeded NumPy generator; every line not starting with '#' is a
result the two runs must agree on.
"""

import copy

import numpy as np
import torch
import torch.nn as nn
from torch.optim.lr_scheduler import (
    ChainedScheduler,
    ConstantLR,
    CosineAnnealingLR,
    CosineAnnealingWarmRestarts,
    CyclicLR,
    ExponentialLR,
    LinearLR,
    OneCycleLR,
    PolynomialLR,
    ReduceLROnPlateau,
    SequentialLR,
    StepLR,
)

rng = np.random.default_rng(7)
X = torch.from_numpy(rng.standard_normal((64, 4)).astype(np.float32))
true_w = rng.standard_normal((4, 1)).astype(np.float32)
Y = X @ torch.from_numpy(true_w) + 0.1 * torch.from_numpy(
    rng.standard_normal((64, 1)).astype(np.float32)
)
W0 = (0.3 * rng.standard_normal((1, 4))).astype(np.float32)


def model():
    net = nn.Sequential(nn.Linear(4, 1))
    with torch.no_grad():
        net[0].weight.copy_(torch.from_numpy(W0))
        net[0].bias.zero_()
    return net


def train_step(net, optimizer, batch):
    xb, yb = X[batch * 16 : (batch + 1) * 16], Y[batch * 16 : (batch + 1) * 16]
    optimizer.zero_grad()
    loss = nn.functional.mse_loss(net(xb), yb)
    loss.backward()
    optimizer.step()
    return loss.item()


def show(name, values):
    print(name, " ".join(f"{v:.9g}" for v in values))


def groups(net):
    return [{"params": [net[0].weight]}, {"params": [net[0].bias], "lr": 0.05}]


# Warm-up then cosine decay, stepped once per epoch
net = model()
optimizer = torch.optim.SGD(groups(net), lr=0.1, momentum=0.9)
warmup = LinearLR(optimizer, start_factor=0.1, total_iters=3)
decay = CosineAnnealingLR(optimizer, T_max=9, eta_min=0.001)
scheduler = SequentialLR(optimizer, schedulers=[warmup, decay], milestones=[3])
for epoch in range(12):
    losses = [train_step(net, optimizer, b) for b in range(4)]
    scheduler.step()
    show(f"sequential epoch {epoch} loss {np.mean(losses):.6f} lr", scheduler.get_last_lr())

# A cyclic rate per batch with Adam: beta1 moves against the lr
net = model()
optimizer = torch.optim.Adam(groups(net), lr=0.01)
scheduler = CyclicLR(optimizer, base_lr=0.001, max_lr=[0.05, 0.02], step_size_up=3,
                     mode="triangular2")
for step in range(16):
    loss = train_step(net, optimizer, step % 4)
    scheduler.step()
    betas = [group["betas"][0] for group in optimizer.param_groups]
    show(f"cyclic step {step} loss {loss:.6f} lr", scheduler.get_last_lr() + betas)

# Warm restarts stepped at fractional epochs (epoch + batch / batches)
net = model()
optimizer = torch.optim.SGD(groups(net), lr=0.1)
scheduler = CosineAnnealingWarmRestarts(optimizer, T_0=2, T_mult=2, eta_min=1e-4)
for epoch in range(6):
    for batch in range(4):
        train_step(net, optimizer, batch)
        scheduler.step(epoch + batch / 4)
    show(f"restarts epoch {epoch} T_i {scheduler.T_i} lr", scheduler.get_last_lr())

# Schedules chained on one optimizer, and a checkpoint resumed from state_dict
net = model()
optimizer = torch.optim.SGD(groups(net), lr=0.1, momentum=0.5)
scheduler = ChainedScheduler([ConstantLR(optimizer, factor=0.5, total_iters=2),
                              ExponentialLR(optimizer, gamma=0.9),
                              StepLR(optimizer, step_size=4, gamma=0.5)])
for epoch in range(5):
    train_step(net, optimizer, epoch % 4)
    scheduler.step()
checkpoint = copy.deepcopy({"model": net.state_dict(), "optimizer": optimizer.state_dict(),
                            "scheduler": scheduler.state_dict()})  # (PyTorch's share memory)
resumed = model()
resumed_opt = torch.optim.SGD(groups(resumed), lr=0.1, momentum=0.5)
resumed_sched = ChainedScheduler([ConstantLR(resumed_opt, factor=0.5, total_iters=2),
                                  ExponentialLR(resumed_opt, gamma=0.9),
                                  StepLR(resumed_opt, step_size=4, gamma=0.5)])
resumed.load_state_dict(checkpoint["model"])
resumed_opt.load_state_dict(checkpoint["optimizer"])
resumed_sched.load_state_dict(checkpoint["scheduler"])
for epoch in range(5, 10):
    a = train_step(net, optimizer, epoch % 4)
    scheduler.step()
    b = train_step(resumed, resumed_opt, epoch % 4)
    resumed_sched.step()
    show(f"chained epoch {epoch} same {a == b} lr", scheduler.get_last_lr())
    show(f"resumed epoch {epoch} lr", resumed_sched.get_last_lr())

# Polynomial decay and 1cycle per batch; the momentum of SGD follows 1cycle
net = model()
optimizer = torch.optim.SGD(groups(net), lr=0.1, momentum=0.9)
poly = PolynomialLR(optimizer, total_iters=6, power=2.0)
for step in range(8):
    train_step(net, optimizer, step % 4)
    poly.step()
show("polynomial lr", poly.get_last_lr())
optimizer = torch.optim.SGD(groups(net), lr=0.1, momentum=0.9)
scheduler = OneCycleLR(optimizer, max_lr=[0.2, 0.1], epochs=3, steps_per_epoch=4)
for step in range(12):
    train_step(net, optimizer, step % 4)
    scheduler.step()
    show(f"onecycle step {step} lr", scheduler.get_last_lr() + [optimizer.param_groups[0]["momentum"]])

# Halve the rate when the validation loss stops improving
optimizer = torch.optim.SGD(groups(model()), lr=0.1)
plateau = ReduceLROnPlateau(optimizer, factor=0.5, patience=1)
for epoch, val_loss in enumerate([1.0, 0.8, 0.81, 0.82, 0.7, 0.7, 0.71, 0.69]):
    plateau.step(val_loss)
    show(f"plateau epoch {epoch} bad {plateau.num_bad_epochs} lr", plateau.get_last_lr())
print("plateau is an LRScheduler", isinstance(plateau, torch.optim.lr_scheduler.LRScheduler))
