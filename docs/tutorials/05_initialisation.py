# %% [markdown]
# # Initialisation
#
# The notes give two rules. Start from *small random* weights, never all equal: if every
# weight of a layer starts the same, every neuron of that layer computes the same output and
# receives the same gradient, so they stay identical forever (the symmetry is never broken).
# And scale the weights by the fan-in: the sum w^T x over n inputs has a variance n times that
# of one term, so weights of standard deviation 1/sqrt(n) keep the output's variance near the
# input's, layer after layer.

# %%
import matplotlib.pyplot as plt
import numpy as np

import neuronet as nt
from neuronet import nn, optim

nt.manual_seed(0)
X = nt.randn(256, 10)
Y = (X[:, :3].sum(1, keepdim=True) > 0).float()


def train(model, steps=200):
    opt = optim.SGD(model.parameters(), lr=0.5)
    for _ in range(steps):
        opt.zero_grad()
        nn.functional.binary_cross_entropy_with_logits(model(X), Y).backward()
        opt.step()
    return model


# %% [markdown]
# ## Equal weights stay equal

# %%
zero = nn.Sequential(nn.Linear(10, 6), nn.Tanh(), nn.Linear(6, 1))
for p in zero.parameters():
    nn.init.constant_(p, 0.1)
train(zero)
W = zero[0].weight.detach().numpy()
print(
    f"from all-equal weights, after 200 steps the 6 hidden rows differ by {np.abs(W - W[0]).max():.1e}"
)

random = train(nn.Sequential(nn.Linear(10, 6), nn.Tanh(), nn.Linear(6, 1)))
Wr = random[0].weight.detach().numpy()
print(f"from the default random initialisation they differ by {np.abs(Wr - Wr[0]).max():.3f}")
assert np.abs(W - W[0]).max() < 1e-6

# %% [markdown]
# (The tiny difference of the first is float32 rounding in the matrix product, not learning.)
# Six neurons that can only ever be one neuron: the all-equal network has the capacity of a
# network with one hidden unit.
#
# ## Fan-in scaling keeps the variance
#
# Push a batch through ten tanh layers of width 500, once with weights drawn from N(0, 1) and
# once from N(0, 1/n) (fan-in n = 500), and look at each layer's outputs:


# %%
def activations(std):
    h = nt.randn(1000, 500)
    outs = []
    with nt.no_grad():
        for _ in range(10):
            W = nt.randn(500, 500) * std
            h = nt.tanh(h @ W)
            outs.append(h.numpy().reshape(-1))
    return outs


unit, scaled = activations(1.0), activations(1 / np.sqrt(500))
fig, axes = plt.subplots(2, 10, figsize=(15, 3.8), sharey="row")
for i in range(10):
    axes[0, i].hist(unit[i], bins=40, range=(-1, 1))
    axes[1, i].hist(scaled[i], bins=40, range=(-1, 1), color="tab:green")
    axes[0, i].set_title(f"layer {i + 1}", fontsize=9)
    axes[0, i].set_yticks([])
    axes[1, i].set_yticks([])
axes[0, 0].set_ylabel("N(0, 1)")
axes[1, 0].set_ylabel("N(0, 1/n)")
fig.suptitle("tanh outputs per layer: unit weights saturate at +-1, fan-in scaled ones stay spread")

for name, outs in (("N(0, 1)  ", unit), ("N(0, 1/n)", scaled)):
    saturated = [float((np.abs(o) > 0.99).mean()) for o in outs]
    print(
        name,
        "share of saturated units (|a| > 0.99) per layer:",
        " ".join(f"{s:.2f}" for s in saturated),
    )

# %% [markdown]
# With unit weights almost every unit sits in tanh's flat tails, where f'(z) is near 0, so
# almost no gradient gets through. neuronet's layers start as PyTorch's do (`nn.Linear`:
# uniform in +-1/sqrt(fan-in)), and `nn.init` has the named schemes: `xavier_uniform_`,
# `kaiming_normal_` (fan-in scaled for ReLU, with gain sqrt(2)), and the rest.

# %%
layer = nn.Linear(784, 256)
print(
    "nn.Linear(784, 256) weight std:",
    round(float(layer.weight.detach().numpy().std()), 4),
    " 1/sqrt(3 * 784) =",
    round(1 / np.sqrt(3 * 784), 4),
)
nn.init.kaiming_normal_(layer.weight, nonlinearity="relu")
print(
    "after kaiming_normal_:",
    round(float(layer.weight.detach().numpy().std()), 4),
    " sqrt(2 / 784) =",
    round(np.sqrt(2 / 784), 4),
)
