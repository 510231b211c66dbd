"""``neuronet train --nproc 2``: the global batch split over two MPI ranks gives the run one
process gives (same seed, same global batch), rank 0 alone prints and writes, every rank
resumes; bad settings end before any process starts."""
import json
import subprocess
import sys

import pytest

from neuronet.cli import main
from neuronet.distributed import is_available
from neuronet.distributed.launch import mpiexec_path
from tests.data.idx_files import fake_mnist
from tests.distributed.test_mpi import mpi_env

needs_mpi = [
    pytest.mark.skipif(not is_available(), reason="mpi4py is not installed (the mpi extra)"),
    pytest.mark.skipif(mpiexec_path() is None, reason="no mpiexec (install the mpi extra)"),
]
# No batch normalisation and no dropout: with them the ranks' statistics and masks are their
# own (as in PyTorch), and the runs are alike but not the same.
ARGS = ["--epochs", "3", "--val-size", "90", "--hidden", "24", "--batch-size", "32", "--lr", "3e-4",
        "--no-batch-norm", "--dropout", "0", "--seed", "4"]


def _train(tmp_path, name, *extra):
    return subprocess.Popen(
        [sys.executable, "-m", "neuronet", "train", "--quiet", *ARGS, "--run-dir",
         str(tmp_path / "runs"), "--name", name, *extra],
        env=mpi_env(NEURONET_DATA=str(tmp_path / "data")), stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True)


def _finish(proc):
    out, err = proc.communicate(timeout=180)
    assert proc.returncode == 0, out + err
    return out


@needs_mpi[0]
@needs_mpi[1]
def test_two_ranks_reach_the_one_process_run(tmp_path):
    fake_mnist(tmp_path / "data" / "mnist", n_train=410, n_test=120, seed=1)
    one, two = _train(tmp_path, "one"), _train(tmp_path, "two", "--nproc", "2")
    _finish(one)
    out_two = _finish(two)
    runs = tmp_path / "runs"
    s1 = json.loads((runs / "one" / "summary.json").read_text())
    s2 = json.loads((runs / "two" / "summary.json").read_text())
    assert 0.2 < s1["figures"]["test_accuracy"] < 1.0  # a model still learning, not saturated
    assert abs(s1["figures"]["test_accuracy"] - s2["figures"]["test_accuracy"]) <= 0.001
    h1 = json.loads((runs / "one" / "history.json").read_text())
    h2 = json.loads((runs / "two" / "history.json").read_text())
    for a, b in zip(h1, h2, strict=True):
        for key in ("loss", "accuracy", "val_loss", "val_accuracy"):
            assert b[key] == pytest.approx(a[key], rel=1e-5, abs=1e-7), key
    # rank 0 alone prints: one headline, one table, one test line
    assert out_two.count("training mnist") == 1 and out_two.count("test: loss") == 1
    assert out_two.count("\n    3 ") == 1
    assert {p.name for p in (runs / "two" / "checkpoints").iterdir()} == {
        "last.safetensors", "best.safetensors"}
    # every rank resumes from rank 0's checkpoint
    more = _finish(_train(tmp_path, "two", "--nproc", "2", "--resume", "--epochs", "4"))
    assert [h["epoch"] for h in json.loads((runs / "two" / "history.json").read_text())] == [
        1, 2, 3, 4]
    assert more.count("\n    4 ") == 1


@pytest.mark.parametrize("extra,message", [
    (["--nproc", "2", "--batch-size", "33"],
     "neuronet: error: batch_size: the global batch (33) must split evenly over the 2 processes"),
    (["--nproc", "0"], "neuronet: error: --nproc: expected a positive number of processes, got 0"),
    (["--nproc", "2", "--lr", "-1"], "neuronet: error: lr: expected a positive finite number, got -1.0"),
])
def test_bad_settings_end_before_any_process_starts(tmp_path, capsys, extra, message):
    assert main(["train", "--run-dir", str(tmp_path), *extra]) == 2
    assert capsys.readouterr().err.strip() == message
