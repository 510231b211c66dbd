"""Pages made while the site builds (run by the ``gen-files`` plugin, see ``mkdocs.yml``).

- ``tutorials/*.md`` and ``guides/*.md``: each ``*.py`` there run by ``tutorial.render``, with
  its figures (Markdown guides beside them are pages as they are).
- ``api/*.md``: one page per public namespace of neuronet: a table of its public names with
  PyTorch's name beside each where PyTorch has the same object (checked against the installed
  PyTorch when there is one), then each class and function documented from its docstring.
"""

from __future__ import annotations

import importlib
import inspect
import sys
from pathlib import Path

import griffe
import mkdocs_gen_files

sys.path.insert(0, str(Path(__file__).parent))
from api_modules import API_MODULES  # noqa: E402
from tutorial import render  # noqa: E402

DOCS = Path(__file__).parent.parent

for folder in ("tutorials", "guides"):  # every Python page there is run into its Markdown page
    for tutorial in sorted((DOCS / folder).glob("*.py")):

        def write_image(name: str, data: bytes, folder: str = folder) -> None:
            with mkdocs_gen_files.open(f"{folder}/{name}", "wb") as f:
                f.write(data)

        page = render(tutorial, write_image)
        with mkdocs_gen_files.open(f"{folder}/{tutorial.stem}.md", "w") as f:
            f.write(page)

try:
    import torch  # noqa: F401
except ImportError:
    torch = None


def public_names(module) -> list[str]:
    """The names ``module`` offers: its ``__all__``, or else the public callables defined in
    it (for ``neuronet.nn.functional`` also the ops of ``neuronet.ops`` it re-exports; for
    ``neuronet`` everything of neuronet's), without registries (ALL-CAPS names) or the names
    it imported for its own use."""
    declared = getattr(module, "__all__", None)
    kept = []
    for name in declared if declared is not None else dir(module):
        obj = getattr(module, name, None)
        if obj is None or inspect.ismodule(obj) or name.startswith("_") or name.isupper():
            continue
        home = getattr(obj, "__module__", None) or ""
        if declared is None:
            own = home.startswith(module.__name__) or (
                module.__name__ == "neuronet.nn.functional" and home.startswith("neuronet.ops")
            )
            if not (own or (module.__name__ == "neuronet" and home.startswith("neuronet"))):
                continue
        kept.append(name)
    return sorted(set(kept), key=str.lower)


def counterpart(torch_path: str | None, name: str) -> str:
    if torch_path is None:
        return "—"
    if torch is None:
        return f"`{torch_path}.{name}` (not checked: PyTorch not installed when built)"
    try:
        target = importlib.import_module(torch_path)
    except ImportError:
        return "—"
    return f"`{torch_path}.{name}`" if hasattr(target, name) else "—"


SOURCES = griffe.load("neuronet", search_paths=[str(DOCS.parent / "src")])


def defined_at(obj) -> str | None:
    """Where ``obj`` is defined (``neuronet.nn.modules.linear.Linear``), when the static view of
    the sources (what mkdocstrings reads) has it there as a class or a function; else None."""
    module, qualname = getattr(obj, "__module__", None), getattr(obj, "__qualname__", None)
    if not module or not qualname or "<" in qualname or not module.startswith("neuronet"):
        return None
    path = f"{module}.{qualname}"
    try:
        found = SOURCES[path.removeprefix("neuronet.")]
    except (KeyError, griffe.AliasResolutionError, ValueError):
        return None
    return path if found.kind.value in ("class", "function") else None


def inspected(public: str, obj) -> list[str]:
    """A reference entry built from the live object (for ops made from tables at import time)."""
    try:
        signature = str(inspect.signature(obj))
    except (TypeError, ValueError):
        signature = "(...)"
    doc = inspect.getdoc(obj) or "(no docstring)"
    return [
        f"## `{public}` {{#{public}}}",
        "",
        "```python",
        f"{public}{signature}",
        "```",
        "",
        doc,
        "",
    ]


documented: dict[int, str] = {}  # id(object) -> the page and anchor that documents it

for module_name, torch_path, title, summary in API_MODULES:
    try:
        module = importlib.import_module(module_name)
    except ImportError as missing:  # an optional part whose extra is not installed
        with mkdocs_gen_files.open(f"api/{module_name}.md", "w") as f:
            f.write(f"# {title}\n\n{summary}\n\n`{module_name}` could not be imported when "
                    f"this site was built ({missing}): install its extra to document it.\n")
        continue
    names = public_names(module)
    entries: list[str] = []
    rows = ["| neuronet | PyTorch |", "|---|---|"]
    for name in names:
        obj = getattr(module, name)
        public = f"{module_name}.{name}"
        if not (inspect.isclass(obj) or callable(obj)):
            rows.append(f"| `{public}` = `{obj!r}` | {counterpart(torch_path, name)} |")
            continue
        if id(obj) in documented:  # (one entry per object: the first page that offers it)
            rows.append(
                f"| [`{public}`]({documented[id(obj)]}) | {counterpart(torch_path, name)} |"
            )
            continue
        path = defined_at(obj)
        anchor = path or public
        documented[id(obj)] = f"{module_name}.md#{anchor}"
        rows.append(f"| [`{public}`](#{anchor}) | {counterpart(torch_path, name)} |")
        if path is None:
            entries += inspected(public, obj)
        else:
            entries += [
                f"::: {path}",
                "    options:",
                "      heading_level: 2",
                f'      heading: "{public}"',
                "",
            ]
    lines = [f"# {title}", "", summary, "", f"`import {module_name}`", "", *rows, "", *entries]
    with mkdocs_gen_files.open(f"api/{module_name}.md", "w") as f:
        f.write("\n".join(lines))
