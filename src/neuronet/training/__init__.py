"""Training, for any task: the Trainer loop, metrics, callbacks, history, checkpoints, the shared
settings (``config``) and the optimizer and schedule builders (``builders``).

Nothing here knows a task: ``neuronet.tasks`` builds on this package, never the reverse.
"""

from .callbacks import Callback, EarlyStopping, ProgressBar
from .checkpoint import load_checkpoint, read_checkpoint, save_checkpoint
from .metrics import RunningMean, accuracy, confusion_matrix, format_confusion
from .trainer import Trainer, TrainingDiverged

__all__ = [
    "Callback",
    "EarlyStopping",
    "ProgressBar",
    "RunningMean",
    "Trainer",
    "TrainingDiverged",
    "accuracy",
    "confusion_matrix",
    "format_confusion",
    "load_checkpoint",
    "read_checkpoint",
    "save_checkpoint",
]
