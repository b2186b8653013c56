"""Watching the backward pass: every chain-rule step, every path, the pass as code, a web page.

For c = a * b, backward does two things at the node c, one per input:

    a.grad += (∂c/∂a) · c.grad = b · c.grad        b.grad += (∂c/∂b) · c.grad = a · c.grad

The functions here show those steps for any graph, computed from the graph as it stands and
without changing any ``.grad``:

* ``explain_backward(root)``: the steps in the order backward runs them, each one line of text;
* ``grad_paths(root, leaf)``: every path from root to leaf and the product of local derivatives
  along it; they add up to ∂root/∂leaf (``a * a`` has two paths: accumulate, don't overwrite);
  printed, a table;
* ``backward_source(root)``: the backward pass as straight-line Python giving the gradients;
* ``backprop_html(root, path)``: one self-contained web page stepping through the pass.

All of them, and the drawing of minigrad.teaching.viz, call each Value by its name from
minigrad.teaching.names: its label, ``label@k`` for a label that several Values share, or a
generated name (``mul1``).

    >>> from minigrad import Value
    >>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    >>> c = a * b; c.label = "c"
    >>> for step in explain_backward(c):
    ...     print(step)
    a.grad += -3.0000 (∂c/∂a = b) × 1.0000 (c.grad) = -3.0000
    b.grad += 2.0000 (∂c/∂b = a) × 1.0000 (c.grad) = 2.0000
"""

from __future__ import annotations

import html
import json
import keyword
import math
import os
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from minigrad import floats
from minigrad.engine import (
    Value,
    _check_backward_rules,
    _walk,
    assigned_backward,
    power_exponent,
)
from minigrad.storage.files import check_target, write_atomically
from minigrad.teaching.backprop_page import PAGE
from minigrad.teaching.input_gradients import input_gradients
from minigrad.teaching.names import names_in_order as _names
from minigrad.teaching.names import readable
from minigrad.teaching.names import value_names as value_names
from minigrad.teaching.viz import DEFAULT_MAX_LAYOUT_COST, DEFAULT_TIMEOUT, shown

MAX_PATHS = 100_000
HTML_MAX_NODES = 1000


# ---------------------------------------------------------------------------------------------
# Names: every Value is called by its name from minigrad.teaching.names (its label, label@k for a
# label several Values share, or a generated name: mul1, tanh2, leaf3), as in the drawing.
# ---------------------------------------------------------------------------------------------


def _order(root: Value) -> list[Value]:
    if not isinstance(root, Value):
        raise TypeError(f"expected a Value, not {type(root).__name__}")
    order, inner = _walk(root)
    _check_backward_rules(inner)
    return order


# ---------------------------------------------------------------------------------------------
# The local derivatives, as formulas: ∂out/∂input for each input, by operation name.
# Each entry gets the output's and the inputs' names (as terms of a formula) and gives one
# formula per input. An operation without an entry shows the number instead.
# ---------------------------------------------------------------------------------------------

Formulas = Callable[..., tuple[str, ...]]

# fmt: off
LOCAL_DERIVATIVES: dict[str, Formulas] = {
    "+":       lambda c, a, b: ("1", "1"),
    "-":       lambda c, a, b: ("1", "-1"),
    "*":       lambda c, a, b: (b, a),
    "/":       lambda c, a, b: (f"1/{b}", f"-{a}/{b}²"),
    "**":      lambda c, x, y: (f"{y}·{x}^({y} - 1)", f"{c}·ln {x}"),
    "neg":     lambda c, x: ("-1",),
    "abs":     lambda c, x: (f"sign({x})",),
    "exp":     lambda c, x: (c,),
    "log":     lambda c, x: (f"1/{x}",),
    "sqrt":    lambda c, x: (f"1/(2·{c})",),
    "sin":     lambda c, x: (f"cos {x}",),
    "cos":     lambda c, x: (f"-sin {x}",),
    "tanh":    lambda c, x: (f"1 - {c}²",),
    "sigmoid": lambda c, x: (f"{c}·(1 - {c})",),
    "relu":    lambda c, x: (f"({x} > 0)",),
}

# fmt: on

