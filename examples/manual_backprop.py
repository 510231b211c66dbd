"""Backpropagation by hand, beside autograd, for a small character-level MLP.

The network embeds three context characters, concatenates them, applies a hidden tanh layer
and scores the next character: emb -> h = tanh(x W1 + b1) -> logits = h W2 + b2 -> loss.
Every gradient is then written out by hand, in the order backpropagation computes it, each
one reusing the delta from the layer above (the notes' "reuse upstream deltas"), and compared
with what ``loss.backward()`` put into each tensor's ``.grad``. The hand-written steps use
in-place updates on intermediate tensors, as such exercises do in PyTorch:
``dlogits[range(n), Yb] -= 1`` and ``dlogits /= n``.

Run: python examples/manual_backprop.py
"""

import numpy as np

import neuronet as nt
import neuronet.nn.functional as F

rng = np.random.default_rng(42)
vocab, context, dim, hidden, n = 27, 3, 10, 64, 32

C = nt.tensor(rng.standard_normal((vocab, dim)), requires_grad=True)
W1 = nt.tensor(rng.standard_normal((context * dim, hidden)) / (context * dim) ** 0.5,
               requires_grad=True)
b1 = nt.tensor(rng.standard_normal(hidden) * 0.1, requires_grad=True)
W2 = nt.tensor(rng.standard_normal((hidden, vocab)) * 0.1, requires_grad=True)
b2 = nt.tensor(np.zeros(vocab), requires_grad=True)
Xb = nt.tensor(rng.integers(0, vocab, (n, context)))
Yb = nt.tensor(rng.integers(0, vocab, n))

# forward, keeping every intermediate's gradient
emb = C[Xb]  # (n, context, dim)
embcat = emb.view(n, -1)
hpre = embcat @ W1 + b1
h = nt.tanh(hpre)
logits = h @ W2 + b2
loss = F.cross_entropy(logits, Yb)
for t in (emb, embcat, hpre, h, logits):
    t.retain_grad()
loss.backward()

# backward by hand (no graph is needed: every step is plain arithmetic on detached values)
with nt.no_grad():
    dlogits = F.softmax(logits, 1)
    dlogits[range(n), Yb] -= 1  # d loss / d logits = (softmax - one-hot) / n
    dlogits /= n
    dh = dlogits @ W2.T
    dW2 = h.T @ dlogits
    db2 = dlogits.sum(0)
    dhpre = (1.0 - h**2) * dh  # tanh' = 1 - tanh^2, from the layer's output
    dembcat = dhpre @ W1.T
    dW1 = embcat.T @ dhpre
    db1 = dhpre.sum(0)
    demb = dembcat.view(emb.shape)
    dC = nt.zeros_like(C)
    for k in range(n):  # each looked-up row adds its delta into its character's row
        for j in range(context):
            dC[Xb[k, j]] += demb[k, j]


def compare(name: str, by_hand: nt.Tensor, tensor: nt.Tensor) -> bool:
    diff = float((by_hand - tensor.grad).abs().max())
    same = bool(nt.allclose(by_hand, tensor.grad, rtol=1e-5, atol=1e-6))
    print(f"{name:8s} matches: {same}  max |diff|: {diff:.2e}")
    return same


checks = [
    compare("logits", dlogits, logits),
    compare("h", dh, h),
    compare("W2", dW2, W2),
    compare("b2", db2, b2),
    compare("hpre", dhpre, hpre),
    compare("W1", dW1, W1),
    compare("b1", db1, b1),
    compare("embcat", dembcat, embcat),
    compare("emb", demb, emb),
    compare("C", dC, C),
]
print(f"loss {loss.item():.4f}; every gradient by hand matches autograd's: {all(checks)}")
