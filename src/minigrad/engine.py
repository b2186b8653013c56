"""The autograd engine: a Value is one float that remembers how it was computed.

Every operation on Values returns a new Value that records its inputs (``_prev``) and the
operation that made it (``_op`` is its name). Together they form a directed acyclic graph, and
``backward()`` walks that graph from the output back to the leaves, calling each node's
``_backward()``: the chain rule at that node, every input receiving the output's gradient times
the local derivative,

    for c = a * b:    a.grad += c.grad * b    and    b.grad += c.grad * a

Three design choices, each a correction of micrograd:

* A node stores its data, its gradient, its inputs (a tuple, in order: ``a * a`` lists ``a``
  twice), its operation and a label; nothing else. Its ``_backward`` is not a closure stored in
  the node: it is the operation's backward rule, from the table below, applied to the node when
  called. So the graph holds no reference cycles and reference counting frees it the moment the
  output is dropped. (A node made by hand, the lecture's way, may be given a ``_backward`` function
  of its own; and a node whose inputs are tuples other nodes share, such as a neuron's, keeps those
  tuples: see fused.py.)
* The walk is iterative, so graphs of any depth work at Python's default recursion limit.
* The backward rules are written with operators, so one rule differentiates floats (an ordinary
  backward pass) or Values (``grad(..., create_graph=True)``): higher derivatives come free. (An
  operation may add a faster rule of its own for floats; the fused neurons of nn do.)

A plain number in an expression (the ``2.0`` in ``x * 2.0``) becomes a leaf Value, as in micrograd:
every number you wrote is a node of the graph and shows up in its drawing. A Value never turns
back into a plain float by itself (``float(x)``, ``math.exp(x)``): that would silently cut it out
of the graph, so it raises TypeError; ``x.data`` is the number.
"""

from __future__ import annotations

import contextlib
import importlib
import numbers
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from math import isfinite
from typing import Union

from minigrad import floats
from minigrad.operations import OperationTable, power_exponent

Operand = Union["Value", int, float]  # noqa: UP007 (a runtime alias, so no | before Value exists)


# ---------------------------------------------------------------------------------------------
# Operations: each one's forward rule and backward rule, side by side.
#
# backward(g, out, *inputs) returns what each input receives: g · ∂out/∂input, where g is the
# gradient of the output. It is called with floats in an ordinary backward pass and with Values
# when the gradient must itself be differentiated, so it uses operators and the functions below
# (divide, power, log, sin, cos), which accept both. Where PyTorch gives a gradient a definite
# value at a point where the formula reads 0 · inf, the rule says so and gives the same value.
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Operation:
    """A primitive operation: ``forward`` on floats, ``backward`` the chain rule at one node.

    Every node keeps the Operation that made it (``node._op`` is its name). An operation without
    a backward rule is one a node was given by name only (``Value(y, (x,), 'softplus')``): such a
    node needs a ``_backward`` assigned by hand before backward can pass through it.

    (The engine's hot paths read a rule into a name before calling it, ``forward = op.forward``:
    Python 3.11 does not specialise ``op.forward(...)``, a call of a function stored on an
    instance, and each such call then costs a few times as much.)
    """

    name: str
    forward: Callable[..., float] | None
    backward: Callable[..., Sequence[Operand]] | None
    arity: int | None  # number of inputs; None when it takes any number
    accumulate: Callable[[Value, bool], None] | None = None  # backward on floats, in place
    hand_written: Callable[[], None] | None = None  # a node's own _backward, assigned by hand

    def __call__(self, *operands: Operand) -> Value:
        """Apply the operation to Values or numbers, recording the result in the graph."""
        if self.forward is None:
            raise TypeError(
                f"operation {self.name!r} has no forward rule: define it with operation()"
            )
        inputs = tuple(map(_as_value, operands))
        if None in inputs:
            bad = operands[inputs.index(None)]
            raise TypeError(f"{self.name} takes Values, ints or floats, not {type(bad).__name__}")
        return _record(self, inputs, self.forward(*[x.data for x in inputs]))


OPERATIONS = OperationTable()  # found by name: Value(y, (x,), 'tanh'), _op = 'tanh', pickle
LEAF = Operation("", None, None, 0)  # what "made" a leaf: nothing