_INFIX = {"+", "-", "*", "/", "**"}


def _power_formulas(k: float) -> Formulas:
    """∂(x^k)/∂x = k·x^(k-1), for the power by a plain number k (x ** 2 is one ``**2`` node)."""

    def formulas(c: str, x: str) -> tuple[str]:
        if k == 0.0:
            return ("0",)
        if k == 1.0:
            return ("1",)
        lower = f"{k - 1:g}"
        return (f"{k:g}·{x}" if k == 2.0 else f"{k:g}·{x}^{_wrapped(lower)}",)

    return formulas


def _formulas_of(node: Value) -> Formulas | None:
    """The formulas of ``node``'s local derivatives (None if the table has none)."""
    k = power_exponent(node._op)
    if k is not None and len(node._prev) == 1:
        return _power_formulas(k)
    return LOCAL_DERIVATIVES.get(node._op)


def _wrapped(name: str) -> str:
    """A name in parentheses unless it is one word: (x1*w1 + x2*w2).grad, not x1*w1 + x2*w2.grad."""
    word = name.removeprefix("\u2068").removesuffix("\u2069")  # (see _isolated)
    return name if re.fullmatch(r"[\w.\[\]@']+", word) else f"({name})"


def _term(node: Value, names: dict[Value, str]) -> str:
    """A Value inside a formula: its name, or its number if it is a constant without a name of
    its own (no label, or its number as label: the ``2`` of the expression ``x * 2``)."""
    if not node._prev and (not node.label or _is_its_number(node)):
        text = f"{node.data:g}"
        return f"({text})" if text.startswith("-") else text
    return _wrapped(names[node])


def _is_its_number(node: Value) -> bool:
    try:
        return float(str(node.label)) == node.data
    except ValueError:
        return False


HAND_WRITTEN = "by the _backward written by hand"


def _local_formulas(node: Value, names: dict[Value, str], local_grads: list[float]) -> list[str]:
    if assigned_backward(node) is not None:
        return [f"{shown(local)}, {HAND_WRITTEN}" for local in local_grads]
    formulas = _formulas_of(node)
    if formulas is not None:
        terms = [_term(x, names) for x in node._prev]
        return list(formulas(_term(node, names), *terms))
    return [shown(local) for local in local_grads]


# ---------------------------------------------------------------------------------------------
# explain_backward
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class BackwardStep:
    """One chain-rule step: ``child.grad += local_grad × upstream_grad``.

    ``node`` is the Value whose gradient is pushed back, ``child`` the input (number
    ``input_index``) that receives ``contribution``, which is ``local_grad`` (∂node/∂child)
    times ``upstream_grad`` (node's gradient), as the engine's backward rule computes it.
    """

    node: Value
    child: Value
    input_index: int
    local_grad: float
    upstream_grad: float
    contribution: float
    node_name: str
    child_name: str
    local_formula: str

    def __str__(self) -> str:
        node, child = _wrapped(self.node_name), _wrapped(self.child_name)
        return (
            f"{child}.grad += {shown(self.local_grad)} (∂{node}/∂{child} = {self.local_formula}) "
            f"× {shown(self.upstream_grad)} ({node}.grad) = {shown(self.contribution)}"
        )


def explain_backward(root: Value) -> list[BackwardStep]:
    """The steps of ``root.backward()``, one per edge of the graph, in the order backward runs them.

    Computed from the graph as it stands; no ``.grad`` changes. The gradients are those of a fresh
    backward pass (every gradient 0, root's 1): the contributions received by a Value add up to
    ∂root/∂value, the ``.grad`` that ``root.backward()`` gives it from zero.
    """
    order = _order(root)
    return _steps(root, order, _names(order))


def _steps(root: Value, order: list[Value], names: dict[Value, str]) -> list[BackwardStep]:
    grads = dict.fromkeys(order, 0.0)
    grads[root] = 1.0
    steps = []
    for node in reversed(order):
        if not node._prev:
            continue
        upstream = grads[node]
        local_grads = input_gradients(node, 1.0)
        contributions = input_gradients(node, upstream)
        formulas = _local_formulas(node, names, local_grads)
        for i, child in enumerate(node._prev):
            grads[child] += contributions[i]
            steps.append(
                BackwardStep(
                    node=node,
                    child=child,
                    input_index=i,
                    local_grad=local_grads[i],
                    upstream_grad=upstream,
                    contribution=contributions[i],
                    node_name=names[node],
                    child_name=names[child],
                    local_formula=formulas[i],
                )
            )
    return steps


