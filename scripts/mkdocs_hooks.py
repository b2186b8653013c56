"""MkDocs hooks of the documentation site (mkdocs.yml, ``hooks:``).

The exercise notebooks (exercises/*.ipynb, not their solutions) are served by the site as files
to download, at exercises/NAME.ipynb: the Exercises page links each one. They are added after
mkdocs-jupyter has chosen its pages, so they stay notebooks, neither rendered nor executed.

The step-through page of the lecture's neuron is written by backprop_html as the site is built,
at step-through/neuron.html, so the page the explainers link is the current code's.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files

EXERCISES = Path(__file__).resolve().parents[1] / "exercises"


def on_files(files: Files, config: MkDocsConfig) -> Files:
    for notebook in sorted(EXERCISES.glob("[0-9][0-9]-*.ipynb")):
        files.append(
            File.generated(config, f"exercises/{notebook.name}", abs_src_path=str(notebook))
        )
    files.append(File.generated(config, "step-through/neuron.html", content=_neuron_page()))
    return files


def _neuron_page() -> str:
    """The step-through page of the lecture's neuron, o = tanh(x1·w1 + x2·w2 + b)."""
    from minigrad.teaching.exercises import neuron
    from minigrad.teaching.explain import backprop_html

    o, _ = neuron()
    with tempfile.TemporaryDirectory() as scratch:
        page = backprop_html(o, Path(scratch) / "neuron.html", title="o = tanh(x1·w1 + x2·w2 + b)")
        return page.read_text(encoding="utf-8")
