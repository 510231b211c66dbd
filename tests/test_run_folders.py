"""Run folders that nothing damages: --resume continues from the run's own config.json (options
given again apply, or are refused), one writer per folder (a lock a killed process does not
leave stuck), unique default names, no leftovers from interrupted writes or refused runs."""
import json
import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import neuronet.tasks.run as run_module
from neuronet.cli import main
from neuronet.serialization import load_file
from neuronet.training import read_checkpoint
from tests.test_cli import data_env  # noqa: F401 - the fixture

SMALL = ["--quiet", "--val-size", "50", "--batch-size", "32"]


@pytest.fixture
def env(data_env):
    """test_cli's small MNIST-shaped cache, and the test's folder."""
    return data_env


def _train(env, *extra):
    return main(["train", *SMALL, "--run-dir", str(env / "runs"), *extra])


def _weights(folder: Path) -> dict:
    return load_file(folder / "checkpoints" / "last.safetensors")[0]


def test_resume_reads_the_runs_own_settings(env, capsys):
    assert _train(env, "--name", "r", "--hidden", "16", "--epochs", "1", "--activation", "tanh") == 0
    run = env / "runs" / "r"
    assert _train(env, "--name", "r", "--resume", "--epochs", "2") == 0
    cfg = json.loads((run / "config.json").read_text())
    assert (cfg["hidden"], cfg["activation"], cfg["epochs"]) == ([16], "tanh", 2)
    assert [h["epoch"] for h in json.loads((run / "history.json").read_text())] == [1, 2]
    assert main(["evaluate", str(run)]) == 0


def test_a_lower_lr_on_resume_applies_is_recorded_and_resumes_exactly(env, capsys):
    """--lr on resume applies from the next epoch, is recorded, and a run resumed with it in
    two steps ends with the weights of one resumed in one step."""
    for name in ("a", "b"):
        assert _train(env, "--name", name, "--hidden", "16", "--epochs", "1",
                      "--scheduler", "none") == 0
    assert _train(env, "--name", "a", "--resume", "--epochs", "3", "--lr", "0.0001") == 0
    run = env / "runs" / "a"
    history = json.loads((run / "history.json").read_text())
    assert [h["lr"] for h in history] == [0.001, 0.0001, 0.0001]
    assert json.loads((run / "config.json").read_text())["lr"] == 0.0001
    assert json.loads((run / "resumes.json").read_text()) == [
        {"after_epoch": 1, "changed": {"lr": [0.001, 0.0001], "epochs": [1, 3]}}]
    assert json.loads((run / "summary.json").read_text())["files"]["resumes"] == "resumes.json"
    assert _train(env, "--name", "b", "--resume", "--epochs", "2", "--lr", "0.0001") == 0
    assert _train(env, "--name", "b", "--resume", "--epochs", "3") == 0
    a, b = _weights(env / "runs" / "a"), _weights(env / "runs" / "b")
    for key in a:
        np.testing.assert_array_equal(a[key], b[key])


def test_unique_default_names_within_one_second(env, capsys, monkeypatch):
    monkeypatch.setattr(run_module.time, "strftime", lambda fmt: "20260101-120000")
    for _ in range(2):
        assert _train(env, "--hidden", "8", "--epochs", "1") == 0
    assert sorted(p.name for p in (env / "runs").iterdir()) == [
        "mnist-20260101-120000", "mnist-20260101-120000-2"]


def _stopped_during_the_first_checkpoint(env) -> Path:
    """The folder a kill during the first checkpoint write leaves: settings, a temporary file
    of the checkpoint, no checkpoint."""
    from neuronet.tasks.config import make_config
    run = env / "runs" / "k"
    (run / "checkpoints").mkdir(parents=True)
    cfg = make_config({"hidden": [16], "epochs": 2, "val_size": 50, "batch_size": 32,
                       "run_dir": str(env / "runs"), "name": "k"})
    (run / "config.json").write_text(json.dumps(cfg.to_dict()))
    (run / "checkpoints" / ".last.safetensors.x1y2.tmp").write_bytes(bytes(1000))
    (run / ".config.json.a1b2.tmp").write_bytes(b"{")
    return run


