"""The benchmark workloads, each written three ways: neuronet, PyTorch, hand-written NumPy.

Every builder returns a ``step()`` closure that runs one training step (forward, backward,
update) on fixed random data, float32 throughout.

W1  the notes' window scorer: embeddings 10,000 x 4 (trained), 5-word windows -> x in R^20,
    s = U^T sigmoid(W x + b) with W 8x20, U 8x1, loss mean(max(0, 1 - s + s_c)) against the
    window with its centre word replaced by a random word; SGD lr 0.01. W1-b64-v400k: the same
    with a GloVe-sized vocabulary of 400,000 words.
W2  784-512-256-10 ReLU MLP, cross-entropy, Adagrad lr 0.01, batch 128.
W3  784-256-256-10, Linear -> BatchNorm1d -> ReLU -> Dropout(0.2) per hidden layer,
    cross-entropy, SGD lr 0.01 momentum 0.9, batch 256.
W4  16 x Linear(64, 64) with tanh between, MSE, SGD lr 0.01, batch 32.
W5  the PyTorch MNIST example CNN (w5_cnn.py): Conv2d(1,32,3), Conv2d(32,64,3), MaxPool2d(2),
    Linear(9216,128), Linear(128,10), ReLUs, log_softmax + NLL, SGD lr 0.01, batch 64.
W6  a 2-layer LSTM word language model (w6_lstm_lm.py; no hand-written NumPy version).
W7  a 4-layer causal Transformer language model (w7_transformer_lm.py): embedding 64, 4 heads,
    context 32, batch 32, AdamW; neuronet and PyTorch only.
"""
from __future__ import annotations

import math

import numpy as np
from w5_cnn import w5_framework, w5_numpy
from w6_lstm_lm import w6_framework
from w7_transformer_lm import w7_framework

VOCAB, DIM, WINDOW, HIDDEN = 10_000, 4, 5, 8


def _window_data(batch: int, vocab: int = VOCAB, seed: int = 0):
    rng = np.random.default_rng(seed)
    windows = rng.integers(0, vocab, (batch, WINDOW))
    corrupt = windows.copy()
    corrupt[:, WINDOW // 2] = rng.integers(0, vocab, batch)
    return windows, corrupt


def _mlp_data(batch: int, inputs: int, classes: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((batch, inputs)).astype(np.float32), rng.integers(0, classes, batch)


def _uniform(rng, shape, fan_in):
    bound = 1 / math.sqrt(fan_in)
    return rng.uniform(-bound, bound, shape).astype(np.float32)


# ---------------------------------------------------------------------------- neuronet / torch
def w1_framework(m, batch: int, vocab: int = VOCAB):
    """W1 with a PyTorch-like module ``m`` (neuronet or torch)."""
    nn = m.nn
    windows, corrupt = _window_data(batch, vocab)
    w, c = m.tensor(windows), m.tensor(corrupt)
    emb = nn.Embedding(vocab, DIM)
    hidden = nn.Linear(WINDOW * DIM, HIDDEN)
    U = nn.Linear(HIDDEN, 1, bias=False)
    params = list(emb.parameters()) + list(hidden.parameters()) + list(U.parameters())
    opt = m.optim.SGD(params, lr=0.01)

    def score(ids):
        return U(m.sigmoid(hidden(emb(ids).reshape(ids.shape[0], -1)))).reshape(-1)

    def step():
        opt.zero_grad()
        loss = m.clamp(1 - score(w) + score(c), min=0).mean()
        loss.backward()
        opt.step()
    return step


def _classifier_step(m, model, optimizer, batch: int):
    """A training step of ``model`` on fixed MNIST-shaped data with cross-entropy."""
    x, y = _mlp_data(batch, 784, 10)
    x, y = m.tensor(x), m.tensor(y)
    loss_fn = m.nn.CrossEntropyLoss()

    def step():
        optimizer.zero_grad()
        loss_fn(model(x), y).backward()
        optimizer.step()
    return step


def w2_framework(m, batch: int = 128):
    nn = m.nn
    model = nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 256), nn.ReLU(),
                          nn.Linear(256, 10))
    return _classifier_step(m, model, m.optim.Adagrad(model.parameters(), lr=0.01), batch)


