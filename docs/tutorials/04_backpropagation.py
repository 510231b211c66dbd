# %% [markdown]
# # Backpropagation step by step
#
# Take a tiny network with one input x, one hidden unit and one output, trained on a squared
# error:
#
#     z1 = w1 x + b1,   a1 = sigmoid(z1),   z2 = w2 a1 + b2,   J = (z2 - y)^2 / 2
#
# Every op is recorded as it runs; `backward()` then walks the record from J down to the
# parameters. Here is the record neuronet made, drawn by `neuronet.utils.viz.make_dot`
# (arrows follow the forward pass; gradients flow against them):

# %%
import shutil

import numpy as np

import neuronet as nt
from neuronet.utils.viz import make_dot

x, y = 1.5, 0.2
w1 = nt.tensor(0.8, dtype=nt.float64, requires_grad=True)
b1 = nt.tensor(-0.3, dtype=nt.float64, requires_grad=True)
w2 = nt.tensor(1.2, dtype=nt.float64, requires_grad=True)
b2 = nt.tensor(0.1, dtype=nt.float64, requires_grad=True)

z1 = w1 * x + b1
a1 = nt.sigmoid(z1)
z2 = w2 * a1 + b2
J = (z2 - y) ** 2 / 2
graph = make_dot(J, params={"w1": w1, "b1": b1, "w2": w2, "b2": b2})
print(f"{graph.node_count} boxes, {graph.edge_count} arrows")

# %%
# (the picture needs Graphviz's `dot`; without it the page shows the DOT text)
if shutil.which("dot"):
    import matplotlib.image as mpimg
    import matplotlib.pyplot as plt
    import io

    image = mpimg.imread(io.BytesIO(graph.pipe("png")), format="png")
    fig = plt.figure(figsize=(image.shape[1] / 110, image.shape[0] / 110))
    plt.imshow(image)
    plt.axis("off")
else:
    print(graph.source)

# %% [markdown]
# ## The backward pass by hand
#
# Start at the top with dJ/dJ = 1 and go down one op at a time. Each step multiplies the
# gradient arriving from above (the *upstream* gradient, the notes' delta) by the local
# derivative of one op, and hands the result down. Nothing is recomputed: the delta at a1 is
# reused for both w1 and b1.

# %%
z1v = 0.8 * x - 0.3
a1v = 1 / (1 + np.exp(-z1v))
z2v = 1.2 * a1v + 0.1

d_z2 = z2v - y  # dJ/dz2
d_w2, d_b2 = d_z2 * a1v, d_z2  # z2 = w2 a1 + b2
d_a1 = d_z2 * 1.2  # ... and down to a1
d_z1 = d_a1 * a1v * (1 - a1v)  # sigmoid' = a (1 - a): the delta of the hidden unit
d_w1, d_b1 = d_z1 * x, d_z1  # z1 = w1 x + b1
print(f"by hand:  dJ/dw1 {d_w1:.6f}  dJ/db1 {d_b1:.6f}  dJ/dw2 {d_w2:.6f}  dJ/db2 {d_b2:.6f}")

# %%
J.backward(retain_graph=True)
print(
    f"autograd: dJ/dw1 {w1.grad.item():.6f}  dJ/db1 {b1.grad.item():.6f}  "
    f"dJ/dw2 {w2.grad.item():.6f}  dJ/db2 {b2.grad.item():.6f}"
)
assert np.allclose(
    [w1.grad.item(), b1.grad.item(), w2.grad.item(), b2.grad.item()], [d_w1, d_b1, d_w2, d_b2]
)

# %% [markdown]
# ## Where the gradient is, box by box
#
# `make_dot(..., show_grad_norms=True)` writes the size of dJ/d(output) into every box: the
# upstream gradient each op received. It shrinks by sigmoid'(z1) <= 0.25 on the way through the
# hidden unit, the reason deep sigmoid stacks learn slowly in their lower layers.

# %%
annotated = make_dot(J, params={"w1": w1, "b1": b1, "w2": w2, "b2": b2}, show_grad_norms=True)
for line in annotated.source.splitlines():
    if "grad norm" in line:
        print(line.split('"')[1].replace("\\n", "  "))

# %% [markdown]
# ## Checking a gradient numerically
#
# When you write an op's backward by hand, check it against central differences
# (f(p + h) - f(p - h)) / 2h in float64, as neuronet's tests do for every op:

# %%
from neuronet.autograd import gradcheck

p = nt.randn(3, 4, dtype=nt.float64, requires_grad=True)
print("gradcheck(sigmoid):", gradcheck(nt.sigmoid, (p,)))
print("gradcheck(logsumexp over dim 1):", gradcheck(lambda t: nt.logsumexp(t, dim=1), (p,)))
