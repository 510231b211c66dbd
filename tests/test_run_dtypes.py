"""tests/run_scripts/dtypes_and_flags.py gives the same results under PyTorch and neuronet run."""

from tests.test_run import SCRIPTS, _assert_same_results, _neuronet_run, _results, _with_pytorch

SCRIPT = SCRIPTS / "dtypes_and_flags.py"


def test_dtypes_and_flags_script_matches_pytorch():
    ours = _neuronet_run(SCRIPT)
    assert ours.returncode == 0, ours.stderr
    theirs = _with_pytorch(SCRIPT)
    assert theirs.returncode == 0, theirs.stderr
    _assert_same_results(_results(ours.stdout), _results(theirs.stdout))
