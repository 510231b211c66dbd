"""The per-epoch history of a run: CSV and JSON files, and PNG curves."""

from __future__ import annotations

import csv
import functools
import io
import json
from pathlib import Path
from typing import BinaryIO

from ..serialization import atomic_write_text


def write_history(history: list[dict], folder: Path) -> list[Path]:
    """history.csv and history.json in ``folder`` (atomically); returns their paths."""
    if not history:
        return []
    keys = list(history[0])
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=keys)
    writer.writeheader()
    writer.writerows(history)
    atomic_write_text(folder / "history.csv", buf.getvalue())
    atomic_write_text(folder / "history.json", json.dumps(history, indent=1))
    return [folder / "history.csv", folder / "history.json"]


def plot_history(history: list[dict], folder: Path) -> list[Path]:
    """loss.png and accuracy.png (train vs validation) if matplotlib is installed."""
    try:
        import matplotlib  # noqa: PLC0415

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt  # noqa: PLC0415
    except ImportError:
        return []
    written = []
    epochs = [h["epoch"] for h in history]
    for metric in ("loss", "accuracy"):
        series = {k: [h[k] for h in history] for k in (metric, f"val_{metric}") if k in history[0]}
        if not series:
            continue
        fig, ax = plt.subplots(figsize=(6, 4))
        for name, values in series.items():
            ax.plot(epochs, values, marker="o", label=name)
        ax.set_xlabel("epoch")
        ax.set_ylabel(metric)
        ax.grid(alpha=0.3)
        ax.legend()
        fig.tight_layout()
        path = folder / f"{metric}.png"
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=100)
        plt.close(fig)
        from ..serialization import atomic_write  # noqa: PLC0415

        atomic_write(path, functools.partial(_write_bytes, data=buf.getvalue()))
        written.append(path)
    return written


def _write_bytes(file: BinaryIO, data: bytes) -> None:
    file.write(data)
