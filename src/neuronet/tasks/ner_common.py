"""What the two NER tasks share: CoNLL-2003 as windows of GloVe-initialised word ids, their
settings, and the part of training, evaluating and predicting that does not depend on the model.

Besides the usual files, an NER run folder holds ``vocab.txt`` (one word per line, the id is
the line number), which ``evaluate`` and ``predict`` need to turn text into windows.
"""

from __future__ import annotations

import re
from abc import abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..autograd.grad_mode import no_grad
from ..data.datasets import CoNLL2003, GloVe
from ..data.formats import DataFormatError
from ..models.mlp import initialise_linear_layers
from ..nn import Module
from ..random import manual_seed, numpy_generator
from ..serialization import atomic_write_text
from ..tensor import Tensor
from ..training.checkpoint import load_checkpoint
from ..training.config import ConfigError, TrainConfig
from ..training.trainer import Trainer
from .base import Report, Setup, Task
from .ner_windows import Vocabulary, WindowFeaturizer

TYPES = ["O", "PER", "ORG", "LOC", "MISC"]
ENTITY_TYPES = ("PER", "ORG", "LOC", "MISC")


def tag_type(tag: str) -> str:
    """The entity type of a BIO tag ('B-LOC' -> 'LOC'; 'O' stays 'O')."""
    return tag[2:] if tag != "O" else "O"


@dataclass
class NerConfig(TrainConfig):
    """The NER tasks' settings: ``TrainConfig``'s on CoNLL-2003, and the window's."""

    NON_NEGATIVE = TrainConfig.NON_NEGATIVE + ("window", "casing_dim")

    dataset: str = "conll2003"
    batch_norm: bool = False
    val_size: int = 0
    window: int = field(default=2, metadata={"help": "NER: words on each side of the centre word"})
    entity: str = field(
        default="LOC",
        metadata={"help": "ner-scorer: the entity type to detect (LOC, PER, ORG, MISC)"},
    )
    casing_dim: int = field(
        default=4,
        metadata={"help": "ner-window, ner-bilstm: size of the casing embedding (0: none)"},
    )

    def datasets(self) -> Sequence[str]:
        return ["conll2003"]

    def choices(self) -> dict[str, Sequence[str]]:
        return {**super().choices(), "entity": ENTITY_TYPES}

    def validate(self) -> NerConfig:
        """``TrainConfig``'s checks; and the NER models have one hidden layer."""
        super().validate()
        if len(self.hidden) != 1:
            raise ConfigError(
                f"hidden: the {self.task or 'NER'} model has one hidden layer: expected one "
                f"size, got {','.join(map(str, self.hidden))}"
            )
        return self


def build_vocabulary(splits: dict, glove) -> Vocabulary:
    """Training words, plus the words of the other splits that have a GloVe vector (so they
    keep their pretrained meaning; the rest are unknown)."""
    words = [t.word for s in splits["train"] for t in s]
    for name in ("valid", "test"):
        words += [t.word for s in splits[name] for t in s if t.word.lower() in glove]
    return Vocabulary(words)


def embedding_matrix(vocab: Vocabulary, glove, rng: np.random.Generator) -> np.ndarray:
    """GloVe rows where the word has one, small random rows elsewhere, zeros for padding."""
    scale = float(glove.vectors.std())
    out = rng.normal(0.0, scale, (len(vocab), glove.dim)).astype(np.float32)
    out[0] = 0
    for i, w in enumerate(vocab.words):
        j = glove.index.get(w)
        if j is not None:
            out[i] = glove.vectors[j]
    return out


