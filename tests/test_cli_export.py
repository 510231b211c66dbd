"""neuronet export: every task's run as ONNX (run by onnxruntime and the reference evaluator at
two batch sizes, equal to the run's model) and as safetensors weights; one-line errors."""
import numpy as np
import pytest

from neuronet.cli import main
from neuronet.serialization import load_file
from neuronet.tasks import get_task
from neuronet.tasks.config import load_run_config
from tests.data.conll_files import write_corpus
from tests.data.idx_files import fake_mnist
from tests.onnx.helpers import expected, onnx, outputs


@pytest.fixture
def runs(tmp_path, monkeypatch):
    fake_mnist(tmp_path / "data" / "mnist", n_train=120, n_test=20)
    write_corpus(tmp_path / "data")
    monkeypatch.setenv("NEURONET_DATA", str(tmp_path / "data"))
    return tmp_path / "runs"


def _train(runs, name, *extra):
    assert main(["train", "--quiet", "--epochs", "1", "--run-dir", str(runs), "--name", name,
                 *extra]) == 0
    return runs / name


def _inputs(task, cfg, n, rng):
    if task == "classify":
        return rng.random((n, 784), dtype=np.float32)
    width = 2 * cfg.window + 1
    ids = rng.integers(0, 8, (n, width))
    if task == "ner-window":
        ids = np.concatenate([ids, rng.integers(0, 4, (n, width))], axis=1)
    return ids.astype(np.int64)


TASKS = {
    "classify": ["--hidden", "16", "--batch-size", "32", "--val-size", "20"],
    "classify-cnn": ["--model", "cnn", "--channels", "4,8", "--hidden", "16", "--shift", "0",
                     "--batch-size", "32", "--val-size", "20"],
    "classify-lenet5": ["--model", "lenet5", "--shift", "0", "--batch-size", "32",
                        "--val-size", "20"],
    "ner-window": ["--task", "ner-window", "--hidden", "8", "--batch-size", "64"],
    "ner-scorer": ["--task", "ner-scorer", "--hidden", "8", "--batch-size", "64"],
}


@pytest.mark.parametrize("task", sorted(TASKS))
def test_export_every_task(runs, task, capsys):
    run = _train(runs, task, *TASKS[task])
    convolutional = task in ("classify-cnn", "classify-lenet5")
    task = task.split("-")[0] if task.startswith("classify") else task
    capsys.readouterr()
    assert main(["export", str(run), "--format", "onnx", "-o", str(run / "m.onnx")]) == 0
    assert "wrote" in capsys.readouterr().out
    cfg = load_run_config(run)
    model = get_task(task).exportable(cfg, run)[0]
    rng = np.random.default_rng(0)
    data = (run / "m.onnx").read_bytes()
    kinds = {n.op_type for n in onnx.load_from_string(data).graph.node}
    assert ("Conv" in kinds and "MaxPool" in kinds) == convolutional
    for n in (1, 6):
        x = _inputs(task, cfg, n, rng)
        want = expected(model, x)
        for got in outputs(data, x):
            np.testing.assert_allclose(got, want, rtol=0, atol=1e-5)
    assert main(["export", str(run), "--format", "safetensors"]) == 0
    tensors, _ = load_file(run / "model.safetensors")
    state = model.state_dict()
    assert sorted(tensors) == sorted(state)
    for k, v in state.items():
        np.testing.assert_array_equal(tensors[k], v.numpy())


def test_export_errors(runs, capsys, tmp_path):
    assert main(["export", str(tmp_path / "nowhere")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "not a run folder" in err
    run = _train(runs, "small", *TASKS["classify"])
    capsys.readouterr()
    assert main(["export", str(run), "--opset", "5"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("neuronet: error: export: opset_version: expected 17 to 21, got 5")
    assert err.count("\n") == 1
