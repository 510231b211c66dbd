"""Ready models built from neuronet.nn."""
from .window_scorer import WindowScorer, max_margin_loss

__all__ = ["WindowScorer", "max_margin_loss"]
