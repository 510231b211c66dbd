"""W6: a 2-layer LSTM word language model, as PyTorch's word_language_model example trains it.

Vocabulary 10,000, embedding and hidden size 256, sequences of 35 steps, batch 32 (time-major
``(35, 32)`` token ids, the targets the next tokens), a Linear decoder to the vocabulary,
cross-entropy, truncated backpropagation through time (the final states carried to the next
batch, detached), ``clip_grad_norm_(parameters, 0.25)`` and SGD lr 20. The builder takes the
framework module ``m`` (neuronet or torch) and returns the training step; there is no
hand-written NumPy version (an LSTM's backward pass written out is neuronet's own op).
"""
from __future__ import annotations

import numpy as np

VOCAB, EMBED, HIDDEN, LAYERS, STEPS, BATCH = 10_000, 256, 256, 2, 35, 32


def w6_framework(m, batch: int = BATCH, steps: int = STEPS):
    nn = m.nn
    rng = np.random.default_rng(0)
    tokens = rng.integers(0, VOCAB, (steps + 1, batch))
    x = m.tensor(tokens[:-1])
    y = m.tensor(tokens[1:].reshape(-1))
    embed, lstm = nn.Embedding(VOCAB, EMBED), nn.LSTM(EMBED, HIDDEN, LAYERS)
    decoder = nn.Linear(HIDDEN, VOCAB)
    model = nn.ModuleList([embed, lstm, decoder])
    params = list(model.parameters())
    opt = m.optim.SGD(params, lr=20.0)
    loss_fn = nn.CrossEntropyLoss()
    state = [None]

    def step():
        opt.zero_grad()
        out, (h, c) = lstm(embed(x), state[0])
        state[0] = (h.detach(), c.detach())
        loss = loss_fn(decoder(out).reshape(-1, VOCAB), y)
        loss.backward()
        nn.utils.clip_grad_norm_(params, 0.25)
        opt.step()
    return step
