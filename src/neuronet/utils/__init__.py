"""Utilities under PyTorch's paths: ``neuronet.utils.data`` is ``torch.utils.data``,
``neuronet.utils.hooks`` holds the hook handles, ``neuronet.utils.tensorboard`` is
``torch.utils.tensorboard`` (with the ``tensorboard`` extra), ``neuronet.utils.viz`` draws
the recorded graph (torchviz's ``make_dot``). Submodules load on first use, so
that the tensor module can import ``hooks`` without importing the data package back."""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ["data", "hooks", "tensorboard", "viz"]


def __getattr__(name: str) -> Any:
    if name not in __all__:
        raise AttributeError(f"module 'neuronet.utils' has no attribute {name!r}")
    module = importlib.import_module(f".{name}", __name__)
    globals()[name] = module
    return module
