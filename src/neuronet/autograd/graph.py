"""The recorded graph and the backward pass.

Each differentiable op that sees an input requiring grad records a ``Node`` on its output:
the op's inputs, its vector-Jacobian product ``backward(grad, needs) -> grads`` (one per input,
``None`` where ``needs[i]`` is False) and a sequence number that grows with every node made.

The backward pass keeps the nodes that have received a gradient in a heap and always runs the
one with the highest sequence number next. A node is made after all of its inputs, so every
consumer of a node runs before it: when a node runs, its gradient (the notes' delta) is complete,
and it is computed once and reused by everything below. The walk is iterative, so depth is
limited by memory, never by Python's recursion limit, and it needs no separate pass to count
consumers (PyTorch's engine orders its ready queue by sequence number the same way). Only
while some leaf has gradient or post-accumulate-grad hooks (``hooked_leaves``) does a pass first
count the gradients each such leaf will receive, so that its hooks run as soon as its gradient is
complete, during the pass, as PyTorch's ``AccumulateGrad`` runs them (data-parallel training
starts each gradient bucket's allreduce from these hooks while the rest of the pass goes on).

Gradients are arrays, or row gradients (``rows.RowsGrad``, from embedding lookups): only
``_LeafGrads`` handles those, adding them into leaves and making them dense for nodes.
"""

from __future__ import annotations

import heapq
import weakref
from collections.abc import Callable, Sequence
from typing import Any, overload

import numpy as np

from ..backend import get_xp
from .anomaly_mode import _state as _anomaly
from .anomaly_mode import check_gradients
from .grad_mode import enable_grad, no_grad
from .rows import RowsGrad, remember_rows, written_rows
from .versions import newest_write, version, version_before, written_after


# The engine hands gradients to hooks and to leaves' ``.grad`` as tensors. ``neuronet.tensor``,
# which sits above the engine, sets this to ``Tensor._make`` (a tensor around an array) when it
# is imported, so the engine never imports it. Tensors are typed ``Any`` here for that reason.
def _no_tensor_module(array: Any) -> Any:
    raise RuntimeError("internal error: neuronet.tensor was not imported before a backward pass")


make_tensor: Callable[[Any], Any] = _no_tensor_module


class Node:
    """One recorded op: its inputs and the VJP from its output's gradient to theirs.

    ``neuronet.tensor.record`` makes one per recorded op and sets its slots: ``name``,
    ``inputs`` (tensors), ``backward`` (the VJP), ``needs`` (which inputs require grad), ``seq``
    (the next number of ``versions.sequence``), ``extra`` (None; see below), ``saved`` (the
    values the VJP reads, passed after ``needs``; None once freed) and ``out`` (the output
    array, which tells it apart from the other arrays among ``saved``).
    ``retained`` (the output tensor, when it asked to keep its ``.grad``) and ``hooks`` (the
    output's gradient hooks) are kept together in ``extra``, which stays None for a node that
    has neither: the backward pass tests that one slot per node.
    A node made by an in-place op also has ``replaced``: the stand-in tensor for the value the
    op overwrote, through which nodes recorded before the write find that value's node
    (``producer``); no other node sets it.
    """

    __slots__ = (
        "name", "inputs", "backward", "needs", "seq", "extra", "saved", "out", "replaced",
    )  # fmt: skip
    name: str
    inputs: tuple[Any, ...]
    backward: Callable[..., Sequence[Any]] | None
    needs: tuple[bool, ...]
    seq: int
    extra: list | None  # [retained, hooks], or None when both are None
    saved: tuple[Any, ...] | None
    out: Any
    replaced: Any

    @property
    def retained(self) -> Any:
        """The output tensor, when it called ``retain_grad()``; else None."""
        extra = self.extra
        return None if extra is None else extra[0]

    @retained.setter
    def retained(self, tensor: Any) -> None:
        self._set_extra(0, tensor)

    @property
    def hooks(self) -> list[Callable[[Any], Any]] | None:
        """The output's gradient hooks (``register_hook``), or None."""
        extra = self.extra
        return None if extra is None else extra[1]

    @hooks.setter
    def hooks(self, hooks: list[Callable[[Any], Any]] | None) -> None:
        self._set_extra(1, hooks)

    def _set_extra(self, index: int, value: Any) -> None:
        extra = self.extra if self.extra is not None else [None, None]
        extra[index] = value
        self.extra = None if extra[0] is None and not extra[1] else extra

    def __repr__(self) -> str:
        return f"<{self.name}>"


