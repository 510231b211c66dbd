"""Fixtures of the layer tests: float64 defaults, in neuronet alone or in both libraries."""
import pytest

import neuronet as nt


@pytest.fixture
def f64():
    nt.set_default_dtype(nt.float64)
    yield
    nt.set_default_dtype(nt.float32)


@pytest.fixture
def torch64(torch, f64):
    """PyTorch with float64 as its default dtype too (neuronet's is float64 by ``f64``)."""
    torch.set_default_dtype(torch.float64)
    yield torch
    torch.set_default_dtype(torch.float32)
