"""``neuronet.backends.mps``: Apple's Metal backend, which neuronet does not have."""

from __future__ import annotations


def is_available() -> bool:
    """False: neuronet runs on NumPy (CPU) or CuPy (CUDA), not on Metal."""
    return False


def is_built() -> bool:
    """False: neuronet has no Metal backend."""
    return False
