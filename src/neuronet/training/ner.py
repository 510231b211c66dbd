"""Named-entity recognition on CoNLL-2003 with GloVe: the notes' window scorer and the window
classifier, from a ``TrainConfig`` to a run folder (as ``recipes`` does for images).

Besides the usual files, an NER run folder holds ``vocab.txt`` (one word per line, the id is
the line number), which ``predict`` needs to turn text into windows.
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Callable

import numpy as np

from .. import nn
from ..autograd.grad_mode import no_grad
from ..data import DataLoader, TensorDataset
from ..data.datasets import CoNLL2003, GloVe
from ..data.windows import Vocabulary, WindowFeaturizer, corrupt_windows
from ..models import WindowClassifier, WindowScorer, max_margin_loss
from ..random import numpy_generator
from ..serialization import atomic_write_text
from ..tensor import Tensor
from .config import TrainConfig
from .ner_metrics import entity_scores, token_scores, types_to_bio

TYPES = ["O", "PER", "ORG", "LOC", "MISC"]


def tag_type(tag: str) -> str:
    return tag[2:] if tag != "O" else "O"


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
    """The corpus as windows: ``x[split]`` int64 (N, 2 * window) and ``y[split]`` type ids."""

    def __init__(self, cfg: TrainConfig, vocab: Vocabulary | None = None) -> None:
        self.splits = {s: CoNLL2003(s) for s in ("train", "valid", "test")}
        self.glove = GloVe(50) if vocab is None else None
        self.vocab = vocab or build_vocabulary(self.splits, self.glove)
        self.featurizer = WindowFeaturizer(self.vocab, cfg.window)
        self.x, self.y, self.tags = {}, {}, {}
        for name, sentences in self.splits.items():
            ids, cases = self.featurizer.sentences([[t.word for t in s] for s in sentences])
            self.x[name] = np.concatenate([ids, cases], axis=1)
            self.y[name] = np.array([TYPES.index(tag_type(t.tag)) for s in sentences for t in s])
            self.tags[name] = [[t.tag for t in s] for s in sentences]


def _outputs(model, x: np.ndarray, batch: int) -> np.ndarray:
    """The model's outputs (eval mode, no graph) for host array ``x``, on the host."""
    device = next(model.parameters()).device
    model.eval()
    with no_grad():
        return np.concatenate([model(Tensor._make(x[i:i + batch]).to(device)).cpu().data
                               for i in range(0, len(x), batch)])


def predict_types(model, x: np.ndarray, batch: int = 4096) -> np.ndarray:
    return _outputs(model, x, batch).argmax(axis=1) if len(x) else np.zeros(0, int)


def _split_sentences(flat: list, lengths: list[int]) -> list[list]:
    out, start = [], 0
    for n in lengths:
        out.append(flat[start:start + n])
        start += n
    return out


def evaluate_classifier(model, data: NerData, split: str) -> dict:
    """Entity-level P/R/F1 (CoNLL semantics) and token-level scores on ``split``."""
    predicted = [TYPES[i] for i in predict_types(model, data.x[split])]
    lengths = [len(s) for s in data.tags[split]]
    pred_bio = [types_to_bio(s) for s in _split_sentences(predicted, lengths)]
    gold_types = [tag_type(t) for s in data.tags[split] for t in s]
    return {"entities": entity_scores(data.tags[split], pred_bio),
            "tokens": token_scores(gold_types, predicted, TYPES)}


def window_scores(scorer: WindowScorer, x: np.ndarray, window: int) -> np.ndarray:
    return _outputs(scorer, np.ascontiguousarray(x[:, :window]), 8192)


def best_threshold(scores: np.ndarray, positive: np.ndarray) -> float:
    """The score threshold with the best F1 for 'positive' on these windows."""
    order = np.argsort(-scores)
    hits = np.cumsum(positive[order])
    precision = hits / np.arange(1, len(scores) + 1)
    recall = hits / max(positive.sum(), 1)
    f1 = 2 * precision * recall / np.maximum(precision + recall, 1e-12)
    k = int(np.argmax(f1))
    return float(scores[order[k]])


def detection_scores(scores: np.ndarray, positive: np.ndarray, threshold: float) -> dict:
    chosen = scores >= threshold
    tp = int((chosen & positive).sum())
    p = tp / max(int(chosen.sum()), 1)
    r = tp / max(int(positive.sum()), 1)
    return {"precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0,
            "threshold": threshold}


