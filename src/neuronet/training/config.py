"""The settings of a training run: defaults, TOML files, command-line overrides, validation."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path


class ConfigError(ValueError):
    """A bad setting: the message names it, what was expected and what came."""


OPTIMIZERS = ("adam", "adamw", "adagrad", "sgd", "rmsprop")
SCHEDULERS = ("plateau", "inverse-time", "step", "cosine", "none")
TASKS = ("classify", "ner-window", "ner-scorer")
ENTITY_TYPES = ("PER", "ORG", "LOC", "MISC")

TASK_DEFAULTS = {
    "classify": {},
    # CS224n's window classifier: GloVe 50-d, 5-word windows, one hidden layer, fine-tuned.
    "ner-window": dict(dataset="conll2003", hidden=[300], activation="relu", batch_norm=False,
                       dropout=0.3, optimizer="adam", lr=1e-3, batch_size=256, epochs=6,
                       val_size=0),
    # The notes' scorer s = U^T f(Wx + b), max-margin against corrupted windows, AdaGrad.
    "ner-scorer": dict(dataset="conll2003", hidden=[100], activation="tanh", batch_norm=False,
                       dropout=0.0, optimizer="adagrad", lr=0.05, batch_size=64, epochs=5,
                       val_size=0),
}


@dataclass
class TrainConfig:
    """Defaults: the notes' recipe that reaches >= 98% on MNIST in a few minutes on 2 cores —
    fan-in scaled init, ReLU, batch normalisation, mini-batches of 128, Adam, and the learning
    rate halved whenever validation accuracy stops improving."""

    task: str = "classify"
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
    window: int = 2
    entity: str = "LOC"
    casing_dim: int = 4
    device: str = "cpu"
    run_dir: str = "runs"
    name: str = ""

    def validate(self) -> TrainConfig:
        """Check every setting; raise ``ConfigError`` naming the first bad one."""
        from ..data.datasets import DATASETS  # noqa: PLC0415
        from ..nn import ACTIVATIONS  # noqa: PLC0415
        from ..nn.init import INITIALISERS  # noqa: PLC0415

        datasets = list(DATASETS) if self.task == "classify" else ["conll2003"]
        choices = {"task": TASKS, "dataset": datasets, "optimizer": OPTIMIZERS,
                   "scheduler": SCHEDULERS, "activation": list(ACTIVATIONS) + ["maxout"],
                   "init": list(INITIALISERS), "entity": ENTITY_TYPES}
        for key, allowed in choices.items():
            if getattr(self, key) not in allowed:
                raise ConfigError(f"{key}: expected one of {', '.join(sorted(allowed))}; got "
                                  f"{getattr(self, key)!r}")
        positive = {"lr": self.lr, "batch_size": self.batch_size, "epochs": self.epochs,
                    "pieces": self.pieces, "tau": self.tau, "step_size": self.step_size}
        for key, value in positive.items():
            if not value > 0:
                raise ConfigError(f"{key}: expected a positive number, got {value!r}")
        if not self.hidden or any(not isinstance(h, int) or h < 1 for h in self.hidden):
            raise ConfigError(f"hidden: expected a list of positive layer sizes, got "
                              f"{self.hidden!r}")
        if not 0 <= self.dropout < 1:
            raise ConfigError(f"dropout: expected a probability in [0, 1), got {self.dropout!r}")
        if not 0 < self.factor < 1:
            raise ConfigError(f"factor: expected a value in (0, 1), got {self.factor!r}")
        if self.val_size < 0 or self.weight_decay < 0 or self.grad_clip < 0 or self.window < 0 \
                or self.casing_dim < 0:
            raise ConfigError("val_size, weight_decay, grad_clip, window and casing_dim must not "
                              "be negative")
        return self

    @classmethod
    def for_task(cls, task: str) -> TrainConfig:
        """The defaults of ``task`` ('classify', 'ner-window' or 'ner-scorer')."""
        if task not in TASK_DEFAULTS:
            raise ConfigError(f"task: expected one of {', '.join(TASKS)}; got {task!r}")
        cfg = cls(task=task)
        for key, value in TASK_DEFAULTS[task].items():
            setattr(cfg, key, value)
        return cfg

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, values: dict, source: str = "config") -> TrainConfig:
        known = {f.name: f for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - set(known))
        if unknown:
            raise ConfigError(f"{source}: unknown setting(s) {', '.join(unknown)}; known: "
                              f"{', '.join(sorted(known))}")
        cfg = cls.for_task(values.get("task", "classify"))
        for key, value in values.items():
            default = getattr(cfg, key)
            if isinstance(default, bool) and not isinstance(value, bool):
                raise ConfigError(f"{source}: {key} must be true or false, got {value!r}")
            if isinstance(default, (int, float)) and not isinstance(default, bool):
                if not isinstance(value, (int, float)) or isinstance(value, bool):
                    raise ConfigError(f"{source}: {key} must be a number, got {value!r}")
                value = type(default)(value) if isinstance(default, float) else value
            setattr(cfg, key, value)
        return cfg

    @classmethod
    def from_toml(cls, path: str | Path, task: str | None = None) -> TrainConfig:
        try:
            import tomllib  # noqa: PLC0415
        except ImportError:  # Python 3.10
            import tomli as tomllib  # noqa: PLC0415
        path = Path(path)
        if not path.is_file():
            raise ConfigError(f"--config: no such file {path}")
        try:
            values = tomllib.loads(path.read_text())
        except tomllib.TOMLDecodeError as err:
            raise ConfigError(f"--config {path}: not valid TOML ({err})") from None
        values = dict(values.get("train", values))
        if task is not None:
            values["task"] = task
        return cls.from_dict(values, str(path))
