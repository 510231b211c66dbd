"""Each mapped op exported alone (inside a small module) and run by onnxruntime and the
reference evaluator at two batch sizes; the exporter's errors."""

import io

import numpy as np
import pytest

import neuronet
import neuronet.nn.functional as F  # noqa: N812
from neuronet import nn
from neuronet.onnx import OnnxExporterError, UnsupportedOperatorError, export, supported_ops
from tests.onnx.helpers import check_export, onnx


class Fn(nn.Module):
    """A module around a function of its input (with a parameter for ops that read one)."""

    def __init__(self, fn):
        super().__init__()
        self.fn = fn
        self.w = nn.Parameter(neuronet.randn(6))

    def forward(self, x):
        return self.fn(x, self.w)


def _input(shape, low=None):
    rng = np.random.default_rng(len(shape))

    def make(n):
        x = rng.standard_normal((n, *shape)).astype(np.float32)
        return np.abs(x) + 0.1 if low == "positive" else x

    return make


ELEMENTWISE = {
    "add_sub_mul_div": lambda x, w: (x + w) * 2.0 - x / (w * w + 1) - 1.5 / (x * x + 1) + (3 - x),
    "pow_square_neg": lambda x, w: -(x**2) + x.square() * 0.5 + neuronet.pow(x * x + 1, 1.5),
    "exp_log_sqrt_abs": lambda x, w: (x.abs() + 1).log() + (-x.abs()).exp() + (x * x).sqrt(),
    "trig": lambda x, w: x.sin() + x.cos() + (x * 0.3).tan() + x.atan() + (x * 0.1).asin(),
    "hyperbolic_erf": lambda x, w: x.sinh() * 0.1 + x.cosh() * 0.1 + x.erf() + x.tanh(),
    "clamp_max_min": lambda x, w: (
        x.clamp(-0.5, 0.7) + x.clamp(min=0.1) + neuronet.maximum(x, w) - neuronet.minimum(x, w)
    ),
    "where": lambda x, w: neuronet.where(x > w, x, w * 3),
    "sign_reciprocal": lambda x, w: x.sign() + (x * x + 1).reciprocal(),
    "activations": lambda x, w: (
        F.relu(x)
        + F.leaky_relu(x, 0.2)
        + F.elu(x, 0.5)
        + F.selu(x)
        + F.silu(x)
        + F.softplus(x, beta=2.0, threshold=1.0)
        + F.logsigmoid(x)
        + F.hardtanh(x)
        + F.hardsigmoid(x)
        + F.hardswish(x)
        + F.threshold(x, 0.1, -2.0)
        + F.hardshrink(x)
        + F.softshrink(x, 0.3)
        + F.tanhshrink(x)
        + F.softsign(x)
        + F.gelu(x)
        + F.mish(x)
        + F.celu(x, 2.0)
        + F.relu6(x * 4)
        + F.sigmoid(x)
    ),
    "prelu": lambda x, w: F.prelu(x, w),
    "binary_step": lambda x, w: nn.BinaryStep()(x),
    "softmax": lambda x, w: F.softmax(x, dim=1) + F.log_softmax(x, dim=-1) + F.softmin(x, 1),
    "comparisons_and_logic": lambda x, w: (
        (((x > 0) & (x < 1)) | ~(x == w)).float()
        + (x.isfinite() ^ (x >= w)).float()
        + (x != 0).float() * neuronet.logical_not(x <= 0.5).float()
    ),
    "cast": lambda x, w: (x > 0).float() * x + x.double().float(),
}


@pytest.mark.parametrize("name", sorted(ELEMENTWISE))
def test_elementwise(name):
    check_export(Fn(ELEMENTWISE[name]), _input((6,)))