class PairScorer(nn.Module):
    """Scores (true, negative) window pairs: input (N, 2, window) ids -> (N, 2) scores."""

    def __init__(self, scorer: WindowScorer) -> None:
        super().__init__()
        self.scorer = scorer

    def forward(self, pairs: Tensor) -> Tensor:
        n, _, w = pairs.shape
        return self.scorer(pairs.reshape(n * 2, w)).reshape(n, 2)


def scorer_pairs(data: NerData, cfg: TrainConfig, rng: np.random.Generator) -> np.ndarray:
    """For every window whose centre is an ``entity``: one corrupted copy (the notes' s_c) and
    one real window whose centre is not that entity."""
    w = data.featurizer.size
    x, y = data.x["train"][:, :w], data.y["train"]
    target = TYPES.index(cfg.entity)
    positive = x[y == target]
    others = x[y != target]
    corrupted = corrupt_windows(positive, len(data.vocab), rng)
    real = others[rng.integers(0, len(others), len(positive))]
    pairs = np.concatenate([np.stack([positive, corrupted], 1), np.stack([positive, real], 1)])
    return pairs[rng.permutation(len(pairs))]


def build_ner_model(cfg: TrainConfig, vocab_size: int, embeddings: np.ndarray | None):
    """The configured model (hidden size, activation, dropout, initialisation), with its word
    embeddings set to ``embeddings`` (GloVe) when given."""
    from ..models.mlp import initialise_linear_layers  # noqa: PLC0415

    size = 2 * cfg.window + 1
    if cfg.task == "ner-window":
        model = WindowClassifier(vocab_size, 50, size, cfg.hidden[0], len(TYPES),
                                 cfg.activation, cfg.dropout, cfg.casing_dim, embeddings)
    else:
        model = WindowScorer(vocab_size, 50, size, cfg.hidden[0], cfg.activation, cfg.pieces,
                             padding_idx=0)
        if embeddings is not None:
            model.embedding.weight.data[...] = embeddings
    return initialise_linear_layers(model, cfg.init)


def prepare_ner(cfg: TrainConfig):
    """(model, train_loader, loss_fn, epoch_metrics, data) for an NER task."""
    from ..random import manual_seed  # noqa: PLC0415

    manual_seed(cfg.seed)
    data = NerData(cfg)
    rng = numpy_generator()
    embeddings = embedding_matrix(data.vocab, data.glove, rng)
    model = build_ner_model(cfg, len(data.vocab), embeddings).to(cfg.device)
    if cfg.task == "ner-window":
        train = TensorDataset(Tensor._make(data.x["train"]), Tensor._make(data.y["train"]))
        loss_fn = nn.functional.cross_entropy

        def metrics() -> dict:
            scores = evaluate_classifier(model, data, "valid")["entities"]["overall"]
            return {"val_precision": scores["precision"], "val_recall": scores["recall"],
                    "val_f1": scores["f1"]}
        trainable = model
    else:
        pairs = scorer_pairs(data, cfg, rng)
        train = TensorDataset(Tensor._make(pairs), Tensor._make(np.zeros(len(pairs), np.int64)))

        def loss_fn(out, _):
            return max_margin_loss(out[:, 0], out[:, 1])

        def metrics() -> dict:
            return scorer_report(model, data, cfg)["valid"]
        trainable = PairScorer(model)
    loader = DataLoader(train, batch_size=cfg.batch_size, shuffle=True)
    return model, trainable, loader, loss_fn, metrics, data


def scorer_report(model: WindowScorer, data: NerData, cfg: TrainConfig) -> dict:
    """LOC (or ``entity``) detection by score threshold: the threshold with the best F1 on the
    training windows, then precision and recall on valid and test."""
    w = data.featurizer.size
    target = TYPES.index(cfg.entity)
    train_scores = window_scores(model, data.x["train"], w)
    threshold = best_threshold(train_scores, data.y["train"] == target)
    out = {}
    for split in ("valid", "test"):
        s = detection_scores(window_scores(model, data.x[split], w), data.y[split] == target,
                             threshold)
        out[split] = {f"val_{k}" if split == "valid" else k: v for k, v in s.items()}
    return out


