"""Normalisation layers: BatchNorm1d/2d/3d (one implementation), InstanceNorm1d/2d/3d,
GroupNorm, LayerNorm, RMSNorm and LocalResponseNorm."""

from __future__ import annotations

import warnings

from ...factories import ones, tensor, zeros
from ...ops.normalization import (
    as_shape,
    batch_norm,
    group_norm,
    instance_norm,
    layer_norm,
    local_response_norm,
    rms_norm,
)
from ..module import Module
from ..parameter import Parameter


class _NormBase(Module):
    """The parameters and buffers of batch and instance normalisation, as PyTorch's:
    ``weight`` (ones) and ``bias`` (zeros) of shape (num_features,) when ``affine``;
    ``running_mean`` (zeros), ``running_var`` (ones) and ``num_batches_tracked`` (int64 0) when
    ``track_running_stats``, else those three are None."""

    _dims = ""  # the ranks accepted, in words, for the error message

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
        dtype=None,
        bias: bool = True,
    ) -> None:
        super().__init__()
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        self.use_bias = bias
        if affine:
            self.weight = Parameter(ones(num_features, dtype=dtype))
            if bias:
                self.bias = Parameter(zeros(num_features, dtype=dtype))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer("running_mean", zeros(num_features, dtype=dtype))
            self.register_buffer("running_var", ones(num_features, dtype=dtype))
            self.register_buffer("num_batches_tracked", tensor(0))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)

    def reset_running_stats(self) -> None:
        if self.track_running_stats:
            self.running_mean._data[...] = 0
            self.running_var._data[...] = 1
            self.num_batches_tracked._data[...] = 0

    def reset_parameters(self) -> None:
        self.reset_running_stats()
        if self.affine:
            self.weight._data[...] = 1
            if self.bias is not None:
                self.bias._data[...] = 0

    def _check_input_dim(self, x, ranks: tuple) -> None:
        if x.ndim not in ranks:
            raise ValueError(
                f"{type(self).__name__}: expected {self._dims} input (got {x.ndim}D input of "
                f"shape {tuple(x.shape)})"
            )

    def extra_repr(self) -> str:
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
            f"affine={self.affine}, bias={self.use_bias}, "
            f"track_running_stats={self.track_running_stats}"
        )


class _BatchNorm(_NormBase):
    """Batch normalisation over (N, C, *), per channel C: one implementation (``batch_norm``)
    for the 1-, 2- and 3-d forms, which differ only in the ranks they accept.

    Training: y = (x - mean) / sqrt(var + eps) * weight + bias with the batch mean and biased
    variance over every dim but C; running_mean/running_var (zeros/ones at start) move by
    r = (1 - momentum) r + momentum * batch_stat using the *unbiased* batch variance, and
    num_batches_tracked counts the batches; ``momentum=None`` averages cumulatively (factor
    1 / num_batches_tracked). Evaluation uses the running statistics (unless
    ``track_running_stats=False``: then the batch's). weight starts at 1, bias at 0
    (``bias=False``: no shift).
    """

    _ranks: tuple = ()

    def forward(self, x):
        self._check_input_dim(x, self._ranks)
        if x.shape[1] != self.num_features:
            raise ValueError(
                f"{type(self).__name__}: expected {self.num_features} channels in dim 1, got "
                f"input of shape {tuple(x.shape)}"
            )
        tracked = None
        if self.training and self.track_running_stats:
            self.num_batches_tracked._data += 1
            if self.momentum is None:  # (the count is the factor only for a cumulative average)
                tracked = int(self.num_batches_tracked._data)
        use_running = not self.training and self.track_running_stats
        return batch_norm(
            x,
            self.running_mean if (self.training or use_running) else None,
            self.running_var if (self.training or use_running) else None,
            self.weight,
            self.bias,
            training=self.training or not use_running,
            momentum=self.momentum,
            eps=self.eps,
            num_batches_tracked=tracked,
        )


class BatchNorm1d(_BatchNorm):
    """Batch normalisation of (N, C) or (N, C, L) input (``_BatchNorm``)."""

    _ranks, _dims = (2, 3), "2D or 3D"


class BatchNorm2d(_BatchNorm):
    """Batch normalisation of (N, C, H, W) input, statistics over (N, H, W) (``_BatchNorm``)."""

    _ranks, _dims = (4,), "4D"


class BatchNorm3d(_BatchNorm):
    """Batch normalisation of (N, C, D, H, W) input, statistics over (N, D, H, W)
    (``_BatchNorm``)."""

    _ranks, _dims = (5,), "5D"


