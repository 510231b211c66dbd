"""Per-layer statistics over a run: what each probe measured, kept step by step.

For every leaf module the probes saw (except the pass-through ones: dropout, flatten,
identity): the output's mean and standard deviation, the root mean square of the gradient
that reached it, the fraction of dead units (ReLU family) or of saturated outputs (sigmoid,
tanh); and histograms (30 bins) of the outputs and of their gradients at the first probe and
at the latest one. For each weight matrix: its update:weight ratio at each measured step.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .checks.activations import dead_masks, saturated_fraction
from .checks.layers import PASS_THROUGH, SATURATING
from .probe import Probe, rms

BINS = 30


def _round(value: float) -> float:
    return float(f"{value:.5g}")


def histogram(values: np.ndarray | None) -> dict[str, list] | None:
    """30-bin histogram of the finite ``values``: ``edges`` and ``counts``."""
    if values is None:
        return None
    finite = values[np.isfinite(values)].astype(np.float64, copy=False)
    if not finite.size:
        return None
    counts, edges = np.histogram(finite, bins=BINS)
    return {"edges": [_round(e) for e in edges], "counts": counts.tolist()}


class RunStatistics:
    """The statistics of one run (see the module doc); ``to_dict`` is what diagnostics.json
    stores under ``layers``, ``update_ratio`` and ``histograms``."""

    def __init__(self) -> None:
        self.layers: dict[str, dict[str, Any]] = {}
        self.update_ratio: dict[str, dict[str, list]] = {}
        self.first: dict[str, dict] = {}
        self.latest: Probe | None = None

    def add_probe(self, step: int, probe: Probe) -> None:
        dead = dead_masks(probe)
        for r in probe.layers:
            if isinstance(r.module, PASS_THROUGH) or not r.output.size:
                continue
            row = self.layers.setdefault(
                r.name,
                {
                    "kind": type(r.module).__name__,
                    "step": [],
                    "mean": [],
                    "std": [],
                    "grad_rms": [],
                },
            )
            out = r.output.astype(np.float64, copy=False)
            row["step"].append(step)
            row["mean"].append(_round(float(out.mean())))
            row["std"].append(_round(float(out.std())))
            row["grad_rms"].append(None if r.grad_output is None else _round(rms(r.grad_output)))
            if r.name in dead:
                row.setdefault("dead_fraction", []).append(_round(float(dead[r.name].mean())))
            if isinstance(r.module, SATURATING):
                row.setdefault("saturated_fraction", []).append(
                    _round(saturated_fraction(r.module, r.output))
                )
            if r.name not in self.first:
                self.first[r.name] = self._histograms(r)
        self.latest = probe

    @staticmethod
    def _histograms(record) -> dict:
        return {
            "step_output": histogram(record.output),
            "step_grad": histogram(record.grad_output),
        }

    def add_update_ratios(self, step: int, ratios: dict[str, float]) -> None:
        for name, ratio in ratios.items():
            row = self.update_ratio.setdefault(name, {"step": [], "ratio": []})
            row["step"].append(step)
            row["ratio"].append(_round(ratio))

    def histograms(self) -> dict[str, dict]:
        """Per layer: ``first`` and ``last`` histograms of its ``output`` and ``grad``."""
        out: dict[str, dict] = {}
        last = {}
        if self.latest is not None:
            last = {
                r.name: self._histograms(r) for r in self.latest.layers if r.name in self.layers
            }
        for name, first in self.first.items():
            final = last.get(name, first)
            out[name] = {
                "output": {"first": first["step_output"], "last": final["step_output"]},
                "grad": {"first": first["step_grad"], "last": final["step_grad"]},
            }
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "layers": self.layers,
            "update_ratio": self.update_ratio,
            "histograms": self.histograms(),
        }
