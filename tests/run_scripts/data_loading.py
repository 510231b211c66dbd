"""torch.utils.data as PyTorch scripts use it, written for PyTorch: run it with
``python data_loading.py`` (PyTorch) or ``neuronet run data_loading.py``.

Datasets, samplers, BatchSampler, default_collate of dicts and tuples, Subset, ConcatDataset,
random_split with a generator and drop_last. Where a result depends on the random stream
(shuffling, sampling, splitting) only what does not is printed: sizes, shapes, dtypes, sums
and the sorted indices. Every line not starting with '#' is a result both runs must agree on.
"""

import numpy as np
import torch
from torch.utils.data import (
    BatchSampler,
    ConcatDataset,
    DataLoader,
    Dataset,
    RandomSampler,
    SequentialSampler,
    Subset,
    SubsetRandomSampler,
    TensorDataset,
    WeightedRandomSampler,
    default_collate,
    random_split,
)

rng = np.random.default_rng(3)
X = rng.standard_normal((10, 3)).astype(np.float32)
y = np.arange(10) % 3


def dtype(t):
    """A tensor's dtype by its bare name (str() of a dtype names its library: 'torch.int64')."""
    return str(t.dtype).split(".")[-1]


def show(name, value):
    print(name, " ".join(f"{v:.6f}" if isinstance(v, float) else str(v) for v in value))


class Records(Dataset):
    """Each item a dict of an array, a float, an int and a string."""

    def __len__(self):
        return 10

    def __getitem__(self, i):
        return {"x": X[i], "weight": float(i) / 4, "label": int(y[i]), "name": f"r{i}"}


class Pairs(Dataset):
    """Each item a tuple (tensor, int)."""

    def __init__(self, start):
        self.start = start

    def __len__(self):
        return 4

    def __getitem__(self, i):
        return torch.full((2,), float(self.start + i)), self.start + i


print(f"# torch {torch.__version__}")
data = TensorDataset(torch.from_numpy(X), torch.from_numpy(y))

# a deterministic pass: SequentialSampler (what shuffle=False uses)
loader = DataLoader(data, batch_size=4, sampler=SequentialSampler(data))
show("sequential len", [len(loader)])
for xb, yb in loader:
    show("sequential batch", [*xb.shape, xb.sum().item(), *yb.tolist(), dtype(yb)])

# shuffling: the batches' sizes and the data seen are the same whatever the order
g = torch.Generator().manual_seed(0)
for drop_last in (False, True):
    loader = DataLoader(data, batch_size=4, shuffle=True, generator=g, drop_last=drop_last)
    sizes, total, seen = [], 0.0, []
    for xb, yb in loader:
        sizes.append(xb.shape[0])
        total += xb.sum().item()
        seen += yb.tolist()
    show(f"shuffled drop_last={drop_last}", [len(loader), *sizes])
    if not drop_last:
        show("shuffled sum", [round(total, 4), *sorted(seen)])

# samplers
show("random sampler", sorted(RandomSampler(data)))
with_replacement = list(RandomSampler(data, replacement=True, num_samples=25))
show("replacement", [len(with_replacement), all(0 <= i < 10 for i in with_replacement)])
show("subset random", sorted(SubsetRandomSampler([7, 2, 5])))
weights = [0.0, 1.0, 0.0, 2.0, 0.0, 0.0, 3.0, 0.0, 0.0, 0.0]
drawn = list(WeightedRandomSampler(weights, num_samples=30, replacement=True))
show("weighted", [len(drawn), set(drawn) <= {1, 3, 6}])
distinct = list(WeightedRandomSampler(weights, num_samples=3, replacement=False))
show("weighted distinct", sorted(distinct))

# BatchSampler, and a DataLoader driven by one
for drop_last in (False, True):
    batches = list(BatchSampler(SequentialSampler(range(10)), batch_size=4, drop_last=drop_last))
    show(f"batch sampler drop_last={drop_last}", [len(batches), *map(len, batches)])
    show("  first and last", [*batches[0], *batches[-1]])
