"""Run a tutorial (a Python file of ``# %%`` cells) and write it out as a Markdown page.

A cell that starts with ``# %% [markdown]`` is prose: its comment lines, with the leading
``# `` removed, are the page's Markdown. Every other cell is code: it is shown, run (all cells
in one namespace, in order), and followed by what it printed and by each Matplotlib figure it
left open, saved as a PNG beside the page. An exception in any cell stops the build with the
tutorial's name and the cell's first line, so a tutorial that no longer runs cannot be
published.
"""

from __future__ import annotations

import contextlib
import io
import re
from collections.abc import Callable
from pathlib import Path

CELL = re.compile(r"^# %%(.*)$", re.MULTILINE)


class TutorialError(RuntimeError):
    """A tutorial cell raised."""


def cells(source: str) -> list[tuple[str, str]]:
    """``(kind, text)`` for each cell: kind ``markdown`` or ``code``."""
    marks = list(CELL.finditer(source))
    out = []
    for i, m in enumerate(marks):
        end = marks[i + 1].start() if i + 1 < len(marks) else len(source)
        body = source[m.end() : end].strip("\n")
        if "[markdown]" in m.group(1):
            lines = [
                line[2:] if line.startswith("# ") else line.lstrip("#")
                for line in body.splitlines()
            ]
            out.append(("markdown", "\n".join(lines).strip()))
        elif body.strip():
            out.append(("code", body.rstrip()))
    return out


def render(path: Path, write_image: Callable[[str, bytes], None]) -> str:
    """The Markdown page of tutorial ``path``; each figure goes through
    ``write_image(file name, PNG bytes)`` (the page links to it by that name)."""
    import matplotlib  # noqa: PLC0415

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415

    namespace: dict = {"__name__": "__tutorial__"}
    parts: list[str] = []
    figures = 0
    for kind, text in cells(path.read_text(encoding="utf-8")):
        if kind == "markdown":
            parts.append(text)
            continue
        parts.append(f"```python\n{text}\n```")
        printed = io.StringIO()
        try:
            with contextlib.redirect_stdout(printed):
                exec(compile(text, f"{path.name}", "exec"), namespace)  # noqa: S102
        except Exception as error:
            first = text.splitlines()[0]
            raise TutorialError(
                f"{path.name}: the cell starting {first!r} raised {error!r}"
            ) from error
        if printed.getvalue().strip():
            parts.append(f"```text\n{printed.getvalue().rstrip()}\n```")
        for number in plt.get_fignums():
            figures += 1
            name = f"{path.stem}-{figures}.png"
            buffer = io.BytesIO()
            plt.figure(number).savefig(buffer, format="png", dpi=96, bbox_inches="tight")
            write_image(name, buffer.getvalue())
            parts.append(f"![Figure {figures} of {path.stem}]({name})")
        plt.close("all")
    source_link = (
        f"*This page is the output of [`{path.name}`]({path.name}), run when the site was built.*"
    )
    return "\n\n".join(parts + [source_link]) + "\n"
