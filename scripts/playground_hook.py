"""MkDocs hook: the Playground's files in the built site, and Run buttons on the pages' examples.

As the site is built it copies into ``assets/playground/`` what the Playground page loads, so the
site serves everything itself: Pyodide's runtime, Graphviz compiled to WebAssembly and the
CodeMirror editor, all from ``node_modules`` (``npm ci`` installs them, pinned with their
integrity hashes in package-lock.json), and ``python-packages.zip``: every file of this
checkout's ``src/minigrad`` (walked, so new modules and package data come along), the graphviz
Python package (it only writes DOT text; the drawing is laid out by the WebAssembly Graphviz)
and the page's own ``playground.py``. The Playground page's download size is written into it.

Each Python example of the pages in RUN_PAGES gets a link that opens it in the Playground, and
each exercise notebook listed on the Exercises page a link that opens it there as one script
(its text as comments), to fill in and run.
"""

from __future__ import annotations

import base64
import gzip
import importlib.util
import io
import json
import re
import shutil
import textwrap
import zipfile
from pathlib import Path
from typing import Any

from mkdocs.exceptions import PluginError
from mkdocs.utils import get_relative_url

ROOT = Path(__file__).resolve().parents[1]
NODE_MODULES = ROOT / "node_modules"
PLAYGROUND = ROOT / "docs" / "assets" / "playground"
TARGET = Path("assets") / "playground"

# What the page loads from each npm package: (file in node_modules, where in vendor/)
VENDOR = [
    ("pyodide/pyodide.mjs", "pyodide/pyodide.mjs"),
    ("pyodide/pyodide.asm.mjs", "pyodide/pyodide.asm.mjs"),
    ("pyodide/pyodide.asm.wasm", "pyodide/pyodide.asm.wasm"),
    ("pyodide/python_stdlib.zip", "pyodide/python_stdlib.zip"),
    ("pyodide/pyodide-lock.json", "pyodide/pyodide-lock.json"),
    ("@viz-js/viz/dist/viz.js", "viz/viz.js"),
    ("codemirror/lib/codemirror.js", "codemirror/codemirror.js"),
    ("codemirror/lib/codemirror.css", "codemirror/codemirror.css"),
    ("codemirror/mode/python/python.js", "codemirror/python.js"),
    ("codemirror/LICENSE", "codemirror/LICENSE"),
]
# The page's own files, beside vendor/ (the examples are fetched when chosen; not counted)
PAGE_FILES = ["playground.js", "playground.css", "worker.js"]

# The original MiniGrad description's training loop, as examples/ has it, is one of the examples
EXAMPLES_ELSEWHERE = {"training-loop.py": ROOT / "examples" / "seed_training.py"}
# The pages whose Python examples get a Run link; on the lecture's page they continue its neuron
RUN_PAGES = {"index.md": False, "concepts.md": False, "lecture.md": True}


def lecture_neuron() -> str:
    """The code that builds the lecture's neuron, from the Playground's neuron example."""
    example = (PLAYGROUND / "examples" / "neuron.py").read_text(encoding="utf-8")
    last = 'o.label = "o"\n'
    body = example[example.index("x1 = Value") : example.index(last) + len(last)]
    return (
        "# The lecture's neuron, which the example below continues\n"
        "import math\nfrom minigrad import Value, draw_dot, topological_order\n\n"
        f"{body}topo = topological_order(o)\n\n# The example from the page\n"
    )


_built: dict[str, Any] = {}


def python_packages() -> bytes:
    """The zip that the Playground unpacks beside Python: minigrad, graphviz, playground.py."""
    graphviz = importlib.util.find_spec("graphviz")
    if graphviz is None or not graphviz.submodule_search_locations:
        raise PluginError("the Playground needs the graphviz Python package (the docs extra)")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for package in (ROOT / "src" / "minigrad", Path(graphviz.submodule_search_locations[0])):
            for path in sorted(package.rglob("*")):
                if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
                    archive.write(path, path.relative_to(package.parent).as_posix())
        archive.write(PLAYGROUND / "playground.py", "playground.py")
    return buffer.getvalue()


def on_config(config: Any) -> Any:
    missing = [source for source, _ in VENDOR if not (NODE_MODULES / source).is_file()]
    if missing:
        raise PluginError(
            f"the Playground's JavaScript packages are not installed ({missing[0]} is missing): "
            "run `npm ci` in the checkout (make docs does)"
        )
    _built["zip"] = python_packages()
    loaded = [NODE_MODULES / source for source, _ in VENDOR if "LICENSE" not in source]
    loaded += [PLAYGROUND / name for name in PAGE_FILES]
    sizes = [path.read_bytes() for path in loaded] + [_built["zip"]]
    _built["bytes"] = sum(len(data) for data in sizes)
    _built["gzip"] = sum(len(gzip.compress(data, 6)) for data in sizes)
    return config