loader = DataLoader(data, batch_sampler=BatchSampler(SequentialSampler(data), 3, False))
show("batch_sampler loader", [len(loader), *(xb.shape[0] for xb, _ in loader)])
loader = DataLoader(data, batch_size=None, sampler=[4, 1])
for x, label in loader:
    show("unbatched", [type(x).__name__, *x.shape, x.sum().item(), label.item(), label.ndim])

# default_collate: dicts collate per key; tuples become lists; numbers and strings
batch = next(iter(DataLoader(Records(), batch_size=3)))
print("dict batch", type(batch).__name__, *sorted(batch))
show("  x", [*batch["x"].shape, dtype(batch["x"]), round(batch["x"].sum().item(), 5)])
show("  weight", [dtype(batch["weight"]), *batch["weight"].tolist()])
show("  label", [dtype(batch["label"]), *batch["label"].tolist()])
show("  name", [type(batch["name"]).__name__, *batch["name"]])
pairs = default_collate([Pairs(0)[i] for i in range(3)])
show("tuple batch", [type(pairs).__name__, len(pairs), *pairs[0].shape, *pairs[1].tolist()])
nested = default_collate([(np.float32(1.5), [1, 2]), (np.float32(2.5), [3, 4])])
show("nested", [dtype(nested[0]), *nested[0].tolist(), type(nested[1]).__name__,
                *(t.tolist() for t in nested[1])])

# Subset, ConcatDataset (also by +), random_split
sub = Subset(data, [9, 0, 4])
show("subset", [len(sub), *(int(sub[i][1]) for i in range(3)), round(sub[0][0].sum().item(), 5)])
both = ConcatDataset([Pairs(0), Pairs(10)])
show("concat", [len(both), *both.cumulative_sizes, both[3][1], both[4][1], both[-1][1]])
added = Pairs(0) + Pairs(20)
show("added", [type(added).__name__, len(added), added[5][1]])
for batch in DataLoader(both, batch_size=3):
    show("concat batch", [*batch[0].shape, *batch[1].tolist()])
for lengths in ([7, 3], [0.5, 0.3, 0.2]):
    parts = random_split(data, lengths, generator=torch.Generator().manual_seed(42))
    every = sorted(i for part in parts for i in part.indices)
    show(f"random_split {lengths}", [*map(len, parts), every == list(range(10))])
    show("  subset types", [type(p).__name__ for p in parts])
parts = random_split(range(10), [0.25, 0.25, 0.5], generator=torch.Generator().manual_seed(1))
show("random_split remainder", [len(p) for p in parts])  # floors, then one more to the first

# the loaders' fast paths: subsets and concatenations of tensor datasets, batched
loader = DataLoader(Subset(data, [8, 1, 6, 3, 0]), batch_size=2)
for xb, yb in loader:
    show("subset batch", [*xb.shape, xb.sum().item(), *yb.tolist()])
loader = DataLoader(ConcatDataset([data, Subset(data, [2, 5])]), batch_size=5, drop_last=True)
for xb, yb in loader:
    show("concat tensors batch", [*xb.shape, xb.sum().item(), *yb.tolist()])
show("attributes", [loader.batch_size, loader.drop_last, len(loader.dataset)])
numbers = TensorDataset(torch.arange(10) * 10)
loader = DataLoader(Subset(numbers, range(2, 9)), batch_size=3, shuffle=True, drop_last=True)
seen = [v for (batch,) in loader for v in batch.tolist()]
show("shuffled subset", [len(loader), len(seen), len(set(seen)), set(seen) <= set(range(20, 90, 10))])

# collate_fn, and numbers of several kinds
raw = next(iter(DataLoader(Pairs(5), batch_size=2, collate_fn=lambda samples: samples)))
show("own collate", [type(raw).__name__, len(raw), type(raw[0]).__name__, raw[1][1]])
kinds = default_collate([(True, np.int32(3), np.arange(2, dtype=np.int16)),
                         (False, np.int32(4), np.arange(2, 4, dtype=np.int16))])
show("kinds", [dtype(t) for t in kinds] + [t.tolist() for t in kinds])
