"""Train an MLP on MNIST with the library API (what `neuronet train` does, spelled out).

    python examples/train_mnist.py        (downloads MNIST into ~/.cache/neuronet once)
"""
import neuronet as nt
from neuronet import nn, optim
from neuronet.data import DataLoader, TensorDataset
from neuronet.data.datasets import MNIST
from neuronet.training import Trainer

nt.manual_seed(0)
train_x, train_y = MNIST(train=True).arrays()
test_x, test_y = MNIST(train=False).arrays()
train = DataLoader(TensorDataset(nt.tensor(train_x), nt.tensor(train_y)), batch_size=128,
                   shuffle=True)
test = DataLoader(TensorDataset(nt.tensor(test_x), nt.tensor(test_y)), batch_size=1000)

model = nn.Sequential(nn.Linear(784, 512), nn.BatchNorm1d(512), nn.ReLU(),
                      nn.Linear(512, 256), nn.BatchNorm1d(256), nn.ReLU(), nn.Linear(256, 10))
opt = optim.Adam(model.parameters(), lr=1e-3)
halve = optim.lr_scheduler.ReduceLROnPlateau(opt, mode="max", factor=0.5, patience=0)
trainer = Trainer(model, nn.functional.cross_entropy, opt, halve)
for logs in trainer.fit(train, test, epochs=5):
    print(f"epoch {logs['epoch']}: loss {logs['loss']:.4f}, test accuracy "
          f"{logs['val_accuracy']:.4f}")
