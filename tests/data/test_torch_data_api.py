"""neuronet.data against torch.utils.data: samplers, batches, collate structures, errors."""
import collections

import numpy as np
import pytest

import neuronet as nt
import neuronet.utils.data as nud
from neuronet.data import (
    BatchSampler,
    ChainDataset,
    ConcatDataset,
    DataLoader,
    Dataset,
    IterableDataset,
    RandomSampler,
    SequentialSampler,
    Subset,
    SubsetRandomSampler,
    TensorDataset,
    WeightedRandomSampler,
    default_collate,
    default_convert,
    random_split,
)

Point = collections.namedtuple("Point", "x y")


def _plain(obj):
    """A batch as plain Python: tensors (either library's) to ('T', dtype name, values)."""
    if hasattr(obj, "numpy") and hasattr(obj, "shape"):
        array = obj.numpy()
        return ("T", array.dtype.name, array.tolist())
    if isinstance(obj, dict):
        return ("dict", {k: _plain(v) for k, v in obj.items()})
    if isinstance(obj, tuple) and hasattr(obj, "_fields"):
        return ("namedtuple", type(obj).__name__, [_plain(o) for o in obj])
    if isinstance(obj, (list, tuple)):
        return (type(obj).__name__, [_plain(o) for o in obj])
    return obj


def test_one_implementation_under_both_paths():
    assert nud.DataLoader is DataLoader and nud.get_worker_info is nt.data.get_worker_info
    assert nud.WeightedRandomSampler is WeightedRandomSampler


@pytest.mark.parametrize("n,batch,drop", [(10, 3, False), (10, 3, True), (9, 3, True), (5, 8, False)])
def test_sequential_and_batch_samplers_match_torch(torch, n, batch, drop):
    ours = list(BatchSampler(SequentialSampler(range(n)), batch, drop))
    theirs = list(torch.utils.data.BatchSampler(torch.utils.data.SequentialSampler(range(n)),
                                                batch, drop))
    assert ours == theirs
    assert len(BatchSampler(SequentialSampler(range(n)), batch, drop)) == len(theirs)
    x = np.arange(n * 2, dtype=np.float32).reshape(n, 2)
    loader = DataLoader(TensorDataset(nt.tensor(x), nt.arange(n)), batch_size=batch,
                        drop_last=drop)
    reference = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(torch.tensor(x), torch.arange(n)), batch_size=batch,
        drop_last=drop)
    assert [_plain(b) for b in loader] == [_plain(b) for b in reference]
    assert len(loader) == len(reference)


def test_batches_are_lists_and_the_fast_path_matches_the_per_sample_path():
    class RowByRow(Dataset):
        def __init__(self, inner):
            self.inner = inner

        def __len__(self):
            return len(self.inner)

        def __getitem__(self, i):
            return self.inner[i]

    ds = TensorDataset(nt.randn(11, 3), nt.arange(11))
    nt.manual_seed(4)
    fast = [_plain(b) for b in DataLoader(ds, batch_size=4, shuffle=True)]
    nt.manual_seed(4)
    slow = [_plain(b) for b in DataLoader(RowByRow(ds), batch_size=4, shuffle=True)]
    assert fast == slow and fast[0][0] == "list"


def test_a_custom_collate_fn_sees_samples_from_getitems():
    seen = []

    def collate(samples):
        seen.append([(x.tolist(), int(y)) for x, y in samples])
        return len(samples)

    ds = TensorDataset(nt.tensor([[0.0], [1.0], [2.0]]), nt.tensor([5, 6, 7]))
    assert list(DataLoader(ds, batch_size=2, collate_fn=collate)) == [2, 1]
    assert seen == [[([0.0], 5), ([1.0], 6)], [([2.0], 7)]]


def test_a_pytorch_style_getitems_gets_a_list_and_its_samples_are_collated():
    class Batched(Dataset):
        calls = []

        def __len__(self):
            return 5

        def __getitem__(self, i):
            raise AssertionError("the loader should use __getitems__")

        def __getitems__(self, indices):
            Batched.calls.append(indices)
            return [(float(i), i) for i in indices]

    batches = [_plain(b) for b in DataLoader(Batched(), batch_size=2)]
    assert Batched.calls == [[0, 1], [2, 3], [4]]
    assert all(type(c) is list and all(type(i) is int for i in c) for c in Batched.calls)
    assert batches[0] == ("list", [("T", "float64", [0.0, 1.0]), ("T", "int64", [0, 1])])
    sub = Subset(Batched(), [4, 2])
    assert [_plain(b) for b in DataLoader(sub, batch_size=2)][0][1][1][2] == [4, 2]


SAMPLES = {
    "arrays": [np.array([1, 2], dtype=np.int32), np.array([3, 4], dtype=np.int32)],
    "floats": [1.5, 2.0],
    "ints": [1, 2],
    "bools": [True, False],
    "numpy scalars": [np.float32(1.5), np.float32(2.5)],
    "strings": ["a", "b"],
    "tuples": [(1, 2.0), (3, 4.0)],
    "lists": [[1, [2, 3]], [4, [5, 6]]],
    "dicts": [{"a": 1, "b": (np.zeros(2), "s")}, {"a": 2, "b": (np.ones(2), "t")}],
    "namedtuples": [Point(1, 2.0), Point(3, 4.0)],
}