def test_a_run_killed_during_its_first_checkpoint_write_resumes(env, capsys):
    run = _stopped_during_the_first_checkpoint(env)
    assert _train(env, "--name", "k", "--resume") == 0
    assert [h["epoch"] for h in json.loads((run / "history.json").read_text())] == [1, 2]
    assert not list(run.rglob("*.tmp"))
    assert json.loads((run / "config.json").read_text())["hidden"] == [16]


def test_a_run_killed_during_its_first_checkpoint_write_restarts(env, capsys):
    run = _stopped_during_the_first_checkpoint(env)
    assert _train(env, "--name", "k", "--hidden", "8", "--epochs", "1") == 0
    assert json.loads((run / "config.json").read_text())["hidden"] == [8]
    assert not list(run.rglob("*.tmp"))


def test_refused_runs_leave_no_folder(env, capsys):
    assert _train(env, "--name", "x", "--val-size", "5000") == 2
    assert not (env / "runs").exists()
    (env / "runs").mkdir()
    assert _train(env, "--val-size", "5000") == 2
    assert list((env / "runs").iterdir()) == []


def test_run_files_follow_the_umask(env, capsys):
    old = os.umask(0o027)
    try:
        assert _train(env, "--name", "u", "--hidden", "8", "--epochs", "1") == 0
    finally:
        os.umask(old)
    run = env / "runs" / "u"
    for rel in ("config.json", "history.json", "summary.json", "checkpoints/last.safetensors"):
        assert stat.S_IMODE((run / rel).stat().st_mode) == 0o640, rel
    (run / "history.json").chmod(0o664)
    assert _train(env, "--name", "u", "--resume", "--epochs", "2") == 0
    assert stat.S_IMODE((run / "history.json").stat().st_mode) == 0o664  # kept on rewrite


def test_the_divergence_message_says_what_was_kept(tmp_path):
    from neuronet.training import TrainingDiverged
    from tests.training.synthetic import make_job
    trainer, train, val = make_job(tmp_path, lr=1e30)
    loss_fn = trainer.loss_fn
    trainer.loss_fn = lambda out, y: loss_fn(out, y) * float("nan")
    with pytest.raises(TrainingDiverged, match="no checkpoint was written yet in"):
        trainer.fit(train, val, 1)
    trainer, train, val = make_job(tmp_path)
    trainer.fit(train, val, 1)
    trainer.loss_fn = lambda out, y: loss_fn(out, y) * float("nan")
    with pytest.raises(TrainingDiverged, match=r"the last good checkpoint \(epoch 1\) is kept"):
        trainer.fit(train, val, 2, resume=True)


def test_two_writers_one_folder_and_a_killed_writer_leaves_no_lock(env, capsys):
    """A run in training holds its folder: a second train or a --resume is refused at once;
    after SIGKILL the folder resumes."""
    argv = ["train", *SMALL, "--run-dir", str(env / "runs"), "--name", "busy", "--hidden", "16",
            "--epochs", "200"]
    writer = subprocess.Popen([sys.executable, "-m", "neuronet", *argv],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        history = env / "runs" / "busy" / "history.json"
        deadline = time.time() + 60
        while not history.exists() and time.time() < deadline and writer.poll() is None:
            time.sleep(0.05)
        assert history.exists(), writer.stderr.read() if writer.poll() is not None else "slow"
        capsys.readouterr()
        assert main(argv) == 2
        assert "being written by another neuronet process" in capsys.readouterr().err
        assert main([*argv, "--resume"]) == 2
        assert "being written by another neuronet process" in capsys.readouterr().err
    finally:
        writer.send_signal(signal.SIGKILL)
        writer.wait(timeout=30)
        writer.stderr.close()
    last = env / "runs" / "busy" / "checkpoints" / "last.safetensors"
    done = read_checkpoint(last)[1]["extra"]["epoch"]  # (history.json may lag one epoch)
    assert main(["train", "--quiet", "--run-dir", str(env / "runs"), "--name", "busy",
                 "--resume", "--epochs", str(done + 1)]) == 0
    assert len(json.loads(history.read_text())) == done + 1