# ---------------------------------------------------------------------------------------------
# grad_paths
# ---------------------------------------------------------------------------------------------


class GradPath(NamedTuple):
    """One path from root down to leaf, and the product of the local derivatives along it."""

    values: list[Value]
    product: float


class GradPaths(list[GradPath]):
    """The paths of ``grad_paths``, a list of ``(values, product)``; printing shows them as a table.

    ``local_grads[i]`` holds the local derivatives along path i, and ``input_indices[i]`` which
    input of each result the next Value is (``a * a`` reaches ``a`` as input 1 and as input 2).
    """

    def __init__(self, root: Value, leaf: Value, names: dict[Value, str]) -> None:
        super().__init__()
        self.root, self.leaf, self.names = root, leaf, names
        self.local_grads: list[list[float]] = []
        self.input_indices: list[list[int]] = []

    def table(self, max_rows: int = 20) -> str:
        """The paths as a table: names along each path, its local derivatives, their product."""
        root, leaf = _wrapped(self.names[self.root]), _wrapped(self.names[self.leaf])
        derivative = f"∂{root}/∂{leaf}"
        if not self:
            return f"No path leads from {root} down to {leaf}: {derivative} = 0"
        rows = [("path", "local derivatives", "product")]
        for i in range(min(len(self), max_rows)):
            rows.append(self._row(i))
        count = f"{len(self):,} path" + ("s" if len(self) != 1 else "")
        lines = [
            f"{derivative}: {count} from {root} down to {leaf}; each adds the product of the "
            "local derivatives along it (the chain rule)",
        ]
        widths = [max(len(row[column]) for row in rows) for column in range(2)]
        lines += [
            f"{path:<{widths[0]}}   {local:<{widths[1]}}   {product:>10}"
            for path, local, product in rows
        ]
        if len(self) > max_rows:
            lines.append(f"... and {len(self) - max_rows:,} more paths")
        total = math.fsum(path.product for path in self)
        label = f"sum = {derivative} ="
        lines.append(f"{label:>{widths[0] + widths[1] + 3}}   {total:>10.4f}")
        return "\n".join(lines)

    def _row(self, i: int) -> tuple[str, str, str]:
        values, product = self[i]
        steps = [_wrapped(self.names[values[0]])]
        for previous, value, index in zip(values, values[1:], self.input_indices[i]):
            repeated = previous._prev.count(value) > 1
            arrow = f" →(input {index + 1}) " if repeated else " → "
            steps.append(arrow + _wrapped(self.names[value]))
        locals_ = [f"{local:.4f}" for local in self.local_grads[i]]
        return (
            "".join(_shortened(steps, " → ⋯ {} more ⋯")),
            " × ".join(_shortened(locals_, "⋯ {} more ⋯")),
            f"{product:.4f}",
        )

    def __str__(self) -> str:
        return self.table()

    __repr__ = __str__


def _shortened(items: list[str], marker: str, keep: int = 4) -> list[str]:
    """The first and last ``keep`` of many items, and ``marker`` saying how many are left out."""
    if len(items) <= 2 * keep + 1:
        return items
    return [*items[:keep], marker.format(f"{len(items) - 2 * keep:,}"), *items[-keep:]]


def _count(number: int) -> str:
    """A count for a message: ``1,234``, or ``about 10^5000`` when it has over 30 digits (Python
    will not turn an int of more than 4,300 digits into text)."""
    if number < 10**30:
        return f"{number:,}"
    return f"about 10^{int(number.bit_length() * math.log10(2))}"


