"""A small MLP trained for a few steps with SGD, written for PyTorch: run it with
``python mlp_sgd.py [EPOCHS]`` (PyTorch) or ``neuronet run mlp_sgd.py [EPOCHS]``.

Data and initial weights come from a seeded NumPy generator, so both runs start equal; every
line not starting with '#' is a result the two must agree on.
"""

import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F  # noqa: N812 - the PyTorch idiom
from torch import Tensor
from torch.optim.lr_scheduler import StepLR
from torch.utils.data import DataLoader, TensorDataset

rng = np.random.default_rng(0)
X = rng.standard_normal((48, 5)).astype(np.float32)
y = rng.integers(0, 3, 48)
W1 = (0.5 * rng.standard_normal((8, 5))).astype(np.float32)
b1 = (0.1 * rng.standard_normal(8)).astype(np.float32)
W2 = (0.5 * rng.standard_normal((3, 8))).astype(np.float32)
b2 = (0.1 * rng.standard_normal(3)).astype(np.float32)


class MLP(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc1 = nn.Linear(5, 8)
        self.fc2 = nn.Linear(8, 3)

    def forward(self, x: Tensor) -> Tensor:
        return self.fc2(F.relu(self.fc1(x)))


torch.manual_seed(0)
model = MLP()
with torch.no_grad():
    for param, value in zip(model.parameters(), (W1, b1, W2, b2)):
        param.copy_(torch.from_numpy(value))

calls = []
handle = model.register_forward_hook(lambda module, inputs, output: calls.append(output.shape))
assert isinstance(handle, torch.utils.hooks.RemovableHandle)
assert isinstance(torch.cuda.is_available(), bool)

loader = DataLoader(TensorDataset(torch.from_numpy(X), torch.from_numpy(y)), batch_size=16)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
scheduler = StepLR(optimizer, step_size=1, gamma=0.5)
loss_fn = nn.CrossEntropyLoss()
epochs = int(sys.argv[1]) if len(sys.argv) > 1 else 2
print(f"# torch {torch.__version__}")
for epoch in range(epochs):
    for xb, yb in loader:
        optimizer.zero_grad()
        loss = loss_fn(model(xb), yb)
        loss.backward()
        optimizer.step()
        print(f"epoch {epoch} loss {loss.item():.7f}")
    scheduler.step()
handle.remove()

inputs = torch.tensor(X[:4], dtype=torch.float32, requires_grad=True)
(grad,) = torch.autograd.grad(model(inputs).logsumexp(dim=1).sum(), inputs)
print(f"input grad norm {grad.norm().item():.7f}")
with torch.no_grad():
    logits = model(torch.from_numpy(X))
accuracy = (logits.argmax(dim=1) == torch.from_numpy(y)).float().mean().item()
print(f"accuracy {accuracy:.7f}")
print(f"weight sum {model.fc1.weight.sum().item():.7f}")
print(f"forward calls {len(calls)} last shape {tuple(calls[-1])}")
