"""Shared fixtures: a seeded library generator per test, and PyTorch when it is installed."""
import numpy as np
import pytest

import neuronet


@pytest.fixture(autouse=True)
def _seeded():
    neuronet.manual_seed(0)
    neuronet.set_default_dtype(neuronet.float32)
    yield


@pytest.fixture
def rng():
    return np.random.default_rng(1234)


@pytest.fixture
def torch():
    """PyTorch, or a skip that says why (install: pip install torch==2.13.0)."""
    return pytest.importorskip("torch", reason="PyTorch not installed: comparison tests need "
                                               "pip install torch==2.13.0")