def exercise_script(notebook: Path) -> str:
    """A notebook as one Python script: its code cells in order, its text cells as comments
    (a heading's #s left out, so that it reads "# Exercise 1: ..." and not "# # Exercise 1")."""
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    parts = []
    for cell in cells:
        source = "".join(cell["source"]).strip("\n")
        if cell["cell_type"] == "markdown":
            lines = [line.lstrip("#").strip() if line.startswith("#") else line for line in
                     source.splitlines()]
            source = "\n".join(f"# {line}".rstrip() for line in lines)
        parts.append(source)
    return "\n\n".join(parts) + "\n"


def playground_href(code: str, page_url: str, run: bool = True) -> str:
    """The address that opens ``code`` in the Playground (and runs it, if ``run``)."""
    encoded = base64.urlsafe_b64encode(code.encode("utf-8")).decode("ascii").rstrip("=")
    address = get_relative_url("playground/", page_url) + "?code=" + encoded
    return address if run else address + "&run=0"


# On the Exercises page, a notebook's download link: "- [01-x.ipynb](exercises/01-x.ipynb){: ... }"
NOTEBOOK_LINK = re.compile(r"^- \[(?P<name>[\w-]+\.ipynb)\]\(exercises/(?P=name)\)\{[^}]*\}$", re.M)


def with_playground_links(markdown: str, page_url: str) -> str:
    """Each exercise notebook's download link followed by one that opens it in the Playground."""

    def link(match: re.Match) -> str:
        code = exercise_script(ROOT / "exercises" / match["name"])
        href = playground_href(code, page_url, run=False)
        return f'{match[0]} · <a href="{href}">open it in the Playground</a>'

    return NOTEBOOK_LINK.sub(link, markdown)


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    if page.file.src_uri == "exercises.md":
        return with_playground_links(markdown, page.url)
    if page.file.src_uri == "playground.md":
        size = (
            f"about {_built['bytes'] / 1e6:.0f} MB ({_built['gzip'] / 1e6:.0f} MB from a server "
            "that compresses, as most do)"
        )
        markdown = markdown.replace("PLAYGROUND_SIZE", size)
    return markdown


def python_examples(markdown: str) -> list[str]:
    """The code of each ```python block, in order, indented ones (in lists) too."""
    blocks = re.findall(
        r"^([ \t]*)```python\n(.*?)^\1```", markdown, flags=re.MULTILINE | re.DOTALL
    )
    return [textwrap.dedent(code) for _, code in blocks]


def run_link(code: str, page_url: str) -> str:
    href = playground_href(code, page_url)
    return (
        f'<p class="mg-run-link"><a class="md-button" href="{href}" '
        'title="Open this example in the Playground and run it">Run in the Playground</a></p>'
    )


def on_page_content(html: str, page: Any, config: Any, files: Any) -> str:
    if page.file.src_uri not in RUN_PAGES:
        return html
    before = lecture_neuron() if RUN_PAGES[page.file.src_uri] else ""
    examples = python_examples(page.markdown)
    pattern = re.compile(r'<div class="language-python highlight">.*?</div>', re.DOTALL)
    found = pattern.findall(html)
    if len(found) != len(examples):
        raise PluginError(
            f"{page.file.src_uri}: {len(examples)} python examples but {len(found)} code blocks"
        )
    codes = iter(examples)

    def with_link(match: re.Match) -> str:
        code = next(codes)
        if before and not code.startswith("from minigrad import"):
            code = before + code.rstrip("\n") + "\n\ndraw_dot(o)  # the neuron's gradients so far\n"
        return match[0] + run_link(code, page.url)

    return pattern.sub(with_link, html)


def on_post_build(config: Any) -> None:
    target = Path(config["site_dir"]) / TARGET
    for source, destination in VENDOR:
        (target / "vendor" / destination).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(NODE_MODULES / source, target / "vendor" / destination)
    for name, source in EXAMPLES_ELSEWHERE.items():
        shutil.copyfile(source, target / "examples" / name)
    (target / "python-packages.zip").write_bytes(_built["zip"])
    (target / "playground.py").unlink(missing_ok=True)  # it is in the zip
