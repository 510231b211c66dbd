"""DataLoader, TensorDataset, Subset and random_split with PyTorch's defaults."""
import numpy as np
import pytest

import neuronet as nt
from neuronet.data import DataLoader, Dataset, TensorDataset, random_split


def _dataset(n=10):
    return TensorDataset(nt.arange(n).reshape(n, 1).float(), nt.arange(n))


def test_defaults_keep_order_and_last_partial_batch():
    loader = DataLoader(_dataset(), batch_size=4)
    batches = [y.tolist() for _, y in loader]
    assert batches == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]] and len(loader) == 3
    assert len(DataLoader(_dataset(), batch_size=1)) == 10


def test_drop_last():
    loader = DataLoader(_dataset(), batch_size=4, drop_last=True)
    assert [y.tolist() for _, y in loader] == [[0, 1, 2, 3], [4, 5, 6, 7]] and len(loader) == 2


def test_shuffle_is_seeded_and_a_permutation():
    loader = DataLoader(_dataset(), batch_size=3, shuffle=True)
    nt.manual_seed(5)
    first = np.concatenate([y.numpy() for _, y in loader])
    second = np.concatenate([y.numpy() for _, y in loader])
    nt.manual_seed(5)
    again = np.concatenate([y.numpy() for _, y in loader])
    assert sorted(first.tolist()) == list(range(10))
    assert first.tolist() == again.tolist() and first.tolist() != second.tolist()
    gen = nt.Generator(1)
    own = DataLoader(_dataset(), batch_size=10, shuffle=True, generator=gen)
    expected = nt.Generator(1).numpy
    expected.integers(0, 2**63)  # each pass first draws the workers' base seed, as PyTorch
    assert next(iter(own))[1].tolist() == expected.permutation(10).tolist()


class CountingDataset(TensorDataset):
    calls = 0

    def __getitems__(self, indices):
        CountingDataset.calls += 1
        return super().__getitems__(indices)


def test_array_datasets_are_batched_without_a_per_sample_loop():
    ds = CountingDataset(nt.zeros(100, 3), nt.zeros(100))
    list(DataLoader(ds, batch_size=32))
    assert CountingDataset.calls == 4


class PairDataset(Dataset):
    def __len__(self):
        return 5

    def __getitem__(self, i):
        return {"x": nt.tensor([float(i), 0.0]), "y": i}


def test_generic_datasets_are_collated():
    batch = next(iter(DataLoader(PairDataset(), batch_size=2)))
    assert batch["x"].shape == (2, 2) and batch["y"].tolist() == [0, 1]
    custom = DataLoader(PairDataset(), batch_size=5, collate_fn=lambda items: len(items))
    assert list(custom) == [5]


def test_random_split_lengths_and_fractions():
    a, b = random_split(_dataset(), [7, 3])
    assert len(a) == 7 and len(b) == 3
    assert sorted(a.indices + b.indices) == list(range(10))  # lists, as PyTorch's
    c, d, e = random_split(_dataset(), [0.5, 0.3, 0.2])
    assert (len(c), len(d), len(e)) == (5, 3, 2)
    x, y = a[0]
    assert y.item() == a.indices[0]
    with pytest.raises(ValueError, match="sum to 11"):
        random_split(_dataset(), [8, 3])


def test_tensor_dataset_checks_sizes_and_batch_size_is_checked():
    with pytest.raises(ValueError, match="size mismatch"):
        TensorDataset(nt.zeros(3), nt.zeros(4))
    with pytest.raises(ValueError, match="batch_size"):
        DataLoader(_dataset(), batch_size=0)
