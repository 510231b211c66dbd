"""Utilities under PyTorch's paths: ``neuronet.utils.data`` is ``torch.utils.data``."""

from . import data

__all__ = ["data"]
