"""The one table of operations that drives the engine's tests, and what they share.

Each row names an operation, how to apply it in MiniGrad and in PyTorch, how many inputs it
takes and where it is smooth. The PyTorch comparison (tests/test_engine_ops.py) feeds every row
hypothesis-generated inputs including IEEE edges; the finite-difference checks feed it points
inside its smooth domain; the random-graph test (tests/test_engine_graphs.py) builds expressions
from its rows; the higher-order test differentiates its rows two and three times.
"""

from __future__ import annotations

import math
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass

import torch
from hypothesis import settings
from hypothesis import strategies as st

from minigrad import Value

# Every comparison with PyTorch is done in float64, with the same rules:
REL_TOL = 1e-12  # a few roundings apart; far tighter than any wrong derivative
ABS_TOL = sys.float_info.min  # below the smallest normal float, precision is gone anyway

# Examples per property; MINIGRAD_EXAMPLES=5000 makes a long hunting run.
FAST = settings(max_examples=int(os.environ.get("MINIGRAD_EXAMPLES", "100")), deadline=None)


def same_float(mine: float, theirs: float, *, signed_zero: bool = True) -> bool:
    """True when two float64 results agree: both nan; the same infinity; the same sign; close.

    The sign counts, even of zeros and subnormals (1 / -0.0 is -inf), unless ``signed_zero`` is
    False, as in the gradient comparisons: a Value's grad starts at 0.0 and adds what it
    receives, where PyTorch's starts empty and takes its first contribution as it is; 0.0 + -0.0
    is 0.0, so a gradient that PyTorch reports as -0.0 is 0.0 here. Nothing in a backward pass
    divides by a gradient, so that sign changes no other number.
    """
    if math.isnan(mine) or math.isnan(theirs):
        return math.isnan(mine) and math.isnan(theirs)
    if math.isinf(mine) or math.isinf(theirs):
        return mine == theirs
    if math.copysign(1.0, mine) != math.copysign(1.0, theirs):
        tiny = abs(mine) <= ABS_TOL and abs(theirs) <= ABS_TOL
        if signed_zero or not tiny:
            return False
    return math.isclose(mine, theirs, rel_tol=REL_TOL, abs_tol=ABS_TOL)


def to_torch(x: float) -> torch.Tensor:
    """A float64 leaf tensor that records gradients: PyTorch's version of ``Value(x)``."""
    return torch.tensor(x, dtype=torch.float64, requires_grad=True)


def as_tensor(x: torch.Tensor | float) -> torch.Tensor:
    """x itself if it is a tensor, else a float64 constant tensor (records no gradient)."""
    return x if isinstance(x, torch.Tensor) else torch.tensor(float(x), dtype=torch.float64)


def torch_div(a: torch.Tensor | float, b: torch.Tensor | float) -> torch.Tensor:
    """a / b in PyTorch, with a number operand made a float64 tensor first.

    PyTorch computes ``number / tensor`` as ``tensor.reciprocal() * number``, whose gradient
    differs from that of a division where the reciprocal overflows (at ``0 / 1e-300`` it is nan,
    not -0). MiniGrad divides, so it is compared with ``torch.div`` of tensors.
    """
    return torch.div(as_tensor(a), as_tensor(b))


def torch_pow(x: torch.Tensor | float, y: torch.Tensor | float) -> torch.Tensor:
    """x ** y in PyTorch, with a number operand made a float64 tensor first.

    MiniGrad has one power, C's ``pow``. PyTorch's ``tensor ** number`` takes shortcuts for some
    exponents (``sqrt`` for 0.5, ``rsqrt`` for -0.5) that disagree with its own ``torch.pow`` of
    two tensors at -0.0 and -inf (``t ** 0.5`` is -0.0 at -0.0, nan at -inf). MiniGrad is
    compared with ``torch.pow`` of tensors; tests/test_engine_ops.py shows the shortcut's
    difference once, by name.
    """
    return torch.pow(as_tensor(x), as_tensor(y))


# Points, as hypothesis strategies.

EDGES = [
    0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 2.0, -2.0, 3.0, -3.0,
    1000.0, -1000.0, 710.0, -710.0, 745.0, -745.0,
    1e300, -1e300, 1e-300, -1e-300, 1e-310, -1e-310, 5e-324, -5e-324,
    sys.float_info.max, -sys.float_info.max, sys.float_info.min, -sys.float_info.min,
    math.inf, -math.inf, math.nan,
]  # fmt: skip

# Any float64, with the IEEE edges above drawn often.
any_float = st.one_of(
    st.sampled_from(EDGES),
    st.floats(allow_nan=True, allow_infinity=True, allow_subnormal=True),
    st.floats(-10.0, 10.0),
)

# A number written in an expression: an int or a float.
any_number = st.one_of(any_float, st.integers(-5, 5))


def between(low: float, high: float) -> st.SearchStrategy[float]:
    """Points of [low, high]."""
    return st.floats(low, high)


def away_from_zero(low: float, high: float) -> st.SearchStrategy[float]:
    """Points of [-high, -low] ∪ [low, high]: clear of a kink or a pole at 0."""
    return st.builds(lambda x, negative: -x if negative else x, st.floats(low, high), st.booleans())


