"""neuronet train's diagnostics, neuronet diagnose and neuronet lr-find."""
import json

import pytest

from neuronet.cli import main
from tests.data.idx_files import fake_mnist


@pytest.fixture
def data_env(tmp_path, monkeypatch):
    fake_mnist(tmp_path / "data" / "mnist", n_train=300, n_test=60)
    monkeypatch.setenv("NEURONET_DATA", str(tmp_path / "data"))
    return tmp_path


def _train(tmp_path, *extra, name="small"):
    return main(["train", "--quiet", "--epochs", "2", "--val-size", "50", "--hidden", "32",
                 "--batch-size", "32", "--run-dir", str(tmp_path / "runs"), "--name", name,
                 *extra])


def test_train_diagnoses_by_default_without_false_alarms(data_env, capsys):
    assert _train(data_env) == 0
    err = capsys.readouterr().err
    assert "diagnostics" not in err and "warning" not in err
    run = data_env / "runs" / "small"
    data = json.loads((run / "diagnostics.json").read_text())
    assert [f for f in data["findings"] if f["severity"] != "info"] == []
    assert json.loads((run / "summary.json").read_text())["files"]["diagnostics"] == (
        "diagnostics.json")
    assert main(["diagnose", str(run)]) == 0
    out = capsys.readouterr().out
    assert "finding(s) over 16 steps" in out and "update:weight ratio" in out
    assert "diagnostics cost" in out


def test_teach_explains_and_strict_stops_with_one_line(data_env, capsys):
    assert _train(data_env, "--diagnose", "teach", "--optimizer", "sgd", "--lr", "30",
                  "--no-batch-norm", name="hot") in (0, 1)  # (1: the loss became NaN)
    err = capsys.readouterr().err
    assert "[update_ratio]" in err and "over-correct" in err
    code = _train(data_env, "--optimizer", "sgd", "--lr", "30", "--no-batch-norm",
                  "--strict-diagnostics", name="strict")
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1
    # warnings printed before it, then the error ends the run in one line
    assert [line for line in err if line.startswith("neuronet: error")] == err[-1:]
    assert err[-1].startswith("neuronet: error: diagnostics stopped training: [")
    assert main(["diagnose", str(data_env / "runs" / "hot"), "--teach"]) == 0
    assert "error [" in capsys.readouterr().out


def test_off_writes_no_diagnostics(data_env):
    assert _train(data_env, "--diagnose", "off") == 0
    assert not (data_env / "runs" / "small" / "diagnostics.json").exists()
    assert main(["diagnose", str(data_env / "runs" / "small")]) == 2


def test_lr_find_command(data_env, capsys):
    plot = data_env / "lr.png"
    assert main(["lr-find", "--hidden", "32", "--batch-size", "32", "--val-size", "50",
                 "--steps", "30", "--plot", str(plot), "--lr", "100"]) == 0
    out = capsys.readouterr().out
    assert "suggested lr:" in out and "[lr_too_high] --lr 100" in out
    assert plot.read_bytes()[:4] == b"\x89PNG"
