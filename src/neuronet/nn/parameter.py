"""``Parameter``: a tensor that a ``Module`` registers as one of its trainable weights."""

from __future__ import annotations

from ..tensor import Tensor


class Parameter(Tensor):
    """A leaf tensor that requires grad by default and is registered when set on a Module."""

    __slots__ = ()

    def __init__(self, data=None, requires_grad: bool = True) -> None:
        if isinstance(data, Tensor):
            self._data = data._data
            self.grad = None
            self.grad_fn = None
            self._hooks = None
            self._requires_grad = False
        else:
            super().__init__([] if data is None else data)
        if requires_grad:
            self.requires_grad_(True)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()

    __hash__ = Tensor.__hash__
