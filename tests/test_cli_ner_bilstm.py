"""neuronet train --task ner-bilstm end to end on a tiny corpus: train (CRF and --no-crf),
evaluate, predict --text, resume, export refused, bad options as one line."""
import json

import pytest

from neuronet.cli import main
from tests.data.conll_files import write_corpus


@pytest.fixture
def ner_env(tmp_path, monkeypatch):
    write_corpus(tmp_path / "data")
    monkeypatch.setenv("NEURONET_DATA", str(tmp_path / "data"))
    return tmp_path


def _train(tmp, name, *extra):
    return main(["train", "--task", "ner-bilstm", "--quiet", "--run-dir", str(tmp / "runs"),
                 "--name", name, *extra])


def test_the_tagger_learns_the_tiny_corpus_and_tags_text(ner_env, capsys):
    assert _train(ner_env, "crf", "--epochs", "6", "--hidden", "16", "--batch-size", "16",
                  "--lr", "0.01", "--dropout", "0.1") == 0
    out = capsys.readouterr().out
    assert "valid: entity precision" in out and "300 training sentences" in out
    run = ner_env / "runs" / "crf"
    history = json.loads((run / "history.json").read_text())
    assert history[-1]["loss"] < 0.5 * history[0]["loss"]
    summary = json.loads((run / "summary.json").read_text())
    assert summary["figures"]["valid"]["f1"] > 0.9 and summary["figures"]["test"]["f1"] > 0.9
    assert {"loss.png", "vocab.txt"} <= {p.name for p in run.iterdir()}
    assert main(["predict", str(run), "--text", "Mary Smith visited Paris today ."]) == 0
    tags = capsys.readouterr().out.splitlines()
    assert tags[:4] == ["Mary\tB-PER", "Smith\tI-PER", "visited\tO", "Paris\tB-LOC"]
    assert main(["evaluate", str(run)]) == 0
    out = capsys.readouterr().out
    assert "== test" in out and "confusion matrix" in out and "PER" in out
    # --resume continues the run from its checkpoint
    assert main(["train", "--quiet", "--run-dir", str(ner_env / "runs"), "--name", "crf",
                 "--resume", "--epochs", "7"]) == 0
    assert len(json.loads((run / "history.json").read_text())) == 7


def test_no_crf_trains_a_softmax_head(ner_env, capsys):
    assert _train(ner_env, "softmax", "--no-crf", "--epochs", "6", "--hidden", "16",
                  "--batch-size", "16", "--lr", "0.01", "--dropout", "0.1") == 0
    run = ner_env / "runs" / "softmax"
    cfg = json.loads((run / "config.json").read_text())
    assert cfg["crf"] is False
    summary = json.loads((run / "summary.json").read_text())
    assert summary["figures"]["valid"]["f1"] > 0.9
    capsys.readouterr()
    assert main(["predict", str(run), "--text", "The museum in Rome is big ."]) == 0
    assert capsys.readouterr().out.splitlines()[3] == "Rome\tB-LOC"


def test_export_and_bad_options_are_one_line_errors(ner_env, capsys):
    assert _train(ner_env, "small", "--epochs", "1", "--hidden", "4", "--char-filters", "0") == 0
    capsys.readouterr()
    run = ner_env / "runs" / "small"
    assert main(["export", str(run)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("neuronet: error: export: runs of the task ner-bilstm cannot be "
                          "exported") and err.count("\n") == 1
    assert main(["predict", str(run)]) == 2
    assert "pass --text" in capsys.readouterr().err
    for options, message in [
        (["--char-filters", "-1"], "char_filters: must not be negative"),
        (["--hidden", "8,8"], "hidden: the ner-bilstm model has one hidden layer"),
        (["--dropout", "1.5"], "dropout: expected a probability in [0, 1)"),
    ]:
        assert _train(ner_env, "bad", *options) == 2
        err = capsys.readouterr().err
        assert message in err and err.count("\n") == 1, err
    assert main(["train", "--task", "ner-window", "--no-crf", "--run-dir",
                 str(ner_env / "runs")]) == 2
    assert "is a setting of ner-bilstm, not of task ner-window" in capsys.readouterr().err
