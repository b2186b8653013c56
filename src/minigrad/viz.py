"""Drawing the graph behind a Value with Graphviz, as in the lecture that MiniGrad follows.

    >>> from minigrad import Value
    >>> from minigrad.viz import draw_dot
    >>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    >>> c = a * b; c.label = "c"
    >>> c.backward()
    >>> dot = draw_dot(c)                       # a graphviz.Digraph: shows inline in Jupyter
    >>> "{ a | data 2.0000 | grad -3.0000 }" in dot.source
    True

Every Value is a record ``label | data | grad``; every operation is a small oval between the
result and its inputs. ``draw_dot(root, edge_grads=True)`` writes on each input edge the gradient
that edge carries backward, so the sum at a Value used twice is visible.

How long drawing takes: Graphviz's ``dot`` lays a graph out in time that grows much faster than
its size. Measured (Graphviz 2.43, SVG, the loss graph of an MLP, on a busy 2-core machine):

    values          130     400     830    1,270    2,700    5,000
    dot -Tsvg      0.1 s   0.4 s   1.4 s    3 s      16 s     4.5 min

(building the DOT text itself takes under 0.3 s for all of them). So above ``max_nodes`` values
(1,000 by default) draw_dot draws a summary instead, clearly marked as such: the counts of values
and operations and the 30 values next to the output; it takes under a second even for 100,000
values. ``draw_dot(root, force=True)`` draws everything anyway.

The ``graphviz`` Python package is an optional extra (``pip install minigrad[viz]``), imported only
when a graph is drawn; rendering also needs the Graphviz program ``dot``. Without ``dot``,
``draw_dot(...).source`` (the DOT text) still works, and rendering raises an error that says how to
install it.
"""

from __future__ import annotations

import functools
from collections import Counter, deque
from typing import Any

from minigrad.engine import OPERATIONS, Value, topological_order

DEFAULT_MAX_NODES = 1000
SUMMARY_NODES = 30  # values shown next to the output in the summary of a large graph
RANKDIRS = ("LR", "RL", "TB", "BT")

INSTALL_GRAPHVIZ = (
    "the Graphviz program 'dot' was not found on PATH; MiniGrad draws graphs with it. "
    "Install Graphviz, then try again:\n"
    "    Debian/Ubuntu:  sudo apt-get install graphviz\n"
    "    macOS:          brew install graphviz\n"
    "    conda:          conda install -c conda-forge graphviz\n"
    "    Windows:        winget install graphviz  (or https://graphviz.org/download/)\n"
    "The DOT text needs no Graphviz: draw_dot(...).source"
)


class GraphvizNotFoundError(RuntimeError):
    """Raised when a graph is rendered but the Graphviz program ``dot`` is not installed."""


def trace(root: Value) -> tuple[set[Value], set[tuple[Value, Value]]]:
    """The graph behind ``root``, as the lecture's ``trace`` gives it: the set of its Values and
    the set of its edges ``(input, result)``.

    Sets have no order: the drawing orders them (inputs first, ``root`` last). Iterative, so
    graphs of any depth work.
    """
    if not isinstance(root, Value):
        raise TypeError(f"trace() takes a Value, not {type(root).__name__}")
    nodes = topological_order(root)
    return set(nodes), {(child, node) for node in nodes for child in node._prev}


