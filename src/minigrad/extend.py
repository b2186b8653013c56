"""Operations users define: ``operation(name, forward, backward)``, and the checks on them.

The engine's own operations are rows of the table in ``engine.py``; this is how a user adds one
(as HIPS/autograd's ``extend.py``). A user's rules are checked as the engine's own need not be:
their signatures must agree on the number of inputs when the operation is defined, and what the
backward rule returns is checked each time it is used, so that a mistake in it stops backward
with a message naming the operation, not a wrong gradient or a deep traceback.

>>> from minigrad import Value
>>> cube = operation("cube", lambda x: x**3, lambda g, out, x: (g * 3 * x**2,))
>>> x = Value(2.0)
>>> cube(x).backward()
>>> x.grad
12.0
"""

from __future__ import annotations

import inspect
import numbers
from collections.abc import Callable, Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet

from minigrad.engine import OPERATIONS, BackwardRuleError, Operand, Operation, Value

__all__ = ["operation"]


def operation(
    name: str,
    forward: Callable[..., float],
    backward: Callable[..., Sequence[Operand]],
    *,
    accumulate: Callable[[Value, bool], None] | None = None,
    replaceable: bool = True,
) -> Operation:
    """Define a primitive and register it, so backward can find its rule from a node's ``_op``.

    ``backward(g, out, *inputs)`` gives one gradient per input, in order, in a tuple or a list
    (another number of them stops backward with a ValueError naming the operation, and a dict, a
    set or anything else without an order with a TypeError; the gradients passed back before it
    stay where they went, as with any exception from a rule). An exception raised inside the
    rule comes out as BackwardRuleError naming the operation, the original as its cause.

    Defining a name again replaces its rules (re-running a notebook cell works), except for
    MiniGrad's own operations, which are defined with ``replaceable=False``.

    ``accumulate(node, finite)``, optional, is the same chain rule for an ordinary (float)
    backward pass, written for speed: it adds ``node.grad · ∂node/∂input`` to each input's
    ``grad`` itself, and must give what ``backward`` gives. ``finite`` is True only if no node's
    data is inf or nan. A rule whose local derivatives are finite wherever its inputs are (the
    fused neurons': weights, inputs and 1) may then skip a node whose gradient is 0, since it would
    add only ±0.0; a rule such as √x's, whose derivative is inf at 0, may not.
    """
    if not isinstance(name, str) or not name:
        raise TypeError(f"an operation's name is a non-empty str, not {name!r:.60}")
    OPERATIONS.refuse_own(name)
    if not callable(forward) or not callable(backward):
        raise TypeError(
            f"operation {name!r} needs a callable forward rule and a callable backward rule"
        )
    if accumulate is not None and not callable(accumulate):
        raise TypeError(
            f"operation {name!r}: accumulate is a callable taking the node, not {accumulate!r:.60}"
        )
    arity = _arity(name, forward, backward)
    if replaceable:  # a user's rule: its results are checked as they are used
        backward = _checked_backward(name, backward)
    op = Operation(name, forward, backward, arity, accumulate)
    return OPERATIONS.add(op, own=not replaceable)


def _positional_count(rule: Callable[..., object]) -> int | None:
    """How many positional arguments ``rule`` takes; None for any number (or if unknown)."""
    try:
        parameters = inspect.signature(rule).parameters.values()
    except (TypeError, ValueError):  # some built-in functions have no signature to read
        return None
    if any(p.kind is p.VAR_POSITIONAL for p in parameters):
        return None
    return sum(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) for p in parameters)


def _arity(name: str, forward: Callable[..., float], backward: Callable[..., object]) -> int | None:
    """The number of inputs, read from the rules' signatures: forward(*inputs) and
    backward(g, out, *inputs) must agree."""
    forward_count = _positional_count(forward)
    backward_count = _positional_count(backward)
    if backward_count is not None and backward_count < 2:
        raise TypeError(
            f"the backward rule of operation {name!r} takes {backward_count} arguments; it takes "
            "(g, out, *inputs): the output's gradient, the output, then each input"
        )
    inputs = None if backward_count is None else backward_count - 2  # minus g and out
    if forward_count is not None and inputs is not None and forward_count != inputs:
        raise TypeError(
            f"operation {name!r}: the forward rule takes {forward_count} inputs but the backward "
            f"rule (g, out, *inputs) takes {inputs}"
        )
    return forward_count if inputs is None else inputs


def _checked_backward(
    name: str, backward: Callable[..., Iterable[Operand]]
) -> Callable[..., tuple[Operand, ...]]:
    """``backward``, checked each time it is used: one gradient per input, each a real number (or,
    when it was given Values, a Value), never None, a complex number or a Value in a float pass."""

    def checked(g: Operand, out: Operand, *inputs: Operand) -> tuple[Operand, ...]:
        try:
            given = backward(g, out, *inputs)
        except Exception as error:
            raise BackwardRuleError(
                f"the backward rule of operation {name!r} raised {type(error).__name__}: "
                f"{str(error):.200}"
            ) from error
        unordered = (Mapping, AbstractSet, str, bytes)  # tuple() of one loses or makes up order
        if isinstance(given, (Value, numbers.Number, *unordered)) or not isinstance(
            given, Iterable
        ):
            raise TypeError(
                f"the backward rule of operation {name!r} returned {given!r:.60}; it returns one "
                f"gradient per input in a tuple, e.g. (g * 2.0,)"
            )
        input_grads = tuple(given)
        on_values = any(isinstance(x, Value) for x in (g, out, *inputs))
        for i, input_grad in enumerate(input_grads):
            real = isinstance(input_grad, numbers.Real) and not isinstance(input_grad, bool)
            if not (real or (on_values and isinstance(input_grad, Value))):
                raise TypeError(
                    f"the backward rule of operation {name!r} gave {input_grad!r:.60} "
                    f"({type(input_grad).__name__}) as gradient {i}; gradients are real numbers"
                    + ("" if on_values else " here (a float pass: no Values)")
                )
        return input_grads

    checked.__name__ = getattr(backward, "__name__", "backward")
    checked.__doc__ = getattr(backward, "__doc__", None)
    return checked
