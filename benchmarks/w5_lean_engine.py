"""Where W5's time goes: the leanest autograd there is, and MiniGrad without each of its checks.

python -m benchmarks.w5_lean_engine               # W5 and W6: floor, lean engine, MiniGrad
python -m benchmarks.w5_lean_engine --knockouts   # and on W5, MiniGrad without each piece

The **lean engine** below is reverse-mode autodiff on NumPy with nothing else: a node holds its
array, its inputs and one backward rule per input; the walk orders the nodes; each rule adds its
share to its input's gradient. No check of any kind, no warnings turned off, no modules, no
optimizer object. Whatever it costs above the floor is what recording a graph and walking it
costs in Python; whatever MiniGrad costs above it is what MiniGrad does besides.

**Knock-outs** take one of MiniGrad's pieces at a time and replace it by the least that still
computes the step (the checks dropped, the general path replaced by the one W5 takes), in this
process only, to see what each piece costs. They are measurements, not proposals: each one
removes something a user needs (a clear error, quiet arithmetic, any model but this one).

Times are per step, in rounds (each engine once per round, blocks of steps), BLAS on one thread,
after checking that the engines' losses agree with the floor's at the first two steps; ratios
to the floor are taken round by round.
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
from collections.abc import Callable, Iterator
from typing import Any

import numpy

from benchmarks.harness import paired_ratio, prepare_process, time_interleaved
from benchmarks.w5_w6_tensor_step import (
    LEARNING_RATE,
    Problem,
    _block,
    _check_agreement,
    floor_step,
    minigrad_step,
)

# ---------------------------------------------------------------------------------------------
# The lean engine
# ---------------------------------------------------------------------------------------------


class Node:
    """An array, the nodes it was computed from, and one backward rule per input."""

    __slots__ = ("data", "grad", "inputs", "rules", "requires_grad")

    def __init__(self, data: Any, inputs: tuple = (), rules: tuple = (), requires_grad=False):
        self.data, self.grad, self.inputs, self.rules = data, None, inputs, rules
        self.requires_grad = requires_grad or any(x.requires_grad for x in inputs)


def linear(x: Node, w: Node, b: Node) -> Node:
    return Node(x.data @ w.data + b.data, (x, w, b), (
        lambda g, out, x, w, b: g @ w.T,
        lambda g, out, x, w, b: x.T @ g,
        lambda g, out, x, w, b: numpy.add.reduce(g, axis=0),
    ))  # fmt: skip


def tanh(x: Node) -> Node:
    return Node(numpy.tanh(x.data), (x,), (lambda g, out, x: g * (1.0 - out * out),))


def relu(x: Node) -> Node:
    return Node(numpy.maximum(x.data, 0), (x,), (lambda g, out, x: g * (out > 0),))


def cross_entropy(z: Node, classes: Any, rows: Any) -> Node:
    """The floor's cross-entropy (each row shifted by its largest), softmax - one-hot kept."""
    loss, softmax_minus_one_hot = cross_entropy_arrays(z.data, classes, rows)
    n = z.data.shape[0]
    return Node(loss, (z,), (lambda g, out, z: softmax_minus_one_hot * (g / n),))


def cross_entropy_arrays(z: Any, classes: Any, rows: Any) -> tuple[Any, Any]:
    """The mean loss of logits z (a 0-d array) and softmax - one-hot, whose 1/n backward adds."""
    shifted = z - numpy.maximum.reduce(z, axis=1, keepdims=True)
    exps = numpy.exp(shifted)
    totals = numpy.add.reduce(exps, axis=1, keepdims=True)
    loss = numpy.add.reduce(numpy.log(totals[:, 0]) - shifted[rows, classes]) / z.shape[0]
    softmax_minus_one_hot = exps / totals
    softmax_minus_one_hot[rows, classes] -= 1.0
    return numpy.asarray(loss), softmax_minus_one_hot


def backward(root: Node) -> None:
    """Order the nodes (depth first, no recursion), then apply the chain rule, output first."""
    order: list[Node] = []
    seen = {id(root)}
    stack = [(root, iter(root.inputs))]
    while stack:
        node, inputs = stack[-1]
        for x in inputs:
            if id(x) not in seen:
                seen.add(id(x))
                if x.inputs:
                    stack.append((x, iter(x.inputs)))
                    break
        else:
            stack.pop()
            order.append(node)
    root.grad = numpy.ones((), root.data.dtype)
    for node in reversed(order):
        arrays = [x.data for x in node.inputs]
        for x, rule in zip(node.inputs, node.rules):
            if x.requires_grad:
                dx = rule(node.grad, node.data, *arrays)
                x.grad = dx if x.grad is None else x.grad + dx


def lean_step(problem: Problem) -> Callable[[], float]:
    """The W5/W6 step on the lean engine: zero, forward, cross-entropy, backward, update."""
    params = [Node(w.copy(), requires_grad=True) for w in problem.weights]
    x, classes, rows = Node(problem.x), problem.y, numpy.arange(problem.batch)
    activation = relu if problem.act == "relu" else tanh

    def step() -> float:
        for p in params:
            p.grad = None
        w1, b1, w2, b2 = params
        loss = cross_entropy(linear(activation(linear(x, w1, b1)), w2, b2), classes, rows)
        backward(loss)
        for p in params:
            p.data = p.data - LEARNING_RATE * p.grad
        return float(loss.data)

    return step


