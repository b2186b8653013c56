"""Drawing the graph behind a Value with Graphviz, as in the lecture that MiniGrad follows.

    >>> from minigrad import Value
    >>> from minigrad.teaching.viz import draw_dot
    >>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    >>> c = a * b; c.label = "c"
    >>> c.backward()
    >>> dot = draw_dot(c)                       # a graphviz.Digraph: shows inline in Jupyter
    >>> "{ a | data 2.0000 | grad -3.0000 }" in dot.source
    True

Every Value is a record ``name | data | grad``; every operation is a small oval between the
result and its inputs. The name is the one every explainer of minigrad.teaching.explain uses (see
minigrad.teaching.names): the label, ``label@k`` when several Values share a label, or a generated
name such as ``mul1`` for a Value without one. ``draw_dot(root, edge_grads=True)`` writes on each
input edge the gradient that edge carries backward, so the sum at a Value used twice is visible.

How long drawing takes: Graphviz's ``dot`` lays a graph out in time that grows much faster than
its size, and fastest of all with many edges that skip ranks from one Value: ``x + x + ... + x``
(100 terms, only 100 values) uses ``x`` at every rank of a 200-rank drawing, dot routes each of
those edges through one hidden node per rank it crosses (about 10,000 of them), and the layout
takes minutes. A long edge from a Value used once (the product w·x waiting for the end of a
neuron's chain of sums, b + w₁x₁ + w₂x₂ + ...) costs dot much less: it lies beside its neighbours
without crossing them. Measured (Graphviz 2.43, SVG; the first column on a quiet 2-core machine,
the second in one run on the same machine under a load average of 25, where every layout took
about 11 times as long):

    graph                              values   edges   hidden nodes   cost   dot    dot, loaded
    x + x + ... + x,  40 terms             40     117          1,482   1,599   0.3 s    3.4 s
    x + x + ... + x,  60 terms             60     177          3,422   3,599   7 s      > 120 s
    x + x + ... + x, 100 terms            100     297          9,702   9,999   minutes
    MLP(3, [4, 4, 1]) loss, 4 samples     362     872            348     959   0.1 s    2.8 s
    MLP(3, [4, 4, 1]) loss, 16 samples  1,322   3,488          1,584   3,884   2.3 s    58 s
    MLP(2, [8, 8, 1]) loss, 4 samples     902   2,280          2,092   2,803            22 s
    MLP(2, [16, 16, 1]), one input        980   1,890          4,112   2,918   1.6 s    14 s
    MLP(3, [8, 8, 1]) fused, 32 samples   882   7,488            992   7,736   10 s     > 120 s
    random, 300 operations                235     629          3,988   3,940            71 s

(MLPs with every operation its own Value unless fused; edges count one per input of each
operation and one from each operation to its result. micrograd's demo network, MLP(2, [16, 16,
1]), is drawn and stepped through in full.)

So before calling Graphviz, ``layout_cost(root)`` estimates the work: the edges plus the hidden
nodes (each edge skipping k ranks adds k - 1; an input is placed just before its first use), a
hidden node of a Value used only once counting a quarter.
Above ``max_layout_cost`` (4,000 by default) or ``max_nodes`` values (1,000), draw_dot draws a
summary instead, clearly marked as such: the counts of values and operations and the 30 values
next to the output; it takes under a second even for 100,000 values. ``draw_dot(root,
force=True)`` draws everything anyway. Rendering (``.pipe()``, ``.render()`` and the picture
Jupyter shows) stops after ``timeout`` seconds (60 by default) with a one-line
GraphvizTimeoutError.

The ``graphviz`` Python package is the optional ``viz`` extra (``pip install graphviz``, or
``pip install '.[viz]'`` in a clone of MiniGrad), imported only when a graph is drawn; it only
writes text, so ``draw_dot(...).source`` (the DOT text) works without the Graphviz program.
Rendering needs ``dot``, and says how to install it when it is missing; or
``use_graphviz_function(render)`` lays graphs out in this process instead (the docs site's
Playground, where Python runs in the browser, passes Graphviz compiled to WebAssembly).
"""

from __future__ import annotations

