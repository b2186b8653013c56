# The two commands of the README: `make demo` and `make test`. Each does all of its own set-up:
# system packages when missing, then .venv with what the target needs (skipped when up to date).
# `make demo` needs only Python: it draws with matplotlib, so it runs without Graphviz or apt-get
# (on macOS too); `make test` installs Graphviz and Chromium with apt-get.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: demo test fuzz dist student-bundle docs docs-serve notebook bench bench-instructions lint clean

demo: $(VENV)/.installed-demo
	$(BIN)/minigrad demo moons --out minigrad-out
	@echo "The pictures are in $(CURDIR)/minigrad-out: decision-boundary.png and training-curve.png"

test: $(VENV)/.installed-test node_modules/.installed
	./scripts/ensure-system-packages dot=graphviz chromium=chromium
	$(BIN)/ruff check src tests examples benchmarks docs/*.py exercises/*.py scripts/*.py
	$(BIN)/lint-imports --no-cache
	$(BIN)/python -m pytest

# The Tensor engine against PyTorch at length: FUZZ_PROGRAMS random programs of Tensor operations
# on each array backend (make test runs a few hundred); prints how many programs and operations
# ran, and every class of mismatch with its smallest repro. Fails on a mismatch the docs do not list.
FUZZ_PROGRAMS ?= 3000
fuzz: $(VENV)/.installed-test
	$(BIN)/python -m tests.tensor_fuzz --programs $(FUZZ_PROGRAMS)

# The sdist and the wheel of MiniGrad into dist/ (pip install 'dist/minigrad_edu-*.whl[viz]'
# installs it anywhere), checked as the package index would check them.
dist: $(VENV)/.installed-dist
	rm -rf dist
	$(BIN)/python -m build --outdir dist .
	$(BIN)/twine check --strict dist/*

# The exercises to hand to students: the notebooks without their solutions, a wheel of MiniGrad
# and a short README, in student-bundle/ and student-bundle.zip (docs/teaching.md).
student-bundle: $(VENV)/.installed-dist
	$(BIN)/python exercises/make_bundle.py student-bundle

# The documentation site (MkDocs + Material) into site/, every warning an error; the notebooks
# are executed as it builds. docs-serve rebuilds on every change: http://127.0.0.1:8000
docs: $(VENV)/.installed-docs node_modules/.installed
	./scripts/ensure-system-packages dot=graphviz
	$(BIN)/mkdocs build --strict

docs-serve: $(VENV)/.installed-docs node_modules/.installed
	./scripts/ensure-system-packages dot=graphviz
	$(BIN)/mkdocs serve --strict

# JupyterLab with this checkout's MiniGrad, for the tutorials (docs/) and the exercises
# (exercises/); NOTEBOOK_ARGS adds options.
notebook: $(VENV)/.installed-notebook
	./scripts/ensure-system-packages dot=graphviz
	$(BIN)/jupyter lab --notebook-dir=. $(if $(filter 0,$(shell id -u)),--allow-root) $(NOTEBOOK_ARGS)

# MiniGrad beside micrograd, PyTorch and plain floats, in one process: prints the tables and
# writes benchmarks/results/latest.json.
bench: $(VENV)/.installed-bench
	$(BIN)/python -m benchmarks

# W1 counted in instructions (valgrind's callgrind): exact on a busy machine, for comparing two
# versions of the engine; also MiniGrad's step phase by phase. About three minutes.
bench-instructions: $(VENV)/.installed-bench
	./scripts/ensure-system-packages valgrind=valgrind
	$(BIN)/python -m benchmarks.instructions --phases

# ruff, and the layers of the package (import-linter's contract in pyproject.toml).
lint: $(VENV)/.installed-test
	$(BIN)/ruff check src tests examples benchmarks docs/*.py exercises/*.py scripts/*.py
	$(BIN)/lint-imports --no-cache

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# .venv/.installed-EXTRA: MiniGrad installed (editable) with that extra of pyproject.toml.
$(VENV)/.installed-%: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[$*]'
	touch $@

# The JavaScript of the docs site's Playground (Pyodide, CodeMirror, Graphviz compiled to
# WebAssembly), exactly as package-lock.json pins it, checked against its integrity hashes.
node_modules/.installed: package.json package-lock.json
	./scripts/ensure-system-packages node=nodejs npm=npm
	npm ci --no-audit --no-fund
	touch $@

clean:
	rm -rf $(VENV) node_modules build dist student-bundle student-bundle.zip site .cache src/*.egg-info .pytest_cache .ruff_cache .hypothesis
