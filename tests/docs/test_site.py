"""The documentation site: ``mkdocs build --strict`` runs every tutorial and must succeed, and
a real browser (headless Chromium) renders its pages without a broken image or a console error.

Skipped with a reason where MkDocs (the ``docs`` extra, part of ``dev``) or Chromium (Debian's
``chromium`` package) is missing.
"""

from __future__ import annotations

import html.parser
import importlib.util
import math
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TUTORIALS = sorted((ROOT / "docs" / "tutorials").glob("*.py")) + sorted(
    (ROOT / "docs" / "guides").glob("*.py")
)

needs_mkdocs = pytest.mark.skipif(
    importlib.util.find_spec("mkdocs") is None or importlib.util.find_spec("mkdocstrings") is None,
    reason="MkDocs and mkdocstrings are not installed (pip install -e '.[docs]')",
)


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("site")
    env = dict(
        os.environ,
        DISABLE_MKDOCS_2_WARNING="true",
        NO_MKDOCS_2_WARNING="1",
        MPLBACKEND="Agg",
        PYTHONPATH=str(ROOT / "src"),
    )
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return out


@needs_mkdocs
def test_every_tutorial_ran_into_a_page_with_its_output(site):
    assert TUTORIALS, "no tutorials found"
    for tutorial in TUTORIALS:
        page = site / tutorial.parent.name / tutorial.stem / "index.html"
        assert page.exists(), f"{tutorial.name} made no page"
        text = page.read_text(encoding="utf-8")
        # printed output is shown in plain blocks (code in language-python ones), figures as images
        assert '<div class="highlight">' in text or "<img" in text, f"{tutorial.name}: no output"
    neuron = (site / "tutorials" / "02_neurons_and_layers" / "index.html").read_text("utf-8")
    assert (
        f"one neuron: a = {1 / (1 + math.exp(-0.1)):.6f}" in neuron
    )  # sigmoid(0.4 - 0.2 - 0.3 + 0.2)
    figures = list((site / "tutorials").glob("*.png"))
    # activations, initialisation, rates, batches; the backprop graph where Graphviz draws it
    assert len(figures) >= (5 if shutil.which("dot") else 4)


@needs_mkdocs
def test_the_api_reference_names_pytorchs_counterparts(site):
    page = (site / "api" / "neuronet.nn" / "index.html").read_text(encoding="utf-8")
    assert "neuronet.nn.Linear" in page and "torch.nn.Linear" in page
    assert "x @ weight.T + bias" in page or "weight" in page  # a docstring made it in
    functional = (site / "api" / "neuronet.nn.functional" / "index.html").read_text(
        encoding="utf-8"
    )
    assert "neuronet.nn.functional.cross_entropy" in functional


class _Page(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.title, self.headings, self.images, self._in = "", [], [], None

    def handle_starttag(self, tag, attrs):
        if tag in ("title", "h1", "h2"):
            self._in = tag
        if tag == "img":
            self.images.append(dict(attrs).get("src", ""))

    def handle_endtag(self, tag):
        self._in = None

    def handle_data(self, data):
        if self._in == "title":
            self.title += data
        elif self._in in ("h1", "h2") and data.strip():
            self.headings.append(data.strip())


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@needs_mkdocs
@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium)")
@pytest.mark.parametrize(
    "path",
    [
        "index.html",
        "tutorials/04_backpropagation/index.html",
        "api/neuronet.nn/index.html",
    ],
)
def test_a_real_browser_renders_the_page(site, path, tmp_path):
    page = site / path
    url = page.as_uri()
    base = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--enable-logging=stderr",
        "--v=0",
        "--window-size=1280,1600",
    ]
    dom = subprocess.run(base + ["--dump-dom", url], capture_output=True, text=True, timeout=120)
    assert dom.returncode == 0, dom.stderr[-2000:]
    shot = tmp_path / (path.replace("/", "_") + ".png")
    done = subprocess.run(
        base + [f"--screenshot={shot}", url], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0 and shot.stat().st_size > 10_000, done.stderr[-2000:]
    console = [
        line
        for line in dom.stderr.splitlines() + done.stderr.splitlines()
        if "CONSOLE" in line or "Uncaught" in line
    ]
    assert not console, console
    parsed = _Page()
    parsed.feed(dom.stdout)
    assert "neuronet" in parsed.title
    assert parsed.headings, "no headings rendered"
    for src in parsed.images:
        if src.startswith(("http:", "https:", "data:")):
            continue
        target = (page.parent / src.split("#")[0]).resolve()
        assert target.exists(), f"{path}: broken image {src}"


def test_every_api_namespace_has_its_page_in_the_navigation():
    sys.path.insert(0, str(ROOT / "docs" / "site_tools"))
    try:
        from api_modules import API_MODULES
    finally:
        sys.path.pop(0)
    nav = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    missing = [m for m, *_ in API_MODULES if f"api/{m}.md" not in nav]
    assert not missing, f"mkdocs.yml's nav lacks the API pages of {missing}"