import functools
import math
import os
import subprocess
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from minigrad.engine import Value, assigned_backward, topological_order
from minigrad.storage.files import write_atomically
from minigrad.teaching.input_gradients import input_gradients
from minigrad.teaching.names import names_in_order, readable

DEFAULT_MAX_NODES = 1000
DEFAULT_MAX_LAYOUT_COST = 4000  # about 10 s of dot on a busy 2-core machine (see above)
DEFAULT_TIMEOUT = 60.0  # seconds that rendering may take
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


# ``render(dot_text, engine, format)`` that lays a graph out in this process, or None: the program.
_graphviz_function: Callable[[str, str, str], bytes | str] | None = None


def use_graphviz_function(render: Callable[[str, str, str], bytes | str] | None) -> None:
    """Render with ``render(dot_text, engine, format)`` instead of running the Graphviz program.

    For Python that cannot start programs: the Playground of the docs site runs MiniGrad in the
    browser and passes Graphviz compiled to WebAssembly. It returns the drawing (bytes, or text
    for text formats such as 'svg'). ``None`` goes back to the program. The ``timeout`` of
    draw_dot does not apply to a function.
    """
    global _graphviz_function
    if render is not None and not callable(render):
        raise TypeError(f"use_graphviz_function takes a function or None, not {render!r}")
    _graphviz_function = render


class GraphvizNotFoundError(RuntimeError):
    """Raised when a graph is rendered but the Graphviz program ``dot`` is not installed."""


class GraphvizTimeoutError(RuntimeError):
    """Raised when Graphviz takes longer than the time limit to lay a graph out."""


class GraphTooLargeError(ValueError):
    """Raised when a graph would take Graphviz too long to lay out and drawing it was not forced."""


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


def _ordered(root: Value, what: str) -> list[Value]:
    """trace's Values in order: inputs first, ``root`` last."""
    if not isinstance(root, Value):
        raise TypeError(f"{what} the graph behind a Value, not {type(root).__name__}")
    return topological_order(root)


@dataclass(frozen=True)
class LayoutCost:
    """What Graphviz's dot must lay out for a drawing: ``cost`` is edges plus hidden nodes."""

    values: int
    edges: int  # one per input of each operation, and one from each operation to its result
    hidden_nodes: int  # dot routes an edge that skips k ranks through k - 1 hidden nodes
    widest_fan_out: int  # the most operations one Value feeds
    widest_fan_out_name: str
    single_use_hidden_nodes: int = 0  # those of edges from a Value used once: cheap for dot

    @property
    def cost(self) -> int:
        shared = self.hidden_nodes - self.single_use_hidden_nodes
        return self.edges + shared + self.single_use_hidden_nodes // 4

    def why(self) -> str:
        """Where the cost comes from, in a sentence."""
        reason = (
            f"{self.values:,} values, {self.edges:,} edges and about {self.hidden_nodes:,} hidden "
            "nodes for edges that skip ranks"
        )
        if self.widest_fan_out > 10:
            reason += f" ({self.widest_fan_out_name} feeds {self.widest_fan_out:,} operations)"
        return reason


def layout_cost(root: Value) -> LayoutCost:
    """Estimate the work of laying out ``root``'s graph, in a time that grows with its size.

    dot puts each operation one rank after its latest input and its result one rank after it; an
    input (a leaf) goes one rank before its first use. An edge that skips k ranks costs dot k - 1
    hidden nodes, and those make the layout slow (see the table in this module's docstring).
    """
    nodes = _ordered(root, "layout_cost() estimates")
    return _layout_cost(nodes, names_in_order(nodes))


