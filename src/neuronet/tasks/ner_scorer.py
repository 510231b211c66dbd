"""The notes' window scorer (``--task ner-scorer``): s = U^T f(Wx + b) for a window, trained
with the max-margin loss to score windows centred on an entity (``entity``, LOC by default)
above others; a word is tagged when its window's score reaches a threshold."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from .. import nn
from ..data import DataLoader, TensorDataset
from ..models import WindowScorer, max_margin_loss
from ..tensor import Tensor
from .base import Report, Setup
from .ner_common import TYPES, NerConfig, NerData, NerTask, model_outputs
from .ner_windows import corrupt_windows


class PairScorer(nn.Module):
    """Scores (true, negative) window pairs with ``scorer`` (a ``WindowScorer``): input
    (N, 2, window) ids -> (N, 2) scores."""

    def __init__(self, scorer: nn.Module) -> None:
        super().__init__()
        self.scorer = scorer

    def forward(self, pairs: Tensor) -> Tensor:
        n, _, w = pairs.shape
        return self.scorer(pairs.reshape(n * 2, w)).reshape(n, 2)


def window_scores(scorer: nn.Module, x: np.ndarray, window: int) -> np.ndarray:
    """The score of each window: the first ``window`` columns of ``x`` (the word ids)."""
    return model_outputs(scorer, np.ascontiguousarray(x[:, :window]), 8192)


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
    """Precision, recall and F1 of taking the windows scored at least ``threshold``."""
    chosen = scores >= threshold
    tp = int((chosen & positive).sum())
    p = tp / max(int(chosen.sum()), 1)
    r = tp / max(int(positive.sum()), 1)
    return {
        "precision": p,
        "recall": r,
        "f1": 2 * p * r / (p + r) if p + r else 0.0,
        "threshold": threshold,
    }


def scorer_pairs(data: NerData, cfg: NerConfig, rng: np.random.Generator) -> np.ndarray:
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


def scorer_report(model: nn.Module, data: NerData, cfg: NerConfig) -> dict:
    """LOC (or ``entity``) detection by score threshold: the threshold with the best F1 on the
    training windows, then precision and recall on valid (keys ``val_*``) and test."""
    w = data.featurizer.size
    target = TYPES.index(cfg.entity)
    train_scores = window_scores(model, data.x["train"], w)
    threshold = best_threshold(train_scores, data.y["train"] == target)
    out = {}
    for split in ("valid", "test"):
        s = detection_scores(
            window_scores(model, data.x[split], w), data.y[split] == target, threshold
        )
        out[split] = {f"val_{k}" if split == "valid" else k: v for k, v in s.items()}
    return out


def _unprefixed(scores: dict) -> dict:
    return {k.replace("val_", ""): v for k, v in scores.items()}


class NerScorer(NerTask):
    """The notes' scorer s = U^T f(Wx + b), max-margin against corrupted windows, AdaGrad."""

    name = "ner-scorer"
    defaults = dict(
        hidden=[100],
        activation="tanh",
        dropout=0.0,
        optimizer="adagrad",
        lr=0.05,
        batch_size=64,
        epochs=5,
    )
    columns_per_word = 1
    unit = "pairs"

    def network(
        self, cfg: NerConfig, vocab_size: int, embeddings: np.ndarray | None
    ) -> WindowScorer:
        model = WindowScorer(
            vocab_size,
            50,
            2 * cfg.window + 1,
            cfg.hidden[0],
            cfg.activation,
            cfg.pieces,
            padding_idx=0,
        )
        if embeddings is not None:
            model.embedding.weight._data[...] = embeddings
        return model

    def trainable(self, model: nn.Module) -> PairScorer:
        return PairScorer(model)

    def training_data(
        self, cfg: NerConfig, model: nn.Module, data: NerData, rng: np.random.Generator
    ) -> Setup:
        pairs = scorer_pairs(data, cfg, rng)
        train = TensorDataset(Tensor._make(pairs), Tensor._make(np.zeros(len(pairs), np.int64)))

        def loss_fn(out, _):
            return max_margin_loss(out[:, 0], out[:, 1])

        def metrics() -> dict:
            return scorer_report(model, data, cfg)["valid"]

        return Setup(
            model,
            DataLoader(train, batch_size=cfg.batch_size, shuffle=True),
            loss_fn,
            wrapper=self.trainable(model),
            monitor="val_f1",
            epoch_metrics=metrics,
            data=data,
        )

    def scores(self, cfg: NerConfig, model: nn.Module, data: NerData, report: Report) -> dict:
        figures = scorer_report(model, data, cfg)
        for split, r in figures.items():
            r = _unprefixed(r)
            report(
                f"{split}: {cfg.entity} detection precision {r['precision']:.4f}  recall "
                f"{r['recall']:.4f}  F1 {r['f1']:.4f}  (threshold {r['threshold']:.3f})"
            )
        return figures

    def evaluate(self, cfg: NerConfig, folder: Path, checkpoint: str, report: Report) -> None:
        vocab, model = self.load(cfg, folder)
        for split, r in scorer_report(model, NerData(cfg, vocab), cfg).items():
            r = _unprefixed(r)
            report(
                f"{split}: {cfg.entity} precision {r['precision']:.4f}  recall "
                f"{r['recall']:.4f}  F1 {r['f1']:.4f}"
            )

    def tag(
        self, cfg: NerConfig, folder: Path, model: nn.Module, ids: np.ndarray, cases: np.ndarray
    ) -> list[str]:
        """``entity`` where the window's score reaches the threshold chosen in training."""
        summary = json.loads((folder / "summary.json").read_text())
        threshold = summary["figures"]["valid"]["val_threshold"]
        return [
            cfg.entity if s >= threshold else "O" for s in window_scores(model, ids, ids.shape[1])
        ]
