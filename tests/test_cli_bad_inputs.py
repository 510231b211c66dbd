"""The neuronet command against bad input, table-driven: for each case the exit code, exactly
one line on standard error that names the setting (or the file) and the value, no traceback,
and a finished run folder whose files are byte for byte as they were."""
import errno
import gzip
import json
import shutil
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from neuronet.cli import main
from tests.data.idx_files import fake_mnist

BASE = ["--quiet", "--epochs", "2", "--val-size", "50", "--hidden", "16", "--batch-size", "32"]


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    """A private data cache, a finished two-epoch run ``runs/r``, and a place for inputs."""
    root = tmp_path_factory.mktemp("cli")
    fake_mnist(root / "data" / "mnist", n_train=200, n_test=40)
    patch = pytest.MonkeyPatch()
    patch.setenv("NEURONET_DATA", str(root / "data"))
    assert main(["train", *BASE, "--run-dir", str(root / "runs"), "--name", "r"]) == 0
    (root / "in").mkdir()
    yield root
    patch.undo()


def _snapshot(folder: Path) -> dict:
    return {str(p.relative_to(folder)): p.read_bytes() if p.is_file() else None
            for p in sorted(folder.rglob("*"))}


def _cli(argv, capsys):
    capsys.readouterr()
    try:
        code = main(argv)
    except SystemExit as exit_:  # (argparse)
        code = exit_.code
    return code, capsys.readouterr().err


# --------------------------------------------------------------------------- the cases
def _toml(text: str | bytes):
    def make(root: Path) -> str:
        path = root / "in" / f"c{abs(hash(text))}.toml"
        path.write_bytes(text if isinstance(text, bytes) else text.encode())
        return str(path)
    return make


def _copy_run(change):
    """A copy of run r whose config.json is ``change(config dict)`` (a str: the raw text)."""
    def make(root: Path) -> str:
        folder = root / "copies" / f"c{abs(hash(change))}"
        if not folder.exists():
            shutil.copytree(root / "runs" / "r", folder)
            cfg = json.loads((folder / "config.json").read_text())
            new = change(cfg)
            (folder / "config.json").write_text(new if isinstance(new, str) else json.dumps(cfg))
        return str(folder)
    return make


def _input(name: str, write):
    def make(root: Path) -> str:
        path = root / "in" / name
        write(path)
        return str(path)
    return make


def _idx_header(*dims: int) -> bytes:
    return bytes([0, 0, 8, len(dims)]) + struct.pack(f">{len(dims)}I", *dims)


def _ner_run(root: Path) -> str:
    """An NER run folder whose vocabulary is not UTF-8."""
    folder = root / "copies" / "ner"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.json").write_text(json.dumps({"task": "ner-window"}))
    (folder / "vocab.txt").write_bytes(b"<pad>\n<unk>\n\xff\xfe")
    return str(folder)


def _own_folder(root: Path) -> str:
    """A folder of the user's in the runs folder, which is not a run."""
    (root / "runs" / "mine").mkdir(exist_ok=True)
    (root / "runs" / "mine" / "notes.txt").write_text("mine")
    return "mine"


def _set(key, value):
    def change(cfg):
        cfg[key] = value
    return change


