"""``Diagnostics``: the Trainer callback that runs the checks while a model trains.

Schedule: the initialisation checks (symmetry, fan_in) once before the first step; the other
probe checks (dead_units, saturation, vanishing/exploding gradients; grad_accumulation when the
Trainer's loop is replaced, since its own zeroes the gradients) and the update:weight ratio of
the step just taken at global steps 0 and 1 and every ``every`` steps,
on a fixed subsample of the training set (``probe_size`` samples: the training batch size
clipped to [64, 256], drawn once with its own generator, so the library's random stream is
untouched; ``probe_size=0``: no probes); divergence on the per-step losses at those steps;
plateau after every epoch.

Each finding is printed once per (code, layer, threshold crossed), through the progress bar
(``tqdm.write``): ``level='warn'`` prints warnings and errors, ``'teach'`` every finding (with
the explanation of its code the first time), ``'quiet'`` nothing. With ``strict=True`` an
error-severity finding stops training with a ``DiagnosticsError``. With a run folder the
callback writes ``diagnostics.json`` (findings, per-layer statistics, update ratios, its own
cost in wall-clock and CPU time) after every epoch and at the end, and the figures into
``diagnostics/`` at the end (atomic writes).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from ..serialization import atomic_write_text
from ..training.callbacks import Callback
from ..training.trainer import Trainer
from .check import probe_findings
from .checks.activations import dead_masks, dead_units
from .checks.progress import divergence, plateau
from .checks.updates import adaptive, ratios, snapshot, update_ratio
from .finding import SEVERITIES, Finding, at_least
from .plots import histogram_figures, update_ratio_figure
from .probe import probe
from .stats import RunStatistics

LEVELS = ("quiet", "warn", "teach")


def _clock() -> tuple[float, float]:
    """(wall-clock, process CPU) seconds now."""
    return time.perf_counter(), time.process_time()


#: The probes over which a unit must stay silent to count as dead.
DEAD_PROBES = 3


class DiagnosticsError(RuntimeError):
    """Training stopped on an error-severity finding (``Diagnostics(strict=True)``)."""

    def __init__(self, finding: Finding) -> None:
        super().__init__(
            f"diagnostics stopped training: [{finding.code}] {finding.where}: {finding.message}"
        )
        self.finding = finding


def _probe_batch(loader: Any, size: int) -> tuple | None:
    """A fixed subsample of ``loader``'s data set, collated as the loader would."""
    dataset = getattr(loader, "dataset", None)
    collate = getattr(loader, "collate_fn", None)
    try:
        n = len(dataset)  # type: ignore[arg-type]
    except TypeError:
        return None
    if not n or collate is None:
        return None
    index = np.sort(np.random.default_rng(0).choice(n, size=min(size, n), replace=False))
    batch = collate([dataset[int(i)] for i in index])  # type: ignore[index]
    return tuple(batch) if isinstance(batch, (tuple, list)) and len(batch) >= 2 else None