def _layout_cost(nodes: list[Value], names: dict[Value, str]) -> LayoutCost:
    rank: dict[Value, int] = {}  # the rank of each Value; its operation sits one rank before
    uses: dict[Value, list[int]] = {}  # the ranks of the operations each Value feeds
    edges = 0
    for node in nodes:
        if node._prev:
            op_rank = 1 + max(rank.get(child, 0) for child in node._prev)
            for child in node._prev:
                uses.setdefault(child, []).append(op_rank)
            rank[node] = op_rank + 1
            edges += len(node._prev) + 1
        elif node in uses:  # a leaf is placed once its first use is known: it comes first
            rank[node] = 0
    hidden = single_use_hidden = 0
    for child, op_ranks in uses.items():
        start = rank[child] if child._prev else min(op_ranks) - 1
        skipped = sum(op_rank - start - 1 for op_rank in op_ranks)
        hidden += skipped
        if len(op_ranks) == 1:
            single_use_hidden += skipped
    widest = max(uses, key=lambda node: len(uses[node]), default=None)
    return LayoutCost(
        values=len(nodes),
        edges=edges,
        hidden_nodes=hidden,
        widest_fan_out=len(uses[widest]) if widest is not None else 0,
        widest_fan_out_name=names[widest] if widest is not None else "",
        single_use_hidden_nodes=single_use_hidden,
    )


def too_large(
    nodes: list[Value], cost: LayoutCost, max_nodes: int | None, max_layout_cost: int | None
) -> str | None:
    """Why a graph is too large to draw in full under these limits, or None if it is not."""
    if max_nodes is not None and len(nodes) > max_nodes:
        return f"{len(nodes):,} values > max_nodes={max_nodes:,}"
    if max_layout_cost is not None and cost.cost > max_layout_cost:
        return f"layout cost {cost.cost:,} > max_layout_cost={max_layout_cost:,}: {cost.why()}"
    return None


