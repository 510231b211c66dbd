"""Named-entity evaluation with CoNLL semantics: an entity counts only when its span and type
both match exactly. Tags are BIO (``B-LOC``, ``I-LOC``, ``O``); as in ``conlleval``, an
``I-X`` that does not continue an ``X`` entity starts a new one."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def entities(tags: Sequence[str]) -> set[tuple[int, int, str]]:
    """The (start, end_exclusive, type) spans of a BIO tag sequence."""
    spans: set[tuple[int, int, str]] = set()
    start: int | None = None
    kind: str | None = None
    for i, tag in enumerate(list(tags) + ["O"]):
        prefix, _, t = tag.partition("-")
        continues = prefix == "I" and kind == t
        if start is not None and not continues:
            assert kind is not None  # (set together with start)
            spans.add((start, i, kind))
            start, kind = None, None
        if prefix == "B" or (prefix == "I" and not continues):
            start, kind = i, t
    return spans


def types_to_bio(types: Sequence[str]) -> list[str]:
    """Per-token entity types (``O``, ``LOC``, ...) as BIO tags: a run of one type is one
    entity."""
    out, prev = [], "O"
    for t in types:
        out.append("O" if t == "O" else (f"I-{t}" if t == prev else f"B-{t}"))
        prev = t
    return out


def _prf(correct: int, predicted: int, gold: int) -> dict:
    p = correct / predicted if predicted else 0.0
    r = correct / gold if gold else 0.0
    return {
        "precision": p,
        "recall": r,
        "f1": 2 * p * r / (p + r) if p + r else 0.0,
        "support": gold,
    }


def entity_scores(gold: Sequence[Sequence[str]], predicted: Sequence[Sequence[str]]) -> dict:
    """Entity-level precision, recall and F1 over sentences, overall and per type."""
    if len(gold) != len(predicted):
        raise ValueError(
            f"entity_scores: {len(gold)} gold sentences but {len(predicted)} predicted"
        )
    counts: dict[str, list[int]] = {}
    for g, p in zip(gold, predicted):
        if len(g) != len(p):
            raise ValueError(
                f"entity_scores: a sentence of {len(g)} gold tags has {len(p)} predicted tags"
            )
        ge, pe = entities(g), entities(p)
        for span in ge | pe:
            c = counts.setdefault(span[2], [0, 0, 0])
            c[0] += span in ge and span in pe
            c[1] += span in pe
            c[2] += span in ge
    total = [sum(c[i] for c in counts.values()) for i in range(3)]
    return {"overall": _prf(*total), **{t: _prf(*c) for t, c in sorted(counts.items())}}


def token_scores(gold: Sequence[str], predicted: Sequence[str], labels: Sequence[str]) -> dict:
    """Token accuracy, per-label precision/recall/F1 and the confusion matrix
    (rows: gold label, columns: predicted)."""
    index = {lab: i for i, lab in enumerate(labels)}
    g = np.array([index[t] for t in gold])
    p = np.array([index[t] for t in predicted])
    confusion = np.zeros((len(labels), len(labels)), dtype=np.int64)
    np.add.at(confusion, (g, p), 1)
    per = {}
    for i, lab in enumerate(labels):
        tp = int(confusion[i, i])
        per[lab] = _prf(tp, int(confusion[:, i].sum()), int(confusion[i].sum()))
    return {
        "accuracy": float((g == p).mean()) if len(g) else 0.0,
        "per_label": per,
        "confusion": confusion,
    }
