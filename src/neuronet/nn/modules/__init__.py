"""Layer classes, one concept per file."""
from .activation import (
    ACTIVATIONS, CELU, ELU, GELU, SELU, BinaryStep, Hardshrink, Hardsigmoid, Hardswish, Hardtanh,
    LeakyReLU, LogSigmoid, LogSoftmax, Mish, PReLU, ReLU, ReLU6, RReLU, Sigmoid, SiLU, Softmax,
    Softmin, Softplus, Softshrink, Softsign, Tanh, Tanhshrink, Threshold, get_activation,
)
from .container import ModuleDict, ModuleList, Sequential
from .dropout import Dropout
from .linear import Flatten, Identity, Linear, Maxout, Unflatten
from .loss import (
    BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, HingeEmbeddingLoss, HuberLoss, KLDivLoss,
    L1Loss, MarginRankingLoss, MSELoss, MultiMarginLoss, NLLLoss, SmoothL1Loss, SoftMarginLoss,
)
from .normalization import BatchNorm1d, LayerNorm
from .sparse import Embedding

__all__ = [
    "ACTIVATIONS", "BCELoss", "BCEWithLogitsLoss", "BatchNorm1d", "BinaryStep", "CELU",
    "CrossEntropyLoss", "Dropout", "ELU", "Embedding", "Flatten", "GELU", "Hardshrink",
    "Hardsigmoid", "Hardswish", "Hardtanh",
    "HingeEmbeddingLoss", "HuberLoss", "Identity", "KLDivLoss", "L1Loss", "LayerNorm",
    "LeakyReLU", "Linear", "LogSigmoid", "LogSoftmax", "MSELoss", "MarginRankingLoss", "Maxout",
    "Mish", "ModuleDict", "ModuleList", "MultiMarginLoss", "NLLLoss", "PReLU", "RReLU", "ReLU",
    "ReLU6", "SELU", "Sequential", "SiLU", "Sigmoid", "SmoothL1Loss", "SoftMarginLoss",
    "Softmax", "Softmin", "Softplus", "Softshrink", "Softsign", "Tanh", "Tanhshrink", "Threshold",
    "Unflatten", "get_activation",
]
