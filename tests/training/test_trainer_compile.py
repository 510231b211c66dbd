"""``Trainer(compile=True)`` and ``neuronet train --compile`` against the eager loop, bit for bit.

Each test trains the same job twice from one seed, once with ``compile=False`` (the reference)
and once with ``compile=True``, and compares the histories' losses and accuracies with ``==``
and every parameter, buffer and optimizer state with ``np.array_equal``. The compiled run must
actually replay (``trainer.compiled.replaying``), or fall back where it must.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

import neuronet as nt
from neuronet import nn, optim
from neuronet.cli import main
from neuronet.data import DataLoader, TensorDataset
from neuronet.serialization import load_file
from neuronet.training import Callback, Trainer, TrainingDiverged
from tests.data.idx_files import fake_mnist


def _data(n=100, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, 6)).astype(np.float32)
    y = (x[:, 0] + x[:, 1] * x[:, 2] > 0).astype(np.int64)
    return x, y


def _loader(x, y, batch_size=16, shuffle=True):
    return DataLoader(TensorDataset(nt.tensor(x), nt.tensor(y)), batch_size=batch_size,
                      shuffle=shuffle)


class _Losses(Callback):
    """The per-batch losses the Trainer hands its callbacks."""

    def __init__(self):
        self.losses = []

    def on_batch_end(self, trainer, batch, loss, size):
        self.losses.append((batch, loss, size))


def _job(compile, scheduler=None, grad_clip=None, lr=0.05):
    """A small MLP with batch normalisation and dropout, Adam, made from seed 0."""
    nt.manual_seed(0)
    model = nn.Sequential(nn.Linear(6, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Dropout(0.2),
                          nn.Linear(16, 2))
    opt = optim.Adam(model.parameters(), lr=lr)
    sched, interval = (None, "epoch") if scheduler is None else (scheduler(opt), "batch")
    losses = _Losses()
    trainer = Trainer(model, nn.functional.cross_entropy, opt, sched, interval,
                      callbacks=[losses], grad_clip=grad_clip, compile=compile)
    return trainer, losses


def _fit(compile, epochs=3, **job):
    x, y = _data()
    trainer, losses = _job(compile, **job)
    nt.manual_seed(1)  # (the loader's shuffles and the dropout masks: one stream for both runs)
    history = trainer.fit(_loader(x, y), _loader(*_data(40, seed=1), batch_size=40), epochs)
    return trainer, losses, history


def _without_times(history):
    return [{k: v for k, v in h.items() if k != "seconds"} for h in history]


def _assert_same_training(eager, compiled):
    (t1, c1, h1), (t2, c2, h2) = eager, compiled
    assert _without_times(h1) == _without_times(h2)
    assert c1.losses == c2.losses
    for (name, p), q in zip(t1.model.named_parameters(), t2.model.parameters()):
        assert np.array_equal(p.detach().numpy(), q.detach().numpy()), name
        assert np.array_equal(p.grad.numpy(), q.grad.numpy()), name
    for (name, b), c in zip(t1.model.named_buffers(), t2.model.buffers()):
        assert np.array_equal(b.numpy(), c.numpy()), name
    s1, s2 = t1.optimizer.state_dict(), t2.optimizer.state_dict()
    assert s1["param_groups"] == s2["param_groups"]
    for k, state in s1["state"].items():
        for name, v in state.items():
            w = s2["state"][k][name]
            assert np.array_equal(v.numpy(), w.numpy()) if isinstance(v, nt.Tensor) else v == w


def test_compile_trains_bit_identically_with_a_smaller_last_batch():
    eager, compiled = _fit(False), _fit(True)
    _assert_same_training(eager, compiled)
    # 100 samples in batches of 16: six full batches and a last one of 4, every epoch
    sizes = [size for _, _, size in compiled[1].losses]
    assert sizes == ([16] * 6 + [4]) * 3
    assert len(eager[2]) == 3 and eager[2][-1]["loss"] < eager[2][0]["loss"]
    step = compiled[0].compiled
    assert step.replaying and step.reasons == []
    assert len(step._programs) == 2  # one recording per batch size
    assert eager[0].compiled is None


def test_compile_with_clipping_and_a_scheduler_per_batch():
    def schedule(opt):
        return optim.lr_scheduler.StepLR(opt, step_size=3, gamma=0.7)

    eager = _fit(False, grad_clip=0.05, scheduler=schedule)
    compiled = _fit(True, grad_clip=0.05, scheduler=schedule)
    _assert_same_training(eager, compiled)
    assert compiled[2][-1]["lr"] == pytest.approx(0.05 * 0.7 ** (21 // 3))
    assert compiled[0].compiled.replaying and compiled[0].compiled.reasons == []


def test_a_nan_loss_on_a_replayed_shape_stops_as_the_eager_loop_does():
    x, y = _data()
    bad = x.copy()
    bad[40:48] = np.nan  # the third batch of an unshuffled epoch
    runs = []
    for compile in (False, True):
        trainer, _ = _job(compile)
        nt.manual_seed(1)
        trainer.fit(_loader(x, y), epochs=2)
        with pytest.raises(TrainingDiverged, match="the loss became nan at epoch 1, batch 2"):
            trainer.fit(_loader(bad, y, shuffle=False), epochs=1)
        runs.append(trainer)
    eager, compiled = runs
    assert compiled.compiled.replaying
    for p, q in zip(eager.model.parameters(), compiled.model.parameters()):
        assert np.array_equal(p.detach().numpy(), q.detach().numpy())
        assert p.grad is None and q.grad is None  # no backward ran on the diverged batch
    for b, c in zip(eager.model.buffers(), compiled.model.buffers()):
        assert np.array_equal(b.numpy(), c.numpy(), equal_nan=True)


def test_a_model_with_hooks_trains_eagerly_and_says_why():
    def build(compile):
        trainer, _ = _job(compile)
        trainer.model[0].register_forward_hook(lambda module, args, out: None)
        return trainer

    x, y = _data()
    histories = []
    for compile in (False, True):
        trainer = build(compile)
        nt.manual_seed(1)
        histories.append(_without_times(trainer.fit(_loader(x, y), epochs=2)))
    assert histories[0] == histories[1]
    assert not trainer.compiled.replaying
    assert trainer.compiled.reasons == ["Linear has hooks", "Linear has hooks"]


def test_compile_must_be_a_bool():
    model = nn.Linear(2, 2)
    with pytest.raises(TypeError, match="compile: expected True or False, got 'yes'"):
        Trainer(model, nn.functional.cross_entropy, optim.SGD(model.parameters(), lr=0.1),
                compile="yes")


# --------------------------------------------------------------------- the command line
@pytest.fixture
def mnist_env(tmp_path, monkeypatch):
    """A small MNIST-shaped data set in a private cache (250 training images after the 50
    held out: batches of 32 leave a last one of 26)."""
    fake_mnist(tmp_path / "data" / "mnist", n_train=300, n_test=60)
    monkeypatch.setenv("NEURONET_DATA", str(tmp_path / "data"))
    return tmp_path


def _train(root, name, *extra):
    return main(["train", "--quiet", "--epochs", "2", "--val-size", "50", "--hidden", "32",
                 "--batch-size", "32", "--run-dir", str(root / "runs"), "--name", name, *extra])


def test_train_with_compile_gives_the_eager_run(mnist_env, capsys):
    assert _train(mnist_env, "eager") == 0
    eager_out = capsys.readouterr().out
    assert _train(mnist_env, "compiled", "--compile") == 0
    out = capsys.readouterr().out
    assert "compile:" not in out  # every step shape replayed: no line saying otherwise
    assert "test: loss" in out and out.count("test: loss") == eager_out.count("test: loss")
    runs = mnist_env / "runs"
    histories = [json.loads((runs / n / "history.json").read_text()) for n in ("eager", "compiled")]
    assert len(histories[0]) == 2
    assert _without_times(histories[0]) == _without_times(histories[1])
    assert all(math.isfinite(h["loss"]) for h in histories[1])
    for which in ("last", "best"):
        (w1, _), (w2, _) = (load_file(runs / n / "checkpoints" / f"{which}.safetensors")
                            for n in ("eager", "compiled"))
        assert w1.keys() == w2.keys() and len(w1) > 4
        for key in w1:
            assert np.array_equal(w1[key], w2[key]), (which, key)
    config = json.loads((runs / "compiled" / "config.json").read_text())
    assert "compile" not in config  # how a run is executed, not what it trains


def test_train_with_compile_says_why_steps_ran_eagerly(mnist_env, capsys, monkeypatch):
    from neuronet.training import trainer as trainer_module

    step = trainer_module.forward_backward

    def reads_the_loss(model, loss_fn, x, y):
        loss, out = step(model, loss_fn, x, y)
        loss.item()  # a value read into Python: the recording cannot hold it
        return loss, out

    monkeypatch.setattr(trainer_module, "forward_backward", reads_the_loss)
    assert _train(mnist_env, "eager-steps", "--compile") == 0
    lines = capsys.readouterr().out.splitlines()
    assert "compile: some training steps ran eagerly (a value was read with item())" in lines


@pytest.mark.parametrize("args,message", [
    (["--device", "cuda"], "--compile: captured steps run on the CPU (NumPy arrays), not on "
                           "device 'cuda'; leave out --compile or use --device cpu"),
    (["--nproc", "2"], "--compile: a data-parallel step (2 processes) averages the gradients"),
])
def test_compile_where_no_step_could_replay_is_one_clear_line(mnist_env, capsys, args, message):
    assert _train(mnist_env, "refused", "--compile", *args) == 2
    err = capsys.readouterr().err
    assert err.startswith("neuronet: error: ") and message in err
    assert len(err.strip().splitlines()) == 1
    assert not (mnist_env / "runs" / "refused").exists()


def test_compile_takes_no_value(mnist_env, capsys):
    with pytest.raises(SystemExit) as info:
        _train(mnist_env, "refused", "--compile=yes")
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("neuronet: error: ") and "--compile" in err
    assert len(err.strip().splitlines()) == 1
