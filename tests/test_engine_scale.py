"""Depth, size and memory: deep graphs at the default recursion limit, no reference cycles."""

from __future__ import annotations

import gc
import random
import sys
import tracemalloc
from collections.abc import Callable

from minigrad import Value, grad


def test_chain_of_a_million_operations_runs_at_the_default_recursion_limit():
    limit = sys.getrecursionlimit()
    assert limit <= 1000  # far below the chain's depth: recursion could not walk it
    x = Value(1.0)
    y = x
    for _ in range(1_000_000):
        y = y + x
    y.backward()
    assert y.data == 1_000_001.0
    assert x.grad == 1_000_001.0  # one contribution per edge into x: every node was visited
    assert y._prev[0].grad == 1.0
    del y  # freeing a million-deep chain must not overflow the C stack either
    assert sys.getrecursionlimit() == limit


def test_sum_over_100000_values():
    values = [Value(float(i)) for i in range(100_000)]
    total = sum(values)
    total.backward()
    assert total.data == sum(range(100_000))
    assert all(v.grad == 1.0 for v in values)


def mlp_like_graph() -> None:
    """Build a graph with fan-out and reuse, run both kinds of backward, and drop it all."""
    rng = random.Random(0)
    xs = [Value(rng.uniform(-1, 1)) for _ in range(20)]
    ws = [Value(rng.uniform(-1, 1)) for _ in range(20)]
    hidden = [sum((w * x for w, x in zip(ws, xs)), Value(0.1)).tanh() for _ in range(5)]
    loss = sum((h - 0.5) ** 2 for h in hidden) / 5
    loss.backward()
    (dw,) = grad(loss, ws[:1], create_graph=True)
    grad(dw, ws[:1])


class ClosureValue:
    """micrograd's design, reduced to multiplication: each node keeps a closure over itself."""

    def __init__(self, data: float, children: tuple = ()) -> None:
        self.data, self.grad, self._prev = data, 0.0, set(children)
        self._backward = lambda: None

    def __mul__(self, other: ClosureValue) -> ClosureValue:
        out = ClosureValue(self.data * other.data, (self, other))

        def _backward() -> None:
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad

        out._backward = _backward  # out -> _backward -> its closure cell -> out: a cycle
        return out


def closure_graph() -> None:
    x = ClosureValue(2.0)
    y = x
    for _ in range(100):
        y = y * x


def garbage_left_by(build_and_drop: Callable[[], None]) -> int:
    """Objects that reference counting could not free after ``build_and_drop`` returned."""
    gc.collect()
    gc.disable()
    try:
        build_and_drop()
        return gc.collect()  # what only the cycle collector can free
    finally:
        gc.enable()


def test_dropping_the_output_frees_the_graph_with_no_work_for_the_cycle_collector():
    assert garbage_left_by(mlp_like_graph) == 0


def test_the_cycle_check_catches_a_closure_design():
    # The check above can fail: micrograd's closures leave every node for the cycle collector.
    assert garbage_left_by(closure_graph) > 100


def test_values_are_freed_the_moment_the_output_is_dropped():
    def live_values() -> int:
        return sum(1 for o in gc.get_objects() if type(o) is Value)

    gc.collect()
    gc.disable()
    try:
        before = live_values()
        x = Value(1.5)
        out = (x * x).tanh() + x.exp() * 2
        out.backward()
        assert live_values() == before + 7  # x, x*x, tanh, exp, 2, product, out
        del x, out
        assert live_values() == before
    finally:
        gc.enable()


def test_a_node_takes_at_most_150_bytes():
    # The measure: tracemalloc over the 100,000-node graph that s = s + x*y builds over
    # 25,000 pairs of leaves (the leaves and their numbers included). Python 3.11 measures 128.4
    # bytes; backward then gives every node a float gradient of its own (24 bytes: 152.4).
    rng = random.Random(0)
    tracemalloc.start()
    try:
        start = tracemalloc.get_traced_memory()[0]
        xs = [Value(rng.random()) for _ in range(25_000)]
        ys = [Value(rng.random()) for _ in range(25_000)]
        s = Value(0.0)
        for x, y in zip(xs, ys):
            s = s + x * y
        built = tracemalloc.get_traced_memory()[0] - start
        s.backward()
        trained = tracemalloc.get_traced_memory()[0] - start
    finally:
        tracemalloc.stop()
    nodes = 100_001  # 50,000 leaves, 25,000 products, 25,000 sums and the first s
    print(f"bytes per node: {built / nodes:.1f} built, {trained / nodes:.1f} after backward")
    assert built / nodes < 150
    # One float per gradient, nothing else kept; CPython may hold on to up to 2,000 freed
    # 2-tuples (56 bytes each) of the walk's stack in its tuple free list for reuse.
    assert trained - built <= 24 * nodes + 2000 * 56 + 4096