T, P, E = "train", "predict", "evaluate"
# id, argv ({x} = the value the function in the 4th column gives), exit code, what stderr names,
# a function(root) -> x (a file or a folder to use)
CASES = [
    ("seed_negative", [T, *BASE, "--seed", "-1"], 2, "seed: expected a whole number in [0, 2**63), got -1", None),
    ("seed_float", [T, *BASE, "--seed", "1.5"], 2, "argument --seed: invalid int value: '1.5'", None),
    ("weight_decay_nan", [T, *BASE, "--weight-decay", "nan"], 2, "weight_decay: expected a finite number >= 0, got nan", None),
    ("momentum_negative", [T, *BASE, "--momentum", "-1"], 2, "momentum: expected a finite number >= 0, got -1.0", None),
    ("hidden_huge", [T, *BASE, "--hidden", "1000000000"], 2, "hidden: expected layers of at most 65,536 units, got 1000000000", None),
    ("hidden_too_many", [T, *BASE, "--hidden", ",".join(["4"] * 65)], 2, "hidden: expected a list of 1 to 64", None),
    ("hidden_words", [T, *BASE, "--hidden", "big"], 2, "argument --hidden: expected comma-separated layer sizes", None),
    ("val_size_0_plateau", [T, *BASE, "--val-size", "0"], 2, "val_size: 0 leaves no validation data, which the plateau scheduler watches", None),
    ("val_size_0_early_stop", [T, *BASE, "--val-size", "0", "--scheduler", "none", "--early-stopping", "2"], 2, "val_size: 0 leaves no validation data, which early stopping", None),
    ("val_size_too_big", [T, *BASE, "--val-size", "100000"], 2, "val_size: expected fewer than 200 samples, got 100000", None),
    ("lr_inf", [T, *BASE, "--lr", "inf"], 2, "lr: expected a positive finite number, got inf", None),
    ("lr_1e400", [T, *BASE, "--lr", "1e400"], 2, "lr: expected a positive finite number, got inf", None),
    ("lr_nan", [T, *BASE, "--lr", "nan"], 2, "lr: expected a positive finite number, got nan", None),
    ("grad_clip_nan", [T, *BASE, "--grad-clip", "nan"], 2, "grad_clip: expected a finite number >= 0, got nan", None),
    ("patience_negative", [T, *BASE, "--patience", "-1"], 2, "patience: must not be negative, got -1", None),
    ("early_stopping_negative", [T, *BASE, "--early-stopping", "-1"], 2, "early_stopping: must not be negative, got -1", None),
    ("val_size_negative", [T, *BASE, "--val-size", "-5"], 2, "val_size: must not be negative, got -5", None),
    ("ner_three_hidden_sizes", [T, *BASE, "--task", "ner-window", "--hidden", "8,8,8"], 2, "hidden: the ner-window model has one hidden layer: expected one size, got 8,8,8", None),
    ("entity_for_classify", [T, *BASE, "--task", "classify", "--entity", "CITY"], 2, "--entity 'CITY' is a setting of ner-window, ner-scorer, ner-bilstm, not of task classify", None),
    ("window_for_classify", [T, *BASE, "--window", "3"], 2, "--window 3 is a setting of", None),
    ("epochs_word", [T, *BASE, "--epochs", "x"], 2, "argument --epochs: invalid int value: 'x'", None),
    ("unknown_option", [T, *BASE, "--colour", "blue"], 2, "unrecognized arguments: --colour blue", None),
    ("unknown_command", ["fly"], 2, "argument command: invalid choice: 'fly'", None),
    ("name_parent_path", [T, *BASE, "--name", "../../x"], 2, "name: expected a run name", None),
    ("name_absolute", [T, *BASE, "--name", "/abs"], 2, "name: expected a run name", None),
    ("name_dot", [T, *BASE, "--name", "."], 2, "got '.'", None),
    ("name_taken", [T, *BASE, "--name", "r"], 2, "already holds a run: pass --resume", None),
    ("name_of_another_folder", [T, *BASE, "--name", "{x}"], 2, "holds files that are not a run's (notes.txt)", _own_folder),
    ("config_hidden_a_number", [T, *BASE, "--config", "{x}"], 2, "hidden must be a list of layer sizes, got 5", _toml("hidden = 5\n")),
    ("config_epochs_float", [T, "--quiet", "--config", "{x}"], 2, "epochs must be a whole number, got 1.5", _toml("epochs = 1.5\n")),
    ("config_batch_size_float", [T, "--quiet", "--config", "{x}"], 2, "batch_size must be a whole number, got 64.5", _toml("batch_size = 64.5\n")),
    ("config_seed_float", [T, "--quiet", "--config", "{x}"], 2, "seed must be a whole number, got 1.5", _toml("seed = 1.5\n")),
    ("config_name_a_number", [T, "--quiet", "--config", "{x}"], 2, "name must be a string, got 5", _toml("name = 5\n")),
    ("config_train_not_a_table", [T, "--quiet", "--config", "{x}"], 2, "'train' must be a table of settings", _toml("train = 5\n")),
    ("config_not_utf8", [T, "--quiet", "--config", "{x}"], 2, "not UTF-8 text", _toml(b"lr = 0.1 # \xff\xfe\n")),
    ("config_hidden_huge", [T, "--quiet", "--config", "{x}"], 2, "hidden: expected layers of at most", _toml("hidden = [100000000000]\n")),
    ("resume_other_architecture", [T, "--quiet", "--name", "r", "--resume", "--epochs", "3", "--hidden", "64"], 2,
     "--resume: hidden cannot change when a run continues (the run has [16], given [64])", None),
    ("resume_other_optimizer", [T, "--quiet", "--name", "r", "--resume", "--epochs", "3", "--optimizer", "sgd"], 2,
     "--resume: optimizer cannot change", None),
    ("resume_other_task", [T, "--quiet", "--name", "r", "--resume", "--epochs", "3", "--task", "ner-window"], 2,
     "r is a classify run; it cannot continue as task ner-window", None),
    ("resume_epochs_done", [T, "--quiet", "--name", "r", "--resume", "--epochs", "2"], 2,
     "epochs: the run has done 2 epochs; give --epochs above 2", None),
    ("resume_bad_lr", [T, "--quiet", "--name", "r", "--resume", "--epochs", "3", "--lr", "-1"], 2,
     "lr: expected a positive finite number, got -1.0", None),
    ("resume_without_name", [T, "--quiet", "--resume"], 2, "--resume: give the --name", None),
    ("resume_unknown_run", [T, "--quiet", "--resume", "--name", "nothing"], 2, "no run to continue in", None),
    ("config_json_not_json", [E, "{x}"], 2, "config.json: not a JSON file of settings", _copy_run(lambda c: "{oops")),
    ("config_json_a_list", [E, "{x}"], 2, "config.json: expected a JSON object of settings, got list", _copy_run(lambda c: "[1, 2]")),
    ("config_json_dataset", [E, "{x}"], 2, "config.json: dataset: expected one of fashion-mnist, mnist; got 'cifar'", _copy_run(_set("dataset", "cifar"))),
    ("config_json_activation", [E, "{x}"], 2, "activation: expected one of", _copy_run(_set("activation", "swish"))),
    ("config_json_hidden_huge", [P, "{x}", "nothing.npy"], 2, "hidden: expected layers of at most 65,536 units, got 100000000000", _copy_run(_set("hidden", [100000000000]))),
    ("config_json_epochs_text", [E, "{x}"], 2, "config.json: epochs must be a number, got 'ten'", _copy_run(_set("epochs", "ten"))),
    ("config_json_task", [E, "{x}"], 2, "task: expected one of", _copy_run(_set("task", 5))),
    ("config_json_other_sizes", [E, "{x}"], 2, "best.safetensors: the checkpoint does not fit", _copy_run(_set("hidden", [24]))),
    ("predict_empty_npy", [P, "{run}", "{x}"], 2, "the file holds no images", _input("empty.npy", lambda p: np.save(p, np.zeros((0, 784))))),
    ("predict_zero_byte_npy", [P, "{run}", "{x}"], 2, "not a .npy array file", _input("zero.npy", lambda p: p.write_bytes(b""))),
    ("predict_text_as_npy", [P, "{run}", "{x}"], 2, "not a .npy array file", _input("text.npy", lambda p: p.write_text("hello\n"))),
    ("predict_strings_npy", [P, "{run}", "{x}"], 2, "expected an array of pixel numbers", _input("s.npy", lambda p: np.save(p, np.array(["a"] * 784)))),
    ("predict_empty_csv", [P, "{run}", "{x}"], 2, "the CSV file is empty", _input("empty.csv", lambda p: p.write_text(""))),
    ("predict_csv_of_words", [P, "{run}", "{x}"], 2, "expected rows of numbers", _input("words.csv", lambda p: p.write_text("\n".join([",".join(["cat"] * 784)] * 2)))),
    ("predict_csv_not_utf8", [P, "{run}", "{x}"], 2, "not a CSV text file", _input("b.csv", lambda p: p.write_bytes(b"\xff" * 10))),
    ("predict_idx_overflow", [P, "{run}", "{x}"], 2, "the header declares shape (4294967295, 4294967295, 4294967295)", _input("big.idx", lambda p: p.write_bytes(_idx_header(2**32 - 1, 2**32 - 1, 2**32 - 1)))),
    ("predict_gz_bomb", [P, "{run}", "{x}"], 2, "more than 784 data bytes", _input("bomb.gz", lambda p: p.write_bytes(gzip.compress(_idx_header(1, 28, 28) + bytes(20_000_000), 1)))),
    ("predict_gz_huge_header", [P, "{run}", "{x}"], 2, "more than the 1,073,741,824 bytes", _input("huge.gz", lambda p: p.write_bytes(gzip.compress(_idx_header(40000, 28, 28 * 40) + bytes(10))))),
    ("predict_gz_broken", [P, "{run}", "{x}"], 2, "not a valid gzip file", _input("broken.gz", lambda p: p.write_bytes(gzip.compress(_idx_header(1, 28, 28) + bytes(784))[:30]))),
    ("predict_nan_pixels", [P, "{run}", "{x}"], 2, "some pixels are NaN or infinite", _input("nan.npy", lambda p: np.save(p, np.full((1, 784), np.nan)))),
    ("predict_negative_pixels", [P, "{run}", "{x}"], 2, "pixels must be in 0..255", _input("neg.npy", lambda p: np.save(p, np.full((1, 784), -3.0)))),
    ("predict_missing_file", [P, "{run}", "{x}"], 2, "no such file", lambda root: str(root / "in" / "missing.npy")),
    ("predict_vocab_not_utf8", [P, "{x}", "--text", "Paris"], 2, "vocab.txt: the vocabulary is not UTF-8 text", _ner_run),
    ("evaluate_not_a_run", [E, "{x}"], 2, "not a run folder (no config.json)", lambda root: str(root / "in")),
]


