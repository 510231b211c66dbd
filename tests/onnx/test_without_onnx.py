"""Without the onnx package: export says which extra to install (one line from the CLI), and
the safetensors export needs nothing more."""
import sys

import pytest

import neuronet
from neuronet import nn
from neuronet.cli import main
from neuronet.onnx import OnnxExporterError, export
from neuronet.serialization import load_file
from tests.data.idx_files import fake_mnist


def test_export_names_the_extra_when_onnx_is_missing(monkeypatch, tmp_path, capsys):
    monkeypatch.setitem(sys.modules, "onnx", None)  # (import onnx raises ImportError)
    with pytest.raises(OnnxExporterError, match=r"pip install 'neuronet\[onnx\]'"):
        export(nn.Linear(2, 1), neuronet.randn(1, 2))
    fake_mnist(tmp_path / "data" / "mnist", n_train=60, n_test=10)
    monkeypatch.setenv("NEURONET_DATA", str(tmp_path / "data"))
    run = tmp_path / "runs" / "r"
    assert main(["train", "--quiet", "--epochs", "1", "--hidden", "4", "--val-size", "10",
                 "--run-dir", str(tmp_path / "runs"), "--name", "r"]) == 0
    capsys.readouterr()
    assert main(["export", str(run)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "needs the onnx package" in err
    assert main(["export", str(run), "--format", "safetensors", "-o", str(tmp_path / "w.st")]) == 0
    tensors, _ = load_file(tmp_path / "w.st")
    assert tensors["1.weight"].shape == (4, 784) and "2.running_var" in tensors
