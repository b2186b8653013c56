"""Every Tensor operation against PyTorch in float64 (value and gradient), on three array
backends, and against finite differences; all driven by tests/tensor_optable.py."""

from __future__ import annotations

import array_api_strict
import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from minigrad import tensor as mt
from tests.optable import FAST
from tests.tensor_optable import ROWS, Row

BACKENDS = {
    "numpy": lambda a: a,
    "array-api-strict": array_api_strict.asarray,
    "torch": lambda a: torch.from_numpy(np.asarray(a)),
}


KINKS = (0.0, -1.0, 0.5)  # where abs, relu and where bend (0) and clip's ends (-1, 0.5)
APART = 1e-3  # a thousand finite-difference steps: a central difference never straddles a kink


def draw_inputs(row: Row, shapes, seed: int) -> list[np.ndarray]:
    """float64 inputs of the row's shapes in [low, high]; for the rows that ask, spread apart: no
    value within APART of a kink or of another value (of its array or, broadcast, of the other
    input), so max, min and maximum have no ties. A draw that comes too close, which happens
    about once in a thousand, is drawn again from the same generator."""
    rng = np.random.default_rng(seed)
    while True:
        arrays = [_draw(row, shape, rng) for shape in shapes]
        if row.distinct and len(arrays) == 2:  # two inputs never tie either
            arrays[1] = np.asarray(arrays[1] + 0.0071)
        if not row.distinct or _apart(arrays):
            return arrays


def _draw(row: Row, shape, rng: np.random.Generator) -> np.ndarray:
    if not row.distinct:
        return np.asarray(rng.uniform(row.low, row.high, size=shape))  # 0-d: an array still
    n = int(np.prod(shape))
    values = (rng.permutation(n) - n / 2 + 0.3) / max(n, 1) * 3.0 + 0.0137
    return np.asarray(values.reshape(shape) + rng.uniform(-0.01, 0.01, size=shape))


def _apart(arrays: list[np.ndarray]) -> bool:
    every = np.concatenate([a.reshape(-1) for a in arrays])
    if any(np.min(np.abs(every - kink)) < APART for kink in KINKS):
        return False
    if any(a.size > 1 and np.min(np.diff(np.sort(a.reshape(-1)))) < APART for a in arrays):
        return False
    return len(arrays) < 2 or bool(np.min(np.abs(np.subtract(*arrays)), initial=1.0) >= APART)


def assert_close(mine, theirs, what: str) -> None:
    np.testing.assert_allclose(np.asarray(mine), theirs, rtol=1e-10, atol=1e-12, err_msg=what)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("row", ROWS, ids=[row.name for row in ROWS])
@FAST
@given(data=st.data())
def test_operation_matches_pytorch_value_and_gradient(row, backend, data):
    if row.sets_at_arrays and backend == "array-api-strict":
        pytest.skip("the array API standard has no assignment at integer arrays")
    shapes = data.draw(row.shapes, label="shapes")
    inputs = draw_inputs(row, shapes, data.draw(st.integers(0, 2**32 - 1), label="seed"))
    mine = [mt.Tensor(BACKENDS[backend](a), requires_grad=True) for a in inputs]
    theirs = [torch.tensor(a, requires_grad=True) for a in inputs]
    out, expected = row.mine(*mine), row.theirs(*theirs)
    assert out.shape == tuple(expected.shape)
    assert_close(out.numpy(), expected.detach().numpy(), f"{row.name}: value")
    upstream = np.random.default_rng(1).uniform(-1, 1, size=out.shape)
    out.backward(BACKENDS[backend](upstream))
    expected.backward(torch.tensor(upstream))
    for i, (x, t) in enumerate(zip(mine, theirs)):
        assert type(x.grad) is type(x.data)  # the gradient stays in the backend's own arrays
        assert_close(mt.Tensor(x.grad).numpy(), t.grad.numpy(), f"{row.name}: grad of input {i}")


