"""Every differentiable op: float64 central-difference gradient check, PyTorch's values and
gradients, and float32 kept end to end."""
import numpy as np
import pytest

import neuronet as nt
from neuronet.autograd import gradcheck

from .op_specs import SPECS, assert_keeps_float32, make_inputs

IDS = [s.name for s in SPECS]


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_gradcheck(spec, rng):
    inputs = [nt.tensor(x, requires_grad=True) for x in make_inputs(spec, rng)]
    assert gradcheck(lambda *a: spec.fn(nt, *a), inputs)


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_matches_pytorch(spec, rng, torch):
    arrays = make_inputs(spec, rng)
    ours = [nt.tensor(x, requires_grad=True) for x in arrays]
    theirs = [torch.tensor(x, requires_grad=True) for x in arrays]
    out, ref = spec.fn(nt, *ours), spec.fn(torch, *theirs)
    assert out.shape == tuple(ref.shape)
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), rtol=1e-12, atol=1e-12)
    upstream = rng.standard_normal(ref.shape)
    out.backward(nt.tensor(upstream))
    ref.backward(torch.tensor(upstream))
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_float32_stays_float32(spec, rng):
    assert_keeps_float32(lambda *a: spec.fn(nt, *a), spec, rng)