@pytest.mark.parametrize("case,argv,code,message,make", CASES, ids=[c[0] for c in CASES])
def test_one_line_and_nothing_changed(env, capsys, case, argv, code, message, make):
    runs = env / "runs"
    x = make(env) if make else None
    before = _snapshot(runs)
    argv = [a.format(x=x, run=runs / "r") for a in argv]
    if argv[0] == T and "--run-dir" not in argv:
        argv += ["--run-dir", str(runs)]
    got, err = _cli(argv, capsys)
    assert got == code, err
    assert err.startswith("neuronet: error: ") and err.endswith("\n"), err
    assert err.count("\n") == 1, err
    assert "Traceback" not in err
    assert message in err, err
    assert _snapshot(runs) == before  # the finished run, and no new run folder


# --------------------------------------------------------------------------- the machine's faults
def _failing(call, code, path_part=""):
    """``call`` as a replacement that raises OSError ``code`` (for paths containing
    ``path_part``)."""
    def fail(*args, **kwargs):
        where = str(args[0]) if args else ""
        if path_part in where or not path_part:
            raise OSError(code, f"{errno.errorcode[code]} by test")
        return call(*args, **kwargs)
    return fail


FAULTS = [
    ("disk_full", "fsync", errno.ENOSPC),
    ("read_only_folder", "mkstemp", errno.EROFS),
    ("immutable_folder", "mkstemp", errno.EPERM),
]


