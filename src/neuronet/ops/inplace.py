"""In-place ops: ``add_``, ``mul_``, ``+=``, ``x[mask] = 0``, ``relu_``, ``zero_`` and the rest.

Each writes into the tensor's own array (its views see the change), bumps the version of that
memory and returns the tensor itself, with PyTorch's rules:

- the result must fit the tensor: its shape (no broadcasting of the tensor itself) and its
  dtype (a float result is not written into an integer tensor, and so on: PyTorch's
  ``canCast``);
- with the grad mode on, when the tensor or an operand requires grad, a leaf that requires grad
  (or a view of one) refuses; any other tensor joins the graph. The op runs out of place, with
  its usual VJP, on a stand-in tensor that carries the tensor's old place in the graph (its
  ``grad_fn``, or none) and, when a recorded VJP reads the old values, a copy of them; the
  result is written into the tensor, which takes the new node as its ``grad_fn``. A VJP that
  saved the tensor's memory earlier (``y = x.sigmoid(); y.mul_(2)``) then refuses to run at
  backward time (``graph.check_saved``), as PyTorch's version check does;
- under ``no_grad()`` anything may be written in place, without a graph.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable
from typing import Any

import numpy as np

from ..autograd import grad_mode
from ..autograd.graph import _TENSOR_TYPES, Node, saved_arrays
from ..autograd.versions import _root, bump
from ..autograd.versions import sequence as _sequence
from ..backend import get_xp
from ..tensor import Tensor, record
from ._util import constant, unbroadcast
from .array_api import array_api
from .conversion import cast, to_device
from .indexing import _prepared, index_put

_grad_enabled = grad_mode._enabled
_next_seq = _sequence.__next__

_LEAF = "a leaf Variable that requires grad is being used in an in-place operation."
_VIEW_OF_LEAF = "a view of " + _LEAF


def _type_name(dtype) -> str:
    return _TENSOR_TYPES.get(dtype.str[1:], str(dtype).capitalize())


def _can_cast(src, dst) -> bool:
    """PyTorch's ``canCast``: no float or complex into integers or bools, no complex into
    reals, nothing but bools into bools."""
    if src.kind == "c" and dst.kind != "c":
        return False
    if src.kind in "fc" and dst.kind in "iub":
        return False
    return not (src.kind != "b" and dst.kind == "b")


def _check_fits(x, out) -> None:
    if out.shape != x.shape:
        raise RuntimeError(
            f"output with shape {list(x.shape)} doesn't match the broadcast shape {list(out.shape)}"
        )
    if out.dtype != x.dtype and not _can_cast(out.dtype, x.dtype):
        raise RuntimeError(
            f"result type {_type_name(out.dtype)} can't be cast to the desired output type "
            f"{_type_name(x.dtype)}"
        )


def _requires_grad(args, kwargs) -> bool:
    for v in args:
        if isinstance(v, Tensor) and v._requires_grad:
            return True
    return any(isinstance(v, Tensor) and v._requires_grad for v in kwargs.values())


def apply_inplace(t: Tensor, op: Callable[..., Tensor], *args, **kwargs) -> Tensor:
    """``t`` set to ``op(t, *args, **kwargs)`` in place (the rules of this module); returns
    ``t``. ``op`` is any out-of-place op of the library."""
    if _grad_enabled[0] and (t._requires_grad or _requires_grad(args, kwargs)):
        return _in_graph(t, op, args, kwargs)
    x = t._data
    out = op(t, *args, **kwargs)._data  # (nothing is recorded: nothing requires grad)
    if out is not x:
        _check_fits(x, out)
        x[...] = out
    bump(x)
    return t


def _stand_in(t: Tensor, array) -> Tensor:
    """A tensor over ``array`` with ``t``'s place in the graph (the op's input in its stead)."""
    old = Tensor._make(array, t._requires_grad)
    old.grad_fn = t.grad_fn
    return old


def _check_not_view_of_leaf(t: Tensor) -> None:
    """Refuse a view (through the graph's view ops) of a leaf that requires grad."""
    root = _root(t._data)
    node = t.grad_fn
    while node is not None:
        below = None
        for i in node.inputs:
            if _root(i._data) is root:
                if i.grad_fn is None and i._requires_grad:
                    raise RuntimeError(_VIEW_OF_LEAF)
                below = i.grad_fn
                break
        node = below


def _nodes_since(node: Node | None, start: int) -> list[Node]:
    """The nodes recorded after sequence number ``start`` on the paths below ``node``."""
    found: list[Node] = []
    stack = [node]
    seen: set[int] = set()
    while stack:
        n = stack.pop()
        if n is None or n.seq <= start or id(n) in seen:
            continue
        seen.add(id(n))
        found.append(n)
        stack.extend(i.grad_fn for i in n.inputs)
    return found


_NO_COPY, _SWAP, _RERUN = 0, 1, 2


def _old_values_read(nodes: list[Node], x) -> int:
    """Whether the VJPs of ``nodes`` read ``x``'s values: not at all, only as ``x`` itself among
    their ``saved`` values (which a copy can replace), or otherwise (as a view of it)."""
    root = _root(x)
    need = _NO_COPY
    for n in nodes:
        for s in saved_arrays(n):
            if s is x:
                need = _SWAP
            elif _root(s) is root:
                return _RERUN
    return need


def _in_graph(t: Tensor, op: Callable[..., Tensor], args, kwargs) -> Tensor:
    """``apply_inplace`` when autograd records it: ``t`` takes the op's node."""
    fn = t.grad_fn
    if fn is None and t._requires_grad:
        raise RuntimeError(_LEAF)
    x = t._data
    base = None
    if fn is not None and getattr(x, "base", None) is not None:
        _check_not_view_of_leaf(t)
        base = _viewed(t)
    start = _next_seq()
    old = _stand_in(t, x)
    out = op(old, *args, **kwargs)
    _check_fits(x, out._data)
    if out._data.dtype != x.dtype:
        out = cast(out, x.dtype)
    nodes = _nodes_since(out.grad_fn, start)
    need = _old_values_read(nodes, x)
    if need == _RERUN:  # the op again, on a copy of the old values
        out = op(_stand_in(t, x.copy()), *args, **kwargs)
        if out._data.dtype != x.dtype:
            out = cast(out, x.dtype)
    elif need == _SWAP:
        kept = old._data = x.copy()
        for n in nodes:
            n.saved = tuple(kept if s is x else s for s in n.saved or ())
    result = out._data
    if result is not x:
        x[...] = result
    bump(x)
    node = out.grad_fn
    if node is not None:
        node.seq = _next_seq()  # (ordered after the write, as the op's result is)
        node.replaced = old  # (nodes that read t before the write find old's node through it)
        if fn is not None and fn.retained is t:  # .grad is the new value's gradient
            fn.retained = None
            node.retained = t
    t.grad_fn = node
    t._requires_grad = out._requires_grad
    if base is not None:
        _rebase(base, t)
    return t


def _viewed(t: Tensor) -> Tensor | None:
    """The tracked tensor that ``t`` is a view of, through the op that made ``t`` (an input of
    that op's node over the same memory; past the nodes of earlier in-place writes), or None."""
    fn = t.grad_fn
    before = getattr(fn, "replaced", None)
    while before is not None:  # (written in place before: the view was made below that)
        fn = before.grad_fn
        before = getattr(fn, "replaced", None)
    if fn is None:
        return None
    root = _root(t._data)
    for i in fn.inputs:
        if (
            i is not before
            and i._requires_grad
            and i._data is not t._data
            and _root(i._data) is root
        ):
            return i
    return None


def _rebase(base: Tensor, view: Tensor) -> None:
    """After an in-place op on ``view`` (a view of the tracked ``base``), give ``base`` the
    graph of its new values, as PyTorch's view + in-place rebase: ``base`` becomes
    ``index_put(base, positions, view)`` (CopySlices), where ``positions`` are the elements of
    ``base`` that ``view`` covers, found from the two arrays' places in their shared memory.
    The values are already there (one memory); only the graph changes, so gradients reaching
    ``base`` flow through the in-place op into the view's region and past it elsewhere."""
    apply_inplace(base, index_put, _positions_in(base._data, view._data), view)


def _positions_in(base, view) -> tuple:
    """For each element of ``view``, its index in ``base`` (one index array per dim of
    ``base``, of ``view``'s shape): both are laid over the memory of one owner, whose elements
    are numbered, and ``view``'s numbers are looked up among ``base``'s."""
    xp = get_xp(base)
    owner = _root(base)
    numbers = xp.arange(owner.size, dtype=np.int64)
    lookup = xp.full(owner.size, -1, dtype=np.int64)
    lookup[_laid_over(numbers, owner, base).reshape(-1)] = xp.arange(base.size, dtype=np.int64)
    flat = lookup[_laid_over(numbers, owner, view)]
    return tuple(xp.asarray(i) for i in xp.unravel_index(flat, base.shape))


def _laid_over(numbers, owner, array):
    """``numbers`` (one per element of ``owner``'s memory) seen through ``array``'s shape,
    strides and offset in that memory."""
    xp = get_xp(owner)
    size = owner.itemsize
    offset = (_address(array) - _address(owner)) // size
    strides = tuple(st // size * numbers.itemsize for st in array.strides)
    return xp.lib.stride_tricks.as_strided(numbers[offset:], array.shape, strides)


def _address(array) -> int:
    interface = getattr(array, "__array_interface__", None)
    return interface["data"][0] if interface is not None else array.data.ptr


def copied(a: Tensor, src) -> Tensor:
    """``src`` (a tensor, number or array) broadcast to ``a``'s shape and cast to its dtype,
    as a new tensor: what ``a.copy_(src)`` writes. Gradients: zero for ``a``, ``g`` summed
    down to ``src``'s shape for ``src``."""
    x = a._data
    if not isinstance(src, Tensor):
        src = constant(src, a)
    elif type(src._data) is not type(x):
        src = to_device(src, a.device)
    if src._data.dtype != x.dtype:
        src = cast(src, x.dtype)
    xp = get_xp(x)
    try:
        out = xp.broadcast_to(src._data, x.shape)
    except ValueError:
        raise RuntimeError(
            f"the source of shape {list(src._data.shape)} does not broadcast to the tensor's "
            f"shape {list(x.shape)}"
        ) from None
    sshape = src._data.shape

    def backward(g, needs):
        xg = array_api(g)
        return (
            xg.zeros_like(g) if needs[0] else None,
            unbroadcast(g, sshape) if needs[1] else None,
        )

    return record(out, (a, src), backward, "CopyBackwards", ())


def copy_(t: Tensor, src, non_blocking: bool = False) -> Tensor:
    """Write ``src`` (broadcast) into ``t``, cast to ``t``'s dtype."""
    return apply_inplace(t, copied, src)


def fill_(t: Tensor, value) -> Tensor:
    """Every entry of ``t`` set to ``value`` (a number or a 0-d tensor)."""
    if isinstance(value, Tensor) and value._data.ndim != 0:
        raise RuntimeError(
            "fill_ only supports 0-dimension value tensor but got tensor with "
            f"{value._data.ndim} dimensions."
        )
    return apply_inplace(t, copied, value)


def zero_(t: Tensor) -> Tensor:
    """Every entry of ``t`` set to 0."""
    return apply_inplace(t, copied, 0)


_OPERANDS = (Tensor, numbers.Number, np.ndarray, np.generic, list, tuple)


def method(op: Callable[..., Tensor], name: str, doc: str | None = None) -> Callable[..., Tensor]:
    """The in-place method ``name`` of out-of-place ``op``: ``t.name(*args)`` sets ``t`` to
    ``op(t, *args)`` in place and returns ``t``."""

    def inplace(self: Tensor, *args, **kwargs) -> Tensor:
        return apply_inplace(self, op, *args, **kwargs)

    inplace.__name__ = inplace.__qualname__ = name
    inplace.__doc__ = doc or f"In place: ``t = {getattr(op, '__name__', name[:-1])}(t, ...)``."
    return inplace


def augmented(op: Callable[..., Tensor], name: str) -> Callable[..., Any]:
    """The augmented assignment ``name`` (``__iadd__``, ...) of ``op``. An operand of a type
    the library does not know gets Python's fallback, ``x = x + y``: its reflected operator
    (``__radd__``), or ``NotImplemented`` when it has none."""

    reflected = "__r" + name[3:]

    def inplace(self: Tensor, other) -> Any:
        if not isinstance(other, _OPERANDS) and not hasattr(other, "__cuda_array_interface__"):
            fallback = getattr(type(other), reflected, None)  # (what ``x = x + y`` would call)
            return NotImplemented if fallback is None else fallback(other, self)
        return apply_inplace(self, op, other)

    inplace.__name__ = inplace.__qualname__ = name
    return inplace


def fill_from_host(t: Tensor, values) -> Tensor:
    """Write host (NumPy) ``values`` into ``t`` in place, dtype and device kept, without the
    autograd check: what the initialisers and the random fills (``uniform_``) do."""
    xp = get_xp(t._data)
    t._data[...] = values if xp is np else xp.asarray(values)
    return t


def setitem(a: Tensor, key, value) -> None:
    """``a[key] = value``, in place (``x[x < 0] = 0``), with PyTorch's placement of integers
    mixed with index arrays. When ``a`` or ``value`` requires grad (and the grad mode is on),
    ``a`` takes ``index_put``'s node (PyTorch's CopySlices)."""
    tracked = a._requires_grad or isinstance(value, Tensor) and value._requires_grad
    if tracked and _grad_enabled[0]:
        apply_inplace(a, index_put, key, value)
        return
    x = a._data
    key, split, _ = _prepared(key, x)
    v = value._data if isinstance(value, Tensor) else value
    if split is None:
        x[key] = v
    else:
        x[split[0]][split[1]] = v  # (x[split[0]] is a view of x)
    bump(x)
