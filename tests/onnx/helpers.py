"""Export a model, then run the file with onnxruntime and onnx's reference evaluator at two batch
sizes and compare with the model itself."""

import io

import numpy as np
import pytest

import neuronet
from neuronet.onnx import export

onnx = pytest.importorskip("onnx", reason="onnx not installed: pip install 'neuronet[onnx]'")
ort = pytest.importorskip(
    "onnxruntime", reason="onnxruntime not installed: pip install 'neuronet[onnx]'"
)
from onnx.reference import ReferenceEvaluator  # noqa: E402

BATCH = {"input": {0: "batch"}, "output": {0: "batch"}}


def exported(model, example, **options):
    """The bytes of ``model`` exported with ``example`` as input (batch axis dynamic)."""
    options.setdefault("dynamic_axes", BATCH)
    buf = io.BytesIO()
    export(model, (example,), buf, **options)
    return buf.getvalue()


def outputs(data: bytes, x: np.ndarray) -> tuple:
    """(onnxruntime's, the reference evaluator's) first output for input ``x``."""
    session = ort.InferenceSession(data, providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    reference = ReferenceEvaluator(onnx.load_from_string(data))
    return session.run(None, {name: x})[0], reference.run(None, {name: x})[0]


def expected(model, x: np.ndarray) -> np.ndarray:
    """The model's first output for input ``x`` (the first tensor of nested tuples)."""
    with neuronet.no_grad():
        out = model(neuronet.tensor(x))
    while isinstance(out, (tuple, list)):
        out = out[0]
    return out.numpy()


def check_export(model, make_input, batches=(3, 7), atol=1e-5, example_batch=2, **options):
    """Export ``model`` (``make_input(n)``: an input of batch ``n``, or of the sizes ``n``
    along the dynamic axes) and assert that both runtimes give the model's outputs at each
    size in ``batches``; returns the file."""
    model.eval()
    data = exported(model, neuronet.tensor(make_input(example_batch)), **options)
    for n in batches:
        x = make_input(n)
        want = expected(model, x)
        got_rt, got_ref = outputs(data, x)
        assert got_rt.shape == want.shape and got_rt.dtype == want.dtype
        np.testing.assert_allclose(got_rt, want, rtol=0, atol=atol)
        np.testing.assert_allclose(got_ref, want, rtol=0, atol=atol)
    return data
