"""A configurable multi-layer perceptron built from the notes' pieces."""

from __future__ import annotations

from .. import nn
from ..autograd.grad_mode import no_grad
from ..nn import init as _init


class MLP(nn.Sequential):
    """Flatten, then per hidden size: Linear -> [BatchNorm1d] -> activation -> [Dropout], then a
    final Linear to ``out_features`` logits.

    ``activation`` is any of the notes' (``nn.ACTIVATIONS``) or 'maxout' (each hidden layer a
    Maxout of ``pieces`` linear pieces). ``init`` chooses the weight initialisation: 'default'
    keeps PyTorch's fan-in scaled U(-1/sqrt(fan_in), 1/sqrt(fan_in)); the others are the
    ``nn.init`` functions (kaiming_* use the relu gain), with zero biases.
    """

    def __init__(
        self,
        in_features: int,
        hidden: tuple = (512, 256),
        out_features: int = 10,
        activation: str = "relu",
        batch_norm: bool = True,
        dropout: float = 0.0,
        init: str = "default",
        pieces: int = 2,
    ) -> None:
        layers: list[nn.Module] = [nn.Flatten()]
        width = in_features
        for size in hidden:
            if activation == "maxout":
                layers.append(nn.Maxout(width, size, pieces))
            else:
                layers.append(nn.Linear(width, size))
            if batch_norm:
                layers.append(nn.BatchNorm1d(size))
            if activation != "maxout":
                layers.append(nn.get_activation(activation))
            if dropout:
                layers.append(nn.Dropout(dropout))
            width = size
        layers.append(nn.Linear(width, out_features))
        super().__init__(*layers)
        initialise_linear_layers(self, init)


@no_grad()
def initialise_linear_layers(model: nn.Module, scheme: str) -> nn.Module:
    """Re-initialise every Linear weight of ``model`` with ``nn.init``'s ``scheme`` (kaiming_*
    with the relu gain) and zero its bias; 'default' keeps PyTorch's initialisation."""
    if scheme not in _init.INITIALISERS:
        raise ValueError(f"init: expected one of {sorted(_init.INITIALISERS)}, got {scheme!r}")
    fill = _init.INITIALISERS[scheme]
    if fill is None:  # 'default'
        return model
    for m in model.modules():
        if isinstance(m, nn.Linear):
            if scheme.startswith("kaiming"):
                fill(m.weight, nonlinearity="relu")
            else:
                fill(m.weight)
            if m.bias is not None:
                _init.zeros_(m.bias)
    return model
