"""``neuronet.utils.viz.make_dot``: the recorded graph as DOT (and SVG through Graphviz)."""

from __future__ import annotations

import re
import shutil

import numpy as np
import pytest

import neuronet as nt
from neuronet import nn
from neuronet.utils.viz import make_dot

NODE = re.compile(r'^\s+(\w+) \[label="([^"]*)"', re.MULTILINE)
EDGE = re.compile(r"^\s+(\w+) -> (\w+);", re.MULTILINE)


def parsed(graph):
    nodes = {name: label.split("\\n") for name, label in NODE.findall(graph.source)}
    edges = EDGE.findall(graph.source)
    return nodes, edges


def test_an_mlp_graph_has_one_box_per_op_and_per_parameter():
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1))
    loss = model(nt.randn(5, 3)).pow(2).mean()
    graph = make_dot(loss, params=dict(model.named_parameters()))
    nodes, edges = parsed(graph)
    ops = sorted(label[0] for label in nodes.values() if label[0].endswith("Backward0"))
    assert ops == [
        "AddmmBackward0",
        "AddmmBackward0",
        "MeanBackward0",
        "PowBackward0",
        "TanhBackward0",
    ]
    leaves = {label[0]: label[1] for label in nodes.values() if not label[0].endswith("Backward0")}
    assert leaves == {
        "0.weight": "(4, 3)",
        "0.bias": "(4,)",
        "2.weight": "(1, 4)",
        "2.bias": "(1,)",
    }
    # 4 op-to-op arrows and 4 parameter arrows; counts agree with the text
    assert len(edges) == 8 and graph.edge_count == 8 and graph.node_count == 9
    by_label = {label[0] + label[1]: name for name, label in nodes.items()}
    assert (by_label["TanhBackward0(5, 4)"], by_label["AddmmBackward0(5, 1)"]) in edges
    assert "darkolivegreen1" in graph.source.splitlines()[3]  # the root drawn first, as the output


def test_shared_inputs_make_one_box_with_two_arrows():
    x = nt.randn(3, requires_grad=True)
    y = x * x + x
    nodes, edges = parsed(make_dot(y, params={"x": x}))
    leaf = next(name for name, label in nodes.items() if label[0] == "x")
    assert sum(1 for a, _ in edges if a == leaf) == 3  # read by mul twice and by add once


def test_unnamed_leaves_show_their_shape_and_constants_are_left_out():
    w = nt.randn(2, 2, requires_grad=True)
    c = nt.randn(2, 2)  # requires no grad: not drawn
    nodes, edges = parsed(make_dot((w @ c).sum()))
    assert sorted(label[0] for label in nodes.values()) == ["(2, 2)", "MmBackward0", "SumBackward0"]
    assert len(edges) == 2


def test_gradient_norms_are_those_of_the_gradients():
    model = nn.Sequential(nn.Linear(3, 4), nn.Sigmoid(), nn.Linear(4, 1)).double()
    x = nt.randn(6, 3, dtype=nt.float64)
    loss = model(x).sum()
    loss.backward(retain_graph=True)
    graph = make_dot(loss, params=dict(model.named_parameters()), show_grad_norms=True)
    nodes, _ = parsed(graph)
    shown = {label[0]: float(label[2].split(": ")[1]) for label in nodes.values()}
    for name, p in model.named_parameters():
        assert shown[name] == pytest.approx(np.linalg.norm(p.grad.numpy()), rel=1e-3)
    assert shown["SumBackward0"] == 1.0
    # the gradient reaching the output layer's node: d sum / d out = ones(6, 1)
    adds = [
        float(label[2].split(": ")[1]) for label in nodes.values() if label[0] == "AddmmBackward0"
    ]
    assert pytest.approx(np.sqrt(6), rel=1e-3) in adds


def test_gradient_norms_after_a_freeing_backward_say_what_to_do():
    x = nt.randn(3, requires_grad=True)
    y = (x * 2).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        make_dot(y, show_grad_norms=True)
    assert make_dot(y).node_count == 3  # drawing alone still works


def test_a_tensor_without_graph_and_bad_arguments():
    t = nt.randn(2, 3)
    graph = make_dot(t)
    assert graph.node_count == 1 and "(2, 3)" in graph.source
    with pytest.raises(TypeError, match="var must be a Tensor, got ndarray"):
        make_dot(np.zeros(3))


def test_in_place_ops_are_drawn_in_order():
    x = nt.randn(3, requires_grad=True)
    y = x * 2
    y.add_(1)
    nodes, edges = parsed(make_dot(y.sum(), params={"x": x}))
    names = {label[0] for label in nodes.values()}
    assert {"SumBackward0", "AddBackward0", "MulBackward0", "x"} <= names
    assert len(edges) == 3


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")
def test_graphviz_parses_the_dot_and_draws_svg_and_png(tmp_path):
    model = nn.Sequential(nn.Linear(2, 2), nn.ReLU())
    graph = make_dot(model(nt.randn(1, 2)).sum(), params=dict(model.named_parameters()))
    svg = graph.pipe("svg").decode()
    assert svg.lstrip().startswith("<?xml") and svg.count('<g id="node') == graph.node_count
    path = graph.render(tmp_path / "graph", format="png")
    assert path.suffix == ".png" and path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_drawing_without_graphviz_names_the_missing_program(monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    graph = make_dot(nt.randn(2, requires_grad=True).sum())
    with pytest.raises(RuntimeError, match="Graphviz's `dot` program, which is not installed"):
        graph.pipe("svg")
