"""Random expression graphs, built the same way in MiniGrad and in PyTorch float64.

A graph is a few leaves and a list of steps; each step applies a row of the operation table to
earlier nodes (the latest one often, making chains; any earlier one, making fan-out and reuse;
the same node twice, as in ``a * a``) or to numbers written in the expression.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from hypothesis import assume, given
from hypothesis import strategies as st

from minigrad import Value, topological_order
from minigrad.engine import _walk
from tests.micrograd_order import build_topo
from tests.optable import (
    ABS_TOL,
    FAST,
    OP_NAMED,
    OPS,
    RULES_FROM_OUTPUT,
    Op,
    any_float,
    any_number,
    between,
    same_float,
    to_torch,
    torch_at_output,
)


@dataclass(frozen=True)
class Node:
    """An operand that is an earlier node of the graph, by its position."""

    index: int


@dataclass(frozen=True)
class Step:
    op: str  # a name in the table
    operands: tuple[Node | int | float, ...]


@dataclass(frozen=True)
class Graph:
    leaves: list[float]
    steps: list[Step]


LONG_CHAIN = 60


@st.composite
def graphs(draw: st.DrawFn) -> Graph:
    """1 to 4 leaves (mostly ordinary numbers, sometimes IEEE edges) and 1 to 20 steps, of which
    a unary one is sometimes a chain of LONG_CHAIN; the last node is the output."""
    leaves = draw(st.lists(st.one_of(between(-3.0, 3.0), any_float), min_size=1, max_size=4))
    steps: list[Step] = []
    size = len(leaves)

    def node() -> Node:
        return Node(draw(st.one_of(st.just(size - 1), st.integers(0, size - 1))))

    for _ in range(draw(st.integers(1, 20))):
        op = draw(st.sampled_from(OPS))
        if op.arity == 1:
            operand = node()
            for _ in range(draw(st.sampled_from([1, 1, 1, LONG_CHAIN]))):
                steps.append(Step(op.name, (operand,)))
                operand, size = Node(size), size + 1
            continue
        operands = [node(), node()]
        written = draw(st.sampled_from([None, None, None, 0, 1]))  # sometimes a number
        if written is not None:
            operands[written] = draw(st.one_of(between(-3.0, 3.0), any_number))
        steps.append(Step(op.name, tuple(operands)))
        size += 1
    return Graph(leaves, steps)


def minigrad_graph(graph: Graph) -> list[Value]:
    """Every node of ``graph`` in MiniGrad, leaves first, after backward from the last one."""
    nodes = [Value(x) for x in graph.leaves]
    for step in graph.steps:
        args = [nodes[x.index] if isinstance(x, Node) else x for x in step.operands]
        nodes.append(OP_NAMED[step.op].minigrad(*args))
    nodes[-1].backward()
    return nodes


def torch_graph_checked_against(graph: Graph, nodes: list[Value]) -> tuple[list[str], bool]:
    """Build ``graph`` in PyTorch float64 beside MiniGrad's ``nodes``: (differences, underflowed).

    Why the PyTorch graph is given MiniGrad's numbers as it goes: PyTorch's float64 functions on
    the CPU differ from Python's (the C library's) in the last bit now and then (exp, tanh, sin
    about once in 300 points; its sqrt of 0x1.ffffffffffff7p-1 is 1 ulp off the correctly
    rounded result, which math.sqrt gives). An ill-conditioned step,
    such as the log of a number near 1 after a long chain of square roots, or a - b with a ≈ b,
    then turns a 1-ulp difference into any difference at all. So every node is compared where it
    is made, from the same inputs, and then carries MiniGrad's value on (a constant shift of a
    few ulps, which changes no derivative); in the backward pass likewise, every node's gradient
    is compared when PyTorch has summed it, then carries MiniGrad's gradient on. Each check is
    then local, and a wrong rule, a lost or doubled contribution, a stale or wrongly ordered
    gradient anywhere in the graph shows up at its node.

    Below the smallest normal float, precision is gone: a subnormal number has fewer significant
    digits, down to one, so a last-bit difference there is a large relative one, and the two
    may even round to zero or not. Past such a node anything can differ (its log, 1 / it, inf
    times it), so ``underflowed`` says to discard the graph.
    """
    differences: list[str] = []
    underflowed = False

    def lost_below_normal(mine: float, theirs: float) -> bool:
        nonlocal underflowed
        if mine != theirs and abs(mine) <= ABS_TOL and abs(theirs) <= ABS_TOL:
            underflowed = True
        return underflowed

    def carry_on(i: int, op: Op, args: list, tensor: torch.Tensor) -> torch.Tensor:
        mine, theirs = nodes[i].data, tensor.item()
        if lost_below_normal(mine, theirs):
            pass
        elif not same_float(mine, theirs):
            differences.append(f"node {i} = {mine!r}, PyTorch says {theirs!r}")
        elif mine != theirs and math.isfinite(mine) and op.name in RULES_FROM_OUTPUT:
            tensor = torch_at_output(op, args[0], mine)  # see RULES_FROM_OUTPUT
        elif mine != theirs and math.isfinite(mine):
            tensor = tensor + (mine - theirs)  # exact: the two are a few ulps apart
        if tensor.requires_grad:
            tensor.register_hook(lambda g: check_grad(i, g))
        return tensor

    reached: set[int] = set()

    def check_grad(i: int, g: torch.Tensor) -> torch.Tensor:
        reached.add(i)
        mine, theirs = nodes[i].grad, g.item()
        if lost_below_normal(abs(mine), abs(theirs)):  # a zero's sign is no difference here
            return g
        if not same_float(mine, theirs, signed_zero=False):
            differences.append(f"node {i}: grad {mine!r}, PyTorch says {theirs!r}")
            return g
        return torch.tensor(mine, dtype=torch.float64)

    leaves = [to_torch(x) for x in graph.leaves]
    tensors = list(leaves)
    for step in graph.steps:
        args = [tensors[x.index] if isinstance(x, Node) else x for x in step.operands]
        op = OP_NAMED[step.op]
        tensors.append(carry_on(len(tensors), op, args, op.torch(*args)))
    if tensors[-1].requires_grad:  # false only when the graph is a lone leaf
        tensors[-1].backward()

    for i, leaf in enumerate(leaves):
        theirs = 0.0 if leaf.grad is None else leaf.grad.item()
        if not same_float(nodes[i].grad, theirs, signed_zero=False):
            differences.append(f"leaf {i}: grad {nodes[i].grad!r}, PyTorch says {theirs!r}")
    for i in range(len(leaves), len(nodes)):
        if i not in reached and nodes[i].grad != 0.0:  # output does not depend on node i
            differences.append(f"node {i} is off the output's graph but has grad {nodes[i].grad}")
    return differences, underflowed


@FAST
@given(graph=graphs())
def test_random_graph_matches_torch_at_every_node_value_and_gradient(graph):
    nodes = minigrad_graph(graph)
    differences, underflowed = torch_graph_checked_against(graph, nodes)
    assume(not underflowed)
    assert differences == []


@FAST
@given(graph=graphs())
def test_topological_order_lists_every_ancestor_once_after_its_inputs(graph):
    nodes = [Value(x) for x in graph.leaves]
    for step in graph.steps:
        args = [nodes[x.index] if isinstance(x, Node) else x for x in step.operands]
        nodes.append(OP_NAMED[step.op].minigrad(*args))
    output = nodes[-1]
    order = topological_order(output)
    ancestors, stack = {output}, [output]
    while stack:
        for x in stack.pop()._prev:
            if x not in ancestors:
                ancestors.add(x)
                stack.append(x)
    position = {node: i for i, node in enumerate(order)}
    assert len(position) == len(order) and set(order) == ancestors
    assert order[-1] is output
    assert all(position[x] < position[node] for node in order for x in node._prev)


@FAST
@given(graph=graphs())
def test_the_walk_lists_the_nodes_with_inputs_in_topological_order(graph):
    """Backward visits only the nodes the walk lists as having inputs: exactly those of the order
    (none when the output is a lone leaf), in the same order."""
    output = minigrad_graph(graph)[-1]
    order, inner = _walk(output)
    assert order == topological_order(output)
    assert inner == [node for node in order if node._prev]


def test_a_lone_leaf_is_its_own_order_with_no_node_to_backpropagate_through():
    leaf = Value(2.0)
    assert _walk(leaf) == ([leaf], [])


@FAST
@given(graph=graphs())
def test_topological_order_is_micrograds_depth_first_order(graph):
    """The order decides the order in which gradients are summed, so it is pinned: inputs in
    the order they were given, a node right after its last input (micrograd's build_topo)."""
    output = minigrad_graph(graph)[-1]
    assert topological_order(output) == build_topo(output)


def test_graphs_use_every_operation_reuse_and_long_chains():
    # The strategy itself must reach what it promises; a strategy that never reused a node
    # would make the test above prove much less.
    seen_ops: set[str] = set()
    reuse = chain = written = False

    @FAST
    @given(graph=graphs())
    def look(graph: Graph) -> None:
        nonlocal reuse, chain, written
        uses = [x.index for s in graph.steps for x in s.operands if isinstance(x, Node)]
        reuse |= len(uses) != len(set(uses))
        chain |= len(graph.steps) >= LONG_CHAIN
        written |= any(not isinstance(x, Node) for s in graph.steps for x in s.operands)
        seen_ops.update(s.op for s in graph.steps)

    look()
    assert seen_ops == {op.name for op in OPS}
    assert reuse and chain and written


def test_torch_is_really_float64_here():
    assert to_torch(1.0).dtype is torch.float64
