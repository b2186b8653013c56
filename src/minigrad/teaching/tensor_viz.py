"""Drawing and explaining a Tensor graph.

``minigrad.draw_dot`` and ``minigrad.explain_backward`` come here when given Tensors. What they
show differs from Values' in one way: a node is an array, so each box gives its name, shape and
dtype and a short summary of its data and gradient (the numbers when there are at most four, else
their norm), and each backward step says which shapes meet, including where broadcasting made
backward sum (``b.grad (4,) += sum over axis 0 of (128, 4)``).

Everything else is the Values' own code: the names (``minigrad.teaching.names``: labels shown as
visible text and shortened, ``label@k`` for shared labels, ``matmul1`` for a Tensor without one),
the escaping of DOT text, and the size guard of ``minigrad.teaching.viz.draw_dot`` (a graph over
``max_nodes`` nodes or ``max_layout_cost`` is drawn as a marked summary unless ``force=True``;
rendering stops after ``timeout`` seconds).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy

from minigrad.teaching import viz
from minigrad.teaching.names import names_in_order, readable
from minigrad.tensor import OPERATIONS, Tensor, _walk, grad
from minigrad.tensor_gradcheck import shape_text

# ---------------------------------------------------------------------------------------------
# Names and summaries
# ---------------------------------------------------------------------------------------------


def tensor_names(root: Tensor) -> dict[Tensor, str]:
    """A distinct, readable name per node, inputs first, by the rules Values are named by
    (``minigrad.teaching.names``): its label, ``label@k`` when labels repeat, else the operation
    that made it and a number (``matmul1``), or ``leaf1`` for an unlabelled input."""
    return names_in_order(_walk(root)[0])


def summary(array: Any) -> str:
    """The numbers when there are at most four, else the norm ‖·‖ of them all."""
    if array is None:
        return "none"
    values = numpy.asarray(array, dtype=numpy.float64)
    if values.size <= 4:
        return "[" + ", ".join(f"{v:.4g}" for v in values.ravel()) + "]"
    return f"‖·‖ {numpy.linalg.norm(values.ravel()):.4g}"


# ---------------------------------------------------------------------------------------------
# draw_dot
# ---------------------------------------------------------------------------------------------


def draw_dot(
    root: Tensor,
    format: str = "svg",  # noqa: A002 (the name graphviz and the lecture use)
    rankdir: str = "LR",
    *,
    max_nodes: int | None = viz.DEFAULT_MAX_NODES,
    max_layout_cost: int | None = viz.DEFAULT_MAX_LAYOUT_COST,
    force: bool = False,
    timeout: float | None = viz.DEFAULT_TIMEOUT,
) -> Any:
    """The graph behind ``root``: a box per Tensor (name, shape, dtype, data, grad), an oval per
    operation, as ``graphviz.Digraph``. The limits are ``minigrad.teaching.viz.draw_dot``'s."""
    viz.check_format(format, rankdir)
    viz.check_limits(max_nodes, max_layout_cost)
    nodes = _walk(root)[0]
    names = names_in_order(nodes)
    dot = viz._digraph_class()(format=format, graph_attr={"rankdir": rankdir})
    dot.timeout = timeout
    cost = viz._layout_cost(nodes, names)
    reason = None if force else viz.too_large(nodes, cost, max_nodes, max_layout_cost)
    grads = shown_gradients(root)
    if reason is None:
        _draw(dot, nodes, names, grads, rankdir)
    else:
        viz.draw_summary(
            dot, root, nodes, reason, lambda shown: _draw(dot, shown, names, grads, rankdir),
            _op_label,
        )
    dot.is_summary = reason is not None
    return dot


def _draw(
    dot: Any, nodes: list[Tensor], names: dict[Tensor, str], grads: dict[Tensor, Any], rankdir: str
) -> dict:
    """Add a box per Tensor of ``nodes`` and an oval for each operation whose inputs are all
    there; the DOT id of each Tensor."""
    ids = {node: f"t{i}" for i, node in enumerate(nodes)}
    for node in nodes:
        dtype = str(node.dtype).rsplit(".", 1)[-1]
        fields = [
            viz.record_text(names[node]),
            viz.record_text(f"{shape_text(node.shape)} {dtype}"),
            viz.record_text(f"data {summary(node.data)}"),
            viz.record_text(f"grad {summary(grads[node])}" if node.requires_grad else "constant"),
        ]
        # a record's fields stack across the direction of the graph: one above another in LR
        record = " | ".join(fields)
        label = record if rankdir in ("LR", "RL") else "{ " + record + " }"
        dot.node(ids[node], label=label, shape="record")
    for node in nodes:
        if node._prev and all(child in ids for child in node._prev):
            op_id = ids[node] + "_op"
            dot.node(op_id, label=_op_label(node), shape="oval", fontsize="11")
            for child in node._prev:
                dot.edge(ids[child], op_id)
            dot.edge(op_id, ids[node])
    return ids


