"""The window classifier for named entities (as in Stanford CS224n's window-based NER)."""

from __future__ import annotations

import numpy as np

from .. import nn, ops
from ..tensor import Tensor


def word_embedding(
    vocab_size: int, embedding_dim: int, embeddings: np.ndarray | None
) -> nn.Embedding:
    """An ``Embedding`` of the words (row 0 padding), its rows set to ``embeddings`` (for
    example GloVe's) when given."""
    layer = nn.Embedding(vocab_size, embedding_dim, padding_idx=0)
    if embeddings is not None:
        if embeddings.shape != (vocab_size, embedding_dim):
            raise ValueError(
                f"embeddings: expected shape ({vocab_size}, {embedding_dim}), "
                f"got {embeddings.shape}"
            )
        layer.weight._data[...] = embeddings
    return layer


class WindowClassifier(nn.Module):
    """Classifies the centre word of a window of ``window`` words.

    Input: int64 (N, 2 * window): the word ids, then the casing ids, each below ``casings``
    (``neuronet.tasks.ner_windows`` makes both). Each word becomes its embedding
    (GloVe-initialised, fine-tuned) joined with a small casing embedding; the window's vectors
    are concatenated, then Linear -> activation -> Dropout -> Linear to one logit per class (O,
    PER, ORG, LOC, MISC by default).
    """

    def __init__(
        self,
        vocab_size: int,
        embedding_dim: int = 50,
        window: int = 5,
        hidden: int = 300,
        classes: int = 5,
        activation: str = "relu",
        dropout: float = 0.0,
        casing_dim: int = 4,
        embeddings: np.ndarray | None = None,
        casings: int = 5,
    ) -> None:
        super().__init__()
        self.window = window
        self.words = word_embedding(vocab_size, embedding_dim, embeddings)
        self.casing_dim = casing_dim
        if casing_dim:
            self.casing = nn.Embedding(casings, casing_dim)
        width = window * (embedding_dim + casing_dim)
        self.hidden: nn.Module = nn.Linear(width, hidden)
        if activation == "maxout":
            self.hidden = nn.Maxout(width, hidden)
            self.activation: nn.Module = nn.Identity()
        else:
            self.activation = nn.get_activation(activation)
        self.dropout = nn.Dropout(dropout)
        self.out = nn.Linear(hidden, classes)

    def features(self, x: Tensor) -> Tensor:
        if x.ndim != 2 or x.shape[1] != 2 * self.window:
            raise ValueError(
                f"input: expected int64 of shape (N, {2 * self.window}) (word ids "
                f"then casings), got {tuple(x.shape)}"
            )
        ids, cases = x[:, : self.window], x[:, self.window :]
        parts = self.words(ids)
        if self.casing_dim:
            parts = ops.cat([parts, self.casing(cases)], -1)
        return ops.flatten(parts, 1)

    def forward(self, x: Tensor) -> Tensor:
        return self.out(self.dropout(self.activation(self.hidden(self.features(x)))))
