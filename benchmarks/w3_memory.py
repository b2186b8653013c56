"""W3: how many bytes one graph node costs, and the peak memory of building and differentiating.

The graph is the one ``s = s + x*y`` builds over 25,000 pairs of leaves: 50,000 leaves, 25,000
products and 25,000 sums (and the starting ``s``). tracemalloc is started before the leaves are
made, so a node's number, its gradient slot, its links and whatever the engine keeps for its
backward pass are all counted.

tracemalloc sees only memory that Python allocates; PyTorch keeps tensors and autograd nodes in
C++, out of its sight. So the growth of resident memory is measured too, building the graph again
in a fresh process without tracemalloc: coarse (whole pages), but it sees everything.
"""

from __future__ import annotations

import gc
import os
import random
import subprocess
import sys
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.harness import optional_module, recursion_limit_at_least, skipped

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


ENGINES = ("minigrad", "micrograd", "torch 0-d")


def graph_builder(engine: str) -> Callable[[int, random.Random], Graph] | str:
    """The engine's graph builder, or the reason it is skipped; imports only that engine."""
    if engine == "minigrad":
        from minigrad import Value

        return value_graph(Value)
    if engine == "micrograd":
        micrograd = optional_module("micrograd.engine")
        return value_graph(micrograd.Value) if micrograd else "micrograd is not installed"
    if engine == "torch 0-d":
        has_torch = optional_module("torch") is not None
        return value_graph(torch_leaf) if has_torch else "torch is not installed"
    raise ValueError(f"unknown engine {engine!r}; the engines are {', '.join(ENGINES)}")


def run(pairs: int, resident: bool = True, seed: int = 0) -> dict[str, Any]:
    """Bytes per node after the forward pass, and the peak over forward and backward; with
    ``resident``, also the resident memory growth per node, each engine in a fresh process."""
    nodes = 4 * pairs + 1
    results: dict[str, Any] = {}
    for name in ENGINES:
        build = graph_builder(name)
        if isinstance(build, str):
            results[name] = skipped(build)
            continue
        gc.collect()
        tracemalloc.start()
        graph = build(pairs, random.Random(seed))
        after_forward, _ = tracemalloc.get_traced_memory()
        with recursion_limit_at_least(2 * nodes):  # micrograd's sort recurses once per node
            graph[0].backward()
        after_backward, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        del graph
        rss_growth = _resident_growth(name, pairs, seed) if resident else None
        results[name] = {
            "bytes_per_node": after_forward / nodes,
            "bytes_per_node_after_backward": after_backward / nodes,
            "peak_bytes": peak,
            "resident_bytes_per_node": None if rss_growth is None else rss_growth / nodes,
        }
        if name == "micrograd":
            results[name]["note"] = "backward needs the recursion limit raised (graph depth)"
    return {
        "description": f"s = s + x*y over {pairs} pairs of leaves: {nodes} nodes (tracemalloc)",
        "nodes": nodes,
        "note": (
            "tracemalloc cannot see PyTorch's C++ memory; resident growth (in a fresh process) "
            "can, coarsely"
        ),
        "engines": results,
    }


def _resident_growth(name: str, pairs: int, seed: int) -> float | None:
    """How much resident memory building the graph adds, measured in a fresh Python process:
    in this one, memory freed by earlier workloads would be reused and hide the growth."""
    if _resident_bytes() is None:
        return None
    child = subprocess.run(
        [sys.executable, "-m", "benchmarks.w3_memory", name, str(pairs), str(seed)],
        cwd=Path(__file__).parent.parent,
        capture_output=True,
        text=True,
    )
    if child.returncode != 0:
        raise RuntimeError(f"measuring {name}'s resident memory failed:\n{child.stderr}")
    return float(child.stdout)


def _resident_bytes() -> int | None:
    """Resident memory of this process (Linux), or None where /proc is not available."""
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            resident_pages = int(statm.read().split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return resident_pages * os.sysconf("SC_PAGE_SIZE")


if __name__ == "__main__":  # the child of _resident_growth: ENGINE PAIRS SEED
    engine, pairs_text, seed_text = sys.argv[1:]
    build = graph_builder(engine)
    assert not isinstance(build, str), build
    build(10, random.Random(0))  # first use: imports and caches are not the graph's
    gc.collect()
    before = _resident_bytes()
    graph = build(int(pairs_text), random.Random(int(seed_text)))
    print(_resident_bytes() - before)
