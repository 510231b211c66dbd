"""The notes' window-scoring network: s = U^T f(W x + b) over a window of word vectors."""

from __future__ import annotations

from .. import nn, ops
from ..tensor import Tensor


class WindowScorer(nn.Module):
    """Scores a window of ``window`` word ids, e.g. "is the centre word a location?".

    x = concat(E[w_1], ..., E[w_window]) in R^{window * embedding_dim} (R^20 for the notes'
    5 words of 4 dimensions), z = W x + b with W (hidden x window*dim), a = f(z), s = U^T a
    with U (hidden x 1). Trained with the max-margin loss J = max(0, 1 - s + s_c) against
    corrupted windows (``max_margin_loss``). ``activation='maxout'`` makes the hidden layer a
    Maxout of ``pieces`` linear pieces.
    """

    def __init__(
        self,
        vocab_size: int,
        embedding_dim: int = 4,
        window: int = 5,
        hidden: int = 8,
        activation: str = "sigmoid",
        pieces: int = 2,
        padding_idx: int | None = None,
    ) -> None:
        super().__init__()
        self.window, self.embedding_dim = window, embedding_dim
        self.embedding = nn.Embedding(vocab_size, embedding_dim, padding_idx=padding_idx)
        in_features = window * embedding_dim
        if activation == "maxout":
            self.hidden: nn.Module = nn.Maxout(in_features, hidden, pieces)
            self.activation: nn.Module = nn.Identity()
        else:
            self.hidden = nn.Linear(in_features, hidden)
            self.activation = nn.get_activation(activation)
        self.U = nn.Linear(hidden, 1, bias=False)

    def embed(self, windows: Tensor) -> Tensor:
        """(N, window) ids -> x of shape (N, window * embedding_dim)."""
        if windows.ndim != 2 or windows.shape[1] != self.window:
            raise ValueError(
                f"windows: expected shape (N, {self.window}), got {tuple(windows.shape)}"
            )
        return ops.flatten(self.embedding(windows), 1)

    def score_vectors(self, x: Tensor) -> Tensor:
        """s = U^T f(W x + b) for already-embedded windows x (N, window * dim) -> (N,)."""
        return ops.reshape(self.U(self.activation(self.hidden(x))), (-1,))

    def forward(self, windows: Tensor) -> Tensor:
        return self.score_vectors(self.embed(windows))


def max_margin_loss(
    s: Tensor, s_corrupt: Tensor, margin: float = 1.0, reduction: str = "mean"
) -> Tensor:
    """The notes' J = max(0, margin - s + s_c): true windows should outscore corrupted ones by
    ``margin``. Equal to ``MarginRankingLoss(margin)(s, s_c, 1)``, PyTorch's gradient at 0."""
    from ..ops.loss import margin_ranking_loss  # noqa: PLC0415

    return margin_ranking_loss(s, s_corrupt, 1.0, margin, reduction)
