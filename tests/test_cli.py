"""The neuronet command: exit codes and messages for good and bad input."""
import json
import subprocess
import sys

import numpy as np
import pytest

import neuronet
from neuronet.cli import main
from tests.data.idx_files import fake_mnist


@pytest.fixture
def data_env(tmp_path, monkeypatch):
    """A small MNIST-shaped data set in a private cache, and a private run folder."""
    fake_mnist(tmp_path / "data" / "mnist", n_train=300, n_test=60)
    monkeypatch.setenv("NEURONET_DATA", str(tmp_path / "data"))
    return tmp_path


def _train(tmp_path, *extra):
    return main(["train", "--quiet", "--epochs", "2", "--val-size", "50", "--hidden", "32",
                 "--batch-size", "32", "--run-dir", str(tmp_path / "runs"), "--name", "small",
                 *extra])


def test_version():
    out = subprocess.run([sys.executable, "-m", "neuronet", "--version"], capture_output=True,
                         text=True, check=True)
    assert out.stdout.strip() == f"neuronet {neuronet.__version__}"


def test_train_evaluate_predict(data_env, capsys):
    assert _train(data_env) == 0
    out = capsys.readouterr().out
    assert "epoch" in out and "test: loss" in out
    run = data_env / "runs" / "small"
    summary = json.loads((run / "summary.json").read_text())
    assert summary["figures"]["test_accuracy"] > 0.5 and summary["epochs"] == 2
    for rel in ("config.json", "checkpoints/last.safetensors", "checkpoints/best.safetensors",
                "history.csv", "history.json"):
        assert (run / rel).is_file(), rel
    assert main(["evaluate", str(run)]) == 0
    out = capsys.readouterr().out
    assert "accuracy" in out and "confusion matrix" in out
    images = np.zeros((2, 28, 28), dtype=np.uint8)
    images[0, 4:7, 4:24] = 250  # class 0's band
    images[1, 22:25, 4:24] = 250  # class 9's band
    np.save(data_env / "two.npy", images)
    assert main(["predict", str(run), str(data_env / "two.npy")]) == 0
    assert capsys.readouterr().out.splitlines() == ["0\t0", "1\t9"]


def test_resume_continues_and_refuses_to_overwrite(data_env, capsys):
    assert _train(data_env) == 0
    assert _train(data_env) == 2
    assert "already holds a run: pass --resume" in capsys.readouterr().err
    assert _train(data_env, "--resume", "--epochs", "3") == 0
    run = data_env / "runs" / "small"
    assert [h["epoch"] for h in json.loads((run / "history.json").read_text())] == [1, 2, 3]


def test_config_file_and_overrides(data_env, capsys):
    cfg = data_env / "c.toml"
    cfg.write_text('[train]\noptimizer = "adagrad"\nlr = 0.05\nactivation = "tanh"\n'
                   'scheduler = "inverse-time"\ntau = 5\n')
    assert _train(data_env, "--config", str(cfg), "--activation", "selu") == 0
    saved = json.loads((data_env / "runs" / "small" / "config.json").read_text())
    assert saved["optimizer"] == "adagrad" and saved["activation"] == "selu"
    assert saved["lr"] == 0.05 and saved["scheduler"] == "inverse-time"


@pytest.mark.parametrize("args,message", [
    (["--optimizer", "adamx"], "optimizer: expected one of adagrad, adam, adamw, rmsprop, sgd; "
                               "got 'adamx'"),
    (["--activation", "swish"], "activation: expected one of"),
    (["--lr", "-1"], "lr: expected a positive finite number, got -1.0"),
    (["--dropout", "1.5"], "dropout: expected a probability in [0, 1), got 1.5"),
    (["--dataset", "cifar"], "dataset: expected one of fashion-mnist, mnist; got 'cifar'"),
    (["--resume"], "--resume: no run to continue"),
    (["--device", "tpu"], "device: expected 'cpu', 'cuda' or 'cuda:N', got 'tpu'"),
])
def test_bad_options_give_one_clear_line(data_env, capsys, args, message):
    assert _train(data_env, *args) == 2
    err = capsys.readouterr().err
    assert err.startswith("neuronet: error: ") and message in err
    assert "Traceback" not in err


def test_bad_config_file(data_env, capsys):
    cfg = data_env / "bad.toml"
    cfg.write_text("epochs = 'ten'\n")
    assert _train(data_env, "--config", str(cfg)) == 2
    assert "epochs must be a number, got 'ten'" in capsys.readouterr().err
    cfg.write_text("colour = 'blue'\n")
    assert _train(data_env, "--config", str(cfg)) == 2
    assert "unknown setting(s) colour" in capsys.readouterr().err


def test_argparse_rejects_malformed_values(data_env, capsys):
    with pytest.raises(SystemExit) as info:
        _train(data_env, "--hidden", "big")
    assert info.value.code == 2
    assert "expected comma-separated layer sizes" in capsys.readouterr().err


def test_missing_and_corrupted_runs(data_env, capsys):
    assert main(["evaluate", str(data_env / "nowhere")]) == 2
    assert "not a run folder" in capsys.readouterr().err
    assert _train(data_env) == 0
    run = data_env / "runs" / "small"
    for name in ("best", "last"):
        path = run / "checkpoints" / f"{name}.safetensors"
        path.write_bytes(path.read_bytes()[:100])
    assert main(["evaluate", str(run)]) == 2
    err = capsys.readouterr().err
    assert "best.safetensors" in err and "truncated or corrupted" in err


def test_predict_rejects_wrong_shapes(data_env, capsys):
    assert _train(data_env) == 0
    np.save(data_env / "bad.npy", np.zeros((2, 10)))
    assert main(["predict", str(data_env / "runs" / "small"), str(data_env / "bad.npy")]) == 2
    assert "expected 28x28 images" in capsys.readouterr().err
    assert main(["predict", str(data_env / "runs" / "small"), str(data_env / "none.npy")]) == 2


def test_data_fetch_reads_the_cache(data_env, capsys):
    assert main(["data", "fetch", "mnist"]) == 0
    out = capsys.readouterr().out
    assert "mnist train: 300 images" in out and "mnist test: 60 images" in out


@pytest.mark.skipif(neuronet.cuda.is_available(),
                    reason="a GPU is present: tests/gpu covers training there")
def test_cuda_device_without_a_gpu_is_a_clear_error(data_env, capsys):
    assert _train(data_env, "--device", "cuda") == 2
    assert "device: 'cuda' is not available" in capsys.readouterr().err
