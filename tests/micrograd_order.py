"""micrograd's recursive topological sort: the order every walk of the engine must give."""

from __future__ import annotations

from minigrad import Value


def build_topo(root: Value) -> list[Value]:
    """Every Value ``root`` depends on, each after its inputs, in micrograd's depth-first order:
    inputs in the order they were given, a node right after its last input."""
    order: list[Value] = []
    visited: set[Value] = set()

    def build(v: Value) -> None:
        if v not in visited:
            visited.add(v)
            for child in v._prev:
                build(child)
            order.append(v)

    build(root)
    return order