@overload
def run_backward(
    tensors: Sequence, grads: Sequence, retain_graph: bool, capture: None = None
) -> None: ...
@overload
def run_backward(
    tensors: Sequence, grads: Sequence, retain_graph: bool, capture: Sequence
) -> dict: ...
def run_backward(
    tensors: Sequence, grads: Sequence, retain_graph: bool, capture: Sequence | None = None
) -> dict | None:
    """Backpropagate ``grads`` (arrays) from ``tensors``.

    Without ``capture``, gradients accumulate into the ``.grad`` of leaves that require grad
    (and of interior tensors that called ``retain_grad()``). With ``capture`` (a list of
    tensors), no leaf's ``.grad`` is touched: the gradients of exactly those tensors are
    returned as a dict keyed by ``id(tensor)`` (``None`` where unused), and only the nodes on a
    path to them run (their hooks and retained ``.grad`` too, as in PyTorch); this is
    ``neuronet.autograd.grad``.
    """
    captured: dict | None = None
    capture_nodes: dict = {}
    run = visit = None  # all nodes, without capture
    expected = None
    if capture is not None:
        captured = {id(t): None for t in capture}
        capture_nodes = {t.grad_fn: id(t) for t in capture if t.grad_fn is not None}
        run, visit = _on_paths_to(tensors, capture_nodes, captured)
    elif hooked_leaves:
        expected = _hooked_leaf_edges(tensors)
    leaves = _LeafGrads(captured, expected)
    pending: dict = {}  # node -> the sum of the gradients its consumers have sent so far
    heap: list = []
    node = g = None
    root = tensors[0].grad_fn if len(tensors) == 1 else None
    if root is not None and (visit is None or root in visit):  # one root: it runs first
        node, g = root, grads[0]
    else:
        for t, root_grad in zip(tensors, grads):
            if visit is None or t.grad_fn is None or t.grad_fn in visit:
                _send_to(t, t.grad_fn, root_grad, pending, heap, leaves)
    push, pop, deliver, for_node = heapq.heappush, heapq.heappop, leaves.deliver, leaves.for_node
    accumulate, plain, anomaly = leaves.accumulate, captured is None, _anomaly[0]
    written = newest_write
    while node is not None or heap:
        if node is None:
            node = pop(heap)[1]
            g = pending.pop(node)
        if node.extra is not None or capture_nodes:  # (a retained .grad, hooks)
            runs = run is None or node in run
            g = _node_extras(node, g, leaves, capture_nodes, runs)
            if not runs:  # captured, and nothing wanted below it
                node = None
                continue
        saved = node.saved  # (None once freed)
        if saved is None or node.seq < written[0]:  # freed, or written in place since recorded
            _run_stale(node, g, retain_graph, pending, heap, leaves, visit)
            node = None
            continue
        backward = node.backward
        if not saved:
            input_grads = backward(g, node.needs)
        elif len(saved) == 1:  # (positional calls: cheaper than unpacking with *)
            input_grads = backward(g, node.needs, saved[0])
        elif len(saved) == 2:
            input_grads = backward(g, node.needs, saved[0], saved[1])
        else:
            input_grads = backward(g, node.needs, *saved)
        if anomaly:
            check_gradients(node, input_grads)
        if not retain_graph:
            node.backward = node.saved = None
        # Hand each input gradient on (``_send_to``, inlined: this runs once per edge). The first
        # node reached for the first time is held back in ``nxt``: when no queued node comes
        # after it, it runs next without passing through ``pending`` and the heap.
        nxt = nxt_g = None
        for t, ig in zip(node.inputs, input_grads):
            if ig is None:
                continue
            fn = t.grad_fn
            if fn is None:
                if t._requires_grad:
                    if plain and t._hooks is None and type(ig) is not RowsGrad:
                        accumulate(t, ig)  # the common case: a dense gradient, no hooks
                    else:
                        deliver(t, ig)
            elif fn in pending:
                pending[fn] = pending[fn] + ig
            elif fn is nxt:
                nxt_g = nxt_g + ig
            else:
                if visit is not None and fn not in visit:
                    continue  # (autograd.grad: no captured tensor below it)
                if type(ig) is RowsGrad:
                    ig = for_node(ig)
                if nxt is not None:
                    pending[nxt] = nxt_g
                    push(heap, (-nxt.seq, nxt))
                nxt, nxt_g = fn, ig
        if nxt is not None and heap and -heap[0][0] > nxt.seq:
            pending[nxt] = nxt_g
            push(heap, (-nxt.seq, nxt))
            nxt = None
        node, g = nxt, nxt_g
    if leaves.summed or leaves.rows:  # (what was kept for the end of the pass)
        leaves.flush()
    return captured


