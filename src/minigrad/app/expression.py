"""Build a graph of Values from a formula typed as text, such as ``"tanh(x*w + b)"``.

The text is parsed by Python's own parser (``ast.parse``) and the tree is then walked node by
node, each allowed kind of node becoming the Value operation it names. Nothing is ever evaluated
as Python: a node of any kind not on the list below is refused, so ``__import__('os')``,
``().__class__`` or ``lambda: 0`` are errors, not programs.

Allowed: numbers, names given a value, ``+ - * / **``, unary ``-`` and ``+``, parentheses, and
one-argument calls of the engine's functions ``exp log tanh relu sigmoid sqrt sin cos abs``.

Examples:
    >>> f, variables = build("x*x + 3", {"x": 2.0})
    >>> f.data
    7.0
    >>> f.backward()
    >>> variables["x"].grad
    4.0
"""

from __future__ import annotations

import ast
import keyword
import math
import operator
import re
import sys
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from typing import NamedTuple

from minigrad.engine import OPERATIONS, Value

#: The functions an expression may call, each the engine operation of the same name.
FUNCTIONS = ("exp", "log", "tanh", "relu", "sigmoid", "sqrt", "sin", "cos", "abs")

_BINARY: dict[type[ast.operator], Callable[[Value, Value], Value]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.Pow: operator.pow,
}

_OPERATOR_SYMBOLS = {
    ast.FloorDiv: "//",
    ast.Mod: "%",
    ast.MatMult: "@",
    ast.LShift: "<<",
    ast.RShift: ">>",
    ast.BitOr: "|",
    ast.BitXor: "^",
    ast.BitAnd: "&",
    ast.Not: "not",
    ast.Invert: "~",
}

# What to call a refused node in an error message (anything missing is named by its class).
_REFUSED = {
    ast.Attribute: "attribute access (.name)",
    ast.Subscript: "subscripts ([...])",
    ast.Lambda: "lambda",
    ast.Compare: "comparisons",
    ast.BoolOp: "'and' and 'or'",
    ast.IfExp: "conditional expressions (... if ... else ...)",
    ast.Tuple: "tuples",
    ast.List: "lists",
    ast.Dict: "dicts",
    ast.Set: "sets",
    ast.ListComp: "comprehensions",
    ast.SetComp: "comprehensions",
    ast.DictComp: "comprehensions",
    ast.GeneratorExp: "generator expressions",
    ast.JoinedStr: "f-strings",
    ast.NamedExpr: "assignments (:=)",
    ast.Starred: "unpacking (*)",
    ast.Await: "await",
    ast.Yield: "yield",
    ast.YieldFrom: "yield",
    ast.Slice: "slices",
}

#: Characters of the user's input repeated in a message, at most.
SHOWN_INPUT = 40

# The most digits Python converts to an int (sys.get_int_max_str_digits; 0 means no limit).
_PYTHON_DIGITS = getattr(sys, "get_int_max_str_digits", lambda: 0)() or 10**9

_ALLOWED = "numbers, names, + - * / **, parentheses and " + " ".join(FUNCTIONS)


class ExpressionError(ValueError):
    """An expression (or a NAME=VALUE) that cannot be built; the message is one line.

    ``column`` is the 1-based position of the problem in ``expression`` (None if it has none).
    """

    def __init__(self, message: str, expression: str = "", column: int | None = None) -> None:
        super().__init__(message)
        self.expression = expression
        self.column = column


class BuiltExpression(NamedTuple):
    """The output Value of an expression and the leaf Value of each of its names."""

    root: Value
    variables: dict[str, Value]