class NerData:
    """The corpus: ``splits`` (sentences of tokens) and ``tags`` (their BIO tags) per split,
    GloVe and a new vocabulary unless ``vocab`` is given; and, by ``encode``, the windows:
    ``x[split]`` int64 (N, 2 * window) (word ids, then casings) and ``y[split]`` type ids."""

    def __init__(self, cfg: NerConfig, vocab: Vocabulary | None = None) -> None:
        self.splits = {s: CoNLL2003(s) for s in ("train", "valid", "test")}
        self.glove = GloVe(50) if vocab is None else None
        self.vocab = vocab or build_vocabulary(self.splits, self.glove)
        self.tags = {name: [[t.tag for t in s] for s in ss] for name, ss in self.splits.items()}
        self.encode(cfg)

    def encode(self, cfg: NerConfig) -> None:
        """The model's inputs: the windows ``x`` and their type ids ``y`` per split."""
        self.featurizer = WindowFeaturizer(self.vocab, cfg.window)
        self.x, self.y = {}, {}
        for name, sentences in self.splits.items():
            ids, cases = self.featurizer.sentences([[t.word for t in s] for s in sentences])
            self.x[name] = np.concatenate([ids, cases], axis=1)
            self.y[name] = np.array([TYPES.index(tag_type(t.tag)) for s in sentences for t in s])


def model_outputs(model: Module, x: np.ndarray, batch: int) -> np.ndarray:
    """The model's outputs (eval mode, no graph) for host array ``x``, on the host."""
    device = next(model.parameters()).device
    model.eval()
    with no_grad():
        return np.concatenate(
            [
                model(Tensor._make(x[i : i + batch]).to(device)).cpu()._data
                for i in range(0, len(x), batch)
            ]
        )


def tokenize(text: str) -> list[str]:
    """Words and punctuation marks, as CoNLL tokenises them."""
    return re.findall(r"(?:\w\.){2,}|\w+(?:[-']\w+)*|[^\w\s]", text)


