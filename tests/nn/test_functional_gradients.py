"""Every activation, layer function and loss: float64 gradient check and PyTorch parity."""
import numpy as np
import pytest

import neuronet as nt
import neuronet.nn.functional as F
from neuronet.autograd import gradcheck
from tests.core.op_specs import assert_keeps_float32, assert_matches_pytorch, make_inputs

from .functional_specs import ALL_SPECS

IDS = [s.name for s in ALL_SPECS]


@pytest.fixture
def float64_default():
    """Constants built inside the specs (class weights, targets) take the default dtype."""
    nt.set_default_dtype(nt.float64)
    yield
    nt.set_default_dtype(nt.float32)


# The padding row of an embedding receives no gradient by design, so central differences
# disagree there; test_embedding_padding_row_gets_no_gradient covers it instead.
CHECKABLE = [s for s in ALL_SPECS if not s.kwargs.get("padding")]


@pytest.mark.parametrize("spec", CHECKABLE, ids=[s.name for s in CHECKABLE])
def test_gradcheck(spec, rng, float64_default):
    inputs = [nt.tensor(x, requires_grad=True) for x in make_inputs(spec, rng)]
    assert gradcheck(lambda *a: spec.fn(F, nt, *a), inputs)


COMPARABLE = [s for s in ALL_SPECS if not s.kwargs.get("ours")]


@pytest.mark.parametrize("spec", COMPARABLE, ids=[s.name for s in COMPARABLE])
def test_matches_pytorch(spec, rng, torch, float64_default):
    import torch.nn.functional as TF

    torch.set_default_dtype(torch.float64)
    try:
        _compare_with_pytorch(spec, rng, torch, TF)
    finally:
        torch.set_default_dtype(torch.float32)


def _compare_with_pytorch(spec, rng, torch, TF):
    assert_matches_pytorch(lambda *a: spec.fn(F, nt, *a), lambda *a: spec.fn(TF, torch, *a),
                           make_inputs(spec, rng), torch, rng, rtol=1e-10,
                           grad_rtol=spec.kwargs.get("grad_rtol", 1e-9))


@pytest.mark.parametrize("spec", ALL_SPECS, ids=IDS)
def test_float32_stays_float32(spec, rng):
    assert_keeps_float32(lambda *a: spec.fn(F, nt, *a), spec, rng)


def test_embedding_padding_row_gets_no_gradient():
    w = nt.randn(5, 3, dtype=nt.float64, requires_grad=True)
    ids = nt.tensor([[1, 2, 1], [2, 0, 2]])
    F.embedding(ids, w, padding_idx=2).sum().backward()
    np.testing.assert_array_equal(w.grad.numpy()[:, 0], [1.0, 2.0, 0.0, 0.0, 0.0])
