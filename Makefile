# The two commands of the README: `make demo` and `make test`. Each does all of its own set-up:
# system packages when missing, then .venv with what the target needs (skipped when up to date).
# `make demo` needs only Python: it draws with matplotlib, so it runs without Graphviz or apt-get
# (on macOS too); `make test` installs Graphviz and Chromium with apt-get.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: demo test bench bench-instructions lint clean

demo: $(VENV)/.installed-demo
	$(BIN)/minigrad demo moons --out minigrad-out
	@echo "The pictures are in $(CURDIR)/minigrad-out: decision-boundary.png and training-curve.png"

test: $(VENV)/.installed-test
	./scripts/ensure-system-packages dot=graphviz chromium=chromium
	$(BIN)/ruff check src tests examples benchmarks
	$(BIN)/python -m pytest

# MiniGrad beside micrograd, PyTorch and plain floats, in one process: prints the tables and
# writes benchmarks/results/latest.json.
bench: $(VENV)/.installed-bench
	$(BIN)/python -m benchmarks

# W1 counted in instructions (valgrind's callgrind): exact on a busy machine, for comparing two
# versions of the engine; also MiniGrad's step phase by phase. About three minutes.
bench-instructions: $(VENV)/.installed-bench
	./scripts/ensure-system-packages valgrind=valgrind
	$(BIN)/python -m benchmarks.instructions --phases

lint: $(VENV)/.installed-test
	$(BIN)/ruff check src tests examples benchmarks

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed-demo: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[demo]'
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[test]'
	touch $@

$(VENV)/.installed-bench: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[bench]'
	touch $@

clean:
	rm -rf $(VENV) build src/*.egg-info .pytest_cache .ruff_cache .hypothesis
