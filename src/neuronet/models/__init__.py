"""Ready models built from neuronet.nn."""

from .mlp import MLP
from .window_classifier import WindowClassifier
from .window_scorer import WindowScorer, max_margin_loss

__all__ = ["MLP", "WindowClassifier", "WindowScorer", "max_margin_loss"]
