"""``Module``: the base of every layer and model, with PyTorch's registration rules.

Setting a ``Parameter`` attribute registers it, setting a ``Module`` registers a sub-module,
and ``register_buffer`` registers state that is saved but not trained (persistent or not).
The registries (``_parameters``, ``_buffers``, ``_modules``) are the source of truth; each
registered value is also kept as a plain instance attribute so that ``self.weight`` in a
``forward`` is an ordinary attribute read (register and replace through ``setattr`` or the
``register_*`` methods, not by writing into the registries directly).

Hooks, as in PyTorch: forward pre-hooks and forward hooks run around ``forward``; full backward
pre-hooks and backward hooks run in the backward pass (see ``neuronet.nn.backward_hook``). The
``register_module_*`` functions here register hooks for every module; they run before each
module's own. A module without hooks, while no global hook is registered, is called with one
attribute check before ``forward``.
"""

from __future__ import annotations

import warnings
import weakref
from collections import OrderedDict, namedtuple
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import dtypes as _dt
from ..autograd.grad_mode import no_grad
from ..backend import device as _device
from ..backend import to_device
from ..tensor import Tensor
from ..utils.hooks import RemovableHandle
from .backward_hook import BackwardHook
from .parameter import Parameter

__all__ = [
    "Module",
    "register_module_forward_pre_hook",
    "register_module_forward_hook",
    "register_module_full_backward_pre_hook",
    "register_module_full_backward_hook",
]

IncompatibleKeys = namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])

# The hooks of every module (PyTorch's names), keyed by their handle's id, in calling order.
_global_backward_pre_hooks: dict[int, Callable] = OrderedDict()
_global_backward_hooks: dict[int, Callable] = OrderedDict()
_global_forward_pre_hooks: dict[int, Callable] = OrderedDict()
_global_forward_hooks: dict[int, Callable] = OrderedDict()
_global_forward_hooks_always_called: dict[int, bool] = OrderedDict()
_global_forward_hooks_with_kwargs: dict[int, bool] = OrderedDict()


def _global_hooks_changed() -> None:
    """Every module takes the hooked call while a global hook is registered (see __call__)."""
    Module._has_hooks = bool(
        _global_forward_pre_hooks
        or _global_forward_hooks
        or _global_backward_pre_hooks
        or _global_backward_hooks
    )


def _add_global_hook(hooks: dict, hook: Callable, extra_dict: Any = None) -> RemovableHandle:
    """Store ``hook`` in the global dict ``hooks`` under a new handle; every module's call
    takes the hooked path until the last global hook is removed."""
    handle = RemovableHandle(hooks, extra_dict=extra_dict)
    hooks[handle.id] = hook
    handle._on_remove = _global_hooks_changed
    _global_hooks_changed()
    return handle


def register_module_forward_pre_hook(hook: Callable[..., Any]) -> RemovableHandle:
    """Register ``hook(module, args)`` to run before every module's ``forward``.

    As ``Module.register_forward_pre_hook``; global pre-hooks run before each module's own.
    """
    return _add_global_hook(_global_forward_pre_hooks, hook)


def register_module_forward_hook(
    hook: Callable[..., Any], *, with_kwargs: bool = False, always_call: bool = False
) -> RemovableHandle:
    """Register ``hook(module, args, output)`` to run after every module's ``forward``.

    As ``Module.register_forward_hook``; global forward hooks run before each module's own.
    """
    extra = [_global_forward_hooks_with_kwargs, _global_forward_hooks_always_called]
    handle = _add_global_hook(_global_forward_hooks, hook, extra_dict=extra)
    if with_kwargs:
        _global_forward_hooks_with_kwargs[handle.id] = True
    if always_call:
        _global_forward_hooks_always_called[handle.id] = True
    return handle


def register_module_full_backward_pre_hook(hook: Callable[..., Any]) -> RemovableHandle:
    """Register ``hook(module, grad_output)`` for every module's backward pass.

    As ``Module.register_full_backward_pre_hook``; global ones run before each module's own.
    """
    return _add_global_hook(_global_backward_pre_hooks, hook)


