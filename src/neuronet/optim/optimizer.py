"""``Optimizer``: parameter groups, per-parameter state, stepping and state_dict."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..autograd.grad_mode import _enabled as _grad_enabled
from ..autograd.grad_mode import enable_grad
from ..backend import get_xp, to_device
from ..tensor import Tensor


class Optimizer:
    """Base class: holds ``param_groups`` (dicts of params and their options) and ``state``.

    Subclasses implement ``_update_group(group)``, which updates each parameter of the group in
    place from its ``.grad`` (parameters without a gradient are skipped).
    """

    def __init__(self, params, defaults: dict[str, Any]) -> None:
        self.defaults = dict(defaults)
        self.state: dict[Tensor, dict[str, Any]] = {}
        self.param_groups: list[dict[str, Any]] = []
        self._step_count = 0
        self._scratch: dict[int, tuple] = {}  # id(param) -> (its array, a work array)
        if isinstance(params, Tensor):
            raise TypeError(
                "params argument given to the optimizer should be an iterable of "
                "Tensors or dicts, but got a Tensor"
            )
        groups = list(params)
        if not groups:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for g in groups:
            self.add_param_group(g)

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group of parameters with its own options (the rest from ``defaults``)."""
        group = dict(param_group)
        params = group["params"]
        group["params"] = [params] if isinstance(params, Tensor) else list(params)
        for p in group["params"]:
            if not isinstance(p, Tensor):
                raise TypeError(
                    f"optimizer can only optimize Tensors, but one of the params is "
                    f"{type(p).__name__}"
                )
            if not p.is_leaf:
                raise ValueError("can't optimize a non-leaf Tensor")
        for key, value in self.defaults.items():
            group.setdefault(key, value)
        existing = {id(p) for g in self.param_groups for p in g["params"]}
        if any(id(p) in existing for p in group["params"]):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(group)

    def zero_grad(self, set_to_none: bool = True) -> None:
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    if set_to_none:
                        p.grad = None
                    else:
                        p.grad._data[...] = 0

    def step(self, closure: Callable[[], Any] | None = None):
        """One update of every parameter that has a gradient; returns ``closure()``'s loss."""
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        self._step_count += 1
        previous = _grad_enabled[0]  # as ``with no_grad():``, without the context object
        _grad_enabled[0] = False
        try:
            for group in self.param_groups:
                self._update_group(group)
        finally:
            _grad_enabled[0] = previous
        return loss

    def _update_group(self, group: dict[str, Any]) -> None:
        raise NotImplementedError

    def _state(self, p: Tensor, *buffers: str) -> dict[str, Any]:
        """``p``'s state, created on first use as ``step`` 0 and zero ``buffers``."""
        state = self.state.get(p)
        if state is None:
            state = self.state[p] = {"step": 0}
            for name in buffers:
                state[name] = Tensor._make(p.xp.zeros_like(p._data))
        return state

    def _buffer(self, p: Tensor):
        """A work array shaped like ``p``, reused across steps (updates allocate nothing).

        It is kept beside the array it was made for and made again when ``p._data`` is replaced
        (``load_state_dict``, ``Module.to``), so one identity check finds it.
        """
        entry = self._scratch.get(id(p))
        if entry is not None and entry[0] is p._data:
            return entry[1]
        buf = get_xp(p._data).empty_like(p._data)
        self._scratch[id(p)] = (p._data, buf)
        return buf

    @staticmethod
    def _grad(p: Tensor, maximize: bool):
        assert p.grad is not None  # (called for the parameters that have a gradient)
        g = p.grad._data
        if g.dtype != p._data.dtype:
            raise TypeError(
                f"a gradient of dtype {g.dtype} for a parameter of dtype {p._data.dtype}"
            )
        return -g if maximize else g

    # ----------------------------------------------------------------- state
    def state_dict(self) -> dict[str, Any]:
        """``{'state': {index: {name: value}}, 'param_groups': [{options, 'params': [index]}]}``;
        tensors in the state are copies."""
        index: dict[int, int] = {}
        groups = []
        for group in self.param_groups:
            ids = []
            for p in group["params"]:
                index.setdefault(id(p), len(index))
                ids.append(index[id(p)])
            groups.append({**{k: v for k, v in group.items() if k != "params"}, "params": ids})
        state = {}
        for group in self.param_groups:
            for p in group["params"]:
                if p in self.state:
                    state[index[id(p)]] = {
                        k: (Tensor._make(v._data.copy()) if isinstance(v, Tensor) else v)
                        for k, v in self.state[p].items()
                    }
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore options and state saved by ``state_dict`` (parameters matched by position)."""
        groups = state_dict["param_groups"]
        if len(groups) != len(self.param_groups):
            raise ValueError(
                f"loaded state dict has {len(groups)} parameter groups, this "
                f"optimizer has {len(self.param_groups)}"
            )
        params: list[tuple[int, Tensor]] = []
        for saved, own in zip(groups, self.param_groups):
            if len(saved["params"]) != len(own["params"]):
                raise ValueError(
                    "loaded state dict contains a parameter group that doesn't "
                    "match the size of optimizer's group"
                )
            params.extend(zip(saved["params"], own["params"]))
        by_index = dict(params)
        self.state = {}
        for key, values in state_dict["state"].items():
            p = by_index[int(key)]
            restored = {}
            for name, v in values.items():
                if isinstance(v, Tensor):
                    if v.shape != p.shape and v.ndim > 0:
                        raise ValueError(
                            f"state '{name}' of parameter {key} has shape "
                            f"{tuple(v.shape)}, the parameter has {tuple(p.shape)}"
                        )
                    v = Tensor._make(to_device(v._data, p.device).astype(p.dtype, copy=True))
                restored[name] = v
            self.state[p] = restored
        for saved, own in zip(groups, self.param_groups):
            for k, v in saved.items():
                if k != "params":
                    own[k] = tuple(v) if isinstance(own.get(k), tuple) else v

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            for k in sorted(group):
                if k != "params":
                    lines.append(f"    {k}: {group[k]}")
        return "\n".join(lines) + "\n)"


def check_non_negative(**values: float) -> None:
    for name, v in values.items():
        if not v >= 0.0:
            raise ValueError(f"Invalid {name} value: {v} (expected >= 0)")
