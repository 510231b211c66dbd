"""A small deterministic training job on generated data (used in-process and as a script).

    python -m tests.training.synthetic RUN_DIR EPOCHS [--resume [--lr LR]] [--marker FILE]

With --marker, the process writes FILE in the middle of epoch 3 and then waits, so a test
can kill it there; --lr with --resume continues at learning rate LR.
"""
import argparse
import sys
import time
from pathlib import Path

import numpy as np

import neuronet as nt
from neuronet import nn, optim
from neuronet.data import DataLoader, TensorDataset
from neuronet.training import Callback, Trainer


def make_job(run_dir, lr=0.05):
    nt.manual_seed(0)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((240, 6)).astype(np.float32)
    y = (x[:, 0] + x[:, 1] * x[:, 2] > 0).astype(np.int64)
    train = DataLoader(TensorDataset(nt.tensor(x[:200]), nt.tensor(y[:200])), batch_size=16,
                       shuffle=True)
    val = DataLoader(TensorDataset(nt.tensor(x[200:]), nt.tensor(y[200:])), batch_size=40)
    model = nn.Sequential(nn.Linear(6, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Dropout(0.2),
                          nn.Linear(16, 2))
    opt = optim.Adam(model.parameters(), lr=lr)
    sched = optim.lr_scheduler.ReduceLROnPlateau(opt, mode="max", factor=0.5, patience=0)
    trainer = Trainer(model, nn.functional.cross_entropy, opt, sched, run_dir=run_dir)
    return trainer, train, val


class _Marker(Callback):
    def __init__(self, path):
        self.path = Path(path)

    def on_batch_end(self, trainer, batch, loss, size):
        if len(trainer.history) == 2 and batch == 5:
            self.path.write_text("mid-epoch 3")
            time.sleep(60)


def weights(trainer):
    return {k: v.numpy().copy() for k, v in trainer.model.state_dict().items()}


def main(argv):
    p = argparse.ArgumentParser()
    p.add_argument("run_dir")
    p.add_argument("epochs", type=int)
    p.add_argument("--resume", action="store_true")
    p.add_argument("--marker")
    p.add_argument("--lr", type=float)
    args = p.parse_args(argv)
    trainer, train, val = make_job(args.run_dir)
    if args.marker:
        trainer.callbacks.append(_Marker(args.marker))
    trainer.fit(train, val, args.epochs, resume=args.resume, lr=args.lr)
    np.savez(Path(args.run_dir) / "final.npz", **weights(trainer))


if __name__ == "__main__":
    main(sys.argv[1:])