@dataclass(frozen=True, repr=False)
class Op:
    """One row of the table.

    ``smooth`` gives, per input, points where the operation is smooth enough for finite
    differences with a step of 1e-6 to agree with the exact derivative to gradcheck's tolerance.
    """

    name: str
    minigrad: Callable[..., Value]
    torch: Callable[..., torch.Tensor]
    arity: int
    smooth: tuple[st.SearchStrategy[float], ...]

    def __repr__(self) -> str:
        return self.name


REAL = between(-10.0, 10.0)
POSITIVE = between(0.1, 100.0)
NONZERO = away_from_zero(0.01, 10.0)  # |x| >= 0.01: a kink at 0 is 10,000 steps away

# fmt: off
OPS = [
    #  name       MiniGrad               PyTorch            arity smooth domain, per input
    Op("add",     lambda a, b: a + b,    lambda a, b: a + b, 2, (REAL, REAL)),
    Op("sub",     lambda a, b: a - b,    lambda a, b: a - b, 2, (REAL, REAL)),
    Op("mul",     lambda a, b: a * b,    lambda a, b: a * b, 2, (REAL, REAL)),
    Op("div",     lambda a, b: a / b,    torch_div,          2, (REAL, away_from_zero(0.5, 10))),
    Op("pow",     lambda x, y: x**y,     torch_pow,          2, (between(0.5, 3), between(-3, 3))),
    Op("neg",     lambda x: -x,          lambda x: -x,       1, (REAL,)),
    Op("abs",     lambda x: abs(x),      torch.abs,          1, (NONZERO,)),
    Op("exp",     lambda x: x.exp(),     torch.exp,          1, (between(-5, 5),)),
    Op("log",     lambda x: x.log(),     torch.log,          1, (POSITIVE,)),
    Op("tanh",    lambda x: x.tanh(),    torch.tanh,         1, (between(-5, 5),)),
    Op("relu",    lambda x: x.relu(),    torch.relu,         1, (NONZERO,)),
    Op("sigmoid", lambda x: x.sigmoid(), torch.sigmoid,      1, (REAL,)),
    Op("sqrt",    lambda x: x.sqrt(),    torch.sqrt,         1, (POSITIVE,)),
    Op("sin",     lambda x: x.sin(),     torch.sin,          1, (REAL,)),
    Op("cos",     lambda x: x.cos(),     torch.cos,          1, (REAL,)),
]
# fmt: on

UNARY = [op for op in OPS if op.arity == 1]
BINARY = [op for op in OPS if op.arity == 2]
OP_NAMED = {op.name: op for op in OPS}

# tanh' and sigmoid' are computed from the output, 1 - y² and (1 - y)·y, in PyTorch as in
# MiniGrad. Near saturation that is ill-conditioned in y: where the C library's tanh and
# PyTorch's differ in the last bit (about one point in 300), the two derivatives differ by 4e-12
# relative at x = 5.6 and 1e-8 at x = 10, both right for their own y. There, MiniGrad's gradient
# is compared with PyTorch's own rule applied at MiniGrad's output.
RULES_FROM_OUTPUT = {
    "tanh": torch.ops.aten.tanh_backward,
    "sigmoid": torch.ops.aten.sigmoid_backward,
}


class _AtOutput(torch.autograd.Function):
    """y = the given output, with the given PyTorch backward rule evaluated at it."""

    @staticmethod
    def forward(ctx, x, output, rule):
        ctx.save_for_backward(output)
        ctx.rule = rule
        return output.clone()

    @staticmethod
    def backward(ctx, g):
        (output,) = ctx.saved_tensors
        return ctx.rule(g, output), None, None


def torch_at_output(op: Op, x: torch.Tensor, output: float) -> torch.Tensor:
    """PyTorch's ``op`` of x, made to output ``output``, its derivative taken from there."""
    output_tensor = torch.tensor(output, dtype=torch.float64)
    return _AtOutput.apply(x, output_tensor, RULES_FROM_OUTPUT[op.name])


# Which inputs of a row are Values (leaves of the graph) and which are plain numbers written in
# the expression: every binary row is also tested as Value ∘ number and number ∘ Value.
OPERAND_KINDS = {1: [(True,)], 2: [(True, True), (True, False), (False, True)]}


def minigrad_result(
    op: Op, args: tuple[float, ...], is_value: tuple[bool, ...]
) -> tuple[float, list[float]]:
    """op's value and the gradient of each Value input, computed by MiniGrad."""
    leaves = [Value(x) if v else x for x, v in zip(args, is_value)]
    out = op.minigrad(*leaves)
    out.backward()
    return out.data, [leaf.grad for leaf in leaves if isinstance(leaf, Value)]


def torch_result(
    op: Op, args: tuple[float, ...], is_value: tuple[bool, ...]
) -> tuple[float, list[float]]:
    """op's value and the gradient of each tensor input, computed by PyTorch in float64."""
    leaves = [to_torch(float(x)) if v else x for x, v in zip(args, is_value)]
    out = op.torch(*leaves)
    out.backward()
    return out.item(), [leaf.grad.item() for leaf in leaves if isinstance(leaf, torch.Tensor)]


def torch_grad_at_output(op: Op, x: float, output: float) -> float:
    """PyTorch's derivative of a RULES_FROM_OUTPUT ``op`` at x, computed from ``output``."""
    leaf = to_torch(x)
    torch_at_output(op, leaf, output).backward()
    return leaf.grad.item()
