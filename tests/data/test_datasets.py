"""MNIST/Fashion-MNIST loaders: user files, the cache, and clear errors when data is missing."""
import numpy as np
import pytest

from neuronet.data import DataLoader, DataUnavailableError
from neuronet.data.datasets import MNIST, FashionMNIST, dataset_class

from .idx_files import fake_mnist, write_idx


def test_reads_user_idx_files_and_caches_them(tmp_path):
    fake_mnist(tmp_path / "mnist", n_train=30, n_test=10)
    train = MNIST(root=tmp_path, train=True, download=False)
    test = MNIST(root=tmp_path, train=False, download=False)
    assert len(train) == 30 and len(test) == 10
    image, label = train[0]
    assert image.shape == (1, 28, 28) and image.dtype == np.float32 and 0 <= label < 10
    assert float(image.numpy().max()) <= 1.0
    assert (tmp_path / "mnist" / "train_images.npy").is_file()
    for f in (tmp_path / "mnist").glob("*idx*"):
        f.unlink()
    again = MNIST(root=tmp_path, train=True, download=False)  # from the .npy cache
    np.testing.assert_array_equal(again.data.numpy(), train.data.numpy())


def test_reads_user_csv(tmp_path):
    folder = tmp_path / "mnist"
    folder.mkdir()
    rows = np.zeros((4, 785), dtype=int)
    rows[:, 0] = [1, 2, 3, 4]
    rows[:, 5] = 255
    np.savetxt(folder / "mnist_test.csv", rows, fmt="%d", delimiter=",",
               header="label," + ",".join(f"p{i}" for i in range(784)), comments="")
    ds = MNIST(root=tmp_path, train=False, download=False)
    assert ds.targets.tolist() == [1, 2, 3, 4]


def test_missing_data_without_download_says_what_to_do(tmp_path):
    with pytest.raises(DataUnavailableError, match="download=False.*train-images-idx3-ubyte"):
        FashionMNIST(root=tmp_path, download=False)


def test_mismatched_files_are_refused(tmp_path):
    folder = tmp_path / "mnist"
    folder.mkdir()
    write_idx(folder / "train-images-idx3-ubyte", np.zeros((3, 28, 28), np.uint8))
    write_idx(folder / "train-labels-idx1-ubyte", np.zeros(4, np.uint8))
    with pytest.raises(ValueError, match="do not match labels"):
        MNIST(root=tmp_path, download=False)


def test_batches_come_from_one_fancy_index(tmp_path):
    fake_mnist(tmp_path / "mnist", n_train=25, n_test=5)
    ds = MNIST(root=tmp_path, download=False)
    batches = list(DataLoader(ds, batch_size=10))
    assert [b[0].shape for b in batches] == [(10, 1, 28, 28), (10, 1, 28, 28), (5, 1, 28, 28)]
    assert batches[0][1].dtype == np.int64


def test_unknown_dataset_name():
    with pytest.raises(ValueError, match="expected one of"):
        dataset_class("cifar")