@pytest.mark.parametrize("name", list(SAMPLES))
def test_default_collate_structures_match_torch(torch, name):
    from torch.utils.data import default_collate as torch_collate

    samples = SAMPLES[name]
    assert _plain(default_collate(samples)) == _plain(torch_collate(samples))


def test_default_collate_of_tensors_and_its_errors(torch):
    from torch.utils.data import default_collate as torch_collate

    rows = [np.arange(3, dtype=np.float32) + i for i in range(2)]
    ours = default_collate([nt.tensor(r) for r in rows])
    assert _plain(ours) == _plain(torch_collate([torch.tensor(r) for r in rows]))
    with pytest.raises(RuntimeError, match="stack expects each tensor to be equal size"):
        default_collate([nt.zeros(2), nt.zeros(3)])
    with pytest.raises(RuntimeError, match="each element in list of batch should be of equal size"):
        default_collate([[1, 2], [3]])
    with pytest.raises(TypeError, match="batch must contain tensors, numpy arrays, numbers"):
        default_collate([object(), object()])
    with pytest.raises(TypeError, match="batch must contain tensors"):
        default_collate([np.array(["x"]), np.array(["y"])])


def test_default_collate_keeps_the_graph_of_samples_that_require_grad():
    w = nt.ones(2, requires_grad=True)
    batch = default_collate([w * 2, w * 3])
    batch.sum().backward()
    assert w.grad.tolist() == [5.0, 5.0]


def test_default_convert_matches_torch(torch):
    from torch.utils.data import default_convert as torch_convert

    for data in (np.arange(3), (np.float64(2.5), "s"), {"k": [np.ones(1), 3]}, Point(np.zeros(1), 1),
                 np.array(["keep"]), 7):
        assert _plain(default_convert(data)) == _plain(torch_convert(data))


def test_unbatched_loading_converts_each_sample():
    class Arrays(Dataset):
        def __len__(self):
            return 3

        def __getitem__(self, i):
            return np.full(2, i), i

    out = list(DataLoader(Arrays(), batch_size=None))
    assert [_plain(o) for o in out] == [("list", [("T", "int64", [i, i]), i]) for i in range(3)]
    assert len(DataLoader(Arrays(), batch_size=None)) == 3


ARGUMENT_ERRORS = [
    (dict(num_workers=-1), "num_workers option should be non-negative"),
    (dict(timeout=-1), "timeout option should be non-negative"),
    (dict(prefetch_factor=2), "prefetch_factor option could only be specified in multiprocessing"),
    (dict(num_workers=1, prefetch_factor=-1), "prefetch_factor option should be non-negative"),
    (dict(persistent_workers=True), "persistent_workers option needs num_workers > 0"),
    (dict(shuffle=True, sampler="S"), "sampler option is mutually exclusive with shuffle"),
    (dict(batch_sampler="B", batch_size=2), "batch_sampler option is mutually exclusive"),
    (dict(batch_sampler="B", shuffle=True), "batch_sampler option is mutually exclusive"),
    (dict(batch_sampler="B", sampler="S"), "batch_sampler option is mutually exclusive"),
    (dict(batch_sampler="B", drop_last=True), "batch_sampler option is mutually exclusive"),
    (dict(batch_size=None, drop_last=True), "batch_size=None option disables auto-batching"),
    (dict(batch_size=0), "batch_size should be a positive integer value"),
    (dict(drop_last=1), "drop_last should be a boolean value"),
    (dict(multiprocessing_context="fork"), "multiprocessing_context can only be used with"),
    (dict(num_workers=1, multiprocessing_context="nope"), "should specify a valid start method"),
]


@pytest.mark.parametrize("kwargs,message", ARGUMENT_ERRORS,
                         ids=[m[:30] + str(sorted(k)) for k, m in ARGUMENT_ERRORS])
def test_bad_arguments_raise_pytorchs_errors(torch, kwargs, message):
    def concrete(kw, lib):
        dummy = {"S": lib.SequentialSampler(range(4)),
                 "B": lib.BatchSampler(lib.SequentialSampler(range(4)), 2, False)}
        return {k: dummy.get(v, v) if isinstance(v, str) and k != "multiprocessing_context" else v
                for k, v in kw.items()}

    data = list(range(4))
    with pytest.raises(ValueError, match=message):
        torch.utils.data.DataLoader(data, **concrete(kwargs, torch.utils.data))
    with pytest.raises(ValueError, match=message):
        DataLoader(data, **concrete(kwargs, nt.data))


class Count(IterableDataset):
    def __init__(self, n):
        self.n = n

    def __iter__(self):
        return iter(range(self.n))

    def __len__(self):
        return self.n


