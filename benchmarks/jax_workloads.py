"""The workloads of ``workloads.py`` written for JAX: the whole training step under one
``jax.jit`` (forward, gradient and update), on the same data, with weights drawn by the same
fan-in rule (U(-1/sqrt(fan_in), 1/sqrt(fan_in)), as PyTorch's and neuronet's layers start).

Each builder returns ``step()``, which runs one jitted step and waits for its result
(``block_until_ready``), so the time measured is the step's, not its dispatch. The parameters
and optimizer state are donated to the step, so XLA may update them in place as the other
implementations do. JAX is optional: ``JAX_WORKLOADS`` is empty where it is not installed.
"""
from __future__ import annotations

import numpy as np

from workloads import DIM, HIDDEN, VOCAB, WINDOW, _mlp_data, _uniform, _window_data

try:
    import jax
    import jax.numpy as jnp
except ImportError:  # (the bench reports JAX as not installed)
    jax = jnp = None


def _linear_params(rng, sizes):
    return [(_uniform(rng, (n_out, n_in), n_in), _uniform(rng, (n_out,), n_in))
            for n_in, n_out in zip(sizes[:-1], sizes[1:])]


def _runner(update, state):
    """``step()`` applying the jitted ``update(state) -> state`` and waiting for it."""
    jitted = jax.jit(update, donate_argnums=0)
    box = [jax.tree_util.tree_map(jnp.asarray, state)]

    def step():
        box[0] = jitted(box[0])
        jax.block_until_ready(box[0])
    return step


def _cross_entropy(logits, y):
    return -jnp.mean(jax.nn.log_softmax(logits)[jnp.arange(y.shape[0]), y])


def w1_jax(batch: int, vocab: int = VOCAB):
    windows, corrupt = _window_data(batch, vocab)
    rng = np.random.default_rng(0)
    emb = rng.standard_normal((vocab, DIM)).astype(np.float32)  # nn.Embedding's N(0, 1)
    (W, b), = _linear_params(rng, [WINDOW * DIM, HIDDEN])
    U = _uniform(rng, (1, HIDDEN), HIDDEN)
    w_ids, c_ids = jnp.asarray(windows), jnp.asarray(corrupt)

    def loss(params):
        emb, W, b, U = params

        def score(ids):
            x = emb[ids].reshape(ids.shape[0], -1)
            return (jax.nn.sigmoid(x @ W.T + b) @ U.T).reshape(-1)
        return jnp.mean(jnp.maximum(1 - score(w_ids) + score(c_ids), 0))

    def update(params):
        grads = jax.grad(loss)(params)
        return tuple(p - 0.01 * g for p, g in zip(params, grads))
    return _runner(update, (emb, W, b, U))


def w2_jax(batch: int = 128):
    x, y = _mlp_data(batch, 784, 10)
    x, y = jnp.asarray(x), jnp.asarray(y)
    params = _linear_params(np.random.default_rng(0), [784, 512, 256, 10])
    sums = [(np.zeros_like(w), np.zeros_like(b)) for w, b in params]

    def loss(params):
        h = x
        for i, (w, b) in enumerate(params):
            h = h @ w.T + b
            if i < len(params) - 1:
                h = jax.nn.relu(h)
        return _cross_entropy(h, y)

    def update(state):  # Adagrad as PyTorch's: lr 0.01, eps 1e-10 outside the square root
        params, sums = state
        grads = jax.grad(loss)(params)
        new_sums = jax.tree_util.tree_map(lambda s, g: s + g * g, sums, grads)
        new_params = jax.tree_util.tree_map(
            lambda p, g, s: p - 0.01 * g / (jnp.sqrt(s) + 1e-10), params, grads, new_sums)
        return new_params, new_sums
    return _runner(update, (params, sums))


def w3_jax(batch: int = 256):
    x, y = _mlp_data(batch, 784, 10)
    x, y = jnp.asarray(x), jnp.asarray(y)
    linears = _linear_params(np.random.default_rng(0), [784, 256, 256, 10])
    norms = [(np.ones(256, np.float32), np.zeros(256, np.float32)) for _ in range(2)]
    running = [(np.zeros(256, np.float32), np.ones(256, np.float32)) for _ in range(2)]
    params = (linears, norms)
    velocity = jax.tree_util.tree_map(np.zeros_like, params)

    def forward(params, key):
        linears, norms = params
        h, stats = x, []
        for i, (w, b) in enumerate(linears):
            h = h @ w.T + b
            if i < 2:
                mean, var = h.mean(0), h.var(0)
                stats.append((mean, var))
                gamma, beta = norms[i]
                h = gamma * (h - mean) / jnp.sqrt(var + 1e-5) + beta
                h = jax.nn.relu(h)
                key, sub = jax.random.split(key)
                keep = jax.random.bernoulli(sub, 0.8, h.shape)
                h = jnp.where(keep, h / 0.8, 0)
        return _cross_entropy(h, y), stats

    def update(state):  # SGD lr 0.01, momentum 0.9; BatchNorm's running averages (momentum 0.1)
        params, velocity, running, key = state
        key, sub = jax.random.split(key)
        grads, stats = jax.grad(forward, has_aux=True)(params, sub)
        velocity = jax.tree_util.tree_map(lambda v, g: 0.9 * v + g, velocity, grads)
        params = jax.tree_util.tree_map(lambda p, v: p - 0.01 * v, params, velocity)
        running = [(0.9 * m + 0.1 * mean, 0.9 * v + 0.1 * var * batch / (batch - 1))
                   for (m, v), (mean, var) in zip(running, stats)]
        return params, velocity, running, key
    return _runner(update, (params, velocity, running, jax.random.PRNGKey(0)))


def w4_jax(batch: int = 32):
    rng = np.random.default_rng(0)
    x = jnp.asarray(rng.standard_normal((batch, 64)).astype(np.float32))
    y = jnp.asarray(rng.standard_normal((batch, 64)).astype(np.float32))
    params = _linear_params(np.random.default_rng(1), [64] * 17)

    def loss(params):
        h = x
        for i, (w, b) in enumerate(params):
            h = h @ w.T + b
            if i < 15:
                h = jnp.tanh(h)
        return jnp.mean((h - y) ** 2)

    def update(params):
        grads = jax.grad(loss)(params)
        return jax.tree_util.tree_map(lambda p, g: p - 0.01 * g, params, grads)
    return _runner(update, params)


JAX_WORKLOADS = {} if jax is None else {
    "W1-b1": lambda: w1_jax(1),
    "W1-b64": lambda: w1_jax(64),
    "W1-b1024": lambda: w1_jax(1024),
    "W1-b64-v400k": lambda: w1_jax(64, 400_000),
    "W2": w2_jax,
    "W3": w3_jax,
    "W4": w4_jax,
}
