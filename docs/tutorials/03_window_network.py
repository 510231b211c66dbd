# %% [markdown]
# # The window network s = U^T f(W x + b)
#
# The notes decide whether the centre word of a five-word window ("Museums in Paris are
# amazing") is a location. Each word is a d-dimensional vector; the window's vectors are
# concatenated into x (5d), and one hidden layer scores it:
#
#     z = W x + b,   a = f(z),   s = U^T a
#
# Training compares the score s of a true window with the score s_c of a corrupted one (a
# random word in the centre) through the max-margin loss J = max(0, 1 - s + s_c): the true
# window should win by a margin of at least 1.

# %%
import numpy as np

import neuronet as nt
from neuronet.models import WindowScorer, max_margin_loss

nt.manual_seed(0)
model = WindowScorer(vocab_size=50).double()  # d = 4, x in R^20, W 8x20, U 8x1, f = sigmoid
true = nt.tensor([[11, 23, 3, 40, 17]])  # word 3 in the centre
corrupt = nt.tensor([[11, 23, 29, 40, 17]])  # a different centre word
print(model)

# %% [markdown]
# ## The gradients by hand
#
# Where the margin is violated (1 - s + s_c > 0), the notes derive, with delta = U o f'(z) the
# error at the hidden layer (o is the element-wise product) and f' = a(1 - a) for the sigmoid:
#
#     dJ/dU = -a + a_c
#     dJ/dW = -delta x^T + delta_c x_c^T,   dJ/db = -delta + delta_c
#     dJ/dx = -W^T delta  (the gradient that updates the word vectors)
#
# Each reuses the upstream error delta instead of differentiating from scratch: that reuse is
# backpropagation. Compute them and compare with autograd:


# %%
def parts(ids):
    x = model.embed(ids).reshape(1, -1)
    a = model.activation(model.hidden(x))
    return x, a


x, a = parts(true)
x_c, a_c = parts(corrupt)
s, s_c = model(true), model(corrupt)
J = max_margin_loss(s, s_c)
J.backward()

U = model.U.weight.detach().numpy().reshape(-1)
W = model.hidden.weight.detach().numpy()
xv, av = x.detach().numpy().reshape(-1), a.detach().numpy().reshape(-1)
xcv, acv = x_c.detach().numpy().reshape(-1), a_c.detach().numpy().reshape(-1)
violated = float(1 - s.item() + s_c.item() > 0)
delta, delta_c = U * av * (1 - av), U * acv * (1 - acv)

by_hand = {
    "dJ/dU": violated * (-av + acv),
    "dJ/dW": violated * (-np.outer(delta, xv) + np.outer(delta_c, xcv)),
    "dJ/db": violated * (-delta + delta_c),
}
autograd = {
    "dJ/dU": model.U.weight.grad.numpy().reshape(-1),
    "dJ/dW": model.hidden.weight.grad.numpy(),
    "dJ/db": model.hidden.bias.grad.numpy(),
}
print(f"s = {s.item():.4f}, s_c = {s_c.item():.4f}, J = {J.item():.4f}")
for name in by_hand:
    err = np.abs(by_hand[name] - autograd[name]).max()
    print(f"{name}: by hand vs autograd, max difference {err:.2e}")
    assert err < 1e-12

# %% [markdown]
# The word vectors get dJ/dx = -W^T delta for the true window: the rows of the embedding that
# the window looked up receive it, five slices of d values each (words that appear in both
# windows receive both windows' parts).

# %%
dx = -W.T @ delta * violated
emb_grad = model.embedding.weight.grad.numpy()
print("centre word of the true window (id 3): by hand", np.round(dx[8:12], 6))
print("                                      autograd", np.round(emb_grad[3], 6))
assert np.allclose(dx[8:12], emb_grad[3])
