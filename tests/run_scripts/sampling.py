"""Sampling and generators, written for PyTorch: run it with ``python sampling.py`` (PyTorch)
or ``neuronet run sampling.py``.

neuronet draws its own stream (NumPy's PCG64), not PyTorch's, so every result line is a property
that does not depend on the stream: dtypes, shapes, reproducibility under a seed or a saved
state, what a zero weight or a certain probability gives, errors, and statistics of large
samples rounded well inside their tolerance. Lines starting with '#' are not compared.
"""

import torch

g = torch.Generator().manual_seed(1234)
print("generator", g.device, g.initial_seed())
state = g.get_state()
first = torch.rand(5, generator=g)
g.set_state(state)
print("state", str(state.dtype).split(".")[-1], bool(torch.equal(first, torch.rand(5, generator=g))))

torch.manual_seed(7)
a = torch.randn(3, 4)
torch.manual_seed(7)
print("manual_seed repeats", bool(torch.equal(a, torch.randn(3, 4))), torch.initial_seed())
saved = torch.get_rng_state()
b = torch.randint(0, 100, (6,))
torch.set_rng_state(saved)
print("rng state repeats", bool(torch.equal(b, torch.randint(0, 100, (6,)))))

weights = torch.tensor([[2.0, 0.0, 5.0, 3.0], [1.0, 1.0, 0.0, 2.0]])
draws = torch.multinomial(weights, 20000, replacement=True, generator=g)
print("multinomial", str(draws.dtype).split(".")[-1], tuple(draws.shape), draws.requires_grad)
freq = torch.stack([(draws == k).sum(1) for k in range(4)], 1).double() / 20000
print("frequencies", " ".join(f"{float(v):.1f}" for v in freq.flatten().tolist()))
print("zero weight drawn", int((draws[0] == 1).sum()), int((draws[1] == 2).sum()))
perm = weights[0].multinomial(3, generator=g)
print("without replacement", sorted(perm.tolist()))

p = torch.full((2, 50000), 0.3, requires_grad=True)
coins = torch.bernoulli(p, generator=g)
print("bernoulli", str(coins.dtype).split(".")[-1], tuple(coins.shape), coins.requires_grad, f"{float(coins.detach().mean()):.1f}")
print("certain", torch.bernoulli(torch.tensor([0.0, 1.0, 1.0])).tolist())
counts = torch.poisson(torch.full((50000,), 4.0), generator=g)
print("poisson", str(counts.dtype).split(".")[-1], f"{float(counts.mean()):.0f}", f"{float(counts.var()):.0f}")

mean = torch.zeros(3, 1, requires_grad=True)
std = torch.full((4,), 2.0, requires_grad=True)
z = torch.normal(mean, std, generator=g)
print("normal", tuple(z.shape), str(z.dtype).split(".")[-1], z.requires_grad)
z.sum().backward()
print("normal mean grad", mean.grad.flatten().tolist())
print("normal float", tuple(torch.normal(0.0, 1.0, (2, 5)).shape),
      torch.normal(torch.ones(3), 0.0).tolist())
big = torch.normal(3.0, 2.0, (100000,), generator=g)
print("normal stats", f"{float(big.mean()):.1f}", f"{float(big.std()):.1f}")

t = torch.empty(100000, dtype=torch.float64)
print("uniform_", f"{float(t.uniform_(-1, 3, generator=g).mean()):.1f}", str(t.dtype).split(".")[-1])
print("normal_", f"{float(t.normal_(5, 1).mean()):.1f}")
print("exponential_", f"{float(t.exponential_(2.0).mean()):.1f}")
print("geometric_", f"{float(t.geometric_(0.25).mean()):.0f}", float(t.min()))
print("log_normal_", f"{float(t.log_normal_(0.0, 0.5).log().mean()):.1f}")
print("cauchy_", f"{float(t.cauchy_(2.0, 0.5).sort()[0][50000]):.1f}")
r = torch.empty(1000, dtype=torch.int64).random_(3, 8)
print("random_", str(r.dtype).split(".")[-1], int(r.min()), int(r.max()))
print("randint_like", str(torch.randint_like(torch.zeros(2, 2), 10).dtype).split(".")[-1])
print("randperm", sorted(torch.randperm(6, generator=g).tolist()))

for name, call in [
    ("zero row", lambda: torch.multinomial(torch.tensor([0.0, 0.0]), 1)),
    ("negative", lambda: torch.multinomial(torch.tensor([-1.0, 1.0]), 1)),
    ("too many", lambda: torch.multinomial(torch.tensor([1.0, 1.0]), 3)),
    ("std", lambda: torch.normal(torch.zeros(2), torch.tensor([1.0, -1.0]))),
    ("geometric", lambda: torch.empty(2).geometric_(1.5)),
]:
    try:
        call()
        print("error", name, "none")
    except RuntimeError as e:
        print("error", name, type(e).__name__, " ".join(str(e).split()[:5]))
