"""``neuronet run SCRIPT [ARGS...]`` and ``python -m neuronet.run SCRIPT [ARGS...]``: a PyTorch
script run unchanged on neuronet.

The script runs as ``python SCRIPT ARGS`` would run it (as ``__main__``, with
``sys.argv == [SCRIPT, *ARGS]`` and the script's folder first on ``sys.path``), except that
``torch`` and every ``torch.X.Y`` import as neuronet and ``neuronet.X.Y`` for this process
(:mod:`neuronet.torch_import`; ``torch.__version__`` is neuronet's version). Exit status:

- the script's own: 0 when it ends, the code of ``sys.exit(code)`` (a message ``sys.exit("...")``
  is printed to stderr and gives 1, as Python does);
- 1 when the script raises: its traceback is printed as Python prints it (from the script's
  frame on, through ``sys.excepthook``); 130 for Ctrl-C;
- :data:`EXIT_UNAVAILABLE` (3) when the script stops on a PyTorch name neuronet lacks (a missing
  attribute of a torch module, a missing ``torch`` submodule, ``from torch.nn import LazyLinear``):
  then stderr gets exactly one line, ``neuronet run: torch.fft is not available in neuronet
  0.1.0``, and no traceback. A script that catches the error itself (``hasattr``,
  ``except ImportError``) goes on;
- 2 with one line ``neuronet: error: ...`` when SCRIPT cannot be read.

With ``--report`` (before SCRIPT) the run is followed, on stdout, by a header line and every
``torch`` name the script imported or looked up on a torch module, deduplicated and sorted, each
with ``ok`` or ``missing``; the exit status stays the script's.
"""

from __future__ import annotations

import argparse
import builtins
import os
import sys
import types
from collections.abc import Sequence
from pathlib import Path

from .torch_import import TorchAPIUnavailable, TorchImportHook, install

__all__ = ["EXIT_UNAVAILABLE", "add_arguments", "main", "report_lines", "run_script"]

EXIT_UNAVAILABLE = 3
"""The exit status of a script that stopped on a PyTorch name neuronet does not have."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options and arguments of ``run``: ``[--report] SCRIPT [ARGS...]``; everything after
    SCRIPT is the script's."""
    parser.add_argument(
        "--report",
        action="store_true",
        help="after the run, list each torch name the script used and whether neuronet has it",
    )
    parser.add_argument("script", help="a Python file written for PyTorch")
    rest = parser.add_argument("args", nargs=argparse.REMAINDER, help="the script's own arguments")
    rest.required = False  # argparse counts a REMAINDER positional as required


def _read(script: str) -> bytes:
    try:
        return Path(script).read_bytes()
    except OSError as err:
        raise FileNotFoundError(f"cannot open script {script!r}: {err.strerror}") from None


def _exit_status(exc: SystemExit) -> int:
    """What Python exits with for ``sys.exit(code)``."""
    if exc.code is None:
        return 0
    if isinstance(exc.code, int):
        return exc.code
    print(exc.code, file=sys.stderr)
    return 1


def _unavailable(exc: BaseException, hook: TorchImportHook) -> str | None:
    """The torch name the script stopped on, when ``exc`` is neuronet lacking it."""
    if isinstance(exc, TorchAPIUnavailable):
        return exc.api
    missing = hook.last_missing
    if type(exc) is ImportError and missing is not None:
        # ``from torch.nn import LazyLinear``: Python replaces the proxy's AttributeError with its
        # own "cannot import name 'LazyLinear' from 'torch.nn'"
        module, _, attr = missing.rpartition(".")
        if exc.name == module and f"{attr!r}" in str(exc):
            return missing
    return None


def report_lines(script: str, used: dict[str, bool]) -> list[str]:
    """The ``--report`` text: a header, then ``NAME  ok|missing`` sorted by name."""
    from . import __version__  # noqa: PLC0415 - the package is imported by then

    width = max((len(name) for name in used), default=0)
    lines = [f"torch API used by {script} (neuronet {__version__}):"]
    lines += [f"{name.ljust(width)}  {'ok' if used[name] else 'missing'}" for name in sorted(used)]
    return lines


def run_script(script: str, args: Sequence[str] = (), report: bool = False) -> int:
    """Run ``script`` as ``__main__`` with ``torch`` as neuronet, and return the exit status
    described in this module's docstring. Raises FileNotFoundError when it cannot be read."""
    source = _read(script)
    path = os.path.abspath(script)  # as Python names a script's file in tracebacks
    hook = install()
    main_module = types.ModuleType("__main__")
    main_module.__file__ = path
    main_module.__builtins__ = builtins  # type: ignore[attr-defined]
    main_module.__cached__ = None  # type: ignore[attr-defined]
    sys.modules["__main__"] = main_module
    sys.argv = [script, *args]
    if not getattr(sys.flags, "safe_path", False):  # ``python -P`` puts no folder first
        sys.path[:1] = [str(Path(script).resolve().parent)]
    try:
        code = compile(source, path, "exec")
    except (SyntaxError, ValueError) as exc:  # as Python reports a script it cannot compile
        sys.excepthook(type(exc), exc.with_traceback(None), None)
        return 1
    try:
        exec(code, main_module.__dict__)
        status = 0
    except SystemExit as exc:
        status = _exit_status(exc)
    except BaseException as exc:  # noqa: BLE001 - the script's own errors, printed as Python does
        api = _unavailable(exc, hook)
        sys.stdout.flush()
        if api is not None:
            print(f"neuronet run: {TorchAPIUnavailable.message_for(api)}", file=sys.stderr)
            status = EXIT_UNAVAILABLE
        else:
            tb = exc.__traceback__
            tb = tb.tb_next if tb is not None else None  # from the script's frame on
            sys.excepthook(type(exc), exc.with_traceback(tb), tb)
            status = 130 if isinstance(exc, KeyboardInterrupt) else 1
    if report:
        sys.stdout.flush()
        print("\n".join(report_lines(script, hook.used)))
    sys.stdout.flush()
    return status


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m neuronet.run [--report] SCRIPT [ARGS...]``."""
    parser = argparse.ArgumentParser(
        prog="python -m neuronet.run",
        description="Run a PyTorch script with torch resolving to neuronet.",
    )
    add_arguments(parser)
    args = parser.parse_args(argv)
    try:
        return run_script(args.script, args.args, report=args.report)
    except FileNotFoundError as err:
        print(f"neuronet: error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