def _op_label(node: Tensor) -> str:
    return viz.plain_text(readable(node._op or "?"))


def shown_gradients(root: Tensor) -> dict[Tensor, Any]:
    """The gradient a drawing shows for each node of ``root``'s graph: its ``.grad``, and for an
    inner node whose gradient backward dropped once it was passed on (only leaves keep theirs, as
    in PyTorch), ∂root/∂node asked for again by ``grad()``, which changes no ``.grad``. That is
    done once backward has run from a one-element root (a leaf of it has a gradient), so the
    drawing shows what every node's gradient was in that pass."""
    order, inner = _walk(root)
    shown = {node: node.grad for node in order}
    dropped = [node for node in inner if node.grad is None and node.requires_grad]
    backward_ran = any(node.grad is not None for node in order if not node._prev)
    if dropped and backward_ran and root.requires_grad and root.size == 1:
        shown.update(zip(dropped, grad(root, dropped)))
    return shown


# ---------------------------------------------------------------------------------------------
# explain_backward
# ---------------------------------------------------------------------------------------------

# What input i of an operation receives, in words (g is the output's gradient; {a} and {b} the
# names of its first and second input, {x} of its only input, {W} of a linear layer's weights).
_FORMULAS = {
    ("+", 0): "g", ("+", 1): "g", ("-", 0): "g", ("-", 1): "-g",
    ("*", 0): "g·{b}", ("*", 1): "g·{a}", ("/", 0): "g/{b}", ("/", 1): "-g·out/{b}",
    ("@", 0): "g @ {b}ᵀ", ("@", 1): "{a}ᵀ @ g", ("tanh", 0): "g·(1 - out²)",
    ("relu", 0): "g·[{x} > 0]", ("sigmoid", 0): "g·out·(1 - out)", ("exp", 0): "g·out",
    ("log", 0): "g/{x}", ("sum", 0): "g copied along the summed axes",
    ("mean", 0): "g/n copied along the averaged axes",
    ("cross_entropy", 0): "(softmax - one-hot)·g/n",
    ("linear", 0): "g @ {W}ᵀ", ("linear", 1): "{x}ᵀ @ g", ("linear", 2): "g",
}  # fmt: skip


def _formula(node: Tensor, index: int, names: dict[Tensor, str]) -> str:
    """What input ``index`` of ``node`` receives, the other operands called by their names."""
    inputs = [names[x] for x in node._prev]
    first = inputs[0] if inputs else "x"
    second = inputs[1] if len(inputs) > 1 else "b"
    template = _FORMULAS.get((node._op, index), "g·∂out/∂input")
    return template.format(a=first, b=second, x=first, W=second)


@dataclass(frozen=True)
class TensorBackwardStep:
    """One input's share of one node's gradient, in the order backward computes them."""

    node_name: str
    child_name: str
    op: str
    child_shape: tuple[int, ...]
    upstream_shape: tuple[int, ...]
    summed_axes: tuple[int, ...]
    formula: str
    contribution: Any

    def __str__(self) -> str:
        target = f"{self.child_name}.grad {shape_text(self.child_shape)} += "
        source = f"[{readable(self.op)} → {self.node_name} {shape_text(self.upstream_shape)}"
        if self.summed_axes:
            axes = ", ".join(map(str, self.summed_axes))
            word = "axis" if len(self.summed_axes) == 1 else "axes"
            return (
                f"{target}sum over {word} {axes} of {shape_text(self.upstream_shape)}   "
                f"{source}: {self.formula}, broadcast in forward]"
            )
        return f"{target}{self.formula}   {source}]"


