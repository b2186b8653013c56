"""Drawing and explaining a Tensor graph.

``minigrad.draw_dot`` and ``minigrad.explain_backward`` come here when given Tensors. What they
show differs from Values' in one way: a node is an array, so each box gives its name, shape and
dtype and a short summary of its data and gradient (the numbers when there are at most four, else
their norm), and each backward step says which shapes meet, including where broadcasting made
backward sum (``b.grad (4,) += sum over axis 0 of (128, 4)``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy

from minigrad.tensor import OPERATIONS, Tensor, _walk, grad
from minigrad.tensor_gradcheck import shape_text, tensor_names

# ---------------------------------------------------------------------------------------------
# Names and summaries
# ---------------------------------------------------------------------------------------------


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


def draw_dot(root: Tensor, format: str = "svg", rankdir: str = "LR") -> Any:  # noqa: A002
    """The graph behind ``root``: a box per Tensor (name, shape, dtype, data, grad), an oval per
    operation, as ``graphviz.Digraph``."""
    from minigrad.teaching.viz import RANKDIRS, _digraph_class, _import_graphviz, _record_text

    graphviz = _import_graphviz()
    if rankdir not in RANKDIRS:
        raise ValueError(f"rankdir must be one of {', '.join(RANKDIRS)}, not {rankdir!r}")
    if format not in graphviz.FORMATS:
        raise ValueError(f"unknown output format {format!r}; Graphviz knows e.g. svg, png, pdf")
    names = tensor_names(root)
    grads = shown_gradients(root)
    dot = _digraph_class()(format=format, graph_attr={"rankdir": rankdir})
    ids = {node: f"t{i}" for i, node in enumerate(names)}
    for node, name in names.items():
        dtype = str(node.dtype).rsplit(".", 1)[-1]
        fields = [
            _record_text(name),
            _record_text(f"{shape_text(node.shape)} {dtype}"),
            _record_text(f"data {summary(node.data)}"),
            _record_text(f"grad {summary(grads[node])}" if node.requires_grad else "constant"),
        ]
        # a record's fields stack across the direction of the graph: one above another in LR
        record = " | ".join(fields)
        label = record if rankdir in ("LR", "RL") else "{ " + record + " }"
        dot.node(ids[node], label=label, shape="record")
        if node._prev:
            op_id = ids[node] + "_op"
            dot.node(op_id, label=_record_text(node._op), shape="oval", fontsize="11")
            for child in node._prev:
                dot.edge(ids[child], op_id)
            dot.edge(op_id, ids[node])
    return dot


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
        source = f"[{self.op} → {self.node_name} {shape_text(self.upstream_shape)}"
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
