"""Ready models built from neuronet.nn."""

from .bilstm_crf import BiLSTMTagger
from .char_lm import CharLSTM, CharTransformer, generate
from .cnn import ConvNet, LeNet5
from .mlp import MLP
from .window_classifier import WindowClassifier
from .window_scorer import WindowScorer, max_margin_loss

__all__ = [
    "BiLSTMTagger",
    "CharLSTM",
    "CharTransformer",
    "ConvNet",
    "LeNet5",
    "MLP",
    "WindowClassifier",
    "WindowScorer",
    "generate",
    "max_margin_loss",
]