def explain_backward(root: Tensor) -> list[TensorBackwardStep]:
    """The steps of ``root.backward()``, one per input that needs a gradient, in order; no
    ``.grad`` changes (the gradients are those of a fresh pass from a root gradient of ones)."""
    if not isinstance(root, Tensor):
        raise TypeError(f"explain_backward explains a Tensor here, not {type(root).__name__}")
    names = tensor_names(root)
    order, inner = _walk(root)
    grads: dict[Tensor, Any] = {root: numpy.ones(root.shape)}
    steps = []
    for node in reversed(inner):
        g = grads.get(node)
        if g is None:
            continue
        op = OPERATIONS[node._op]
        args = [x.data for x in node._prev]
        for i, child in enumerate(node._prev):
            if not child.requires_grad:
                continue
            rule = op.backward[0] if op.variadic else op.backward[i]
            extra = {"position": i} if op.variadic else {}
            dx = rule(g, node.data, *args, **extra, **node._params)
            grads[child] = dx if child not in grads else grads[child] + dx
            steps.append(
                TensorBackwardStep(
                    node_name=names[node],
                    child_name=names[child],
                    op=node._op,
                    child_shape=child.shape,
                    upstream_shape=node.shape,
                    summed_axes=_broadcast_axes(node, child),
                    formula=_formula(node, i, names),
                    contribution=dx,
                )
            )
    return steps


_ELEMENTWISE = {"+", "-", "*", "/", "**", "maximum", "where"}


def _broadcast_axes(node: Tensor, child: Tensor) -> tuple[int, ...]:
    """The axes of node's shape along which the child was copied by broadcasting (for the
    elementwise operations, whose backward sums over them)."""
    is_bias = node._op == "linear" and child is node._prev[2]  # x @ W + b: b is broadcast
    if (node._op not in _ELEMENTWISE and not is_bias) or node.shape == child.shape:
        return ()
    extra = len(node.shape) - len(child.shape)
    return tuple(range(extra)) + tuple(
        extra + i for i, n in enumerate(child.shape) if n == 1 and node.shape[extra + i] != 1
    )


# ---------------------------------------------------------------------------------------------
# backward_source
# ---------------------------------------------------------------------------------------------


def backward_source(root: Tensor) -> str:
    """The backward pass of ``root`` as straight-line NumPy: one statement per chain-rule step,
    output first (the makemore lecture's exercise 1, written out by the engine).

    Each tensor of the graph is a variable holding its array (named after ``tensor_names``) and
    ``grad_<name>`` its gradient. Run it in ``backward_namespace(root)``, which holds the forward
    pass's arrays: ``exec(backward_source(loss), ns)``; then ``ns["gradients"]`` maps every name to
    the gradient a fresh ``root.backward()`` gives it. Operations without a formula here are
    written as a call of MiniGrad's own rule, ``rule(op, i)(g, out, *inputs, **params[name])``.
    """
    if not isinstance(root, Tensor):
        raise TypeError(f"backward_source writes a Tensor's backward pass, not {type(root)}")
    names = tensor_names(root)
    order, inner = _walk(root)
    idents = _identifiers(order, names)
    lines = [
        f"# The backward pass of {names[root]}, one chain-rule step per line, output first.",
        "# Written by minigrad.backward_source; run it in backward_namespace(root).",
        "",
        "# Every gradient starts at 0, the output's at 1 (∂root/∂root):",
    ]
    for node in order:
        start = "np.ones_like" if node is root else "np.zeros_like"
        lines.append(f"grad_{idents[node]} = {start}({idents[node]})")
    lines += ["", "# The chain rule: input.grad += node.grad × ∂node/∂input"]
    for node in reversed(inner):
        for i, child in enumerate(node._prev):
            if child.requires_grad:
                lines.append(_step_code(node, i, idents))
    lines += ["", "gradients = {"]
    lines += [f"    {names[node]!r}: grad_{idents[node]}," for node in order]
    lines.append("}")
    return "\n".join(lines) + "\n"


def backward_namespace(root: Tensor) -> dict[str, Any]:
    """What ``backward_source(root)`` runs in: each tensor's array under its variable's name,
    each node's settings in ``params``, NumPy as ``np``, ``sum_to`` and ``rule``."""
    from minigrad.tensor import sum_to

    order = _walk(root)[0]
    idents = _identifiers(order, tensor_names(root))
    namespace: dict[str, Any] = {idents[node]: node.data for node in order}
    namespace.update(
        np=numpy, sum_to=sum_to, rule=_rule,
        params={idents[node]: dict(node._params) for node in order if node._prev},
    )  # fmt: skip
    return namespace