class Diagnostics(Callback):
    """Run the checks during ``Trainer.fit`` (see the module doc)."""

    def __init__(
        self,
        every: int = 50,
        level: str = "warn",
        strict: bool = False,
        probe_size: int | None = None,
        file: Any = None,
    ) -> None:
        if level not in LEVELS:
            raise ValueError(f"level: expected one of {', '.join(LEVELS)}, got {level!r}")
        if not isinstance(every, int) or every < 2:
            raise ValueError(f"every: expected an integer of at least 2, got {every!r}")
        self.every, self.level, self.strict = every, level, strict
        self.probe_size, self.file = probe_size, file
        self.findings: list[dict] = []
        self.seen: dict[tuple[str, str, float], dict] = {}
        self.explained: set[str] = set()  # the codes whose explanation teach has printed
        self.stats = RunStatistics()
        self.losses: list[float] = []
        self.seconds = 0.0  # the callback's own wall-clock time
        self.cpu_seconds = 0.0  # and its own CPU time (threads included)

    # ----------------------------------------------------------------- schedule
    def due(self, step: int) -> bool:
        """Whether the probe checks run after global step ``step`` (0-based)."""
        return step < 2 or step % self.every == 0

    # ----------------------------------------------------------------- output
    def _print(self, text: str) -> None:
        out = self.file or sys.stderr
        try:
            from tqdm import tqdm  # noqa: PLC0415
        except ImportError:
            print(text, file=out)
            return
        tqdm.write(text, file=out)

    def _report(self, findings: list[Finding], step: int) -> None:
        stop = None
        for f in findings:
            key = (f.code, f.layer, f.threshold)
            entry = self.seen.get(key)
            if entry is not None:
                entry["last_step"], entry["last_value"] = step, f.value
                entry["times"] += 1
                if SEVERITIES.index(f.severity) > SEVERITIES.index(entry["severity"]):
                    entry.update(f.to_dict())
                continue
            entry = {
                **f.to_dict(),
                "step": step,
                "last_step": step,
                "last_value": f.value,
                "times": 1,
            }
            self.seen[key] = entry
            self.findings.append(entry)
            if self.level == "teach" or (self.level == "warn" and at_least(f.severity, "warning")):
                teach = self.level == "teach" and f.code not in self.explained
                self.explained.update([f.code] if teach else [])
                self._print(f"diagnostics (step {step}): {f.format(teach=teach)}")
            if self.strict and f.severity == "error" and stop is None:
                stop = f
        if stop is not None:
            self._write()
            raise DiagnosticsError(stop)

    # ----------------------------------------------------------------- hooks
    def on_train_begin(self, trainer) -> None:
        began = _clock()
        self.trainer = trainer
        self.run_dir: Path | None = trainer.run_dir
        self.step = len(trainer.history) * trainer.batches_per_epoch
        self.started = began
        self.dead: list[dict[str, np.ndarray]] = []
        loader = getattr(trainer, "train_loader", None)
        size = self.probe_size
        if size is None:
            size = int(np.clip(getattr(loader, "batch_size", None) or 128, 64, 256))
        batch = _probe_batch(loader, size) if loader is not None and size > 0 else None
        self.batch = None if batch is None else tuple(trainer._place(t) for t in batch[:2])
        self.before = snapshot(trainer.model) if self.due(self.step) else None
        if self.batch is not None and not trainer.history:
            first = self._probe()
            self._report(probe_findings(first, {"symmetry", "fan_in"}), self.step)
        self._spent(began)

    @staticmethod
    def _families(trainer) -> set[str]:
        """The probe checks of the periodic probes: grad_accumulation only for a loop that
        is not the Trainer's own, which zeroes the gradients before every backward (there the
        gradients held are another batch's, and comparing them would only measure noise)."""
        families = {"saturation", "gradient_depth"}
        if type(trainer)._train_epoch is not Trainer._train_epoch:
            families.add("grad_accumulation")
        return families

    def _probe(self):
        assert self.batch is not None
        x, y = self.batch
        return probe(self.trainer.model, x, y, self.trainer.loss_fn)

    def on_batch_end(self, trainer, batch: int, loss: float, size: int) -> None:
        began = _clock()
        step = self.step
        self.losses.append(loss)
        if self.due(step):
            findings: list[Finding] = []
            if self.before is not None:
                values = ratios(self.before, trainer.model)
                self.stats.add_update_ratios(step, values)
                if step >= self.every or not adaptive(trainer.optimizer):
                    findings += update_ratio(values, trainer.optimizer)
                self.before = None
            if self.batch is not None:
                result = self._probe()
                self.stats.add_probe(step, result)
                findings += dead_units(result, self.dead[-(DEAD_PROBES - 1) :])
                self.dead.append(dead_masks(result))
                self.dead = self.dead[-DEAD_PROBES:]
                findings += probe_findings(result, self._families(trainer))
            findings += divergence(self.losses)
            self._spent(began)
            self._report(findings, step)
            began = _clock()
        if self.due(step + 1):
            self.before = snapshot(trainer.model)
        self.step += 1
        self._spent(began)

    def on_epoch_end(self, trainer, epoch: int, logs: dict) -> None:
        began = _clock()
        values = [h[trainer.monitor] for h in trainer.history if trainer.monitor in h]
        if trainer.monitor in logs and (not trainer.history or trainer.history[-1] is not logs):
            values.append(logs[trainer.monitor])
        found = plateau(
            values, trainer.monitor_mode, trainer.scheduler, logs.get("lr"), trainer.monitor
        )
        self._write()
        self._spent(began)
        self._report(found, self.step)

    def on_train_end(self, trainer) -> None:
        began = _clock()
        if self.run_dir is not None:
            folder = self.run_dir / "diagnostics"
            histogram_figures(self.stats.histograms(), folder)
            update_ratio_figure(self.stats.update_ratio, folder)
        self._spent(began)
        self._write()
        if self.level == "teach":
            self._print(
                f"diagnostics: {len(self.findings)} finding(s) in {self.step} steps; their own "
                f"cost {self.seconds:.2f} s ({self.cost_fraction():.1%} of training; CPU time "
                f"{self.cost_fraction(cpu=True):.1%})"
            )

    def _spent(self, began: tuple[float, float]) -> None:
        wall, cpu = _clock()
        self.seconds += wall - began[0]
        self.cpu_seconds += cpu - began[1]

    # ----------------------------------------------------------------- results
    def cost_fraction(self, cpu: bool = False) -> float:
        """The callback's own time over the training time so far (wall-clock, or with ``cpu``
        the process's CPU time, which other programs on a shared machine do not inflate)."""
        now = _clock()
        total = now[1] - self.started[1] if cpu else now[0] - self.started[0]
        own = self.cpu_seconds if cpu else self.seconds
        return own / total if total > 0 else 0.0

    def summary(self) -> dict[str, Any]:
        """What diagnostics.json holds."""
        return {
            "every": self.every,
            "level": self.level,
            "probe_samples": 0 if self.batch is None else int(self.batch[0].shape[0]),
            "steps": self.step,
            "findings": self.findings,
            **self.stats.to_dict(),
            "cost": {
                "seconds": round(self.seconds, 3),
                "train_seconds": round(time.perf_counter() - self.started[0], 3),
                "fraction": round(self.cost_fraction(), 4),
                "cpu_seconds": round(self.cpu_seconds, 3),
                "train_cpu_seconds": round(time.process_time() - self.started[1], 3),
                "cpu_fraction": round(self.cost_fraction(cpu=True), 4),
            },
        }

    def _write(self) -> None:
        if self.run_dir is None:
            return
        began = _clock()
        atomic_write_text(self.run_dir / "diagnostics.json", json.dumps(self.summary()))
        self._spent(began)