def _operation_named(name: str) -> Operation:
    """The operation called ``name``: a registered one, LEAF for ``''``, else one without rules."""
    if not isinstance(name, str):
        raise TypeError(f"a Value's _op is the name of its operation, a str, not {name!r:.60}")
    if not name:
        return LEAF
    exponent = power_exponent(name) if name not in OPERATIONS else None
    if exponent is not None:
        return power_by(exponent)
    return OPERATIONS.get(name) or Operation(name, None, None, None)


def _hand_written(name: str, function: Callable[[], None]) -> Operation:
    """The operation of a node given a ``_backward`` of its own, as the lecture makes ``tanh``:

        out = Value(t, (x,), 'tanh')
        def _backward():
            x.grad += (1 - t**2) * out.grad
        out._backward = _backward

    The function adds into the inputs' grads itself, so it serves as the operation's in-place
    rule (``accumulate``); it has no rule on Values, so ``create_graph=True`` cannot go through it.
    """

    def accumulate(node: Value, finite: bool) -> None:
        try:
            function()
        except Exception as error:
            raise BackwardRuleError(
                f"the _backward assigned to {node!r} (operation {name!r}) raised "
                f"{type(error).__name__}: {error}"
            ) from error

    return Operation(name, None, None, None, accumulate, hand_written=function)


class BackwardRuleError(RuntimeError):
    """A backward rule failed, or is missing, at a node named in the message."""


def _pow_backward(g: Operand, out: Operand, x: Operand, y: Operand) -> tuple[Operand, Operand]:
    """∂(x^y)/∂x = y·x^(y-1), ∂(x^y)/∂y = x^y·ln x.

    As in PyTorch, x gets exactly 0 when y = 0, and y gets exactly 0 when x = 0 ≤ y.
    """
    dx = 0.0 if _number(y) == 0.0 else g * (y * power(x, y - 1.0))
    dy = g * (0.0 if _number(x) == 0.0 and _number(y) >= 0.0 else out * log(x))
    return dx, dy


def _tanh_backward(g: Operand, out: Operand, x: Operand) -> tuple[Operand]:
    """∂tanh(x)/∂x = 1 - tanh²x.

    Near ±1, out·out rounds away the digits that matter (1e-11 relative at x = 7; PyTorch's fused
    multiply-add keeps them), so there it is (1 - out)(1 + out); near 0 that form would cancel in
    the second derivative, so there it stays 1 - out·out.
    """
    if abs(_number(out)) > 0.5:
        return (g * ((1.0 - out) * (1.0 + out)),)
    return (g * (1.0 - out * out),)


def _primitive(
    name: str, forward: Callable[..., float], backward: Callable[..., Sequence[Operand]]
) -> Operation:
    """One of MiniGrad's own operations: it cannot be redefined, and its rules are trusted (a
    user's are checked each time they are used: see extend.py). Its number of inputs is its
    backward rule's number of arguments less two (g and out)."""
    arity = backward.__code__.co_argcount - 2
    return OPERATIONS.add(Operation(name, forward, backward, arity), own=True)


# fmt: off
#                    name       forward            backward: (g, out, *inputs) -> g·∂out/∂input
ADD     = _primitive("+",       lambda a, b: a + b, lambda g, out, a, b: (g, g))
SUB     = _primitive("-",       lambda a, b: a - b, lambda g, out, a, b: (g, -g))
MUL     = _primitive("*",       lambda a, b: a * b, lambda g, out, a, b: (g * b, g * a))
DIV     = _primitive("/",       floats.divide,      lambda g, out, a, b: (divide(g, b), -g * divide(out, b)))  # noqa: E501
POW     = _primitive("**",      floats.power,       _pow_backward)
NEG     = _primitive("neg",     lambda a: -a,       lambda g, out, a: (-g,))
ABS     = _primitive("abs",     abs,                lambda g, out, x: (g * floats.sign(_number(x)),))  # noqa: E501
EXP     = _primitive("exp",     floats.exp,         lambda g, out, x: (g * out,))
LOG     = _primitive("log",     floats.log,         lambda g, out, x: (divide(g, x),))
SQRT    = _primitive("sqrt",    floats.sqrt,        lambda g, out, x: (divide(g, 2.0 * out),))
SIN     = _primitive("sin",     floats.sin,         lambda g, out, x: (g * cos(x),))
COS     = _primitive("cos",     floats.cos,         lambda g, out, x: (g * -sin(x),))
TANH    = _primitive("tanh",    floats.tanh,        _tanh_backward)
SIGMOID = _primitive("sigmoid", floats.sigmoid,     lambda g, out, x: (g * (1.0 - out) * out,))
RELU    = _primitive("relu",    floats.relu,        lambda g, out, x: (0.0 if x <= 0.0 else g,))
# fmt: on