def w3_framework(m, batch: int = 256):
    nn = m.nn
    model = nn.Sequential(nn.Linear(784, 256), nn.BatchNorm1d(256), nn.ReLU(), nn.Dropout(0.2),
                          nn.Linear(256, 256), nn.BatchNorm1d(256), nn.ReLU(), nn.Dropout(0.2),
                          nn.Linear(256, 10))
    opt = m.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    return _classifier_step(m, model, opt, batch)


def w4_framework(m, batch: int = 32):
    nn = m.nn
    rng = np.random.default_rng(0)
    x = m.tensor(rng.standard_normal((batch, 64)).astype(np.float32))
    y = m.tensor(rng.standard_normal((batch, 64)).astype(np.float32))
    layers = []
    for i in range(16):
        layers.append(nn.Linear(64, 64))
        if i < 15:
            layers.append(nn.Tanh())
    model = nn.Sequential(*layers)
    opt = m.optim.SGD(model.parameters(), lr=0.01)
    loss_fn = nn.MSELoss()

    def step():
        opt.zero_grad()
        loss_fn(model(x), y).backward()
        opt.step()
    return step


# ---------------------------------------------------------------------------- hand-written NumPy
def w1_numpy(batch: int, vocab: int = VOCAB):
    """Forward and backward written out, in place where the arrays allow."""
    rng = np.random.default_rng(0)
    windows, corrupt = _window_data(batch, vocab)
    E = rng.standard_normal((vocab, DIM)).astype(np.float32)
    W = _uniform(rng, (HIDDEN, WINDOW * DIM), WINDOW * DIM)
    b = _uniform(rng, (HIDDEN,), WINDOW * DIM)
    U = _uniform(rng, (1, HIDDEN), HIDDEN)
    both = np.concatenate([windows, corrupt])
    sign = np.concatenate([-np.ones(batch), np.ones(batch)]).astype(np.float32)[:, None]
    lr = np.float32(0.01)

    def step():
        x = E[both].reshape(2 * batch, -1)
        a = x @ W.T
        a += b
        np.negative(a, out=a)
        np.exp(a, out=a)
        a += 1
        np.reciprocal(a, out=a)
        s = a @ U.T
        margin = 1 - s[:batch] + s[batch:]
        active = (margin > 0).astype(np.float32) / batch
        ds = sign * np.concatenate([active, active])
        dU = ds.T @ a
        dz = (ds @ U) * a * (1 - a)
        dW = dz.T @ x
        db = dz.sum(0)
        dx = (dz @ W).reshape(-1, DIM)
        dE = np.zeros_like(E)
        np.add.at(dE, both.reshape(-1), dx)
        U.__isub__(lr * dU)
        W.__isub__(lr * dW)
        b.__isub__(lr * db)
        E.__isub__(lr * dE)
    return step


def _softmax_xent_grad(logits, y):
    m = logits.max(1, keepdims=True)
    e = np.exp(logits - m)
    p = e / e.sum(1, keepdims=True)
    p[np.arange(len(y)), y] -= 1
    p /= len(y)
    return p


def w2_numpy(batch: int = 128):
    rng = np.random.default_rng(0)
    x, y = _mlp_data(batch, 784, 10)
    sizes = [(784, 512), (512, 256), (256, 10)]
    Ws = [_uniform(rng, (o, i), i) for i, o in sizes]
    bs = [_uniform(rng, (o,), i) for i, o in sizes]
    params = Ws + bs
    acc = [np.zeros_like(p) for p in params]
    lr = np.float32(0.01)

    def step():
        h1 = x @ Ws[0].T
        h1 += bs[0]
        np.maximum(h1, 0, out=h1)
        h2 = h1 @ Ws[1].T
        h2 += bs[1]
        np.maximum(h2, 0, out=h2)
        out = h2 @ Ws[2].T
        out += bs[2]
        g = _softmax_xent_grad(out, y)
        grads = [None] * 6
        grads[2], grads[5] = g.T @ h2, g.sum(0)
        g = g @ Ws[2]
        g *= h2 > 0
        grads[1], grads[4] = g.T @ h1, g.sum(0)
        g = g @ Ws[1]
        g *= h1 > 0
        grads[0], grads[3] = g.T @ x, g.sum(0)
        for p, a, gr in zip(params, acc, grads):
            a += gr * gr
            std = np.sqrt(a)
            std += 1e-10
            gr /= std
            gr *= lr
            p -= gr
    return step


