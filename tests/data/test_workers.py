"""DataLoader with worker processes: order, seeds, worker_init_fn, sharding, errors."""
import gc
import os
import random

import numpy as np
import pytest

import neuronet as nt
from neuronet.data import DataLoader, Dataset, IterableDataset, TensorDataset, get_worker_info

_INIT = {}


def _remember_init(worker_id):
    _INIT["id"] = worker_id
    _INIT["info_id"] = get_worker_info().id


class WhoAmI(Dataset):
    """Sample i: (i, worker id, worker seed, a neuronet draw, a Python draw, the init record)."""

    def __len__(self):
        return 6

    def __getitem__(self, i):
        info = get_worker_info()
        return {"i": i, "id": info.id, "seed": info.seed, "num_workers": info.num_workers,
                "nt": float(nt.rand(1).item()), "py": random.random(), "pid": os.getpid(),
                "init": _INIT.get("id", -1), "init_info": _INIT.get("info_id", -1)}


def _rows(loader, keep_pid=False):
    return [{k: v.tolist() for k, v in batch.items() if keep_pid or k != "pid"}
            for batch in loader]


def test_batches_keep_sampler_order_and_equal_single_process_batches():
    ds = TensorDataset(nt.randn(23, 3), nt.arange(23))
    for kwargs in (dict(batch_size=4), dict(batch_size=5, drop_last=True), dict(batch_size=None)):
        for shuffle in (False, True):
            nt.manual_seed(7)
            single = list(DataLoader(ds, shuffle=shuffle, **kwargs))
            nt.manual_seed(7)
            multi = DataLoader(ds, shuffle=shuffle, num_workers=2, **kwargs)
            got = list(multi)
            assert len(got) == len(single) == len(multi)
            for a, b in zip(got, single):
                assert isinstance(a, list)
                np.testing.assert_array_equal(a[0].numpy(), b[0].numpy())
                np.testing.assert_array_equal(a[1].numpy(), b[1].numpy())


def test_worker_info_and_seeds_are_distinct_and_reproducible():
    assert get_worker_info() is None  # in the main process
    nt.manual_seed(11)
    first = _rows(DataLoader(WhoAmI(), batch_size=1, num_workers=2))
    nt.manual_seed(11)
    again = _rows(DataLoader(WhoAmI(), batch_size=1, num_workers=2))
    assert first == again
    assert [r["i"] for r in first] == [[i] for i in range(6)]
    assert [r["id"] for r in first] == [[0], [1]] * 3  # round-robin, one batch each in turn
    assert {r["num_workers"][0] for r in first} == {2}
    seeds = {r["id"][0]: r["seed"][0] for r in first}
    assert seeds[1] == seeds[0] + 1
    draws = [r["nt"][0] for r in first] + [r["py"][0] for r in first]
    assert len(set(draws)) == len(draws)  # the two workers do not repeat each other
    epoch2 = _rows(DataLoader(WhoAmI(), batch_size=1, num_workers=2))
    assert epoch2[0]["seed"] != first[0]["seed"]  # a new base seed each pass


def test_a_generator_gives_the_base_seed():
    rows = [_rows(DataLoader(WhoAmI(), batch_size=2, num_workers=2, generator=nt.Generator(3)))
            for _ in range(2)]
    assert rows[0] == rows[1]


def test_worker_init_fn_runs_in_each_worker_with_its_id():
    rows = _rows(DataLoader(WhoAmI(), batch_size=3, num_workers=2,
                            worker_init_fn=_remember_init))
    assert [r["init"] for r in rows] == [[0] * 3, [1] * 3]
    assert [r["init_info"] for r in rows] == [[0] * 3, [1] * 3]
    assert _INIT == {}  # it ran in the workers, not here


class Sharded(IterableDataset):
    def __init__(self, n):
        self.n = n

    def __iter__(self):
        info = get_worker_info()
        start, step = (0, 1) if info is None else (info.id, info.num_workers)
        return iter(range(start, self.n, step))


def test_iterable_dataset_sharded_by_worker_info_matches_torch(torch):
    class TorchSharded(torch.utils.data.IterableDataset):
        def __iter__(self):
            info = torch.utils.data.get_worker_info()
            return iter(range(info.id, 11, info.num_workers))

    for kwargs in (dict(batch_size=2), dict(batch_size=2, drop_last=True), dict(batch_size=None)):
        ours = [b if isinstance(b, int) else b.tolist() for b in
                DataLoader(Sharded(11), num_workers=2, **kwargs)]
        theirs = [b if isinstance(b, int) else b.tolist() for b in
                  torch.utils.data.DataLoader(TorchSharded(), num_workers=2, **kwargs)]
        assert ours == theirs
    assert sorted(int(x) for x in DataLoader(Sharded(11), batch_size=None, num_workers=2)) == list(
        range(11))


def test_persistent_workers_serve_every_epoch():
    loader = DataLoader(WhoAmI(), batch_size=2, num_workers=2, persistent_workers=True)
    one, two = _rows(loader, keep_pid=True), _rows(loader, keep_pid=True)
    assert [r["i"] for r in one] == [r["i"] for r in two] == [[0, 1], [2, 3], [4, 5]]
    assert {r["pid"][0] for r in one} == {r["pid"][0] for r in two}
    assert one[0]["seed"] == two[0]["seed"]  # one base seed for the loader's lifetime
    sharded = DataLoader(Sharded(5), batch_size=2, num_workers=2, persistent_workers=True)
    assert [b.tolist() for b in sharded] == [b.tolist() for b in sharded] == [[0, 2], [1, 3],
                                                                               [4]]


def test_in_order_false_yields_every_batch():
    got = [b[1].tolist() for b in DataLoader(TensorDataset(nt.zeros(9), nt.arange(9)),
                                            batch_size=2, num_workers=2, in_order=False)]
    assert sorted(got) == [[0, 1], [2, 3], [4, 5], [6, 7], [8]]


class Faulty(Dataset):
    def __len__(self):
        return 4

    def __getitem__(self, i):
        if i == 3:
            raise KeyError(f"no sample {i}")
        return i


def test_an_error_in_a_worker_is_raised_with_its_traceback():
    with pytest.raises(KeyError, match="Caught KeyError in DataLoader worker process 1"):
        list(DataLoader(Faulty(), batch_size=2, num_workers=2))


class Slow(Dataset):
    def __len__(self):
        return 2

    def __getitem__(self, i):
        import time

        time.sleep(0.3)
        return i


def test_timeout():
    with pytest.raises(RuntimeError, match="DataLoader timed out after 0.1 seconds"):
        list(DataLoader(Slow(), num_workers=1, timeout=0.1))


def test_stopping_early_ends_the_workers():
    it = iter(DataLoader(WhoAmI(), batch_size=1, num_workers=2))
    next(it)
    workers = list(it.workers)
    assert all(w.is_alive() for w in workers)
    del it
    gc.collect()
    assert not any(w.is_alive() for w in workers)
