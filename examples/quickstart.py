"""Tensors, autograd and the gradient checker in a few lines.

    python examples/quickstart.py
"""
import neuronet as nt
from neuronet.autograd import gradcheck

x = nt.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
w = nt.randn(2, 3, requires_grad=True)
loss = nt.sigmoid(x @ w).sum()
loss.backward()  # gradients accumulate into the leaves' .grad
print("loss", loss.item())
print("dloss/dx", x.grad)

# every gradient can be checked against central differences (in float64)
a = nt.randn(3, 4, dtype=nt.float64, requires_grad=True)
print("logsumexp gradient correct:", gradcheck(lambda t: nt.logsumexp(t, dim=1), (a,)))