def register_module_full_backward_hook(hook: Callable[..., Any]) -> RemovableHandle:
    """Register ``hook(module, grad_input, grad_output)`` for every module's backward pass.

    As ``Module.register_full_backward_hook``; global ones run before each module's own.
    """
    return _add_global_hook(_global_backward_hooks, hook)


_HOOK_DICTS = (
    "_forward_pre_hooks",
    "_forward_pre_hooks_with_kwargs",
    "_forward_hooks",
    "_forward_hooks_with_kwargs",
    "_forward_hooks_always_called",
    "_backward_pre_hooks",
    "_backward_hooks",
)


class Module:
    """Base class for all neural-network modules: subclass it and define ``forward``."""

    training: bool
    # True while this module has a hook of its own (then set on the instance) or while a global
    # hook is registered (then set on this class): ``__call__`` takes the hooked path only then.
    _has_hooks: bool = False

    def __init__(self) -> None:
        setattr_ = object.__setattr__
        setattr_(self, "training", True)
        setattr_(self, "_parameters", OrderedDict())
        setattr_(self, "_buffers", OrderedDict())
        setattr_(self, "_non_persistent", set())
        setattr_(self, "_modules", OrderedDict())
        for name in _HOOK_DICTS:
            setattr_(self, name, OrderedDict())

    def forward(self, *args, **kwargs):
        raise NotImplementedError(
            f'Module [{type(self).__name__}] is missing the required "forward" function'
        )

    def __call__(self, *args, **kwargs):
        if not self._has_hooks:
            return self.forward(*args, **kwargs)
        return self._call_with_hooks(args, kwargs)

    # ----------------------------------------------------------------- hooks
    def _call_with_hooks(self, args: tuple, kwargs: dict) -> Any:
        """``forward`` with the hooks, in PyTorch's order: the forward pre-hooks (global ones
        first), which may replace the args; when there are backward (pre-)hooks, the tensor args
        wrapped for them; ``forward``; the forward hooks (global first), which may replace the
        output; the output wrapped for the backward hooks. When ``forward`` or a hook raises,
        the forward hooks registered with ``always_call=True`` that have not run yet are called
        (their own errors turned into warnings) before the error propagates."""
        result = None
        called_always_called_hooks: set = set()
        try:
            backward_pre_hooks = [*_global_backward_pre_hooks.values()]
            backward_pre_hooks += self._backward_pre_hooks.values()
            backward_hooks = [*_global_backward_hooks.values(), *self._backward_hooks.values()]
            for hook_id, hook in (
                *_global_forward_pre_hooks.items(),
                *self._forward_pre_hooks.items(),
            ):
                if hook_id in self._forward_pre_hooks_with_kwargs:
                    args_kwargs_result = hook(self, args, kwargs)
                    if args_kwargs_result is not None:
                        if isinstance(args_kwargs_result, tuple) and len(args_kwargs_result) == 2:
                            args, kwargs = args_kwargs_result
                        else:
                            raise RuntimeError(
                                "forward pre-hook must return None or a tuple "
                                f"of (new_args, new_kwargs), but got {args_kwargs_result}."
                            )
                else:
                    args_result = hook(self, args)
                    if args_result is not None:
                        args = args_result if isinstance(args_result, tuple) else (args_result,)
            bw_hook = None
            if backward_hooks or backward_pre_hooks:
                bw_hook = BackwardHook(self, backward_hooks, backward_pre_hooks)
                args = bw_hook.setup_input_hook(args)
            result = self.forward(*args, **kwargs)
            for hook_id, hook in (*_global_forward_hooks.items(), *self._forward_hooks.items()):
                if (
                    hook_id in self._forward_hooks_always_called
                    or hook_id in _global_forward_hooks_always_called
                ):
                    called_always_called_hooks.add(hook_id)
                if (
                    hook_id in self._forward_hooks_with_kwargs
                    or hook_id in _global_forward_hooks_with_kwargs
                ):
                    hook_result = hook(self, args, kwargs, result)
                else:
                    hook_result = hook(self, args, result)
                if hook_result is not None:
                    result = hook_result
            if bw_hook is not None:
                if not isinstance(result, (Tensor, tuple)):
                    warnings.warn(
                        "For backward hooks to be called, module output should be a Tensor or "
                        f"a tuple of Tensors but received {type(result)}",
                        stacklevel=3,
                    )
                result = bw_hook.setup_output_hook(result)
            return result
        except Exception:
            self._call_missed_always_called_hooks(args, kwargs, result, called_always_called_hooks)
            raise

    def _call_missed_always_called_hooks(
        self, args: tuple, kwargs: dict, result: Any, called: set
    ) -> None:
        """After an error in a call: the ``always_call`` forward hooks not in ``called``, global
        ones first, each error of theirs turned into a warning (the call's error propagates)."""
        for owner, hooks, always_called, with_kwargs in (
            (
                "global module",
                _global_forward_hooks,
                _global_forward_hooks_always_called,
                _global_forward_hooks_with_kwargs,
            ),
            (
                "module",
                self._forward_hooks,
                self._forward_hooks_always_called,
                self._forward_hooks_with_kwargs,
            ),
        ):
            for hook_id, hook in hooks.items():
                if hook_id not in always_called or hook_id in called:
                    continue
                try:
                    if hook_id in with_kwargs:
                        hook_result = hook(self, args, kwargs, result)
                    else:
                        hook_result = hook(self, args, result)
                    if hook_result is not None:
                        result = hook_result
                except Exception as e:  # noqa: BLE001 - a warning, as in PyTorch
                    warnings.warn(
                        f"{owner} forward hook with ``always_call=True`` raised an exception "
                        f"that was silenced as another error was raised in forward: {e}",
                        stacklevel=4,
                    )

    def _hooks_changed(self) -> None:
        """Set (or clear) the instance's ``_has_hooks`` from its own hook dicts."""
        if (
            self._forward_pre_hooks
            or self._forward_hooks
            or self._backward_pre_hooks
            or self._backward_hooks
        ):
            self.__dict__["_has_hooks"] = True
        else:
            self.__dict__.pop("_has_hooks", None)

    def _add_hook(
        self, hooks: OrderedDict, hook: Callable, prepend: bool, extra_dict: Any = None
    ) -> RemovableHandle:
        """Store ``hook`` in ``hooks`` under a new handle (first if ``prepend``)."""
        handle = RemovableHandle(hooks, extra_dict=extra_dict)
        hooks[handle.id] = hook
        if prepend:
            hooks.move_to_end(handle.id, last=False)
        ref = weakref.ref(self)

        def changed() -> None:
            module = ref()
            if module is not None:
                module._hooks_changed()

        handle._on_remove = changed
        self.__dict__["_has_hooks"] = True
        return handle

    def register_forward_pre_hook(
        self, hook: Callable[..., Any], *, prepend: bool = False, with_kwargs: bool = False
    ) -> RemovableHandle:
        """Register ``hook(module, args)`` to run on each call, before ``forward``.

        ``args`` is the tuple of positional arguments (keyword arguments go to ``forward``
        only). A non-``None`` return replaces them: a tuple as it is, any other value as the
        one argument. With ``with_kwargs=True`` the hook is ``hook(module, args, kwargs)`` and
        returns ``None`` or ``(new_args, new_kwargs)``. Hooks run in registration order
        (``prepend=True``: before this module's others), after the global ones.
        """
        handle = self._add_hook(
            self._forward_pre_hooks, hook, prepend, extra_dict=self._forward_pre_hooks_with_kwargs
        )
        if with_kwargs:
            self._forward_pre_hooks_with_kwargs[handle.id] = True
        return handle

    def register_forward_hook(
        self,
        hook: Callable[..., Any],
        *,
        prepend: bool = False,
        with_kwargs: bool = False,
        always_call: bool = False,
    ) -> RemovableHandle:
        """Register ``hook(module, args, output)`` to run on each call, after ``forward``.

        A non-``None`` return replaces the output (for the next hooks and the caller). With
        ``with_kwargs=True`` the hook is ``hook(module, args, kwargs, output)``. With
        ``always_call=True`` it also runs when ``forward`` (or an earlier hook) raises, before
        the error propagates. Hooks run in registration order (``prepend=True``: before this
        module's others), after the global ones.
        """
        handle = self._add_hook(
            self._forward_hooks,
            hook,
            prepend,
            extra_dict=[self._forward_hooks_with_kwargs, self._forward_hooks_always_called],
        )
        if with_kwargs:
            self._forward_hooks_with_kwargs[handle.id] = True
        if always_call:
            self._forward_hooks_always_called[handle.id] = True
        return handle

    def register_full_backward_pre_hook(
        self, hook: Callable[..., Any], prepend: bool = False
    ) -> RemovableHandle:
        """Register ``hook(module, grad_output)`` to run in the backward pass of each call.

        It runs once the gradients of all the call's outputs are known: ``grad_output`` is a
        tuple with one tensor per output (``None`` for non-tensors and outputs that got no
        gradient). A non-``None`` return (a tuple of the same length) replaces it, for the
        module's backward hooks and the gradients sent on into the module. Hooks run in
        registration order (``prepend=True``: before this module's others), after the global
        ones. While a module has backward hooks, its tensor inputs and outputs are passed
        through identity nodes (as in PyTorch, whose ``forward`` then sees views).
        """
        return self._add_hook(self._backward_pre_hooks, hook, prepend)

    def register_full_backward_hook(
        self, hook: Callable[..., Any], prepend: bool = False
    ) -> RemovableHandle:
        """Register ``hook(module, grad_input, grad_output)`` for the backward pass of each call.

        It runs once the gradients of all the call's positional tensor inputs are known:
        ``grad_input`` has one entry per positional argument (``None`` for non-tensors, zeros
        for tensor inputs that got no gradient) and ``grad_output`` is as the backward
        pre-hooks left it. A non-``None`` return (a tuple of the same length) replaces
        ``grad_input``, which is what flows on to the inputs. When no input requires grad the
        hook runs as soon as ``grad_output`` is known, with ``grad_input`` all ``None`` (and a
        warning, as in PyTorch); it must then return ``None``. Hooks run in registration order
        (``prepend=True``: before this module's others), after the global ones.
        """
        return self._add_hook(self._backward_hooks, hook, prepend)

    # ----------------------------------------------------------------- registration
    def __setattr__(self, name: str, value) -> None:
        params = self.__dict__.get("_parameters")
        if isinstance(value, Parameter):
            if params is None:
                raise AttributeError("cannot assign parameters before Module.__init__() call")
            self._drop(name)
            params[name] = value
        elif isinstance(value, Module):
            if params is None:
                raise AttributeError("cannot assign module before Module.__init__() call")
            self._drop(name)
            self._modules[name] = value
        elif params is not None and name in params:
            if value is not None:
                raise TypeError(
                    f"cannot assign '{type(value).__name__}' as parameter '{name}' "
                    "(neuronet.nn.Parameter or None expected)"
                )
            params[name] = None
        elif params is not None and name in self._buffers:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(
                    f"cannot assign '{type(value).__name__}' as buffer '{name}' "
                    "(neuronet.Tensor or None expected)"
                )
            self._buffers[name] = value
        elif params is not None and name in self._modules:
            if value is not None:
                raise TypeError(
                    f"cannot assign '{type(value).__name__}' as child module "
                    f"'{name}' (neuronet.nn.Module or None expected)"
                )
            self._modules[name] = None
        object.__setattr__(self, name, value)

    def _check_name(self, name: str) -> None:
        if not isinstance(name, str) or not name or "." in name:
            raise KeyError(f"name must be a non-empty string without '.', got {name!r}")
        if hasattr(type(self), name):
            raise KeyError(f"attribute '{name}' already exists")

    def _drop(self, name: str) -> None:
        self.__dict__.pop(name, None)
        for table in (self._parameters, self._buffers, self._modules):
            table.pop(name, None)
        self._non_persistent.discard(name)

    if TYPE_CHECKING:  # submodules and parameters are set at run time: typed as Any

        def __getattr__(self, name: str) -> Any: ...

    # (no __getattr__ at run time: a class with one pays for it on every attribute read)

    def __delattr__(self, name: str) -> None:
        if name in self._parameters or name in self._buffers or name in self._modules:
            self._drop(name)
        else:
            object.__delattr__(self, name)

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(
                f"register_parameter: '{name}' must be a Parameter or None, got "
                f"{type(param).__name__}"
            )
        self._check_name(name)
        self._drop(name)
        self._parameters[name] = param
        object.__setattr__(self, name, param)

    def register_buffer(self, name: str, tensor: Tensor | None, persistent: bool = True) -> None:
        """State saved with the module (unless ``persistent=False``) but not trained."""
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(
                f"register_buffer: '{name}' must be a Tensor or None, got {type(tensor).__name__}"
            )
        self._check_name(name)
        self._drop(name)
        self._buffers[name] = tensor
        object.__setattr__(self, name, tensor)
        if not persistent:
            self._non_persistent.add(name)

    def add_module(self, name: str, module: Module | None) -> None:
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"add_module: '{name}' must be a Module, got {type(module).__name__}")
        self._check_name(name)
        self._drop(name)
        self._modules[name] = module
        object.__setattr__(self, name, module)

    register_module = add_module

    def get_submodule(self, target: str) -> Module:
        mod = self
        for part in target.split(".") if target else []:
            if part not in mod._modules:
                raise AttributeError(
                    f"{type(mod).__name__} has no submodule '{part}' (looking up '{target}')"
                )
            mod = mod._modules[part]
        return mod

    def get_parameter(self, target: str) -> Parameter:
        path, _, name = target.rpartition(".")
        mod = self.get_submodule(path)
        if name not in mod._parameters:
            raise AttributeError(f"{type(mod).__name__} has no parameter '{name}'")
        return mod._parameters[name]

    # ----------------------------------------------------------------- iteration
    def named_modules(self, memo: set | None = None, prefix: str = "") -> Iterator:
        memo = set() if memo is None else memo
        stack = [(prefix, self)]
        while stack:
            name, mod = stack.pop()
            if id(mod) in memo:
                continue
            memo.add(id(mod))
            yield name, mod
            children = [
                (f"{name}.{n}" if name else n, m) for n, m in mod._modules.items() if m is not None
            ]
            stack.extend(reversed(children))

    def modules(self) -> Iterator[Module]:
        for _, m in self.named_modules():
            yield m

    def named_children(self) -> Iterator:
        seen = set()
        for name, m in self._modules.items():
            if m is not None and id(m) not in seen:
                seen.add(id(m))
                yield name, m

    def children(self) -> Iterator[Module]:
        for _, m in self.named_children():
            yield m

    def _named_members(self, table: str, prefix: str, recurse: bool) -> Iterator:
        seen = set()
        mods = self.named_modules(prefix=prefix) if recurse else [(prefix, self)]
        for mod_name, mod in mods:
            for name, value in getattr(mod, table).items():
                if value is None or id(value) in seen:
                    continue
                seen.add(id(value))
                yield (f"{mod_name}.{name}" if mod_name else name), value

    def named_parameters(self, prefix: str = "", recurse: bool = True) -> Iterator:
        return self._named_members("_parameters", prefix, recurse)

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_buffers(self, prefix: str = "", recurse: bool = True) -> Iterator:
        return self._named_members("_buffers", prefix, recurse)

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    # ----------------------------------------------------------------- modes and updates
    def train(self, mode: bool = True) -> Module:
        if not isinstance(mode, bool):
            raise ValueError(f"train(mode): mode is expected to be a bool, got {mode!r}")
        for m in self.modules():
            object.__setattr__(m, "training", mode)
        return self

    def eval(self) -> Module:
        return self.train(False)

    def zero_grad(self, set_to_none: bool = True) -> None:
        for p in self.parameters():
            if p.grad is not None:
                if set_to_none:
                    p.grad = None
                else:
                    p.grad._data[...] = 0

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def apply(self, fn: Callable[[Module], None]) -> Module:
        for m in self.children():
            m.apply(fn)
        fn(self)
        return self

    def _convert(self, fn) -> Module:
        """Replace every parameter's and buffer's array by ``fn(array)`` (objects are kept)."""
        for mod in self.modules():
            for p in mod._parameters.values():
                if p is not None:
                    p._data = fn(p._data)
                    if p.grad is not None:
                        p.grad._data = fn(p.grad._data)
            for b in mod._buffers.values():
                if b is not None:
                    b._data = fn(b._data)
        return self

    def to(self, *args, **kwargs) -> Module:
        """``to(dtype)``, ``to(device)`` or both; only floating tensors change dtype."""
        dtype = kwargs.pop("dtype", None)
        dev = kwargs.pop("device", None)
        for a in args:
            if isinstance(a, (str, _device)):
                dev = a
            else:
                dtype = a
        if dev is not None:
            target = _device(dev)
            self._convert(lambda arr: to_device(arr, target))
        if dtype is not None:
            dt = _dt.to_dtype(dtype)
            if dt.kind != "f":
                raise TypeError(f"Module.to only accepts floating point dtypes, got {dt}")
            self._convert(lambda arr: arr.astype(dt) if arr.dtype.kind == "f" else arr)
        return self

    def double(self) -> Module:
        return self.to(_dt.float64)

    def float(self) -> Module:
        return self.to(_dt.float32)

    def cuda(self, device=None) -> Module:
        return self.to("cuda" if device is None else f"cuda:{device}")

    def cpu(self) -> Module:
        return self.to("cpu")

    # ----------------------------------------------------------------- state
    def state_dict(
        self, destination=None, prefix: str = "", keep_vars: bool = False
    ) -> OrderedDict:
        """Parameters and persistent buffers by dotted name (detached, sharing memory)."""
        out = OrderedDict() if destination is None else destination
        for mod_name, mod in self.named_modules(prefix=prefix.rstrip(".")):
            base = f"{mod_name}." if mod_name else ""
            for name, p in mod._parameters.items():
                if p is not None:
                    out[base + name] = p if keep_vars else p.detach()
            for name, b in mod._buffers.items():
                if b is not None and name not in mod._non_persistent:
                    out[base + name] = b if keep_vars else b.detach()
        return out

    def load_state_dict(self, state_dict, strict: bool = True, assign: bool = False):
        """Copy values into this module's parameters and buffers (in place, dtype kept).

        Shape mismatches always raise; with ``strict=True`` missing and unexpected keys raise
        too. Returns ``(missing_keys, unexpected_keys)``.
        """
        own = self.state_dict(keep_vars=True)
        missing = [k for k in own if k not in state_dict]
        unexpected = [k for k in state_dict if k not in own]
        errors = []
        for key, target in own.items():
            if key not in state_dict:
                continue
            value = state_dict[key]
            arr = value._data if isinstance(value, Tensor) else np.asarray(value)
            if tuple(arr.shape) != tuple(target._data.shape):
                errors.append(
                    f"size mismatch for {key}: copying a param with shape "
                    f"{tuple(arr.shape)} from checkpoint, the shape in current model "
                    f"is {tuple(target._data.shape)}."
                )
        if strict:
            if missing:
                errors.insert(
                    0, "Missing key(s) in state_dict: " + ", ".join(f'"{k}"' for k in missing) + "."
                )
            if unexpected:
                errors.insert(
                    0,
                    "Unexpected key(s) in state_dict: "
                    + ", ".join(f'"{k}"' for k in unexpected)
                    + ".",
                )
        if errors:
            raise RuntimeError(
                f"Error(s) in loading state_dict for {type(self).__name__}:\n\t"
                + "\n\t".join(errors)
            )
        with no_grad():
            for key, target in own.items():
                if key in state_dict:
                    value = state_dict[key]
                    arr = value._data if isinstance(value, Tensor) else np.asarray(value)
                    target._data[...] = to_device(arr, target.device).astype(
                        target._data.dtype, copy=False
                    )
        return IncompatibleKeys(missing, unexpected)

    # ----------------------------------------------------------------- repr
    def extra_repr(self) -> str:
        return ""

    def __repr__(self) -> str:
        lines = []
        extra = self.extra_repr()
        if extra:
            lines = extra.split("\n")
        for name, m in self._modules.items():
            body = repr(m).replace("\n", "\n  ")
            lines.append(f"({name}): {body}")
        main = type(self).__name__ + "("
        if lines:
            if len(lines) == 1 and not self._modules:
                return main + lines[0] + ")"
            return main + "\n  " + "\n  ".join(lines) + "\n)"
        return main + ")"

    def __dir__(self):
        return sorted(
            set(super().__dir__()) | set(self._parameters) | set(self._buffers) | set(self._modules)
        )
