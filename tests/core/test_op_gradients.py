"""Every differentiable op: float64 central-difference gradient check, PyTorch's values and
gradients, and float32 kept end to end."""
import pytest

import neuronet as nt
from neuronet.autograd import gradcheck

from .op_specs import SPECS, assert_keeps_float32, assert_matches_pytorch, make_inputs

IDS = [s.name for s in SPECS]


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_gradcheck(spec, rng):
    inputs = [nt.tensor(x, requires_grad=True) for x in make_inputs(spec, rng)]
    assert gradcheck(lambda *a: spec.fn(nt, *a), inputs)


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_matches_pytorch(spec, rng, torch):
    assert_matches_pytorch(lambda *a: spec.fn(nt, *a), lambda *a: spec.fn(torch, *a),
                           make_inputs(spec, rng), torch, rng)


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_float32_stays_float32(spec, rng):
    assert_keeps_float32(lambda *a: spec.fn(nt, *a), spec, rng)