def _run_stale(node: Node, g, retain_graph: bool, pending: dict, heap: list, leaves, visit) -> None:
    """``run_backward``'s step for a node that was freed (raises) or is older than the newest
    write in place: its saved values are checked (``check_saved``), and each input's gradient
    goes to the node that made the value it read (``producer``: the input may have been
    written in place since), through ``pending`` and the heap."""
    saved = node.saved
    if saved is None:
        raise _freed(node)
    check_saved(node)
    seq = node.seq
    input_grads = node.backward(g, node.needs, *saved)  # type: ignore[misc]
    if _anomaly[0]:
        check_gradients(node, input_grads)
    if not retain_graph:
        node.backward = node.saved = None
    for t, ig in zip(node.inputs, input_grads):
        if ig is None:
            continue
        fn = t.grad_fn
        if fn is not None and fn.seq > seq:  # t written in place since node read it
            fn = producer(t, seq)
            if fn is None:
                continue  # (the value read was a constant)
        if fn is None or visit is None or fn in visit:
            _send_to(t, fn, ig, pending, heap, leaves)


class LeafRegistry(dict):
    """``id(leaf) -> weak reference to the leaf``; an entry goes when its leaf is collected. A
    plain dict underneath, so that ``if hooked_leaves:`` is one C-level test per pass."""

    def add(self, leaf: Any) -> None:
        key = id(leaf)

        def forget(ref: weakref.ref) -> None:
            if self.get(key) is ref:
                del self[key]

        self[key] = weakref.ref(leaf, forget)


#: The leaves that registered a gradient hook or a post-accumulate-grad hook.
hooked_leaves = LeafRegistry()


def _hooked_leaf_edges(roots: Sequence) -> dict:
    """``id(leaf) -> the number of gradients it can receive in a pass from roots``, for each
    hooked leaf (``_hooks`` not None) below ``roots``: one per root that is the leaf, one per
    edge from a node below the roots to it. A count that is never reached (a VJP that returns
    None for an input) only delays the leaf's hooks to the end of the pass."""
    counts: dict = {}
    seen: set = set()
    stack = []
    for t in roots:
        if t.grad_fn is not None:
            stack.append(t.grad_fn)
        elif t._hooks is not None and t._requires_grad:
            counts[id(t)] = counts.get(id(t), 0) + 1
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        for t in node.inputs:
            if t.grad_fn is None:
                if t._hooks is not None and t._requires_grad:
                    counts[id(t)] = counts.get(id(t), 0) + 1
            else:
                fn = producer(t, node.seq)
                if fn is not None and fn not in seen:
                    stack.append(fn)
    return counts