def power_by(k: float) -> Operation:
    """The operation x ↦ x^k for a plain number k, named ``**k`` (``x ** 2`` makes a ``**2`` node).

    The exponent is part of the operation, not an input of the graph, as in micrograd and PyTorch:
    f(x) = x^k, ∂f/∂x = k·x^(k-1) (exactly 0 when k = 0, as in PyTorch). A Value exponent
    (``x ** y``) stays an input, with its gradient x^y·ln x: the POW above.
    """
    op = _POWERS.get(k if k == k else "nan")  # (nan is not equal to itself, so not a dict key)
    if op is None:
        k = float(k)
        name = f"**{int(k)}" if k.is_integer() and abs(k) < 2**53 else f"**{k!r}"
        op = Operation(
            name,
            lambda x: floats.power(x, k),
            lambda g, out, x: (0.0 if k == 0.0 else g * (k * power(x, k - 1.0)),),
            1,
        )
        _POWERS[k if k == k else "nan"] = op
    return op


_POWERS: dict[float | str, Operation] = {}  # power_by's operations, one for each exponent used


# Functions of a Value or a float, used by the backward rules above (and handy in user code).


def _number(x: Operand) -> float:
    """The number in x: its data if x is a Value (for a rule's tests of a point)."""
    return x.data if isinstance(x, Value) else x


def divide(a: Operand, b: Operand) -> Operand:
    """a / b; inf or nan rather than ZeroDivisionError."""
    if isinstance(a, Value) or isinstance(b, Value):
        return DIV(a, b)
    return floats.divide(a, b)


def power(x: Operand, y: Operand) -> Operand:
    """x ** y; nan for a negative x and a fractional y, never a complex number."""
    if isinstance(y, Value):
        return POW(x, y)
    if isinstance(x, Value):
        return _unary(power_by(y), x)
    return floats.power(x, y)


def log(x: Operand) -> Operand:
    """ln x."""
    return LOG(x) if isinstance(x, Value) else floats.log(x)


def sin(x: Operand) -> Operand:
    """sin x."""
    return SIN(x) if isinstance(x, Value) else floats.sin(x)


def cos(x: Operand) -> Operand:
    """cos x."""
    return COS(x) if isinstance(x, Value) else floats.cos(x)


# ---------------------------------------------------------------------------------------------
# Recording: whether operations build a graph (switched off by ``with no_grad():``).
# ---------------------------------------------------------------------------------------------


class _GradMode(threading.local):
    enabled = True


_grad_mode = _GradMode()


def is_grad_enabled() -> bool:
    """Whether operations on Values currently record a graph (per thread)."""
    return _grad_mode.enabled


@contextmanager
def _grad_mode_set(enabled: bool) -> Iterator[None]:
    previous = _grad_mode.enabled
    _grad_mode.enabled = enabled
    try:
        yield
    finally:
        _grad_mode.enabled = previous


def no_grad() -> contextlib.AbstractContextManager[None]:
    """Record no graph inside ``with no_grad():`` (per thread): for updates and inference.

    Examples:
        >>> w = Value(0.5)
        >>> with no_grad():
        ...     w = w - 0.1 * 2.0
        >>> w.data, w._prev
        (0.3, ())
    """
    return _grad_mode_set(False)


def _record(op: Operation, inputs: tuple[Value, ...], data: float) -> Value:
    """A node holding ``data``, the result of ``op`` on ``inputs``; linked to them unless
    recording is off."""
    if _grad_mode.enabled:
        return _node(data, inputs, op)
    return _node(data, (), LEAF)


