"""``Function``: user-defined differentiable ops, as ``torch.autograd.Function``.

class Cube(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x ** 3            # computed without recording
    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return 3 * x ** 2 * grad

y = Cube.apply(x)

``backward`` runs with the grad mode off; in a backward pass with ``create_graph=True`` it runs
with the mode on, on the saved tensors themselves, so a ``backward`` written with neuronet's ops
can be differentiated again, as in PyTorch.
"""

from __future__ import annotations

from ..tensor import Tensor, record
from .grad_mode import no_grad


class FunctionCtx:
    """The ``ctx`` passed to ``forward`` and ``backward``: stores what backward needs."""

    def __init__(self) -> None:
        self.saved_tensors: tuple = ()
        self.needs_input_grad: tuple = ()

    def save_for_backward(self, *tensors) -> None:
        self.saved_tensors = tensors


class Function:
    """Base class of a custom op: define the static methods ``forward(ctx, *args)`` and
    ``backward(ctx, *grads)``."""

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("Function subclasses must define forward(ctx, ...)")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("Function subclasses must define backward(ctx, grad)")

    @classmethod
    def apply(cls, *args):
        ctx = FunctionCtx()
        tensor_pos = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
        inputs = tuple(args[i] for i in tensor_pos)
        ctx.needs_input_grad = tuple(isinstance(a, Tensor) and a.requires_grad for a in args)
        with no_grad():
            out = cls.forward(ctx, *args)
        if not isinstance(out, Tensor):
            raise TypeError(
                f"{cls.__name__}.forward must return a Tensor, got {type(out).__name__}"
            )

        def backward(g, needs, *saved_arrays):
            recorded = isinstance(g, Tensor)  # (create_graph: backward's own ops are recorded)
            if recorded:
                grads = cls.backward(ctx, g)
            else:
                with no_grad():
                    grads = cls.backward(ctx, Tensor._make(g))
            grads = grads if isinstance(grads, tuple) else (grads,)
            if len(grads) != len(args):
                raise RuntimeError(
                    f"{cls.__name__}.backward returned {len(grads)} gradients, "
                    f"expected {len(args)} (one per forward input)"
                )
            return tuple(
                None if grads[i] is None else grads[i] if recorded else grads[i]._data
                for i in tensor_pos
            )

        # The saved tensors' arrays are passed too, so that writing one in place before the
        # backward pass is caught as for any op (the backward reads them through ctx).
        saved = tuple(t._data for t in ctx.saved_tensors if isinstance(t, Tensor))
        return record(out._data, inputs, backward, f"{cls.__name__}Backward", saved)
