"""A run's settings from a TOML file, command-line options or a run folder's config.json: the
defaults of the named task, then the given values.

A setting that only other tasks have is accepted and has no effect, as it always had (an image
run's ``--window``; an older run's config.json, which listed every task's settings).

A TOML file may also hold the run options of ``RUN_OPTIONS``: how a run is recorded, not what is
trained. They are not settings (nor in config.json); ``run_options_from_toml`` reads them.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..training.config import ConfigError, TrainConfig, read_toml
from . import DEFAULT_TASK, TASKS, get_task


def task_settings() -> list[dataclasses.Field]:
    """The settings tasks add to ``TrainConfig``, each once, in registry order."""
    shared = {f.name for f in dataclasses.fields(TrainConfig)}
    found: dict[str, dataclasses.Field] = {}
    for task in TASKS.values():
        for f in dataclasses.fields(task.config_class):
            if f.name not in shared:
                found.setdefault(f.name, f)
    return list(found.values())


#: The run options a TOML file may hold beside the settings, each with the types it takes:
#: ``tensorboard = true`` (the run folder's ``tensorboard/``) or ``tensorboard = "DIR"``.
RUN_OPTIONS: dict[str, tuple[type, ...]] = {"tensorboard": (bool, str)}


def _read(path: str | Path) -> tuple[dict, dict]:
    """The settings and the run options of a TOML file, the options type-checked."""
    values = read_toml(path)
    options = {key: values.pop(key) for key in RUN_OPTIONS if key in values}
    for key, value in options.items():
        if not isinstance(value, RUN_OPTIONS[key]):
            kinds = " or ".join("true/false" if t is bool else "a path" for t in RUN_OPTIONS[key])
            raise ConfigError(f"{Path(path)}: {key} must be {kinds}, got {value!r}")
    return values, options


def run_options_from_toml(path: str | Path) -> dict:
    """The run options (``RUN_OPTIONS``) a TOML file sets."""
    return _read(path)[1]


def _set(cfg: TrainConfig, values: Mapping[str, Any], source: str) -> TrainConfig:
    return cfg.update(values, source, also_known=[f.name for f in task_settings()])


def make_config(values: Mapping[str, Any], source: str = "config") -> TrainConfig:
    """The config of task ``values['task']`` (default: classify): its defaults, then
    ``values``, type-checked (``source`` names where they came from in errors)."""
    return _set(get_task(values.get("task", DEFAULT_TASK)).config(values), values, source)


def config_from_toml(path: str | Path, overrides: Mapping[str, Any] | None = None) -> TrainConfig:
    """The config a TOML file describes, then ``overrides`` (the command line: its task and
    model, if it names them, replace the file's before the defaults are chosen)."""
    values, overrides = _read(path)[0], dict(overrides or {})
    for key in ("task", "model"):
        if key in overrides:
            values[key] = overrides[key]
    return _set(make_config(values, str(Path(path))), overrides, "command line")


def load_run_config(folder: str | Path) -> TrainConfig:
    """The config a run folder was trained with (its config.json), checked as the command
    line's settings are (``ConfigError`` naming the file and the setting otherwise)."""
    path = Path(folder) / "config.json"
    if not path.is_file():
        raise ConfigError(f"{folder}: not a run folder (no config.json)")
    try:
        values = json.loads(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise ConfigError(f"{path}: cannot be read ({err.strerror})") from None
    except (UnicodeDecodeError, ValueError) as err:
        raise ConfigError(f"{path}: not a JSON file of settings ({err})") from None
    if not isinstance(values, dict):
        raise ConfigError(
            f"{path}: expected a JSON object of settings, got {type(values).__name__}"
        )
    try:
        return make_config(values, str(path)).validate()
    except ConfigError as err:
        message = str(err)
        raise ConfigError(
            message if message.startswith(str(path)) else f"{path}: {message}"
        ) from None


def own_settings(task: str, values: Mapping[str, Any], source: str) -> None:
    """A ``ConfigError`` when ``values`` (given for task ``task``) set a setting that only
    other tasks have: on the command line such an option would do nothing."""
    own = _fields(get_task(task))
    foreign = sorted(set(values) - own)
    if foreign:
        key = foreign[0]
        others = [t.name for t in TASKS.values() if key in _fields(t)]
        raise ConfigError(
            f"{source}: --{key.replace('_', '-')} {values[key]!r} is a setting of "
            f"{', '.join(others)}, not of task {task}"
        )


def _fields(task) -> set[str]:
    return {f.name for f in dataclasses.fields(task.config_class)}
