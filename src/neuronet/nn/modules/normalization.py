"""BatchNorm1d and LayerNorm."""

from __future__ import annotations

from ...factories import ones, tensor, zeros
from ...ops.normalization import batch_norm, layer_norm
from ..module import Module
from ..parameter import Parameter


class BatchNorm1d(Module):
    """Batch normalisation over (N, C) or (N, C, L), per channel C.

    Training: y = (x - mean) / sqrt(var + eps) * weight + bias with the batch mean and biased
    variance; running_mean/running_var (zeros/ones at start) move by
    r = (1 - momentum) r + momentum * batch_stat using the *unbiased* batch variance;
    ``momentum=None`` averages cumulatively. Evaluation uses the running statistics (unless
    ``track_running_stats=False``). weight starts at 1, bias at 0 (``bias=False``: no shift).
    """

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

    def forward(self, x):
        if x.ndim not in (2, 3):
            raise ValueError(
                f"BatchNorm1d: expected 2D or 3D input (got {x.ndim}D input of shape "
                f"{tuple(x.shape)})"
            )
        if x.shape[1] != self.num_features:
            raise ValueError(
                f"BatchNorm1d: expected {self.num_features} channels in dim 1, got "
                f"input of shape {tuple(x.shape)}"
            )
        tracked = None
        if self.training and self.track_running_stats:
            self.num_batches_tracked._data += 1
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

    def extra_repr(self) -> str:
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
            f"affine={self.affine}, bias={self.use_bias}, "
            f"track_running_stats={self.track_running_stats}"
        )


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
        shape = (
            (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
        )
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
