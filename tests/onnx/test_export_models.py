"""The ready models and the layers they are built from, exported and run by onnxruntime and
onnx's reference evaluator at two batch sizes: the outputs equal neuronet's within 1e-5."""

import numpy as np
import pytest

import neuronet
from neuronet import nn
from neuronet.models import MLP, WindowClassifier, WindowScorer
from tests.onnx.helpers import check_export, onnx


def _floats(shape):
    rng = np.random.default_rng(sum(shape))
    return lambda n: rng.standard_normal((n, *shape)).astype(np.float32)


def _ids(width, vocab):
    rng = np.random.default_rng(width)
    return lambda n: rng.integers(0, vocab, size=(n, width)).astype(np.int64)


def _trained_statistics(model, x):
    """A few training steps' worth of BatchNorm running statistics (not the initial 0 and 1)."""
    model.train()
    with neuronet.no_grad():
        for _ in range(3):
            model(neuronet.tensor(x))
    model.eval()


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid", "gelu", "elu", "maxout"])
def test_mlp_with_batch_norm_and_dropout(activation):
    model = MLP(20, (16, 12), 5, activation, batch_norm=activation != "maxout", dropout=0.3)
    _trained_statistics(model, _floats((20,))(32))
    data = check_export(model, _floats((20,)))
    graph = onnx.load_from_string(data).graph
    kinds = {n.op_type for n in graph.node}
    assert "Gemm" in kinds and "Dropout" not in kinds
    assert ("BatchNormalization" in kinds) == (activation != "maxout")
    first = "1.linear" if activation == "maxout" else "1"  # (0 is the Flatten)
    assert {f"{first}.weight", f"{first}.bias"} <= {i.name for i in graph.initializer}


def test_mlp_on_images_flattens_them():
    model = MLP(2 * 4 * 4, (8,), 3, "leaky_relu", batch_norm=True)
    _trained_statistics(model, _floats((2, 4, 4))(16))
    check_export(model, _floats((2, 4, 4)))


def test_window_classifier():
    model = WindowClassifier(
        30, embedding_dim=6, window=5, hidden=16, classes=5, casing_dim=3, casings=4
    )
    rng = np.random.default_rng(3)

    def windows(n):
        return np.concatenate(
            [rng.integers(0, 30, (n, 5)), rng.integers(0, 4, (n, 5))], axis=1
        ).astype(np.int64)

    data = check_export(model, windows)
    kinds = [n.op_type for n in onnx.load_from_string(data).graph.node]
    assert kinds.count("Gather") == 2 and "Concat" in kinds and "Slice" in kinds


@pytest.mark.parametrize("activation", ["sigmoid", "maxout"])
def test_window_scorer(activation):
    model = WindowScorer(25, embedding_dim=4, window=5, hidden=8, activation=activation)
    data = check_export(model, _ids(5, 25))
    out = onnx.load_from_string(data).graph.output[0]
    assert [d.dim_param or d.dim_value for d in out.type.tensor_type.shape.dim] == ["batch"]


def test_layer_norm_softmax_and_embedding_sequence():
    model = nn.Sequential(
        nn.Embedding(11, 6),
        nn.LayerNorm(6),
        nn.Linear(6, 4),
        nn.GELU(approximate="tanh"),
        nn.LogSoftmax(dim=-1),
    )
    check_export(model, _ids(7, 11))
