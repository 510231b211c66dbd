"""`neuronet train --tensorboard [DIR]` and the TOML key `tensorboard`: the epochs' scalars
and the settings in TensorBoard event files, read back with TensorBoard's own reader."""
import json
import sys

import pytest

from tests import test_cli
from tests.test_cli import _train

data_env = test_cli.data_env  # the fake MNIST cache and run folder of the CLI tests

TAGS = {"loss/train": "loss", "accuracy/train": "accuracy", "loss/validation": "val_loss",
        "accuracy/validation": "val_accuracy", "lr": "lr"}


def _events(folder):
    pytest.importorskip("tensorboard", reason="the tensorboard package is not installed: "
                                              "pip install 'neuronet[tensorboard]'")
    from tensorboard.backend.event_processing import event_accumulator
    acc = event_accumulator.EventAccumulator(str(folder), size_guidance={"scalars": 0})
    acc.Reload()
    return acc


def _history(data_env):
    return json.loads((data_env / "runs" / "small" / "history.json").read_text())


def test_each_epoch_is_written_at_its_step(data_env, capsys):
    _events(data_env)  # skips without tensorboard
    assert _train(data_env, "--tensorboard", "--scheduler", "step", "--step-size", "1") == 0
    run = data_env / "runs" / "small"
    history = _history(data_env)
    acc = _events(run / "tensorboard")
    assert sorted(acc.Tags()["scalars"]) == sorted(TAGS)
    for tag, key in TAGS.items():
        events = acc.Scalars(tag)
        assert [e.step for e in events] == [1, 2], tag
        assert [e.value for e in events] == pytest.approx([h[key] for h in history], rel=1e-6)
    # the step schedule halved the rate after epoch 1 (the lr logged is the epoch's)
    assert [e.value for e in acc.Scalars("lr")] == pytest.approx([1e-3, 5e-4])
    summary = json.loads((run / "summary.json").read_text())
    assert summary["files"]["tensorboard"] == "tensorboard"


def test_the_settings_and_last_values_go_to_the_hparams_tab(data_env, capsys):
    _events(data_env)
    from tensorboard.plugins.hparams import metadata
    assert _train(data_env, "--tensorboard", "--lr", "0.002") == 0
    trial = _events(data_env / "runs" / "small" / "tensorboard" / "hparams")
    content = trial.PluginTagToContent(metadata.PLUGIN_NAME)
    start = metadata.parse_session_start_info_plugin_data(
        content[metadata.SESSION_START_INFO_TAG])
    hparams = {k: v.ListFields()[0][1] for k, v in start.hparams.items()}
    assert hparams["lr"] == 0.002 and hparams["optimizer"] == "adam"
    assert hparams["hidden"] == "[32]" and hparams["batch_norm"] is True
    last = _history(data_env)[-1]
    for tag, key in TAGS.items():
        (event,) = trial.Scalars(tag)
        assert (event.step, event.value) == (2, pytest.approx(last[key], rel=1e-6))


def test_a_folder_from_the_flag_or_the_toml_file(data_env, tmp_path, capsys):
    _events(data_env)
    assert _train(data_env, "--tensorboard", str(tmp_path / "tb")) == 0
    assert [e.step for e in _events(tmp_path / "tb").Scalars("loss/train")] == [1, 2]
    assert not (data_env / "runs" / "small" / "tensorboard").exists()
    config = tmp_path / "c.toml"
    config.write_text(f"[train]\ntensorboard = {json.dumps(str(tmp_path / 'from-toml'))}\n")
    assert _train(data_env, "--config", str(config), "--name", "other") == 0
    assert [e.step for e in _events(tmp_path / "from-toml").Scalars("lr")] == [1, 2]
    config.write_text("tensorboard = true\n")
    assert _train(data_env, "--config", str(config), "--name", "third") == 0
    assert _events(data_env / "runs" / "third" / "tensorboard").Scalars("loss/train")
    config.write_text("tensorboard = 3\n")
    assert _train(data_env, "--config", str(config), "--name", "fourth") == 2
    assert "c.toml: tensorboard must be true/false or a path, got 3" in capsys.readouterr().err


def test_resuming_continues_the_steps(data_env, capsys):
    _events(data_env)
    assert _train(data_env, "--tensorboard") == 0
    assert _train(data_env, "--tensorboard", "--resume", "--epochs", "3") == 0
    acc = _events(data_env / "runs" / "small" / "tensorboard")
    history = _history(data_env)
    assert [e.step for e in acc.Scalars("loss/train")] == [1, 2, 3]
    assert [e.value for e in acc.Scalars("loss/train")] == pytest.approx(
        [h["loss"] for h in history], rel=1e-6)


def test_without_tensorboard_the_flag_names_the_extra(data_env, capsys, monkeypatch):
    for name in [m for m in sys.modules if m == "tensorboard" or m.startswith("tensorboard.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "tensorboard", None)
    monkeypatch.delitem(sys.modules, "neuronet.utils.tensorboard", raising=False)
    assert _train(data_env, "--tensorboard") == 2
    err = capsys.readouterr().err
    assert err.startswith("neuronet: error: --tensorboard: ") and err.count("\n") == 1
    assert "pip install 'neuronet[tensorboard]'" in err
    assert not (data_env / "runs" / "small").exists()  # it failed before the run began