def grad_paths(root: Value, leaf: Value, max_paths: int = MAX_PATHS) -> GradPaths:
    """Every path from ``root`` down to ``leaf``, with the product of local derivatives along it.

    ∂root/∂leaf = Σ over paths of Π over the path's edges of ∂result/∂input: the multivariate
    chain rule, unrolled. An input used twice (``a * a``) starts two paths. ``leaf`` can be any
    Value of the graph; one that root does not depend on has no paths (its gradient is 0).
    Paths can be exponentially many: more than ``max_paths`` raises ValueError.

    The result is a list of ``(values, product)`` pairs; ``print`` shows it as a table.
    """
    if not isinstance(leaf, Value):
        raise TypeError(f"grad_paths() needs a Value as leaf, not {type(leaf).__name__}")
    order = _order(root)
    paths_to_leaf: dict[Value, int] = {}  # how many paths lead from each Value down to leaf
    for node in order:
        paths_to_leaf[node] = 1 if node is leaf else sum(paths_to_leaf[x] for x in node._prev)
    if paths_to_leaf[root] > max_paths:
        raise ValueError(
            f"{_count(paths_to_leaf[root])} paths lead from root to leaf, more than max_paths="
            f"{max_paths:,}; pass a larger max_paths, or use explain_backward, which shows each "
            "edge once"
        )
    names = _names(order)
    if leaf not in names:
        names = {**names, leaf: _names([leaf])[leaf]}
    found = GradPaths(root, leaf, names)
    if root is leaf:
        found.append(GradPath([root], 1.0))
        found.local_grads.append([])
        found.input_indices.append([])
        return found
    local_grads: dict[Value, list[float]] = {}

    def edges_toward_leaf(node: Value) -> Iterator[tuple[int, Value, float]]:
        if node not in local_grads:  # ∂node/∂input for each input: the rule with g = 1
            local_grads[node] = input_gradients(node, 1.0)
        edges = zip(node._prev, local_grads[node])
        return iter([(i, x, g) for i, (x, g) in enumerate(edges) if paths_to_leaf[x]])

    if not paths_to_leaf[root]:
        return found
    # Depth first without recursion: the current path, the local derivatives and products along
    # it, and for each of its Values the edges still to follow. A path is copied only when it
    # reaches leaf.
    path, products, pending = [root], [1.0], [edges_toward_leaf(root)]
    locals_along: list[float] = []
    indices: list[int] = []
    while pending:
        edge = next(pending[-1], None)
        if edge is None:  # every path through path[-1] is done: step back up
            path.pop()
            products.pop()
            pending.pop()
            if locals_along:
                locals_along.pop()
                indices.pop()
            continue
        index, child, local = edge
        product = products[-1] * local
        if child is leaf:
            found.append(GradPath([*path, child], product))
            found.local_grads.append([*locals_along, local])
            found.input_indices.append([*indices, index])
        else:
            path.append(child)
            products.append(product)
            pending.append(edges_toward_leaf(child))
            locals_along.append(local)
            indices.append(index)
    return found


# ---------------------------------------------------------------------------------------------
# backward_source
# ---------------------------------------------------------------------------------------------

_HELPERS = ("divide", "power", "log", "sin", "cos")  # minigrad.floats: inf or nan, never an error