def _node(data: float, inputs: tuple[Value, ...], op: Operation) -> Value:
    """``Value(data, inputs, op.name)``, without ``__init__``'s checks of the arguments: for
    the engine and nn, whose inputs are Values already (it makes a node in about a third of the
    time).
    """
    out = object.__new__(Value)
    out.data = data if type(data) is float else _to_float(data)
    out.grad = 0.0
    out.label = ""
    out._prev = inputs
    out._operation = op
    return out


def _to_float(data: object) -> float:
    if type(data) is float:
        return data
    if isinstance(data, (int, float, numbers.Real)):
        return float(data)
    raise TypeError(f"a Value holds a real number, not {type(data).__name__}: {data!r:.60}")


def _as_value(x: object) -> Value | None:
    """x itself if it is a Value, a new leaf if it is a number, else None."""
    if isinstance(x, Value):
        return x
    if isinstance(x, (int, float, numbers.Real)):
        return _node(x, (), LEAF)
    return None


def _binary(op: Operation, a: object, b: object) -> Value:
    """op(a, b) for the operators: a number on either side becomes a leaf first."""
    if type(a) is not Value:  # (the test for the common case, two Values, costs least)
        a = _as_value(a)
    if type(b) is not Value:
        b = _as_value(b)
    if a is None or b is None:
        return NotImplemented  # Python then raises TypeError naming both types
    forward = op.forward
    return _record(op, (a, b), forward(a.data, b.data))


def _unary(op: Operation, x: object) -> Value:
    """op(x) for the methods. When x is a Value (not a number, as in ``Value.tanh(0.5)``), it goes
    straight to the forward rule: op(x) checks and converts its operands and calls forward with
    *args, which takes three times as long."""
    if not isinstance(x, Value):
        return op(x)
    forward = op.forward
    return _record(op, (x,), forward(x.data))


# ---------------------------------------------------------------------------------------------
# Value
# ---------------------------------------------------------------------------------------------


