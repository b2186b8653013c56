"""gradcheck: compare the engine's gradients with central finite differences.

The central difference (f(x + ε) - f(x - ε)) / 2ε approximates ∂f/∂x with an error of order ε².
When the two disagree, gradcheck does not stop at "input 1 is wrong": it repeats the comparison at
every node of the graph, for the node's own operation alone, and names the node whose local
derivative (its operation's backward rule) disagrees with the finite difference of its forward rule.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from minigrad.engine import Operand, Value, grad, no_grad, topological_order


class GradcheckError(RuntimeError):
    """The engine's gradient and the finite-difference estimate disagree."""


@dataclass(frozen=True)
class _Mismatch:
    where: str
    analytic: float
    numerical: float

    def __str__(self) -> str:
        return (
            f"{self.where}: engine says {self.analytic:.6g}, finite differences say "
            f"{self.numerical:.6g} (off by {abs(self.analytic - self.numerical):.3g})"
        )


def gradcheck(
    fn: Callable[..., Value],
    inputs: Sequence[Operand],
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
) -> bool:
    """True when ∂fn/∂inputs from backward agrees with central differences at ``inputs``.

    ``fn`` takes one Value per input and returns a Value. On disagreement it raises
    GradcheckError naming each wrong input and the node whose local derivative is wrong, or
    returns False when ``raise_exception`` is False.

    Examples:
        >>> gradcheck(lambda x, y: (x * y).tanh() + x ** 2, [0.5, -1.5])
        True
    """
    point = [_as_float(x) for x in inputs]
    if not point:
        raise ValueError("gradcheck needs at least one input")
    if not eps > 0.0:
        raise ValueError(f"eps must be a positive step, not {eps!r}")

    def f(values: list[float]) -> float:
        with no_grad():
            return _call(fn, [Value(v) for v in values]).data

    leaves = [Value(v, label=f"input {i}") for i, v in enumerate(point)]
    output = _call(fn, leaves)
    analytic = grad(output, leaves)
    wrong_inputs = []
    for i, engine_grad in enumerate(analytic):
        numerical = _central_difference(f, point, i, eps)
        if not _close(float(engine_grad), numerical, atol, rtol):
            wrong_inputs.append(_Mismatch(f"∂output/∂(input {i})", float(engine_grad), numerical))
    if not wrong_inputs:
        return True
    if not raise_exception:
        return False
    lines = ["gradient check failed:"] + [f"  {m}" for m in wrong_inputs]
    wrong_nodes = _wrong_local_derivatives(output, eps, atol, rtol)
    if wrong_nodes:
        lines.append("nodes whose local derivative disagrees with the finite difference:")
        lines += [f"  {m}" for m in wrong_nodes]
    else:
        lines.append("every node's local derivative agrees with its finite difference")
    raise GradcheckError("\n".join(lines))


def _as_float(x: Operand) -> float:
    if isinstance(x, Value):
        return x.data
    if isinstance(x, numbers.Real):
        return float(x)
    raise TypeError(
        f"gradcheck inputs are numbers or Values, not {type(x).__name__} (arrays and Tensors "
        "go to minigrad.gradcheck or minigrad.tensor_gradcheck.gradcheck)"
    )


def _call(fn: Callable[..., Value], args: list[Value]) -> Value:
    out = fn(*args)
    if not isinstance(out, Value):
        raise TypeError(f"gradcheck's fn must return a Value, not {type(out).__name__}")
    return out


def _central_difference(
    f: Callable[[list[float]], float], point: list[float], i: int, eps: float
) -> float:
    """(f(x + ε·eᵢ) - f(x - ε·eᵢ)) / 2ε"""
    above, below = list(point), list(point)
    above[i] += eps
    below[i] -= eps
    return (f(above) - f(below)) / (2.0 * eps)


def _close(analytic: float, numerical: float, atol: float, rtol: float) -> bool:
    if math.isnan(analytic) or math.isnan(numerical):
        return math.isnan(analytic) and math.isnan(numerical)
    if math.isinf(analytic) or math.isinf(numerical):
        return analytic == numerical
    return abs(analytic - numerical) <= atol + rtol * abs(numerical)


def _wrong_local_derivatives(
    output: Value, eps: float, atol: float, rtol: float
) -> list[_Mismatch]:
    """Each (node, input) whose backward rule disagrees with a central difference of its forward."""
    found = []
    for node in topological_order(output):
        op = node._operation
        if not node._prev or op.forward is None or op.backward is None:
            continue  # a leaf; or a node whose _backward was written by hand: no forward to vary
        args = [x.data for x in node._prev]
        local_grads = op.backward(1.0, node.data, *args)
        for i, local in enumerate(local_grads):
            numerical = _central_difference(lambda a, f=op.forward: f(*a), args, i, eps)
            if not _close(float(local), numerical, atol, rtol):
                name = f"{node.label!r} " if node.label else ""
                found.append(
                    _Mismatch(
                        f"node {name}({node._op}, data={node.data:.6g}), ∂/∂(its input {i})",
                        float(local),
                        numerical,
                    )
                )
    return found
