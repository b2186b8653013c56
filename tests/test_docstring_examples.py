"""Every example in every docstring of the package runs and prints what it shows, so none can
rot: one runner for all modules (the core, storage, teaching and app alike)."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import minigrad

MODULES = sorted(
    info.name
    for info in pkgutil.walk_packages(minigrad.__path__, "minigrad.")
    if info.name != "minigrad.__main__"  # importing it runs the command
)


@pytest.mark.parametrize("name", ["minigrad", *MODULES])
def test_docstring_examples_run(name, tmp_path, monkeypatch):
    module = importlib.import_module(name)
    monkeypatch.chdir(tmp_path)  # an example that writes a file writes it here
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0


def test_the_runner_finds_the_examples_of_every_layer():
    finder = doctest.DocTestFinder()
    with_examples = {
        name
        for name in MODULES
        if any(test.examples for test in finder.find(importlib.import_module(name)))
    }
    expected = {
        "minigrad.engine", "minigrad.nn", "minigrad.losses", "minigrad.optim",
        "minigrad.gradcheck", "minigrad.storage.checkpoint", "minigrad.teaching.explain",
        "minigrad.app.data", "minigrad.app.expression",
    }  # fmt: skip
    assert expected <= with_examples
