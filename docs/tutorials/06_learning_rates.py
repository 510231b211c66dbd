# %% [markdown]
# # Learning rates and AdaGrad
#
# Gradient descent moves each parameter by -alpha times its gradient. The notes: a rate too
# large over-corrects (the loss rises or diverges), a rate too small crawls. They give three
# recipes: a fixed alpha; an annealed alpha_t = alpha0 tau / max(t, tau), fixed for the first
# tau steps and then falling as 1/t; and halving alpha whenever the validation error stops
# improving. AdaGrad instead gives every parameter its own rate, alpha / sqrt(sum of its past
# squared gradients), so rarely updated parameters (word vectors of rare words) keep larger
# steps.
#
# Train one logistic-regression-sized network on one problem with each:

# %%
import matplotlib.pyplot as plt
import numpy as np

import neuronet as nt
from neuronet import nn, optim
from neuronet.optim.lr_scheduler import InverseTimeLR, ReduceLROnPlateau

rng = np.random.default_rng(0)
X = rng.standard_normal((600, 20))
true_w = rng.standard_normal(20)
Y = (X @ true_w + 0.5 * rng.standard_normal(600) > 0).astype(np.float64)
Xt, Yt = nt.tensor(X[:500]), nt.tensor(Y[:500]).reshape(-1, 1)
Xv, Yv = nt.tensor(X[500:]), nt.tensor(Y[500:]).reshape(-1, 1)
loss_fn = nn.BCEWithLogitsLoss()


def run(make_optimizer, make_scheduler=None, epochs=40):
    nt.manual_seed(0)
    model = nn.Sequential(nn.Linear(20, 16), nn.Tanh(), nn.Linear(16, 1)).double()
    opt = make_optimizer(model.parameters())
    sched = make_scheduler(opt) if make_scheduler else None
    losses = []
    for epoch in range(epochs):
        for i in range(0, 500, 25):  # mini-batches of 25
            opt.zero_grad()
            loss_fn(model(Xt[i : i + 25]), Yt[i : i + 25]).backward()
            opt.step()
            if isinstance(sched, InverseTimeLR):
                sched.step()
        with nt.no_grad():
            val = loss_fn(model(Xv), Yv).item()
        losses.append(val)
        if isinstance(sched, ReduceLROnPlateau):
            sched.step(val)
    return losses


recipes = {
    "fixed 0.05": run(lambda p: optim.SGD(p, lr=0.05)),
    "fixed 3.0 (too large)": run(lambda p: optim.SGD(p, lr=3.0)),
    "0.5 * 100 / max(t, 100)": run(
        lambda p: optim.SGD(p, lr=0.5), lambda o: InverseTimeLR(o, tau=100)
    ),
    "0.5, halved on plateau": run(
        lambda p: optim.SGD(p, lr=0.5), lambda o: ReduceLROnPlateau(o, factor=0.5, patience=2)
    ),
    "AdaGrad 0.1": run(lambda p: optim.Adagrad(p, lr=0.1)),
}
fig, ax = plt.subplots(figsize=(8, 4.5))
for name, losses in recipes.items():
    ax.plot(range(1, len(losses) + 1), losses, label=name)
ax.set_xlabel("epoch")
ax.set_ylabel("validation loss")
ax.set_ylim(0, 1.5)
ax.legend()
ax.set_title("One network, five learning-rate recipes")
for name, losses in recipes.items():
    print(f"{name:26s} best {min(losses):.4f}  last {losses[-1]:.4f}")

# %% [markdown]
# The schedule itself, alpha_t = alpha0 tau / max(t, tau), as `InverseTimeLR` gives it:

# %%
p = nt.zeros(1, requires_grad=True)
opt = optim.SGD([p], lr=0.5)
sched = InverseTimeLR(opt, tau=100)
rates = []
for t in range(400):
    rates.append(opt.param_groups[0]["lr"])
    opt.step()
    sched.step()
print("alpha at t = 0, 100, 200, 399:", [round(rates[t], 4) for t in (0, 100, 200, 399)])
assert abs(rates[200] - 0.5 * 100 / 200) < 1e-12
