"""``neuronet.backends.cuda``: the float32 matrix-multiply precision and whether CUDA is built.

The precision setting is PyTorch's ``set_float32_matmul_precision``: 'highest' (the default:
full float32), 'high' or 'medium' (PyTorch may then use TF32 or bfloat16 inside float32 matrix
products). neuronet keeps and reports it; on NumPy and on CuPy every float32 product is computed
in full float32 whatever it says (CuPy reads its own TF32 switch, the ``CUPY_TF32``
environment variable, once when it starts). ``matmul.allow_tf32`` is the same setting seen as
a flag: True means 'high', False 'highest', as in PyTorch.
"""

from __future__ import annotations

import importlib.util

_PRECISIONS = ("highest", "high", "medium")
_precision = ["highest"]


def set_float32_matmul_precision(precision: str) -> None:
    """Set the float32 matrix-multiply precision ('highest', 'high' or 'medium'); kept and
    reported by ``get_float32_matmul_precision`` and ``matmul.allow_tf32``, with no effect on
    neuronet's results (every float32 product is full float32)."""
    if precision not in _PRECISIONS:
        raise ValueError(
            f"set_float32_matmul_precision: precision must be one of {list(_PRECISIONS)}, "
            f"got {precision!r}"
        )
    _precision[0] = precision


def get_float32_matmul_precision() -> str:
    """The float32 matrix-multiply precision last set ('highest' by default)."""
    return _precision[0]


class _MatmulFlags:
    """``backends.cuda.matmul``: ``allow_tf32`` (True while the precision is not 'highest'),
    and PyTorch's reduced-precision-reduction flags for float16/bfloat16 products (kept, no
    effect)."""

    allow_fp16_reduced_precision_reduction = True
    allow_bf16_reduced_precision_reduction = True

    @property
    def allow_tf32(self) -> bool:
        return _precision[0] != "highest"

    @allow_tf32.setter
    def allow_tf32(self, value: bool) -> None:
        _precision[0] = "high" if value else "highest"


matmul = _MatmulFlags()


def is_built() -> bool:
    """Whether neuronet can run on CUDA here: True when CuPy is installed (``neuronet[gpu]``),
    whether or not a GPU is visible (see ``neuronet.cuda.is_available()``)."""
    return importlib.util.find_spec("cupy") is not None
