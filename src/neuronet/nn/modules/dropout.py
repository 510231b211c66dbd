"""Dropout layers: inverted dropout (per element or per channel) and alpha dropout, in training;
the identity in evaluation."""

from __future__ import annotations

from .. import functional
from ..module import Module


class _DropoutNd(Module):
    """``p`` (the probability of dropping, in [0, 1]) and ``inplace``, as PyTorch's."""

    _function = staticmethod(functional.dropout)

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p = p
        self.inplace = inplace

    def forward(self, x):
        return type(self)._function(x, self.p, self.training, self.inplace)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class Dropout(_DropoutNd):
    """Zeroes each element with probability ``p`` in training and scales the rest by 1/(1-p)."""


class Dropout1d(_DropoutNd):
    """Zeroes whole channels of (N, C, L) or unbatched (C, L) input with probability ``p`` in
    training, scaling the kept ones by 1/(1-p) (``F.dropout1d``)."""

    _function = staticmethod(functional.dropout1d)


class Dropout2d(_DropoutNd):
    """Zeroes whole channels of (N, C, H, W) input with probability ``p`` in training, scaling
    the kept ones by 1/(1-p); 3-D input is read as (N, C, L), with PyTorch's warning
    (``F.dropout2d``)."""

    _function = staticmethod(functional.dropout2d)


class Dropout3d(_DropoutNd):
    """Zeroes whole channels of (N, C, D, H, W) or unbatched (C, D, H, W) input with
    probability ``p`` in training, scaling the kept ones by 1/(1-p) (``F.dropout3d``)."""

    _function = staticmethod(functional.dropout3d)


class AlphaDropout(_DropoutNd):
    """Alpha dropout for self-normalising (SELU) networks: dropped elements take SELU's
    saturation value and the result is scaled and shifted to keep zero mean and unit variance
    (``F.alpha_dropout``)."""

    _function = staticmethod(functional.alpha_dropout)


class FeatureAlphaDropout(_DropoutNd):
    """Alpha dropout of whole channels of (N, C, *) input (``F.feature_alpha_dropout``)."""

    _function = staticmethod(functional.feature_alpha_dropout)
