"""W7: a 4-layer causal Transformer language model, one training step, neuronet or PyTorch.

The model: token embedding (vocabulary 65, the size of a character-level corpus such as Tiny
Shakespeare: 52 letters and 13 punctuation and whitespace characters) plus learned positions,
4 pre-norm ``TransformerEncoderLayer``s (d_model 64, 4 heads, feed-forward 256 = 4 x 64,
dropout 0.1, ReLU: PyTorch's default activation), a final LayerNorm and a Linear head to the 65 logits. Causal self-attention
(the square subsequent mask with ``is_causal=True``), context 32, batch 32, cross-entropy
of the next token, AdamW (lr 3e-4). Fixed random token ids, float32.
"""
from __future__ import annotations

import numpy as np

VOCAB, D_MODEL, HEADS, LAYERS, CONTEXT, BATCH, FF = 65, 64, 4, 4, 32, 32, 256


def w7_framework(m, batch: int = BATCH):
    """One AdamW step of the model above with a PyTorch-like module ``m``."""
    nn = m.nn

    class CharTransformer(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.tok = nn.Embedding(VOCAB, D_MODEL)
            self.pos = nn.Embedding(CONTEXT, D_MODEL)
            layer = nn.TransformerEncoderLayer(D_MODEL, HEADS, FF, dropout=0.1,
                                               batch_first=True, norm_first=True)
            self.encoder = nn.TransformerEncoder(layer, LAYERS, norm=nn.LayerNorm(D_MODEL),
                                                 enable_nested_tensor=False)
            self.head = nn.Linear(D_MODEL, VOCAB)
            self.register_buffer("mask", nn.Transformer.generate_square_subsequent_mask(CONTEXT))
            self.register_buffer("positions", m.arange(CONTEXT))

        def forward(self, ids):
            x = self.tok(ids) + self.pos(self.positions)
            return self.head(self.encoder(x, mask=self.mask, is_causal=True))

    rng = np.random.default_rng(0)
    text = rng.integers(0, VOCAB, (batch, CONTEXT + 1))
    x, y = m.tensor(text[:, :-1]), m.tensor(text[:, 1:].reshape(-1))
    model = CharTransformer()
    opt = m.optim.AdamW(model.parameters(), lr=3e-4)
    loss_fn = nn.CrossEntropyLoss()

    def step():
        opt.zero_grad()
        loss_fn(model(x).reshape(-1, VOCAB), y).backward()
        opt.step()
    return step