def backward_source(root: Value) -> str:
    """The backward pass of ``root`` as straight-line Python: one statement per chain-rule step.

    Running it (``exec``) computes every gradient of a fresh ``root.backward()``, to the bit:
    each Value becomes a variable holding its data (named after its name in ``value_names``) and
    ``grad_<name>`` its gradient; the dict ``gradients`` maps every name to its gradient. Each
    step is written with the numbers of this graph in mind, as plain arithmetic (where the engine
    chooses between two forms of a rule, such as tanh's near ±1, the code holds the one it
    chose). Operations the formulas do not know are written with their local derivative's number.
    """
    order = _order(root)
    names = _names(order)
    idents = _identifiers(order, names)
    steps = _steps(root, order, names)
    grad_of = {node: f"grad_{idents[node]}" for node in order}

    chain_rule = []
    for step in steps:
        node, child = step.node, step.child
        inputs = [idents[x] for x in node._prev]
        code = _contribution_code(node, grad_of[node], idents[node], inputs, step.input_index)
        formula = f"∂{_wrapped(step.node_name)}/∂{_wrapped(step.child_name)} = {step.local_formula}"
        if code is None:
            code = f"{_literal(step.local_grad)} * {grad_of[node]}"
        elif code in ("0.0", f"{grad_of[node]} * 0.0"):
            formula += ", which is 0 here"
        chain_rule.append(f"{grad_of[child]} += {code}  # {_comment(formula)}")
    helpers = [h for h in _HELPERS if any(re.search(rf"\b{h}\(", line) for line in chain_rule)]

    lines = [
        f"# The backward pass of {_comment(names[root])}, one chain-rule step per line.",
        "# Written by minigrad.teaching.explain.backward_source; run it to compute every gradient.",
    ]
    if helpers:
        lines.append(f"from minigrad.floats import {', '.join(helpers)}  # inf or nan, no errors")
    lines += ["", "# The forward pass left these values:"]
    for node in order:
        lines.append(f"{idents[node]} = {_literal(node.data)}  # {_comment(_forward(node, names))}")
    lines += ["", "# Every gradient starts at 0, the output's at 1 (∂root/∂root):"]
    lines += [f"{grad_of[node]} = {1.0 if node is root else 0.0}" for node in order]
    lines += ["", "# The chain rule, output first: input.grad += result.grad × ∂result/∂input"]
    lines += chain_rule
    lines += ["", "gradients = {"]
    lines += [f"    {names[node]!r}: {grad_of[node]}," for node in order]
    lines.append("}")
    return "\n".join(lines) + "\n"


def _contribution_code(node: Value, g: str, c: str, inputs: list[str], index: int) -> str | None:
    """``g · ∂node/∂input`` as a Python expression giving the engine's float, or None.

    The engine's rules pick a form by the numbers (no division by zero, tanh's form near ±1);
    the numbers are known here, so the code holds only the form picked.
    """
    if assigned_backward(node) is not None:
        return None  # the user's own function: its numbers are all the code can say
    op, out = node._op, node.data
    values = [x.data for x in node._prev]
    if op in ("+", "-", "*") and len(inputs) == 2:
        a, b = inputs
        return {
            "+": (g, g),
            "-": (g, f"-{g}"),
            "*": (f"{g} * {b}", f"{g} * {a}"),
        }[op][index]
    if op == "/" and len(inputs) == 2:
        a, b = inputs
        if values[1] != 0.0:
            return (f"{g} / {b}", f"-{g} * ({c} / {b})")[index]
        return (f"divide({g}, {b})", f"-{g} * divide({c}, {b})")[index]
    if op == "**" and len(inputs) == 2:
        x, y = inputs
        if index == 0:
            if values[1] == 0.0:
                return "0.0"  # x ** 0 is 1, whatever x is
            return f"{g} * ({y} * {_power_code(x, f'{y} - 1.0', values[0], values[1] - 1.0)})"
        if values[0] == 0.0 and values[1] >= 0.0:
            return f"{g} * 0.0"  # 0 ** y is 0 or 1 for every y ≥ 0 (inf·0 is nan, as in backward)
        return f"{g} * ({c} * log({x}))"
    if len(inputs) != 1:
        return None
    (x,) = inputs
    k = power_exponent(op)
    if k is not None:  # the engine's rule: g * (k * x^(k-1)), 0 for k = 0
        power = _power_code(x, repr(k - 1.0), values[0], k - 1.0)
        return "0.0" if k == 0.0 else f"{g} * ({k!r} * {power})"
    if op == "abs":
        sign = floats.sign(values[0])
        return g if sign == 1.0 else f"-{g}" if sign == -1.0 else f"{g} * 0.0"
    if op in ("log", "sqrt"):
        denominator, number = (x, values[0]) if op == "log" else (f"(2.0 * {c})", out)
        if number != 0.0:
            return f"{g} / {denominator}"
        return f"divide({g}, {denominator.strip('()')})"
    if op == "tanh":
        if abs(out) > 0.5:  # 1 - c² written so that no digits cancel near ±1
            return f"{g} * ((1.0 - {c}) * (1.0 + {c}))"
        return f"{g} * (1.0 - {c} * {c})"
    if op == "relu":
        return "0.0" if values[0] <= 0.0 else g
    simple = {
        "neg": f"-{g}",
        "exp": f"{g} * {c}",
        "sin": f"{g} * cos({x})",
        "cos": f"{g} * -sin({x})",
        "sigmoid": f"{g} * (1.0 - {c}) * {c}",
    }
    return simple.get(op)