def build(expression: str, values: Mapping[str, float]) -> BuiltExpression:
    """Parse ``expression`` and build it from Values, each name a leaf holding ``values[name]``.

    A name used twice is one leaf with two edges (``x*x``), so its gradient adds up both uses.
    Leaves are labelled with their names, numbers with their text. Raises ExpressionError for
    anything that is not an allowed expression, for a name without a value and for a value
    whose name the expression does not use.
    """
    if not isinstance(expression, str):
        raise TypeError(f"an expression is a string, not {type(expression).__name__}")
    if not expression.strip():
        raise ExpressionError("the expression is empty", expression)
    expression = expression.strip()
    if "\n" in expression or "\r" in expression:
        raise ExpressionError("an expression is one line; this one has a line break", expression)
    try:
        tree = ast.parse(expression, mode="eval")
    except SyntaxError as error:
        huge = re.search(rf"\d{{{_PYTHON_DIGITS + 1},}}", expression)
        if huge:  # Python refuses to convert it and would advise sys.set_int_max_str_digits
            column = len(expression[: huge.start()]) + 1
            problem = f"the number {quoted(huge[0])} is too large"
            raise ExpressionError(f"at column {column}: {problem}", expression, column) from None
        if error.offset == 0:  # Python reports a missing operand at the end as offset 0
            message = f"syntax error: {error.msg} (incomplete at the end)"
            raise ExpressionError(message, expression) from None
        raise _error(f"syntax error: {error.msg}", expression, error.offset) from None
    except (RecursionError, MemoryError):
        raise ExpressionError(
            "the expression is too long or nested too deeply", expression
        ) from None
    builder = _Builder(expression, values)
    try:
        root = builder.build(tree.body)
    except RecursionError:
        raise ExpressionError(
            "the expression is too long or nested too deeply", expression
        ) from None
    unused = sorted(set(values) - set(builder.variables))
    if unused:
        name = unused[0]
        raise ExpressionError(
            f"{name} is given a value ({name}={values[name]:g}) but the expression does not use it",
            expression,
        )
    return BuiltExpression(root, builder.variables)


def parse_assignments(assignments: Iterable[str]) -> dict[str, float]:
    """``["x=2", "w=-3"]`` -> ``{"x": 2.0, "w": -3.0}``; anything else is an ExpressionError.

    Names are normalised as Python normalises the names of an expression (NFKC), so a full-width
    ``ｘ=2`` gives the ``x`` of ``"x*x"`` its value.
    """
    values: dict[str, float] = {}
    for text in assignments:
        name, equals, number = text.partition("=")
        name, number = unicodedata.normalize("NFKC", name.strip()), number.strip()
        if not equals:
            raise ExpressionError(f"values are given as NAME=VALUE, like x=2: got {quoted(text)}")
        if not name.isidentifier() or keyword.iskeyword(name):
            raise ExpressionError(
                f"{quoted(name)} is not a name (in {quoted(text)}); names look like x or w1"
            )
        if name in FUNCTIONS:
            raise ExpressionError(f"{name!r} is a function, so it cannot be given a value")
        if name in values:
            raise ExpressionError(f"{quoted(name)} is given a value twice")
        try:
            value = float(number)
        except ValueError:
            raise ExpressionError(f"{quoted(number)} is not a number (in {quoted(text)})") from None
        if not math.isfinite(value):
            raise ExpressionError(f"{quoted(name)} must be a finite number: got {quoted(number)}")
        values[name] = value
    return values


def quoted(text: str, limit: int = SHOWN_INPUT) -> str:
    """``text`` quoted for a message, cut to ``limit`` characters with its full length said."""
    if len(text) <= limit:
        return repr(text)
    return f"{text[: limit - 5]!r}... ({len(text):,} characters)"


