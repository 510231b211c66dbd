# %% [markdown]
# # Activations and their derivatives
#
# A neuron computes a weighted sum of its inputs and passes it through a non-linear
# *activation* f. Backpropagation needs f'(z) at every unit, so each activation comes with its
# derivative. Here neuronet's own autograd computes both: f(z) in the forward pass and f'(z)
# as the gradient of sum(f(z)) with respect to z (each output depends on one input only).

# %%
import matplotlib.pyplot as plt
import numpy as np

import neuronet as nt
import neuronet.nn.functional as F

z = nt.linspace(-4, 4, 401, dtype=nt.float64, requires_grad=True)


def value_and_derivative(f):
    """f(z) and f'(z), the derivative from autograd."""
    z.grad = None
    y = f(z)
    y.sum().backward()
    return y.detach().numpy(), z.grad.numpy()


activations = {
    "sigmoid": nt.sigmoid,
    "tanh": nt.tanh,
    "hardtanh": F.hardtanh,
    "relu": F.relu,
    "leaky_relu (0.1)": lambda t: F.leaky_relu(t, 0.1),
    "softplus": F.softplus,
    "elu": F.elu,
    "gelu": F.gelu,
}
curves = {name: value_and_derivative(f) for name, f in activations.items()}

fig, axes = plt.subplots(2, 4, figsize=(13, 5.5), sharex=True)
for ax, (name, (y, dy)) in zip(axes.flat, curves.items()):
    ax.plot(z.detach().numpy(), y, label="f(z)")
    ax.plot(z.detach().numpy(), dy, "--", label="f'(z)")
    ax.axhline(0, color="grey", lw=0.5)
    ax.axvline(0, color="grey", lw=0.5)
    ax.set_title(name)
axes[0, 0].legend()
fig.suptitle("Activations (solid) and their derivatives from autograd (dashed)")

# %% [markdown]
# ## The closed forms the notes use
#
# The notes derive the gradients by hand with sigma'(z) = sigma(z)(1 - sigma(z)) and
# tanh'(z) = 1 - tanh(z)^2; the hard tanh has derivative 1 on (-1, 1) and 0 outside. Autograd
# agrees with each to rounding error:

# %%
zs = z.detach().numpy()
s, ds = curves["sigmoid"]
t, dt = curves["tanh"]
h, dh = curves["hardtanh"]
print("sigmoid'  = s(1 - s):   max error", np.abs(ds - s * (1 - s)).max())
print("tanh'     = 1 - tanh^2: max error", np.abs(dt - (1 - t**2)).max())
inside = np.abs(zs) < 1
print(
    "hardtanh' = 1 inside (-1, 1), 0 outside:",
    bool((dh[inside] == 1).all() and (dh[~inside & (np.abs(zs) > 1)] == 0).all()),
)
assert np.allclose(ds, s * (1 - s)) and np.allclose(dt, 1 - t**2)

# %% [markdown]
# ## Why the shape of f' matters
#
# The gradient reaching a unit is multiplied by f'(z). Sigmoid's derivative is at most 0.25 and
# tanh's at most 1, and both vanish in the flat tails: a unit driven far into a tail learns
# almost nothing (a *saturated* unit). ReLU passes the gradient unchanged where the unit is on
# and stops it where it is off; a unit that is never on (a *dead* ReLU) never learns again.

# %%
for name, (y, dy) in curves.items():
    far = np.abs(zs) >= 3
    print(
        f"{name:18s} max f' = {dy.max():.3f}   mean |f'| where |z| >= 3: {np.abs(dy[far]).mean():.3f}"
    )
