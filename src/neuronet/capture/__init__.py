"""Captured training steps, behind ``neuronet.compile(step_fn)``: a step's NumPy calls recorded
once and replayed as one straight-line function on the next calls (``CompiledStep``; the
recording is ``tape``; the replay, its guards and its check are ``step``)."""

from __future__ import annotations

from .step import CompiledStep, Program

__all__ = ["CompiledStep", "Program"]
