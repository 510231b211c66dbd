"""Second derivatives of every differentiable op (``gradgradcheck``: central differences of
the VJP recorded with ``create_graph=True``), and the second and third derivatives of the
unary ops against PyTorch's."""
import numpy as np
import pytest

import neuronet as nt
import neuronet.nn.functional as F
from neuronet.autograd import gradgradcheck
from tests.nn.functional_specs import ALL_SPECS

from .op_specs import SPECS, make_inputs


@pytest.mark.parametrize("spec", SPECS, ids=[s.name for s in SPECS])
def test_gradgradcheck(spec, rng):
    inputs = [nt.tensor(x, requires_grad=True) for x in make_inputs(spec, rng)]
    assert gradgradcheck(lambda *a: spec.fn(nt, *a), inputs)


# (the padding row of an embedding receives no gradient by design: see the first-order tests)
FUNCTIONAL = [s for s in ALL_SPECS if not s.kwargs.get("padding")]


@pytest.mark.parametrize("spec", FUNCTIONAL, ids=[s.name for s in FUNCTIONAL])
def test_gradgradcheck_functional(spec, rng):
    nt.set_default_dtype(nt.float64)
    try:
        inputs = [nt.tensor(x, requires_grad=True) for x in make_inputs(spec, rng)]
        assert gradgradcheck(lambda *a: spec.fn(F, nt, *a), inputs)
    finally:
        nt.set_default_dtype(nt.float32)


UNARY = {
    "exp": "real", "exp2": "real", "expm1": "real", "log": "positive", "log2": "positive",
    "log10": "positive", "log1p": "positive", "sqrt": "positive", "rsqrt": "positive",
    "reciprocal": "away", "sin": "real", "cos": "real", "tan": "unit", "asin": "unit",
    "acos": "unit", "atan": "real", "sinh": "real", "cosh": "real", "erf": "real",
    "abs": "away", "square": "real", "sign": "away", "tanh": "real", "sigmoid": "real",
    "relu": "away", "floor": "real", "ceil": "real", "trunc": "real", "round": "real",
}  # fmt: skip


def _derivatives(module, x, name, order):
    """d^k/dx^k of sum(name(x)), for k = 1..order, each from the one before, as arrays. A
    derivative that is a constant (it requires no grad) has zeros as every further one."""
    fn = getattr(module, name)
    y = fn(x).sum()
    found = []
    for _ in range(order):
        if not y.requires_grad:
            found.append(np.zeros(tuple(x.shape)))
            continue
        (d,) = module.autograd.grad(y, x, create_graph=True)
        found.append((d.detach() + 0).numpy())  # (+ 0: PyTorch's zero tensors as arrays)
        y = d.sum()
    return found


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_second_and_third_derivatives_match_pytorch(name, rng, torch):
    from .op_specs import OpSpec

    (values,) = make_inputs(OpSpec(name, None, ((7,),), UNARY[name]), rng)
    ours = _derivatives(nt, nt.tensor(values, requires_grad=True), name, 3)
    theirs = _derivatives(torch, torch.tensor(values, requires_grad=True), name, 3)
    for k, (a, b) in enumerate(zip(ours, theirs), start=1):
        np.testing.assert_allclose(a, b, rtol=1e-7, atol=1e-12, err_msg=f"order {k}")


@pytest.mark.parametrize("fn", [lambda a: a.std(), lambda a: (a * a).sum().sqrt(),
                                lambda a: a.sum().exp(), lambda a: a.norm()],
                         ids=["std_all", "sqrt_of_0d", "exp_of_0d", "norm_all"])
def test_second_derivatives_through_0d_results(fn, rng):
    """Ops on 0-d tensors, whose NumPy results are scalars, save their output as an array."""
    a = nt.tensor(rng.standard_normal((3, 2)), requires_grad=True)
    assert gradgradcheck(fn, (a,))