def test_iterable_datasets_refuse_samplers_and_batch_like_torch(torch):
    for kwargs, message in [(dict(shuffle=True), "expected unspecified shuffle option"),
                            (dict(sampler=[0]), "expected unspecified sampler option"),
                            (dict(batch_sampler=[[0]]), "expected unspecified batch_sampler")]:
        with pytest.raises(ValueError, match=message):
            DataLoader(Count(3), **kwargs)
    loader = DataLoader(Count(7), batch_size=3)
    theirs = torch.utils.data.DataLoader(list(range(7)), batch_size=3)
    assert [b.tolist() for b in loader] == [b.tolist() for b in theirs] and len(loader) == 3
    assert [b.tolist() for b in DataLoader(Count(7), batch_size=3, drop_last=True)] == [
        [0, 1, 2], [3, 4, 5]]


def test_attributes_are_frozen_after_construction():
    loader = DataLoader(list(range(4)), batch_size=2)
    with pytest.raises(ValueError, match="batch_size attribute should not be set after DataLoader"):
        loader.batch_size = 3
    loader.num_workers = 0  # not frozen, as in PyTorch


def test_random_sampler_is_a_seeded_permutation_and_draws_with_replacement():
    nt.manual_seed(1)
    first = list(RandomSampler(range(8)))
    nt.manual_seed(1)
    assert list(RandomSampler(range(8))) == first and sorted(first) == list(range(8))
    longer = list(RandomSampler(range(4), num_samples=10))
    assert len(longer) == 10 and sorted(longer[:4]) == sorted(longer[4:8]) == [0, 1, 2, 3]
    drawn = list(RandomSampler(range(3), replacement=True, num_samples=300))
    assert len(drawn) == 300 and set(drawn) == {0, 1, 2}
    gen = nt.Generator(3)
    assert list(RandomSampler(range(6), generator=gen)) == nt.Generator(3).numpy.permutation(
        6).tolist()
    with pytest.raises(TypeError, match="replacement should be a boolean value"):
        RandomSampler(range(3), replacement=1)
    with pytest.raises(ValueError, match="num_samples should be a positive integer value"):
        RandomSampler(range(3), num_samples=0)


def test_shuffle_true_is_a_random_sampler():
    loader = DataLoader(list(range(5)), shuffle=True)
    assert type(loader.sampler) is RandomSampler and type(loader.batch_sampler) is BatchSampler
    assert type(DataLoader(list(range(5))).sampler) is SequentialSampler


def test_subset_random_and_weighted_samplers():
    order = list(SubsetRandomSampler([10, 20, 30, 40]))
    assert sorted(order) == [10, 20, 30, 40]
    drawn = list(WeightedRandomSampler([0.0, 1.0, 0.0, 3.0], 400))
    assert set(drawn) == {1, 3} and 250 < drawn.count(3) < 350
    unique = list(WeightedRandomSampler([1.0, 1.0, 5.0, 0.0], 3, replacement=False))
    assert sorted(unique) == [0, 1, 2]
    with pytest.raises(ValueError, match="weights should be a 1d sequence"):
        WeightedRandomSampler([[1.0, 2.0]], 2)
    with pytest.raises(ValueError, match="num_samples should be a positive integer value"):
        WeightedRandomSampler([1.0], 0)
    with pytest.raises(ValueError, match="cannot draw 3 samples without replacement"):
        WeightedRandomSampler([1.0, 1.0, 0.0], 3, replacement=False)


def test_concat_chain_subset_and_random_split():
    a, b = TensorDataset(nt.arange(3)), TensorDataset(nt.arange(10, 12))
    both = a + b
    assert isinstance(both, ConcatDataset) and len(both) == 5
    assert [int(both[i][0]) for i in range(5)] == [0, 1, 2, 10, 11] and int(both[-1][0]) == 11
    assert both.cumulative_sizes == [3, 5]
    with pytest.raises(IndexError):
        both[5]
    with pytest.raises(TypeError, match="ConcatDataset does not support IterableDataset"):
        ConcatDataset([a, Count(2)])
    chain = Count(2) + Count(3)
    assert isinstance(chain, ChainDataset) and list(chain) == [0, 1, 0, 1, 2] and len(chain) == 5
    assert [x.tolist() for x in DataLoader(chain, batch_size=2)] == [[0, 1], [0, 1], [2]]
    sub = Subset(a, [2, 0])
    assert [int(sub[i][0]) for i in range(2)] == [2, 0] and sub.indices == [2, 0]
    parts = random_split(range(10), [0.25, 0.75], generator=nt.Generator(0))
    assert [len(p) for p in parts] == [3, 7]
    assert sorted(parts[0].indices + parts[1].indices) == list(range(10))
    with pytest.raises(ValueError, match="fraction at index 0 is not between 0 and 1"):
        random_split(range(10), [1.5, -0.5])
    with pytest.warns(UserWarning, match="Length of split at index 1 is 0"):
        random_split(range(2), [0.9, 0.1])