SHAPES = {
    "reshape_view_flatten": lambda x, w: (
        x.reshape(-1, 2, 3, 4).flatten(1).reshape(-1, 4, 6)
        + x.view(x.shape[0], 24)
        .view(x.shape[0] * 2, 2, 6)
        .reshape(x.shape[0], 2, 2, 6)
        .flatten(1, 2)
    ),
    "unsqueeze_squeeze": lambda x, w: x.unsqueeze(1).squeeze(1) + x[:, None, :].squeeze(),
    "transpose_permute": lambda x, w: x.transpose(1, 2).permute(0, 2, 1) * x.permute(0, 1, 2),
    "movedim_t": lambda x, w: neuronet.movedim(x, 1, 2).transpose(-1, -2) + x,
    "expand": lambda x, w: x[:, :1, :].expand(-1, 4, 6) + w.expand(4, 6),
    "cat_expand_to_batch": lambda x, w: (
        neuronet.cat([x, x * 2], 1) + neuronet.cat([x, w.expand(x.shape[0], 4, 6)], 1)
    ),
    "slices": lambda x, w: x[:, 1:3, ::2].sum(-1) + x[..., -1][:, :2] + x[:, -2:, 0],
    "negative_steps": lambda x, w: x.flip(1) + x[:, ::-1, :],
    "index_select_gather": lambda x, w: (
        x.index_select(2, neuronet.tensor([0, 5, 2]))
        + x.gather(2, neuronet.tensor([[[1, 0, 2]] * 4]).expand(x.shape[0], 4, 3))
        + x[:1].gather(2, neuronet.tensor([[[5, 1, 1]] * 3]))[:, :1]
    ),
    "repeat": lambda x, w: x.repeat(1, 2, 1)[:, :4] + x,
    "pad": lambda x, w: F.pad(x, (1, 2, 0, -1), value=0.5)[:, :, 1:7] + F.pad(x, (-1, 1))[:, :3],
    "matmul": lambda x, w: x @ x.transpose(1, 2) + (x @ w).unsqueeze(-1),
    "linear_3d": lambda x, w: F.linear(x, w.expand(3, 6), w[:3]),
}


@pytest.mark.parametrize("name", sorted(SHAPES))
def test_shape_ops(name):
    check_export(Fn(SHAPES[name]), _input((4, 6)))


REDUCTIONS = {
    "sum_mean": lambda x, w: (
        x.sum(1, keepdim=True) + x.mean(-1, keepdim=True).squeeze(-1)[:, :, None]
    ),
    "everything": lambda x, w: x.sum() * x.mean() + x.amax() - x.amin(),
    "max_min_along": lambda x, w: x.max(1).values[:, None, :] + x.min(2, keepdim=True).values,
    "prod_logsumexp": lambda x, w: (x * 0.1 + 1).prod(2) + x.logsumexp(2),
    "var_std": lambda x, w: x.var(2) + x.std(2, correction=0),
    "cumsum": lambda x, w: x.cumsum(2),
    "layer_norm_no_affine": lambda x, w: F.layer_norm(x, (4, 6)),
    "batch_norm_batch_statistics": lambda x, w: nn.BatchNorm1d(4, track_running_stats=False)(x),
}


@pytest.mark.parametrize("name", sorted(REDUCTIONS))
def test_reductions(name):
    check_export(Fn(REDUCTIONS[name]), _input((4, 6)))


def test_inplace_relu_and_add():
    def fn(x, w):
        y = x * 2
        y.relu_()
        y += w
        return y

    check_export(Fn(fn), _input((6,)))


def test_static_shapes_by_default_and_names():
    model = nn.Linear(6, 2)
    proto = export(
        model, neuronet.randn(3, 6), None, input_names=["features"], output_names=["scores"]
    )
    (inp,), (out,) = proto.graph.input, proto.graph.output
    assert inp.name == "features" and out.name == "scores"
    assert [d.dim_value for d in inp.type.tensor_type.shape.dim] == [3, 6]
    assert proto.opset_import[0].version == 18 and proto.producer_name == "neuronet"