class Value:
    """One float of a computation, with the gradient of an output with respect to it.

    ``data`` is the number, ``grad`` is ∂output/∂self after ``output.backward()``, ``_prev`` the
    inputs it was computed from, ``_op`` the name of the operation that computed it and
    ``_backward()`` that operation's step of the chain rule at this node.

    Examples:
        >>> a = Value(3.0)
        >>> b = a * a + a
        >>> b.data, b._op, b._prev[0]._prev == (a, a)
        (12.0, '+', True)
        >>> b.backward()
        >>> a.grad  # ∂b/∂a = 2a + 1
        7.0
        >>> b.backward()  # a leaf accumulates, as in PyTorch
        >>> a.grad
        14.0
    """

    __slots__ = ("data", "grad", "label", "_prev", "_operation")

    def __init__(
        self, data: float, _children: Iterable[Value] = (), _op: str = "", label: str = ""
    ) -> None:
        self.data: float = _to_float(data)
        self.grad: float = 0.0
        self.label: str = label
        self._prev: tuple[Value, ...] = tuple(_children)
        self._operation: Operation = _operation_named(_op)
        if self._prev:
            for child in self._prev:
                if not isinstance(child, Value):
                    raise TypeError(f"a Value's children are Values, not {type(child).__name__}")

    @property
    def _op(self) -> str:
        """The name of the operation that made this Value ('' for a leaf)."""
        return self._operation.name

    @_op.setter
    def _op(self, name: str) -> None:
        self._operation = _operation_named(name)

    def __setstate__(self, inputs: tuple[Value, ...]) -> None:
        """pickle and copy.deepcopy set a node's inputs after making it (see copying.py)."""
        self._prev = inputs

    def __repr__(self) -> str:
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data}, grad={self.grad}{label})"

    def __float__(self) -> float:
        """Refused: ``float(x)``, ``math.exp(x)`` and the like would cut x out of the graph."""
        raise TypeError(
            f"a Value does not turn into a float by itself: float(x), math.exp(x) and the like "
            f"would silently cut x out of the graph, so no gradient would reach it. Use the "
            f"Value's own method to stay in the graph (x.exp(), x.log(), x.tanh(), x.sqrt(), "
            f"x ** 2, ...), or x.data for the number itself (x = {self!r:.80})"
        )

    def __format__(self, spec: str) -> str:
        """``f"{x:.4f}"`` formats the number, as PyTorch does for a one-number tensor."""
        return format(self.data, spec) if spec else repr(self)

    # Arithmetic: a + b, a - b, a * b, a / b, a ** b, -a; a Value or a number on either side.

    def __add__(self, other: Operand) -> Value:
        """f(a, b) = a + b;  ∂f/∂a = 1, ∂f/∂b = 1"""
        return _binary(ADD, self, other)

    def __radd__(self, other: Operand) -> Value:
        return _binary(ADD, other, self)

    def __sub__(self, other: Operand) -> Value:
        """f(a, b) = a - b;  ∂f/∂a = 1, ∂f/∂b = -1"""
        return _binary(SUB, self, other)

    def __rsub__(self, other: Operand) -> Value:
        return _binary(SUB, other, self)

    def __mul__(self, other: Operand) -> Value:
        """f(a, b) = a · b;  ∂f/∂a = b, ∂f/∂b = a"""
        return _binary(MUL, self, other)

    def __rmul__(self, other: Operand) -> Value:
        return _binary(MUL, other, self)

    def __truediv__(self, other: Operand) -> Value:
        """f(a, b) = a / b;  ∂f/∂a = 1/b, ∂f/∂b = -a/b²"""
        return _binary(DIV, self, other)

    def __rtruediv__(self, other: Operand) -> Value:
        return _binary(DIV, other, self)

    def __pow__(self, other: Operand) -> Value:
        """f(x, y) = x^y;  ∂f/∂x = y·x^(y-1), ∂f/∂y = x^y·ln x

        A number exponent is part of the operation (``x ** 2`` is one ``**2`` node, see power_by);
        a Value exponent is an input, with its gradient."""
        if isinstance(other, numbers.Real):
            return _unary(power_by(other), self)
        return _binary(POW, self, other)

    def __rpow__(self, other: Operand) -> Value:
        return _binary(POW, other, self)

    def __neg__(self) -> Value:
        """f(a) = -a;  f' = -1"""
        return _unary(NEG, self)

    def __pos__(self) -> Value:
        return self

    def __abs__(self) -> Value:
        """f(x) = |x|;  f' = sign(x), 0 at 0"""
        return _unary(ABS, self)

    # Functions

    def exp(self) -> Value:
        """f(x) = e^x;  f' = e^x"""
        return _unary(EXP, self)

    def log(self) -> Value:
        """f(x) = ln x;  f' = 1/x"""
        return _unary(LOG, self)

    def sqrt(self) -> Value:
        """f(x) = √x;  f' = 1/(2√x)"""
        return _unary(SQRT, self)

    def sin(self) -> Value:
        """f(x) = sin x;  f' = cos x"""
        return _unary(SIN, self)

    def cos(self) -> Value:
        """f(x) = cos x;  f' = -sin x"""
        return _unary(COS, self)

    def tanh(self) -> Value:
        """f(x) = tanh x;  f' = 1 - tanh²x"""
        return _unary(TANH, self)

    def sigmoid(self) -> Value:
        """f(x) = 1/(1 + e^-x);  f' = f·(1 - f)"""
        return _unary(SIGMOID, self)

    def relu(self) -> Value:
        """f(x) = max(0, x);  f' = 1 if x > 0 else 0"""
        return _unary(RELU, self)

    # Comparisons look at data and build nothing; == and hash stay by identity (sets, dicts).

    def __lt__(self, other: Operand) -> bool:
        return self.data < _compared(other)

    def __le__(self, other: Operand) -> bool:
        return self.data <= _compared(other)

    def __gt__(self, other: Operand) -> bool:
        return self.data > _compared(other)

    def __ge__(self, other: Operand) -> bool:
        return self.data >= _compared(other)

    # Backpropagation

    @property
    def _backward(self) -> Callable[[], None]:
        """This node's step of the chain rule, as in micrograd: ``node._backward()`` adds
        ``node.grad · ∂node/∂x`` into ``x.grad`` for each input x, once (on a leaf it does nothing).

        ``backward()`` does exactly this at every node, output first. The step is made from the
        node's operation when asked for, not stored in the node. A node made by hand may be given
        a function of its own, the lecture's way: ``out._backward = _backward``.
        """
        hand_written = self._operation.hand_written
        return hand_written if hand_written is not None else self._chain_rule_step

    @_backward.setter
    def _backward(self, function: Callable[[], None]) -> None:
        if not callable(function):
            raise TypeError(
                f"the _backward of {self!r} must be a function taking no arguments that adds "
                f"into the inputs' grads, not {type(function).__name__}: {function!r:.60}"
            )
        self._operation = _hand_written(self._op, function)

    def _chain_rule_step(self) -> None:
        """The step ``_backward()`` takes: the operation's backward rule on floats, at this node."""
        if not self._prev:
            return
        _check_backward_rules([self], create_graph=False)
        _apply_rule(self, finite=False)

    def backward(self) -> None:
        """Add ∂self/∂leaf to every leaf's grad; every inner node shows this pass's gradient.

        Leaves accumulate across calls, exactly as in PyTorch: reset them (``p.grad = 0.0``) between
        training steps.
        """
        order, inner = _walk(self)
        _check_backward_rules(inner, create_graph=False)
        for node in inner:
            node.grad = 0.0
        self.grad += 1.0
        _backpropagate(order, inner, create_graph=False)


