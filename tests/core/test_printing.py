"""Tensor printing: repr under set_printoptions, and __format__, compared with PyTorch."""

import numpy as np
import pytest

import neuronet as nt
from neuronet.printing import get_printoptions


@pytest.fixture(autouse=True)
def _default_options():
    yield
    nt.set_printoptions(profile="default")


def _reprs(m):
    values = [1.23456, -2.5, 3.0]
    out = [repr(m.tensor(values))]
    m.set_printoptions(precision=2)
    out.append(repr(m.tensor(values)))
    m.set_printoptions(sci_mode=True)
    out.append(repr(m.tensor(values)))
    m.set_printoptions(profile="default")
    out.append(repr(m.tensor([1.5, 2.25, 1e-5])))
    m.set_printoptions(threshold=5, edgeitems=2)
    out.append(repr(m.arange(10)))
    m.set_printoptions(profile="short")
    out.append(repr(m.tensor([1.23456, 7.0])))
    m.set_printoptions(profile="default")
    return [r.replace("torch.", "neuronet.") for r in out]


def test_printoptions_match_pytorch():
    torch = pytest.importorskip("torch", reason="PyTorch is the reference for tensor printing")
    assert _reprs(nt) == _reprs(torch)


def test_printoptions_values_and_profiles():
    nt.set_printoptions(precision=6, linewidth=120)
    assert get_printoptions() == {"precision": 6, "threshold": 1000, "edgeitems": 3,
                                  "linewidth": 120, "sci_mode": None}
    assert repr(nt.tensor([1.0 / 3, 1.0])) == "tensor([0.333333, 1.000000])"
    nt.set_printoptions(profile="full")
    assert get_printoptions()["threshold"] == float("inf")
    assert "..." not in repr(nt.arange(5000))
    nt.set_printoptions(profile="default")
    assert "..." in repr(nt.arange(5000))
    with pytest.raises(ValueError, match="set_printoptions: profile must be one of"):
        nt.set_printoptions(profile="long")


def test_format_of_a_0d_tensor_is_the_number():
    loss = nt.tensor(0.123456)
    assert f"{loss:.4f}" == "0.1235" and f"{nt.tensor(7):d}" == "7"
    assert f"{nt.tensor(2.5)}" == "2.5" == format(nt.tensor(2.5))
    assert f"{nt.tensor([1.0, 2.0])}" == "tensor([1., 2.])"
    with pytest.raises(TypeError, match="unsupported format string"):
        f"{nt.tensor([0.5]):.4f}"  # noqa: B018 - as PyTorch: only 0-d tensors take a spec


def test_format_matches_pytorch():
    torch = pytest.importorskip("torch", reason="PyTorch is the reference for __format__")
    for m_value in (0.123456, 3.0, -1e-7):
        assert f"{nt.tensor(m_value):.4f}" == f"{torch.tensor(m_value):.4f}"
        assert f"{nt.tensor(m_value):>12.3e}" == f"{torch.tensor(m_value):>12.3e}"
    assert f"{nt.tensor(np.int64(5)):03d}" == f"{torch.tensor(5):03d}"
