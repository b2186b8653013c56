"""Where W8's memory goes: W8's pass on four lean graphs, each measured as W8 measures it.

python -m benchmarks.w8_graph_designs

W8's pass (``w8_tensor_memory``: 20 layers of ``Linear(1024, 1024)`` and tanh, then
``Linear(1024, 10)``, batch 1024, float32, cross-entropy, forward and backward) on reverse-mode
autodiff with nothing else, written four ways: two choices, crossed.

- **What the graph is made of.** *The results*: each result keeps its array, its inputs and its
  backward rules (MiniGrad's design, in engine.py and tensor.py: the graph a learner draws and
  steps through node by node). *Records apart from the results*: each keeps only the arrays its
  backward rules read (a layer its input and weights, tanh its output), as PyTorch's ``grad_fn``
  nodes do; a result nobody holds, such as a layer's output once tanh has read it, is freed at
  once.
- **When the graph goes.** *Kept* until the loss is dropped, so that backward can run again and the
  graph can be drawn after it (MiniGrad). *Freed as backward passes*: each node's arrays and links
  are dropped once backward has gone through it (PyTorch's default, ``retain_graph=False``).

In all four, a node that is not a leaf drops its gradient once it has passed it on (as MiniGrad
and PyTorch do), and the leaves (the weights) keep theirs. Each design runs in a fresh process,
measured by ``w8_tensor_memory``'s method (the kernel's high-water mark of resident memory during
a second pass, every array of 64 KiB or more in pages of its own); the losses must agree.
These are measurements of designs, not MiniGrad: none of them checks anything.
"""

from __future__ import annotations

import statistics
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy

from benchmarks.harness import DisagreementError
from benchmarks.w5_lean_engine import Node, cross_entropy_arrays
from benchmarks.w5_lean_engine import cross_entropy as node_cross_entropy
from benchmarks.w5_lean_engine import linear as node_linear
from benchmarks.w5_lean_engine import tanh as node_tanh
from benchmarks.w8_tensor_memory import (
    BATCH,
    LAYERS,
    TOLERANCE,
    WIDTH,
    _batch,
    _measure_in_a_fresh_process,
    peak_growth,
    weights,
)

DESIGNS = {
    "results, kept (MiniGrad)": ("results", False),
    "results, freed as backward passes": ("results", True),
    "records, kept": ("records", False),
    "records, freed as backward passes (PyTorch)": ("records", True),
}


# ---------------------------------------------------------------------------------------------
# The graph made of the results: w5_lean_engine's nodes (each holds its array, its inputs and
# one rule per input), linear, tanh and cross-entropy
# ---------------------------------------------------------------------------------------------


def node_backward(root: Node, free: bool) -> None:
    order = _depth_first(root, lambda node: node.inputs)
    root.grad = numpy.ones((), root.data.dtype)
    while order:
        node = order.pop()  # output first
        if not node.inputs:
            continue  # a leaf keeps its gradient
        arrays = [x.data for x in node.inputs]
        for x, rule in zip(node.inputs, node.rules):
            if x.requires_grad:
                dx = rule(node.grad, node.data, *arrays)
                x.grad = dx if x.grad is None else x.grad + dx
        node.grad = arrays = None  # passed on
        if free:
            node.inputs = node.rules = ()


# ---------------------------------------------------------------------------------------------
# The graph made of records: a result is an array and the record that made it; a record holds
# what its rules read and, for each input, where its gradient goes
# ---------------------------------------------------------------------------------------------


class Result:
    __slots__ = ("data", "grad", "grad_fn", "requires_grad")

    def __init__(self, data: Any, grad_fn: Record | None = None, requires_grad=False):
        self.data, self.grad, self.grad_fn = data, None, grad_fn
        self.requires_grad = requires_grad or grad_fn is not None


class Record:
    __slots__ = ("saved", "rules", "next", "grad")

    def __init__(self, saved: tuple, rules: tuple, inputs: tuple[Result, ...]) -> None:
        self.saved, self.rules, self.grad = saved, rules, None
        self.next = tuple(_edge(x) for x in inputs)  # a record, a leaf to fill, or None


def _edge(x: Result) -> Record | Result | None:
    return x.grad_fn if x.grad_fn is not None else x if x.requires_grad else None


def record_linear(x: Result, w: Result, b: Result) -> Result:
    return Result(x.data @ w.data + b.data, Record((x.data, w.data), (
        lambda g, x, w: g @ w.T,
        lambda g, x, w: x.T @ g,
        lambda g, x, w: numpy.add.reduce(g, axis=0),
    ), (x, w, b)))  # fmt: skip


