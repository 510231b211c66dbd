"""Parameter containers, padding, similarities and scatters, written for PyTorch: run it with
``python containers_padding_scatter.py`` (PyTorch) or ``neuronet run
containers_padding_scatter.py``.

A model keeps its weights in an nn.ParameterList and an nn.ParameterDict, pads its input
(each mode of F.pad and a padding layer), pools per group with scatter_reduce and index_add,
and compares with F.cosine_similarity; a few SGD steps train it. Data and weights come from a
seeded NumPy generator; every line not starting with '#' is a result both runs must agree on.
"""

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F  # noqa: N812 - the PyTorch idiom

rng = np.random.default_rng(0)
X = torch.tensor(rng.standard_normal((6, 2, 5)).astype(np.float32))
GROUPS = torch.tensor([0, 2, 1, 2, 0, 1])
TARGET = torch.tensor(rng.standard_normal((3, 4)).astype(np.float32))


class Model(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.taps = nn.ParameterList(
            [nn.Parameter(torch.tensor(rng.standard_normal((4, 2, 3)).astype(np.float32)))]
        )
        self.taps.append(torch.tensor(0.1 * rng.standard_normal(4).astype(np.float32)))
        self.extra = nn.ParameterDict({"scale": torch.tensor([1.5], dtype=torch.float32)})
        self.pad = nn.ReplicationPad1d((1, 1))

    def forward(self, x):
        w, b = self.taps[0], self.taps[1]
        h = self.pad(x)  # (N, 2, 7)
        cols = torch.stack([h[:, :, i : i + 3] for i in range(5)], 1)  # (N, 5, 2, 3)
        y = torch.einsum("nlck,ock->nlo", cols, w) + b  # (N, 5, 4)
        y = F.normalize(y, dim=-1) * self.extra["scale"]
        pooled = y.amax(1)  # (N, 4)
        index = GROUPS.unsqueeze(1).expand(-1, 4)
        peak = torch.zeros(3, 4).scatter_reduce(0, index, pooled, "amax", include_self=False)
        total = torch.zeros(3, 4).index_add(0, GROUPS, pooled, alpha=0.5)
        return peak + total


model = Model()
print("parameters", " ".join(name for name, _ in model.named_parameters()))
print("state_dict", " ".join(model.state_dict()))
print("taps", len(model.taps), "extra", " ".join(model.extra.keys()))
for mode in ("constant", "reflect", "replicate", "circular"):
    padded = F.pad(X[:2], (2, 1), mode=mode)
    print("pad", mode, tuple(padded.shape), f"{padded.sum().item():.5f}")
print("crop", tuple(F.pad(X, (-1, -2)).shape), f"{F.pad(X, (-1, -2)).sum().item():.5f}")

opt = torch.optim.SGD(model.parameters(), lr=0.1)
for step in range(4):
    out = model(X)
    loss = (1 - F.cosine_similarity(out, TARGET, dim=1)).mean()
    loss = loss + F.pairwise_distance(out, TARGET).mean() * 0.1
    opt.zero_grad()
    loss.backward()
    opt.step()
    print("step", step, f"{loss.item():.6f}", f"{model.extra['scale'].item():.6f}")

written = torch.zeros(2, 4).scatter(1, torch.tensor([[3, 0], [1, 2]]), 7.0)
filled = torch.arange(8.0).reshape(2, 4).index_fill(1, torch.tensor([0, 3]), -1.0)
copied = torch.zeros(2, 4).index_copy(1, torch.tensor([2, 1]), torch.ones(2, 2))
print("scatter", written.flatten().tolist())
print("index_fill", filled.flatten().tolist())
print("index_copy", copied.flatten().tolist())