def test_a_list_of_dynamic_axes_gets_pytorch_names_and_params_can_be_inputs():
    model = nn.Linear(6, 2)
    proto = export(
        model, neuronet.randn(3, 6), dynamic_axes={"input": [0], "output": [0]}, export_params=False
    )
    assert proto.graph.input[0].type.tensor_type.shape.dim[0].dim_param == "input_dynamic_axes_1"
    assert {i.name for i in proto.graph.input} == {"input", "weight", "bias"}
    assert not proto.graph.initializer


def test_the_model_is_exported_in_eval_mode_and_its_mode_restored():
    model = nn.Sequential(nn.Linear(6, 6), nn.Dropout(0.5), nn.BatchNorm1d(6))
    model.train()
    check_export(model, _input((6,)))
    model.train()
    export(model, neuronet.randn(2, 6), io.BytesIO())
    assert model.training and model[1].training


def test_file_written_to_a_path(tmp_path):
    path = tmp_path / "m.onnx"
    proto = export(nn.Linear(6, 2), neuronet.randn(2, 6), path)
    assert onnx.load(str(path)) == proto


def test_an_op_without_a_mapping_is_named():
    with pytest.raises(
        UnsupportedOperatorError, match=r"cannot export the op roll \(RollBackward0\)"
    ):
        export(Fn(lambda x, w: x.roll(1, 1)), neuronet.randn(2, 6))
    assert "AddmmBackward0" in supported_ops() and "RollBackward0" not in supported_ops()


def test_a_value_computed_outside_the_traced_ops_from_a_dynamic_axis_is_refused():
    def fn(x, w):
        return x + neuronet.arange(x.shape[0] * 6.0).reshape(-1, 6)  # (made from the size)

    with pytest.raises(OnnxExporterError, match="computed from the inputs by something outside the traced ops"):
        export(Fn(fn), neuronet.randn(2, 6), dynamic_axes={"input": [0]})
    assert export(Fn(fn), neuronet.randn(2, 6)) is not None  # (static: a constant is right)


def test_a_value_computed_from_the_input_values_outside_the_traced_ops_is_refused():
    def fn(x, w):  # (argmax's indices are no traced op: a constant would be wrong)
        return x.gather(1, x.argmax(1, keepdim=True))

    with pytest.raises(OnnxExporterError, match="such as argmax"):
        export(Fn(fn), neuronet.randn(3, 6))
    with pytest.raises(OnnxExporterError, match="such as argmax"):
        export(nn.AdaptiveMaxPool2d(2), neuronet.randn(1, 2, 5, 5))


def test_a_forward_pass_that_branches_on_the_batch_size_is_refused():
    def fn(x, w):
        return x.relu() if x.shape[0] % 2 else x.sigmoid()

    with pytest.raises(OnnxExporterError, match="runs different ops"):
        export(Fn(fn), neuronet.randn(2, 6), dynamic_axes={"input": [0]})


def test_bad_arguments():
    model = nn.Linear(6, 2)
    x = neuronet.randn(2, 6)
    with pytest.raises(ValueError, match="opset_version: expected 17 to 21, got 9"):
        export(model, x, opset_version=9)
    with pytest.raises(ValueError, match="dynamic_axes: 'x' is not an input or output name"):
        export(model, x, dynamic_axes={"x": [0]})
    with pytest.raises(ValueError, match="axis 2 is out of range"):
        export(model, x, dynamic_axes={"input": [2]})
    with pytest.raises(TypeError, match="args: expected a Tensor or a tuple"):
        export(model, "x")
    with pytest.raises(OnnxExporterError, match="return a tensor or \\(nested\\) tuples"):
        export(Fn(lambda x, w: {"y": x}), x)


def test_constants_filled_with_one_value_follow_the_batch_size():
    check_export(
        Fn(lambda x, w: x + neuronet.zeros(x.shape[0], 6) + neuronet.ones(x.shape[0], 1)),
        _input((6,)),
    )


@pytest.mark.parametrize("opset", [17, 20, 21])
def test_other_opsets(opset):
    check_export(Fn(ELEMENTWISE["activations"]), _input((6,)), opset_version=opset)
    check_export(Fn(REDUCTIONS["max_min_along"]), _input((4, 6)), opset_version=opset)