def draw_dot(
    root: Value,
    format: str = "svg",  # noqa: A002 (the name graphviz and the lecture use)
    rankdir: str = "LR",
    *,
    edge_grads: bool = False,
    max_nodes: int | None = DEFAULT_MAX_NODES,
    force: bool = False,
) -> Any:
    """The graph behind ``root`` as a ``graphviz.Digraph``: ``.source``, ``.pipe()``, ``.render()``.

    Args:
        root: the Value whose graph is drawn.
        format: the output format of ``.render()`` and ``.pipe()``: 'svg', 'png', 'pdf', ...
        rankdir: 'LR' (left to right, inputs on the left), 'RL', 'TB' or 'BT'.
        edge_grads: write on each input edge the gradient it carries backward: the input's
            share g·∂out/∂input of the result's current ``.grad``. The shares arriving at a Value
            add up to its ``.grad``.
        max_nodes: above this many Values draw a marked summary instead (None: no limit).
        force: draw everything, however large (Graphviz may then take minutes).
    """
    graphviz = _import_graphviz()
    if rankdir not in RANKDIRS:
        raise ValueError(f"rankdir must be one of {', '.join(RANKDIRS)}, not {rankdir!r}")
    if format not in graphviz.FORMATS:
        raise ValueError(
            f"unknown output format {format!r}; Graphviz knows e.g. svg, png, pdf, "
            "(all: graphviz.FORMATS)"
        )
    if max_nodes is not None and (isinstance(max_nodes, bool) or not isinstance(max_nodes, int)):
        raise TypeError(f"max_nodes must be an int or None, not {max_nodes!r}")
    if not isinstance(root, Value):
        raise TypeError(f"draw_dot() draws the graph behind a Value, not {type(root).__name__}")
    nodes = topological_order(root)  # trace's sets, in order: inputs first, root last
    dot = _digraph_class()(format=format, graph_attr={"rankdir": rankdir})
    if force or max_nodes is None or len(nodes) <= max_nodes:
        _draw(dot, nodes, edge_grads)
    else:
        _draw_summary(dot, root, nodes, max_nodes, edge_grads)
    return dot


# ---------------------------------------------------------------------------------------------
# Drawing
# ---------------------------------------------------------------------------------------------


def _draw(
    dot: Any,
    nodes: list[Value],
    edge_grads: bool,
    svg_ids: bool = False,
    names: dict[Value, str] | None = None,
) -> dict[Value, str]:
    """Add every Value of ``nodes`` and, for those whose inputs are all in ``nodes``, its operation.

    Value ``nodes[i]`` is the DOT node ``v{i}``, its operation ``v{i}_op``; with ``svg_ids`` the
    SVG elements get those ids too, and ``names`` replace the labels (for minigrad.explain's page).
    """
    ids = {node: f"v{i}" for i, node in enumerate(nodes)}
    for node in nodes:
        name = names[node] if names is not None else str(node.label or "")
        label = f"{{ {_record_text(name)} | data {node.data:.4f} | grad {node.grad:.4f} }}"
        extra = {"id": ids[node]} if svg_ids else {}
        dot.node(ids[node], label=label, shape="record", **extra)
    for node in nodes:
        if node._prev and all(child in ids for child in node._prev):
            _add_operation(dot, ids, node, edge_grads, svg_ids)
    return ids


def _add_operation(
    dot: Any, ids: dict[Value, str], node: Value, edge_grads: bool, svg_ids: bool
) -> None:
    op_id = ids[node] + "_op"
    extra = {"id": op_id} if svg_ids else {}
    dot.node(op_id, label=_plain_text(node._op or "?"), shape="oval", fontsize="11", **extra)
    shares = _backward_shares(node) if edge_grads else None
    for i, child in enumerate(node._prev):
        if shares is None:
            dot.edge(ids[child], op_id)
        else:
            dot.edge(ids[child], op_id, label=shares[i], fontcolor="firebrick", fontsize="10")
    dot.edge(op_id, ids[node])


def _backward_shares(node: Value) -> list[str]:
    """What each input of ``node`` receives from its current grad, as edge labels."""
    op = OPERATIONS.get(node._op)
    if op is None or (op.arity is not None and op.arity != len(node._prev)):
        return ["?"] * len(node._prev)  # an operation the engine does not know
    shares = op.backward(node.grad, node.data, *[child.data for child in node._prev])
    return [f"{float(share):.4f}" for share in shares]


