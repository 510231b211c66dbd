"""tests/run_scripts/schedulers.py gives the same results under PyTorch and neuronet run."""

from tests.test_run import SCRIPTS, _assert_same_results, _neuronet_run, _results, _with_pytorch

SCRIPT = SCRIPTS / "schedulers.py"


def test_schedulers_script_matches_pytorch():
    ours = _neuronet_run(SCRIPT)
    assert ours.returncode == 0, ours.stderr
    assert ours.stderr == ""  # no warning: every scheduler is stepped after its optimizer
    results = _results(ours.stdout)
    assert sum(line.startswith("chained epoch ") and " same True " in line
               for line in results) == 5  # the resumed run follows the uninterrupted one
    theirs = _with_pytorch(SCRIPT)
    assert theirs.returncode == 0, theirs.stderr
    _assert_same_results(results, _results(theirs.stdout))
