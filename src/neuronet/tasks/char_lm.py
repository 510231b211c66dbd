"""The character-level language model (``--task char-lm``): an LSTM or a small causal
Transformer (``--model``) over the characters of the English first names of the mimesis
wheel (``--dataset names``) or of a UTF-8 text file of your own (``--text-file``).

The corpus is a list of lines (the names are put in a fixed random order first: their list is
alphabetical); every tenth line is held out for validation. Each part becomes one stream
``"\\n" + "\\n".join(lines) + "\\n"`` cut into chunks of ``context`` characters, and the model
learns each next character. Validation reports the mean loss per character (nats) and bits
per character (loss / ln 2); the best checkpoint has the lowest validation loss. The run
folder also holds ``alphabet.json`` (the characters; the id is the position).
``neuronet sample RUN`` draws lines from the model.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..autograd.grad_mode import no_grad
from ..data import DataLoader, TensorDataset, default_collate
from ..data.datasets import FirstNames, read_text_lines
from ..data.formats import DataFormatError
from ..models import CharLSTM, CharTransformer, generate
from ..nn import Module
from ..nn.functional import cross_entropy
from ..random import manual_seed
from ..serialization import atomic_write_text
from ..tensor import Tensor
from ..training.checkpoint import load_checkpoint
from ..training.config import ConfigError, TrainConfig
from ..training.trainer import Trainer
from .base import Report, Setup, Task

MODELS = ("lstm", "transformer")
#: The recipe of ``--model transformer`` (any setting given still wins).
TRANSFORMER_DEFAULTS = dict(hidden=[64, 64], lr=2e-3, dropout=0.1)


@dataclass
class CharLMConfig(TrainConfig):
    """The character model's settings: ``TrainConfig``'s (``hidden``: one size per layer, all
    equal), the corpus, the context and the model's sizes."""

    dataset: str = "names"
    batch_norm: bool = False
    val_size: int = 0
    model: str = "lstm"
    text_file: str = field(
        default="",
        metadata={"help": "char-lm: train on this UTF-8 text file instead of --dataset"},
    )
    context: int = field(default=32, metadata={"help": "char-lm: characters per training chunk"})
    embed_dim: int = field(default=32, metadata={"help": "char-lm --model lstm: embedding size"})
    heads: int = field(default=4, metadata={"help": "char-lm --model transformer: heads"})

    def datasets(self) -> Sequence[str]:
        return ["names"]

    def choices(self) -> dict[str, Sequence[str]]:
        return {**super().choices(), "model": MODELS}

    def validate(self) -> CharLMConfig:
        """``TrainConfig``'s checks; equal layer sizes; ``context`` 2 to 1024; positive
        ``embed_dim`` and ``heads`` (which divide the transformer's width); and no plateau
        schedule (it watches a metric to maximise; this task minimises the loss)."""
        super().validate()
        if len(set(self.hidden)) != 1:
            raise ConfigError(
                f"hidden: the char-lm layers have one size: expected equal sizes, got "
                f"{','.join(map(str, self.hidden))}"
            )
        if not 2 <= self.context <= 1024:
            raise ConfigError(f"context: expected 2 to 1024 characters, got {self.context!r}")
        for key in ("embed_dim", "heads"):
            if getattr(self, key) < 1:
                raise ConfigError(f"{key}: expected a positive number, got {getattr(self, key)}")
        if self.model == "transformer" and self.hidden[0] % self.heads:
            raise ConfigError(
                f"heads: expected a divisor of the width {self.hidden[0]}, got {self.heads}"
            )
        if self.scheduler == "plateau":
            raise ConfigError(
                "scheduler: char-lm takes cosine, step, inverse-time or none, got 'plateau'"
            )
        return self


def corpus_lines(cfg: CharLMConfig) -> list[str]:
    """The lines of the configured corpus, in training order."""
    if cfg.text_file:
        lines = read_text_lines(cfg.text_file)
        if len(lines) < 10:
            raise DataFormatError(
                f"{cfg.text_file}: expected at least 10 non-blank lines (every tenth is held "
                f"out for validation), got {len(lines)}"
            )
        return lines
    names = FirstNames()
    return [names[i] for i in np.random.default_rng(0).permutation(len(names))]


def split_lines(lines: list[str]) -> tuple[list[str], list[str]]:
    """(training lines, validation lines): every tenth line (the 10th, 20th...) validates."""
    return [s for i, s in enumerate(lines) if i % 10 != 9], lines[9::10]


def chunks(ids: np.ndarray, context: int) -> tuple[np.ndarray, np.ndarray]:
    """(inputs, targets): the stream ``ids`` cut into consecutive chunks of ``context``
    ids, each target the input shifted by one."""
    n = (len(ids) - 1) // context
    x = ids[: n * context].reshape(n, context)
    return x, ids[1 : n * context + 1].reshape(n, context)