def _draw_summary(
    dot: Any, root: Value, nodes: list[Value], max_nodes: int, edge_grads: bool
) -> None:
    """A readable stand-in for a graph too large to lay out: its counts and its top."""
    near_root = _nearest(root, SUMMARY_NODES)
    operations = Counter(node._op for node in nodes if node._prev)
    leaves = sum(1 for node in nodes if not node._prev)
    counts = ", ".join(f"{name} ×{count:,}" for name, count in operations.most_common(12))
    if len(operations) > 12:
        counts += ", ..."
    lines = [
        f"SUMMARY: graph too large to draw ({len(nodes):,} values > max_nodes={max_nodes:,})",
        f"{leaves:,} leaves, {len(nodes) - leaves:,} operations: {counts}",
        f"Shown: the {len(near_root)} values nearest the output; "
        f"⋯ stands for the {len(nodes) - len(near_root):,} values not shown.",
        "draw_dot(root, force=True) draws everything (Graphviz may take minutes).",
    ]
    note = "".join(line.replace("\\", "\\\\") + "\\l" for line in lines)  # \l: left-aligned
    dot.attr(label=note, labelloc="t", labeljust="l", fontsize="20", fontcolor="firebrick")
    ids = _draw(dot, near_root, edge_grads)
    dot.node("hidden", label="⋯", shape="plaintext", fontsize="24")
    for node in near_root:
        if node._prev and not all(child in ids for child in node._prev):
            op_id = ids[node] + "_op"
            dot.node(op_id, label=_plain_text(node._op or "?"), shape="oval", fontsize="11")
            for child in node._prev:
                dot.edge(ids[child] if child in ids else "hidden", op_id, style="dashed")
            dot.edge(op_id, ids[node])


def _nearest(root: Value, count: int) -> list[Value]:
    """Up to ``count`` Values closest to ``root`` (breadth first), inputs before results."""
    seen = {root}
    queue = deque([root])
    found: list[Value] = []
    while queue and len(found) < count:
        node = queue.popleft()
        found.append(node)
        for child in node._prev:
            if child not in seen:
                seen.add(child)
                queue.append(child)
    return found[::-1]


def _plain_text(text: str) -> str:
    r"""``text`` as literal text in an ordinary label (where \ starts an escape, <...> is HTML)."""
    return _import_graphviz().nohtml(text.replace("\\", "\\\\").replace("\n", "\\n"))


def _record_text(text: str) -> str:
    r"""``text`` as literal text in a Graphviz record label (where {}|<> and \ have meaning)."""
    for special in '\\{}|<>"':
        text = text.replace(special, "\\" + special)
    return text.replace("\n", "\\n")


# ---------------------------------------------------------------------------------------------
# The optional graphviz package, and an error that says how to install the dot program
# ---------------------------------------------------------------------------------------------


def _import_graphviz() -> Any:
    try:
        import graphviz
    except ImportError:
        raise ImportError(
            "drawing needs the graphviz Python package: pip install 'minigrad[viz]' "
            "(or pip install graphviz), and the Graphviz program: apt-get install graphviz, "
            "brew install graphviz or conda install -c conda-forge graphviz"
        ) from None
    return graphviz


@functools.cache
def _digraph_class() -> type:
    """graphviz.Digraph, whose rendering says how to install Graphviz when ``dot`` is missing."""
    graphviz = _import_graphviz()

    def explain_missing_dot(method: Any) -> Any:
        @functools.wraps(method)
        def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
            try:
                return method(self, *args, **kwargs)
            except graphviz.ExecutableNotFound as missing:
                raise GraphvizNotFoundError(INSTALL_GRAPHVIZ) from missing

        return wrapper

    class Digraph(graphviz.Digraph):
        """A graphviz.Digraph drawn by minigrad.viz.draw_dot."""

        pipe = explain_missing_dot(graphviz.Digraph.pipe)
        render = explain_missing_dot(graphviz.Digraph.render)
        unflatten = explain_missing_dot(graphviz.Digraph.unflatten)

    return Digraph
