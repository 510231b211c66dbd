"""Stateless functions, as ``torch.nn.functional``: ``import neuronet.nn.functional as F``.

Every function here is the op itself from ``neuronet.ops`` (forward and VJP in one place).
"""

from ..ops import log_softmax, relu, sigmoid, softmax, tanh
from ..ops.activation import (
    binary_step,
    celu,
    elu,
    gelu,
    hardshrink,
    hardsigmoid,
    hardswish,
    hardtanh,
    leaky_relu,
    logsigmoid,
    maxout,
    mish,
    prelu,
    relu6,
    rrelu,
    selu,
    silu,
    softmin,
    softplus,
    softshrink,
    softsign,
    tanhshrink,
    threshold,
)
from ..ops.dropout import dropout
from ..ops.embedding import embedding
from ..ops.linalg import linear
from ..ops.loss import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    hinge_embedding_loss,
    huber_loss,
    kl_div,
    l1_loss,
    margin_ranking_loss,
    mse_loss,
    multi_margin_loss,
    nll_loss,
    smooth_l1_loss,
    soft_margin_loss,
)
from ..ops.normalization import batch_norm, layer_norm


def one_hot(tensor, num_classes: int = -1):
    """(..., ) integer ids -> (..., num_classes) int64 one-hot rows."""
    from ..tensor import Tensor  # noqa: PLC0415

    ids = tensor._data
    xp = tensor.xp
    n = int(ids.max()) + 1 if num_classes < 0 else num_classes
    if ids.size and (ids.min() < 0 or ids.max() >= n):
        raise RuntimeError(f"one_hot: class values must be in [0, {n}), got {int(ids.max())}")
    return Tensor._make((ids[..., None] == xp.arange(n)).astype("int64"))
