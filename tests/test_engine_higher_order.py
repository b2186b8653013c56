"""minigrad.grad: gradients without touching .grad, and derivatives of derivatives."""

from __future__ import annotations

import math

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from minigrad import Value, grad, no_grad
from tests.optable import FAST, REL_TOL, UNARY, Op, between, same_float, to_torch


def test_grad_leaves_every_grad_untouched():
    a, b = Value(1.5), Value(-0.5)
    c = a * b
    out = (c + a).tanh() * b
    nodes = [a, b, c, out, out._prev[0], out._prev[0]._prev[0]]  # each node once
    for i, node in enumerate(nodes):
        node.grad = 100.0 + i
    for create_graph in (False, True):
        grad(out, [a, b], create_graph=create_graph)
        assert [node.grad for node in nodes] == [100.0 + i for i in range(len(nodes))]


def test_grad_equals_what_backward_accumulates():
    a, b = Value(1.5), Value(-0.5)
    out = (a * b + a).tanh() * b + b.exp()
    ga, gb = grad(out, [a, b])
    out.backward()
    assert (ga, gb) == (a.grad, b.grad)


def test_grad_of_an_input_the_output_does_not_depend_on_is_zero():
    x, unused = Value(2.0), Value(3.0)
    y = x * x
    assert grad(y, [x, unused]) == (4.0, 0.0)
    first, second = grad(y, [x, unused], create_graph=True)
    assert isinstance(second, Value) and second.data == 0.0 and second._prev == ()
    assert first.data == 4.0


def test_grad_with_respect_to_an_inner_node_matches_torch():
    x = Value(0.3)
    inner = x.sin()
    y = inner * inner.exp()
    t = to_torch(0.3)
    t_inner = t.sin()
    (t_grad,) = torch.autograd.grad(t_inner * t_inner.exp(), t_inner)
    assert same_float(grad(y, inner)[0], t_grad.item())


def test_create_graph_records_even_inside_no_grad():
    x = Value(1.5)
    y = x * x * x
    with no_grad():
        (dy,) = grad(y, x, create_graph=True)
    assert dy._prev and grad(dy, x) == (9.0,)


def test_grad_takes_one_value_or_a_sequence():
    x = Value(2.0)
    assert grad(x * x * x, x) == grad(x * x * x, [x]) == (12.0,)


def test_grad_refuses_what_is_not_a_value():
    x = Value(2.0)
    with pytest.raises(TypeError, match="differentiates a Value, not float"):
        grad(2.0, [x])
    with pytest.raises(TypeError, match="with respect to Values, not int"):
        grad(x * x, [x, 3])


def test_create_graph_gives_values_that_can_be_differentiated_again():
    x = Value(0.7)
    (dy,) = grad(x.sin() * x, x, create_graph=True)
    assert isinstance(dy, Value) and dy._prev
    (d2y,) = grad(dy, x)
    assert isinstance(d2y, float)
    t = to_torch(0.7)
    (tdy,) = torch.autograd.grad(t.sin() * t, t, create_graph=True)
    (td2y,) = torch.autograd.grad(tdy, t)
    assert same_float(dy.data, tdy.item()) and same_float(d2y, td2y.item())


# Derivatives of order 1, 2 and 3, in MiniGrad and in PyTorch.


def minigrad_derivatives(f, point: list[float], order: int = 3) -> list[list[float]]:
    """Every partial derivative of f at point, up to ``order``, order by order."""
    xs = [Value(x) for x in point]
    layer = [f(*xs)]
    found = []
    for n in range(order):
        last = n == order - 1
        layer = [d for y in layer for d in grad(y, xs, create_graph=not last)]
        found.append([d.data if isinstance(d, Value) else d for d in layer])
    return found


def torch_derivatives(f, point: list[float], order: int = 3) -> list[list[float]]:
    xs = [to_torch(x) for x in point]
    layer = [f(*xs)]
    found = []
    for _ in range(order):
        next_layer = []
        for y in layer:
            if not y.requires_grad:  # y is a constant (the derivative of relu, say)
                next_layer += [torch.zeros((), dtype=torch.float64)] * len(xs)
                continue
            ds = torch.autograd.grad(y, xs, create_graph=True, allow_unused=True)
            next_layer += [torch.zeros((), dtype=torch.float64) if d is None else d for d in ds]
        layer = next_layer
        found.append([d.item() for d in layer])
    return found


def close_at_scale(mine: float, theirs: float, scale: float) -> bool:
    """Like same_float, but the error allowed is relative to ``scale``, not just to the result.

    Derivatives of order 2 and 3 are sums of products, which PyTorch (hand-written
    double-backward formulas) and MiniGrad (its backward rules, differentiated) arrange
    differently, so they round differently; where such a sum cancels, as in sigmoid'' =
    σ'·(1 - 2σ) near x = 0, the last-bit differences of its terms (and those between the C
    library's e^x and PyTorch's) remain, and are large relative to the small result: 4e-10 at
    x = -3e-7, and more the closer x gets to 0; likewise 1 - y² in tanh'' = -2y(1 - y²) near
    saturation. They stay tiny next to the terms of the sum, whose size the function and its
    derivatives give; a wrong rule is wrong at that size.
    """
    if not (math.isfinite(mine) and math.isfinite(theirs)):
        return same_float(mine, theirs, signed_zero=False)
    return abs(mine - theirs) <= REL_TOL * max(abs(mine), abs(theirs), scale)


def assert_derivatives_match(f, minigrad_f, point: list[float], label: str) -> None:
    mine = minigrad_derivatives(minigrad_f, point)
    theirs = torch_derivatives(f, point)
    value = f(*[to_torch(x) for x in point]).item()
    finite = [abs(d) for layer in [[value], *theirs] for d in layer if math.isfinite(d)]
    scale = max(finite, default=0.0)
    for order, (m, t) in enumerate(zip(mine, theirs), start=1):
        for i, (a, b) in enumerate(zip(m, t)):
            assert close_at_scale(a, b, scale), (
                f"{label} at {point}: derivative of order {order}, #{i}: {a!r}, PyTorch {b!r}"
            )


@pytest.mark.parametrize("op", UNARY, ids=str)
@FAST
@given(data=st.data())
def test_second_and_third_derivatives_of_every_unary_op_match_torch(op: Op, data):
    assert_derivatives_match(op.torch, op.minigrad, [data.draw(op.smooth[0])], op.name)


BINARY_COMPOSITIONS = [
    ("x * y", lambda x, y: x * y),
    ("x / y", lambda x, y: x / y),
    ("x ** y", lambda x, y: x**y),
    ("sin(x * y)", lambda x, y: (x * y).sin()),
    ("exp(x) / y", lambda x, y: x.exp() / y),
    ("tanh(x - y) * x", lambda x, y: (x - y).tanh() * x),
    ("sqrt(x*x + y*y)", lambda x, y: (x * x + y * y).sqrt()),
    ("sigmoid(x * y) + log(x)", lambda x, y: (x * y).sigmoid() + x.log()),
    ("cos(x) ** 2 + x ** 3 / y", lambda x, y: x.cos() ** 2 + x**3 / y),
    ("relu(x - y) * abs(y)", lambda x, y: (x - y).relu() * abs(y)),
]


@pytest.mark.parametrize(
    ("label", "f"), BINARY_COMPOSITIONS, ids=[c[0] for c in BINARY_COMPOSITIONS]
)
@FAST
@given(x=between(0.5, 3.0), y=between(0.5, 3.0))
def test_second_and_third_partial_derivatives_of_compositions_match_torch(label, f, x, y):
    assert_derivatives_match(f, f, [x, y], label)
