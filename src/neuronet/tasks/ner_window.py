"""The window classifier (``--task ner-window``, as in Stanford CS224n): the type of each word
(O, PER, ORG, LOC, MISC) from the window around it, with softmax and cross-entropy; scored on
entities with CoNLL semantics."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from ..data import DataLoader, TensorDataset
from ..models import WindowClassifier
from ..nn import Module
from ..nn.functional import cross_entropy
from ..tensor import Tensor
from ..training.metrics import format_confusion
from ..training.ner_metrics import entity_scores, token_scores, types_to_bio
from .base import Report, Setup
from .ner_common import TYPES, NerConfig, NerData, NerTask, model_outputs, tag_type
from .ner_windows import CASINGS


def predict_types(model: Module, x: np.ndarray, batch: int = 4096) -> np.ndarray:
    """The predicted type id of each window in ``x``."""
    return model_outputs(model, x, batch).argmax(axis=1) if len(x) else np.zeros(0, int)


def _split_sentences(flat: list, lengths: list[int]) -> list[list]:
    out, start = [], 0
    for n in lengths:
        out.append(flat[start : start + n])
        start += n
    return out


def evaluate_classifier(model: Module, data: NerData, split: str) -> dict:
    """Entity-level P/R/F1 (CoNLL semantics) and token-level scores on ``split``."""
    predicted = [TYPES[i] for i in predict_types(model, data.x[split])]
    lengths = [len(s) for s in data.tags[split]]
    pred_bio = [types_to_bio(s) for s in _split_sentences(predicted, lengths)]
    gold_types = [tag_type(t) for s in data.tags[split] for t in s]
    return {
        "entities": entity_scores(data.tags[split], pred_bio),
        "tokens": token_scores(gold_types, predicted, TYPES),
    }


def _score_table(scores: dict, first: str, report: Report) -> None:
    report(f"{first:>8} {'precision':>10} {'recall':>8} {'F1':>8} {'support':>8}")
    for name, r in scores.items():
        report(
            f"{name:>8} {r['precision']:>10.4f} {r['recall']:>8.4f} {r['f1']:>8.4f} "
            f"{r['support']:>8}"
        )


class NerWindow(NerTask):
    """CS224n's recipe: GloVe 50-d, 5-word windows, one hidden layer, fine-tuned."""

    name = "ner-window"
    defaults = dict(
        hidden=[300],
        activation="relu",
        dropout=0.3,
        optimizer="adam",
        lr=1e-3,
        batch_size=256,
        epochs=6,
    )
    columns_per_word = 2
    unit = "windows"

    def network(self, cfg: NerConfig, vocab_size: int, embeddings: np.ndarray | None) -> Module:
        return WindowClassifier(
            vocab_size,
            50,
            2 * cfg.window + 1,
            cfg.hidden[0],
            len(TYPES),
            cfg.activation,
            cfg.dropout,
            cfg.casing_dim,
            embeddings,
            casings=len(CASINGS),
        )

    def training_data(
        self, cfg: NerConfig, model: Module, data: NerData, rng: np.random.Generator
    ) -> Setup:
        train = TensorDataset(Tensor._make(data.x["train"]), Tensor._make(data.y["train"]))
        return Setup(
            model,
            DataLoader(train, batch_size=cfg.batch_size, shuffle=True),
            cross_entropy,
            monitor="val_f1",
            epoch_metrics=self.validation_metrics(model, data),
            data=data,
        )

    def validation_metrics(self, model: Module, data: NerData) -> Callable[[], dict]:
        """The epoch metrics: entity-level ``val_precision``, ``val_recall``, ``val_f1``."""

        def metrics() -> dict:
            scores = self.evaluation(model, data, "valid")["entities"]["overall"]
            return {
                "val_precision": scores["precision"],
                "val_recall": scores["recall"],
                "val_f1": scores["f1"],
            }

        return metrics

    def evaluation(self, model: Module, data: NerData, split: str) -> dict:
        """Entity-level and token-level scores of ``model`` on ``split`` (as
        ``evaluate_classifier`` returns them)."""
        return evaluate_classifier(model, data, split)

    def scores(self, cfg: NerConfig, model: Module, data: NerData, report: Report) -> dict:
        result = {s: self.evaluation(model, data, s) for s in ("valid", "test")}
        for split in ("valid", "test"):
            e = result[split]["entities"]["overall"]
            report(
                f"{split}: entity precision {e['precision']:.4f}  recall {e['recall']:.4f}  "
                f"F1 {e['f1']:.4f}   token accuracy {result[split]['tokens']['accuracy']:.4f}"
            )
        return {
            s: {k: round(v, 4) for k, v in r["entities"]["overall"].items()}
            for s, r in result.items()
        }

    def evaluate(self, cfg: NerConfig, folder: Path, checkpoint: str, report: Report) -> None:
        vocab, model = self.load(cfg, folder)
        data = self.corpus(cfg, vocab)
        for split in ("valid", "test"):
            result = self.evaluation(model, data, split)
            report(f"== {split}: token accuracy {result['tokens']['accuracy']:.4f}")
            _score_table(result["entities"], "entity", report)
            _score_table(result["tokens"]["per_label"], "token", report)
            report("token confusion matrix (rows: true type, columns: predicted):")
            report(format_confusion(result["tokens"]["confusion"], TYPES))

    def tag(
        self, cfg: NerConfig, folder: Path, model: Module, ids: np.ndarray, cases: np.ndarray
    ) -> list[str]:
        types = [TYPES[i] for i in predict_types(model, np.concatenate([ids, cases], axis=1))]
        return types_to_bio(types)
