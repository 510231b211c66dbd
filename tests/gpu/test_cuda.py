"""The same code on an NVIDIA GPU through CuPy: every op's value and gradient on the GPU equals
the CPU path (float64 to 1e-10, float32 to 1e-5). Skipped where no GPU can be used."""
import numpy as np
import pytest

import neuronet as nt
import neuronet.nn.functional as F
from neuronet import nn, optim
from tests.core.op_specs import SPECS, make_inputs
from tests.nn.functional_specs import ALL_SPECS

NN_SPECS = [s for s in ALL_SPECS if "Generator" not in s.fn.__code__.co_names]

pytestmark = pytest.mark.skipif(not nt.cuda.is_available(),
                                reason="no CUDA GPU visible to CuPy (install neuronet[gpu] on a "
                                       "machine with an NVIDIA GPU)")

TOL = {np.float64: dict(rtol=1e-10, atol=1e-12), np.float32: dict(rtol=1e-5, atol=1e-6)}


def _compare(fn, arrays, dtype):
    cpu = [nt.tensor(a, requires_grad=True) for a in arrays]
    gpu = [nt.tensor(a, device="cuda", requires_grad=True) for a in arrays]
    out_c, out_g = fn(*cpu), fn(*gpu)
    assert out_g.device.type == "cuda" and out_g.dtype == out_c.dtype
    np.testing.assert_allclose(out_g.detach().cpu().numpy(), out_c.detach().numpy(), **TOL[dtype])
    seed = np.random.default_rng(1).standard_normal(out_c.shape).astype(dtype)
    out_c.backward(nt.tensor(seed))
    out_g.backward(nt.tensor(seed, device="cuda"))
    for a, b in zip(cpu, gpu):
        assert b.grad.device.type == "cuda"
        np.testing.assert_allclose(b.grad.cpu().numpy(), a.grad.numpy(), **TOL[dtype])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("spec", SPECS, ids=[s.name for s in SPECS])
def test_core_op_matches_cpu(spec, dtype, rng):
    _compare(lambda *a: spec.fn(nt, *a), make_inputs(spec, rng, dtype), dtype)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("spec", NN_SPECS, ids=[s.name for s in NN_SPECS])
def test_nn_op_matches_cpu(spec, dtype, rng):
    nt.set_default_dtype(dtype)
    try:
        _compare(lambda *a: spec.fn(F, nt, *a), make_inputs(spec, rng, dtype), dtype)
    finally:
        nt.set_default_dtype(nt.float32)


def test_mixing_devices_names_both():
    with pytest.raises(RuntimeError, match="cpu and cuda:0|cuda:0 and cpu"):
        nt.ones(2) + nt.ones(2, device="cuda")


def test_module_optimizer_and_checkpoint_move_between_devices(tmp_path):
    from neuronet.serialization import load, save

    nt.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 2))
    cpu_copy = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 2))
    cpu_copy.load_state_dict(model.state_dict())
    model.cuda()
    assert all(p.device.type == "cuda" for p in model.parameters())
    x, y = nt.randn(16, 4), nt.tensor(np.arange(16) % 2)
    for m, dev in ((model, "cuda"), (cpu_copy, "cpu")):
        opt = optim.Adam(m.parameters(), lr=0.01)
        for _ in range(3):
            opt.zero_grad()
            F.cross_entropy(m(x.to(dev)), y.to(dev)).backward()
            opt.step()
    for (k, a), (_, b) in zip(model.state_dict().items(), cpu_copy.state_dict().items()):
        np.testing.assert_allclose(a.cpu().numpy(), b.numpy(), rtol=1e-4, atol=1e-5, err_msg=k)
    save(model.state_dict(), tmp_path / "gpu.safetensors")
    state, _ = load(tmp_path / "gpu.safetensors")
    back = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 2))
    back.load_state_dict(state)  # saved on the GPU, loaded on the CPU
    again = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 2)).cuda()
    again.load_state_dict(back.state_dict())  # and back onto the GPU
    np.testing.assert_array_equal(again[0].weight.cpu().numpy(), model[0].weight.cpu().numpy())


def test_factories_on_the_gpu():
    for t in (nt.zeros(2, 3, device="cuda"), nt.randn(3, device="cuda"),
              nt.arange(4, device="cuda"), nt.tensor([1.0], device="cuda:0")):
        assert t.device == nt.device("cuda:0")
    assert nt.cuda.device_count() >= 1