def draw_dot(
    root: Value,
    format: str = "svg",  # noqa: A002 (the name graphviz and the lecture use)
    rankdir: str = "LR",
    *,
    edge_grads: bool = False,
    max_nodes: int | None = DEFAULT_MAX_NODES,
    max_layout_cost: int | None = DEFAULT_MAX_LAYOUT_COST,
    force: bool = False,
    timeout: float | None = DEFAULT_TIMEOUT,
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
        max_layout_cost: above this ``layout_cost(root).cost`` draw the summary (None: no limit).
        force: draw everything, however large (Graphviz may then take minutes).
        timeout: seconds ``.pipe()`` and ``.render()`` wait for Graphviz before
            GraphvizTimeoutError (None: no limit).
    """
    check_format(format, rankdir)
    check_limits(max_nodes, max_layout_cost)
    nodes = _ordered(root, "draw_dot() draws")
    names = names_in_order(nodes)
    dot = _digraph_class()(format=format, graph_attr={"rankdir": rankdir})
    dot.timeout = timeout
    reason = (
        None if force else too_large(nodes, _layout_cost(nodes, names), max_nodes, max_layout_cost)
    )
    if reason is None:
        _draw(dot, nodes, names, edge_grads)
    else:
        draw_summary(
            dot,
            root,
            nodes,
            reason,
            lambda shown: _draw(dot, shown, names, edge_grads),
            _operation_label,
        )
    dot.is_summary = reason is not None
    return dot


def check_format(format: str, rankdir: str) -> None:  # noqa: A002 (graphviz's name)
    """Refuse an output format Graphviz does not know, or a direction that is not a rankdir."""
    graphviz = _import_graphviz()
    if rankdir not in RANKDIRS:
        raise ValueError(f"rankdir must be one of {', '.join(RANKDIRS)}, not {rankdir!r}")
    if format not in graphviz.FORMATS:
        raise ValueError(
            f"unknown output format {format!r}; Graphviz knows e.g. svg, png, pdf, "
            "(all: graphviz.FORMATS)"
        )


def check_limits(max_nodes: int | None, max_layout_cost: int | None) -> None:
    """Refuse a size limit that is not a whole number or None."""
    for name, limit in (("max_nodes", max_nodes), ("max_layout_cost", max_layout_cost)):
        if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int)):
            raise TypeError(f"{name} must be an int or None, not {limit!r}")


# ---------------------------------------------------------------------------------------------
# Drawing
# ---------------------------------------------------------------------------------------------


def _draw(
    dot: Any,
    nodes: list[Value],
    names: dict[Value, str],
    edge_grads: bool,
    svg_ids: bool = False,
) -> dict[Value, str]:
    """Add every Value of ``nodes`` and, for those whose inputs are all in ``nodes``, its operation.

    Value ``nodes[i]`` is the DOT node ``v{i}``, its operation ``v{i}_op``, each shown with its
    name from ``names``; with ``svg_ids`` the SVG elements get those ids too (for the web page of
    minigrad.teaching.explain).
    """
    ids = {node: f"v{i}" for i, node in enumerate(nodes)}
    for node in nodes:
        name = names[node]
        label = f"{{ {record_text(name)} | data {shown(node.data)} | grad {shown(node.grad)} }}"
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
    dot.node(op_id, label=_operation_label(node), shape="oval", fontsize="11", **extra)
    shares = _backward_shares(node) if edge_grads else None
    for i, child in enumerate(node._prev):
        if shares is None:
            dot.edge(ids[child], op_id)
        else:
            dot.edge(ids[child], op_id, label=shares[i], fontcolor="firebrick", fontsize="10")
    dot.edge(op_id, ids[node])


def _backward_shares(node: Value) -> list[str]:
    """What each input of ``node`` receives from its current grad, as edge labels."""
    op = node._operation
    if assigned_backward(node) is None and (
        op.backward is None or (op.arity is not None and op.arity != len(node._prev))
    ):
        return ["?"] * len(node._prev)  # an operation without a rule for these inputs
    return [shown(share) for share in input_gradients(node, node.grad)]


def draw_summary(
    dot: Any,
    root: Any,
    nodes: list[Any],
    reason: str,
    draw: Callable[[list[Any]], dict[Any, str]],
    operation_label: Callable[[Any], str],
) -> None:
    """A readable stand-in for a graph too large to lay out: its counts and its top.

    ``draw(shown)`` adds the nodes ``shown`` (and the operations whose inputs are all shown) and
    returns their DOT ids; ``operation_label(node)`` is the text of a node's operation. Used for
    Values and Tensors alike.
    """
    near_root = _nearest(root, SUMMARY_NODES)
    operations = Counter(readable(node._op or "?") for node in nodes if node._prev)
    leaves = sum(1 for node in nodes if not node._prev)
    counts = ", ".join(f"{name} ×{count:,}" for name, count in operations.most_common(12))
    if len(operations) > 12:
        counts += ", ..."
    lines = [
        f"SUMMARY: graph too large to draw ({reason})",
        f"{leaves:,} leaves, {len(nodes) - leaves:,} operations: {counts}",
        f"Shown: the {len(near_root)} values nearest the output; "
        f"⋯ stands for the {len(nodes) - len(near_root):,} values not shown.",
        "draw_dot(root, force=True) draws everything (Graphviz may take minutes).",
    ]
    note = "".join(line.replace("\\", "\\\\") + "\\l" for line in lines)  # \l: left-aligned
    dot.attr(label=note, labelloc="t", labeljust="l", fontsize="20", fontcolor="firebrick")
    ids = draw(near_root)
    dot.node("hidden", label="⋯", shape="plaintext", fontsize="24")
    for node in near_root:
        if node._prev and not all(child in ids for child in node._prev):
            op_id = ids[node] + "_op"
            dot.node(op_id, label=operation_label(node), shape="oval", fontsize="11")
            for child in node._prev:
                dot.edge(ids[child] if child in ids else "hidden", op_id, style="dashed")
            dot.edge(op_id, ids[node])


def _nearest(root: Any, count: int) -> list[Any]:
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


def _operation_label(node: Value) -> str:
    by_hand = "\n(_backward by hand)" if assigned_backward(node) is not None else ""
    return plain_text(readable(node._op or "?") + by_hand)


def plain_text(text: str) -> str:
    r"""``text`` as literal text in an ordinary label (where \ starts an escape, <...> is HTML)."""
    return _import_graphviz().nohtml(text.replace("\\", "\\\\").replace("\n", "\\n"))


def record_text(text: str) -> str:
    r"""``text`` as literal text in a Graphviz record label (where {}|<> and \ have meaning)."""
    for special in '\\{}|<>"':
        text = text.replace(special, "\\" + special)
    return text.replace("\n", "\\n")


def shown(x: float) -> str:
    """A number as the drawings and explainers print it: 4 decimals, or 4 significant digits for
    a number too small for them (1.234e-07, not 0.0000)."""
    if x == 0.0 or not math.isfinite(x) or abs(x) >= 1e-3:
        return f"{x:.4f}"
    return f"{x:.4g}"


# ---------------------------------------------------------------------------------------------
# The optional graphviz package, and an error that says how to install the dot program
# ---------------------------------------------------------------------------------------------


def _import_graphviz() -> Any:
    try:
        import graphviz
    except ImportError:
        raise ImportError(
            "drawing needs the graphviz Python package, the 'viz' extra: pip install graphviz "
            "(in a clone of MiniGrad: pip install '.[viz]'), and the Graphviz program: "
            "apt-get install graphviz, "
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

    graphviz_render = explain_missing_dot(graphviz.Digraph.render)

    class Digraph(graphviz.Digraph):
        """A graphviz.Digraph drawn by draw_dot, whose ``pipe`` has a time limit."""

        timeout: float | None = DEFAULT_TIMEOUT
        is_summary = False

        def pipe(
            self,
            format: str | None = None,  # noqa: A002 (graphviz's name)
            renderer: str | None = None,
            formatter: str | None = None,
            neato_no_op: bool | int | None = None,
            quiet: bool = False,
            *,
            engine: str | None = None,
            encoding: str | None = None,
        ) -> bytes | str:
            """The drawing as bytes (or str, given ``encoding``), as graphviz's pipe gives it."""
            output_format = ":".join(x for x in (format or self.format, renderer, formatter) if x)
            command = [engine or self.engine, f"-T{output_format}"]
            if neato_no_op:
                command.append(f"-n{int(neato_no_op)}")
            drawn = _run_graphviz(command, self.source.encode(self.encoding), self.timeout)
            return drawn.decode(encoding) if encoding else drawn

        def render(
            self,
            filename: str | os.PathLike[str] | None = None,
            directory: str | os.PathLike[str] | None = None,
            view: bool = False,
            cleanup: bool = False,
            format: str | None = None,  # noqa: A002 (graphviz's name)
            renderer: str | None = None,
            formatter: str | None = None,
            **options: Any,
        ) -> str:
            """Save the DOT source and draw it beside it (``name.svg``), as graphviz's render.

            The drawing goes through ``pipe``, so it has the time limit too; with other options
            (``outfile=``, a renderer ...) graphviz's own render runs, without one.
            """
            if renderer or formatter or any(options.values()):
                return graphviz_render(
                    self,
                    filename,
                    directory,
                    view,
                    cleanup,
                    format,
                    renderer,
                    formatter,
                    **options,
                )
            output_format = format or self.format
            drawing = self.pipe(format=output_format)  # first: nothing is written on failure
            source = self.save(filename, directory=directory)
            target = f"{source}.{output_format}"
            write_atomically(Path(target), lambda file: file.write(drawing))
            if cleanup:
                os.remove(source)
            if view:
                self._view(target, format=output_format, quiet=False)
            return target

        unflatten = explain_missing_dot(graphviz.Digraph.unflatten)

    return Digraph


def _run_graphviz(command: list[str], source: bytes, timeout: float | None) -> bytes:
    """Run a Graphviz program on DOT ``source``, at most ``timeout`` seconds; its output."""
    if _graphviz_function is not None:
        engine, output_format = command[0], command[1].removeprefix("-T")
        drawn = _graphviz_function(source.decode("utf-8"), engine, output_format)
        return drawn.encode("utf-8") if isinstance(drawn, str) else bytes(drawn)
    try:
        done = subprocess.run(command, input=source, capture_output=True, timeout=timeout)
    except FileNotFoundError:
        raise GraphvizNotFoundError(INSTALL_GRAPHVIZ) from None
    except subprocess.TimeoutExpired:
        raise GraphvizTimeoutError(
            f"Graphviz did not finish laying out the graph within {timeout:g} s; draw a smaller "
            "graph, or give a larger timeout (draw_dot(..., timeout=None) waits for ever)"
        ) from None
    if done.returncode != 0:
        errors = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise RuntimeError(
            f"Graphviz failed ({' '.join(command)}, exit status {done.returncode}): "
            f"{errors[0] if errors else 'no message'}"
        )
    return done.stdout