def _freed(node: Node) -> RuntimeError:
    return RuntimeError(
        f"Trying to backward through the graph a second time (through {node.name}): its "
        "saved values were freed by the first backward. Pass retain_graph=True to the "
        "first backward() if you need to call it twice."
    )


def _is_array(value: Any) -> bool:
    return isinstance(value, np.ndarray) or hasattr(value, "__cuda_array_interface__")


def saved_arrays(node: Node) -> list:
    """The arrays ``node``'s VJP reads: the arrays among its ``saved`` values (none once a
    backward pass has freed them)."""
    return [s for s in node.saved or () if _is_array(s)]


_TENSOR_TYPES = {"f8": "Double", "f4": "Float", "f2": "Half", "i8": "Long", "i4": "Int",
                 "i2": "Short", "i1": "Char", "u1": "Byte", "b1": "Bool"}  # fmt: skip


def _forward_name(node: Node) -> str:
    """``Exp`` for ``ExpBackward0``: the op's name as PyTorch's messages give it."""
    name = node.name
    cut = name.rfind("Backward")
    return name[:cut] if cut > 0 else name


def check_saved(node: Node) -> None:
    """Raise PyTorch's error when an array ``node``'s VJP reads was written in place after the
    node was recorded: its gradient would be computed from the wrong values."""
    for s in saved_arrays(node):
        if written_after(s, node.seq):
            kind = _TENSOR_TYPES.get(s.dtype.str[1:], str(s.dtype).capitalize())
            which = ""  # (the op that made the tensor, by its forward name, as PyTorch)
            if s is node.out:
                which = f", which is output 0 of {_forward_name(node)},"
            else:
                for t in node.inputs:
                    made_by = producer(t, node.seq)
                    if t._data is s and made_by is not None:
                        which = f", which is output 0 of {_forward_name(made_by)},"
            raise RuntimeError(
                "one of the variables needed for gradient computation has been modified by an "
                f"inplace operation: [neuronet.{kind}Tensor {list(s.shape)}]{which} is at "
                f"version {version(s)}; expected version {version_before(s, node.seq)} instead. "
                f"(The gradient of {node.name} reads it.) Hint: enable anomaly detection to find "
                "the operation that failed to compute its gradient, with "
                "neuronet.autograd.set_detect_anomaly(True)."
            )


