"""neuronet's top level has the functions PyTorch's top level has, as the same objects as the
ops themselves, and they compute what PyTorch's do."""
import subprocess
import sys

import numpy as np
import pytest

import neuronet as nt
import neuronet.nn.functional as F
import neuronet.ops as ops

torch = pytest.importorskip("torch", reason="the top level is compared with PyTorch's")

# torch.<name> whose signature differs from torch.nn.functional.<name> (integer reductions,
# cudnn flags, argument order): neuronet keeps these in nn.functional only.
_FUNCTIONAL_ONLY = {
    "batch_norm": "torch.batch_norm takes (input, weight, bias, running_mean, ...) and cudnn_enabled",
    "layer_norm": "torch.layer_norm takes cudnn_enable",
    "binary_cross_entropy_with_logits": "torch's takes reduction as an int",
    "hinge_embedding_loss": "torch's takes reduction as an int",
    "kl_div": "torch's takes reduction as an int",
    "margin_ranking_loss": "torch's takes reduction as an int",
    "dropout": "torch.dropout takes train=, not training=, and no inplace",
    "embedding": "torch.embedding takes (weight, indices): the other order",
    "alpha_dropout": "torch.alpha_dropout takes train=, not training=, and no inplace",
    "feature_alpha_dropout": "torch.feature_alpha_dropout takes train=, not training=",
    "group_norm": "torch.group_norm takes cudnn_enabled",
    "instance_norm": "torch.instance_norm takes (input, weight, bias, running_mean, ...) and "
                     "cudnn_enabled",
    "adaptive_max_pool1d": "torch.adaptive_max_pool1d always returns (values, indices)",
}


def _callable_in(module, name: str) -> bool:
    return callable(getattr(module, name, None)) and not isinstance(getattr(module, name),
                                                                   type(np))


def _torch_callables() -> list:
    return [n for n in dir(torch) if not n.startswith("_") and callable(getattr(torch, n, None))]


def test_every_op_torch_has_at_its_top_level_is_at_neuronets():
    missing = [n for n in _torch_callables() if _callable_in(ops, n) and not hasattr(nt, n)]
    assert not missing, f"in neuronet.ops and torch but not neuronet: {', '.join(missing)}"
    for name in ("scatter", "scatter_reduce", "index_add", "index_copy", "index_fill"):
        assert getattr(nt, name) is getattr(ops, name)


def test_functional_names_torch_has_at_its_top_level_are_at_neuronets():
    missing = [n for n in _torch_callables() if _callable_in(F, n) and not _callable_in(ops, n)
               and n not in _FUNCTIONAL_ONLY and not hasattr(nt, n)]
    assert not missing, f"in nn.functional and torch but not neuronet: {', '.join(missing)}"
    for name in ("celu", "selu_", "prelu", "threshold", "rrelu", "cosine_similarity"):
        assert getattr(nt, name) is getattr(F, name)
        assert name in dir(nt)
    for name in _FUNCTIONAL_ONLY:
        assert hasattr(F, name) and not hasattr(nt, name)
    with pytest.raises(AttributeError, match="module 'neuronet' has no attribute 'softmaxx'"):
        nt.softmaxx  # noqa: B018


def test_import_does_not_load_nn():
    code = "import sys, neuronet; print('neuronet.nn' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == "False"


X = np.arange(12.0).reshape(3, 4) / 7 - 0.6
INDEX = [[0, 2, 2, 1], [1, 0, 0, 2]]


def _t(m, v, dtype=None):
    return m.tensor(v, dtype=getattr(m, dtype) if dtype else None)


@pytest.mark.parametrize("call", [
    lambda m: m.scatter(_t(m, X), 0, _t(m, [[0, 2, 1, 1]], "long"), _t(m, -X[:1])),
    lambda m: m.scatter(_t(m, X), 1, _t(m, [[3], [0], [1]], "long"), 2.5),
    lambda m: m.scatter_reduce(_t(m, X), 0, _t(m, INDEX, "long"), _t(m, X[:2] * 3), "amax",
                               include_self=False),
    lambda m: m.index_add(_t(m, X), 1, _t(m, [3, 0, 3], "long"), _t(m, X[:, :3]), alpha=2),
    lambda m: m.index_copy(_t(m, X), 0, _t(m, [2, 0], "long"), _t(m, X[:2] + 5)),
    lambda m: m.index_fill(_t(m, X), 1, _t(m, [1, -1], "long"), -3.0),
    lambda m: m.celu(_t(m, X), 0.5),
    lambda m: m.selu(_t(m, X)),
    lambda m: m.hardshrink(_t(m, X), 0.3),
    lambda m: m.threshold(_t(m, X), 0.1, -2.0),
    lambda m: m.prelu(_t(m, X), _t(m, [0.25], "float64")),
    lambda m: m.rrelu(_t(m, X)),
    lambda m: m.cosine_similarity(_t(m, X), _t(m, X[::-1].copy())),
    lambda m: m.pairwise_distance(_t(m, X), _t(m, X[::-1].copy()), p=1.0),
    lambda m: m.relu_(_t(m, X)),
    lambda m: m.threshold_(_t(m, X), 0.0, 9.0),
])
def test_top_level_functions_compute_as_pytorchs(call):
    ours, theirs = call(nt), call(torch)
    assert ours.dtype == getattr(nt, str(theirs.dtype).split(".")[1])
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12, atol=1e-12)
