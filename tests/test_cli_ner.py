"""The NER tasks end to end on a tiny corpus: train, evaluate, predict --text."""
import json

import pytest

from neuronet.cli import main
from tests.data.conll_files import write_corpus


@pytest.fixture
def ner_env(tmp_path, monkeypatch):
    write_corpus(tmp_path / "data")
    monkeypatch.setenv("NEURONET_DATA", str(tmp_path / "data"))
    return tmp_path


def _train(tmp, task, *extra):
    return main(["train", "--task", task, "--quiet", "--epochs", "4", "--run-dir",
                 str(tmp / "runs"), "--name", task, *extra])


def test_window_classifier_learns_the_tiny_corpus(ner_env, capsys):
    assert _train(ner_env, "ner-window", "--batch-size", "32", "--hidden", "32") == 0
    out = capsys.readouterr().out
    assert "valid: entity precision" in out and "test: entity precision" in out
    run = ner_env / "runs" / "ner-window"
    summary = json.loads((run / "summary.json").read_text())
    assert summary["figures"]["valid"]["f1"] > 0.9
    assert (run / "vocab.txt").read_text().split("\n")[:2] == ["<pad>", "<unk>"]
    assert main(["predict", str(run), "--text", "The museum in Paris is big ."]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[3] == "Paris\tB-LOC" and lines[0] == "The\tO"
    assert main(["evaluate", str(run)]) == 0
    out = capsys.readouterr().out
    assert "== valid" in out and "confusion matrix" in out and "LOC" in out


def test_window_scorer_detects_locations(ner_env, capsys):
    assert _train(ner_env, "ner-scorer", "--batch-size", "16", "--lr", "0.1") == 0
    out = capsys.readouterr().out
    assert "LOC detection precision" in out
    run = ner_env / "runs" / "ner-scorer"
    summary = json.loads((run / "summary.json").read_text())
    assert summary["figures"]["valid"]["val_recall"] > 0.8
    assert main(["predict", str(run), "--text", "Mary visited Rome today ."]) == 0
    tags = dict(line.split("\t") for line in capsys.readouterr().out.splitlines())
    assert tags["Rome"] == "LOC" and tags["visited"] == "O"


def test_ner_errors(ner_env, capsys):
    assert _train(ner_env, "ner-window", "--entity", "CITY") == 2
    assert "entity: expected one of" in capsys.readouterr().err
    assert _train(ner_env, "ner-window", "--dataset", "mnist") == 2
    assert "dataset: expected one of conll2003" in capsys.readouterr().err
    assert _train(ner_env, "ner-window", "--epochs", "1", "--hidden", "8") == 0
    capsys.readouterr()
    assert main(["predict", str(ner_env / "runs" / "ner-window")]) == 2
    assert "pass --text" in capsys.readouterr().err
    # --resume takes the task and the settings from the run (no --task, --hidden again)
    assert main(["train", "--quiet", "--run-dir", str(ner_env / "runs"), "--name", "ner-window",
                 "--resume", "--epochs", "2"]) == 0
    saved = json.loads((ner_env / "runs" / "ner-window" / "config.json").read_text())
    assert (saved["task"], saved["hidden"], saved["epochs"]) == ("ner-window", [8], 2)


def test_data_fetch_text_sets(ner_env, capsys):
    assert main(["data", "fetch", "conll2003"]) == 0
    assert "conll2003 train: 300 sentences" in capsys.readouterr().out
    assert main(["data", "fetch", "glove"]) == 0
    assert "x 50 dimensions" in capsys.readouterr().out
    assert main(["data", "fetch", "imagenet"]) == 2
    assert "also conll2003 and glove" in capsys.readouterr().err

