"""Sorting (NaN largest, equal values in order), top-k, running sums of integers, the logical
reductions and the closeness tests, against known values and PyTorch."""
import math

import pytest

import neuronet as nt

NAN = math.nan


def _listed(x):
    """The values of a 2-D tensor, NaN written as "nan" (so that lists compare equal)."""
    return [["nan" if v != v else v for v in row] for row in x.tolist()]


def _results(m):
    x = m.tensor([[3.0, NAN, 1.0, 3.0], [2.0, 2.0, -1.0, NAN]])
    ints = m.tensor([[5, -2, 5, 0], [1, 1, 1, -7]])
    return {
        "sort": (_listed(m.sort(x, dim=1, stable=True).values),
                 m.sort(x, dim=1, stable=True).indices.tolist()),
        "sort descending": (_listed(x.sort(dim=1, descending=True, stable=True)[0]),
                            x.sort(dim=1, descending=True, stable=True)[1].tolist()),
        "argsort ints": m.argsort(ints, dim=1, stable=True).tolist(),
        "argsort ints descending": ints.argsort(dim=1, descending=True, stable=True).tolist(),
        "sort dim0": ints.sort(dim=0, stable=True).indices.tolist(),
        "topk": m.topk(ints, 2, dim=1).values.tolist(),
        "topk smallest": m.topk(ints, 1, dim=0, largest=False).values.tolist(),
        "cumsum bool": (m.cumsum(m.tensor([True, False, True]), 0).tolist(),
                        str(m.cumsum(m.tensor([True, False, True]), 0).dtype).split(".")[-1]),
        "cumsum int dim": m.cumsum(ints, dim=1).tolist(),
        "all, any": (m.all(ints).item(), m.any(ints).item(), ints.all(1).tolist(),
                     ints.any(0, keepdim=True).tolist()),
        "count_nonzero": (m.count_nonzero(ints).item(), m.count_nonzero(ints, dim=0).tolist()),
        "isclose": m.isclose(m.tensor([1.0, 1.0, NAN, 1e-9]),
                             m.tensor([1.0 + 1e-6, 1.1, NAN, 0.0])).tolist(),
        "isclose nan": m.isclose(m.tensor([NAN]), m.tensor([NAN]), equal_nan=True).tolist(),
        "allclose": (m.allclose(m.tensor([1.0, 2.0]), m.tensor([1.0, 2.0 + 1e-7])),
                     m.allclose(m.tensor([1.0]), m.tensor([1.01]))),
        "equal": (m.equal(ints, ints.clone()), m.equal(ints, ints[:1]),
                  m.equal(m.tensor([1.0]), m.tensor([2.0]))),
        "diag ints": m.diag(m.tensor([1, 2]), -1).tolist(),
        "tril ints": m.tril(ints, -1).tolist(),
    }


EXPECTED = {
    "sort": ([[1.0, 3.0, 3.0, "nan"], [-1.0, 2.0, 2.0, "nan"]], [[2, 0, 3, 1], [2, 0, 1, 3]]),
    "sort descending": ([["nan", 3.0, 3.0, 1.0], ["nan", 2.0, 2.0, -1.0]],
                        [[1, 0, 3, 2], [3, 0, 1, 2]]),
    "argsort ints": [[1, 3, 0, 2], [3, 0, 1, 2]],
    "argsort ints descending": [[0, 2, 3, 1], [0, 1, 2, 3]],
    "sort dim0": [[1, 0, 1, 1], [0, 1, 0, 0]],
    "topk": [[5, 5], [1, 1]],
    "topk smallest": [[1, -2, 1, -7]],
    "cumsum bool": ([1, 1, 2], "int64"),
    "cumsum int dim": [[5, 3, 8, 8], [1, 2, 3, -4]],
    "all, any": (False, True, [False, True], [[True, True, True, True]]),
    "count_nonzero": (7, [2, 2, 2, 1]),
    "isclose": [True, False, False, True],
    "isclose nan": [True],
    "allclose": (True, False),
    "equal": (True, False, False),
    "diag ints": [[0, 0, 0], [1, 0, 0], [0, 2, 0]],
    "tril ints": [[0, 0, 0, 0], [1, 0, 0, 0]],
}


@pytest.mark.parametrize("case", list(EXPECTED))
def test_known_values(case):
    assert _results(nt)[case] == EXPECTED[case]


def test_matches_pytorch(torch):
    assert _results(nt) == _results(torch)


def test_bad_arguments_are_named():
    x = nt.ones(2, 3)
    with pytest.raises(RuntimeError, match="topk: k \\(4\\) must be between 0 and the size"):
        x.topk(4)
    with pytest.raises(RuntimeError, match="only supports boolean masks"):
        x.masked_fill(nt.tensor([1, 0, 1]), 0.0)
    with pytest.raises(RuntimeError, match="does not broadcast"):
        x.masked_fill(nt.tensor([True, False]), 0.0)
    with pytest.raises(RuntimeError, match="tril: input tensor must have at least 2 dimensions"):
        nt.tril(nt.ones(3))
    with pytest.raises(RuntimeError, match="dot: tensor must be 1-D"):
        nt.dot(nt.ones(3), x)
    with pytest.raises(IndexError, match="narrow"):
        x.narrow(1, 2, 2)
