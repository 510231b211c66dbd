# %% [markdown]
# # Mini-batches and batch normalisation
#
# The full gradient averages over the whole training set: exact, but one step per pass over
# the data. Stochastic gradient descent uses one example: many cheap, noisy steps. Mini-batches
# of B examples sit between: the gradient's noise falls as 1/sqrt(B), and B examples cost one
# matrix product, not B. Compare the three on the same number of passes over the data:

# %%
import matplotlib.pyplot as plt
import numpy as np

import neuronet as nt
from neuronet import nn, optim

rng = np.random.default_rng(1)
X = nt.tensor(rng.standard_normal((1024, 30)).astype(np.float32))
w_true = rng.standard_normal((30, 3)).astype(np.float32)
Y = nt.tensor((X.numpy() @ w_true).argmax(1))


def train(batch, lr, epochs=8, batchnorm=False):
    nt.manual_seed(0)
    layers = [nn.Linear(30, 64)]
    if batchnorm:
        layers.append(nn.BatchNorm1d(64))
    model = nn.Sequential(*layers, nn.ReLU(), nn.Linear(64, 3))
    opt = optim.SGD(model.parameters(), lr=lr)
    curve = []
    for _ in range(epochs):
        order = nt.randperm(1024)
        for i in range(0, 1024, batch):
            idx = order[i : i + batch]
            opt.zero_grad()
            nn.functional.cross_entropy(model(X[idx]), Y[idx]).backward()
            opt.step()
        model.eval()
        with nt.no_grad():
            curve.append(nn.functional.cross_entropy(model(X), Y).item())
        model.train()
    return curve, model


curves = {
    "full batch (1024), lr 0.5": train(1024, 0.5)[0],
    "mini-batch 32, lr 0.1": train(32, 0.1)[0],
    "single example, lr 0.01": train(1, 0.01, epochs=2)[0],
}
fig, ax = plt.subplots(figsize=(7, 4))
for name, c in curves.items():
    ax.plot(range(1, len(c) + 1), c, marker="o", label=name)
ax.set_xlabel("passes over the data")
ax.set_ylabel("training loss")
ax.legend()
for name, c in curves.items():
    print(f"{name:28s} loss after each pass: {' '.join(f'{v:.3f}' for v in c)}")

# %% [markdown]
# ## Batch normalisation
#
# Batch normalisation standardises each unit over the mini-batch, x_hat = (x - mean) /
# sqrt(var + eps), then scales and shifts it by learned gamma and beta: y = gamma x_hat + beta.
# Each layer then sees inputs of a steady scale however the layers below change, which allows
# larger rates. In training it uses the batch's statistics and keeps running averages of them;
# in evaluation (`model.eval()`) it uses those averages, so a single example gets the same
# answer whatever batch it comes in.

# %%
bn = nn.BatchNorm1d(4)
batch = nt.randn(64, 4) * 5 + 3
out = bn(batch)
print(
    "batch mean per unit:",
    np.round(batch.numpy().mean(0), 2),
    "-> after:",
    np.round(out.detach().numpy().mean(0), 4),
)
print(
    "batch std  per unit:",
    np.round(batch.numpy().std(0), 2),
    "-> after:",
    np.round(out.detach().numpy().std(0), 3),
)
print("running mean after one batch (momentum 0.1):", np.round(bn.running_mean.numpy(), 3))
bn.eval()
one = batch[:1]
print(
    "in eval mode, one example alone and inside its batch agree:",
    bool(np.allclose(bn(one).detach().numpy(), bn(batch)[:1].detach().numpy())),
)

# %%
plain, _ = train(32, 0.5)
normed, _ = train(32, 0.5, batchnorm=True)
print("mini-batch 32, lr 0.5, without batch norm:", " ".join(f"{v:.3f}" for v in plain))
print("mini-batch 32, lr 0.5, with batch norm:   ", " ".join(f"{v:.3f}" for v in normed))
