"""W2: a long chain ``x = x*a + b``, forward and backward: is time linear in the graph's depth?

Each step adds two nodes, each depending on the one before, so n steps make a graph 2n deep.
A recursive topological sort (micrograd's) needs Python's recursion limit raised above that
depth; an iterative one (MiniGrad's) runs at the default limit. Every engine must agree on x and
on ∂x/∂a, ∂x/∂b, ∂x/∂x₀ with the plain-float floor.
"""

from __future__ import annotations

import gc
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

from benchmarks.harness import assert_close, optional_module, recursion_limit_at_least, skipped

A, B, X0 = 0.9, 0.1, 0.5
TOLERANCE = 1e-9

# [x, ∂x/∂a, ∂x/∂b, ∂x/∂x₀], and the seconds the forward and the backward pass took.
ChainResult = tuple[list[float], float, float]


def floor_chain(n: int) -> ChainResult:
    """The chain with plain floats: store every x, then walk back multiplying by a."""
    start = time.perf_counter()
    xs, x = [], X0
    for _ in range(n):
        xs.append(x)
        x = x * A + B
    forward_done = time.perf_counter()
    g, grad_a, grad_b = 1.0, 0.0, 0.0  # g is ∂x_n/∂x_i, walking i down from n
    for x_before in reversed(xs):
        grad_a += g * x_before
        grad_b += g
        g *= A
    backward_done = time.perf_counter()
    return [x, grad_a, grad_b, g], forward_done - start, backward_done - forward_done


def value_chain(value: type) -> Callable[[int], ChainResult]:
    """The chain in an engine whose Value has ``.data``, ``.grad`` and ``.backward()``."""

    def chain(n: int) -> ChainResult:
        start = time.perf_counter()
        a, b, x0 = value(A), value(B), value(X0)
        x = x0
        for _ in range(n):
            x = x * a + b
        forward_done = time.perf_counter()
        x.backward()
        backward_done = time.perf_counter()
        return [x.data, a.grad, b.grad, x0.grad], forward_done - start, backward_done - forward_done

    return chain


def torch_chain(n: int) -> ChainResult:
    """The chain in PyTorch, one 0-d float64 tensor per number."""
    import torch

    start = time.perf_counter()
    a, b, x0 = (torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in (A, B, X0))
    x = x0
    for _ in range(n):
        x = x * a + b
    forward_done = time.perf_counter()
    x.backward()
    backward_done = time.perf_counter()
    values = [x.item(), a.grad.item(), b.grad.item(), x0.grad.item()]
    return values, forward_done - start, backward_done - forward_done


def engines() -> dict[str, tuple[Callable[[int], ChainResult] | None, str]]:
    """name -> (chain function or None when skipped, why skipped / what was needed)."""
    from minigrad import Value

    result: dict[str, tuple[Callable[[int], ChainResult] | None, str]] = {
        "floor": (floor_chain, ""),
        "minigrad": (value_chain(Value), ""),
    }
    micrograd = optional_module("micrograd.engine")
    result["micrograd"] = (
        (value_chain(micrograd.Value), "") if micrograd else (None, "micrograd is not installed")
    )
    has_torch = optional_module("torch") is not None
    result["torch 0-d"] = (torch_chain, "") if has_torch else (None, "torch is not installed")
    result["torch batched"] = (None, "a chain is sequential: there is nothing to batch")
    return result


RECURSIVE = {"micrograd"}  # engines whose topological sort recurses once per node of depth


def run(lengths: list[int], repeats: int, scalar_engine_limit: int) -> dict[str, Any]:
    """Time each engine on each chain length; micrograd and torch 0-d stop at the limit."""
    results: dict[str, Any] = {}
    reference: dict[int, list[float]] = {}
    for name, (chain, reason) in engines().items():
        results[name] = {}
        for n in lengths:
            if chain is None:
                results[name][str(n)] = skipped(reason)
            elif name in ("micrograd", "torch 0-d") and n > scalar_engine_limit:
                results[name][str(n)] = skipped(
                    f"longer than {scalar_engine_limit} steps takes minutes (and gigabytes) here"
                )
            else:
                if n not in reference:
                    reference[n] = floor_chain(n)[0]
                results[name][str(n)] = _time_chain(name, chain, n, repeats, reference[n])
    return {
        "description": "x = x*a + b repeated n times (2n nodes deep), then backward",
        "lengths": lengths,
        "agreement": f"x and its gradients equal to the floor's within {TOLERANCE:g}",
        "default_recursion_limit": sys.getrecursionlimit(),
        "engines": results,
    }


def _time_chain(
    name: str, chain: Callable[[int], ChainResult], n: int, repeats: int, expected: list[float]
) -> dict[str, Any]:
    limit = sys.getrecursionlimit()
    needed_limit = 2 * n + 100 if name in RECURSIVE else limit  # depth 2n, plus the caller's
    totals, forwards, backwards = [], [], []
    with recursion_limit_at_least(needed_limit):
        gc.collect()
        for _ in range(repeats):
            start = time.perf_counter()
            values, forward, backward = chain(n)  # the graph is freed before chain returns
            totals.append(time.perf_counter() - start)
            forwards.append(forward)
            backwards.append(backward)
            assert_close(f"chain of {n}", name, values, expected, TOLERANCE)
    result: dict[str, Any] = {
        "median_s": statistics.median(totals),
        "forward_median_s": statistics.median(forwards),
        "backward_median_s": statistics.median(backwards),
        "per_step_s": statistics.median(totals) / n,
        "times_s": totals,
    }
    if needed_limit > limit:
        result["note"] = f"needs the recursion limit raised to {needed_limit} (default {limit})"
    return result