def assigned_backward(node: Value) -> Callable[[], None] | None:
    """The function assigned to ``node._backward`` by hand, or None if the node's step is its
    operation's backward rule (for the explainers, which show such a step as written by hand)."""
    return node._operation.hand_written


def _compared(other: object) -> float:
    if isinstance(other, Value):
        return other.data
    if isinstance(other, numbers.Real):
        return other  # type: ignore[return-value]
    raise TypeError(f"a Value compares with Values and numbers, not {type(other).__name__}")


# ---------------------------------------------------------------------------------------------
# The backward walk
# ---------------------------------------------------------------------------------------------


# Node types whose inputs are two tuples shared with other nodes, ``_head`` and ``_tail``, which
# give the walk an iterator over those it must still place (``_unplaced_inputs``), or None:
# fused.py adds its node here.
SHARED_INPUTS_NODES: set[type] = set()


def topological_order(root: Value) -> list[Value]:
    """Every Value that ``root`` depends on, root last, each after all of its inputs."""
    return _walk(root)[0]


def _walk(root: Value) -> tuple[list[Value], list[Value]]:
    """``topological_order(root)``, and the nodes in it that have inputs (the ones a backward
    pass visits), in the same order.

    An iterative depth-first search (no recursion, so any depth works). The stack holds the
    nodes whose inputs are being placed, each with an iterator over those inputs: the top node's
    next unvisited input is pushed in turn, and once it has none left the node itself is placed.
    A leaf has no inputs, so it is placed as soon as it is seen, and so is a node whose inputs
    were all seen before, which ``visited.issuperset`` checks in one call. (In a training step most
    neurons are such nodes: the weights are the same for every sample, and a layer's inputs the
    same for all its neurons.) Seen means placed, for an input: a node seen but not placed is on
    the stack waiting for its own inputs, and could be an input of x only if the graph had a cycle.

    One seam, fenced below, serves speed: a fused neuron's node (fused.py) reads two tuples
    that other nodes share, and is placed at once when both were found placed before, which
    ``placed_tuples`` remembers; otherwise only the tuple not yet placed is gone through. Each
    tuple's Values are then checked once, not once for every node that reads them.
    """
    order: list[Value] = []
    inner: list[Value] = []
    visited = {root}
    placed_tuples: set[tuple[Value, ...]] = set()  # (the seam) tuples whose Values are placed
    stack = [(root, iter(root._prev))]
    while stack:
        node, inputs = stack[-1]
        for x in inputs:
            if x not in visited:
                visited.add(x)
                # ---- The seam: a node sharing its inputs' tuples with others (fused.py) ----
                if type(x) in SHARED_INPUTS_NODES:
                    if x._head in placed_tuples and x._tail in placed_tuples:  # the common case
                        unplaced = None
                    else:
                        unplaced = x._unplaced_inputs(visited, placed_tuples)
                    if unplaced is None:
                        order.append(x)  # a node whose inputs are all placed already
                        inner.append(x)
                    else:
                        stack.append((x, unplaced))
                        break
                    continue
                # ---- End of the seam: every other node, the textbook way ----
                x_inputs = x._prev
                if not x_inputs:
                    order.append(x)  # a leaf
                elif visited.issuperset(x_inputs):
                    order.append(x)  # a node whose inputs are all placed already
                    inner.append(x)
                else:
                    stack.append((x, iter(x_inputs)))
                    break  # place x's inputs first; node's iterator resumes after x
        else:  # all of node's inputs are placed
            stack.pop()
            order.append(node)
            if node is not root or root._prev:  # pushed nodes have inputs; the root may not
                inner.append(node)
    return order, inner