class _Flat(Module):
    """The model with its logits as rows, one per character (what the loss and the
    accuracy of the Trainer take)."""

    def __init__(self, model: Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, ids: Tensor) -> Tensor:
        out = self.model(ids)
        return out.reshape(-1, out.shape[-1])


def _flat_targets(samples):
    x, y = default_collate(samples)
    return x, y.reshape(-1)


def build_model(cfg: CharLMConfig, vocab: int) -> Module:
    """The configured model over ``vocab`` characters."""
    if cfg.model == "transformer":
        return CharTransformer(
            vocab, cfg.context, cfg.hidden[0], cfg.heads, len(cfg.hidden), cfg.dropout
        )
    return CharLSTM(vocab, cfg.embed_dim, cfg.hidden[0], len(cfg.hidden), cfg.dropout)


@no_grad()
def mean_loss(model: Module, x: np.ndarray, y: np.ndarray, batch: int = 256) -> dict:
    """Mean cross-entropy per character (nats), bits per character and next-character
    accuracy of ``model`` (eval mode) on the chunks ``x`` -> ``y``."""
    model.eval()
    device = next(model.parameters()).device
    total, right = 0.0, 0
    for i in range(0, len(x), batch):
        out = model(Tensor._make(x[i : i + batch]).to(device)).cpu()
        rows = out.reshape(-1, out.shape[-1])
        target = Tensor._make(y[i : i + batch].reshape(-1))
        total += cross_entropy(rows, target, reduction="sum").item()
        right += int((rows._data.argmax(axis=1) == target._data).sum())
    loss = total / y.size
    return {"val_loss": loss, "val_bpc": loss / math.log(2), "val_accuracy": right / y.size}


class CharData:
    """The corpus as training and validation chunks of ids over its ``alphabet``."""

    def __init__(self, cfg: CharLMConfig, alphabet: list[str] | None = None) -> None:
        train, valid = split_lines(corpus_lines(cfg))
        streams = ["\n" + "\n".join(part) + "\n" for part in (train, valid)]
        self.alphabet = alphabet or sorted(set("".join(streams)))
        index = {c: i for i, c in enumerate(self.alphabet)}
        missing = sorted(set("".join(streams)) - set(index))
        if missing:
            raise DataFormatError(
                f"the corpus has characters the run's alphabet lacks: {''.join(missing[:10])!r}"
            )
        ids = [np.array([index[c] for c in s], np.int64) for s in streams]
        self.train = chunks(ids[0], cfg.context)
        self.valid = chunks(ids[1], cfg.context)
        if not len(self.train[0]) or not len(self.valid[0]):
            raise DataFormatError(
                f"the corpus is too short for chunks of {cfg.context} characters: give a "
                "smaller --context"
            )


def read_alphabet(folder: Path) -> list[str]:
    """The characters of the char-lm run in ``folder`` (its alphabet.json)."""
    path = folder / "alphabet.json"
    if not path.is_file():
        raise ConfigError(f"{folder}: not a char-lm run folder (no alphabet.json)")
    try:
        chars = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, ValueError) as err:
        raise DataFormatError(f"{path}: not a JSON list of characters ({err})") from None
    if not (
        isinstance(chars, list)
        and "\n" in chars
        and all(isinstance(c, str) and len(c) == 1 for c in chars)
    ):
        raise DataFormatError(f"{path}: expected a JSON list of single characters with '\\n'")
    return chars


def load_model(cfg: CharLMConfig, folder: Path, which: str = "best") -> tuple[list[str], Module]:
    """(alphabet, model with the weights of checkpoint ``which``) of the run in ``folder``."""
    alphabet = read_alphabet(folder)
    model = build_model(cfg, len(alphabet))
    load_checkpoint(
        folder / "checkpoints" / f"{which}.safetensors", _Flat(model), restore_rng=False
    )
    return alphabet, model.eval()


def sample_lines(
    cfg: CharLMConfig,
    model: Module,
    alphabet: list[str],
    num: int,
    temperature: float = 1.0,
    max_length: int = 100,
    seed: int = 0,
    prompt: str = "",
) -> list[str]:
    """``num`` lines drawn from ``model``, each ``prompt`` and its continuation up to the end
    of the line (at most ``max_length`` more characters), with a NumPy generator seeded by
    ``seed``."""
    index = {c: i for i, c in enumerate(alphabet)}
    unknown = sorted({c for c in prompt if c not in index or c == "\n"})
    if unknown:
        raise ConfigError(
            f"--prompt: expected one line of the run's characters; {''.join(unknown)!r} "
            "is not among them"
        )
    ids = [index["\n"]] + [index[c] for c in prompt]
    drawn = generate(
        model,
        ids,
        num,
        index["\n"],
        cfg.context,
        max_length,
        temperature,
        np.random.default_rng(seed),
    )
    return [prompt + "".join(alphabet[i] for i in d) for d in drawn]


