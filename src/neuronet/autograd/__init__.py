"""Reverse-mode automatic differentiation: the engine, grad modes, ``grad``, ``gradcheck``."""
from .function import Function, FunctionCtx
from .functional import grad
from .grad_mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from .gradcheck import GradcheckError, gradcheck

__all__ = ["Function", "FunctionCtx", "GradcheckError", "enable_grad", "grad", "gradcheck",
           "is_grad_enabled", "no_grad", "set_grad_enabled"]
