"""Write the students' bundle of the exercises: ``make student-bundle``.

Into a folder (``student-bundle/`` by default) and a zip of it beside it: the exercise notebooks
without their solutions, a wheel of MiniGrad that installs the checks they call, and a short
README that says how to start. The teacher's page of the documentation says how to run a class
with it.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

README = """# MiniGrad exercises

Seven short notebooks about backpropagation, to work through in order:

{listing}

Each notebook has cells marked with `...` for your answers, and check cells below them that say
in plain words what is not right yet (and the rule to apply), or print a line starting with ✓.

## Set up, once

You need Python 3.10 or newer. In this folder:

```
python3 -m venv .venv
.venv/bin/pip install '{wheel}[notebook]'
```

(on Windows: `py -m venv .venv`, then `.venv\\Scripts\\pip install "{wheel}[notebook]"`).
This installs MiniGrad, the checks the notebooks call, and JupyterLab. Exercise 4 draws a graph
at its end, which also needs the Graphviz program: `apt-get install graphviz` on Debian or
Ubuntu, `brew install graphviz` on macOS, `conda install -c conda-forge graphviz` anywhere.

## Work

```
.venv/bin/jupyter lab
```

then open `01-derivative.ipynb`, and run its cells from the top (Shift+Enter).
"""


def build_wheel(out: Path) -> Path:
    """A wheel of MiniGrad, built from this checkout into ``out``."""
    with tempfile.TemporaryDirectory() as work:
        subprocess.run(
            [sys.executable, "-m", "build", "--wheel", "--outdir", work, str(ROOT)],
            check=True,
            capture_output=True,
        )
        (wheel,) = Path(work).glob("*.whl")
        return Path(shutil.copy2(wheel, out))


def notebook_titles() -> list[tuple[str, str]]:
    """Each exercise notebook (not its solution) and the title of its first cell."""
    import nbformat

    titles = []
    for path in sorted(HERE.glob("[0-9][0-9]-*.ipynb")):
        first = nbformat.read(path, as_version=4).cells[0].source.splitlines()[0]
        titles.append((path.name, first.lstrip("# ").strip()))
    return titles


def main(folder: Path) -> list[Path]:
    """Write the bundle into ``folder`` (replacing what is there) and ``folder``.zip."""
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    titles = notebook_titles()
    for name, _ in titles:
        shutil.copy2(HERE / name, folder / name)
    wheel = build_wheel(folder)
    listing = "\n".join(f"- `{name}`: {title}" for name, title in titles)
    (folder / "README.md").write_text(README.format(listing=listing, wheel=wheel.name))
    archive = shutil.make_archive(str(folder), "zip", root_dir=folder.parent, base_dir=folder.name)
    return [folder, Path(archive)]


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "student-bundle"
    for path in main(target.resolve()):
        print(f"wrote {path}")