def _power_code(x: str, y: str, x_value: float, y_value: float) -> str:
    """``x ** y`` in Python where it gives C's pow, else ``power(x, y)`` (no error, no complex)."""
    try:
        python = x_value**y_value
    except (ZeroDivisionError, OverflowError):
        return f"power({x}, {y})"
    expected = floats.power(x_value, y_value)
    both_nan = math.isnan(python) and math.isnan(expected) if isinstance(python, float) else False
    if isinstance(python, float) and (python == expected or both_nan):
        return f"{x} ** ({y})"
    return f"power({x}, {y})"


def _identifiers(order: list[Value], names: dict[Value, str]) -> dict[Value, str]:
    """A distinct Python variable name for each Value, readable from its name."""
    reserved = set(_HELPERS) | {"gradients", "float", "minigrad"}
    used: set[str] = set()
    idents = {}
    for node in order:
        base = re.sub(r"[^A-Za-z0-9_]+", "_", names[node]).strip("_") or "value"
        if base[0].isdigit() or base.startswith("grad_") or base == "grad":
            base = "v_" + base
        ident, copy = base, 1
        while ident in used or ident in reserved or keyword.iskeyword(ident):
            copy += 1
            ident = f"{base}_{copy}"
        used.add(ident)
        idents[node] = ident
    return idents


def _forward(node: Value, names: dict[Value, str]) -> str:
    if not node._prev:
        return f"{names[node]} (input)"
    terms = [_term(x, names) for x in node._prev]
    if node._op in _INFIX and len(terms) == 2:
        return f"{names[node]} = {terms[0]} {node._op} {terms[1]}"
    if power_exponent(node._op) is not None and len(terms) == 1:
        return f"{names[node]} = {terms[0]} ** {node._op[2:]}"
    return f"{names[node]} = {node._op}({', '.join(terms)})"


def _literal(x: float) -> str:
    return repr(x) if math.isfinite(x) else f"float({str(x)!r})"


