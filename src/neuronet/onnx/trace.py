"""One forward pass recorded op by op, for export.

Every op makes its output through ``neuronet.tensor.record``. While ``trace`` runs, the modules
that call it see a stand-in that calls the real ``record`` and also keeps, for each op, a
``TracedOp``: the node name, the op function that called ``record``, its input tensors, its saved
values, its output tensor and that function's local variables at the call (its arguments and
what it computed from them: dims, shapes, scalars, flags). The exporter reads the attributes of
each op from these. In-place writes (``ops.inplace.apply_inplace``) are traced as the
out-of-place op followed by an ``InplaceWrite`` entry that makes the written tensor stand for
the op's result.

The stand-in exists only inside ``trace``: outside it nothing is looked up or recorded, so the
engine's per-op cost is untouched. Ops are traced whether or not their inputs require grad
(the integer slicing of ids, for example), and the pass runs without building autograd nodes.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from ..autograd.grad_mode import no_grad
from ..ops import inplace as _inplace
from ..tensor import Tensor
from ..tensor import record as _record

#: The name of the entry that an in-place write leaves in a trace.
INPLACE_WRITE = "InplaceWrite"
#: The name of the entries of comparisons and logical ops (which have no gradient and make
#: their output with ``Tensor._make``, not ``record``); ``fn`` names the op.
COMPARE = "Compare"
_COMPARE_MODULE = "neuronet.ops.compare"


@dataclass(eq=False)
class TracedOp:
    """One op of a traced forward pass."""

    #: The node name the op gives ``record`` (PyTorch's grad_fn name, e.g. "AddmmBackward0").
    name: str
    #: The name of the op function that called ``record`` (e.g. "linear", "_index").
    fn: str
    inputs: tuple
    saved: tuple
    out: Tensor
    #: That function's local variables when it called ``record``.
    locals: dict = field(repr=False)
    #: The op's VJP (whose closure some ops keep their attributes in).
    backward: Callable | None = field(default=None, repr=False)

    def closure(self, name: str) -> Any:
        """The value of the free variable ``name`` of the op's VJP."""
        code = getattr(self.backward, "__code__", None)
        cells = getattr(self.backward, "__closure__", None) or ()
        if code is not None and name in code.co_freevars:
            return cells[code.co_freevars.index(name)].cell_contents
        raise KeyError(name)


def _patched(name: str, original: Any) -> list:
    """The neuronet modules whose global ``name`` is ``original``."""
    return [
        m
        for key, m in list(sys.modules.items())
        if key.split(".")[0] == "neuronet" and m is not None and vars(m).get(name) is original
    ]


@contextmanager
def _tracing(ops: list) -> Iterator[None]:
    real_record = _record
    real_inplace = _inplace.apply_inplace

    def traced_record(data, inputs, backward, name, saved):
        out = real_record(data, inputs, backward, name, saved)
        caller = sys._getframe(1)
        ops.append(
            TracedOp(
                name,
                caller.f_code.co_name,
                tuple(inputs),
                tuple(saved),
                out,
                dict(caller.f_locals),
                backward,
            )
        )
        return out

    def traced_inplace(t, op, *args, **kwargs):
        result = op(t, *args, **kwargs)
        x = t._data
        if result._data is not x:
            x[...] = result._data
        ops.append(TracedOp(INPLACE_WRITE, "apply_inplace", (result,), (), t, {}))
        return t

    real_make = Tensor.__dict__["_make"]

    def traced_make(data, requires_grad=False):
        out = real_make.__func__(data, requires_grad)
        caller = sys._getframe(1)
        if caller.f_globals.get("__name__") == _COMPARE_MODULE:
            local = dict(caller.f_locals)
            fn = local.get("fn_name") or local.get("name") or caller.f_code.co_name
            inputs = tuple(local[k] for k in ("a", "b") if isinstance(local.get(k), Tensor))
            ops.append(TracedOp(COMPARE, fn, inputs or (local["input"],), (), out, local))
        return out

    swaps: list[tuple[Any, str, Any, Any]] = [
        (m, "record", real_record, traced_record) for m in _patched("record", real_record)
    ]
    swaps.append((Tensor, "_make", real_make, staticmethod(traced_make)))
    swaps += [
        (m, "apply_inplace", real_inplace, traced_inplace)
        for m in _patched("apply_inplace", real_inplace)
    ]
    for module, name, _, stand_in in swaps:
        setattr(module, name, stand_in)
    try:
        yield
    finally:
        for module, name, original, _ in swaps:
            setattr(module, name, original)


def trace(
    fn: Callable[..., Any], args: Sequence, kwargs: Mapping[str, Any] | None = None
) -> tuple[list, Any]:
    """``(ops, result)``: the ops of one call ``fn(*args, **kwargs)``, in the order they ran,
    and what it returned. Nothing requires grad in the pass (``no_grad``)."""
    ops: list[TracedOp] = []
    with no_grad(), _tracing(ops):
        result = fn(*args, **(kwargs or {}))
    return ops, result
