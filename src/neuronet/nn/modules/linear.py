"""Linear maps: Linear, Bilinear, Maxout, Identity, Flatten, Unflatten."""

from __future__ import annotations

import math

from ... import ops
from ...factories import empty
from ...ops import activation as act
from ...ops.linalg import bilinear
from .. import init
from ..module import Module
from ..parameter import Parameter


class Identity(Module):
    """Returns its input."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__()

    def forward(self, x):
        return x


class Linear(Module):
    """y = x W^T + b, with W of shape (out_features, in_features).

    Initialisation (PyTorch's): W and b ~ U(-1/sqrt(in_features), 1/sqrt(in_features)), i.e.
    ``kaiming_uniform_(W, a=sqrt(5))``: small, random and fan-in scaled, as the notes ask.
    """

    def __init__(
        self, in_features: int, out_features: int, bias: bool = True, dtype=None, device=None
    ) -> None:
        super().__init__()
        for name, v in (("in_features", in_features), ("out_features", out_features)):
            if not isinstance(v, int) or v < 0:
                raise ValueError(f"Linear: {name} must be a non-negative int, got {v!r}")
        self.in_features, self.out_features = in_features, out_features
        self.weight = Parameter(empty(out_features, in_features, dtype=dtype, device=device))
        if bias:
            self.bias = Parameter(empty(out_features, dtype=dtype, device=device))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            bound = 1 / math.sqrt(self.in_features) if self.in_features > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, x):
        return ops.linear(x, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (
            f"in_features={self.in_features}, out_features={self.out_features}, "
            f"bias={self.bias is not None}"
        )


class Maxout(Module):
    """The notes' maxout unit: a linear map to ``out_features * pieces`` units, then the max over
    each group of ``pieces`` contiguous units (f(x) = max_i z_i)."""

    def __init__(
        self, in_features: int, out_features: int, pieces: int = 2, bias: bool = True, dtype=None
    ) -> None:
        super().__init__()
        if pieces < 1:
            raise ValueError(f"Maxout: pieces must be >= 1, got {pieces}")
        self.in_features, self.out_features, self.pieces = in_features, out_features, pieces
        self.linear = Linear(in_features, out_features * pieces, bias=bias, dtype=dtype)

    def forward(self, x):
        return act.maxout(self.linear(x), self.pieces, -1)

    def extra_repr(self) -> str:
        return f"pieces={self.pieces}"


class Flatten(Module):
    """Flattens dims start_dim..end_dim (default: everything but the batch dim)."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, x):
        return ops.flatten(x, self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Splits dim ``dim`` into ``unflattened_size``."""

    def __init__(self, dim: int, unflattened_size) -> None:
        super().__init__()
        self.dim, self.unflattened_size = dim, tuple(unflattened_size)

    def forward(self, x):
        return ops.unflatten(x, self.dim, self.unflattened_size)

    def extra_repr(self) -> str:
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"


class NonDynamicallyQuantizableLinear(Linear):
    """A Linear under PyTorch's name for ``MultiheadAttention.out_proj`` (its repr and type
    name match PyTorch's; it computes exactly as ``Linear``)."""


class Bilinear(Module):
    """y = x1^T W_k x2 + b_k for each output k, with W of shape (out_features, in1_features,
    in2_features). Initialisation (PyTorch's): W and b ~ U(-1/sqrt(in1_features),
    1/sqrt(in1_features))."""

    def __init__(
        self,
        in1_features: int,
        in2_features: int,
        out_features: int,
        bias: bool = True,
        device=None,
        dtype=None,
    ) -> None:
        super().__init__()
        self.in1_features, self.in2_features = in1_features, in2_features
        self.out_features = out_features
        kw = {"dtype": dtype, "device": device}
        self.weight = Parameter(empty(out_features, in1_features, in2_features, **kw))
        if bias:
            self.bias = Parameter(empty(out_features, **kw))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        bound = 1 / math.sqrt(self.weight.shape[1]) if self.weight.shape[1] > 0 else 0
        init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input1, input2):
        return bilinear(input1, input2, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (
            f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
            f"out_features={self.out_features}, bias={self.bias is not None}"
        )