def run_backward_recording(
    tensors: Sequence, grads: Sequence, capture: Sequence | None = None
) -> dict:
    """The backward pass of ``create_graph=True``: ``run_backward`` with every gradient a
    tensor and the grad mode on, so each VJP's ops are recorded and the gradients it returns
    can be differentiated again (to any order).

    ``grads`` are tensors (they may require grad themselves). Each node's VJP is called on
    tensors (``saved_tensors``). Leaves' ``.grad`` become these recorded tensors (added out of
    place), and the graph is kept (retain_graph), as in PyTorch. ``capture`` is as in
    ``run_backward`` (without it, the dict returned is empty).
    """
    captured: dict | None = None
    capture_nodes: dict = {}
    run = visit = None
    if capture is not None:
        captured = {id(t): None for t in capture}
        capture_nodes = {t.grad_fn: id(t) for t in capture if t.grad_fn is not None}
        run, visit = _on_paths_to(tensors, capture_nodes, captured)
    pending: dict = {}
    heap: list = []
    leaves: dict = {}  # id(leaf) -> [leaf, its gradient so far]

    def send(t, g, seq: int | None = None) -> None:
        fn = t.grad_fn if seq is None else producer(t, seq)
        if fn is None and t.grad_fn is not None:
            return  # (the value read was a constant, written in place since)
        if fn is None:
            if t._requires_grad and (captured is None or id(t) in captured):
                entry = leaves.get(id(t))
                if entry is None:
                    leaves[id(t)] = [t, g]
                else:
                    entry[1] = entry[1] + g
        elif fn in pending:
            pending[fn] = pending[fn] + g
        elif visit is None or fn in visit:
            pending[fn] = g
            heapq.heappush(heap, (-fn.seq, fn))

    with enable_grad():
        for t, g in zip(tensors, grads):
            send(t, g)
        while heap:
            node = heapq.heappop(heap)[1]
            g = pending.pop(node)
            captures = node in capture_nodes
            runs = run is None or node in run
            if captures and runs:
                captured[capture_nodes[node]] = g  # type: ignore[index]
            for hook in node.hooks or ():
                new = hook(g)
                if new is not None:
                    g = new
            if captures and not runs:
                captured[capture_nodes[node]] = g  # type: ignore[index]
            if node.retained is not None:
                t = node.retained
                t.grad = g if t.grad is None else t.grad + g
            if not runs:
                continue
            if node.backward is None:
                raise _freed(node)
            if node.seq < newest_write[0]:
                check_saved(node)
            input_grads = node.backward(g, node.needs, *saved_tensors(node))
            if _anomaly[0]:
                check_gradients(node, input_grads)
            for t, ig in zip(node.inputs, input_grads):
                if ig is not None:
                    if not hasattr(ig, "grad_fn"):  # (an array: a gradient that is a constant)
                        ig = make_tensor(ig)
                    send(t, ig, node.seq)
        for t, g in leaves.values():
            if g.dtype != t._data.dtype:
                g = g.to(t._data.dtype)
            for hook in t._hooks or ():
                new = hook(g)
                if new is not None:
                    g = new
            if captured is not None:
                captured[id(t)] = g
            else:
                t.grad = g if t.grad is None else t.grad + g
                run_post_accumulate_grad_hooks(t)
    return {} if captured is None else captured


def free_graph(tensors: Sequence) -> None:
    """Free the saved values of every node below ``tensors`` (what a backward pass without
    ``retain_graph`` does as it goes): after ``backward(create_graph=True,
    retain_graph=False)``."""
    stack = [t.grad_fn for t in tensors if t.grad_fn is not None]
    seen: set = set()
    while stack:
        node = stack.pop()
        if node not in seen:
            seen.add(node)
            node.backward = node.saved = None
            stack.extend(producer(t, node.seq) for t in node.inputs if t.grad_fn is not None)
            stack = [n for n in stack if n is not None]


def saved_tensors(node: Node) -> list:
    """``node.saved`` as tensors, for a VJP that records its own graph: an input's array is
    that input tensor, the output array a tensor made by ``node`` (so that its gradient flows
    back through ``node`` again, as PyTorch's saved outputs do), any other array a constant
    tensor, and everything else (shapes, dims, flags) itself."""
    values = []
    for s in node.saved or ():
        if _is_array(s):
            for t in node.inputs:
                if t._data is s:
                    s = t
                    break
            else:
                is_out = s is node.out
                s = make_tensor(s)
                if is_out:
                    s.grad_fn, s._requires_grad = node, True
        values.append(s)
    return values


def _on_paths_to(roots: Sequence, capture_nodes: dict, captured: dict) -> tuple[set, set]:
    """For ``autograd.grad``: the nodes whose VJP must run (a captured tensor lies below them)
    and the nodes to visit (those, and the captured interior tensors' own nodes)."""
    nodes: set = set()
    stack = [t.grad_fn for t in roots if t.grad_fn is not None]
    while stack:
        n = stack.pop()
        if n is not None and n not in nodes:
            nodes.add(n)
            stack.extend(producer(t, n.seq) for t in n.inputs if t.grad_fn is not None)
    run: set = set()
    for n in sorted(nodes, key=_sequence_number):  # a node is newer than its inputs' nodes
        for t in n.inputs:
            fn = producer(t, n.seq)
            if id(t) in captured if fn is None else (fn in run or fn in capture_nodes):
                run.add(n)
                break
    return run, run | set(capture_nodes)


