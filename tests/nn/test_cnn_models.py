"""neuronet.models' convolutional networks: their layouts, and state_dicts that move to the same
model written in PyTorch and back with the same outputs."""
import numpy as np
import pytest

import neuronet as nt
from neuronet.models import ConvNet, LeNet5


def _torch_twin(torch, features, classifier):
    """A PyTorch module with ``features`` and ``classifier`` parts, as neuronet's models."""
    class Twin(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.features = torch.nn.Sequential(*features)
            self.classifier = torch.nn.Sequential(*classifier)

        def forward(self, x):
            return self.classifier(self.features(x))

    return Twin().double()


def _torch_convnet(torch, channels, convs, hidden, dropout, classes=10, size=28):
    """The ConvNet of the docstring, written with PyTorch's layers."""
    tnn, features, prev = torch.nn, [], 1
    for width in channels:
        for i in range(convs):
            features += [tnn.Conv2d(prev, width, 3, padding=1, bias=False), tnn.BatchNorm2d(width)]
            features += [tnn.MaxPool2d(2), tnn.ReLU()] if i == convs - 1 else [tnn.ReLU()]
            prev = width
        size //= 2
    head, prev = [tnn.Flatten()], prev * size * size
    for h in hidden:
        head += [tnn.Dropout(dropout), tnn.Linear(prev, h), tnn.BatchNorm1d(h), tnn.ReLU()]
        prev = h
    head += [tnn.Dropout(dropout), tnn.Linear(prev, classes)]
    return _torch_twin(torch, features, head)


def _torch_lenet5(torch):
    tnn = torch.nn
    return _torch_twin(
        torch,
        [tnn.Conv2d(1, 6, 5, padding=2), tnn.ReLU(), tnn.MaxPool2d(2), tnn.Conv2d(6, 16, 5),
         tnn.ReLU(), tnn.MaxPool2d(2)],
        [tnn.Flatten(), tnn.Linear(400, 120), tnn.ReLU(), tnn.Linear(120, 84), tnn.ReLU(),
         tnn.Linear(84, 10)])


def _trained_a_little(model, rng):
    """A few training-mode batches, so the running statistics are not the initial ones."""
    model.train()
    for _ in range(2):
        model(nt.tensor(rng.standard_normal((8, 784))))
    return model.eval()


def _same_outputs(ours, theirs, torch, rng):
    x = rng.standard_normal((5, 1, 28, 28))
    np.testing.assert_allclose(ours(nt.tensor(x)).detach().numpy(),
                               theirs(torch.tensor(x)).detach().numpy(), rtol=1e-9, atol=1e-10)
    np.testing.assert_allclose(ours(nt.tensor(x.reshape(5, 784))).detach().numpy(),
                               theirs(torch.tensor(x)).detach().numpy(), rtol=1e-9, atol=1e-10)


@pytest.mark.parametrize("kind", ["convnet", "convnet_two_convs", "lenet5"])
def test_state_dict_moves_to_pytorch_and_back(kind, torch, rng):
    if kind == "lenet5":
        ours, theirs, again = LeNet5().double(), _torch_lenet5(torch), LeNet5().double()
    else:
        convs = 2 if kind == "convnet_two_convs" else 1
        channels, hidden = ((4, 8, 8), (16,)) if convs == 1 else ((4, 6), (12, 10))
        ours = ConvNet(channels=channels, convs=convs, hidden=hidden).double()
        again = ConvNet(channels=channels, convs=convs, hidden=hidden).double()
        theirs = _torch_convnet(torch, channels, convs, hidden, 0.25)
    _trained_a_little(ours, rng)
    state = ours.state_dict()
    assert list(state) == list(theirs.state_dict())
    theirs.load_state_dict({k: torch.tensor(v.numpy()) for k, v in state.items()}, strict=True)
    theirs.eval()
    _same_outputs(ours, theirs, torch, rng)
    # and back: PyTorch's trained weights into a fresh neuronet model
    theirs.train()
    with torch.no_grad():
        for _ in range(2):
            theirs(torch.tensor(rng.standard_normal((8, 1, 28, 28))))
        for p in theirs.parameters():
            p.mul_(1.1)
    theirs.eval()
    again.load_state_dict({k: nt.tensor(v.numpy()) for k, v in theirs.state_dict().items()})
    again.eval()
    _same_outputs(again, theirs, torch, rng)


def test_lenet5_and_convnet_layouts():
    assert sum(p.numel() for p in LeNet5().parameters()) == 61706
    net = ConvNet(channels=(8, 16), hidden=(32,), dropout=0.0, batch_norm=False)
    names = [type(m).__name__ for m in net.features]
    assert names == ["Conv2d", "MaxPool2d", "ReLU", "Conv2d", "MaxPool2d", "ReLU"]
    assert [type(m).__name__ for m in net.classifier] == ["Flatten", "Linear", "ReLU", "Linear"]
    assert net.features[0].bias is not None and net.classifier[1].in_features == 16 * 7 * 7
    assert ConvNet().features[0].bias is None  # (batch-normalised convolutions drop the bias)
    assert ConvNet(num_classes=3)(nt.randn(2, 1, 28, 28)).shape == (2, 3)
    with pytest.raises(ValueError, match="halve 28x28 images to nothing"):
        ConvNet(channels=(4,) * 5)
    with pytest.raises(ValueError, match="convs: expected at least one"):
        ConvNet(convs=0)


def test_convnet_trains_on_a_batch():
    nt.manual_seed(0)
    net = ConvNet(channels=(4, 8), hidden=(16,))
    x, y = nt.randn(16, 784), nt.tensor(np.arange(16) % 10)
    opt = nt.optim.Adam(net.parameters(), lr=1e-2)
    first = None
    for _ in range(15):
        loss = nt.nn.functional.cross_entropy(net(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        first = first if first is not None else loss.item()
    assert loss.item() < 0.5 * first
    assert all(p.grad is not None and p.grad.dtype == nt.float32 for p in net.parameters())
