"""``neuronet diagnose RUN``: the findings and statistics a finished run's diagnostics.json
holds, as text."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path

from .finding import SEVERITIES, Finding


def _last(values: list) -> float:
    for v in reversed(values):
        if v is not None:
            return float(v)
    return math.nan


def describe_run(
    folder: str | Path, report: Callable[[str], None] = print, teach: bool = False
) -> int:
    """``report`` the findings (worst first; with ``teach`` their explanations) and the
    per-layer statistics of the run in ``folder``; returns the number of findings. A
    ``FileNotFoundError`` when the run has no diagnostics.json."""
    path = Path(folder) / "diagnostics.json"
    if not path.is_file():
        raise FileNotFoundError(
            f"{path}: no such file (was the run trained with --diagnose off, or by an older "
            "neuronet?)"
        )
    data = json.loads(path.read_text())
    findings = sorted(data["findings"], key=lambda f: -SEVERITIES.index(f["severity"]))
    report(f"{len(findings)} finding(s) over {data['steps']} steps (probes every {data['every']})")
    for entry in findings:
        f = Finding.from_dict(entry)
        seen = f" (steps {entry['step']}-{entry['last_step']}, {entry['times']}x)"
        report(f"  step {entry['step']}: {f.format(teach=teach)}{seen}")
    layers = data.get("layers", {})
    if layers:
        report("layers at the last probe (first probe in brackets):")
        report(f"  {'layer':<16} {'kind':<12} {'out std':>16} {'grad rms':>20} {'dead/sat':>8}")
        for name, row in layers.items():
            share = row.get("dead_fraction") or row.get("saturated_fraction")
            report(
                f"  {name or 'model':<16} {row['kind']:<12} "
                f"{row['std'][-1]:>7.3g} [{row['std'][0]:>6.3g}] "
                f"{_last(row['grad_rms']):>9.3g} [{row['grad_rms'][0] or math.nan:>8.3g}] "
                + (f"{share[-1]:>8.1%}" if share else f"{'':>8}")
            )
    ratios = data.get("update_ratio", {})
    if ratios:
        report("update:weight ratio (healthy: about 1e-3), last [median]:")
        for name, row in ratios.items():
            values = sorted(row["ratio"])
            report(f"  {name:<24} {row['ratio'][-1]:>9.2e} [{values[len(values) // 2]:.2e}]")
    cost = data.get("cost", {})
    if cost:
        cpu = (
            f"; CPU {cost['cpu_seconds']:.2f} s of {cost['train_cpu_seconds']:.1f} s "
            f"({cost['cpu_fraction']:.1%})"
            if "cpu_fraction" in cost
            else ""
        )
        report(
            f"diagnostics cost: {cost['seconds']:.2f} s of {cost['train_seconds']:.1f} s "
            f"({cost['fraction']:.1%}){cpu}"
        )
    return len(findings)