def producer(t, seq: int) -> Node | None:
    """The node that made the value of ``t`` that node number ``seq`` read: ``t.grad_fn``,
    unless ``t`` was written in place after that node was recorded (its ``grad_fn`` is then
    newer); each in-place node keeps the stand-in for the value it overwrote (``replaced``),
    and the walk goes back through them."""
    fn = t.grad_fn
    while fn is not None and fn.seq > seq:
        before = getattr(fn, "replaced", None)
        fn = None if before is None else before.grad_fn
    return fn


def _sequence_number(node: Node) -> int:
    return node.seq


def _send_to(t, fn: Node | None, g, pending: dict, heap: list, leaves) -> None:
    """Hand gradient ``g`` of tensor ``t`` to node ``fn`` (the node that made the value of ``t``
    that was read), or into ``t``'s ``.grad`` if ``fn`` is None and ``t`` is a leaf."""
    if fn is None:
        if t._requires_grad:
            leaves.deliver(t, g)
    elif fn in pending:
        pending[fn] = pending[fn] + g
    else:
        pending[fn] = leaves.for_node(g) if type(g) is RowsGrad else g
        heapq.heappush(heap, (-fn.seq, fn))


def _node_extras(node: Node, g, leaves, capture_nodes: dict, runs: bool):
    """The rare per-node work, in PyTorch's order: the output's hooks (which may replace the
    gradient), then its retained ``.grad`` (kept in ``autograd.grad`` too). A gradient the
    caller asked for (``autograd.grad``) is taken before the hooks when the node goes on to run
    (its VJP is needed for another requested gradient) and after them when it does not, as
    PyTorch's engine takes it; the caller's array is never also the retained ``.grad``."""
    captures = node in capture_nodes
    if captures and runs:
        leaves.capture(capture_nodes[node], g)
    if node.hooks:
        for hook in node.hooks:
            new = hook(make_tensor(g))
            if new is not None:
                g = new._data
    if captures and not runs:
        leaves.capture(capture_nodes[node], g)
    if node.retained is not None:
        leaves.accumulate(node.retained, g)
    return g


def run_post_accumulate_grad_hooks(t) -> None:
    """Call leaf ``t``'s post-accumulate-grad hooks, ``hook(t)``, with the grad mode off."""
    hooks = getattr(t, "_post_accumulate_grad_hooks", None)
    if hooks:
        with no_grad():
            for hook in tuple(hooks.values()):
                hook(t)


