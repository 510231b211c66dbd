"""The package as installed: its version, the names it lists, and PyTorch's ``utils.data`` path."""
import importlib.metadata
import types

import numpy as np

import neuronet
import neuronet.data


def test_version_is_the_installed_distributions():
    """One version: the one written in the package is the one the installed metadata carries."""
    assert neuronet.__version__ == importlib.metadata.version("neuronet")


def test_every_listed_name_resolves():
    """Each name ``dir(neuronet)`` lists can be read, the lazily imported subpackages included."""
    for name in dir(neuronet):
        getattr(neuronet, name)
    assert isinstance(neuronet.utils, types.ModuleType)


def test_utils_data_is_neuronet_data():
    """``neuronet.utils.data`` holds the very objects of ``neuronet.data``."""
    import neuronet.utils.data as utils_data

    assert neuronet.utils.data is utils_data
    assert sorted(utils_data.__all__) == sorted(neuronet.data.__all__)
    for name in neuronet.data.__all__:
        assert getattr(utils_data, name) is getattr(neuronet.data, name), name


def test_utils_data_loads_batches():
    from neuronet.utils.data import DataLoader, Dataset, TensorDataset

    features = neuronet.arange(10).reshape(10, 1).float()
    dataset = TensorDataset(features, neuronet.arange(10))
    assert isinstance(dataset, Dataset)
    batches = [(x.numpy(), y.numpy()) for x, y in DataLoader(dataset, batch_size=4)]
    assert [y.tolist() for _, y in batches] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    np.testing.assert_array_equal(batches[2][0], [[8.0], [9.0]])


def test_utils_data_random_split():
    from neuronet.utils.data import TensorDataset, random_split

    dataset = TensorDataset(neuronet.arange(10))
    train, test = random_split(dataset, [7, 3], generator=neuronet.Generator(0))
    assert (len(train), len(test)) == (7, 3)
    ids = [int(train[i][0]) for i in range(7)] + [int(test[i][0]) for i in range(3)]
    assert sorted(ids) == list(range(10))
