"""Integer and bool arithmetic as PyTorch defines it: exact rounded division, errors for
integer division by zero and for subtracting or negating booleans, PyTorch's dtypes for bool
powers."""
import numpy as np
import pytest

import neuronet as nt


def _outcome(fn):
    try:
        r = fn()
    except RuntimeError as e:  # (NotImplementedError is a RuntimeError)
        return "error", type(e).__name__
    return str(r.dtype).split(".")[-1], r.tolist()


CASES = {
    "trunc": lambda m: m.div(m.tensor([7, -7, 7, -7, 6]), m.tensor([2, 2, -2, -2, -3]),
                             rounding_mode="trunc"),
    "trunc, past 2**53": lambda m: m.div(m.tensor([2**62 + 1]), m.tensor([3]),
                                         rounding_mode="trunc"),
    "floor": lambda m: m.tensor([7, -7, 7, -7]) // m.tensor([2, 2, -2, -2]),
    "float trunc": lambda m: m.div(m.tensor([7.5, -7.5]), m.tensor([2.0, 2.0]),
                                   rounding_mode="trunc"),
    "bool // int": lambda m: m.tensor([True, False]) // 1,
    "int // 0": lambda m: m.tensor([3, -3]) // 0,
    "int trunc by a zero": lambda m: m.div(m.tensor([3, 1]), m.tensor([1, 0]),
                                           rounding_mode="trunc"),
    "bool // bool": lambda m: m.tensor([True]) // m.tensor([True]),
    "bool - bool": lambda m: m.tensor([True]) - m.tensor([False]),
    "1 - bool": lambda m: 1 - m.tensor([True, False]),
    "int - True": lambda m: m.tensor([1, 2]) - True,
    "float - True": lambda m: m.ones(2) - True,
    "-bool": lambda m: -m.tensor([True]),
    "bool ** bool": lambda m: m.tensor([True, False]) ** m.tensor([True, True]),
    "bool ** True": lambda m: m.tensor([True, False]) ** True,
    "bool ** False": lambda m: m.tensor([True, False]) ** False,
    "bool ** 2": lambda m: m.tensor([True, False]) ** 2,
    "bool ** 2.5": lambda m: m.tensor([True, False]) ** 2.5,
    "2 ** bool": lambda m: 2 ** m.tensor([True, False]),
}

EXPECTED = {
    "trunc": ("int64", [3, -3, -3, 3, -2]),
    "trunc, past 2**53": ("int64", [(2**62 + 1) // 3]),
    "floor": ("int64", [3, -4, -4, 3]),
    "float trunc": ("float32", [3.0, -3.0]),
    "bool // int": ("int64", [1, 0]),
    "int // 0": ("error", "RuntimeError"),
    "int trunc by a zero": ("error", "RuntimeError"),
    "bool // bool": ("error", "NotImplementedError"),
    "bool - bool": ("error", "RuntimeError"),
    "1 - bool": ("error", "RuntimeError"),
    "int - True": ("error", "RuntimeError"),
    "float - True": ("error", "RuntimeError"),
    "-bool": ("error", "RuntimeError"),
    "bool ** bool": ("error", "NotImplementedError"),
    "bool ** True": ("bool", [True, False]),
    "bool ** False": ("bool", [True, True]),
    "bool ** 2": ("int64", [1, 0]),
    "bool ** 2.5": ("float32", [1.0, 0.0]),
    "2 ** bool": ("int64", [2, 1]),
}


@pytest.mark.parametrize("case", list(CASES))
def test_values_dtypes_and_errors(case):
    assert _outcome(lambda: CASES[case](nt)) == EXPECTED[case]


@pytest.mark.parametrize("case", list(CASES))
def test_matches_pytorch(case, torch):
    ours, theirs = _outcome(lambda: CASES[case](nt)), _outcome(lambda: CASES[case](torch))
    assert ours[1:] == theirs[1:] if ours[0] == "error" else ours == theirs


def test_the_errors_say_what_to_use_instead():
    with pytest.raises(RuntimeError, match="use the `~` or `logical_not\\(\\)` operator"):
        1 - nt.tensor([True])
    with pytest.raises(RuntimeError, match="integer division by zero"):
        nt.tensor(np.array([4, 2], dtype=np.int32)) // nt.tensor(np.array([2, 0], dtype=np.int32))
