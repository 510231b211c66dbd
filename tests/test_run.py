"""`neuronet run SCRIPT` / `python -m neuronet.run SCRIPT`: PyTorch scripts run unchanged.

The scripts in tests/run_scripts/ are plain PyTorch; each is run once with PyTorch (skipped
where it is not installed) and once through neuronet, and the two runs are compared.
"""

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import neuronet
import neuronet.nn
from neuronet.run import EXIT_UNAVAILABLE
from neuronet.torch_import import (
    TorchAPIUnavailable,
    TorchImportHook,
    TorchModule,
)

SCRIPTS = Path(__file__).parent / "run_scripts"
VERSION = neuronet.__version__


def _python(*args, cwd=None):
    return subprocess.run([sys.executable, *map(str, args)], capture_output=True, text=True,
                          timeout=60, cwd=cwd)


def _neuronet_run(*args, cwd=None):
    return _python("-m", "neuronet", "run", *args, cwd=cwd)


def _with_pytorch(*args):
    pytest.importorskip("torch", reason="PyTorch is the reference these runs are compared with")
    return _python(*args)


def _results(stdout):
    """The lines a script prints as results (those not starting with '#')."""
    return [line for line in stdout.splitlines() if not line.startswith("#")]


def _assert_same_results(ours, theirs, tol=1e-5):
    assert len(ours) == len(theirs) and ours, (ours, theirs)
    for a, b in zip(ours, theirs):
        words_a, words_b = a.split(), b.split()
        assert len(words_a) == len(words_b), (a, b)
        for x, y in zip(words_a, words_b):
            try:
                assert float(x) == pytest.approx(float(y), abs=tol), (a, b)
            except ValueError:
                assert x == y, (a, b)


@pytest.fixture(scope="module")
def mlp_neuronet():
    return _neuronet_run(SCRIPTS / "mlp_sgd.py", 2)


def test_mlp_training_matches_pytorch(mlp_neuronet):
    theirs = _with_pytorch(SCRIPTS / "mlp_sgd.py", 2)
    assert theirs.returncode == 0, theirs.stderr
    assert mlp_neuronet.returncode == 0, mlp_neuronet.stderr
    assert mlp_neuronet.stderr == ""
    ours = _results(mlp_neuronet.stdout)
    assert sum(line.startswith("epoch ") for line in ours) == 6  # 2 epochs of 3 batches
    _assert_same_results(ours, _results(theirs.stdout))
    # torch.__version__ is neuronet's version
    assert mlp_neuronet.stdout.splitlines()[0] == f"# torch {VERSION}"


def test_python_m_neuronet_run_passes_the_arguments(mlp_neuronet):
    one_epoch = _python("-m", "neuronet.run", SCRIPTS / "mlp_sgd.py", 1)
    assert one_epoch.returncode == 0, one_epoch.stderr
    losses = [line for line in one_epoch.stdout.splitlines() if line.startswith("epoch")]
    assert losses == [line for line in mlp_neuronet.stdout.splitlines()
                      if line.startswith("epoch 0 ")]


def test_missing_api_ends_with_one_line_and_its_exit_code():
    ours = _neuronet_run(SCRIPTS / "unavailable_api.py")
    assert ours.stdout == "signal sum 0.0\n"
    assert ours.stderr == f"neuronet run: torch.fft is not available in neuronet {VERSION}\n"
    assert ours.returncode == EXIT_UNAVAILABLE == 3
    theirs = _with_pytorch(SCRIPTS / "unavailable_api.py")  # the script is sound PyTorch
    assert theirs.returncode == 0, theirs.stderr
    assert theirs.stdout.splitlines()[1] == "spectrum [0.0, 2.0, 0.0]"


@pytest.mark.parametrize(("code", "api"), [
    ("from torch.nn import Linear, LazyLinear", "torch.nn.LazyLinear"),
    ("import torch.fft", "torch.fft"),
    ("import torch.nn as nn\nlayer = nn.LazyLinear(1)", "torch.nn.LazyLinear"),
    ("from torch import nn, fft", "torch.fft"),
])
def test_each_way_of_reaching_a_missing_api(tmp_path, code, api):
    script = tmp_path / "uses_missing.py"
    script.write_text(f"import torch\nprint('start')\n{code}\nprint('not reached')\n")
    ours = _neuronet_run(script)
    assert (ours.returncode, ours.stdout) == (3, "start\n")
    assert ours.stderr == f"neuronet run: {api} is not available in neuronet {VERSION}\n"


def test_a_script_that_handles_missing_apis_goes_on(tmp_path):
    script = tmp_path / "probes.py"
    script.write_text(textwrap.dedent("""\
        import torch
        print(hasattr(torch, "stft"), getattr(torch.nn, "LazyLinear", None))
        try:
            import torch.fft
        except ImportError as err:
            print("no", err.name)
        print(hasattr(torch.nn, "Linear"))
    """))
    ours = _neuronet_run(script)
    assert (ours.returncode, ours.stderr) == (0, "")
    assert ours.stdout.splitlines() == ["False None", "no torch.fft", "True"]


def test_own_error_prints_the_traceback_pytorch_prints():
    ours = _neuronet_run(SCRIPTS / "own_error.py")
    theirs = _with_pytorch(SCRIPTS / "own_error.py")
    assert ours.returncode == theirs.returncode == 1
    assert ours.stderr.startswith("Traceback (most recent call last):\n")
    assert ours.stderr.splitlines()[-1] == "ValueError: expected 3 features, got 5"
    assert ours.stderr == theirs.stderr  # the same frames: the script's own, nothing of neuronet


