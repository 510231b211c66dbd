"""`neuronet run` on a PyTorch script of the tensor API (keyword names, axis=/keepdims=, out=,
histogram, unique, searchsorted, cdist, rot90, std_mean, ...): tests/run_scripts/tensor_api.py
prints the same results under both."""

import pytest

from tests.test_run import SCRIPTS, _assert_same_results, _neuronet_run, _results, _with_pytorch

SCRIPT = SCRIPTS / "tensor_api.py"


@pytest.fixture(scope="module")
def pytorch_results():
    out = _with_pytorch(SCRIPT)
    assert out.returncode == 0, out.stderr
    return _results(out.stdout)


def test_the_script_prints_what_pytorch_prints(pytorch_results):
    ours = _neuronet_run(SCRIPT)
    assert ours.returncode == 0, ours.stderr
    assert ours.stderr == ""
    _assert_same_results(_results(ours.stdout), pytorch_results, tol=1e-6)


def test_what_the_script_checks(pytorch_results):
    """The lines that carry the script's point, as PyTorch prints them."""
    names = [line.split()[0] for line in pytorch_results]
    for name in ("sum_axis", "out_sum", "histogram", "unique_counts", "searchsorted_int32",
                 "cdist_grad_b", "rot90_grad", "std_mean_grad"):
        assert name in names
    assert "out_is_returned True" in pytorch_results
    assert "out_refused add()" in pytorch_results
    assert "numel 20 20 True False" in pytorch_results
    assert "is_floating_point True False" in pytorch_results
