"""The module backward-hook machinery, as PyTorch's ``BackwardHook``.

``Module.__call__`` uses ``BackwardHook`` for full backward (pre-)hooks: it passes the module's
tensor inputs and outputs through identity nodes, so that the hooks see every gradient of the
module's outputs (``grad_output``) and of its inputs (``grad_input``) at once, as PyTorch's
``BackwardHook`` and its ``BackwardHookFunction`` do.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..autograd.grad_mode import _enabled as _grad_enabled
from ..autograd.grad_mode import no_grad
from ..backend import get_xp
from ..tensor import Tensor, record


def _identity_gathered(tensors: Sequence[Tensor], on_grads: Callable) -> list[Tensor]:
    """``tensors`` through identity nodes whose gradients are handed on together.

    Each tensor that requires grad becomes a new tensor (same data) recorded on a node of its
    own; those nodes all feed one node (the hub) recorded on ``tensors``. The hub is older than
    every node that uses the new tensors, so the engine runs it only after all of them have
    handed it their gradient: it then calls ``on_grads(grads)`` once, with one gradient array
    per tensor (``None`` where none arrived), and sends on what that returns (one tensor or
    ``None`` per tensor; as arrays in a plain pass). Tensors that do not require grad are
    returned as they are. In a recorded pass (``create_graph=True``) the gradients are tensors
    throughout and the hooks run with the grad mode on, so what they return stays in the graph.
    """
    n = len(tensors)
    arrived: list = [None] * n
    token = np.zeros(())  # what each identity node hands the hub: only its arrival matters

    def hub_backward(g, needs):
        grads = tuple(arrived)
        arrived[:] = [None] * n  # (a second pass through a retained graph starts afresh)
        if isinstance(g, Tensor):  # a recorded pass (create_graph): gradients stay tensors
            return on_grads(grads)
        with no_grad():  # hooks run with the grad mode off, as in PyTorch's engine
            return tuple(None if v is None else v._data for v in on_grads(grads))

    hub = record(token, tuple(tensors), hub_backward, "BackwardHookFunctionBackward", ())

    def arrival(k: int):
        def backward(g, needs):
            arrived[k] = g
            return (token,)

        return backward

    return [
        record(t._data, (hub,), arrival(k), "BackwardHookFunctionBackward", ())
        if t.requires_grad
        else t
        for k, t in enumerate(tensors)
    ]


def _as_tensors(grads: Sequence) -> list:
    return [g if g is None or isinstance(g, Tensor) else Tensor._make(g) for g in grads]


def _picked(values: Sequence, index: Sequence[int]) -> tuple:
    return tuple(values[i] for i in index)


class BackwardHook:
    """The full backward hooks of one module call (PyTorch's ``torch.utils.hooks.BackwardHook``).

    ``setup_input_hook(args)`` wraps the positional tensor inputs and ``setup_output_hook(out)``
    the outputs (a tensor or a tuple). In the backward pass, once every output gradient has
    arrived, the backward pre-hooks run on ``grad_output`` (a tuple with ``None`` for outputs
    that are not tensors or got no gradient) and may replace it; once every input gradient has
    arrived, the backward hooks run on ``(grad_input, grad_output)`` and may replace
    ``grad_input`` (a tuple with ``None`` for inputs that are not tensors, and zeros for tensor
    inputs that got no gradient, as PyTorch's identity node gives). When no input requires
    grad, the backward hooks run right after the pre-hooks with ``grad_input`` all ``None``
    (and warn, as PyTorch does).
    """

    def __init__(self, module: Any, user_hooks: list, user_pre_hooks: list) -> None:
        self.user_hooks = user_hooks
        self.user_pre_hooks = user_pre_hooks
        self.module = module
        self.grad_outputs: tuple | None = None
        self.n_outputs = -1
        self.output_tensors_index: list[int] | None = None
        self.n_inputs = -1
        self.input_tensors_index: list[int] | None = None
        self._input_tensors: list[Tensor] = []

    @staticmethod
    def _pack_with_none(indices: Sequence[int], values: Sequence, size: int) -> tuple:
        res = [None] * size
        for idx, val in zip(indices, values, strict=True):
            res[idx] = val
        return tuple(res)

    def _apply_on_tensors(self, on_grads: Callable, args: tuple) -> tuple[tuple, list[int] | None]:
        tensors_idx = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
        tensors = [args[i] for i in tensors_idx]
        if not (_grad_enabled[0] and any(t.requires_grad for t in tensors)):
            return args, None
        new = list(args)
        for i, t in zip(tensors_idx, _identity_gathered(tensors, on_grads), strict=True):
            new[i] = t
        return (tuple(new) if type(args) is tuple else type(args)(*new)), tensors_idx

    def setup_input_hook(self, args: tuple) -> tuple:
        """``args`` with its tensors wrapped (when one requires grad and grad mode is on)."""
        res, self.input_tensors_index = self._apply_on_tensors(self._input_grads, args)
        self.n_inputs = len(args)
        if self.input_tensors_index is not None:
            self._input_tensors = [args[i] for i in self.input_tensors_index]
        return res

    def setup_output_hook(self, args: Any) -> Any:
        """The module's output with its tensors wrapped (a tensor or a tuple, kept as given)."""
        is_tuple = isinstance(args, tuple)
        res, self.output_tensors_index = self._apply_on_tensors(
            self._output_grads, args if is_tuple else (args,)
        )
        self.n_outputs = len(args) if is_tuple else 1
        return res if is_tuple else res[0]

    def _input_grads(self, grads: tuple) -> tuple:
        if self.grad_outputs is None:  # the gradient did not come through the module's outputs
            return tuple(_as_tensors(grads))
        assert self.input_tensors_index is not None  # (set when the inputs were wrapped)
        values = [
            g
            if isinstance(g, Tensor)
            else Tensor._make(get_xp(t._data).zeros_like(t._data) if g is None else g)
            for t, g in zip(self._input_tensors, grads)
        ]
        res = self._pack_with_none(self.input_tensors_index, values, self.n_inputs)
        for hook in self.user_hooks:
            out = hook(self.module, res, self.grad_outputs)
            if out is None:
                continue
            if len(out) != len(res):
                raise RuntimeError(
                    "Backward hook returned an invalid number of grad_input, "
                    f"got {len(out)}, but expected {len(res)}"
                )
            res = out
        self.grad_outputs = None
        return _picked(res, self.input_tensors_index)

    def _output_grads(self, grads: tuple) -> tuple:
        assert self.output_tensors_index is not None  # (set when the outputs were wrapped)
        self.grad_outputs = self._pack_with_none(
            self.output_tensors_index, _as_tensors(grads), self.n_outputs
        )
        expected_len = len(self.grad_outputs)
        for user_pre_hook in self.user_pre_hooks:
            hook_grad_outputs = user_pre_hook(self.module, self.grad_outputs)
            if hook_grad_outputs is None:
                continue
            actual_len = len(hook_grad_outputs)
            if actual_len != expected_len:
                raise RuntimeError(
                    "Backward pre hook returned an invalid number of grad_output, "
                    f"got {actual_len}, but expected {expected_len}"
                )
            self.grad_outputs = hook_grad_outputs
        local_grad_outputs = self.grad_outputs
        if self.input_tensors_index is None:
            warnings.warn(
                "Full backward hook is firing when gradients are computed with respect to "
                "module outputs since no inputs require gradients. See "
                "https://docs.pytorch.org/docs/main/generated/torch.nn.Module.html"
                "#torch.nn.Module.register_full_backward_hook for more details.",
                stacklevel=2,
            )
            grad_inputs = (None,) * self.n_inputs
            for user_hook in self.user_hooks:
                res = user_hook(self.module, grad_inputs, self.grad_outputs)
                if res is not None and not (
                    isinstance(res, tuple) and all(el is None for el in res)
                ):
                    raise RuntimeError(
                        "Backward hook for Modules where no input requires "
                        "gradient should always return None or None for all gradients."
                    )
            self.grad_outputs = None
        return _picked(local_grad_outputs, self.output_tensors_index)
