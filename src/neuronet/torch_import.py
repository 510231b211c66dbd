"""``import torch`` resolving to neuronet, for one process: the import hook behind
``neuronet run``.

:func:`install` puts a finder first on ``sys.meta_path`` that answers ``torch`` and every
``torch.X.Y`` with a *proxy module* over ``neuronet`` and ``neuronet.X.Y`` (a PyTorch installed
beside neuronet is then not imported); any other name is left to Python's own finders at the
cost of one string comparison, so the library's own imports of ``neuronet.*`` go on unchanged.

A proxy (:class:`TorchModule`) holds nothing of its own: each attribute looked up on it is
looked up on the neuronet module it stands for, and the torch name is recorded in the hook's
:attr:`TorchImportHook.used` (name -> whether neuronet has it), which ``neuronet run --report``
prints. A value that is a neuronet module comes back as the proxy of its torch name, so
``torch.nn.functional.relu`` is recorded at every step. Names with two leading underscores
(``__path__``, ``__spec__``, ...) are passed through unrecorded, except ``__version__``, which is
neuronet's version string, and ``__all__``, which is the neuronet module's public names where it
has no ``__all__`` (so ``from torch import *`` takes what ``from neuronet import *`` would).
Setting an attribute on a proxy sets it on the neuronet module.

What neuronet lacks raises :class:`TorchAttributeUnavailable` (an ``AttributeError``, so
``hasattr(torch, "stft")`` and ``getattr(torch, "fft", None)`` work as in Python) for a missing
attribute of a mapped module, and :class:`TorchModuleUnavailable` (an ``ImportError``, so
``try: import torch.fft except ImportError`` works) for a missing submodule. Both are
:class:`TorchAPIUnavailable` and name the first torch name that is missing: for
``torch.fft.rfft(x)`` that is ``torch.fft``, since the lookup stops there. A name of a missing
submodule that neuronet has as a package is imported on first lookup (``torch.optim.lr_scheduler``
without importing it first), as PyTorch imports its submodules with the package.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import sys
import types
from typing import Any

__all__ = [
    "TorchAPIUnavailable",
    "TorchAttributeUnavailable",
    "TorchImportHook",
    "TorchModule",
    "TorchModuleUnavailable",
    "install",
    "uninstall",
]

TORCH = "torch"
TARGET = "neuronet"


def _version() -> str:
    return str(importlib.import_module(TARGET).__version__)


class TorchAPIUnavailable(Exception):
    """A PyTorch name that neuronet does not have; :attr:`api` is the torch name."""

    api: str

    @staticmethod
    def message_for(api: str) -> str:
        """``torch.fft is not available in neuronet 0.1.0`` for ``api="torch.fft"``."""
        return f"{api} is not available in neuronet {_version()}"


class TorchAttributeUnavailable(TorchAPIUnavailable, AttributeError):
    """A missing attribute of a mapped module (``torch.fft``, ``torch.nn.LazyLinear``)."""

    def __init__(self, api: str) -> None:
        self.api = api
        module, _, attr = api.rpartition(".")
        super().__init__(f"module {module!r} has no attribute {attr!r} (neuronet {_version()})")


class TorchModuleUnavailable(TorchAPIUnavailable, ImportError):
    """A missing submodule (``import torch.fft``)."""

    def __init__(self, api: str) -> None:
        self.api = api
        super().__init__(f"No module named {api!r} in neuronet {_version()}", name=api)


def _neuronet_name(torch_name: str) -> str:
    return TARGET + torch_name[len(TORCH) :]


class TorchModule(types.ModuleType):
    """The module ``torch.X`` of a run: every attribute lookup goes to ``neuronet.X`` and is
    recorded in the hook that made it."""

    def __init__(self, name: str, real: types.ModuleType, hook: TorchImportHook) -> None:
        super().__init__(name, getattr(real, "__doc__", None))
        object.__setattr__(self, "_torch_real", real)
        object.__setattr__(self, "_torch_hook", hook)

    def __getattr__(self, name: str) -> Any:
        real = object.__getattribute__(self, "_torch_real")
        hook: TorchImportHook = object.__getattribute__(self, "_torch_hook")
        full = f"{self.__name__}.{name}"
        try:
            value = getattr(real, name)
        except AttributeError:
            if name == "__all__":  # ``from torch import *``: the public names, as Python takes
                return [n for n in dir(real) if not n.startswith("_")]
            value = hook.submodule(real, name)
            if value is None:
                if not name.startswith("__"):
                    hook.used[full] = False
                raise TorchAttributeUnavailable(full) from None
        if not name.startswith("__") or name == "__version__":
            hook.used[full] = True
        if isinstance(value, types.ModuleType) and value.__name__.startswith(TARGET):
            return hook.proxy(full, value)
        return value

    def __setattr__(self, name: str, value: Any) -> None:
        if name.startswith("__") and name != "__version__":
            object.__setattr__(self, name, value)  # the import system's own attributes
            return
        if isinstance(value, TorchModule):
            value = object.__getattribute__(value, "_torch_real")
        setattr(object.__getattribute__(self, "_torch_real"), name, value)

    def __delattr__(self, name: str) -> None:
        delattr(object.__getattribute__(self, "_torch_real"), name)

    def __dir__(self) -> list[str]:
        return dir(object.__getattribute__(self, "_torch_real"))

    def __repr__(self) -> str:
        real = object.__getattribute__(self, "_torch_real")
        return f"<module {self.__name__!r} (neuronet's {real.__name__!r})>"


class TorchImportHook(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finder and loader of ``torch`` and ``torch.*`` as proxies of ``neuronet.*``.

    ``used`` maps each torch name the program looked up or imported (dunder names aside) to
    whether neuronet has it; ``last_missing`` is the latest missing one.
    """

    def __init__(self) -> None:
        self.used: dict[str, bool] = {}
        self._proxies: dict[str, TorchModule] = {}

    @property
    def last_missing(self) -> str | None:
        """The torch name most recently found missing, or None."""
        missing = [name for name, ok in self.used.items() if not ok]
        return missing[-1] if missing else None

    def proxy(self, torch_name: str, real: types.ModuleType) -> TorchModule:
        """The one proxy of ``real`` under ``torch_name`` (made on first request)."""
        module = self._proxies.get(torch_name)
        if module is None or object.__getattribute__(module, "_torch_real") is not real:
            module = TorchModule(torch_name, real, self)
            self._proxies[torch_name] = module
        return module

    @staticmethod
    def submodule(real: types.ModuleType, name: str) -> types.ModuleType | None:
        """``real.name`` imported when ``real`` is a package that has it, else None."""
        if name.startswith("__") or not hasattr(real, "__path__"):
            return None
        full = f"{real.__name__}.{name}"
        if importlib.util.find_spec(full) is None:
            return None
        return importlib.import_module(full)

    def find_spec(
        self,
        fullname: str,
        path: Any = None,
        target: types.ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != TORCH and not fullname.startswith(TORCH + "."):
            return None
        real_name = _neuronet_name(fullname)
        try:
            real = importlib.import_module(real_name)
        except ModuleNotFoundError as err:
            if err.name is None or not (real_name + ".").startswith(err.name + "."):
                raise  # neuronet has the module, and something it imports is missing
            self.used[fullname] = False
            raise TorchModuleUnavailable(fullname) from None
        self.used[fullname] = True
        spec = importlib.machinery.ModuleSpec(fullname, self, is_package=hasattr(real, "__path__"))
        spec.loader_state = real
        return spec

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        return self.proxy(spec.name, spec.loader_state)

    def exec_module(self, module: types.ModuleType) -> None:
        """Nothing to run: the neuronet module is already imported."""


def install() -> TorchImportHook:
    """Make ``import torch`` (and ``torch.X.Y``) give neuronet in this process from now on;
    returns the hook, whose ``used`` records what the program looks up. Raises RuntimeError
    when ``torch`` is already imported (it would stay the imported module)."""
    if any(name == TORCH or name.startswith(TORCH + ".") for name in sys.modules):
        raise RuntimeError("torch is already imported in this process: install() comes first")
    hook = TorchImportHook()
    sys.meta_path.insert(0, hook)
    return hook


def uninstall(hook: TorchImportHook) -> None:
    """Undo :func:`install`: remove the hook and the ``torch`` modules it gave."""
    if hook in sys.meta_path:
        sys.meta_path.remove(hook)
    for name in [n for n, m in sys.modules.items() if isinstance(m, TorchModule)]:
        del sys.modules[name]
