"""The notebooks in docs/ run from top to bottom, so they cannot rot, and are stored clean."""

import os
import runpy
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
NOTEBOOKS = [
    "engine-walkthrough.ipynb", "training.ipynb", "scalars-to-tensors.ipynb", "backprop-ninja.ipynb"
]


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_runs_without_errors(name, tmp_path, monkeypatch):
    # the kernel is a new process: it finds this checkout's code through PYTHONPATH
    monkeypatch.setenv(
        "PYTHONPATH", os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")])
    )
    notebook = nbformat.read(DOCS / name, as_version=4)
    client = NotebookClient(
        notebook,
        timeout=600,  # per cell; a safety net, not a speed requirement
        kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path)}},  # files it writes go to tmp_path
    )
    client.execute()  # raises CellExecutionError, with the cell and traceback, if a cell fails
    outputs = [
        output for cell in notebook.cells if cell.cell_type == "code" for output in cell.outputs
    ]
    assert not [output for output in outputs if output.output_type == "error"]
    assert any(output.output_type in ("display_data", "execute_result") for output in outputs)


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_is_stored_without_outputs(name):
    notebook = nbformat.read(DOCS / name, as_version=4)
    nbformat.validate(notebook)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert code
    assert all(cell.outputs == [] and cell.execution_count is None for cell in code)


def test_notebooks_are_what_the_generator_writes():
    generator = runpy.run_path(str(DOCS / "make_notebooks.py"))
    assert sorted(generator["NOTEBOOKS"]) == sorted(NOTEBOOKS)
    for name, cells in generator["NOTEBOOKS"].items():
        expected = generator["notebook"](cells)
        stored = nbformat.read(DOCS / name, as_version=4)
        assert stored == expected, f"{name} differs from docs/make_notebooks.py: run it again"


def test_engine_walkthrough_covers_the_seed_readme_sections():
    notebook = nbformat.read(DOCS / "engine-walkthrough.ipynb", as_version=4)
    headings = [
        line
        for cell in notebook.cells
        if cell.cell_type == "markdown"
        for line in cell.source.splitlines()
        if line.startswith("## ")
    ]
    for topic in ["Value", "Operators", "backward", "accumulation rule", "Drawings", "Explainers"]:
        assert any(topic in heading for heading in headings), (topic, headings)