# ---------------------------------------------------------------------------------------------
# Knock-outs: MiniGrad with one piece replaced by the least that still computes W5's step
# ---------------------------------------------------------------------------------------------


@contextlib.contextmanager
def _replaced(owner: Any, name: str, value: Any) -> Iterator[None]:
    original = getattr(owner, name)
    setattr(owner, name, value)
    try:
        yield
    finally:
        setattr(owner, name, original)


def _knockouts() -> dict[str, Callable[[], contextlib.AbstractContextManager]]:
    """Each piece's name, and what replaces it while the block runs."""
    from minigrad import backend, losses, optim, tensor, tensor_losses, tensor_nn
    from minigrad.tensor import Tensor

    def sgd_step(self: Any) -> None:
        for p in self.params:
            p.data = p.data - self.lr * p.grad

    def linear_forward(self: Any, x: Any) -> Any:
        return tensor._apply(tensor.LINEAR, (x, self.weight, self.bias), tensor._NO_PARAMS)

    @contextlib.contextmanager
    def warnings_left_on() -> Iterator[None]:
        with (
            _replaced(backend, "_quiet_on", lambda: None),
            _replaced(backend, "_quiet_off", lambda token: None),
            _replaced(tensor, "_quiet_floats", contextlib.nullcontext),
        ):
            yield

    pieces: dict[str, Callable[[], contextlib.AbstractContextManager]] = {
        "NumPy's warnings left on": warnings_left_on,
        "no check of one array library": lambda: _replaced(
            tensor, "_check_one_library", lambda name, arrays: None
        ),
        "labels not checked": lambda: _replaced(
            tensor_losses, "_class_indices", lambda classes, logits, single: classes
        ),
        "a leaf's gradient not made its own": lambda: _replaced(
            tensor, "_own_array", lambda dx, g: dx
        ),
        "SGD without options or checks": lambda: _replaced(optim.SGD, "step", sgd_step),
        "Linear without its checks": lambda: _replaced(tensor_nn.Linear, "forward", linear_forward),
        "the loss called without dispatch": lambda: _replaced(
            losses, "cross_entropy", tensor_losses.cross_entropy
        ),
        "item() without checks": lambda: _replaced(Tensor, "item", lambda self: float(self.data)),
    }

    each = list(pieces.values())

    @contextlib.contextmanager
    def all_of_them() -> Iterator[None]:
        with contextlib.ExitStack() as stack:
            for replacement in each:
                stack.enter_context(replacement())
            yield

    pieces["all of the above"] = all_of_them
    return pieces


# ---------------------------------------------------------------------------------------------


FLOOR, LEAN, MINIGRAD = "floor (NumPy by hand)", "lean engine (no checks)", "minigrad Tensor"


def run(problem: Problem, repeats: int = 41, block: int = 20, knockouts: bool = False) -> dict:
    """Per-step times of the floor, the lean engine and MiniGrad (and, with ``knockouts``,
    MiniGrad without each piece, timed against the floor again), each one's ratio to the floor."""
    from threadpoolctl import threadpool_limits

    makers = {FLOOR: floor_step, LEAN: lean_step, MINIGRAD: minigrad_step}
    settings: dict[str, Callable[[], Any]] = {"": contextlib.nullcontext}
    if knockouts:
        settings.update(_knockouts())
    rows: dict[str, dict[str, float]] = {}
    with threadpool_limits(limits=1, user_api="blas"):
        for setting, replacement in settings.items():
            engines = [FLOOR, LEAN, MINIGRAD] if not setting else [FLOOR, MINIGRAD]
            steps = {name: makers[name](problem) for name in engines}
            with replacement():
                _check_agreement(problem, {name: makers[name] for name in engines[1:]})
                times = time_interleaved({n: _block(s, block) for n, s in steps.items()}, repeats)
            for name in engines[1:] if setting else engines:
                label = f"{name}, {setting}" if setting else name
                mine, floor = times[name].times, times[FLOOR].times
                rows[label] = {"median_s": statistics.median(mine) / block,
                               "times_floor": paired_ratio(mine, floor)}  # fmt: skip
    return {"description": f"{problem.name}: where the time goes", "engines": rows}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--knockouts", action="store_true", help="MiniGrad without each piece")
    parser.add_argument("--repeats", type=int, default=41)
    arguments = parser.parse_args()
    prepare_process()
    for problem in (Problem("W5", (64, 64, 10), 128, "tanh"),
                    Problem("W6", (784, 128, 10), 256, "relu")):  # fmt: skip
        knockouts = arguments.knockouts and problem.name == "W5"
        result = run(problem, arguments.repeats, knockouts=knockouts)
        print(result["description"])
        for name, row in result["engines"].items():
            print(f"  {name:60s} {row['median_s'] * 1e6:8.1f} µs  {row['times_floor']:.3f}x")
