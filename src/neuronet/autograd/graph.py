"""The recorded graph and the backward pass.

Each differentiable op that sees an input requiring grad records a ``Node`` on its output:
the op's inputs and its vector-Jacobian product ``backward(grad, needs) -> grads``, one per
input (``None`` where ``needs[i]`` is False). The backward pass walks the nodes iteratively in
reverse topological order, so depth is limited by memory, never by Python's recursion limit.
Each node runs once, after all of its consumers have handed it their gradient: the upstream
gradient (the notes' delta) is computed once and reused by every layer below.
"""
from __future__ import annotations

from typing import Callable, Sequence

FREED = "FREED"


class Node:
    """One recorded op: its inputs and the VJP from its output's gradient to theirs."""

    __slots__ = ("name", "inputs", "backward", "needs", "retained", "hooks")

    def __init__(self, name: str, inputs: tuple, backward: Callable, needs: tuple) -> None:
        self.name = name
        self.inputs = inputs
        self.backward = backward
        self.needs = needs
        self.retained = None  # the output tensor, when it asked to keep its .grad
        self.hooks = None

    def __repr__(self) -> str:
        return f"<{self.name}>"

    def name_(self) -> str:
        return self.name


def _consumer_counts(roots: Sequence[Node]) -> dict:
    """How many recorded uses each node reachable from ``roots`` has (iterative DFS)."""
    counts: dict = {}
    stack = list(roots)
    seen = set(roots)
    while stack:
        node = stack.pop()
        for t in node.inputs:
            fn = t.grad_fn
            if fn is None:
                continue
            counts[fn] = counts.get(fn, 0) + 1
            if fn not in seen:
                seen.add(fn)
                stack.append(fn)
    return counts


def _owned(array, stored: set):
    """``array`` itself if nothing else may hold it; otherwise a copy (a leaf's .grad is its own)."""
    if getattr(array, "base", None) is not None or id(array) in stored or not array.flags.writeable:
        return array.copy()
    stored.add(id(array))
    return array


Tensor = None  # neuronet.tensor.Tensor, set by that module (the two refer to each other)


def run_backward(tensors: Sequence, grads: Sequence, retain_graph: bool,
                 capture: Sequence | None = None) -> dict | None:
    """Backpropagate ``grads`` (arrays) from ``tensors``.

    Without ``capture``, gradients accumulate into the ``.grad`` of leaves that require grad
    (and of interior tensors that called ``retain_grad()``). With ``capture`` (a list of
    tensors), no ``.grad`` is touched: the gradients of exactly those tensors are returned as a
    dict keyed by ``id(tensor)`` (``None`` where unused); this is ``neuronet.autograd.grad``.
    """
    captured = None if capture is None else {id(t): None for t in capture}
    capture_nodes = {} if capture is None else {t.grad_fn: id(t) for t in capture
                                                if t.grad_fn is not None}
    pending: dict = {}  # node -> gradient of its output, summed over the consumers seen so far
    stored: set = set()
    roots = []
    for t, g in zip(tensors, grads):
        if t.grad_fn is None:  # backward from a leaf: its gradient is the seed itself
            _deliver_leaf(t, g, captured, stored)
            continue
        node = t.grad_fn
        pending[node] = pending[node] + g if node in pending else g
        if node not in roots:
            roots.append(node)
    counts = _consumer_counts(roots)
    ready = [n for n in roots if counts.get(n, 0) == 0]
    while ready:
        node = ready.pop()
        g = pending.pop(node)
        if node.retained is not None or node.hooks or capture_nodes:
            g = _node_extras(node, g, captured, capture_nodes, stored)
        backward = node.backward
        if backward is None:
            raise RuntimeError(
                f"Trying to backward through the graph a second time (through {node.name}): its "
                "saved values were freed by the first backward. Pass retain_graph=True to the "
                "first backward() if you need to call it twice.")
        input_grads = backward(g, node.needs)
        if not retain_graph:
            node.backward = None
        for t, ig in zip(node.inputs, input_grads):
            if ig is None:
                continue
            fn = t.grad_fn
            if fn is None:
                if t.requires_grad:
                    _deliver_leaf(t, ig, captured, stored)
                continue
            if fn in pending:
                pending[fn] = pending[fn] + ig
            else:
                pending[fn] = ig if hasattr(ig, "flags") else ig.dense()
            left = counts[fn] - 1
            counts[fn] = left
            if left == 0:
                ready.append(fn)
    return captured


def _node_extras(node: Node, g, captured, capture_nodes: dict, stored: set):
    """The rare per-node work: a retained .grad, a captured gradient, hooks."""
    if node.retained is not None and captured is None:
        _accumulate(node.retained, g, stored)
    if node in capture_nodes:
        captured[capture_nodes[node]] = g
    if node.hooks:
        for hook in node.hooks:
            new = hook(Tensor._make(g))
            if new is not None:
                g = new.data
    return g


def _deliver_leaf(t, g, captured, stored) -> None:
    if g.dtype != t.data.dtype:
        g = g.astype(t.data.dtype)
    if (captured is not None or t._hooks) and not hasattr(g, "flags"):
        g = g.dense()  # a sparse RowsGrad, made dense for the caller or the hook
    if captured is not None:
        key = id(t)
        if key in captured:
            captured[key] = g if captured[key] is None else captured[key] + g
        return
    if t._hooks:
        for hook in t._hooks:
            new = hook(Tensor._make(g))
            if new is not None:
                g = new.data
    _accumulate(t, g, stored)


def _accumulate(t, g, stored) -> None:
    """Add ``g`` into ``t.grad``; out of place, so no array seen elsewhere is ever modified
    (except a buffer this pass made itself, into which sparse row gradients are added)."""
    if tuple(g.shape) != t.data.shape:
        raise RuntimeError(f"internal error: gradient of shape {g.shape} for a tensor of shape "
                           f"{t.data.shape}")
    if not hasattr(g, "flags"):  # a sparse RowsGrad
        if t.grad is not None and ("rows", id(t.grad.data)) in stored:
            g.add_into(t.grad.data)  # a buffer this pass made below, seen by no one else
        else:
            dense = g.dense()
            stored.add(("rows", id(dense)))
            if t.grad is None:
                t.grad = Tensor._make(dense)
            else:
                dense += t.grad.data
                t.grad.data = dense
        return
    if t.grad is None:
        t.grad = Tensor._make(_owned(g, stored))
    else:
        t.grad.data = t.grad.data + g
