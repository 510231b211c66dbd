"""The tensor API as PyTorch scripts use it: keyword names, axis=/keepdims=, out=, counting,
searching, cdist, rot90, std_mean. Run it with ``python tensor_api.py`` (PyTorch) or
``neuronet run tensor_api.py``.

Data come from a seeded NumPy generator; every line not starting with '#' is a result the two
runs must agree on.
"""

import numpy as np
import torch

rng = np.random.default_rng(3)
x = torch.tensor(rng.standard_normal((4, 5)))
y = torch.tensor(rng.standard_normal((4, 5)))
labels = torch.tensor(rng.integers(0, 6, 20))
print("# torch", torch.__version__)


def show(name, t):
    """One line: the name, the shape, the dtype and the values rounded."""
    values = " ".join(f"{v:.6f}" for v in t.detach().reshape(-1).double().tolist())
    print(name, tuple(t.shape), str(t.dtype).split(".")[-1], values)


# keyword names and aliases
show("add", torch.add(input=x, other=y, alpha=0.5))
show("matmul", torch.matmul(input=x, other=y.T))
show("sum_axis", torch.sum(x, axis=1, keepdims=True))
show("mean_method", x.mean(axis=0))
show("amax", torch.amax(x, dim=(0, 1), keepdim=True))
show("argmax", x.argmax(axis=1))
show("sort", torch.sort(x, axis=0, descending=True).values)
show("cumsum", torch.cumsum(x, axis=1))
show("clamp", torch.clip(x, min=-0.3, max=0.3))

# out=
buf = torch.empty(0, dtype=torch.float64)
torch.mul(x, y, out=buf)
show("out_mul", buf)
acc = torch.zeros(5, dtype=torch.float64)
result = torch.sum(x, 0, out=acc)
print("out_is_returned", result is acc)
show("out_sum", acc)
torch.exp(x, out=buf)
show("out_exp", buf)
stacked = torch.empty(0, dtype=torch.float64)
torch.stack([x, y], dim=0, out=stacked)
show("out_stack", stacked)
try:
    torch.add(x.clone().requires_grad_(), y, out=torch.zeros(4, 5, dtype=torch.float64))
except RuntimeError as err:
    print("out_refused", str(err).split(":")[0])

# counting
hist, edges = torch.histogram(x, bins=4, range=(-2.0, 2.0))
show("histogram", hist)
show("bin_edges", edges)
show("histogram_density", torch.histogram(x, torch.tensor([-3.0, -1, 0, 1, 3]).double(),
                                          density=True).hist)
show("histc", torch.histc(x.float(), bins=5, min=-1, max=1))
show("bincount", torch.bincount(labels, minlength=8))
show("bincount_weights", torch.bincount(labels, weights=torch.arange(20.0)))
values, inverse, counts = torch.unique(labels, return_inverse=True, return_counts=True)
show("unique", values)
show("unique_inverse", inverse)
show("unique_counts", counts)
show("unique_consecutive", torch.unique_consecutive(torch.tensor([1, 1, 2, 2, 2, 1, 3, 3])))
show("nonzero", torch.nonzero(x > 0.5))
rows, cols = torch.nonzero(x > 0.5, as_tuple=True)
show("nonzero_rows", rows)
show("argwhere", torch.argwhere(x < -1))
show("count_nonzero", torch.count_nonzero(x > 0, dim=1))

# searching
boundaries = torch.tensor([-1.0, 0.0, 1.0]).double()
show("bucketize", torch.bucketize(x, boundaries))
show("searchsorted_right", torch.searchsorted(boundaries, x, right=True))
show("searchsorted_int32", torch.searchsorted(boundaries, x[0], side="left", out_int32=True))

# distances, turns and moments, with gradients
a = x.clone().requires_grad_()
b = y[:3].clone().requires_grad_()
d = torch.cdist(a, b)
show("cdist", d)
d.sum().backward()
show("cdist_grad_a", a.grad)
show("cdist_grad_b", b.grad)
show("cdist_p1", torch.cdist(x, y, p=1.0))
r = x.clone().requires_grad_()
turned = torch.rot90(r, k=1, dims=[0, 1])
show("rot90", turned)
(turned * torch.arange(20.0).reshape(5, 4).double()).sum().backward()
show("rot90_grad", r.grad)
s = x.clone().requires_grad_()
std, mean = torch.std_mean(s, dim=1, keepdim=True)
show("std", std)
show("mean", mean)
(std + 2 * mean).sum().backward()
show("std_mean_grad", s.grad)
var, mean0 = torch.var_mean(x, 0, correction=0)
show("var_mean", torch.cat([var, mean0]))

# predicates and sizes
print("is_floating_point", torch.is_floating_point(x), labels.is_floating_point())
print("numel", torch.numel(x), x.nelement(), torch.is_tensor(x), torch.is_tensor(3))
