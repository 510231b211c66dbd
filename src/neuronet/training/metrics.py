"""Metrics: running means, accuracy and confusion matrices."""

from __future__ import annotations

import numpy as np


class RunningMean:
    """A weighted running average (of a loss over batches of different sizes)."""

    def __init__(self) -> None:
        self.total, self.count = 0.0, 0

    def update(self, value: float, n: int = 1) -> None:
        self.total += float(value) * n
        self.count += n

    @property
    def value(self) -> float:
        return self.total / self.count if self.count else float("nan")


def accuracy(logits: np.ndarray, targets: np.ndarray) -> float:
    """Fraction of rows whose arg-max equals the target class."""
    return float((np.asarray(logits).argmax(axis=1) == np.asarray(targets)).mean())


def confusion_matrix(predicted: np.ndarray, targets: np.ndarray, num_classes: int) -> np.ndarray:
    """Counts[true class, predicted class]."""
    counts = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(counts, (np.asarray(targets), np.asarray(predicted)), 1)
    return counts


def format_confusion(counts: np.ndarray, labels: list[str]) -> str:
    """The confusion matrix as a text table (rows: true class, columns: predicted)."""
    width = max(6, max(len(s) for s in labels) + 1, len(str(counts.max())) + 1)
    head = " " * width + "".join(f"{s[: width - 1]:>{width}}" for s in labels)
    rows = [
        f"{lab[: width - 1]:>{width}}" + "".join(f"{v:>{width}}" for v in row)
        for lab, row in zip(labels, counts)
    ]
    return "\n".join([head] + rows)
