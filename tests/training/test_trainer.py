"""The Trainer: learning, history, checkpoints, exact resumption after SIGKILL, divergence."""
import json
import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from neuronet.serialization import CheckpointError, load_file
from neuronet.training import TrainingDiverged, load_checkpoint

from .synthetic import make_job, weights

ROOT = Path(__file__).resolve().parents[2]


def test_fit_learns_and_writes_the_run_folder(tmp_path):
    trainer, train, val = make_job(tmp_path)
    history = trainer.fit(train, val, epochs=6)
    assert [h["epoch"] for h in history] == [1, 2, 3, 4, 5, 6]
    assert history[-1]["loss"] < history[0]["loss"]
    assert history[-1]["val_accuracy"] > 0.8
    assert {"loss", "accuracy", "val_loss", "val_accuracy", "lr", "seconds"} <= set(history[0])
    assert (tmp_path / "checkpoints" / "last.safetensors").is_file()
    assert (tmp_path / "checkpoints" / "best.safetensors").is_file()
    assert json.loads((tmp_path / "history.json").read_text()) == history
    assert (tmp_path / "history.csv").read_text().splitlines()[0].startswith("epoch,loss")
    assert (tmp_path / "loss.png").read_bytes()[:4] == b"\x89PNG"
    assert trainer.best == max(h["val_accuracy"] for h in history)


def test_resume_in_process_equals_uninterrupted(tmp_path):
    straight, train, val = make_job(tmp_path / "a")
    straight.fit(train, val, epochs=5)
    first, train, val = make_job(tmp_path / "b")
    first.fit(train, val, epochs=2)
    second, train, val = make_job(tmp_path / "b")
    second.fit(train, val, epochs=5, resume=True)
    def timeless(history):
        return [{k: v for k, v in h.items() if k != "seconds"} for h in history]
    assert timeless(second.history) == timeless(straight.history)
    for k, v in weights(straight).items():
        np.testing.assert_array_equal(weights(second)[k], v)


def _script(*args):
    return [sys.executable, "-m", "tests.training.synthetic", *map(str, args)]


ENV = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)])}


def _kill_in_epoch_3(run_dir, epochs, marker):
    """Run the synthetic job in a process and SIGKILL it in the middle of epoch 3."""
    proc = subprocess.Popen(_script(run_dir, epochs, "--marker", marker), cwd=ROOT, env=ENV)
    deadline = time.time() + 60
    while not marker.exists() and time.time() < deadline and proc.poll() is None:
        time.sleep(0.05)
    assert marker.exists(), "the training process never reached the middle of epoch 3"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)


def test_sigkill_mid_epoch_then_resume_is_bit_identical(tmp_path):
    env = ENV
    subprocess.run(_script(tmp_path / "straight", 5), cwd=ROOT, env=env, check=True, timeout=120)
    _kill_in_epoch_3(tmp_path / "killed", 5, tmp_path / "marker")
    extra = load_checkpoint(tmp_path / "killed" / "checkpoints" / "last.safetensors",
                            make_job(None)[0].model)
    assert extra["epoch"] == 2  # the checkpoint of the last finished epoch survived the kill
    subprocess.run(_script(tmp_path / "killed", 5, "--resume"), cwd=ROOT, env=env, check=True,
                   timeout=120)
    a = np.load(tmp_path / "straight" / "final.npz")
    b = np.load(tmp_path / "killed" / "final.npz")
    assert sorted(a.files) == sorted(b.files)
    for k in a.files:
        np.testing.assert_array_equal(a[k], b[k])


def test_sigkill_then_resume_with_a_new_lr_equals_resuming_with_it_unkilled(tmp_path):
    straight, train, val = make_job(tmp_path / "straight")
    straight.fit(train, val, epochs=2)
    straight, train, val = make_job(tmp_path / "straight")
    straight.fit(train, val, epochs=4, resume=True, lr=0.01)
    assert [h["lr"] for h in straight.history][2] == 0.01
    _kill_in_epoch_3(tmp_path / "killed", 4, tmp_path / "marker")
    subprocess.run(_script(tmp_path / "killed", 4, "--resume", "--lr", 0.01), cwd=ROOT, env=ENV,
                   check=True, timeout=120)
    b = np.load(tmp_path / "killed" / "final.npz")
    for k, v in weights(straight).items():
        np.testing.assert_array_equal(b[k], v)


def test_nan_loss_stops_with_a_clear_error_and_keeps_the_last_checkpoint(tmp_path):
    trainer, train, val = make_job(tmp_path)
    trainer.fit(train, val, epochs=1)
    before = (tmp_path / "checkpoints" / "last.safetensors").read_bytes()
    loss_fn = trainer.loss_fn
    trainer.loss_fn = lambda out, y: loss_fn(out, y) * math.nan
    with pytest.raises(TrainingDiverged, match="the loss became nan at epoch 2, batch 0"):
        trainer.fit(train, val, epochs=2, resume=True)
    assert (tmp_path / "checkpoints" / "last.safetensors").read_bytes() == before


def test_truncated_checkpoint_gives_a_clear_error_while_the_previous_survives(tmp_path):
    trainer, train, val = make_job(tmp_path)
    trainer.fit(train, val, epochs=2)
    best = tmp_path / "checkpoints" / "best.safetensors"
    last = tmp_path / "checkpoints" / "last.safetensors"
    raw = last.read_bytes()
    last.write_bytes(raw[: len(raw) // 2])
    fresh, train, val = make_job(tmp_path)
    with pytest.raises(CheckpointError, match="last.safetensors.*truncated or corrupted"):
        fresh.fit(train, val, epochs=3, resume=True)
    assert load_file(best)[0]  # the previous good checkpoint is still readable
