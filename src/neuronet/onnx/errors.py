"""The exporter's errors, as PyTorch names them (``torch.onnx.errors``)."""

from __future__ import annotations


class OnnxExporterError(RuntimeError):
    """A model that cannot be exported as it is, or a bad argument to ``export``."""


class UnsupportedOperatorError(OnnxExporterError):
    """An op of the traced forward pass that has no ONNX mapping (the message names it)."""
