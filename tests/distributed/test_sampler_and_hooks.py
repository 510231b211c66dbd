"""DistributedSampler with explicit ranks (against PyTorch's), and the engine running a leaf's
post-accumulate-grad hooks as soon as its gradient is complete (what DDP's overlap rests on)."""
import pytest

import neuronet as nt
from neuronet import nn
from neuronet.nn.parallel.distributed import assign_buckets
from neuronet.utils.data import DataLoader, DistributedSampler, TensorDataset


@pytest.mark.parametrize("n,replicas,drop_last", [(10, 3, False), (10, 3, True), (11, 2, False),
                                                  (2, 4, False), (12, 4, True), (7, 7, True)])
def test_unshuffled_shards_match_pytorch(torch, n, replicas, drop_last):
    from torch.utils.data.distributed import DistributedSampler as TorchSampler
    for rank in range(replicas):
        ours = DistributedSampler(range(n), replicas, rank, shuffle=False, drop_last=drop_last)
        theirs = TorchSampler(range(n), replicas, rank, shuffle=False, drop_last=drop_last)
        assert list(ours) == list(theirs) and len(ours) == len(theirs)


def test_shuffled_shards_cover_the_dataset_and_change_with_the_epoch():
    shares = [DistributedSampler(range(10), 3, r, seed=7) for r in range(3)]
    first = [list(s) for s in shares]
    assert all(len(f) == 4 for f in first)
    assert sorted(set(sum(first, []))) == list(range(10))
    for s in shares:
        s.set_epoch(1)
    assert [list(s) for s in shares] != first
    for s in shares:
        s.set_epoch(0)
    assert [list(s) for s in shares] == first  # the order depends on seed + epoch only
    assert list(DistributedSampler(range(10), 3, 0, seed=8)) != first[0]


def test_sampler_in_a_dataloader():
    ds = TensorDataset(nt.arange(9))
    loader = DataLoader(ds, batch_size=2, sampler=DistributedSampler(ds, 2, 1, shuffle=False))
    assert [b[0].tolist() for b in loader] == [[1, 3], [5, 7], [0]]


@pytest.mark.parametrize("kwargs,message", [
    ({"num_replicas": 2, "rank": 2}, "Invalid rank 2, rank should be in the interval [0, 1]"),
    ({"num_replicas": 2, "rank": -1}, "Invalid rank -1, rank should be in the interval [0, 1]"),
    ({"num_replicas": 0, "rank": 0}, "num_replicas: expected a positive int, got 0"),
    ({"rank": 0}, "DistributedSampler: num_replicas and rank default to the process group's"),
])
def test_sampler_errors(kwargs, message):
    with pytest.raises((ValueError, RuntimeError), match=message.replace("[", r"\[")
                       .replace("]", r"\]")):
        DistributedSampler(range(4), **kwargs)


def test_post_accumulate_hook_runs_when_the_leaf_gradient_is_complete():
    nt.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
    first, last = model[0].weight, model[2].weight
    log = []
    last.register_post_accumulate_grad_hook(lambda p: log.append(("last", first.grad is None)))
    first.register_post_accumulate_grad_hook(lambda p: log.append(("first", first.grad is None)))
    model(nt.randn(5, 3)).sum().backward()
    # the last layer's hook ran before the engine had reached the first layer
    assert log == [("last", True), ("first", False)]


def test_a_leaf_used_twice_gets_its_hooks_once_on_the_sum():
    w = nt.tensor([1.0, 2.0], dtype=nt.float64, requires_grad=True)
    seen = []
    w.register_hook(lambda g: seen.append(("grad", g.tolist())))
    w.register_post_accumulate_grad_hook(lambda p: seen.append(("post", p.grad.tolist())))
    ((w * 3).sum() + (w * w).sum()).backward()
    assert seen == [("grad", [5.0, 7.0]), ("post", [5.0, 7.0])]
    assert w.grad.tolist() == [5.0, 7.0]


def test_buckets_reverse_order_and_caps():
    params = [nt.zeros(n) for n in (100, 10, 50, 5)]  # float32: 400, 40, 200, 20 bytes
    assert assign_buckets(params, 10**6, 10**6) == [[3, 2, 1, 0]]
    assert assign_buckets(params, 200, 250) == [[3, 2], [1, 0]]  # the first closes at 220 B
    assert assign_buckets(params, 1, 1) == [[3], [2], [1], [0]]
    mixed = [nt.zeros(4, dtype=nt.float64), nt.zeros(4), nt.zeros(4, dtype=nt.float64)]
    assert assign_buckets(mixed, 10**6, 10**6) == [[2, 0], [1]]  # one run per dtype
