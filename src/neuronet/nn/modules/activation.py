"""Activation modules: every activation of the notes, and PyTorch's usual others."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ... import ops
from ...ops import activation as act
from .. import functional
from ..module import Module
from ..parameter import Parameter

if TYPE_CHECKING:
    from collections.abc import Callable


def _inplace_part(module: Module) -> str:
    """``", inplace=True"`` for a module that works in place (PyTorch's extra_repr), else ``""``."""
    return ", inplace=True" if module.inplace else ""


class ReLU(Module):
    """max(0, x)."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, x):
        return functional.relu(x, inplace=True) if self.inplace else ops.relu(x)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class Sigmoid(Module):
    """1 / (1 + exp(-x)), computed without overflow."""

    def forward(self, x):
        return ops.sigmoid(x)


class Tanh(Module):
    """tanh(x) = 2 / (1 + exp(-2x)) - 1."""

    def forward(self, x):
        return ops.tanh(x)


class BinaryStep(Module):
    """The notes' binary step, 0 for x < 0 and 1 for x >= 0. Its derivative is zero almost
    everywhere, so no gradient passes unless ``straight_through=True`` (identity gradient)."""

    def __init__(self, straight_through: bool = False) -> None:
        super().__init__()
        self.straight_through = straight_through

    def forward(self, x):
        return act.binary_step(x, self.straight_through)

    def extra_repr(self) -> str:
        return f"straight_through={self.straight_through}" if self.straight_through else ""


class Softplus(Module):
    """(1/beta) log(1 + exp(beta x)), linear where beta x > threshold."""

    def __init__(self, beta: float = 1.0, threshold: float = 20.0) -> None:
        super().__init__()
        self.beta, self.threshold = beta, threshold

    def forward(self, x):
        return act.softplus(x, self.beta, self.threshold)

    def extra_repr(self) -> str:
        return f"beta={self.beta}, threshold={self.threshold}"


class Softmax(Module):
    """exp(x_i) / sum_j exp(x_j) along ``dim``."""

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, x):
        return ops.softmax(x, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class LogSoftmax(Softmax):
    """log(softmax(x)) along ``dim``, computed stably."""

    def forward(self, x):
        return ops.log_softmax(x, self.dim)


class Softmin(Softmax):
    def forward(self, x):
        return act.softmin(x, self.dim)


class LeakyReLU(Module):
    """x for x > 0, negative_slope * x otherwise."""

    def __init__(self, negative_slope: float = 0.01, inplace: bool = False) -> None:
        super().__init__()
        self.negative_slope = negative_slope
        self.inplace = inplace

    def forward(self, x):
        return functional.leaky_relu(x, self.negative_slope, self.inplace)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}{_inplace_part(self)}"


class PReLU(Module):
    """Leaky ReLU whose slope is learned: one shared slope, or one per channel (dim 1)."""

    def __init__(self, num_parameters: int = 1, init: float = 0.25, dtype=None) -> None:
        super().__init__()
        from ...factories import full  # noqa: PLC0415

        self.num_parameters = num_parameters
        self.weight = Parameter(full((num_parameters,), float(init), dtype=dtype))

    def forward(self, x):
        return act.prelu(x, self.weight)

    def extra_repr(self) -> str:
        return f"num_parameters={self.num_parameters}"


class RReLU(Module):
    """Randomized leaky ReLU: slopes drawn from U(lower, upper) per element in training, their
    mean (lower + upper) / 2 in evaluation."""

    def __init__(
        self, lower: float = 1.0 / 8, upper: float = 1.0 / 3, inplace: bool = False
    ) -> None:
        super().__init__()
        self.lower, self.upper = lower, upper
        self.inplace = inplace

    def forward(self, x):
        return functional.rrelu(x, self.lower, self.upper, self.training, self.inplace)

    def extra_repr(self) -> str:
        return f"lower={self.lower}, upper={self.upper}{_inplace_part(self)}"


class ELU(Module):
    """x for x > 0, alpha (exp(x) - 1) otherwise."""

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        self.alpha = alpha
        self.inplace = inplace

    def forward(self, x):
        return functional.elu(x, self.alpha, self.inplace)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}{_inplace_part(self)}"


class CELU(ELU):
    def forward(self, x):
        return functional.celu(x, self.alpha, self.inplace)


class SELU(Module):
    """scale * ELU(x, alpha), alpha = 1.6732632423543772, scale = 1.0507009873554805."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, x):
        return functional.selu(x, self.inplace)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class GELU(Module):
    """x * Phi(x) (exact erf, or the tanh approximation)."""

    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        self.approximate = approximate

    def forward(self, x):
        return act.gelu(x, self.approximate)

    def extra_repr(self) -> str:
        return f"approximate='{self.approximate}'"


class SiLU(Module):
    """x * sigmoid(x)."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, x):
        return functional.silu(x, self.inplace)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class Mish(Module):
    """x * tanh(softplus(x))."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, x):
        return functional.mish(x, self.inplace)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class Hardtanh(Module):
    """clamp(x, min_val, max_val)."""

    def __init__(self, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        self.min_val, self.max_val = min_val, max_val
        self.inplace = inplace

    def forward(self, x):
        return functional.hardtanh(x, self.min_val, self.max_val, self.inplace)

    def extra_repr(self) -> str:
        return f"min_val={self.min_val}, max_val={self.max_val}{_inplace_part(self)}"


class ReLU6(Hardtanh):
    def __init__(self, inplace: bool = False) -> None:
        super().__init__(0.0, 6.0, inplace)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class Hardsigmoid(Module):
    """relu6(x + 3) / 6."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, x):
        return functional.hardsigmoid(x, self.inplace)


class Hardswish(Module):
    """x * relu6(x + 3) / 6."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, x):
        return functional.hardswish(x, self.inplace)


class Threshold(Module):
    """x where x > threshold, else ``value``."""

    def __init__(self, threshold: float, value: float, inplace: bool = False) -> None:
        super().__init__()
        self.threshold, self.value = threshold, value
        self.inplace = inplace

    def forward(self, x):
        return functional.threshold(x, self.threshold, self.value, self.inplace)

    def extra_repr(self) -> str:
        return f"threshold={self.threshold}, value={self.value}{_inplace_part(self)}"


class Hardshrink(Module):
    """x where |x| > lambd, else 0."""

    def __init__(self, lambd: float = 0.5) -> None:
        super().__init__()
        self.lambd = lambd

    def forward(self, x):
        return act.hardshrink(x, self.lambd)

    def extra_repr(self) -> str:
        return f"{self.lambd}"


class Softshrink(Hardshrink):
    """x shrunk towards 0 by lambd (0 within lambd of it)."""

    def forward(self, x):
        return act.softshrink(x, self.lambd)


class Tanhshrink(Module):
    """x - tanh(x)."""

    def forward(self, x):
        return act.tanhshrink(x)


class Softsign(Module):
    """x / (1 + |x|)."""

    def forward(self, x):
        return act.softsign(x)


class LogSigmoid(Module):
    """log(sigmoid(x)), computed without overflow."""

    def forward(self, x):
        return act.logsigmoid(x)


ACTIVATIONS: dict[str, Callable[[], Module] | None] = {
    "relu": ReLU,
    "sigmoid": Sigmoid,
    "binary_step": BinaryStep,
    "tanh": Tanh,
    "softplus": Softplus,
    "softmax": lambda: Softmax(dim=-1),
    "leaky_relu": LeakyReLU,
    "prelu": PReLU,
    "rrelu": RReLU,
    "elu": ELU,
    "selu": SELU,
    "gelu": GELU,
    "silu": SiLU,
    "hardtanh": Hardtanh,
    "softsign": Softsign,
    "logsigmoid": LogSigmoid,
    "mish": Mish,
    "hardsigmoid": Hardsigmoid,
    "hardswish": Hardswish,
    "tanhshrink": Tanhshrink,
    "hardshrink": Hardshrink,
    "softshrink": Softshrink,
    "relu6": ReLU6,
    "celu": CELU,
    "identity": None,
}
"""Activation modules by name (``maxout`` is a layer of its own: ``Maxout``)."""


def get_activation(name: str) -> Module:
    """A new activation module by its lower-case name (e.g. 'relu', 'selu', 'binary_step')."""
    from .linear import Identity  # noqa: PLC0415

    key = name.lower().replace("-", "_")
    if key not in ACTIVATIONS:
        raise ValueError(
            f"activation: expected one of {sorted(ACTIVATIONS) + ['maxout']}, got {name!r}"
        )
    factory = ACTIVATIONS[key]
    return Identity() if factory is None else factory()
