"""What each input of a node receives in the backward pass: g·∂node/∂input.

The drawings write it on each edge (``draw_dot(root, edge_grads=True)``) and the explainers build
their steps from it, by the node's operation's backward rule or, for a ``_backward`` written by
hand as in the micrograd lecture, by running that function and reading what it added.
"""

from __future__ import annotations

from collections.abc import Callable

from minigrad.engine import Value, assigned_backward


def input_gradients(node: Value, upstream: float) -> list[float]:
    """What each input of ``node`` receives when node's gradient is ``upstream``: g·∂node/∂input.

    By the node's operation's backward rule; or, for a node whose ``_backward`` was written by
    hand (``out._backward = f``), by running ``f`` with ``node.grad = upstream`` and its inputs'
    grads at 0, reading what it added, and putting back the grads of node, its inputs and the
    Values ``f`` holds in its closure (alone or in a list or tuple), any of which it may change.
    An input listed twice
    (``x * x``) gets all it received on its first edge: a hand-written function adds into one
    ``x.grad``, so its two shares cannot be told apart.
    """
    hand_written = assigned_backward(node)
    if hand_written is None:
        inputs = [x.data for x in node._prev]
        return [float(g) for g in node._operation.backward(upstream, node.data, *inputs)]
    values = [node, *node._prev, *_values_in_closure(hand_written)]
    saved = [(value, value.grad) for value in values]
    try:
        for x in node._prev:
            x.grad = 0.0
        node.grad = upstream
        try:
            hand_written()
        except Exception as error:
            raise ValueError(
                f"the _backward written by hand for {node!r} (operation {node._op!r}) raised "
                f"{type(error).__name__}: {error}"
            ) from error
        received = {x: float(x.grad) for x in node._prev}
    finally:
        for value, grad in saved:
            value.grad = grad
    first = {x: i for i, x in reversed(list(enumerate(node._prev)))}
    return [received[x] if first[x] == i else 0.0 for i, x in enumerate(node._prev)]


def _values_in_closure(function: Callable[[], None]) -> list[Value]:
    values = []
    for cell in getattr(function, "__closure__", None) or ():
        try:
            contents = cell.cell_contents
        except ValueError:  # a cell not yet filled
            continue
        if isinstance(contents, Value):
            values.append(contents)
        elif isinstance(contents, (list, tuple)):
            values += [value for value in contents if isinstance(value, Value)]
    return values