def record_tanh(x: Result) -> Result:
    out = numpy.tanh(x.data)
    return Result(out, Record((out,), (lambda g, out: g * (1.0 - out * out),), (x,)))


def record_cross_entropy(z: Result, classes: Any, rows: Any) -> Result:
    loss, softmax_minus_one_hot = cross_entropy_arrays(z.data, classes, rows)
    n = z.data.shape[0]
    return Result(loss, Record((softmax_minus_one_hot,), (lambda g, s: s * (g / n),), (z,)))


def record_backward(root: Result, free: bool) -> None:
    order = _depth_first(root.grad_fn, lambda r: [x for x in r.next if type(x) is Record])
    root.grad_fn.grad = numpy.ones((), root.data.dtype)
    while order:
        record = order.pop()  # output first
        for target, rule in zip(record.next, record.rules):
            if target is not None:
                dx = rule(record.grad, *record.saved)
                target.grad = dx if target.grad is None else target.grad + dx
        record.grad = None  # passed on
        if free:
            record.saved = record.next = ()


# ---------------------------------------------------------------------------------------------
# Shared: the walk, the pass
# ---------------------------------------------------------------------------------------------


def _depth_first(root: Any, inputs_of: Callable[[Any], Any]) -> list[Any]:
    """The nodes reachable from root, each after its inputs (no recursion)."""
    order, seen, stack = [], {id(root)}, [(root, iter(inputs_of(root)))]
    while stack:
        node, inputs = stack[-1]
        for x in inputs:
            if id(x) not in seen:
                seen.add(id(x))
                stack.append((x, iter(inputs_of(x))))
                break
        else:
            stack.pop()
            order.append(node)
    return order


def one_pass_of(design: str, layers: int, width: int, batch: int) -> tuple[Callable, list]:
    """The pass (forward, loss, backward; it returns the loss) and the leaves it fills."""
    graph, free = DESIGNS[design]
    leaf, linear, tanh, cross_entropy, backward = (
        (Node, node_linear, node_tanh, node_cross_entropy, node_backward)
        if graph == "results"
        else (Result, record_linear, record_tanh, record_cross_entropy, record_backward)
    )
    params = [(leaf(w, requires_grad=True), leaf(b, requires_grad=True))
              for w, b in weights(layers, width)]  # fmt: skip
    x, classes = _batch(width, batch)
    rows = numpy.arange(batch)
    inputs = leaf(x)

    def one_pass() -> float:
        h = inputs
        for i, (w, b) in enumerate(params):
            h = linear(h, w, b)
            if i < len(params) - 1:
                h = tanh(h)
        loss = cross_entropy(h, classes, rows)
        backward(loss, free)
        return float(loss.data)

    return one_pass, [p for pair in params for p in pair]


def measure_in_this_process(design: str, layers: int, width: int, batch: int) -> dict[str, Any]:
    one_pass, leaves = one_pass_of(design, layers, width, batch)

    def forget() -> None:
        for p in leaves:
            p.grad = None

    loss, peak = peak_growth(one_pass, forget)
    return {"loss": loss, "peak_bytes": peak}


def run(layers: int = LAYERS, width: int = WIDTH, batch: int = BATCH, repeats: int = 3) -> dict:
    """Each design's peak, the median of ``repeats`` fresh processes."""
    if not Path("/proc/self/clear_refs").exists():
        return {"skipped": "needs Linux's /proc/self/clear_refs"}
    designs = {}
    for design in DESIGNS:
        runs = [
            _measure_in_a_fresh_process(design, layers, width, batch, "benchmarks.w8_graph_designs")
            for _ in range(repeats)
        ]
        designs[design] = {
            "loss": runs[0]["loss"],
            "peak_bytes": statistics.median(r["peak_bytes"] for r in runs),
        }
    losses = [d["loss"] for d in designs.values()]
    if max(losses) - min(losses) > TOLERANCE * max(1.0, abs(losses[0])):
        raise DisagreementError(f"the designs' losses differ: {losses}")
    return {"designs": designs}


if __name__ == "__main__":
    if len(sys.argv) > 1:
        name, *sizes = sys.argv[1:]
        measured = measure_in_this_process(name, *map(int, sizes))
        print(" ".join(f"{key}={value!r}" for key, value in measured.items()))
    else:
        for name, result in run()["designs"].items():
            print(f"{name:46s} {result['peak_bytes'] / 1e6:7.1f} MB   loss {result['loss']:.6f}")
