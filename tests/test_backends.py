"""neuronet.backends flags, compile, matmul precision, determinism and thread settings."""

import importlib.util

import pytest

import neuronet as nt


@pytest.fixture(autouse=True)
def _restore():
    yield
    nt.set_float32_matmul_precision("highest")
    nt.use_deterministic_algorithms(False)
    nt.backends.cudnn.benchmark = False


def test_defaults_are_pytorchs():
    b = nt.backends
    assert (b.cudnn.enabled, b.cudnn.benchmark, b.cudnn.deterministic, b.cudnn.allow_tf32) == (
        True, False, False, True)
    assert b.cuda.matmul.allow_tf32 is False and nt.get_float32_matmul_precision() == "highest"
    assert b.mps.is_available() is False and b.mps.is_built() is False
    assert b.cudnn.is_available() is False and b.cudnn.version() is None
    assert b.cuda.is_built() is (importlib.util.find_spec("cupy") is not None)


def test_flags_are_settable_and_import_as_modules():
    import neuronet.backends.cudnn as cudnn

    cudnn.benchmark = True
    assert nt.backends.cudnn.benchmark is True


def test_allow_tf32_is_the_matmul_precision():
    nt.backends.cuda.matmul.allow_tf32 = True
    assert nt.get_float32_matmul_precision() == "high"
    nt.set_float32_matmul_precision("medium")
    assert nt.backends.cuda.matmul.allow_tf32 is True
    nt.set_float32_matmul_precision("highest")
    assert nt.backends.cuda.matmul.allow_tf32 is False
    with pytest.raises(ValueError, match="precision must be one of"):
        nt.set_float32_matmul_precision("low")


def test_compile_returns_the_model():
    model = nt.nn.Linear(2, 1)
    assert nt.compile(model) is model
    assert nt.compile(model, mode="max-autotune", fullgraph=True, dynamic=False) is model

    @nt.compile(mode="reduce-overhead")
    def f(x):
        return x * 2

    assert f(nt.tensor([1.0])).tolist() == [2.0]
    with pytest.raises(TypeError, match="compile: model must be a module or a function"):
        nt.compile(3)


def test_deterministic_algorithms_and_threads():
    assert nt.are_deterministic_algorithms_enabled() is False
    nt.use_deterministic_algorithms(True, warn_only=True)
    assert nt.are_deterministic_algorithms_enabled() is True
    assert nt.is_deterministic_algorithms_warn_only_enabled() is True
    with pytest.raises(TypeError, match="mode must be a bool"):
        nt.use_deterministic_algorithms(1)
    assert nt.get_num_threads() >= 1
    before = nt.get_num_threads()
    nt.set_num_threads(3)
    assert nt.get_num_threads() == 3
    nt.set_num_threads(before)
    with pytest.raises(RuntimeError, match="set_num_threads: expected a positive int"):
        nt.set_num_threads(0)