class _LeafGrads:
    """Accumulation into leaves' ``.grad`` during one backward pass.

    Out of place, so no array seen elsewhere is ever modified: a gradient array is stored as a
    leaf's ``.grad`` only if nothing else can hold it (otherwise a copy is). This is the one
    place that handles row gradients (``RowsGrad``, embedding lookups): a leaf's are collected
    and added in one scatter at the end (``flush``), and a node gets one dense (``for_node``).
    A leaf with hooks (``_hooks`` not None: gradient hooks, or an empty list for a leaf with
    only post-accumulate hooks), or one whose gradient is captured (``autograd.grad``), gets its
    whole gradient once it is complete: the hooks run once, on the sum of every path's
    contribution, as PyTorch runs them, and then its post-accumulate hooks. Complete means: as
    many gradients as ``expected[id(leaf)]`` (``_hooked_leaf_edges``) have come, else the end
    of the pass.
    """

    def __init__(self, captured: dict | None, expected: dict | None = None) -> None:
        self.captured = captured
        self.expected = expected
        self.stored: set = set()  # ids of arrays handed to some .grad in this pass
        self.rows: dict = {}  # id(leaf) -> (leaf, [RowsGrad, ...])
        self.summed: dict = {}  # id(leaf) -> [leaf, its gradient so far]: hooked or captured

    def deliver(self, t, g) -> None:
        """Hand a leaf its gradient: into ``.grad``, or kept to the end for hooks or the caller."""
        sparse = type(g) is RowsGrad
        dtype = (g.values if sparse else g).dtype
        if dtype is not t._data.dtype and dtype != t._data.dtype:  # (`is`: the cheap test)
            g = g.astype(t._data.dtype)
        if self.captured is None and t._hooks is None:
            if sparse:
                self.rows.setdefault(id(t), (t, []))[1].append(g)
            else:
                self.accumulate(t, g)
            return
        key = id(t)
        if self.captured is not None and key not in self.captured:
            return  # a leaf the caller did not ask for
        if sparse:
            g = g.dense()
        entry = self.summed.get(key)
        if entry is None:
            entry = self.summed[key] = [t, g]
        else:
            entry[1] = entry[1] + g
        if self.expected is not None and key in self.expected:
            left = self.expected[key] - 1
            self.expected[key] = left
            if left == 0:  # the leaf's gradient is complete: its hooks run now
                del self.summed[key]
                self.finish(t, entry[1])

    @staticmethod
    def for_node(g: RowsGrad):
        """A row gradient as the dense array a node's VJP receives."""
        return g.dense()

    def capture(self, key: int, g) -> None:
        """Hand ``g`` to ``autograd.grad``'s caller as the gradient of tensor ``id`` ``key``."""
        assert self.captured is not None  # (called only in autograd.grad's pass)
        self.captured[key] = g
        self.stored.add(id(g))  # the caller holds this array: no .grad may take it as well

    def accumulate(self, t, g) -> None:
        """``t.grad += g`` for a dense ``g``, out of place; a first gradient is stored as it is
        when nothing else can hold the array (else a copy is)."""
        data = t._data
        if g.dtype is not data.dtype and g.dtype != data.dtype:  # (`is`: the cheap test)
            g = g.astype(data.dtype)
        if g.shape != data.shape:
            raise RuntimeError(
                f"internal error: gradient of shape {g.shape} for a tensor of shape {data.shape}"
            )
        grad = t.grad
        if grad is not None:
            grad._data = grad._data + g
            return
        if g.base is not None or id(g) in self.stored or not g.flags.writeable:
            g = g.copy()
        else:
            self.stored.add(id(g))
        t.grad = make_tensor(g)

    def finish(self, t, g) -> None:
        """Hand hooked or captured leaf ``t`` its whole gradient ``g``: through its gradient
        hooks, then to the caller or into ``.grad`` followed by its post-accumulate hooks."""
        for hook in t._hooks or ():
            new = hook(make_tensor(g))
            if new is not None:
                g = new._data
        if self.captured is not None:
            self.capture(id(t), g)
        else:
            self.accumulate(t, g)
            run_post_accumulate_grad_hooks(t)

    def flush(self) -> None:
        """Hand each leaf what was kept for the end: its summed gradient through its hooks (to
        ``.grad`` or the caller), and its row gradients, added by one scatter into a new dense
        ``.grad`` or into a copy of the existing one. What the scatter wrote is remembered
        beside that ``.grad`` (``rows.remember_rows``) while it is zero everywhere else."""
        for t, g in self.summed.values():
            self.finish(t, g)
        for t, parts in self.rows.values():
            first, others = parts[0], parts[1:]
            grad = t.grad
            if grad is None:
                dense, rows, positions = first.dense_and_written(others)
                t.grad = grad = make_tensor(dense)
                remember_rows(grad, rows, positions)
                continue
            before = written_rows(grad)
            total = grad._data.copy()  # a new array: the old one may be held elsewhere
            rows, positions = first.add_into(total, others)
            grad._data = total
            if before is not None:  # still zero outside the rows written by both passes
                xp = get_xp(total)
                remember_rows(
                    grad, xp.concatenate((before[0], rows)), xp.concatenate((before[1], positions))
                )