class NerTask(Task[NerConfig]):
    """A window model on CoNLL-2003 with GloVe 50-d word vectors; the best checkpoint is the
    one with the best validation F1. Subclasses give the model, its training data and loss, and
    its scores."""

    config_class = NerConfig
    header = (
        f"{'epoch':>5} {'loss':>8} {'val_P':>7} {'val_R':>7} {'val_F1':>7} {'lr':>9} {'time':>6}"
    )
    #: What one training example is, for the headline ('windows', 'pairs').
    unit: str
    #: The model's input columns per word of a window: 2 (word id, casing) or 1 (word id).
    columns_per_word: int

    @abstractmethod
    def network(self, cfg: NerConfig, vocab_size: int, embeddings: np.ndarray | None) -> Module:
        """The task's model, its word embeddings set to ``embeddings`` (GloVe) when given."""

    def trainable(self, model: Module) -> Module:
        """What the Trainer trains and checkpoints for ``model``: the model itself unless a
        subclass wraps it."""
        return model

    @abstractmethod
    def training_data(
        self, cfg: NerConfig, model: Module, data: NerData, rng: np.random.Generator
    ) -> Setup:
        """The Setup for ``model`` on ``data``: its loader, loss and validation metrics
        (``rng`` draws what the task samples)."""

    @abstractmethod
    def scores(self, cfg: NerConfig, model: Module, data: NerData, report: Report) -> dict:
        """``report`` the model's valid and test scores; return them as the summary's
        figures."""

    @abstractmethod
    def tag(
        self, cfg: NerConfig, folder: Path, model: Module, ids: np.ndarray, cases: np.ndarray
    ) -> list[str]:
        """The predicted tag of each window (word ids ``ids``, casings ``cases``)."""

    def build_model(self, cfg: NerConfig, vocab_size: int, embeddings: np.ndarray | None) -> Module:
        """The configured model (hidden size, activation, dropout, initialisation), with its
        word embeddings set to ``embeddings`` (GloVe) when given."""
        return initialise_linear_layers(self.network(cfg, vocab_size, embeddings), cfg.init)

    def corpus(self, cfg: NerConfig, vocab: Vocabulary | None = None) -> NerData:
        """CoNLL-2003 as this task's model reads it (``NerData``: windows), with a new
        vocabulary unless ``vocab`` is given."""
        return NerData(cfg, vocab)

    def prepare(self, cfg: NerConfig) -> Setup:
        manual_seed(cfg.seed)
        data = self.corpus(cfg)
        rng = numpy_generator()
        embeddings = embedding_matrix(data.vocab, data.glove, rng)
        model = self.build_model(cfg, len(data.vocab), embeddings).to(cfg.device)
        return self.training_data(cfg, model, data, rng)

    def save_files(self, setup: Setup, folder: Path) -> dict[str, str]:
        atomic_write_text(folder / "vocab.txt", "\n".join(setup.data.vocab.words))
        return {"vocabulary": "vocab.txt"}

    def headline(self, cfg: NerConfig, setup: Setup, folder: Path) -> str:
        return (
            f"training {cfg.task} on CoNLL-2003 -> {folder}  ({len(setup.data.vocab):,} "
            f"words, {len(setup.train_loader.dataset):,} training {self.unit})"
        )

    def row(self, logs: dict) -> str:
        return (
            f"{logs['epoch']:>5} {logs['loss']:>8.4f} {logs['val_precision']:>7.4f} "
            f"{logs['val_recall']:>7.4f} {logs['val_f1']:>7.4f} {logs['lr']:>9.2e} "
            f"{logs['seconds']:>5.1f}s"
        )

    def finish(
        self, cfg: NerConfig, setup: Setup, trainer: Trainer, folder: Path, report: Report
    ) -> dict:
        load_checkpoint(
            folder / "checkpoints" / "best.safetensors", setup.trainable, restore_rng=False
        )
        return self.scores(cfg, setup.model, setup.data, report)

    def load(self, cfg: NerConfig, folder: Path) -> tuple[Vocabulary, Module]:
        """(vocabulary, model with the best weights) of the NER run in ``folder``: ``evaluate``
        and ``predict`` use the best checkpoint."""
        path = folder / "vocab.txt"
        if not path.is_file():
            raise ConfigError(f"{folder}: not an NER run folder (no vocab.txt)")
        try:
            words = path.read_text(encoding="utf-8").split("\n")
        except UnicodeDecodeError as err:
            raise DataFormatError(
                f"{path}: the vocabulary is not UTF-8 text (byte {err.start}); it is corrupted: "
                "train the run again"
            ) from None
        if words[:2] != ["<pad>", "<unk>"]:
            raise DataFormatError(f"{path}: not a vocabulary (it must begin with <pad>, <unk>)")
        vocab = Vocabulary(words[2:])
        model = self.build_model(cfg, len(vocab), None)
        load_checkpoint(
            folder / "checkpoints" / "best.safetensors", self.trainable(model), restore_rng=False
        )
        return vocab, model

    def exportable(self, cfg: NerConfig, folder: Path) -> tuple[Module, Tensor]:
        """The model of the best checkpoint, and one window of zero ids."""
        model = self.load(cfg, folder)[1]
        model.eval()
        width = self.columns_per_word * (2 * cfg.window + 1)
        return model, Tensor._make(np.zeros((1, width), np.int64))

    def predict(
        self, cfg: NerConfig, folder: Path, file: str | None, text: str | None, report: Report
    ) -> None:
        """One 'word<TAB>tag' line per token of ``text``."""
        if not text:
            raise ConfigError('predict: an NER run tags a sentence: pass --text "..."')
        vocab, model = self.load(cfg, folder)
        words = tokenize(text)
        if not words:
            return
        for word, tag in zip(words, self.tag_words(cfg, folder, model, vocab, words), strict=True):
            report(f"{word}\t{tag}")

    def tag_words(
        self, cfg: NerConfig, folder: Path, model: Module, vocab: Vocabulary, words: list[str]
    ) -> list[str]:
        """The predicted tag of each of ``words`` (one sentence): ``tag`` of their windows."""
        ids, cases = WindowFeaturizer(vocab, cfg.window).sentence(words)
        return self.tag(cfg, folder, model, ids, cases)
