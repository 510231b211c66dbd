"""The fused CuPy kernels against the plain path they replace, on the GPU: activations'
values and gradients, and optimizer trajectories (float64 to 1e-10, float32 to 1e-5).
Skipped where no GPU can be used."""
import numpy as np
import pytest

import neuronet as nt
from neuronet import kernels
from tests.core.test_kernels import ACTIVATION_CASES, OPTIMIZER_CASES

pytestmark = pytest.mark.skipif(not nt.cuda.is_available(),
                                reason="no CUDA GPU visible to CuPy (install neuronet[gpu] on a "
                                       "machine with an NVIDIA GPU)")

TOL = {np.float64: dict(rtol=1e-10, atol=1e-12), np.float32: dict(rtol=1e-5, atol=1e-6)}


def _value_and_grad(fn, x, seed):
    t = nt.tensor(x, device="cuda", requires_grad=True)
    out = fn(t)
    out.backward(nt.tensor(seed, device="cuda"))
    return out.detach().cpu().numpy(), t.grad.cpu().numpy()


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name,fn", ACTIVATION_CASES)
def test_activation_kernels_equal_the_plain_path(name, fn, dtype):
    rng = np.random.default_rng(0)
    x = np.concatenate([rng.standard_normal(1000) * 5, [-1e4, -100.0, -0.0, 0.0, 100.0, 1e4]])
    x, seed = x.astype(dtype), rng.standard_normal(x.size).astype(dtype)
    kernels._built.clear()
    fused = _value_and_grad(fn, x, seed)
    assert f"{name}_backward" in kernels._built  # the fused path did run
    with kernels.disabled():
        plain = _value_and_grad(fn, x, seed)
    for a, b in zip(fused, plain):
        np.testing.assert_allclose(a, b, **TOL[dtype])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("cls,kwargs,kernel_name", OPTIMIZER_CASES)
def test_optimizer_kernels_follow_the_plain_trajectory(cls, kwargs, kernel_name, dtype):
    rng = np.random.default_rng(1)
    start, target = rng.standard_normal((64, 32)), rng.standard_normal((64, 32))

    def trajectory():
        w = nt.tensor(start.astype(dtype), device="cuda", requires_grad=True)
        goal = nt.tensor(target.astype(dtype), device="cuda")
        opt = cls([w], **kwargs)
        for _ in range(20):
            opt.zero_grad()
            ((w - goal) ** 2).sum().backward()
            opt.step()
        return w.detach().cpu().numpy()
    kernels._built.clear()
    fused = trajectory()
    assert kernel_name in kernels._built
    with kernels.disabled():
        plain = trajectory()
    np.testing.assert_allclose(fused, plain, **TOL[dtype])
