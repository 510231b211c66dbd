"""Gradient clipping and parameter vectors."""
import math

import numpy as np
import pytest

import neuronet as nt
from neuronet import nn
from neuronet.nn.utils import (
    clip_grad_norm_, clip_grad_value_, parameters_to_vector, vector_to_parameters,
)


def _params_with_grads(values):
    params = []
    for v in values:
        p = nn.Parameter(nt.zeros(len(v), dtype=nt.float64))
        p.grad = nt.tensor(v, dtype=nt.float64)
        params.append(p)
    return params


def test_clip_grad_norm_scales_jointly_and_returns_total_norm(torch):
    params = _params_with_grads([[3.0, 0.0], [0.0, 4.0]])
    total = clip_grad_norm_(params, max_norm=1.0)
    assert total.item() == pytest.approx(5.0)
    got = np.concatenate([p.grad.numpy() for p in params])
    tp = [torch.zeros(2, dtype=torch.float64, requires_grad=True) for _ in range(2)]
    tp[0].grad, tp[1].grad = torch.tensor([3.0, 0.0], dtype=torch.float64), \
        torch.tensor([0.0, 4.0], dtype=torch.float64)
    torch.nn.utils.clip_grad_norm_(tp, 1.0)
    np.testing.assert_allclose(got, np.concatenate([t.grad.numpy() for t in tp]), rtol=1e-12)


def test_clip_grad_norm_leaves_small_gradients_and_supports_inf_norm():
    params = _params_with_grads([[0.3, -0.4]])
    clip_grad_norm_(params, 1.0)
    assert params[0].grad.tolist() == [0.3, -0.4]
    params = _params_with_grads([[3.0, -6.0]])
    assert clip_grad_norm_(params, 2.0, norm_type=math.inf).item() == 6.0
    np.testing.assert_allclose(params[0].grad.numpy(), [1.0, -2.0], rtol=1e-6)


def test_clip_grad_norm_nonfinite_error():
    params = _params_with_grads([[math.inf, 1.0]])
    with pytest.raises(RuntimeError, match="non-finite"):
        clip_grad_norm_(params, 1.0, error_if_nonfinite=True)


def test_clip_grad_value():
    params = _params_with_grads([[-3.0, 0.5, 2.0]])
    clip_grad_value_(params, 1.0)
    assert params[0].grad.tolist() == [-1.0, 0.5, 1.0]


def test_parameter_vector_round_trip():
    lin = nn.Linear(3, 2)
    vec = parameters_to_vector(lin.parameters())
    assert vec.shape == (8,)
    vector_to_parameters(vec * 2, lin.parameters())
    np.testing.assert_allclose(parameters_to_vector(lin.parameters()).numpy(), 2 * vec.numpy())
    with pytest.raises(ValueError, match="8 elements"):
        vector_to_parameters(nt.zeros(7), lin.parameters())
