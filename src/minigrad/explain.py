"""Watching the backward pass: every chain-rule step, every path, the pass as code, a web page.

For c = a * b, backward does two things at the node c, one per input:

    a.grad += (∂c/∂a) · c.grad = b · c.grad        b.grad += (∂c/∂b) · c.grad = a · c.grad

The functions here show those steps for any graph, computed from the graph as it stands and
without changing any ``.grad``:

* ``explain_backward(root)``: the steps in the order backward runs them, each one line of text;
* ``grad_paths(root, leaf)``: every path from root to leaf and the product of local derivatives
  along it; they add up to ∂root/∂leaf (``a * a`` has two paths: accumulate, don't overwrite);
* ``backward_source(root)``: the backward pass as straight-line Python giving the gradients;
* ``backprop_html(root, path)``: one self-contained web page stepping through the pass.

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
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from minigrad.engine import OPERATIONS, Value, _check_backward_rules, _walk
from minigrad.files import write_atomically

MAX_PATHS = 100_000
HTML_MAX_NODES = 1000


# ---------------------------------------------------------------------------------------------
# Names: a label when the Value has one, else a readable generated name (mul1, tanh2, leaf3)
# ---------------------------------------------------------------------------------------------

_OP_WORDS = {"+": "add", "-": "sub", "*": "mul", "/": "div", "**": "pow"}


def value_names(root: Value) -> dict[Value, str]:
    """A distinct name for every Value behind ``root``, inputs first.

    A Value's label is its name (a label used twice gets ``#2``, ``#3``); an unlabeled Value is
    named after its operation, numbered: ``mul1``, ``tanh1``, or ``leaf1`` for an input.
    """
    return _names(_order(root))


def _names(order: list[Value]) -> dict[Value, str]:
    taken = {str(node.label) for node in order if node.label}
    names: dict[Value, str] = {}
    used: set[str] = set()
    counters: dict[str, int] = {}
    for node in order:
        if node.label:
            label = str(node.label)  # the engine does not insist on a str
            name, copy = label, 1
            while name in used:
                copy += 1
                name = f"{label}#{copy}"
        else:
            word = _OP_WORDS.get(node._op, node._op) if node._prev else "leaf"
            word = re.sub(r"\W+", "_", word).strip("_") or "op"
            while True:
                counters[word] = counters.get(word, 0) + 1
                name = f"{word}{counters[word]}"
                if name not in taken and name not in used:
                    break
        used.add(name)
        names[node] = name
    return names


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

# The same rules as Python statements for backward_source: g·∂out/∂input, written exactly as the
# engine's backward rules compute it (so the generated code gives the same floats).
CONTRIBUTION_CODE: dict[str, Formulas] = {
    "+":       lambda g, c, a, b: (g, g),
    "-":       lambda g, c, a, b: (g, f"-{g}"),
    "*":       lambda g, c, a, b: (f"{g} * {b}", f"{g} * {a}"),
    "/":       lambda g, c, a, b: (f"divide({g}, {b})", f"-{g} * divide({c}, {b})"),
    "**":      lambda g, c, x, y: (f"0.0 if {y} == 0.0 else {g} * ({y} * power({x}, {y} - 1.0))",
                                   f"{g} * (0.0 if {x} == 0.0 and {y} >= 0.0 else {c} * log({x}))"),
    "neg":     lambda g, c, x: (f"-{g}",),
    "abs":     lambda g, c, x: (f"{g} * sign({x})",),
    "exp":     lambda g, c, x: (f"{g} * {c}",),
    "log":     lambda g, c, x: (f"divide({g}, {x})",),
    "sqrt":    lambda g, c, x: (f"divide({g}, 2.0 * {c})",),
    "sin":     lambda g, c, x: (f"{g} * cos({x})",),
    "cos":     lambda g, c, x: (f"{g} * -sin({x})",),
    "tanh":    lambda g, c, x: (f"{g} * (1.0 - {c} * {c}) if abs({c}) <= 0.5 "
                                f"else {g} * ((1.0 - {c}) * (1.0 + {c}))",),
    "sigmoid": lambda g, c, x: (f"{g} * (1.0 - {c}) * {c}",),
    "relu":    lambda g, c, x: (f"0.0 if {x} <= 0.0 else {g}",),
}
# fmt: on

_INFIX = {"+", "-", "*", "/", "**"}


def _wrapped(name: str) -> str:
    """A name in parentheses unless it is one word: (x1*w1 + x2*w2).grad, not x1*w1 + x2*w2.grad."""
    return name if re.fullmatch(r"[\w.#']+", name) else f"({name})"


def _term(node: Value, names: dict[Value, str]) -> str:
    """A Value inside a formula: its name, or its number if it is an unnamed constant."""
    if not node.label and not node._prev:
        text = f"{node.data:g}"
        return f"({text})" if text.startswith("-") else text
    return _wrapped(names[node])


def _local_formulas(node: Value, names: dict[Value, str], local_grads: list[float]) -> list[str]:
    formulas = LOCAL_DERIVATIVES.get(node._op)
    if formulas is not None:
        terms = [_term(x, names) for x in node._prev]
        return list(formulas(_term(node, names), *terms))
    return [f"{local:.4f}" for local in local_grads]


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
            f"{child}.grad += {self.local_grad:.4f} (∂{node}/∂{child} = {self.local_formula}) "
            f"× {self.upstream_grad:.4f} ({node}.grad) = {self.contribution:.4f}"
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
        inputs = [x.data for x in node._prev]
        backward_rule = OPERATIONS[node._op].backward
        local_grads = [float(x) for x in backward_rule(1.0, node.data, *inputs)]
        contributions = [float(x) for x in backward_rule(upstream, node.data, *inputs)]
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


def grad_paths(
    root: Value, leaf: Value, max_paths: int = MAX_PATHS
) -> list[tuple[list[Value], float]]:
    """Every path from ``root`` down to ``leaf``, with the product of local derivatives along it.

    ∂root/∂leaf = Σ over paths of Π over the path's edges of ∂result/∂input: the multivariate
    chain rule, unrolled. An input used twice (``a * a``) starts two paths. ``leaf`` can be any
    Value of the graph; one that root does not depend on has no paths (its gradient is 0).
    Paths can be exponentially many: more than ``max_paths`` raises ValueError.
    """
    if not isinstance(leaf, Value):
        raise TypeError(f"grad_paths() needs a Value as leaf, not {type(leaf).__name__}")
    order = _order(root)
    paths_to_leaf: dict[Value, int] = {}  # how many paths lead from each Value down to leaf
    for node in order:
        paths_to_leaf[node] = 1 if node is leaf else sum(paths_to_leaf[x] for x in node._prev)
    if paths_to_leaf[root] > max_paths:
        raise ValueError(
            f"{paths_to_leaf[root]:,} paths lead from root to leaf, more than max_paths="
            f"{max_paths:,}; pass a larger max_paths, or use explain_backward, which shows each "
            "edge once"
        )
    if root is leaf:
        return [([root], 1.0)]
    local_grads: dict[Value, list[float]] = {}

    def edges_toward_leaf(node: Value) -> Iterator[tuple[Value, float]]:
        if node not in local_grads:  # ∂node/∂input for each input: the rule with g = 1
            rule = OPERATIONS[node._op].backward
            inputs = [x.data for x in node._prev]
            local_grads[node] = [float(g) for g in rule(1.0, node.data, *inputs)]
        return iter([(x, g) for x, g in zip(node._prev, local_grads[node]) if paths_to_leaf[x]])

    found: list[tuple[list[Value], float]] = []
    if not paths_to_leaf[root]:
        return found
    # Depth first without recursion: the current path, the product along it, and for each of its
    # Values the edges still to follow. A path is copied only when it reaches leaf.
    path, products, pending = [root], [1.0], [edges_toward_leaf(root)]
    while pending:
        edge = next(pending[-1], None)
        if edge is None:  # every path through path[-1] is done: step back up
            path.pop()
            products.pop()
            pending.pop()
            continue
        child, local = edge
        product = products[-1] * local
        if child is leaf:
            found.append(([*path, child], product))
        else:
            path.append(child)
            products.append(product)
            pending.append(edges_toward_leaf(child))
    return found


# ---------------------------------------------------------------------------------------------
# backward_source
# ---------------------------------------------------------------------------------------------

_HELPERS = ("divide", "power", "log", "sin", "cos", "sign")


def backward_source(root: Value) -> str:
    """The backward pass of ``root`` as straight-line Python: one statement per chain-rule step.

    Running it (``exec``) computes every gradient of a fresh ``root.backward()``: each Value
    becomes a variable holding its data (named after its label, or a generated name) and
    ``grad_<name>`` its gradient; the dict ``gradients`` maps every name of ``value_names(root)``
    to its gradient. Operations the formulas do not know are written with their number.
    """
    order = _order(root)
    names = _names(order)
    idents = _identifiers(order, names)
    steps = _steps(root, order, names)
    grad_of = {node: f"grad_{idents[node]}" for node in order}

    lines = [
        f"# The backward pass of {_comment(names[root])}, one chain-rule step per line.",
        "# Written by minigrad.explain.backward_source; run it to compute every gradient.",
        f"from minigrad.floats import {', '.join(_HELPERS)}",
        "",
        "# The forward pass left these values:",
    ]
    for node in order:
        lines.append(f"{idents[node]} = {_literal(node.data)}  # {_comment(_forward(node, names))}")
    lines += ["", "# Every gradient starts at 0, the output's at 1 (∂root/∂root):"]
    lines += [f"{grad_of[node]} = {1.0 if node is root else 0.0}" for node in order]
    lines += ["", "# The chain rule, output first: input.grad += ∂result/∂input × result.grad"]
    for step in steps:
        node, child = step.node, step.child
        code = CONTRIBUTION_CODE.get(node._op)
        if code is not None:
            inputs = [idents[x] for x in node._prev]
            share = code(grad_of[node], idents[node], *inputs)[step.input_index]
        else:
            share = f"{_literal(step.local_grad)} * {grad_of[node]}"
        lines.append(f"{grad_of[child]} += {share}  # {_comment(str(step))}")
    lines += ["", "gradients = {"]
    lines += [f"    {names[node]!r}: {grad_of[node]}," for node in order]
    lines.append("}")
    return "\n".join(lines) + "\n"


def _identifiers(order: list[Value], names: dict[Value, str]) -> dict[Value, str]:
    """A distinct Python variable name for each Value, readable from its name."""
    reserved = set(_HELPERS) | {"gradients", "float"}
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
    max_nodes: int | None = HTML_MAX_NODES,
) -> Path:
    """Write one self-contained web page that steps through the backward pass of ``root``.

    The page shows the graph (drawn by Graphviz, as draw_dot draws it) and Previous / Next / Play
    controls: each step highlights the Value whose gradient is pushed back and the input that
    receives it, and fills in the gradients as backward computes them. It loads nothing: no
    scripts, fonts, styles or images from anywhere (a Content-Security-Policy forbids it too),
    so it works offline and from a file. Labels are shown as text, never run as HTML. The file is
    written atomically; returns its path. Graphs over ``max_nodes`` Values raise ValueError (the
    layout would take minutes); ``max_nodes=None`` lifts the limit.
    """
    from minigrad import viz  # graphviz is optional: imported only when drawing

    order = _order(root)
    if max_nodes is not None and len(order) > max_nodes:
        raise ValueError(
            f"the graph has {len(order):,} values, more than max_nodes={max_nodes:,}: the page "
            "would take minutes to lay out and be unreadable; max_nodes=None writes it anyway"
        )
    if rankdir not in viz.RANKDIRS:
        raise ValueError(f"rankdir must be one of {', '.join(viz.RANKDIRS)}, not {rankdir!r}")
    target = Path(path)
    if not target.parent.is_dir():
        raise FileNotFoundError(f"cannot write {target}: directory {target.parent} does not exist")
    names = _names(order)
    steps = _steps(root, order, names)
    ids = {node: f"v{i}" for i, node in enumerate(order)}

    dot = viz._digraph_class()(format="svg", graph_attr={"rankdir": rankdir, "bgcolor": "white"})
    viz._draw(dot, order, edge_grads=False, svg_ids=True, names=names)
    svg = dot.pipe(format="svg").decode("utf-8")
    svg = svg[svg.index("<svg") :]  # drop the XML prologue and DOCTYPE

    data = {
        "root": ids[root],
        "values": [
            {"id": ids[node], "name": names[node], "data": node.data, "op": node._op}
            for node in order
        ],
        "steps": [
            {
                "node": ids[step.node],
                "child": ids[step.child],
                "contribution": step.contribution,
                "text": str(step),
            }
            for step in steps
        ],
    }
    parts = {
        "TITLE": html.escape(f"Backpropagation through {names[root]}"),
        "SVG": svg,
        "DATA": _script_json(data),
    }
    page = re.sub(r"\{\{(TITLE|SVG|DATA)\}\}", lambda match: parts[match[1]], _PAGE)
    write_atomically(target, lambda file: file.write(page.encode("utf-8")))
    return target


def _script_json(data: object) -> str:
    """``data`` as a JavaScript literal that is safe inside <script> (no </script>, no <!--)."""
    text = json.dumps(data, ensure_ascii=False, allow_nan=True)
    for char, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        text = text.replace(char, escaped)
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy"
      content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'">
<title>{{TITLE}}</title>
<style>
  body { font-family: sans-serif; margin: 1em; color: #222; }
  #controls button { font-size: 1em; padding: 0.3em 1em; margin-right: 0.3em; }
  #status { font-family: monospace; margin: 0.8em 0; min-height: 1.4em; white-space: pre; }
  #graph { overflow: auto; border: 1px solid #ddd; max-height: 70vh; }
  #graph svg { display: block; }
  #graph.fit svg { max-width: 100%; height: auto; }
  #steps { font-family: monospace; font-size: 0.9em; white-space: pre; max-height: 40vh;
           overflow: auto; border: 1px solid #ddd; padding-top: 0.5em; }
  #steps li.done { color: #888; }
  #steps li.current { color: #b22222; font-weight: bold; }
  g.node.pushing polygon, g.node.pushing ellipse { fill: #ffe08a; }
  g.node.receiving polygon { fill: #b9f0b9; }
  g.node.operation-active ellipse { fill: #ffe08a; }
  g.node.final polygon { fill: #eef6ff; }
</style>
</head>
<body>
<h1>{{TITLE}}</h1>
<p>Backward visits the graph from the output to the inputs. At each step one Value (yellow) pushes
its gradient through its operation to one input (green):
input.grad += &part;result/&part;input &times; result.grad.</p>
<div id="controls">
  <button id="previous" type="button">&#9664; Previous</button>
  <button id="next" type="button">Next &#9654;</button>
  <button id="play" type="button">Play</button>
  <button id="zoom" type="button">Actual size</button>
  <span id="position"></span>
</div>
<div id="status"></div>
<div id="graph" class="fit">{{SVG}}</div>
<h2>Steps</h2>
<ol id="steps"></ol>
<script>
"use strict";
const DATA = {{DATA}};
const steps = DATA.steps;
let position = 0;  // how many steps have been applied
let timer = null;

function gradText(id) {
  const group = document.getElementById(id);
  if (!group) return null;
  const texts = Array.from(group.querySelectorAll("text"));
  return texts.filter(t => t.textContent.startsWith("grad ")).pop() || null;
}

const list = document.getElementById("steps");
steps.forEach(step => {
  const item = document.createElement("li");
  item.textContent = step.text;
  list.appendChild(item);
});

function gradientsAfter(count) {
  const grads = {};
  DATA.values.forEach(v => { grads[v.id] = 0.0; });
  grads[DATA.root] = 1.0;
  for (let i = 0; i < count; i++) grads[steps[i].child] += steps[i].contribution;
  return grads;
}

function setClass(id, name, on) {
  const group = document.getElementById(id);
  if (group) group.classList.toggle(name, on);
}

function show() {
  const grads = gradientsAfter(position);
  DATA.values.forEach(v => {
    const text = gradText(v.id);
    if (text) text.textContent = "grad " + grads[v.id].toFixed(4);
    ["pushing", "receiving", "final"].forEach(c => setClass(v.id, c, false));
    setClass(v.id + "_op", "operation-active", false);
  });
  const current = position > 0 ? steps[position - 1] : null;
  if (current) {
    setClass(current.node, "pushing", true);
    setClass(current.node + "_op", "operation-active", true);
    setClass(current.child, "receiving", true);
  }
  if (position === steps.length) DATA.values.forEach(v => setClass(v.id, "final", true));
  document.getElementById("status").textContent = current
    ? current.text
    : "Start: every gradient is 0 except the output's, which is 1.";
  document.getElementById("position").textContent = "step " + position + " of " + steps.length;
  Array.from(list.children).forEach((item, i) => {
    item.className = i < position - 1 ? "done" : (i === position - 1 ? "current" : "");
  });
  if (current) {
    list.children[position - 1].scrollIntoView({block: "nearest"});
    const receiving = document.getElementById(current.child);
    if (receiving) receiving.scrollIntoView({block: "nearest", inline: "nearest"});
  }
  document.getElementById("previous").disabled = position === 0;
  document.getElementById("next").disabled = position === steps.length;
}

function go(to) {
  position = Math.max(0, Math.min(steps.length, to));
  show();
}

function stop() {
  clearInterval(timer);
  timer = null;
  document.getElementById("play").textContent = "Play";
}

document.getElementById("previous").addEventListener("click", () => { stop(); go(position - 1); });
document.getElementById("next").addEventListener("click", () => { stop(); go(position + 1); });
document.getElementById("play").addEventListener("click", () => {
  if (timer !== null) { stop(); return; }
  if (position === steps.length) go(0);
  document.getElementById("play").textContent = "Pause";
  timer = setInterval(() => {
    if (position >= steps.length) { stop(); return; }
    go(position + 1);
  }, 900);
});
document.getElementById("zoom").addEventListener("click", () => {
  const fit = document.getElementById("graph").classList.toggle("fit");
  document.getElementById("zoom").textContent = fit ? "Actual size" : "Fit width";
});
document.addEventListener("keydown", event => {
  if (event.key === "ArrowRight") { stop(); go(position + 1); }
  if (event.key === "ArrowLeft") { stop(); go(position - 1); }
});
show();
</script>
</body>
</html>
"""
