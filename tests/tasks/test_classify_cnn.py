"""``neuronet train --model cnn`` / ``--model lenet5``: the recipe, run folders, checkpoints,
resume, evaluate and predict, on a small MNIST-shaped data set (no download)."""
import json

import numpy as np
import pytest

from neuronet.cli import main
from neuronet.serialization import load_file
from neuronet.tasks.config import config_from_toml, make_config
from tests.data.idx_files import fake_mnist


@pytest.fixture
def data_env(tmp_path, monkeypatch):
    fake_mnist(tmp_path / "data" / "mnist", n_train=240, n_test=60)
    monkeypatch.setenv("NEURONET_DATA", str(tmp_path / "data"))
    return tmp_path


def _train(tmp_path, *extra):
    return main(["train", "--quiet", "--epochs", "2", "--val-size", "40", "--batch-size", "24",
                 "--run-dir", str(tmp_path / "runs"), "--name", "cnn", *extra])


CNN = ("--model", "cnn", "--channels", "4,8", "--hidden", "16", "--shift", "0", "--dropout", "0",
       "--scheduler", "none", "--lr", "0.01")


def test_cnn_run_trains_resumes_evaluates_and_predicts(data_env, capsys):
    assert _train(data_env, *CNN) == 0
    out = capsys.readouterr().out
    assert "training mnist" in out and "test: loss" in out
    run = data_env / "runs" / "cnn"
    saved = json.loads((run / "config.json").read_text())
    assert (saved["model"], saved["channels"], saved["hidden"], saved["shift"]) == (
        "cnn", [4, 8], [16], 0)
    assert saved["scheduler"] == "none" and saved["lr"] == 0.01  # (given: they win)
    weights, _ = load_file(run / "checkpoints" / "best.safetensors")
    assert any(k.endswith("features.0.weight") for k in weights)
    summary = json.loads((run / "summary.json").read_text())
    assert summary["figures"]["test_accuracy"] > 0.5
    assert _train(data_env, *CNN, "--resume", "--epochs", "3") == 0
    assert [h["epoch"] for h in json.loads((run / "history.json").read_text())] == [1, 2, 3]
    capsys.readouterr()
    assert main(["evaluate", str(run)]) == 0
    assert "confusion matrix" in capsys.readouterr().out
    images = np.zeros((2, 28, 28), dtype=np.uint8)
    images[0, 4:7, 4:24] = 250  # class 0's band
    images[1, 22:25, 4:24] = 250  # class 9's band
    np.save(data_env / "two.npy", images)
    assert main(["predict", str(run), str(data_env / "two.npy")]) == 0
    assert capsys.readouterr().out.splitlines() == ["0\t0", "1\t9"]


def test_lenet5_run(data_env, capsys):
    assert _train(data_env, "--model", "lenet5", "--epochs", "3", "--lr", "0.005", "--shift", "0") == 0
    run = data_env / "runs" / "cnn"
    assert json.loads((run / "config.json").read_text())["model"] == "lenet5"
    assert json.loads((run / "summary.json").read_text())["figures"]["test_accuracy"] > 0.3
    assert main(["evaluate", str(run), "--checkpoint", "last"]) == 0


def test_model_recipes_and_config_file(data_env, capsys):
    mlp = make_config({})
    assert (mlp.model, mlp.hidden, mlp.scheduler, mlp.shift) == ("mlp", [512, 256], "plateau", 0)
    cnn = make_config({"model": "cnn", "epochs": 1})
    assert (cnn.hidden, cnn.scheduler, cnn.shift, cnn.epochs) == ([128], "cosine", 2, 1)
    fashion = make_config({"model": "cnn", "dataset": "fashion-mnist"})
    assert (fashion.channels, fashion.shift, fashion.epochs) == ([16, 64], 1, 6)
    assert make_config({"model": "cnn", "dataset": "fashion-mnist", "shift": 2}).shift == 2
    toml = data_env / "cnn.toml"
    toml.write_text('[train]\nmodel = "cnn"\nchannels = [4, 6]\nhidden = [8]\n')
    assert _train(data_env, "--config", str(toml), "--epochs", "1") == 0
    saved = json.loads((data_env / "runs" / "cnn" / "config.json").read_text())
    assert saved["channels"] == [4, 6] and saved["shift"] == 2 and saved["epochs"] == 1
    plain = data_env / "plain.toml"
    plain.write_text('[train]\nchannels = [4]\nhidden = [8]\nepochs = 1\n')
    config = config_from_toml(plain, {"model": "cnn"})
    assert (config.model, config.scheduler, config.channels, config.epochs) == (
        "cnn", "cosine", [4], 1)


@pytest.mark.parametrize("args,message", [
    (["--model", "resnet"], "model: expected one of cnn, lenet5, mlp; got 'resnet'"),
    (["--model", "cnn", "--channels", "4,0"], "channels: expected a list of positive conv widths"),
    (["--model", "cnn", "--channels", "2,2,2,2,2"], "channels: at most 4 blocks"),
    (["--model", "cnn", "--convs", "0"], "convs: expected a positive number, got 0"),
    (["--shift", "-1"], "must not be negative"),
])
def test_bad_cnn_settings_give_one_clear_line(data_env, capsys, args, message):
    assert _train(data_env, *args) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
