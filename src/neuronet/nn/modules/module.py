"""PyTorch's path to ``Module`` and the global hook functions: ``torch.nn.modules.module``.

The same objects as ``neuronet.nn.module``, the global hook dicts included.
"""

from ..module import Module as Module
from ..module import _global_backward_hooks as _global_backward_hooks
from ..module import _global_backward_pre_hooks as _global_backward_pre_hooks
from ..module import _global_forward_hooks as _global_forward_hooks
from ..module import _global_forward_hooks_always_called as _global_forward_hooks_always_called
from ..module import _global_forward_hooks_with_kwargs as _global_forward_hooks_with_kwargs
from ..module import _global_forward_pre_hooks as _global_forward_pre_hooks
from ..module import register_module_forward_hook as register_module_forward_hook
from ..module import register_module_forward_pre_hook as register_module_forward_pre_hook
from ..module import register_module_full_backward_hook as register_module_full_backward_hook
from ..module import (
    register_module_full_backward_pre_hook as register_module_full_backward_pre_hook,
)

__all__ = [
    "Module",
    "register_module_forward_hook",
    "register_module_forward_pre_hook",
    "register_module_full_backward_hook",
    "register_module_full_backward_pre_hook",
]
