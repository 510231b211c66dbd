"""Tasks: what ``neuronet train``, ``evaluate`` and ``predict`` do for each kind of model.

``TASKS`` maps each ``--task`` name to its ``Task`` (``base.py``): image classification
(``classify.py``), the CoNLL-2003 window classifier (``ner_window.py``), the notes' window
scorer (``ner_scorer.py``), the BiLSTM-CRF tagger (``ner_bilstm.py``) and the character
language model (``char_lm.py``). ``run.py`` trains any of them into a run folder. A new task is
one module with a ``Task`` subclass, and one entry below.
"""

from __future__ import annotations

from ..training.config import ConfigError
from .base import Setup, Task
from .char_lm import CharLM
from .classify import Classify
from .ner_bilstm import NerBiLSTM
from .ner_scorer import NerScorer
from .ner_window import NerWindow

TASKS: dict[str, Task] = {
    task.name: task for task in (Classify(), NerWindow(), NerScorer(), NerBiLSTM(), CharLM())
}
DEFAULT_TASK = "classify"


def get_task(name: str) -> Task:
    """The task called ``name``; a ``ConfigError`` naming the tasks there are otherwise."""
    try:
        return TASKS[name]
    except (KeyError, TypeError):
        raise ConfigError(f"task: expected one of {', '.join(TASKS)}; got {name!r}") from None


__all__ = ["DEFAULT_TASK", "TASKS", "Setup", "Task", "get_task"]
