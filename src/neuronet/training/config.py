"""The settings every training run shares: defaults, type-checked updates, validation, TOML.

Each task (``neuronet.tasks``) extends ``TrainConfig`` with the data sets it reads and the
settings only it has, and gives its own defaults.
"""

from __future__ import annotations

import dataclasses
import math
import sys
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar


class ConfigError(ValueError):
    """A bad setting: the message names it, what was expected and what came."""


OPTIMIZERS = ("adam", "adamw", "adagrad", "sgd", "rmsprop")
SCHEDULERS = ("plateau", "inverse-time", "step", "cosine", "none")


@dataclass
class TrainConfig:
    """Defaults: the notes' recipe that reaches >= 98% on MNIST in a few minutes on 2 cores —
    fan-in scaled init, ReLU, batch normalisation, mini-batches of 128, Adam, and the learning
    rate halved whenever validation accuracy stops improving.

    ``task`` is the task's name in ``neuronet.tasks.TASKS``, which makes the config.
    """

    #: The settings that must not be negative; a task's config may add its own.
    NON_NEGATIVE: ClassVar[tuple[str, ...]] = ("val_size", "weight_decay", "grad_clip")

    task: str = ""
    dataset: str = "mnist"
    hidden: list = field(default_factory=lambda: [512, 256])
    activation: str = "relu"
    init: str = "default"
    batch_norm: bool = True
    dropout: float = 0.1
    pieces: int = 2
    optimizer: str = "adam"
    lr: float = 1e-3
    momentum: float = 0.9
    weight_decay: float = 0.0
    scheduler: str = "plateau"
    factor: float = 0.5
    patience: int = 0
    tau: float = 1000.0
    step_size: int = 5
    batch_size: int = 128
    epochs: int = 10
    val_size: int = 5000
    grad_clip: float = 0.0
    early_stopping: int = 0
    seed: int = 0
    device: str = "cpu"
    run_dir: str = "runs"
    name: str = ""

    def datasets(self) -> Sequence[str]:
        """The data sets the task reads; each task's config names them."""
        raise NotImplementedError(f"{type(self).__name__} names no data sets")

    def choices(self) -> dict[str, Sequence[str]]:
        """The settings that take one of a fixed set of values, with those values, in the
        order ``validate`` checks them."""
        from ..nn import ACTIVATIONS  # noqa: PLC0415
        from ..nn.init import INITIALISERS  # noqa: PLC0415

        return {
            "dataset": self.datasets(),
            "optimizer": OPTIMIZERS,
            "scheduler": SCHEDULERS,
            "activation": list(ACTIVATIONS) + ["maxout"],
            "init": list(INITIALISERS),
        }

    def validate(self) -> TrainConfig:
        """Check every setting; raise ``ConfigError`` naming the first bad one and its value.

        Besides the choices: ``lr``, ``tau`` positive finite numbers; ``batch_size``,
        ``epochs``, ``pieces``, ``step_size`` positive whole numbers; ``momentum``,
        ``weight_decay``, ``grad_clip`` finite and >= 0; ``patience``, ``early_stopping``,
        ``val_size`` whole numbers >= 0 (and the task's ``NON_NEGATIVE``); ``seed`` in
        [0, 2**63); ``dropout`` in [0, 1), ``factor`` in (0, 1); ``hidden`` 1 to
        ``MAX_LAYERS`` layer sizes of 1 to ``MAX_WIDTH`` units."""
        self.check_types()
        for key, allowed in self.choices().items():
            if getattr(self, key) not in allowed:
                raise ConfigError(
                    f"{key}: expected one of {', '.join(sorted(allowed))}; got "
                    f"{getattr(self, key)!r}"
                )
        for key in ("lr", "tau"):
            value = getattr(self, key)
            if not (math.isfinite(value) and value > 0):
                raise ConfigError(f"{key}: expected a positive finite number, got {value!r}")
        for key in ("batch_size", "epochs", "pieces", "step_size"):
            if not getattr(self, key) > 0:
                raise ConfigError(f"{key}: expected a positive number, got {getattr(self, key)!r}")
        for key in ("momentum", "weight_decay", "grad_clip"):
            value = getattr(self, key)
            if not (math.isfinite(value) and value >= 0):
                raise ConfigError(f"{key}: expected a finite number >= 0, got {value!r}")
        for key in ("patience", "early_stopping", *self.NON_NEGATIVE):
            if getattr(self, key) < 0:
                raise ConfigError(f"{key}: must not be negative, got {getattr(self, key)!r}")
        if not 0 <= self.seed < 2**63:
            raise ConfigError(f"seed: expected a whole number in [0, 2**63), got {self.seed!r}")
        if (
            not self.hidden
            or len(self.hidden) > MAX_LAYERS
            or any(not isinstance(h, int) or isinstance(h, bool) or h < 1 for h in self.hidden)
        ):
            raise ConfigError(
                f"hidden: expected a list of 1 to {MAX_LAYERS} positive layer sizes, got "
                f"{self.hidden!r:.100}"
            )
        if max(self.hidden) > MAX_WIDTH:
            raise ConfigError(
                f"hidden: expected layers of at most {MAX_WIDTH:,} units, got {max(self.hidden)}"
            )
        if not 0 <= self.dropout < 1:
            raise ConfigError(f"dropout: expected a probability in [0, 1), got {self.dropout!r}")
        if not 0 < self.factor < 1:
            raise ConfigError(f"factor: expected a value in (0, 1), got {self.factor!r}")
        return self

    def check_types(self) -> None:
        """Each setting has the type of its default (a number where a number is expected:
        a whole number for a count; a list for ``hidden``), or a ``ConfigError`` naming it."""
        for f in dataclasses.fields(self):
            _check_type(f.name, getattr(self, f.name), f.default, "")

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    def update(
        self, values: Mapping[str, Any], source: str = "config", also_known: Collection[str] = ()
    ) -> TrainConfig:
        """Set ``values`` (as TOML or JSON gives them), each checked against the type of the
        setting's current value. Names in ``also_known`` (settings of other tasks) are
        accepted and ignored; any other name this config lacks is a ``ConfigError``."""
        own = {f.name for f in dataclasses.fields(self)}
        unknown = sorted(set(values) - own - set(also_known))
        if unknown:
            raise ConfigError(
                f"{source}: unknown setting(s) {', '.join(unknown)}; known: "
                f"{', '.join(sorted(own | set(also_known)))}"
            )
        for key, value in values.items():
            if key not in own:
                continue
            default = getattr(self, key)
            _check_type(key, value, default, f"{source}: ")
            if isinstance(default, float) and isinstance(value, int):
                value = float(value)
            setattr(self, key, value)
        return self