def _is_literal(node: ast.expr) -> bool:
    """A number written in the expression: 2, or -2."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        node = node.operand
    return isinstance(node, ast.Constant)


class _Builder:
    """Walks a parsed expression, turning each allowed node into Values (and nothing else)."""

    def __init__(self, expression: str, values: Mapping[str, float]) -> None:
        self.expression = expression
        self.values = values
        self.variables: dict[str, Value] = {}

    def build(self, root: ast.expr) -> Value:
        """The Value of ``root``, built operands first. Iterative, not recursive: a sum of a
        thousand terms is a tree a thousand levels deep (``((x + x) + x) + ...``)."""
        built: list[Value] = []  # the Values of the operands built so far, in order
        pending: list[tuple[ast.expr, bool]] = [(root, False)]  # (node, its operands are built)
        while pending:
            node, operands_built = pending.pop()
            if operands_built:
                built.append(self._combine(node, built))
                continue
            leaf = self._leaf(node)
            if leaf is not None:
                built.append(leaf)
                continue
            pending.append((node, True))
            pending.extend((operand, False) for operand in reversed(self._operands(node)))
        return built[0]

    def _leaf(self, node: ast.expr) -> Value | None:
        """The Value of a number, a name or a negative number; None for any other node."""
        if isinstance(node, ast.Constant):
            return self._number(node, node.value, self._text(node))
        if isinstance(node, ast.Name):
            return self._variable(node)
        if (
            isinstance(node, ast.UnaryOp)
            and isinstance(node.op, ast.USub)
            and isinstance(node.operand, ast.Constant)
        ):  # -3 is the number -3, not neg(3)
            return self._number(node, node.operand.value, self._text(node), negate=True)
        return None

    def _operands(self, node: ast.expr) -> list[ast.expr]:
        """The operands of an allowed operation, left to right; anything else is refused."""
        if isinstance(node, ast.BinOp):
            if type(node.op) not in _BINARY:
                raise self._refuse(node, f"the operator {_symbol(node.op)} is not supported")
            return [node.left, node.right]
        if isinstance(node, ast.UnaryOp):
            if not isinstance(node.op, (ast.UAdd, ast.USub)):
                raise self._refuse(node, f"the operator {_symbol(node.op)} is not supported")
            return [node.operand]
        if isinstance(node, ast.Call):
            self._check_call(node)
            return [node.args[0]]
        what = _REFUSED.get(type(node), type(node).__name__)
        raise self._refuse(node, f"{what} not allowed (only {_ALLOWED})")

    def _combine(self, node: ast.expr, built: list[Value]) -> Value:
        """The Value of ``node`` from its operands' Values, taken off the end of ``built``."""
        if isinstance(node, ast.BinOp):
            right, left = built.pop(), built.pop()
            if isinstance(node.op, ast.Pow) and not right._prev and _is_literal(node.right):
                return left ** right.data  # x**2: the 2 is part of the operation
            return _BINARY[type(node.op)](left, right)
        operand = built.pop()
        if isinstance(node, ast.UnaryOp):
            return operand if isinstance(node.op, ast.UAdd) else -operand
        return OPERATIONS[node.func.id](operand)  # a call, checked by _check_call

    def _number(self, node: ast.AST, value: object, text: str, negate: bool = False) -> Value:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            kind = "strings" if isinstance(value, (str, bytes)) else repr(value)
            if isinstance(value, complex):
                kind = "complex numbers"
            raise self._refuse(node, f"{kind} not allowed (only real numbers)")
        try:
            number = float(value)
        except OverflowError:
            raise self._refuse(node, f"the number {quoted(text)} is too large") from None
        if not math.isfinite(number):
            raise self._refuse(node, f"the number {quoted(text)} is too large")
        return Value(-number if negate else number, label=text)

    def _variable(self, node: ast.Name) -> Value:
        if node.id not in self.variables:
            if node.id not in self.values:
                if node.id in FUNCTIONS:
                    problem = f"{node.id} is a function: call it, like {node.id}(x)"
                else:
                    given = ", ".join(sorted(self.values)) or "none"
                    problem = (
                        f"unknown name {quoted(node.id)}: give it a value, like {node.id[:40]}=1.0 "
                        f"(names with values: {given})"
                    )
                raise self._refuse(node, problem)
            self.variables[node.id] = Value(self.values[node.id], label=node.id)
        return self.variables[node.id]

    def _check_call(self, node: ast.Call) -> None:
        """Refuse a call that is not one of FUNCTIONS, by name, with one argument."""
        if not isinstance(node.func, ast.Name):
            raise self._refuse(
                node.func, f"only the functions {' '.join(FUNCTIONS)} can be called, by name"
            )
        name = node.func.id
        if name not in FUNCTIONS:
            raise self._refuse(
                node, f"unknown function {name!r} (functions: {' '.join(FUNCTIONS)})"
            )
        if node.keywords:
            raise self._refuse(node, f"{name}() takes no keyword arguments")
        if len(node.args) != 1 or isinstance(node.args[0], ast.Starred):
            raise self._refuse(node, f"{name}() takes exactly one argument")

    def _text(self, node: ast.AST) -> str:
        return ast.get_source_segment(self.expression, node) or ""

    def _refuse(self, node: ast.AST, problem: str) -> ExpressionError:
        column = _character_column(self.expression, node) if hasattr(node, "col_offset") else None
        return _error(problem, self.expression, column, self._text(node))


def _error(problem: str, expression: str, column: int | None, excerpt: str = "") -> ExpressionError:
    """One line: where, what, and the part of the expression at fault."""
    where = f"at column {column}: " if column else ""
    excerpt = excerpt.splitlines()[0] if excerpt else ""
    shown = quoted(excerpt)
    at = f" in {shown}" if excerpt and excerpt != expression and shown not in problem else ""
    return ExpressionError(f"{where}{problem}{at}", expression, column)


def _character_column(expression: str, node: ast.AST) -> int:
    """The 1-based character column of a node (the parser counts UTF-8 bytes, not characters)."""
    before = expression.encode("utf-8")[: node.col_offset]
    return len(before.decode("utf-8", errors="ignore")) + 1


def _symbol(op: ast.AST) -> str:
    return _OPERATOR_SYMBOLS.get(type(op), type(op).__name__)
