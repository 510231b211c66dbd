"""``neuronet.backends``: PyTorch's backend switches, as attributes that scripts can read and set.

neuronet computes with NumPy on the CPU and CuPy on a GPU; it has no cuDNN, MPS or TF32 paths
of its own, so most of these flags are settings that are kept and reported but change nothing.
Each submodule says what its flags do:

- ``backends.cuda``: ``matmul.allow_tf32`` (the same setting as
  ``neuronet.set_float32_matmul_precision``), ``is_built()``;
- ``backends.cudnn``: ``enabled``, ``benchmark``, ``deterministic``, ``allow_tf32``,
  ``is_available()``, ``version()``;
- ``backends.mps``: ``is_available()`` and ``is_built()``, both False.
"""

from __future__ import annotations

from . import cuda, cudnn, mps

__all__ = ["cuda", "cudnn", "mps"]