def train_ner(cfg: TrainConfig, folder: Path, resume: bool, progress: bool,
              report: Callable[[str], None]) -> dict:
    """Train an NER task into ``folder``; returns the summary figures."""
    from .callbacks import ProgressBar  # noqa: PLC0415
    from .recipes import build_optimizer, build_scheduler  # noqa: PLC0415
    from .trainer import Trainer  # noqa: PLC0415

    model, trainable, loader, loss_fn, metrics, data = prepare_ner(cfg)
    atomic_write_text(folder / "vocab.txt", "\n".join(data.vocab.words))
    opt = build_optimizer(cfg, trainable.parameters())
    sched, interval = build_scheduler(cfg, opt, len(loader))
    trainer = Trainer(trainable, loss_fn, opt, sched, interval, plateau_metric="val_f1",
                      callbacks=[ProgressBar(enabled=progress)], grad_clip=cfg.grad_clip or None,
                      run_dir=folder, monitor="val_f1", epoch_metrics=metrics,
                      device=None if cfg.device == "cpu" else cfg.device)
    report(f"training {cfg.task} on CoNLL-2003 -> {folder}  ({len(data.vocab):,} words, "
           f"{len(loader.dataset):,} training {'windows' if cfg.task == 'ner-window' else 'pairs'})")
    report(f"{'epoch':>5} {'loss':>8} {'val_P':>7} {'val_R':>7} {'val_F1':>7} {'lr':>9} {'time':>6}")

    def row(logs):
        report(f"{logs['epoch']:>5} {logs['loss']:>8.4f} {logs['val_precision']:>7.4f} "
               f"{logs['val_recall']:>7.4f} {logs['val_f1']:>7.4f} {logs['lr']:>9.2e} "
               f"{logs['seconds']:>5.1f}s")
    trainer.fit(loader, None, cfg.epochs, resume=resume, on_epoch=row)
    from .checkpoint import load_checkpoint  # noqa: PLC0415

    load_checkpoint(folder / "checkpoints" / "best.safetensors", trainable, restore_rng=False)
    if cfg.task == "ner-window":
        result = {s: evaluate_classifier(model, data, s) for s in ("valid", "test")}
        figures = {s: {k: round(v, 4) for k, v in r["entities"]["overall"].items()}
                   for s, r in result.items()}
        for split in ("valid", "test"):
            e = result[split]["entities"]["overall"]
            report(f"{split}: entity precision {e['precision']:.4f}  recall {e['recall']:.4f}  "
                   f"F1 {e['f1']:.4f}   token accuracy {result[split]['tokens']['accuracy']:.4f}")
    else:
        figures = scorer_report(model, data, cfg)
        for split, r in figures.items():
            vals = {k.replace("val_", ""): v for k, v in r.items()}
            report(f"{split}: {cfg.entity} detection precision {vals['precision']:.4f}  recall "
                   f"{vals['recall']:.4f}  F1 {vals['f1']:.4f}  (threshold "
                   f"{vals['threshold']:.3f})")
    return figures


def tokenize(text: str) -> list[str]:
    """Words and punctuation marks, as CoNLL tokenises them."""
    return re.findall(r"(?:\w\.){2,}|\w+(?:[-']\w+)*|[^\w\s]", text)


def load_ner_run(folder: Path) -> tuple:
    """(config, vocabulary, model with the run's best weights) of an NER run folder."""
    from .checkpoint import load_checkpoint  # noqa: PLC0415

    cfg = TrainConfig.from_dict(json.loads((folder / "config.json").read_text()))
    vocab = Vocabulary((folder / "vocab.txt").read_text(encoding="utf-8").split("\n")[2:])
    model = build_ner_model(cfg, len(vocab), None)
    target = model if cfg.task == "ner-window" else PairScorer(model)
    load_checkpoint(folder / "checkpoints" / "best.safetensors", target, restore_rng=False)
    return cfg, vocab, model


def predict_text(folder: Path, text: str) -> list[tuple[str, str]]:
    """(word, predicted tag) for each token of ``text`` with an NER run's best model."""
    cfg, vocab, model = load_ner_run(folder)
    words = tokenize(text)
    if not words:
        return []
    ids, cases = WindowFeaturizer(vocab, cfg.window).sentence(words)
    if cfg.task == "ner-window":
        types = [TYPES[i] for i in predict_types(model, np.concatenate([ids, cases], axis=1))]
        return list(zip(words, types_to_bio(types)))
    summary = json.loads((folder / "summary.json").read_text())
    threshold = summary["figures"]["valid"]["val_threshold"]
    scores = window_scores(model, ids, ids.shape[1])
    return [(w, cfg.entity if s >= threshold else "O") for w, s in zip(words, scores)]
