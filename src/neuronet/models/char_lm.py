"""Character-level language models: ids ``(batch, time)`` in, next-character logits
``(batch, time, characters)`` out, each position seeing only itself and the positions before.

``CharLSTM``: embedding -> ``nn.LSTM`` -> linear. ``CharTransformer``: token plus learned
position embeddings -> pre-norm ``nn.TransformerEncoderLayer`` blocks with a causal mask ->
``LayerNorm`` -> linear. ``generate`` samples text from either.
"""

from __future__ import annotations

import numpy as np

from .. import nn
from ..autograd.grad_mode import no_grad
from ..tensor import Tensor


class CharLSTM(nn.Module):
    """Embedding (``embed_dim``) -> ``num_layers`` LSTM layers of ``hidden`` units (dropout
    between them) -> linear over the ``vocab`` characters."""

    def __init__(
        self, vocab: int, embed_dim: int, hidden: int, num_layers: int = 1, dropout: float = 0.0
    ) -> None:
        super().__init__()
        self.embedding = nn.Embedding(vocab, embed_dim)
        self.lstm = nn.LSTM(
            embed_dim,
            hidden,
            num_layers,
            batch_first=True,
            dropout=dropout if num_layers > 1 else 0,
        )
        self.head = nn.Linear(hidden, vocab)

    def forward(self, ids: Tensor) -> Tensor:
        return self.head(self.lstm(self.embedding(ids))[0])


class CharTransformer(nn.Module):
    """Token and learned position embeddings (``d_model``, positions < ``context``) ->
    ``num_layers`` encoder layers (``heads`` heads, feed-forward 4 * ``d_model``, GELU,
    norm_first) under the causal mask -> ``LayerNorm`` -> linear over the characters."""

    def __init__(
        self,
        vocab: int,
        context: int,
        d_model: int,
        heads: int,
        num_layers: int = 1,
        dropout: float = 0.0,
    ) -> None:
        super().__init__()
        self.context = context
        self.tokens = nn.Embedding(vocab, d_model)
        self.positions = nn.Embedding(context, d_model)
        self.layers = nn.ModuleList(
            nn.TransformerEncoderLayer(
                d_model, heads, 4 * d_model, dropout, "gelu", batch_first=True, norm_first=True
            )
            for _ in range(num_layers)
        )
        self.norm = nn.LayerNorm(d_model)
        self.head = nn.Linear(d_model, vocab)

    def forward(self, ids: Tensor) -> Tensor:
        steps = ids.shape[1]
        if steps > self.context:
            raise ValueError(f"ids: expected at most {self.context} positions, got {steps}")
        where = Tensor._make(np.arange(steps)).to(ids.device)
        x = self.tokens(ids) + self.positions(where)
        mask = nn.Transformer.generate_square_subsequent_mask(steps, device=ids.device)
        for layer in self.layers:
            x = layer(x, src_mask=mask, is_causal=True)
        return self.head(self.norm(x))


@no_grad()
def generate(
    model: nn.Module,
    prompt: list[int],
    num: int,
    end: int,
    context: int,
    max_length: int,
    temperature: float,
    rng: np.random.Generator,
) -> list[list[int]]:
    """``num`` continuations of the ids ``prompt``, drawn together: at each step the model
    sees the last ``context`` ids, the next id is drawn from softmax(logits / temperature)
    of the last position (float64), and a continuation ends at id ``end`` (not kept) or after
    ``max_length`` ids."""
    model.eval()
    seqs = np.tile(np.asarray(prompt, np.int64), (num, 1))
    out: list[list[int]] = [[] for _ in range(num)]
    alive = np.ones(num, bool)
    device = next(model.parameters()).device
    for _ in range(max_length):
        logits = model(Tensor._make(seqs[:, -context:]).to(device))[:, -1].cpu()._data
        z = logits.astype(np.float64) / temperature
        p = np.exp(z - z.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        drawn = (p.cumsum(axis=1) < rng.random((num, 1))).sum(axis=1).clip(0, p.shape[1] - 1)
        for i in np.flatnonzero(alive):
            if drawn[i] == end:
                alive[i] = False
            else:
                out[i].append(int(drawn[i]))
        if not alive.any():
            break
        seqs = np.concatenate([seqs, drawn[:, None]], axis=1)
    return out
