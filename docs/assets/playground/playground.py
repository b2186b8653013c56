"""The Playground's Python side: runs the editor's code in the browser, shows what it makes.

It runs in a Web Worker under Pyodide, beside this site's copy of the ``minigrad`` package (the
same source files as the checkout the site was built from). The page's script (worker.js) calls
``run(code)`` and the training functions below; this module talks back through ``js.send``.

What a run shows: what the code prints, a traceback when it raises, and the value of its last
line: a drawing (``draw_dot(...)``) as a picture laid out by Graphviz compiled to WebAssembly, a
written web page (the Path that ``backprop_html`` returns) opened beside the code, anything else
as its repr, as Python's interactive prompt shows it. ``show(x)`` shows any value that way.
"""

from __future__ import annotations

import ast
import linecache
import re
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import js  # the Web Worker's global scope (Pyodide)

from minigrad.teaching import viz

# A picture with more DOT statements (nodes and edges) than this is not drawn: laying it out takes
# Graphviz long. draw_dot already draws a marked summary of a large graph unless forced.
MAX_DRAWN_STATEMENTS = 6000
BOUNDARY_GRID = 28  # the decision boundary is the network's sign on a grid of this many squared


def _render_in_browser(dot_text: str, engine: str, output_format: str) -> str:
    statements = dot_text.count("\n") - 2  # graphviz writes one statement a line
    if statements > MAX_DRAWN_STATEMENTS:
        raise viz.GraphTooLargeError(
            f"the graph is too large to draw in the page ({statements:,} nodes and edges, more "
            f"than {MAX_DRAWN_STATEMENTS:,}): draw a smaller part of it, or let draw_dot draw its "
            "summary (without force=True)"
        )
    return str(js.renderDot(dot_text, engine, output_format))


viz.use_graphviz_function(_render_in_browser)


def show(value: Any) -> None:
    """Show ``value`` in the page: a drawing as a picture, a web page beside the code, else repr."""
    if value is None:
        return
    if hasattr(value, "pipe") and hasattr(value, "source"):  # a graphviz drawing (draw_dot)
        try:
            svg = value.pipe(format="svg", encoding="utf-8")
        except viz.GraphTooLargeError as error:
            print(f"Not drawn: {error}", file=sys.stderr)
            return
        js.send("svg", svg[svg.index("<svg") :])
    elif isinstance(value, Path) and value.suffix == ".html" and value.is_file():
        js.send("page", value.read_text(encoding="utf-8"))
    else:
        print(repr(value))


def run(code: str) -> None:
    """Run ``code`` as a script in a fresh namespace; show its last line's value, as a prompt does."""
    namespace = {"__name__": "__main__", "show": show}
    linecache.cache["<playground>"] = (len(code), None, code.splitlines(True), "<playground>")
    try:
        tree = ast.parse(code, "<playground>")
        last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
        exec(compile(tree, "<playground>", "exec"), namespace)
        if last is not None:
            show(eval(compile(ast.Expression(last.value), "<playground>", "eval"), namespace))
    except BaseException as error:  # noqa: BLE001 (everything the user's code raises is shown)
        _print_traceback(error)


def _print_traceback(error: BaseException) -> None:
    """The traceback from the user's code on: the frames of this module left out.

    An error that says how it is to be shown (``_render_traceback_``, as IPython asks, e.g. an
    exercise check's "Not yet: ...") is shown that way, its terminal colours left out.
    """
    render = getattr(error, "_render_traceback_", None)
    if callable(render):
        print(re.sub(r"\x1b\[[0-9;]*m", "", "\n".join(render())), file=sys.stderr)
        return
    frames = traceback.extract_tb(error.__traceback__)
    while frames and frames[0].filename == __file__:
        frames = frames[1:]
    lines = ["Traceback (most recent call last):\n"] if frames else []
    lines += traceback.format_list(frames)
    lines += traceback.format_exception_only(type(error), error)
    print("".join(lines), end="", file=sys.stderr)


# ---------------------------------------------------------------------------------------------
# Training you can watch: the page's panel asks for steps; each answer redraws it
# ---------------------------------------------------------------------------------------------


class _Training:
    def __init__(
        self,
        new_model: Callable[[int], Any],
        train_step: Callable[[Any, float], tuple[float, float]],
        score: Callable[[Any, list[float]], float],
        points: list[list[float]],
        labels: list[float],
    ) -> None:
        self.new_model, self.train_step, self.score = new_model, train_step, score
        self.points, self.labels = points, labels
        xs, ys = [p[0] for p in points], [p[1] for p in points]
        margin = 0.4
        self.box = (min(xs) - margin, max(xs) + margin, min(ys) - margin, max(ys) + margin)
        self.width = 0
        self.model: Any = None
        self.step = 0

    def reset(self, width: int) -> None:
        self.width, self.model, self.step = width, self.new_model(width), 0

    def boundary(self) -> list[float]:
        """The network's score on a grid over the points, row by row from the top."""
        x_low, x_high, y_low, y_high = self.box
        n = BOUNDARY_GRID
        return [
            self.score(self.model, [x_low + (x_high - x_low) * (i + 0.5) / n, y])
            for j in range(n)
            for y in [y_high - (y_high - y_low) * (j + 0.5) / n]
            for i in range(n)
        ]


_training: _Training | None = None


def train_live(
    new_model: Callable[[int], Any],
    train_step: Callable[[Any, float], tuple[float, float]],
    score: Callable[[Any, list[float]], float],
    points: list[list[float]],
    labels: list[float],
    *,
    learning_rate: float = 0.1,
    width: int = 16,
) -> None:
    """Hand a training loop to the page's panel: Start/Pause, learning rate, width, live pictures.

    ``new_model(width)`` makes a network; ``train_step(model, learning_rate)`` takes one step and
    returns the loss and accuracy; ``score(model, point)`` is the network's output, whose sign is
    the class (-1 or +1, as in ``labels``).
    """
    global _training
    _training = _Training(new_model, train_step, score, points, labels)
    _training.reset(width)
    js.send("training", _json({"points": points, "labels": labels, "box": _training.box,
                               "grid": BOUNDARY_GRID, "learning_rate": learning_rate,
                               "width": width, "boundary": _training.boundary()}))


def train_steps(steps: int, learning_rate: float, width: int) -> str:
    """Take ``steps`` steps (a new network first if the width changed); what the panel redraws."""
    if _training is None:
        raise RuntimeError("nothing to train: run the moons example first")
    if width != _training.width:
        _training.reset(width)
    losses, accuracy = [], 0.0
    for _ in range(steps):
        loss, accuracy = _training.train_step(_training.model, learning_rate)
        _training.step += 1
        losses.append(loss)
    return _json({"step": _training.step, "losses": losses, "accuracy": accuracy,
                  "boundary": _training.boundary()})


def reset_training(width: int) -> str:
    """A new network of this width, before any step."""
    if _training is None:
        raise RuntimeError("nothing to train: run the moons example first")
    _training.reset(width)
    return _json({"step": 0, "losses": [], "accuracy": None, "boundary": _training.boundary()})


def _json(data: object) -> str:
    import json

    return json.dumps(data, allow_nan=True)
