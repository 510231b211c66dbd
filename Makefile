# Quick start: `make train` (set up, then train the default model) and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: setup test lint train bench docs docs-serve clean

$(PY):
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	# PyTorch is the reference the comparison tests check against; they skip without it.
	$(PY) -m pip install -q torch==2.13.0 || echo "PyTorch 2.13.0 not installable here: PyTorch comparison tests will skip"
	touch $(STAMP)

setup: $(STAMP)

test: $(STAMP)
	$(PY) -m pytest

# ruff (lint, then the format check) and the type checker, all configured in pyproject.toml.
lint: $(STAMP)
	$(VENV)/bin/ruff check src
	$(VENV)/bin/ruff format --check src
	$(VENV)/bin/mypy

train: $(STAMP)
	$(PY) -m neuronet train

bench: $(STAMP)
	# JAX (the whole step jitted) is a peer where it installs; the bench reports n/a where not.
	$(PY) -c "import jax" 2>/dev/null || $(PY) -m pip install -q 'jax[cpu]' || echo "JAX not installable here: its column will read n/a"
	# OPENBLAS_CORETYPE/L2_SIZE (set on some machines here for old OpenBLAS builds) slow a current
	# NumPy down; unset them for the measurement only.
	env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE $(PY) benchmarks/run.py

# The documentation site (MkDocs): every tutorial in docs/tutorials runs during the build, and
# --strict fails it on a broken link, a missing page or a tutorial that raises.
MKDOCS := DISABLE_MKDOCS_2_WARNING=true NO_MKDOCS_2_WARNING=1 MPLBACKEND=Agg $(PY) -m mkdocs
docs: $(STAMP)
	$(MKDOCS) build --strict

docs-serve: $(STAMP)
	$(MKDOCS) serve

clean:
	rm -rf $(VENV) build dist site src/*.egg-info .pytest_cache
