"""Fused CuPy kernels: one GPU launch where the plain path chains several array calls.

On a GPU every array call is a kernel launch, so an activation's backward (three calls) or an
optimizer update (five to eight) spends more time launching kernels than computing for all but
the largest tensors. Each kernel here does one of those in a single elementwise pass over its
arrays. They are used for CuPy arrays only, and only while enabled (the default): the plain
path in ``ops`` and ``optim`` stays the reference, and ``tests/gpu`` checks each kernel against
it. CuPy builds a kernel on first use and caches it.

This module is the one place where the choice is made: ``fused(name, reference)`` wraps a
reference function (an activation's backward, an optimizer's update, written as its formula
alone) so that CuPy arrays run the kernel ``name`` and everything else runs the reference
(``dispatcher``). Where CuPy is not installed no CuPy array can reach it, and ``fused`` gives
the reference itself: the CPU path pays no dispatch call.

Every kernel computes the same formula as its plain path, in the same order, so the two agree
to rounding.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.util
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import numpy as np

# name -> (input parameters, output parameters, CUDA C++ body). ``T`` is the element type of
# the arrays; scalar parameters declared as ``T`` are cast to it. Outputs passed in by the
# caller are updated in place (they are references in the body).
SPECS: dict[str, tuple[str, str, str]] = {
    # exp(min(x, 0)) / (1 + exp(-|x|)): the values of ops.activation.sigmoid_array
    "sigmoid": ("T x", "T y", "y = exp(fmin(x, (T)0)) / ((T)1 + exp(-fabs(x)))"),
    "sigmoid_backward": ("T g, T y", "T gx", "gx = ((T)1 - y) * y * g"),
    "tanh_backward": ("T g, T y", "T gx", "gx = g * ((T)1 - y * y)"),
    "relu_backward": ("T g, T y", "T gx", "gx = g * (T)(y > (T)0)"),
    # theta -= lr * g
    "sgd_step": ("T g, T lr", "T p", "p -= g * lr"),
    # sum += g^2; theta -= clr * g / (sqrt(sum) + eps), as optim.Adagrad
    "adagrad_step": (
        "T g, T clr, T eps",
        "T p, T acc",
        "acc += g * g; p -= g / (sqrt(acc) + eps) * clr",
    ),
    # m += (1 - b1)(g - m); v = b2 v + (1 - b2) g^2;
    # theta -= step_size * m / (sqrt(v) / sqrt(1 - b2^t) + eps), as optim.Adam
    # (1 - b1 and 1 - b2 come in computed in double precision, as the plain path has them)
    "adam_step": (
        "T g, T one_minus_beta1, T beta2, T one_minus_beta2, T step_size, T bias2_sqrt, T eps",
        "T p, T m, T v",
        "m += (g - m) * one_minus_beta1; v = v * beta2 + g * g * one_minus_beta2; "
        "p -= m / (sqrt(v) / bias2_sqrt + eps) * step_size",
    ),
}

_enabled = [True]
_built: dict = {}
_NUMPY = np.ndarray  # the CPU path pays one type test for the GPU's kernels
_CUPY_INSTALLED = importlib.util.find_spec("cupy") is not None
_SCALARS = (int, float)
F = TypeVar("F", bound=Callable[..., Any])


def usable(*arrays) -> bool:
    """Whether a fused kernel applies to ``arrays``: CuPy arrays of one dtype, float32 or
    float64, with kernels enabled."""
    first = arrays[0]
    if not _enabled[0] or type(first) is np.ndarray or first.dtype.char not in "fd":
        return False
    return all(type(a) is type(first) and a.dtype == first.dtype for a in arrays[1:])


@contextlib.contextmanager
def disabled() -> Iterator[None]:
    """Run the plain path on the GPU as well (to compare against, or to time)."""
    before = _enabled[0]
    _enabled[0] = False
    try:
        yield
    finally:
        _enabled[0] = before


def kernel(name: str):
    """The CuPy ``ElementwiseKernel`` called ``name`` (built on first use)."""
    k = _built.get(name)
    if k is None:
        import cupy  # noqa: PLC0415 - only reached for CuPy arrays

        inputs, outputs, body = SPECS[name]
        k = _built[name] = cupy.ElementwiseKernel(inputs, outputs, body, f"neuronet_{name}")
    return k


def fused(name: str, reference: F) -> F:
    """``reference``, run as the fused kernel ``name`` where the kernel applies: its
    ``dispatcher`` where CuPy is installed, else ``reference`` itself (marked with its kernel's
    name as ``.kernel_name``, so that tests can put a dispatcher in its place)."""
    reference.kernel_name = name  # type: ignore[attr-defined]
    if not _CUPY_INSTALLED:
        return reference
    return dispatcher(name, reference)


def dispatcher(name: str, reference: F) -> F:
    """``reference``, run as the fused kernel ``name`` where the kernel applies.

    The kernel takes the reference's leading arguments (its inputs, then the arrays it updates
    in place: the parameters of ``SPECS[name]`` in order); a reference may take trailing work
    arrays that the kernel does not need. A call whose first argument is a NumPy array (one
    type test) or is a tensor (in a backward pass with ``create_graph``), or
    that ``usable`` refuses, runs ``reference`` itself, which stays reachable as ``.reference``.
    """
    inputs, outputs, _ = SPECS[name]
    count = inputs.count(",") + outputs.count(",") + 2

    @functools.wraps(reference)
    def dispatch(*args):
        first = args[0]
        if type(first) is _NUMPY or hasattr(first, "grad_fn") or isinstance(first, _NUMPY):
            return reference(*args)  # (NumPy arrays, or tensors in a recorded backward pass)
        given = args[:count]
        if usable(*[a for a in given if not isinstance(a, _SCALARS)]):
            return kernel(name)(*given)
        return reference(*args)

    dispatch.reference = reference  # type: ignore[attr-defined]
    return dispatch  # type: ignore[return-value]
