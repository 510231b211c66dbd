"""Starting N local processes of one command through the MPI launcher (``mpiexec``), as
``neuronet train --nproc N`` does.

``launch`` runs ``mpiexec -n N COMMAND`` with each process's BLAS limited to its share of the
CPUs (``OMP_NUM_THREADS`` and friends, unless already set), passes the processes' output
through, and turns the launcher's multi-line reports of a failed job into one line: the first
rank that failed, and why (``neuronet: error: rank 1: ValueError: ...`` as the rank printed
it, or ``neuronet: error: rank 1 died: killed by signal 9 (SIGKILL)``). Open MPI stops every
other rank as soon as one dies or aborts, so a failed job ends at once.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

_THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
_RANK_LINE = re.compile(r"^neuronet: error: rank \d+")
_DIED = re.compile(r"process rank (\d+) with PID \d+ on node (\S+) exited on\s+signal (\d+)", re.S)
_EXITED = re.compile(r"Process name:\s+\[\[\d+,\d+\],(\d+)\].*?Exit code:\s+(\d+)", re.S)


def mpiexec_path() -> str | None:
    """The ``mpiexec`` beside this Python (a virtual environment's, from the ``mpi`` extra),
    else the first on ``PATH``; None when there is none."""
    here = Path(sys.executable).parent / "mpiexec"
    if here.is_file() and os.access(here, os.X_OK):
        return str(here)
    return shutil.which("mpiexec")


def _cpus() -> int:
    affinity = getattr(os, "sched_getaffinity", None)
    return len(affinity(0)) if affinity is not None else os.cpu_count() or 1


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


class _Reports:
    """Filters the launcher's standard error: the ranks' lines pass, the first rank error line
    only once, and each of the launcher's framed reports becomes at most one line."""

    def __init__(self) -> None:
        self.failed = False
        self.frame: list[str] | None = None

    def line(self, text: str) -> None:
        if set(text.strip()) == {"-"} and len(text.strip()) >= 20:
            if self.frame is None:
                self.frame = []
            else:
                self._report(" ".join(self.frame))
                self.frame = None
            return
        if self.frame is not None:
            self.frame.append(text.strip())
            return
        if _RANK_LINE.match(text):
            if self.failed:
                return
            self.failed = True
        sys.stderr.write(text)
        sys.stderr.flush()

    def _report(self, text: str) -> None:
        died = _DIED.search(text)
        if died and not self.failed:
            rank, node, number = died.groups()
            self.failed = True
            print(
                f"neuronet: error: rank {rank} died on {node}: killed by signal {number} "
                f"({_signal_name(int(number))})",
                file=sys.stderr,
            )
            return
        exited = _EXITED.search(text)
        if exited and not self.failed:
            self.failed = True
            print(
                f"neuronet: error: rank {exited.group(1)} exited with status {exited.group(2)}",
                file=sys.stderr,
            )
            return
        if not self.failed and "abort" not in text.lower():
            print(text, file=sys.stderr)  # a report of another kind: as it came, on one line

    def close(self) -> None:
        if self.frame:
            print(" ".join(self.frame), file=sys.stderr)


def launch(nproc: int, command: Sequence[str], mpiexec_args: Sequence[str] = ()) -> int:
    """Run ``command`` as ``nproc`` MPI processes on this machine; returns the exit status
    (0 when every rank succeeded). A ``RuntimeError`` when no ``mpiexec`` is installed."""
    if isinstance(nproc, bool) or not isinstance(nproc, int) or nproc < 1:
        raise ValueError(f"nproc: expected a positive number of processes, got {nproc!r}")
    exe = mpiexec_path()
    if exe is None:
        raise RuntimeError(
            "no mpiexec found: install the mpi extra (pip install 'neuronet[mpi]', which brings "
            "mpi4py and Open MPI) or an MPI library"
        )
    env = dict(os.environ)
    threads = str(max(1, _cpus() // nproc))
    for name in _THREAD_VARIABLES:
        env.setdefault(name, threads)
    args = [exe, "-n", str(nproc)]
    if nproc > _cpus() and (Path(exe).parent / "ompi_info").exists():
        args.append("--oversubscribe")  # (Open MPI refuses more processes than cores otherwise)
    proc = subprocess.Popen([*args, *mpiexec_args, *command], env=env, stderr=subprocess.PIPE)
    reports = _Reports()
    assert proc.stderr is not None
    pending = ""
    for chunk in iter(lambda: os.read(proc.stderr.fileno(), 65536), b""):  # type: ignore[union-attr]
        pending += chunk.decode(errors="replace")
        # lines as they come, and a progress bar's updates (ended by \r) too
        while (end := _line_end(pending)) >= 0:
            reports.line(pending[: end + 1])
            pending = pending[end + 1 :]
    if pending:
        reports.line(pending)
    reports.close()
    return proc.wait()


def _line_end(text: str) -> int:
    """The index of the first line end (\n or \r) in ``text``, or -1."""
    ends = [i for i in (text.find("\n"), text.find("\r")) if i >= 0]
    return min(ends) if ends else -1
