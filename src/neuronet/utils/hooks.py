"""Hook handles, as ``torch.utils.hooks``: ``RemovableHandle`` is what every ``register_*hook``
returns. This module imports nothing of neuronet, so the tensor module can use it.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any

__all__ = ["RemovableHandle"]


class RemovableHandle:
    """A handle that removes a hook: ``handle.remove()``, or leaving a ``with handle:`` block.

    ``hooks_dict`` is the ordered dict the hook was stored in, under ``handle.id``; the keys
    ``handle.id`` of ``extra_dict`` (one dict or a list of them) are removed with it. Both are
    held by weak reference, as in PyTorch: a handle does not keep its owner alive. Removing
    twice does nothing.
    """

    id: int
    next_id: int = 0

    def __init__(self, hooks_dict: Any, *, extra_dict: Any = None) -> None:
        self.hooks_dict_ref = weakref.ref(hooks_dict)
        self.id = RemovableHandle.next_id
        RemovableHandle.next_id += 1
        self.extra_dict_ref: tuple = ()
        if isinstance(extra_dict, dict):
            self.extra_dict_ref = (weakref.ref(extra_dict),)
        elif isinstance(extra_dict, list):
            self.extra_dict_ref = tuple(weakref.ref(d) for d in extra_dict)
        # Called after each remove(); neuronet.nn.Module uses it to go back to its fast call.
        self._on_remove: Callable[[], None] | None = None

    def remove(self) -> None:
        """Remove the hook (and its entries in ``extra_dict``), if still registered."""
        hooks_dict = self.hooks_dict_ref()
        if hooks_dict is not None and self.id in hooks_dict:
            del hooks_dict[self.id]
        for ref in self.extra_dict_ref:
            extra_dict = ref()
            if extra_dict is not None and self.id in extra_dict:
                del extra_dict[self.id]
        if self._on_remove is not None:
            self._on_remove()

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, type: Any, value: Any, tb: Any) -> None:
        self.remove()