def finite_difference(row: Row, inputs: list[np.ndarray], upstream, i: int, h: float = 1e-6):
    """∂(Σ upstream·f)/∂inputs[i] by central differences, one element at a time."""

    def f(arrays):
        return float(np.sum(upstream * row.mine(*[mt.Tensor(a) for a in arrays]).numpy()))

    grad = np.zeros_like(inputs[i])
    for position in np.ndindex(inputs[i].shape):
        plus = [a.copy() for a in inputs]
        minus = [a.copy() for a in inputs]
        plus[i][position] += h
        minus[i][position] -= h
        grad[position] = (f(plus) - f(minus)) / (2 * h)
    return grad


@pytest.mark.parametrize("row", ROWS, ids=[row.name for row in ROWS])
@FAST
@given(data=st.data())
def test_gradient_matches_finite_differences(row, data):
    shapes = data.draw(row.shapes, label="shapes")
    inputs = draw_inputs(row, shapes, data.draw(st.integers(0, 2**32 - 1), label="seed"))
    mine = [mt.Tensor(a, requires_grad=True) for a in inputs]
    out = row.mine(*mine)
    upstream = np.random.default_rng(2).uniform(-1, 1, size=out.shape)
    out.backward(upstream)
    for i, x in enumerate(mine):
        expected = finite_difference(row, inputs, upstream, i)
        np.testing.assert_allclose(x.grad, expected, rtol=1e-6, atol=1e-7, err_msg=row.name)


def test_every_operation_of_the_engine_is_in_the_table():
    # the operations whose rows carry another name; broadcast_to and index_add are the backward
    # rules of sum and of indexing, so their rows test them (and create_graph differentiates them)
    row_of = {"+": "add", "-": "sub", "*": "mul", "/": "div", "**": "pow", "@": "matmul",
              "[]": "slice", "index_add": "int arrays", "broadcast_to": "sum",
              "index_put": "item assignment"}  # fmt: skip
    names = {row.name for row in ROWS}
    for name in mt.OPERATIONS.own:  # not the operations other tests define
        assert row_of.get(name, name) in names, name


ONE, TWO = ((2, 3),), ((2, 3), (3,))
SECOND_ORDER = {"mul": TWO, "div": TWO, "pow": TWO, "where": TWO, "tanh": ONE, "sigmoid": ONE,
                "sqrt": ONE, "mean": ONE, "max": ONE, "logsumexp": ONE, "softmax": ONE,
                "log_softmax": ONE, "matmul": ((2, 3), (3, 2)), "int arrays": ((3, 4),),
                "concatenate": ((2, 3), (2, 1)), "cross_entropy": ((4, 3),)}  # fmt: skip


@pytest.mark.parametrize("name", SECOND_ORDER)
def test_second_derivative_matches_pytorch(name):
    """grad(..., create_graph=True) differentiates the backward rules themselves."""
    (row,) = [row for row in ROWS if row.name == name]
    inputs = draw_inputs(row, SECOND_ORDER[name], 7)
    mine = [mt.Tensor(a, requires_grad=True) for a in inputs]
    theirs = [torch.tensor(a, requires_grad=True) for a in inputs]
    weights = np.random.default_rng(3).uniform(-1, 1, size=row.theirs(*theirs).shape)
    first = mt.grad((row.mine(*mine) * weights).sum(), mine, create_graph=True)
    expected_first = torch.autograd.grad(
        (row.theirs(*theirs) * torch.tensor(weights)).sum(), theirs, create_graph=True
    )
    for g, e in zip(first, expected_first):
        assert_close(g.numpy(), e.detach().numpy(), f"{row.name}: first derivative")
    # the derivative of Σ (first derivative)², which goes through every backward rule
    mixed = sum([(g * g).sum() for g in first[1:]], (first[0] * first[0]).sum())
    expected_mixed = sum([(e * e).sum() for e in expected_first])
    if not mixed.requires_grad:  # f is linear in its inputs: its first derivative is constant
        assert not expected_mixed.requires_grad
        return
    second = mt.grad(mixed, mine)
    expected_second = torch.autograd.grad(expected_mixed, theirs, allow_unused=True)
    for g, e in zip(second, expected_second):
        assert_close(g, np.zeros_like(g) if e is None else e.numpy(), f"{row.name}: second")