def test_script_runs_as_main_with_its_argv_exit_code_and_torch_as_neuronet(tmp_path):
    (tmp_path / "helper.py").write_text("VALUE = 42\n")  # the script's folder is importable
    script = tmp_path / "main.py"
    script.write_text(textwrap.dedent("""\
        import sys, types
        import torch
        import neuronet
        import helper
        status = int(sys.argv[1])  # before `from torch import *`, which, as PyTorch, sets int
        print(__name__, sys.argv[1:], helper.VALUE, __file__ == sys.argv[0])
        print(torch.Tensor is neuronet.Tensor, torch.float32 is neuronet.float32,
              torch.device is neuronet.device, torch.no_grad is neuronet.no_grad,
              torch.manual_seed is neuronet.manual_seed,
              torch.cuda.is_available() == neuronet.cuda.is_available())
        print(type(sys.modules["neuronet.nn"]) is types.ModuleType, type(torch).__name__)
        from torch import *
        from torch.nn import *
        print(zeros is neuronet.zeros, Linear is neuronet.nn.Linear, "Tensor" in dir(torch))
        sys.exit(status)
    """))
    ours = _neuronet_run(script, 7, "--report", cwd=tmp_path)
    assert ours.stdout.splitlines() == [
        "__main__ ['7', '--report'] 42 True",  # options after SCRIPT are the script's
        "True True True True True True",
        "True TorchModule",
        "True True True",
    ]
    assert (ours.returncode, ours.stderr) == (7, "")
    script.write_text("import sys\nsys.exit('stopped: bad input')\n")
    stopped = _neuronet_run(script)
    assert (stopped.returncode, stopped.stderr) == (1, "stopped: bad input\n")


MLP_REPORT = """\
torch                              ok
torch.Tensor                       ok
torch.__version__                  ok
torch.autograd                     ok
torch.autograd.grad                ok
torch.cuda                         ok
torch.cuda.is_available            ok
torch.float32                      ok
torch.from_numpy                   ok
torch.manual_seed                  ok
torch.nn                           ok
torch.nn.CrossEntropyLoss          ok
torch.nn.Linear                    ok
torch.nn.Module                    ok
torch.nn.functional                ok
torch.nn.functional.relu           ok
torch.no_grad                      ok
torch.optim                        ok
torch.optim.SGD                    ok
torch.optim.lr_scheduler           ok
torch.optim.lr_scheduler.StepLR    ok
torch.tensor                       ok
torch.utils                        ok
torch.utils.data                   ok
torch.utils.data.DataLoader        ok
torch.utils.data.TensorDataset     ok
torch.utils.hooks                  ok
torch.utils.hooks.RemovableHandle  ok
"""


def test_report_lists_every_torch_name_used(mlp_neuronet):
    script = SCRIPTS / "mlp_sgd.py"
    ours = _neuronet_run("--report", script, 2)
    assert ours.returncode == 0, ours.stderr
    assert ours.stdout.startswith(mlp_neuronet.stdout)  # the run itself is unchanged
    report = ours.stdout[len(mlp_neuronet.stdout):]
    header, _, body = report.partition("\n")
    assert header == f"torch API used by {script} (neuronet {VERSION}):"
    assert body == MLP_REPORT


def test_report_of_a_run_that_stops_on_a_missing_api():
    ours = _neuronet_run("--report", SCRIPTS / "unavailable_api.py")
    assert ours.returncode == 3
    assert ours.stderr == f"neuronet run: torch.fft is not available in neuronet {VERSION}\n"
    assert ours.stdout.splitlines() == [
        "signal sum 0.0",
        f"torch API used by {SCRIPTS / 'unavailable_api.py'} (neuronet {VERSION}):",
        "torch         ok",
        "torch.fft     missing",
        "torch.tensor  ok",
    ]


def test_unreadable_script_is_a_one_line_error(tmp_path):
    for command in (("-m", "neuronet", "run"), ("-m", "neuronet.run")):
        result = _python(*command, tmp_path / "absent.py")
        assert result.returncode == 2
        assert result.stderr == (f"neuronet: error: cannot open script "
                                 f"'{tmp_path / 'absent.py'}': No such file or directory\n")


def test_hook_maps_torch_names_to_neuronet_modules():
    hook = TorchImportHook()  # not installed: this process may hold the real PyTorch
    assert hook.find_spec("numpy") is None and hook.find_spec("torchvision") is None
    spec = hook.find_spec("torch.nn")
    nn = hook.create_module(spec)
    assert isinstance(nn, TorchModule) and nn.__name__ == "torch.nn"
    assert nn.Linear is neuronet.nn.Linear
    functional = nn.functional
    assert isinstance(functional, TorchModule) and functional is nn.functional
    assert functional.relu is neuronet.nn.functional.relu
    with pytest.raises(AttributeError) as missing:
        nn.LazyLinear
    assert isinstance(missing.value, TorchAPIUnavailable)
    assert missing.value.api == "torch.nn.LazyLinear"
    with pytest.raises(ImportError) as absent:
        hook.find_spec("torch.fft")
    assert absent.value.name == "torch.fft"
    assert hook.used == {"torch.nn": True, "torch.nn.Linear": True, "torch.nn.functional": True,
                         "torch.nn.functional.relu": True, "torch.nn.LazyLinear": False,
                         "torch.fft": False}
    assert hook.last_missing == "torch.fft"
