"""Reverse-mode automatic differentiation: the engine, grad modes, ``grad``, ``gradcheck``.

The engine (``graph``, ``grad_mode``, ``rows``) sits below ``neuronet.tensor``; the user-facing
tools built on tensors (``Function``, ``grad``, ``gradcheck``) are loaded on first use, so that
importing the engine never imports the tensor module back.
"""

from __future__ import annotations

import importlib

from .anomaly_mode import (
    detect_anomaly,
    is_anomaly_check_nan_enabled,
    is_anomaly_enabled,
    set_detect_anomaly,
)
from .grad_mode import (
    enable_grad,
    inference_mode,
    is_grad_enabled,
    is_inference_mode_enabled,
    no_grad,
    set_grad_enabled,
)

_ON_TENSORS = {
    "Function": "function",
    "FunctionCtx": "function",
    "grad": "functional",
    "GradcheckError": "gradient_check",
    "gradcheck": "gradient_check",
    "gradgradcheck": "gradient_check",
}

__all__ = [
    "Function",
    "detect_anomaly",
    "is_anomaly_check_nan_enabled",
    "is_anomaly_enabled",
    "set_detect_anomaly",
    "FunctionCtx",
    "GradcheckError",
    "enable_grad",
    "grad",
    "gradcheck",
    "gradgradcheck",
    "inference_mode",
    "is_grad_enabled",
    "is_inference_mode_enabled",
    "no_grad",
    "set_grad_enabled",
]


def __getattr__(name: str):
    if name in ("functional", "gradient_check", "function"):  # the submodules, as PyTorch's
        return importlib.import_module(f".{name}", __name__)
    module = _ON_TENSORS.get(name)
    if module is None:
        raise AttributeError(f"module 'neuronet.autograd' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(__all__)
