# %% [markdown]
# # Neurons and layers
#
# A neuron takes n inputs x, multiplies them by its weights w, adds its bias b and passes the
# sum through an activation: a = f(w^T x + b). With the sigmoid as f, one neuron is a logistic
# regression unit.

# %%
import numpy as np

import neuronet as nt
from neuronet import nn

x = nt.tensor([1.0, -2.0, 0.5], dtype=nt.float64)
w = nt.tensor([0.4, 0.1, -0.6], dtype=nt.float64)
b = nt.tensor(0.2, dtype=nt.float64)
a = nt.sigmoid(w @ x + b)
print("one neuron: a =", round(a.item(), 6))
print("by hand:    a =", round(1 / (1 + np.exp(-(0.4 * 1 - 0.1 * 2 - 0.6 * 0.5 + 0.2))), 6))

# %% [markdown]
# ## A layer is many neurons at once
#
# m neurons reading the same input stack their weight vectors as the rows of a matrix
# W (m x n) and their biases into b (m): a = f(W x + b). Row i of W is neuron i. `nn.Linear`
# holds exactly that W (as `weight`, shape (out, in), as in PyTorch) and b (`bias`).

# %%
layer = nn.Linear(3, 4).double()
print("W:", tuple(layer.weight.shape), " b:", tuple(layer.bias.shape))
a_layer = nt.sigmoid(layer(x))
one_by_one = [nt.sigmoid(layer.weight[i] @ x + layer.bias[i]).item() for i in range(4)]
print("the layer:       ", np.round(a_layer.detach().numpy(), 6))
print("neuron by neuron:", np.round(one_by_one, 6))
assert np.allclose(a_layer.detach().numpy(), one_by_one)

# %% [markdown]
# ## Many inputs at once
#
# A mini-batch stacks inputs as the rows of X (batch x n); the layer computes X W^T + b for all
# of them with one matrix product, which is why layers are fast. Layers compose into networks:
# the outputs of one are the inputs of the next.

# %%
X = nt.randn(5, 3, dtype=nt.float64)
net = nn.Sequential(nn.Linear(3, 4), nn.Sigmoid(), nn.Linear(4, 1)).double()
print("batch of 5 -> outputs of shape", tuple(net(X).shape))
print(net)
