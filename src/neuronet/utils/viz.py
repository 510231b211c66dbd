"""A picture of the recorded graph of a tensor, as torchviz's ``make_dot`` draws PyTorch's.

``make_dot(loss, params=dict(model.named_parameters()))`` walks the graph below ``loss`` (the
nodes ``record`` made, from ``loss.grad_fn`` down to the leaves) and returns a ``Graph``: its
DOT text (``.source``) always, and SVG or PNG through Graphviz's ``dot`` program where that is
installed (``.pipe``, ``.render``, and ``_repr_svg_`` for notebooks).

What is drawn: one box per op node, named by the node (``AddmmBackward0``, ``SigmoidBackward0``)
with the shape of the tensor it made; one box per leaf that requires grad, named by its
parameter name where ``params`` gives one (else by its shape alone), as torchviz shows
``AccumulateGrad`` boxes; an arrow from each input to the op that read it (so arrows follow
the forward pass, and the gradient flows against them). With ``show_grad_norms=True`` each box
also shows the L2 norm of the gradient of the graph's output with respect to that node's
output (computed by ``autograd.grad`` over the retained graph: call ``backward`` with
``retain_graph=True`` first, or not at all).
"""

from __future__ import annotations

import math
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..autograd.graph import Node, producer
from ..tensor import Tensor

__all__ = ["Graph", "make_dot"]

_OP_STYLE = 'shape=box, style=filled, fillcolor="lightgrey"'
_LEAF_STYLE = 'shape=box, style=filled, fillcolor="lightblue"'
_ROOT_STYLE = 'shape=box, style=filled, fillcolor="darkolivegreen1"'


class Graph:
    """A drawn graph: DOT text, turned into SVG or PNG by Graphviz's ``dot`` on demand."""

    def __init__(self, source: str, nodes: int, edges: int) -> None:
        self.source = source
        self.node_count = nodes
        self.edge_count = edges

    def __str__(self) -> str:
        return self.source

    def pipe(self, format: str = "svg") -> bytes:
        """The picture in ``format`` (``svg``, ``png``, ``pdf``, ...) as bytes, from ``dot``."""
        dot = shutil.which("dot")
        if dot is None:
            raise RuntimeError(
                "make_dot: drawing needs Graphviz's `dot` program, which is not installed "
                "(Debian: apt-get install graphviz); the DOT text is in .source"
            )
        done = subprocess.run(
            [dot, f"-T{format}"], input=self.source.encode(), capture_output=True, check=False
        )
        if done.returncode != 0:
            raise RuntimeError(
                f"make_dot: dot -T{format} failed: {done.stderr.decode(errors='replace').strip()}"
            )
        return done.stdout

    def render(self, filename: str | Path, format: str = "svg") -> Path:
        """Write the picture to ``filename`` (its suffix is set to ``.format``); its path."""
        path = Path(filename).with_suffix(f".{format}")
        data = self.pipe(format)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_bytes(data)
        tmp.replace(path)
        return path

    def _repr_svg_(self) -> str:
        return self.pipe("svg").decode()


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _shape(t: Tensor) -> str:
    return str(tuple(int(n) for n in t._data.shape))


def _norm(g: Tensor | None) -> str:
    if g is None:
        return "grad: none"
    return f"grad norm: {math.sqrt(float((g._data.astype('float64') ** 2).sum())):.4g}"


def make_dot(
    var: Tensor,
    params: Mapping[str, Tensor] | None = None,
    show_grad_norms: bool = False,
) -> Graph:
    """The graph below ``var`` (a tensor made by recorded ops), drawn as described in the
    module's docstring. ``params`` maps names to leaf tensors (``dict(model.named_parameters())``).
    """
    if not isinstance(var, Tensor):
        raise TypeError(f"make_dot: var must be a Tensor, got {type(var).__name__}")
    names = {id(t): name for name, t in (params or {}).items()}
    node_ids: dict[Node, str] = {}
    node_shapes: dict[Node, str] = {}
    node_outputs: dict[Node, Tensor] = {}
    leaf_ids: dict[int, str] = {}
    leaves: dict[int, Tensor] = {}
    edges: list[tuple[str, str]] = []
    order: list[Node] = []

    root = var.grad_fn
    if root is not None:
        node_ids[root] = "n0"
        node_shapes[root] = _shape(var)
        node_outputs[root] = var
        stack = [root]
        while stack:
            node = stack.pop()
            order.append(node)
            for t in node.inputs:
                fn = producer(t, node.seq)
                if fn is not None:
                    if fn not in node_ids:
                        node_ids[fn] = f"n{len(node_ids)}"
                        node_shapes[fn] = _shape(t)
                        node_outputs[fn] = t
                        stack.append(fn)
                    edges.append((node_ids[fn], node_ids[node]))
                elif t._requires_grad:
                    if id(t) not in leaf_ids:
                        leaf_ids[id(t)] = f"l{len(leaf_ids)}"
                        leaves[id(t)] = t
                    edges.append((leaf_ids[id(t)], node_ids[node]))

    norms: dict[Any, str] = {}
    if show_grad_norms and root is not None:
        norms = _gradient_norms(var, node_outputs, leaves)

    lines = [
        "digraph {",
        '  graph [rankdir=BT, fontname="Helvetica"];',
        '  node [fontname="Helvetica", fontsize=11];',
    ]
    if root is None:
        label = f"{names.get(id(var), 'tensor')}\n{_shape(var)}"
        lines.append(f"  l0 [label={_quote(label)}, {_LEAF_STYLE}];")
        lines.append("}")
        return Graph("\n".join(lines) + "\n", 1, 0)
    for node in order:
        label = f"{node.name}\n{node_shapes[node]}"
        if node in norms:
            label += "\n" + norms[node]
        style = _ROOT_STYLE if node is root else _OP_STYLE
        lines.append(f"  {node_ids[node]} [label={_quote(label)}, {style}];")
    for key, t in leaves.items():
        name = names.get(key)
        label = f"{name}\n{_shape(t)}" if name is not None else _shape(t)
        if key in norms:
            label += "\n" + norms[key]
        lines.append(f"  {leaf_ids[key]} [label={_quote(label)}, {_LEAF_STYLE}];")
    for a, b in edges:
        lines.append(f"  {a} -> {b};")
    lines.append("}")
    return Graph("\n".join(lines) + "\n", len(order) + len(leaves), len(edges))


def _gradient_norms(var: Tensor, outputs: dict[Node, Tensor], leaves: dict[int, Tensor]) -> dict:
    """The norm of d var / d(each node's output and each leaf), by one ``autograd.grad`` pass."""
    from ..autograd.functional import grad  # noqa: PLC0415 - autograd imports this package

    if any(node.backward is None for node in outputs):
        raise RuntimeError(
            "make_dot(show_grad_norms=True): the graph's saved values were freed by backward(); "
            "call backward(retain_graph=True) first, or draw before backward"
        )
    nodes = list(outputs)
    tensors = [outputs[n] for n in nodes] + list(leaves.values())
    seed = None if var._data.size == 1 else Tensor._make(var._data * 0 + 1)
    grads = grad(var, tensors, grad_outputs=seed, retain_graph=True, allow_unused=True)
    norms: dict[Any, str] = {n: _norm(g) for n, g in zip(nodes, grads)}
    for key, g in zip(leaves, grads[len(nodes) :]):
        norms[key] = _norm(g)
    return norms
