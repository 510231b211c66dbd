"""The layers of the recurrent, attention and normalisation families, exported and run by
onnxruntime and the reference evaluator at two batch sizes."""

import numpy as np
import pytest

import neuronet
from neuronet import nn
from tests.onnx.helpers import check_export, onnx


def _floats(*shape):
    rng = np.random.default_rng(sum(shape))
    return lambda n: rng.standard_normal((n, *shape)).astype(np.float32)


class First(nn.Module):
    """The first output of a layer that returns a tuple, and its final state summed in."""

    def __init__(self, layer):
        super().__init__()
        self.layer = layer

    def forward(self, x):
        out, state = self.layer(x)
        h = state[0] if isinstance(state, tuple) else state
        total = h.sum(0).sum(-1)  # (N,)
        return out + (total[:, None, None] if self.layer.batch_first else total[None, :, None])


@pytest.mark.parametrize("kind", ["LSTM", "GRU", "RNN"])
def test_recurrent_layers_bidirectional_two_layers(kind):
    model = First(getattr(nn, kind)(5, 4, num_layers=2, bidirectional=True, batch_first=True))
    data = check_export(model, _floats(6, 5))
    assert kind in {n.op_type for n in onnx.load_from_string(data).graph.node}


def test_rnn_relu_time_major_without_bias():
    check_export(
        First(nn.RNN(5, 3, nonlinearity="relu", bias=False)),
        lambda n: np.random.default_rng(n).standard_normal((4, n, 5)).astype(np.float32),
        dynamic_axes={"input": {1: "batch"}, "output": {1: "batch"}},
    )


def test_lstm_outputs_as_a_tuple():
    layer = nn.LSTM(3, 2, batch_first=True)
    data = check_export(layer, _floats(4, 3), dynamic_axes={"input": {0: "batch"}})
    assert len(onnx.load_from_string(data).graph.output) == 3


class CausalSelfAttention(nn.Module):
    """MultiheadAttention under generate_square_subsequent_mask's float mask, then causal
    scaled_dot_product_attention (a bool triangle)."""

    def __init__(self):
        super().__init__()
        self.attn = nn.MultiheadAttention(8, 2, batch_first=True)

    def forward(self, x):
        mask = nn.Transformer.generate_square_subsequent_mask(x.shape[1])
        y = self.attn(x, x, x, attn_mask=mask, need_weights=False)[0]
        return nn.functional.scaled_dot_product_attention(y, x, x, is_causal=True)


def test_multihead_attention_with_causal_masks():
    check_export(CausalSelfAttention(), _floats(5, 8))


def test_transformer_encoder_layer_and_sdpa():
    layer = nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, batch_first=True)
    check_export(layer, _floats(5, 8))

    class Sdpa(nn.Module):
        def forward(self, x):
            q = x.reshape(x.shape[0], 5, 2, 4).transpose(1, 2)
            return nn.functional.scaled_dot_product_attention(q, q, q, is_causal=True)

    check_export(Sdpa(), _floats(5, 8))


def _batch_norm_2d(channels):
    """A BatchNorm2d whose running statistics moved away from 0 and 1 in training."""
    bn = nn.BatchNorm2d(channels)
    with neuronet.no_grad():
        for _ in range(3):
            bn(neuronet.randn(6, channels, 3, 3) * 2 + 1)
    return bn


def test_group_norm_rms_norm_batch_norm_2d_and_upsampling():
    bn = _batch_norm_2d(4)
    model = nn.Sequential(
        nn.GroupNorm(2, 4),
        bn,
        nn.Upsample(scale_factor=2, mode="bilinear"),
        nn.Upsample(size=(5, 7), mode="nearest"),
        nn.RMSNorm(7),
    )
    check_export(model, _floats(4, 3, 3))


def test_convolutions_and_pooling():
    bn = _batch_norm_2d(6)
    model = nn.Sequential(
        nn.Conv2d(3, 6, 3, padding=1),
        bn,
        nn.ReLU(),
        nn.MaxPool2d(2, ceil_mode=True),
        nn.Conv2d(6, 4, (3, 2), stride=(2, 1), dilation=(1, 2), groups=2, padding=(1, 0)),
        nn.ConvTranspose2d(4, 5, 3, stride=2, padding=1, output_padding=1),
        nn.AvgPool2d(3, stride=2, padding=1, count_include_pad=False, ceil_mode=True),
        nn.AdaptiveAvgPool2d((2, 1)),
        nn.Flatten(),
        nn.Linear(10, 3),
    )
    data = check_export(model, _floats(3, 9, 9))
    kinds = {n.op_type for n in onnx.load_from_string(data).graph.node}
    assert {"Conv", "ConvTranspose", "MaxPool", "AveragePool", "BatchNormalization"} <= kinds


def test_conv1d_and_pool1d():
    model = nn.Sequential(
        nn.Conv1d(2, 4, 3, padding="same"),
        nn.MaxPool1d(2),
        nn.AvgPool1d(2, padding=1),
        nn.ConvTranspose1d(4, 2, 2, stride=2),
    )
    check_export(model, _floats(2, 11))


SEQUENCE = {"input": {0: "batch", 1: "time"}, "output": {0: "batch", 1: "time"}}


def _sequences(features):
    rng = np.random.default_rng(features)
    return lambda nt: rng.standard_normal((*nt, features)).astype(np.float32)


def test_attention_with_a_dynamic_sequence_length():
    """The causal masks follow the sequence length at run time."""
    check_export(
        CausalSelfAttention(),
        _sequences(8),
        batches=((1, 3), (4, 9)),
        example_batch=(2, 5),
        dynamic_axes=SEQUENCE,
    )


@pytest.mark.parametrize("kind", ["LSTM", "GRU"])
def test_recurrent_layers_with_a_dynamic_sequence_length(kind):
    model = First(getattr(nn, kind)(3, 4, num_layers=2, bidirectional=True, batch_first=True))
    check_export(
        model, _sequences(3), batches=((1, 2), (3, 7)), example_batch=(2, 5), dynamic_axes=SEQUENCE
    )