def _check_backward_rules(inner: list[Value], create_graph: bool = False) -> None:
    """Fail before anything changes if some node with inputs has no backward rule that fits."""
    for node in inner:
        op = node._operation
        if op.backward is None and op.accumulate is None:
            raise ValueError(
                f"cannot backpropagate through {node!r}: it has inputs, but its operation "
                f"{op.name!r} has no backward rule. Give the node one, the lecture's way "
                f"(node._backward = a function adding node.grad × ∂node/∂input into each "
                f"input's grad), or define the operation with minigrad.operation(name, forward, "
                f"backward) (known operations: {' '.join(OPERATIONS)})"
            )
        if create_graph and op.backward is None:
            raise ValueError(
                f"cannot differentiate through {node!r} with create_graph=True: its _backward "
                f"was written by hand and adds plain numbers; define operation {op.name!r} with "
                "minigrad.operation(name, forward, backward) to differentiate it again"
            )
        if op.arity is not None and op.arity != len(node._prev):
            raise ValueError(
                f"cannot backpropagate through {node!r}: operation {op.name!r} takes "
                f"{op.arity} inputs, but the node has {len(node._prev)}"
            )


def _apply_rule(node: Value, finite: bool) -> None:
    """One node's step of the chain rule on floats: ``x.grad += node.grad · ∂node/∂x`` for each
    input x. (``finite``: no node's data is inf or nan; see ``operation``'s accumulate.)"""
    op = node._operation
    if op.accumulate is not None:
        op.accumulate(node, finite)
        return
    inputs = node._prev
    local_rule = op.backward
    input_grads = _one_per_input(node, local_rule(node.grad, node.data, *[x.data for x in inputs]))
    for x, input_grad in zip(inputs, input_grads):
        x.grad += input_grad


def _backpropagate(order: list[Value], inner: list[Value], create_graph: bool) -> None:
    """Visit the nodes with inputs, output first, and push each one's gradient to its inputs
    (the chain rule). ``order`` is every node, ``inner`` those with inputs (see _walk).

    On floats this is ``for node in reversed(inner): node._backward()``, written out below.
    """
    if create_graph:  # differentiate with Values, so the gradient is a graph too
        for node in reversed(inner):
            backward = node._operation.backward
            input_grads = _one_per_input(node, backward(node.grad, node, *node._prev))
            for x, g in zip(node._prev, input_grads):
                x.grad = g if _is_zero(x.grad) else x.grad + g
        return
    finite: bool | None = None  # every node's data finite? Worked out once, if a rule asks
    for node in reversed(inner):
        op = node._operation
        accumulate = op.accumulate  # (read into a name before the call: see Operation)
        if accumulate is not None:
            if finite is None:
                finite = _all_finite(order)
            accumulate(node, finite)
            continue
        # The rule on floats, written out for one and two inputs (most operations): the general
        # form, _apply_rule's call with *args and a loop, takes three times as long.
        inputs, g, out, backward = node._prev, node.grad, node.data, op.backward
        if len(inputs) == 2:
            a, b = inputs
            input_grads = backward(g, out, a.data, b.data)
            if type(input_grads) is not tuple or len(input_grads) != 2:
                input_grads = _one_per_input(node, input_grads)
            a.grad += input_grads[0]
            b.grad += input_grads[1]
        elif len(inputs) == 1:
            input_grads = backward(g, out, inputs[0].data)
            if type(input_grads) is not tuple or len(input_grads) != 1:
                input_grads = _one_per_input(node, input_grads)
            inputs[0].grad += input_grads[0]
        else:
            _apply_rule(node, finite=False)


