"""MkDocs hooks of the documentation site (mkdocs.yml, ``hooks:``).

The exercise notebooks (exercises/*.ipynb, not their solutions) are served by the site as files
to download, at exercises/NAME.ipynb: the Exercises page links each one. They are added after
mkdocs-jupyter has chosen its pages, so they stay notebooks, neither rendered nor executed.
"""

from __future__ import annotations

from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files

EXERCISES = Path(__file__).resolve().parents[1] / "exercises"


def on_files(files: Files, config: MkDocsConfig) -> Files:
    for notebook in sorted(EXERCISES.glob("[0-9][0-9]-*.ipynb")):
        files.append(
            File.generated(config, f"exercises/{notebook.name}", abs_src_path=str(notebook))
        )
    return files
