"""Fused neurons' nodes: one node for a whole neuron, sharing its input tuples with others.

nn's fused neurons (``Neuron(..., fused=True)``, ``MLP(..., fused=True)``) compute
``act(w · x + b)`` as one operation, so a training step makes one node per neuron and sample
instead of about 2n + 2. Such a node's inputs are two tuples that other nodes share too: a layer's
neurons all read the same inputs (the head), and every node of one neuron the same weights and
bias (the tail). Keeping the two tuples as they are, making the node allocates nothing else, and
the engine's walk checks that each tuple's Values are placed once, not once for every node that
reads them: the one seam in ``engine._walk``, which recognises these nodes by their type (listed
in ``engine.SHARED_INPUTS_NODES``).
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import chain

from minigrad.engine import SHARED_INPUTS_NODES, Operation, Value


class _SharedTuple(tuple):
    """A tuple of Values that many nodes share (a layer's inputs, a neuron's weights and bias),
    hashed and compared as the object it is, not by its contents.

    The engine's walk remembers which such tuples have all their Values placed, in a set: looking
    one up then costs a pointer's hash, not a hash of every Value in it (nor a call of ``id``).
    Any tuple works in that set; this one only makes the look-up quick. (Its equality is the
    object's, not the contents', so keep it out of anything that compares tuples: users only ever
    see plain tuples, such as a node's ``_prev`` or a neuron's ``w``.)
    """

    __slots__ = ()
    __hash__ = object.__hash__
    __eq__ = object.__eq__
    __ne__ = object.__ne__


class _SharedInputsNode(Value):
    """A node whose inputs are two tuples other nodes share too: ``_prev`` is ``_head + _tail``
    (a layer's inputs, then one neuron's weights and bias)."""

    __slots__ = ("_head", "_tail")

    @property
    def _prev(self) -> tuple[Value, ...]:  # type: ignore[override]
        return self._head + self._tail

    def _unplaced_inputs(
        self, visited: set[Value], placed_tuples: set[tuple[Value, ...]]
    ) -> Iterator[Value] | None:
        """The inputs of this node the walk must still go through, as an iterator: None if both
        its tuples are placed, the head alone if only the tail is (a neuron's weights, after its
        first node), else all of them. A tuple found placed is remembered, so that no other node
        makes the walk check it again; and once the walk has gone through the iterator, both
        tuples are placed, so its last step remembers them.

        (An ordinary tuple is remembered by its contents, a _SharedTuple as itself: either way a
        tuple found in ``placed_tuples`` has all its Values placed.)
        """
        head, tail = self._head, self._tail
        head_placed = head in placed_tuples or visited.issuperset(head)
        tail_placed = tail in placed_tuples or visited.issuperset(tail)
        if head_placed:
            placed_tuples.add(head)
        if tail_placed:
            placed_tuples.add(tail)
        if head_placed and tail_placed:
            return None
        unplaced = tail if head_placed else head if tail_placed else head + tail
        return chain(unplaced, self._remember_tuples(placed_tuples))

    def _remember_tuples(self, placed_tuples: set[tuple[Value, ...]]) -> Iterator[Value]:
        """Both tuples placed, once the walk reaches this (it yields nothing): after every input."""
        placed_tuples.add(self._head)
        placed_tuples.add(self._tail)
        yield from ()


def _shared_inputs_node(
    data: float, head: tuple[Value, ...], tail: tuple[Value, ...], op: Operation
) -> _SharedInputsNode:
    """``_node(data, head + tail, op)``, keeping the two tuples as they are.

    No Value may be in both tuples: nn's neurons, whose rule adds the gradients of both in one
    loop, make such a node only then (see nn._neurons_forward).
    """
    out = object.__new__(_SharedInputsNode)
    out.data = data
    out.grad = 0.0
    out.label = ""
    out._head = head
    out._tail = tail
    out._operation = op
    return out


SHARED_INPUTS_NODES.add(_SharedInputsNode)  # the walk's seam: see engine._walk