def _report_scores(scores: dict, report: Report) -> None:
    """The validation line of ``finish`` and ``evaluate``."""
    report(
        f"valid: loss {scores['val_loss']:.4f} nats/char  {scores['val_bpc']:.4f} bits/char"
        f"  next-character accuracy {scores['val_accuracy']:.4f}"
    )


class CharLM(Task[CharLMConfig]):
    """A character model trained with cross-entropy on the next character."""

    name = "char-lm"
    config_class = CharLMConfig
    defaults = dict(
        hidden=[128],
        dropout=0.1,
        optimizer="adam",
        lr=3e-3,
        scheduler="cosine",
        batch_size=32,
        epochs=30,
        grad_clip=1.0,
    )
    header = (
        f"{'epoch':>5} {'loss':>8} {'val_loss':>9} {'val_bpc':>8} {'val_acc':>8} {'lr':>9} "
        f"{'time':>6}"
    )

    def config(self, values=None) -> CharLMConfig:
        """The defaults; with ``model`` 'transformer', ``TRANSFORMER_DEFAULTS`` on top."""
        cfg = super().config(values)
        if (values or {}).get("model") == "transformer":
            for key, value in TRANSFORMER_DEFAULTS.items():
                setattr(cfg, key, list(value) if isinstance(value, list) else value)
        return cfg

    def name_prefix(self, cfg: CharLMConfig) -> str:
        return f"char-{cfg.model}"

    def prepare(self, cfg: CharLMConfig) -> Setup:
        manual_seed(cfg.seed)
        data = CharData(cfg)
        model = build_model(cfg, len(data.alphabet)).to(cfg.device)
        train = TensorDataset(*(Tensor._make(a) for a in data.train))
        loader = DataLoader(
            train, batch_size=cfg.batch_size, shuffle=True, collate_fn=_flat_targets
        )
        return Setup(
            model,
            loader,
            cross_entropy,
            wrapper=_Flat(model),
            monitor="val_loss",
            monitor_mode="min",
            epoch_metrics=lambda: mean_loss(model, *data.valid),
            data=data,
        )

    def save_files(self, setup: Setup, folder: Path) -> dict[str, str]:
        atomic_write_text(folder / "alphabet.json", json.dumps(setup.data.alphabet))
        return {"alphabet": "alphabet.json"}

    def headline(self, cfg: CharLMConfig, setup: Setup, folder: Path) -> str:
        size = sum(p.numel() for p in setup.model.parameters())
        corpus = cfg.text_file or "the mimesis first names"
        return (
            f"training char-lm ({cfg.model}) on {corpus} -> {folder}  ({size:,} parameters, "
            f"{len(setup.data.alphabet)} characters, {setup.data.train[0].size:,} training "
            "characters)"
        )

    def row(self, logs: dict) -> str:
        return (
            f"{logs['epoch']:>5} {logs['loss']:>8.4f} {logs['val_loss']:>9.4f} "
            f"{logs['val_bpc']:>8.4f} {logs['val_accuracy']:>8.4f} {logs['lr']:>9.2e} "
            f"{logs['seconds']:>5.1f}s"
        )

    def finish(
        self, cfg: CharLMConfig, setup: Setup, trainer: Trainer, folder: Path, report: Report
    ) -> dict:
        load_checkpoint(
            folder / "checkpoints" / "best.safetensors", setup.trainable, restore_rng=False
        )
        scores = mean_loss(setup.model, *setup.data.valid)
        _report_scores(scores, report)
        samples = sample_lines(cfg, setup.model, setup.data.alphabet, 8, seed=cfg.seed)
        report("samples: " + ", ".join(samples))
        return {**{k: round(v, 4) for k, v in scores.items()}, "samples": samples}

    def evaluate(self, cfg: CharLMConfig, folder: Path, checkpoint: str, report: Report) -> None:
        alphabet, model = load_model(cfg, folder, checkpoint)
        scores = mean_loss(model, *CharData(cfg, alphabet).valid)
        _report_scores(scores, report)

    def predict(
        self, cfg: CharLMConfig, folder: Path, file: str | None, text: str | None, report: Report
    ) -> None:
        raise ConfigError("predict: a char-lm run generates text: use neuronet sample RUN")

    def exportable(self, cfg: CharLMConfig, folder: Path):
        raise ConfigError(
            "export: char-lm runs cannot be exported (their models read a sequence of any "
            "length, which ONNX export does not trace); neuronet sample RUN generates text"
        )