def _rule(op_name: str, i: int) -> Callable[..., Any]:
    """Backward rule i of a Tensor operation (the one rule of an operation on any number)."""
    op = OPERATIONS[op_name]
    if op.variadic:
        return lambda *args, **params: op.backward[0](*args, position=i, **params)
    return op.backward[i]


def _identifiers(order: list[Tensor], names: dict[Tensor, str]) -> dict[Tensor, str]:
    """A Python variable name per node, made from its name (unique, never a keyword)."""
    import keyword
    import re

    idents: dict[Tensor, str] = {}
    taken: set[str] = {"np", "sum_to", "rule", "params", "gradients"}
    for node in order:
        ident = re.sub(r"\W", "_", names[node]) or "t"
        if ident[0].isdigit() or keyword.iskeyword(ident) or ident.startswith("grad_"):
            ident = f"t_{ident}"
        while ident in taken:
            ident += "_"
        idents[node] = ident
        taken.add(ident)
    return idents


def _step_code(node: Tensor, i: int, idents: dict[Tensor, str]) -> str:
    """``grad_child += ...`` for input i of node: a formula of NumPy for the usual operations."""
    child = node._prev[i]
    g, out, x = f"grad_{idents[node]}", idents[node], idents[child]
    inputs = [idents[t] for t in node._prev]
    target = f"grad_{x}"
    op = node._op
    if op == "[]":  # reading places: the gradient goes back to them, added where read twice
        return f"np.add.at({target}, params[{out!r}]['index'], {g})  # ∂{out}/∂{x}: index"
    formula = _numpy_formula(node, i, g, out, inputs)
    if formula is None:
        args = ", ".join([g, out, *inputs])
        formula = f"rule({op!r}, {i})({args}, **params[{out!r}])"
    elif child.shape != node.shape and op in _ELEMENTWISE:
        formula = f"sum_to({formula}, {child.shape})"  # broadcast in forward: summed back
    return f"{target} += {formula}  # ∂{out}/∂{x}: {op}"


def _numpy_formula(node: Tensor, i: int, g: str, out: str, inputs: list[str]) -> str | None:
    op, params = node._op, node._params
    a = inputs[0]
    b = inputs[1] if len(inputs) > 1 else ""
    two_matrices = len(node._prev) >= 2 and node._prev[0].ndim == 2 and node._prev[1].ndim == 2
    exponent = node._prev[1] if op == "**" else None
    constant_power = exponent is not None and not exponent.requires_grad and exponent.size == 1
    table: dict[tuple[str, int], str | None] = {
        ("+", 0): g, ("+", 1): g, ("-", 0): g, ("-", 1): f"-{g}",
        ("*", 0): f"{g} * {b}", ("*", 1): f"{g} * {a}",
        ("/", 0): f"{g} / {b}", ("/", 1): f"-{g} * {out} / {b}",
        ("**", 0): f"{g} * {b} * {a} ** ({b} - 1.0)" if constant_power else None,
        ("neg", 0): f"-{g}",
        ("@", 0): f"{g} @ {b}.T" if two_matrices else None,
        ("@", 1): f"{a}.T @ {g}" if two_matrices else None,
        ("exp", 0): f"{g} * {out}", ("log", 0): f"{g} / {a}",
        ("tanh", 0): f"{g} * (1.0 - {out} * {out})", ("sqrt", 0): f"{g} / (2.0 * {out})",
        ("sigmoid", 0): f"{g} * {out} * (1.0 - {out})",
        ("reshape", 0): f"{g}.reshape({a}.shape)", ("clone", 0): g,
    }  # fmt: skip
    if op in ("sum", "mean") and params.get("keepdims") is not None:
        child = node._prev[0]
        axes = params["axis"]
        kept = tuple(1 if axes is None or k in axes else n for k, n in enumerate(child.shape))
        spread = f"np.broadcast_to({g}.reshape({kept}), {a}.shape)"
        if op == "sum":
            return spread
        count = child.size // max(1, _count_kept(kept))
        return f"{spread} / {count}"
    return table.get((op, i))


def _count_kept(shape: tuple[int, ...]) -> int:
    count = 1
    for n in shape:
        count *= n
    return count
