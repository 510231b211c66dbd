"""A run's settings: each task's defaults, TOML files, the command line, run folders."""
import json
from pathlib import Path

import pytest

from neuronet.tasks import get_task
from neuronet.tasks.config import config_from_toml, load_run_config, make_config
from neuronet.training.config import ConfigError

CONFIGS = Path(__file__).resolve().parents[2] / "configs"


@pytest.mark.parametrize("name", ["mnist", "ner-window", "ner-scorer", "ner-bilstm"])
def test_shipped_configs_are_valid(name):
    cfg = config_from_toml(CONFIGS / f"{name}.toml")
    assert cfg.validate().task == ("classify" if name == "mnist" else name)


@pytest.mark.parametrize("task,expected", [
    ("classify", dict(dataset="mnist", hidden=[512, 256], activation="relu", batch_norm=True,
                      dropout=0.1, optimizer="adam", lr=1e-3, batch_size=128, epochs=10,
                      val_size=5000)),
    ("ner-window", dict(dataset="conll2003", hidden=[300], activation="relu", batch_norm=False,
                        dropout=0.3, optimizer="adam", lr=1e-3, batch_size=256, epochs=6,
                        val_size=0, window=2, entity="LOC", casing_dim=4)),
    ("ner-scorer", dict(dataset="conll2003", hidden=[100], activation="tanh", batch_norm=False,
                        dropout=0.0, optimizer="adagrad", lr=0.05, batch_size=64, epochs=5,
                        val_size=0, window=2, entity="LOC", casing_dim=4)),
    ("ner-bilstm", dict(dataset="conll2003", hidden=[100], batch_norm=False, dropout=0.5,
                        optimizer="adam", lr=2e-3, batch_size=32, epochs=10, grad_clip=5.0,
                        scheduler="plateau", patience=1, val_size=0, casing_dim=4, crf=True,
                        char_filters=30)),
])
def test_each_task_has_its_defaults(task, expected):
    cfg = get_task(task).config()
    assert cfg.task == task
    assert {key: getattr(cfg, key) for key in expected} == expected
    cfg.hidden.append(7)
    assert get_task(task).config().hidden == expected["hidden"]  # defaults are not shared


def test_other_tasks_settings_are_accepted_and_ignored():
    cfg = make_config({"window": 3, "casing_dim": 0, "lr": 0.5})
    assert cfg.task == "classify" and cfg.lr == 0.5 and not hasattr(cfg, "window")
    assert "window" not in cfg.to_dict()
    assert make_config({"task": "ner-window", "window": 3}).window == 3


def test_unknown_settings_name_every_known_one():
    with pytest.raises(ConfigError, match="x.toml: unknown setting.s. colour; known: "
                                          "activation, batch_norm, batch_size, casing_dim,"):
        make_config({"colour": "blue"}, "x.toml")


def test_the_command_line_wins_over_the_file(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text('[train]\ntask = "ner-scorer"\nlr = 0.2\nepochs = 3\n')
    cfg = config_from_toml(path, {"task": "ner-window", "epochs": 9})
    assert (cfg.task, cfg.lr, cfg.epochs, cfg.hidden) == ("ner-window", 0.2, 9, [300])
    path.write_text("epochs = 'ten'\n")
    with pytest.raises(ConfigError, match="c.toml: epochs must be a number, got 'ten'"):
        config_from_toml(path, {"epochs": 2})


def test_validation_messages():
    cfg = get_task("ner-window").config()
    cfg.window = -1
    with pytest.raises(ConfigError, match="^window: must not be negative, got -1$"):
        cfg.validate()
    cfg = get_task("ner-scorer").config()
    cfg.entity = "CITY"
    with pytest.raises(ConfigError, match="entity: expected one of LOC, MISC, ORG, PER; got "
                                          "'CITY'"):
        cfg.validate()
    cfg = get_task("classify").config()
    cfg.dataset = "conll2003"
    with pytest.raises(ConfigError, match="dataset: expected one of fashion-mnist, mnist; got"):
        cfg.validate()


def test_a_run_folder_written_before_tasks_had_their_own_settings_loads(tmp_path):
    old = dict(get_task("classify").config().to_dict(), window=2, entity="LOC", casing_dim=4)
    (tmp_path / "config.json").write_text(json.dumps(old))
    assert load_run_config(tmp_path).task == "classify"
    del old["task"]  # older still: no task at all
    (tmp_path / "config.json").write_text(json.dumps(old))
    assert load_run_config(tmp_path).task == "classify"
    with pytest.raises(ConfigError, match="nowhere: not a run folder .no config.json."):
        load_run_config(tmp_path / "nowhere")
