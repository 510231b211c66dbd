"""The notes' point about learning rates, shown on the notes' own network.

"Subtracting the raw derivative changes the weights too much: the loss rises or diverges."
A fixed rate that is too large over-corrects and diverges; the same starting rate annealed as
alpha0 * tau / max(t, tau), or AdaGrad's per-parameter rates, converge.
"""
import math

import numpy as np

import neuronet as nt
from neuronet import optim
from neuronet.models import WindowScorer, max_margin_loss
from neuronet.optim.lr_scheduler import InverseTimeLR

VOCAB, LOCATIONS, N = 50, 10, 256


def _windows(seed=0):
    """Windows whose centre word is a 'location' (ids 0-9), and corrupted copies of them."""
    rng = np.random.default_rng(seed)
    true = rng.integers(LOCATIONS, VOCAB, (N, 5))
    true[:, 2] = rng.integers(0, LOCATIONS, N)
    corrupt = true.copy()
    corrupt[:, 2] = rng.integers(LOCATIONS, VOCAB, N)
    return nt.tensor(true), nt.tensor(corrupt)


def _train(make_optimizer, make_scheduler=None, steps=300):
    """Mini-batch training (32 windows a step); returns the full-data loss after each step,
    stopping early once the loss has grown a thousandfold (diverged)."""
    nt.manual_seed(0)
    model = WindowScorer(VOCAB, activation="relu").double()
    true, corrupt = _windows()
    opt = make_optimizer(model.parameters())
    sched = make_scheduler(opt) if make_scheduler else None
    with nt.no_grad():
        losses = [max_margin_loss(model(true), model(corrupt)).item()]
    for t in range(steps):
        batch = slice(t * 32 % N, t * 32 % N + 32)
        opt.zero_grad()
        max_margin_loss(model(true[batch]), model(corrupt[batch])).backward()
        opt.step()
        if sched:
            sched.step()
        with nt.no_grad():
            losses.append(max_margin_loss(model(true), model(corrupt)).item())
        if not losses[-1] < 1000 * losses[0]:
            break
    return losses


def test_too_large_fixed_rate_diverges():
    losses = _train(lambda p: optim.SGD(p, lr=10.0))
    assert not losses[-1] < 1000 * losses[0]  # over-correction: the loss blew up


def test_annealed_rate_from_the_same_start_converges():
    losses = _train(lambda p: optim.SGD(p, lr=10.0), lambda o: InverseTimeLR(o, tau=1))
    assert len(losses) == 301 and math.isfinite(losses[-1])
    assert losses[-1] < 0.01 * losses[0]


def test_adagrad_converges():
    losses = _train(lambda p: optim.Adagrad(p, lr=1.0))
    assert len(losses) == 301 and losses[-1] < 0.01 * losses[0]


def test_a_small_fixed_rate_converges_too():
    losses = _train(lambda p: optim.SGD(p, lr=2.0))
    assert losses[-1] < 0.01 * losses[0]
