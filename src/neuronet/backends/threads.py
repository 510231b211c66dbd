"""``neuronet.set_num_threads`` / ``get_num_threads`` (PyTorch's names).

NumPy's BLAS fixes its thread pool when it loads, from the usual environment variables
(``OMP_NUM_THREADS``, ``OPENBLAS_NUM_THREADS``, ``MKL_NUM_THREADS``); set those before
starting Python to limit it. ``set_num_threads`` records the number, which
``get_num_threads`` reports, and changes nothing else.
"""

from __future__ import annotations

import os


def _cpus() -> int:
    affinity = getattr(os, "sched_getaffinity", None)
    return len(affinity(0)) if affinity is not None else os.cpu_count() or 1


_threads = [0]


def set_num_threads(num: int) -> None:
    """Record ``num`` (a positive int) as the thread count ``get_num_threads`` reports."""
    if isinstance(num, bool) or not isinstance(num, int) or num <= 0:
        raise RuntimeError(f"set_num_threads: expected a positive int, got {num!r}")
    _threads[0] = num


def get_num_threads() -> int:
    """The number last given to ``set_num_threads``, else the CPUs this process may use."""
    return _threads[0] or _cpus()
