"""W5: the classic PyTorch MNIST example network, one SGD step, batch 64, float32.

Conv2d(1, 32, 3) -> ReLU -> Conv2d(32, 64, 3) -> ReLU -> MaxPool2d(2) -> Flatten ->
Linear(9216, 128) -> ReLU -> Linear(128, 10), log_softmax + NLL, SGD lr 0.01, on fixed random
MNIST-shaped images. ``w5_framework`` runs it with neuronet or PyTorch (the same code);
``w5_numpy`` is the hand-written NumPy version: im2col over a strided view of the windows,
one matrix product per layer, channels last throughout, col2im by one strided addition per
kernel offset.
"""
from __future__ import annotations

import math

import numpy as np
from numpy.lib.stride_tricks import as_strided

BATCH, CLASSES = 64, 10


def _data(batch: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((batch, 1, 28, 28)).astype(np.float32)
    return x, rng.integers(0, CLASSES, batch)


def w5_framework(m, batch: int = BATCH):
    """One SGD step of the network above with a PyTorch-like module ``m``."""
    nn, F = m.nn, m.nn.functional
    model = nn.Sequential(
        nn.Conv2d(1, 32, 3), nn.ReLU(), nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(9216, 128), nn.ReLU(), nn.Linear(128, CLASSES),
    )
    opt = m.optim.SGD(model.parameters(), lr=0.01)
    x, y = _data(batch)
    x, y = m.tensor(x), m.tensor(y)

    def step():
        opt.zero_grad()
        F.nll_loss(F.log_softmax(model(x), dim=1), y).backward()
        opt.step()
    return step


def _uniform(rng, shape, fan_in):
    bound = 1 / math.sqrt(fan_in)
    return rng.uniform(-bound, bound, shape).astype(np.float32)


def _im2col(a, k: int):
    """(N, H, W, C) -> (N * Ho * Wo, k * k * C) rows of the k x k windows (stride 1)."""
    n, h, w, c = a.shape
    sn, sh, sw, sc = a.strides
    v = as_strided(a, (n, h - k + 1, w - k + 1, k, k, c), (sn, sh, sw, sh, sw, sc))
    return v.reshape(n * (h - k + 1) * (w - k + 1), k * k * c)


def _col2im(rows, shape, k: int):
    """The adjoint of ``_im2col``: rows summed back into an (N, H, W, C) array."""
    n, h, w, c = shape
    ho, wo = h - k + 1, w - k + 1
    v = rows.reshape(n, ho, wo, k, k, c)
    out = np.zeros(shape, np.float32)
    for i in range(k):
        for j in range(k):
            out[:, i:i + ho, j:j + wo] += v[:, :, :, i, j]
    return out


def w5_numpy(batch: int = BATCH):
    rng = np.random.default_rng(0)
    x, y = _data(batch)
    x = np.ascontiguousarray(x.transpose(0, 2, 3, 1))  # channels last, once
    # weights as matrices over (kh, kw, c_in) rows; biases as PyTorch draws them
    W1, b1 = _uniform(rng, (32, 9), 9), _uniform(rng, (32,), 9)
    W2, b2 = _uniform(rng, (64, 288), 288), _uniform(rng, (64,), 288)
    W3, b3 = _uniform(rng, (128, 9216), 9216), _uniform(rng, (128,), 9216)
    W4, b4 = _uniform(rng, (10, 128), 128), _uniform(rng, (10,), 128)
    params = [W1, b1, W2, b2, W3, b3, W4, b4]
    lr = np.float32(0.01)
    n = batch

    def step():
        cols1 = _im2col(x, 3)                                  # (N*676, 9)
        a1 = cols1 @ W1.T
        a1 += b1
        np.maximum(a1, 0, out=a1)
        a1 = a1.reshape(n, 26, 26, 32)
        cols2 = _im2col(a1, 3)                                 # (N*576, 288)
        a2 = cols2 @ W2.T
        a2 += b2
        np.maximum(a2, 0, out=a2)
        a2 = a2.reshape(n, 12, 2, 12, 2, 64)
        p = a2.max(axis=(2, 4))                                # (N, 12, 12, 64)
        flat = p.reshape(n, -1)
        h = flat @ W3.T
        h += b3
        np.maximum(h, 0, out=h)
        out = h @ W4.T
        out += b4
        # log_softmax + NLL: gradient softmax - onehot, over N
        out -= out.max(1, keepdims=True)
        np.exp(out, out=out)
        out /= out.sum(1, keepdims=True)
        out[np.arange(n), y] -= 1
        out /= n
        g4, gb4 = out.T @ h, out.sum(0)
        gh = out @ W4
        gh *= h > 0
        g3, gb3 = gh.T @ flat, gh.sum(0)
        gp = (gh @ W3).reshape(n, 12, 1, 12, 1, 64)
        ga2 = (a2 == p.reshape(n, 12, 1, 12, 1, 64)) * gp     # to the maxima (ReLU zeros:
        ga2 *= a2 > 0                                          # killed by the ReLU mask)
        ga2 = ga2.reshape(-1, 64)
        g2, gb2 = (cols2.T @ ga2).T, ga2.sum(0)  # (this order: OpenBLAS's fast one)
        ga1 = _col2im(ga2 @ W2, (n, 26, 26, 32), 3)
        ga1 *= a1 > 0
        ga1 = ga1.reshape(-1, 32)
        g1, gb1 = (cols1.T @ ga1).T, ga1.sum(0)
        for param, grad in zip(params, [g1, gb1, g2, gb2, g3, gb3, g4, gb4]):
            param -= lr * grad
    return step