def _one_per_input(node: Value, input_grads: Iterable[Operand]) -> tuple[Operand, ...]:
    """What a backward rule gave, as a tuple, after checking it gave one gradient per input."""
    if not isinstance(input_grads, Iterable) or isinstance(input_grads, Value):
        raise TypeError(
            f"the backward rule of operation {node._op!r} returned {input_grads!r:.60}; it "
            "returns one gradient per input in a tuple, e.g. (g * 2.0,)"
        )
    input_grads = tuple(input_grads)
    if len(input_grads) != len(node._prev):
        raise ValueError(
            f"the backward rule of operation {node._op!r} gave {len(input_grads)} gradients for "
            f"a node with {len(node._prev)} inputs; it must give one per input, in order"
        )
    return input_grads


def _all_finite(order: list[Value]) -> bool:
    """No node's data is inf or nan (False too if their sum overflows, or they cannot be summed)."""
    try:
        return isfinite(sum([node.data for node in order]))
    except (OverflowError, TypeError):  # an int too large for a float; a Decimal among floats
        return False


def _is_zero(grad: Operand) -> bool:
    return type(grad) is float and grad == 0.0


def grad(
    output: Value, inputs: Value | Sequence[Value], create_graph: bool = False
) -> tuple[Operand, ...]:
    """∂output/∂x for each x in inputs (0.0 where output does not depend on x); no .grad changes.

    With ``create_graph=True`` each gradient is a Value in a new graph, so it can be
    differentiated again: ``grad(grad(y, x, create_graph=True)[0], x)`` is the second derivative.

    Examples:
        >>> x, unused = Value(2.0), Value(5.0)
        >>> y = x * x * x
        >>> grad(y, [x, unused])  # 3x², and 0.0 for an input y does not depend on
        (12.0, 0.0)
        >>> (dy,) = grad(y, x, create_graph=True)
        >>> grad(dy, x)  # 6x
        (12.0,)
        >>> x.grad  # untouched
        0.0
    """
    if isinstance(inputs, Value):
        inputs = (inputs,)
    if not isinstance(output, Value):
        raise TypeError(f"grad() differentiates a Value, not {type(output).__name__}")
    for x in inputs:
        if not isinstance(x, Value):
            raise TypeError(f"grad() differentiates with respect to Values, not {type(x).__name__}")
    order, inner = _walk(output)
    _check_backward_rules(inner, create_graph)
    saved = [node.grad for node in order]
    try:
        for node in order:
            node.grad = 0.0
        output.grad = 1.0
        if create_graph:
            with _grad_mode_set(True):
                _backpropagate(order, inner, create_graph=True)
        else:
            _backpropagate(order, inner, create_graph=False)
        in_graph = set(order)
        grads = tuple(x.grad if x in in_graph else 0.0 for x in inputs)
    finally:
        for node, saved_grad in zip(order, saved):
            node.grad = saved_grad
    if create_graph:
        grads = tuple(g if isinstance(g, Value) else Value(g) for g in grads)
    return grads


# ---------------------------------------------------------------------------------------------
# Names that moved to modules of their own, still found here: ``minigrad.engine.operation``
# and files pickled by earlier versions, which name ``minigrad.engine._restored_value``. The
# modules import this one, so it imports them only when such a name is asked for.
# ---------------------------------------------------------------------------------------------

_MOVED = {
    "operation": "minigrad.extend",
    "_SharedTuple": "minigrad.fused",
    "_restored_value": "minigrad.copying",
    "_restored_shared_inputs_node": "minigrad.copying",
}


def __getattr__(name: str) -> object:
    if name in _MOVED:
        return getattr(importlib.import_module(_MOVED[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