#: The most hidden layers, and units in one, that a configuration may ask for.
MAX_LAYERS = 64
MAX_WIDTH = 65536


def _check_type(key: str, value: Any, default: Any, prefix: str) -> None:
    """A ``ConfigError`` unless ``value`` has the type of ``default`` (see ``check_types``)."""
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise ConfigError(f"{prefix}{key} must be true or false, got {value!r:.60}")
    elif isinstance(default, int):
        if not isinstance(value, int) or isinstance(value, bool):
            kind = "a whole number" if isinstance(value, float) else "a number"
            raise ConfigError(f"{prefix}{key} must be {kind}, got {value!r:.60}")
    elif isinstance(default, float):
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            raise ConfigError(f"{prefix}{key} must be a number, got {value!r:.60}")
    elif isinstance(default, str):
        if not isinstance(value, str):
            raise ConfigError(f"{prefix}{key} must be a string, got {value!r:.60}")
    elif key == "hidden" and not isinstance(value, list):
        raise ConfigError(f"{prefix}hidden must be a list of layer sizes, got {value!r:.60}")


def read_toml(path: str | Path) -> dict:
    """The settings of a TOML file: its ``[train]`` table, or its top level without one."""
    if sys.version_info >= (3, 11):
        import tomllib  # noqa: PLC0415
    else:
        import tomli as tomllib  # noqa: PLC0415
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"--config: no such file {path}")
    try:
        values = tomllib.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as err:
        raise ConfigError(
            f"--config {path}: not UTF-8 text (byte {err.start} is {err.object[err.start]:#x})"
        ) from None
    except OSError as err:
        raise ConfigError(f"--config {path}: cannot be read ({err.strerror})") from None
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"--config {path}: not valid TOML ({err})") from None
    table = values.get("train", values)
    if not isinstance(table, dict):
        raise ConfigError(
            f"--config {path}: 'train' must be a table of settings ([train]), got {table!r:.60}"
        )
    return dict(table)
