"""``neuronet.backends.cudnn``: PyTorch's cuDNN switches, kept as plain settable attributes.

neuronet does not call cuDNN (its convolutions and recurrent layers are matrix products on NumPy
or CuPy), so these flags change nothing, on the CPU or on a GPU; they start at PyTorch's
defaults so scripts that read or set them run unchanged: ``enabled`` True, ``benchmark`` False,
``deterministic`` False, ``allow_tf32`` True. neuronet's results do not depend on them: NumPy
computes deterministically (for determinism switches see ``neuronet.use_deterministic_algorithms``).
"""

from __future__ import annotations

enabled: bool = True
benchmark: bool = False
deterministic: bool = False
allow_tf32: bool = True


def is_available() -> bool:
    """False: neuronet does not use cuDNN."""
    return False


def version() -> None:
    """None: neuronet does not use cuDNN (PyTorch also gives None without it)."""
    return None
