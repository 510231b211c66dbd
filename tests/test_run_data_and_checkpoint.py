"""`neuronet run` on PyTorch scripts of torch.utils.data and torch.save/torch.load:
tests/run_scripts/data_loading.py and checkpoint.py print the same results under both.

PyTorch runs both scripts in one interpreter (one start-up); neuronet runs each as a user would.
"""

import pytest

from tests.test_run import SCRIPTS, _assert_same_results, _neuronet_run, _results, _with_pytorch

NAMES = ("data_loading", "checkpoint")
# Run each script given as an argument, in order, as `python SCRIPT` would.
BOTH = "import runpy, sys\nfor path in sys.argv[1:]:\n    runpy.run_path(path, run_name='__main__')"


@pytest.fixture(scope="module")
def pytorch_results():
    out = _with_pytorch("-c", BOTH, *(SCRIPTS / f"{name}.py" for name in NAMES))
    assert out.returncode == 0, out.stderr
    # each script's output begins with its '# torch <version>' line
    parts = out.stdout.split("# torch ")[1:]
    assert len(parts) == len(NAMES), out.stdout
    return {name: _results("# torch " + part) for name, part in zip(NAMES, parts)}


@pytest.mark.parametrize("name", NAMES)
def test_the_script_prints_what_pytorch_prints(name, pytorch_results):
    ours = _neuronet_run(SCRIPTS / f"{name}.py")
    assert ours.returncode == 0, ours.stderr
    assert ours.stderr == ""
    _assert_same_results(_results(ours.stdout), pytorch_results[name])


def test_what_the_scripts_check(pytorch_results):
    """The lines that carry each script's point, as PyTorch prints them."""
    data = pytorch_results["data_loading"]
    assert "shuffled drop_last=True 2 4 4" in data
    assert "batch sampler drop_last=False 3 4 4 2" in data
    assert "dict batch dict label name weight x" in data
    assert "random_split remainder 3 2 5" in data
    resumed = pytorch_results["checkpoint"]
    assert sum(line.startswith("step ") for line in resumed) == 5
    assert [line.split()[-1] for line in resumed if line.startswith("step ")][3:] == ["True"] * 2
    assert "weights equal True" in resumed and "one tensor True True" in resumed