@pytest.mark.parametrize("case,call,code", FAULTS, ids=[f[0] for f in FAULTS])
def test_file_system_faults_are_one_line_and_leave_the_run(env, capsys, monkeypatch, case, call,
                                                           code):
    import neuronet.serialization as ser
    target = ser.os if call == "fsync" else ser.tempfile
    monkeypatch.setattr(target, call, _failing(getattr(target, call), code))
    runs = env / "runs"
    before = _snapshot(runs)
    got, err = _cli(["train", "--quiet", "--run-dir", str(runs), "--name", "r", "--resume",
                     "--epochs", "3"], capsys)
    assert got == 1 and err.count("\n") == 1 and "Traceback" not in err, err
    assert err.startswith(f"neuronet: error: {runs / 'r'}") and f"{errno.errorcode[code]} by test" in err
    assert _snapshot(runs) == before


def test_a_full_disk_at_a_checkpoint_keeps_the_previous_one(env, capsys, monkeypatch):
    import neuronet.serialization as ser
    runs = env / "runs"
    shutil.copytree(runs / "r", env / "runs2" / "r")
    last = env / "runs2" / "r" / "checkpoints" / "last.safetensors"
    before = last.read_bytes()
    real = ser.os.replace

    def replace(tmp, target):
        if str(target).endswith(".safetensors"):
            raise OSError(errno.ENOSPC, "ENOSPC by test")
        return real(tmp, target)
    monkeypatch.setattr(ser.os, "replace", replace)
    got, err = _cli(["train", "--quiet", "--run-dir", str(env / "runs2"), "--name", "r",
                     "--resume", "--epochs", "3"], capsys)
    assert got == 1 and err.count("\n") == 1, err
    assert f"{last}: ENOSPC by test" in err
    assert last.read_bytes() == before
    assert not [p for p in last.parent.iterdir() if p.name.endswith(".tmp")]


