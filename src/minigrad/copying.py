"""Saving and copying a graph of Values (pickle, copy.deepcopy) at any depth.

Both save an object's inputs before the object itself, by recursion: a chain of 10⁵ Values
would exceed Python's recursion limit. So the first Value of a graph to be saved lists the
nodes it depends on in topological order (inputs first) before itself, and each of those is then
saved without that list, finding its own inputs saved already.

The functions below are registered with ``copyreg``, the standard library's table of how to save
an object of a type, which ``pickle`` and ``copy`` both read: the engine itself holds no code for
saving. (A subclass of Value registers itself the same way: ``copyreg.pickle(Sub, _reduce_value)``.)
An Operation is saved by its name and looked up again on loading, since its rules are functions,
often lambdas. MiniGrad's own files are JSON (``minigrad.save``); pickle is for Python's own
tools (multiprocessing, copy).
"""

from __future__ import annotations

import copyreg
import threading

from minigrad.engine import Operation, Value, _node, _operation_named, _walk
from minigrad.fused import _shared_inputs_node, _SharedInputsNode


class _Saving(threading.local):
    """The ids of the nodes listed by the Value being saved, one set per thread: a save runs in
    one thread, and two threads saving at once must not clear each other's list."""

    def __init__(self) -> None:
        self.listed: set[int] = set()


_saving = _Saving()


def _reduce_value(node: Value) -> tuple[object, ...]:
    """How to save ``node``: rebuilt by _restored_value, then its inputs set (__setstate__)."""
    ancestors: list[Value] = []
    listed = _saving.listed
    if node._prev and id(node) not in listed:
        ancestors = [x for x in _walk(node)[1] if x is not node]  # inner nodes, inputs first
        listed.clear()
        listed.update(map(id, ancestors))
    else:
        listed.discard(id(node))
    made = (node.data, node.grad, node.label, node._operation, ancestors)
    return (_restored_value, made, node._prev)


def _restored_value(
    data: float, grad: float, label: str, op: Operation, ancestors: list[Value]
) -> Value:
    """A Value as saved, its inputs still to be set (the ancestors were only saved before it)."""
    node = _node(data, (), op)
    node.grad, node.label = grad, label
    return node


def _reduce_shared_inputs_node(node: _SharedInputsNode) -> tuple[object, ...]:
    """A fused neuron's node is rebuilt from its two tuples (``_prev`` can only be read)."""
    _saving.listed.discard(id(node))
    made = (node.data, node.grad, node.label, node._head, node._tail, node._operation)
    return (_restored_shared_inputs_node, made)


def _restored_shared_inputs_node(
    data: float,
    grad: float,
    label: str,
    head: tuple[Value, ...],
    tail: tuple[Value, ...],
    op: Operation,
) -> _SharedInputsNode:
    node = _shared_inputs_node(data, head, tail, op)
    node.grad, node.label = grad, label
    return node


def _reduce_operation(op: Operation) -> tuple[object, ...]:
    """An operation is saved by its name, and looked up again on loading."""
    if op.hand_written is not None:
        raise TypeError(
            f"a node of operation {op.name!r} has a hand-written _backward (a function that "
            "cannot be saved); define the operation with minigrad.operation() to pickle it"
        )
    return (_operation_named, (op.name,))


copyreg.pickle(Value, _reduce_value)
copyreg.pickle(_SharedInputsNode, _reduce_shared_inputs_node)
copyreg.pickle(Operation, _reduce_operation)