def w3_numpy(batch: int = 256):
    rng = np.random.default_rng(0)
    x, y = _mlp_data(batch, 784, 10)
    sizes = [(784, 256), (256, 256), (256, 10)]
    Ws = [_uniform(rng, (o, i), i) for i, o in sizes]
    bs = [_uniform(rng, (o,), i) for i, o in sizes]
    gammas = [np.ones(256, np.float32) for _ in range(2)]
    betas = [np.zeros(256, np.float32) for _ in range(2)]
    params = Ws + bs + gammas + betas
    bufs = [np.zeros_like(p) for p in params]
    running = [[np.zeros(256, np.float32), np.ones(256, np.float32)] for _ in range(2)]
    lr, mu, eps = np.float32(0.01), np.float32(0.9), 1e-5

    def step():
        h, cache = x, []
        for i in range(2):
            z = h @ Ws[i].T
            z += bs[i]
            mean = z.mean(0)
            d = z - mean
            var = (d * d).mean(0)
            inv = 1 / np.sqrt(var + eps)
            xhat = d * inv
            running[i][0] *= 0.9
            running[i][0] += 0.1 * mean
            running[i][1] *= 0.9
            running[i][1] += 0.1 * var * (batch / (batch - 1))
            r = xhat * gammas[i] + betas[i]
            np.maximum(r, 0, out=r)
            mask = (rng.random(r.shape, dtype=np.float32) >= 0.2) * np.float32(1 / 0.8)
            r *= mask
            cache.append((h, xhat, inv, r, mask))
            h = r
        out = h @ Ws[2].T
        out += bs[2]
        g = _softmax_xent_grad(out, y)
        grads = [None] * 10
        grads[2], grads[5] = g.T @ h, g.sum(0)
        g = g @ Ws[2]
        for i in (1, 0):
            h_in, xhat, inv, r, mask = cache[i]
            g *= mask
            g *= r > 0
            grads[6 + i], grads[8 + i] = (g * xhat).sum(0), g.sum(0)
            gh = g * gammas[i]
            g = (gh - gh.mean(0) - xhat * (gh * xhat).mean(0)) * inv
            grads[i], grads[3 + i] = g.T @ h_in, g.sum(0)
            if i:
                g = g @ Ws[i]
        for p, buf, gr in zip(params, bufs, grads):
            buf *= mu
            buf += gr
            p -= lr * buf
    return step


def w4_numpy(batch: int = 32):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((batch, 64)).astype(np.float32)
    y = rng.standard_normal((batch, 64)).astype(np.float32)
    Ws = [_uniform(rng, (64, 64), 64) for _ in range(16)]
    bs = [_uniform(rng, (64,), 64) for _ in range(16)]
    lr = np.float32(0.01)

    def step():
        acts = [x]
        h = x
        for i in range(16):
            h = h @ Ws[i].T
            h += bs[i]
            if i < 15:
                np.tanh(h, out=h)
            acts.append(h)
        g = (h - y) * np.float32(2 / h.size)
        for i in range(15, -1, -1):
            if i < 15:
                g *= 1 - acts[i + 1] * acts[i + 1]
            gw, gb = g.T @ acts[i], g.sum(0)
            if i:
                g = g @ Ws[i]
            Ws[i] -= lr * gw
            bs[i] -= lr * gb
    return step


WORKLOADS = {
    "W1-b1": (lambda m: w1_framework(m, 1), lambda: w1_numpy(1)),
    "W1-b64": (lambda m: w1_framework(m, 64), lambda: w1_numpy(64)),
    "W1-b1024": (lambda m: w1_framework(m, 1024), lambda: w1_numpy(1024)),
    "W1-b64-v400k": (lambda m: w1_framework(m, 64, 400_000), lambda: w1_numpy(64, 400_000)),
    "W2": (w2_framework, w2_numpy),
    "W3": (w3_framework, w3_numpy),
    "W4": (w4_framework, w4_numpy),
    "W5": (w5_framework, w5_numpy),
    "W6": (w6_framework, None),
    "W7": (w7_framework, None),
}
