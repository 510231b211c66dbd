"""tests/run_scripts/sampling.py (generators and samplers, written for PyTorch) prints the same
results under PyTorch and through ``neuronet run``: the stream-independent properties of the
draws (dtypes, shapes, reproducibility, certain outcomes, rounded statistics, errors)."""
from tests.test_run import SCRIPTS, _assert_same_results, _neuronet_run, _results, _with_pytorch


def test_sampling_script_matches_pytorch():
    theirs = _with_pytorch(SCRIPTS / "sampling.py")
    assert theirs.returncode == 0, theirs.stderr
    ours = _neuronet_run(SCRIPTS / "sampling.py")
    assert ours.returncode == 0, ours.stderr
    assert ours.stderr == ""
    results = _results(ours.stdout)
    assert len(results) == 29 and results[0] == "generator cpu 1234"
    _assert_same_results(results, _results(theirs.stdout))
