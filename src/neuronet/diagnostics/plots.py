"""The diagnostics' figures (PNG, written atomically; none when matplotlib is missing):
activation and gradient histograms per layer, the update:weight ratio per parameter over the
steps, and the learning-rate range test's loss curve."""

from __future__ import annotations

import io
import math
from pathlib import Path
from typing import Any

from ..serialization import atomic_write

MAX_PANELS = 12


def _pyplot() -> Any:
    try:
        import matplotlib  # noqa: PLC0415

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt  # noqa: PLC0415
    except ImportError:
        return None
    return plt


def _save(plt: Any, fig: Any, path: Path) -> Path:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=72)
    plt.close(fig)
    data = buf.getvalue()
    atomic_write(path, lambda f: f.write(data))
    return path


def _bars(ax: Any, hist: dict | None, label: str, alpha: float) -> None:
    if not hist:
        return
    ax.stairs(hist["counts"], hist["edges"], fill=True, alpha=alpha, label=label)


def histogram_figures(histograms: dict[str, dict], folder: Path) -> list[Path]:
    """activations.png and gradients.png: per layer, the first and the last probe's
    histogram of its outputs (of the gradients reaching them)."""
    plt = _pyplot()
    if plt is None or not histograms:
        return []
    written = []
    names = list(histograms)[:MAX_PANELS]
    cols = min(3, len(names))
    rows = math.ceil(len(names) / cols)
    for key, title, file in (
        ("output", "outputs", "activations.png"),
        ("grad", "gradients of the outputs", "gradients.png"),
    ):
        fig, axes = plt.subplots(rows, cols, figsize=(4 * cols, 2.6 * rows), squeeze=False)
        for ax, name in zip(axes.flat, names):
            _bars(ax, histograms[name][key]["first"], "first probe", 0.5)
            _bars(ax, histograms[name][key]["last"], "last probe", 0.5)
            ax.set_title(f"{name or 'model'}: {title}", fontsize=8)
            ax.tick_params(labelsize=7)
        for ax in list(axes.flat)[len(names) :]:
            ax.axis("off")
        axes.flat[0].legend(fontsize=7)
        fig.subplots_adjust(left=0.06, right=0.98, bottom=0.08, top=0.92, wspace=0.3, hspace=0.6)
        written.append(_save(plt, fig, folder / file))
    return written


def update_ratio_figure(update_ratio: dict[str, dict], folder: Path) -> list[Path]:
    """update_ratio.png: log10 of each parameter's update:weight ratio over the steps, with
    the healthy 1e-3 and the thresholds marked."""
    from .checks.updates import RATIO_HIGH, RATIO_LOW  # noqa: PLC0415

    plt = _pyplot()
    if plt is None or not update_ratio:
        return []
    fig, ax = plt.subplots(figsize=(7, 4))
    for name, row in update_ratio.items():
        values = [math.log10(r) if r and r > 0 else float("nan") for r in row["ratio"]]
        ax.plot(row["step"], values, marker=".", label=name)
    ax.axhline(-3, color="grey", linestyle="--", linewidth=1)
    for bound in (RATIO_HIGH, RATIO_LOW):
        ax.axhline(math.log10(bound), color="red", linestyle=":", linewidth=1)
    ax.set_xlabel("step")
    ax.set_ylabel("log10(update rms / weight rms)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    fig.tight_layout()
    return [_save(plt, fig, folder / "update_ratio.png")]


def lr_find_figure(result: Any, path: Path) -> Path | None:
    """The range test's smoothed loss against the rate (log scale), the suggestion marked."""
    plt = _pyplot()
    if plt is None:
        return None
    fig, ax = plt.subplots(figsize=(6, 4))
    n = len(result.smoothed)
    ax.plot(result.lrs[:n], result.smoothed)
    ax.set_xscale("log")
    ax.axvline(
        result.suggestion, color="red", linestyle="--", label=f"suggested {result.suggestion:.2g}"
    )
    ax.axvline(
        result.lr_min, color="grey", linestyle=":", label=f"loss minimum {result.lr_min:.2g}"
    )
    ax.set_xlabel("learning rate")
    ax.set_ylabel("smoothed loss")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    return _save(plt, fig, path)