def _subprocess(argv, limits: str = "", stdout=subprocess.PIPE):
    """``python -m neuronet ARGV`` after the shell's ``ulimit LIMITS``."""
    command = f"{limits + ' && ' if limits else ''}exec {sys.executable} -m neuronet " + " ".join(
        f"'{a}'" for a in argv)
    return subprocess.run(["bash", "-c", command], stdout=stdout, stderr=subprocess.PIPE,
                          text=True, timeout=120)


def test_standard_output_on_dev_full(env):
    with open("/dev/full", "w") as full:
        done = _subprocess(["evaluate", str(env / "runs" / "r")], stdout=full)
    assert done.returncode == 1
    assert done.stderr == "neuronet: error: standard output: No space left on device\n"


def test_an_address_space_limit(env):
    before = _snapshot(env / "runs")
    done = _subprocess(["train", *BASE, "--hidden", "60000,60000", "--run-dir",
                        str(env / "runs"), "--name", "big"], limits="ulimit -v 2000000")
    assert done.returncode == 1, done.stderr
    assert done.stderr.startswith("neuronet: error: not enough memory") and done.stderr.count(
        "\n") == 1, done.stderr
    assert _snapshot(env / "runs") == before  # (the refused run left no folder)


def test_a_file_size_limit_is_a_real_write_fault(env):
    shutil.copytree(env / "runs" / "r", env / "runs3" / "r")
    before = _snapshot(env / "runs3")
    done = _subprocess(["train", "--quiet", "--run-dir", str(env / "runs3"), "--name", "r",
                        "--resume", "--epochs", "3"], limits="trap '' XFSZ && ulimit -f 1")
    assert done.returncode == 1, done.stderr
    assert done.stderr.count("\n") == 1 and "File too large" in done.stderr, done.stderr
    assert str(env / "runs3" / "r") in done.stderr
    last = "checkpoints/last.safetensors"
    assert _snapshot(env / "runs3")[f"r/{last}"] == before[f"r/{last}"]
