"""The examples in the docstrings and in the README run, and print what they say."""

from __future__ import annotations

import contextlib
import doctest
import importlib
import io
import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
PACKAGE = README.with_name("PACKAGE.md")  # the long description, the package index's page
MODULES = ["minigrad", "minigrad.engine", "minigrad.floats", "minigrad.gradcheck"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name):
    results = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert results.attempted > 0, f"{name} has no examples to run"
    assert results.failed == 0


def python_blocks(markdown: str) -> list[str]:
    return re.findall(r"^```python\n(.*?)^```", markdown, flags=re.MULTILINE | re.DOTALL)


def test_python_blocks_are_found():
    text = "intro\n```python\nx = 1\n```\n```\nmake test\n```\n```python\ny = 2\n```\n"
    assert python_blocks(text) == ["x = 1\n", "y = 2\n"]


EXAMPLES = [
    (page, number)
    for page in (README, PACKAGE)
    for number in range(len(python_blocks(page.read_text())))
]


@pytest.mark.parametrize(("page", "number"), EXAMPLES, ids=[f"{p.name}-{n}" for p, n in EXAMPLES])
def test_readme_python_example_runs(page, number, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the examples write files (model.json, neuron.svg, ...)
    code = python_blocks(page.read_text())[number]
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        where = f"{page.name}, python block {number + 1}"
        exec(compile(code, where, "exec"), {"__name__": "readme"})
    if "print(" in code:
        assert printed.getvalue(), "the example prints nothing"


def test_readme_has_python_examples():
    assert len(python_blocks(README.read_text())) >= 2