def _comment(text: str) -> str:
    """``text`` safe inside a one-line comment (a label can hold a newline)."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


# ---------------------------------------------------------------------------------------------
# backprop_html
# ---------------------------------------------------------------------------------------------


def backprop_html(
    root: Value,
    path: str | os.PathLike[str],
    *,
    rankdir: str = "LR",
    title: str | None = None,
    max_nodes: int | None = HTML_MAX_NODES,
    max_layout_cost: int | None = DEFAULT_MAX_LAYOUT_COST,
    force: bool = False,
    timeout: float | None = DEFAULT_TIMEOUT,
) -> Path:
    """Write one self-contained web page that steps through the backward pass of ``root``.

    The page shows the graph (drawn by Graphviz, as draw_dot draws it, every Value with its name)
    and steps through the pass: each step highlights the Value whose gradient is pushed back and
    the input that receives it, fills in the gradients as backward computes them, and shows the
    chain-rule line with its numbers. The view follows the step (zoom, drag and a whole-graph
    button too, and a small overview of where the step is); a step can be chosen by number or
    slider, a Value found by name and the list of steps narrowed to it.

    It loads nothing: no scripts, fonts, styles or images from anywhere (a Content-Security-
    Policy forbids it too), so it works offline and from a file. Names are shown as text, never
    run as HTML. The file is written atomically; returns its path.

    ``title`` says what is differentiated (by default the output's label, or the expression
    when it is short). A graph over ``max_nodes`` Values or ``max_layout_cost`` (see
    ``minigrad.teaching.viz.layout_cost``) raises GraphTooLargeError, a ValueError, before any
    drawing; ``force=True`` writes it anyway. Graphviz gets ``timeout`` seconds.
    """
    from minigrad.teaching import viz  # graphviz is optional: imported only when drawing

    order = _order(root)
    if rankdir not in viz.RANKDIRS:
        raise ValueError(f"rankdir must be one of {', '.join(viz.RANKDIRS)}, not {rankdir!r}")
    target = Path(path)
    if not target.parent.is_dir():
        raise FileNotFoundError(f"cannot write {target}: directory {target.parent} does not exist")
    check_target(target)  # a folder, a FIFO or a planted link there: refused before drawing
    names = _names(order)
    reason = viz.too_large(order, viz._layout_cost(order, names), max_nodes, max_layout_cost)
    if reason is not None and not force:
        raise viz.GraphTooLargeError(
            f"the graph is too large for a readable page ({reason}); Graphviz would take "
            "minutes to lay it out. force=True writes it anyway"
        )
    shown = {node: _isolated(name) for node, name in names.items()}
    steps = _steps(root, order, shown)
    ids = {node: f"v{i}" for i, node in enumerate(order)}

    dot = viz._digraph_class()(format="svg", graph_attr={"rankdir": rankdir, "bgcolor": "white"})
    dot.timeout = timeout
    viz._draw(dot, order, names, edge_grads=False, svg_ids=True)
    svg = dot.pipe(format="svg").decode("utf-8")
    svg = svg[svg.index("<svg") :]  # drop the XML prologue and DOCTYPE

    # each right-to-left name isolated, so that a formula reads as it was written
    what = _isolated(readable(title)) if title is not None else _what_is_differentiated(root, shown)
    data = {
        "root": ids[root],
        "start_rule": f"{_wrapped(shown[root])}.grad = 1   (∂{_wrapped(shown[root])}/∂"
        f"{_wrapped(shown[root])} = 1)",
        "values": [
            {
                "id": ids[node],
                "name": names[node],
                "data": node.data,
                "op": node._op,
                "inputs": [ids[x] for x in node._prev],
            }
            for node in order
        ],
        "steps": _page_steps(root, steps, ids),
    }
    parts = {
        "TITLE": html.escape(f"Backpropagation through {what}"),
        "NAMING": html.escape(_naming_note(order, names)),
        "SVG": svg,
        "DATA": _script_json(data),
    }
    page = re.sub(r"\{\{(TITLE|NAMING|SVG|DATA)\}\}", lambda match: parts[match[1]], PAGE)
    write_atomically(target, lambda file: file.write(page.encode("utf-8")))
    return target


def _page_steps(root: Value, steps: list[BackwardStep], ids: dict[Value, str]) -> list[dict]:
    """Each step as the page shows it: the chain rule, then the same line with its numbers."""
    grads = {root: 1.0}
    page_steps = []
    for step in steps:
        node, child = _wrapped(step.node_name), _wrapped(step.child_name)
        before = grads.get(step.child, 0.0)
        grads[step.child] = after = before + step.contribution
        local, upstream = _factor(step.local_grad), _factor(step.upstream_grad)
        substituted = _substituted(step)
        numbers = f"= {local} × {upstream} = {shown(step.contribution)}"
        if substituted is not None:
            numbers = f"= {substituted} × {upstream} " + numbers
        page_steps.append(
            {
                "node": ids[step.node],
                "child": ids[step.child],
                "contribution": step.contribution,
                "text": str(step),
                "rule": f"{child}.grad += ∂{node}/∂{child} × {node}.grad",
                "numbers": numbers,
                "detail": (
                    f"∂{node}/∂{child} = {step.local_formula}: the local derivative of "
                    f"{_operation_name(step.node)}; {node}.grad = {shown(step.upstream_grad)} "
                    f"is what arrived at {node} from the output. {child}.grad goes from "
                    f"{shown(before)} to {shown(after)}."
                ),
            }
        )
    return page_steps


def _substituted(step: BackwardStep) -> str | None:
    """The local derivative's formula with the numbers put in: 1 - o² -> (1 - 0.7071²)."""
    formulas = _formulas_of(step.node)
    if formulas is None or assigned_backward(step.node) is not None:
        return None
    numbers = [_number(x.data) for x in step.node._prev]
    try:
        formula = formulas(_number(step.node.data), *numbers)[step.input_index]
    except TypeError:  # an operation used with another number of inputs than its formula's
        return None
    if formula == step.local_formula or re.fullmatch(r"\(?-?[\d.e+-]+\)?|inf|nan", formula):
        return None  # no names in it (a sum's 1), or one name alone: the number says it all
    return f"({formula})"