class _InstanceNorm(_NormBase):
    """Instance normalisation: each channel of each sample normalised over its spatial
    positions (biased variance), then the per-channel affine when ``affine``. Defaults as
    PyTorch's: ``affine=False``, ``track_running_stats=False`` (the sample's own statistics in
    training and evaluation). With ``track_running_stats=True`` training updates
    running_mean/running_var (batch averages of the per-sample mean and unbiased variance,
    ``momentum=None`` counting as 0: no update) and evaluation uses them. Unbatched input (one
    rank less) is normalised as a batch of one."""

    _batched = 0  # the rank of batched input

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = False,
        track_running_stats: bool = False,
        dtype=None,
        bias: bool = True,
    ) -> None:
        super().__init__(num_features, eps, momentum, affine, track_running_stats, dtype, bias)

    def forward(self, x):
        self._check_input_dim(x, (self._batched - 1, self._batched))
        channel = 1 if x.ndim == self._batched else 0
        if x.shape[channel] != self.num_features:
            if self.affine:
                raise ValueError(
                    f"expected input's size at dim={channel} to match num_features "
                    f"({self.num_features}), but got: {x.shape[channel]}."
                )
            warnings.warn(
                f"input's size at dim={channel} does not match num_features. You can silence "
                f"this warning by not passing in num_features, which is not used because "
                f"affine=False",
                stacklevel=2,
            )
        batched = x if channel == 1 else x.unsqueeze(0)
        out = instance_norm(
            batched,
            self.running_mean,
            self.running_var,
            self.weight,
            self.bias,
            self.training or not self.track_running_stats,
            self.momentum if self.momentum is not None else 0.0,
            self.eps,
        )
        return out if channel == 1 else out.squeeze(0)


class InstanceNorm1d(_InstanceNorm):
    """Instance normalisation of (N, C, L) or unbatched (C, L) input (``_InstanceNorm``)."""

    _batched, _dims = 3, "2D or 3D"


class InstanceNorm2d(_InstanceNorm):
    """Instance normalisation of (N, C, H, W) or unbatched (C, H, W) input
    (``_InstanceNorm``)."""

    _batched, _dims = 4, "3D or 4D"


class InstanceNorm3d(_InstanceNorm):
    """Instance normalisation of (N, C, D, H, W) or unbatched (C, D, H, W) input
    (``_InstanceNorm``)."""

    _batched, _dims = 5, "4D or 5D"


class GroupNorm(Module):
    """Group normalisation (``group_norm``): the channels split into ``num_groups`` groups,
    each sample's group normalised over its channels and positions (biased variance), then a
    per-channel affine (weight 1, bias 0 at start) when ``affine``."""

    def __init__(
        self,
        num_groups: int,
        num_channels: int,
        eps: float = 1e-5,
        affine: bool = True,
        dtype=None,
        *,
        bias: bool = True,
    ) -> None:
        super().__init__()
        if num_channels % num_groups != 0:
            raise ValueError(
                f"num_channels ({num_channels}) must be divisible by num_groups ({num_groups})"
            )
        self.num_groups, self.num_channels, self.eps = num_groups, num_channels, eps
        self.affine, self.use_bias = affine, bias
        if affine:
            self.weight = Parameter(ones(num_channels, dtype=dtype))
            if bias:
                self.bias = Parameter(zeros(num_channels, dtype=dtype))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def forward(self, x):
        return group_norm(x, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (
            f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, "
            f"bias={self.use_bias}"
        )


class LocalResponseNorm(Module):
    """Local response normalisation across channels (``local_response_norm``)."""

    def __init__(self, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0):
        super().__init__()
        self.size, self.alpha, self.beta, self.k = size, alpha, beta, k

    def forward(self, x):
        return local_response_norm(x, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self) -> str:
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"


class LayerNorm(Module):
    """Normalises over the last dims given by ``normalized_shape`` (biased variance), then an
    element-wise affine map (weight 1, bias 0 at start)."""

    def __init__(
        self,
        normalized_shape,
        eps: float = 1e-5,
        elementwise_affine: bool = True,
        bias: bool = True,
        dtype=None,
    ) -> None:
        super().__init__()
        shape = as_shape(normalized_shape)
        self.normalized_shape, self.eps = shape, eps
        self.elementwise_affine = elementwise_affine
        if elementwise_affine:
            self.weight = Parameter(ones(shape, dtype=dtype))
            if bias:
                self.bias = Parameter(zeros(shape, dtype=dtype))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def forward(self, x):
        return layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (
            f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"
        )


class RMSNorm(Module):
    """x / sqrt(mean(x^2) + eps) * weight over the last dims given by ``normalized_shape``
    (weight 1 at start); ``eps=None`` takes the machine epsilon of the input's dtype."""

    def __init__(
        self,
        normalized_shape,
        eps: float | None = None,
        elementwise_affine: bool = True,
        device=None,
        dtype=None,
    ) -> None:
        super().__init__()
        shape = as_shape(normalized_shape)
        self.normalized_shape, self.eps = shape, eps
        self.elementwise_affine = elementwise_affine
        if elementwise_affine:
            self.weight = Parameter(ones(shape, dtype=dtype, device=device))
        else:
            self.register_parameter("weight", None)

    def forward(self, x):
        return rms_norm(x, self.normalized_shape, self.weight, self.eps)

    def extra_repr(self) -> str:
        return (
            f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"
        )
