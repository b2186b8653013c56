"""gradcheck for Tensors: the gradient of Σ fn(inputs) against central differences, element by
element, in float64.

``minigrad.gradcheck`` comes here when given arrays. As the scalar gradcheck does, on a
disagreement it goes on to check every node's backward rule against the finite difference of its
forward rule, and names the node whose rule is wrong (by the names the drawings use too).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

import numpy

from minigrad.gradcheck import GradcheckError
from minigrad.tensor import OPERATIONS, Tensor, _walk, grad, no_grad


def tensor_names(root: Tensor) -> dict[Tensor, str]:
    """A name per node: its label (``x@2`` for the second of several nodes labelled ``x``, inputs
    first, as the drawings number them), else the operation that made it and a number
    (``tanh1``), or ``t3`` for an unlabelled leaf."""
    order = _walk(root)[0]
    shared = Counter(node.label for node in order if node.label)
    copies: Counter[str] = Counter()
    names: dict[Tensor, str] = {}
    taken: set[str] = set()
    for i, node in enumerate(order):
        name = node.label or (f"{_word(node._op)}{i}" if node._prev else f"t{i}")
        if node.label and shared[node.label] > 1:
            copies[node.label] += 1
            name = f"{node.label}@{copies[node.label]}"
        while name in taken:  # (a label that reads like another node's name: rare)
            name += "'"
        names[node] = name
        taken.add(name)
    return names


def _word(op_name: str) -> str:
    return {"+": "add", "-": "sub", "*": "mul", "/": "div", "**": "pow", "@": "matmul",
            "[]": "index"}.get(op_name, op_name)  # fmt: skip


def shape_text(shape: Sequence[int]) -> str:
    """A shape as Python writes a tuple: ``(3,)``, ``(2, 3)``."""
    return "(" + ", ".join(map(str, shape)) + ("," if len(shape) == 1 else "") + ")"


def gradcheck(
    fn: Callable[..., Tensor],
    inputs: Sequence[Any],
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
) -> bool:
    """True when the gradient of Σ fn(inputs) from backward agrees with central differences,
    element by element (in float64). On disagreement, raise GradcheckError naming each wrong
    input element and the node whose backward rule disagrees with its forward rule."""
    point = [numpy.array(_data(x), dtype=numpy.float64) for x in inputs]
    if not point:
        raise ValueError("gradcheck needs at least one input")
    leaves = [Tensor(p, requires_grad=True, label=f"input {i}") for i, p in enumerate(point)]
    output = _total(fn(*leaves))
    analytic = grad(output, leaves)

    def f(arrays: list[numpy.ndarray]) -> float:
        with no_grad():
            return _total(fn(*[Tensor(a) for a in arrays])).item()

    wrong = []
    for i, (array, engine_grad) in enumerate(zip(point, analytic)):
        for position in numpy.ndindex(array.shape):
            numerical = _central(f, point, i, position, eps)
            mine = float(numpy.asarray(engine_grad)[position])
            if not abs(mine - numerical) <= atol + rtol * abs(numerical):
                wrong.append(
                    f"  ∂Σoutput/∂(input {i}){list(position)}: engine says {mine:.6g}, "
                    f"finite differences say {numerical:.6g}"
                )
    if not wrong:
        return True
    if not raise_exception:
        return False
    lines = ["gradient check failed:", *wrong[:10]]
    if len(wrong) > 10:
        lines.append(f"  ... and {len(wrong) - 10} more")
    nodes = _wrong_rules(output, eps, atol, rtol)
    if nodes:
        lines.append("nodes whose backward rule disagrees with the finite difference:")
        lines += nodes
    else:
        lines.append("every node's backward rule agrees with its finite difference")
    raise GradcheckError("\n".join(lines))


def _data(x: Any) -> Any:
    return x.data if isinstance(x, Tensor) else x


def _total(out: Any) -> Tensor:
    if not isinstance(out, Tensor):
        raise TypeError(f"gradcheck's fn must return a Tensor, not {type(out).__name__}")
    return out.sum() if out.size != 1 else out.reshape(())


def _central(
    f: Callable[[list[numpy.ndarray]], float],
    point: list[numpy.ndarray],
    i: int,
    position: tuple[int, ...],
    eps: float,
) -> float:
    above = [a.copy() for a in point]
    below = [a.copy() for a in point]
    above[i][position] += eps
    below[i][position] -= eps
    return (f(above) - f(below)) / (2.0 * eps)


def _wrong_rules(output: Tensor, eps: float, atol: float, rtol: float) -> list[str]:
    """Each (node, input) whose backward rule, given a fixed upstream gradient g, disagrees with
    the central difference of Σ g·forward."""
    names = tensor_names(output)
    found = []
    rng = numpy.random.default_rng(0)
    for node in _walk(output)[1]:
        op = OPERATIONS[node._op]
        args = [numpy.array(x.data, dtype=numpy.float64) for x in node._prev]
        g = rng.uniform(-1.0, 1.0, size=node.shape)
        params = {k: v for k, v in node._params.items() if k != "saved"}
        out = op.forward(*args, **params)
        if op.saves:  # what forward keeps for backward, computed again from these inputs
            out, params["saved"] = out

        def f(arrays: list[numpy.ndarray], op: Any = op, g: Any = g, params: Any = params) -> float:
            out = op.forward(*arrays, **{k: v for k, v in params.items() if k != "saved"})
            return float(numpy.sum(g * (out[0] if op.saves else out)))

        for i, child in enumerate(node._prev):
            if not child.requires_grad:
                continue
            rule = op.backward[0] if op.variadic else op.backward[i]
            extra = {"position": i} if op.variadic else {}
            local = numpy.asarray(rule(g, out, *args, **extra, **params))
            for position in numpy.ndindex(args[i].shape):
                numerical = _central(f, args, i, position, eps)
                if not abs(local[position] - numerical) <= atol + rtol * abs(numerical):
                    found.append(
                        f"  node {names[node]} ({node._op}, shape {shape_text(node.shape)}), "
                        f"∂/∂(its input {i}, {names[child]}){list(position)}: rule says "
                        f"{local[position]:.6g}, finite differences say {numerical:.6g}"
                    )
                    break
    return found
