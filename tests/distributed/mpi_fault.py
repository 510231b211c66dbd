"""Run as 2 ranks: DDP training steps in which rank 1 fails at step 3, in the way the first
argument names ("kill": SIGKILL to itself, "raise": a ValueError nothing catches); rank 0 goes
on with its steps (and would wait forever without the fault rules)."""

import os
import signal
import sys

import neuronet as nt
import neuronet.distributed as dist
from neuronet import nn
from neuronet.nn.parallel import DistributedDataParallel

how = sys.argv[1]
rank, world, _ = dist.init()
nt.manual_seed(0)
model = DistributedDataParallel(nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 2)))
opt = nt.optim.SGD(model.parameters(), lr=0.1)
for step in range(1000):
    if rank == 1 and step == 3:
        if how == "kill":
            os.kill(os.getpid(), signal.SIGKILL)
        elif how == "raise":
            raise ValueError("the batch of step 3 is corrupt")
    opt.zero_grad()
    model(nt.randn(4, 8)).sum().backward()
    opt.step()