def _factor(x: float) -> str:
    """A number as a factor of a product: -0.5 × (-2.0000), not -0.5 × -2.0000."""
    return f"({shown(x)})" if x < 0 else shown(x)


def _number(x: float) -> str:
    text = f"{x:.4g}"
    return f"({text})" if text.startswith("-") else text


def _operation_name(node: Value) -> str:
    words = {"+": "a sum", "-": "a difference", "*": "a product", "/": "a quotient"}
    return words.get(node._op, f"{readable(node._op)}")


def _what_is_differentiated(root: Value, names: dict[Value, str]) -> str:
    """The output's label, or the expression it computes if that is short, or its name."""
    if root.label is not None and root.label != "":
        return names[root]
    expression = _expression(root, names, depth=8)
    return expression if expression is not None and len(expression) <= 60 else names[root]


_PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2, "**": 3}


def _expression(node: Value, names: dict[Value, str], depth: int) -> str | None:
    """The formula that computes ``node`` from labelled Values and numbers (None: too deep)."""
    formula = _formula(node, names, depth)
    return None if formula is None else formula[0]


def _formula(node: Value, names: dict[Value, str], depth: int) -> tuple[str, int] | None:
    """The formula of ``node`` and the precedence of its outermost operation (4: none)."""
    if (node.label is not None and node.label != "") or not node._prev:
        return _term(node, names), 4
    if depth == 0:
        return None
    terms = [_formula(x, names, depth - 1) for x in node._prev]
    if any(term is None for term in terms):
        return None
    if node._op in _PRECEDENCE and len(terms) == 2:
        precedence = _PRECEDENCE[node._op]
        (a, a_precedence), (b, b_precedence) = terms  # type: ignore[misc]
        # a - (b + c) and a / (b * c) keep their parentheses; so does (a ** b) ** c
        if a_precedence < precedence or (node._op == "**" and a_precedence == precedence):
            a = f"({a})"
        if b_precedence < precedence or (b_precedence == precedence and node._op in "-/"):
            b = f"({b})"
        spaced = precedence == 1
        return (f"{a} {node._op} {b}" if spaced else f"{a}{node._op}{b}"), precedence
    if power_exponent(node._op) is not None and len(terms) == 1:
        (x, x_precedence), = terms  # type: ignore[misc]
        return (f"({x})" if x_precedence <= _PRECEDENCE["**"] else x) + node._op, 3
    inner = ", ".join(term[0] for term in terms)  # type: ignore[index]
    return f"{readable(node._op)}({inner})", 4


def _isolated(name: str) -> str:
    """A name that holds right-to-left letters, isolated so it cannot reorder the text around it
    (in ``ب/2 - 1`` the numbers after ب would otherwise read as Arabic ones: ``1 - 2/ب``)."""
    if any(unicodedata.bidirectional(c) in ("R", "AL") for c in name):
        return f"\u2068{name}\u2069"  # FIRST STRONG ISOLATE ... POP DIRECTIONAL ISOLATE
    return name


def _naming_note(order: list[Value], names: dict[Value, str]) -> str:
    """A sentence on the page explaining the names that are not plain labels."""
    copies = [
        names[n] for n in order if n.label not in (None, "") and names[n] != readable(n.label)
    ]
    generated = [names[n] for n in order if n.label in (None, "")]
    notes = []
    if copies:
        notes.append(
            "Several values share a label, so each is called label@k: the k-th of them, inputs "
            f"first (in a loss over samples, x[0]@2 is x[0] of the second sample; here e.g. "
            f"{copies[min(1, len(copies) - 1)]})"
        )
    if generated:
        notes.append(
            f"values without a label are named after their operation (e.g. {generated[-1]})"
        )
    if not notes:
        return ""
    text = "; ".join(notes)
    return f" {text[0].upper()}{text[1:]}."


def _script_json(data: object) -> str:
    """``data`` as a JavaScript literal that is safe inside <script> (no </script>, no <!--)."""
    text = json.dumps(data, ensure_ascii=False, allow_nan=True)
    for char, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        text = text.replace(char, escaped)
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
