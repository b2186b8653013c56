"""W3: how many bytes one graph node costs, and the peak memory of building and differentiating.

The graph is the one ``s = s + x*y`` builds over 25,000 pairs of leaves: 50,000 leaves, 25,000
products and 25,000 sums (and the starting ``s``). tracemalloc is started before the leaves are
made, so a node's number, its gradient slot, its links and whatever the engine keeps for its
backward pass are all counted.

tracemalloc sees only memory that Python allocates; PyTorch keeps tensors and autograd nodes in
C++, out of its sight. So the growth of the process's resident memory is measured too, in a
second build without tracemalloc: coarse (it counts whole pages), but it sees everything.
"""

from __future__ import annotations

import gc
import os
import random
import tracemalloc
from collections.abc import Callable
from typing import Any

from benchmarks.harness import optional_module, skipped

# A graph: (its output, every leaf). Holding the result keeps the whole graph alive.
Graph = tuple[Any, list[Any]]


def value_graph(value: Callable[[float], Any]) -> Callable[[int, random.Random], Graph]:
    """``s = s + x*y`` over ``pairs`` pairs of new leaves made by ``value``."""

    def build(pairs: int, rng: random.Random) -> Graph:
        xs = [value(rng.random()) for _ in range(pairs)]
        ys = [value(rng.random()) for _ in range(pairs)]
        s = value(0.0)
        for x, y in zip(xs, ys):
            s = s + x * y
        return s, xs + ys

    return build


def torch_leaf(v: float) -> Any:
    import torch

    return torch.tensor(v, dtype=torch.float64, requires_grad=True)


def engines() -> dict[str, Callable[[int, random.Random], Graph] | str]:
    """name -> graph builder, or the reason the engine is skipped."""
    from minigrad import Value

    result: dict[str, Callable[[int, random.Random], Graph] | str] = {
        "minigrad": value_graph(Value),
    }
    micrograd = optional_module("micrograd.engine")
    result["micrograd"] = (
        value_graph(micrograd.Value) if micrograd else "micrograd is not installed"
    )
    has_torch = optional_module("torch") is not None
    result["torch 0-d"] = value_graph(torch_leaf) if has_torch else "torch is not installed"
    return result


def run(pairs: int, seed: int = 0) -> dict[str, Any]:
    """Bytes per node after the forward pass, and the peak over forward and backward."""
    nodes = 4 * pairs + 1
    results: dict[str, Any] = {}
    for name, build in engines().items():
        if isinstance(build, str):
            results[name] = skipped(build)
            continue
        gc.collect()
        tracemalloc.start()
        graph = build(pairs, random.Random(seed))
        after_forward, _ = tracemalloc.get_traced_memory()
        graph[0].backward()
        after_backward, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        del graph
        rss_growth = _resident_growth(build, pairs, seed)
        results[name] = {
            "bytes_per_node": after_forward / nodes,
            "bytes_per_node_after_backward": after_backward / nodes,
            "peak_bytes": peak,
            "resident_bytes_per_node": None if rss_growth is None else rss_growth / nodes,
        }
    return {
        "description": f"s = s + x*y over {pairs} pairs of leaves: {nodes} nodes (tracemalloc)",
        "nodes": nodes,
        "note": "tracemalloc cannot see PyTorch's C++ memory; resident growth can, coarsely",
        "engines": results,
    }


def _resident_growth(
    build: Callable[[int, random.Random], Graph], pairs: int, seed: int
) -> int | None:
    """How much the process's resident memory grows while the graph is built and held."""
    gc.collect()
    before = _resident_bytes()
    if before is None:
        return None
    graph = build(pairs, random.Random(seed))
    after = _resident_bytes()
    del graph
    gc.collect()
    return None if after is None else after - before


def _resident_bytes() -> int | None:
    """Resident memory of this process (Linux), or None where /proc is not available."""
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            resident_pages = int(statm.read().split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return resident_pages * os.sysconf("SC_PAGE_SIZE")
