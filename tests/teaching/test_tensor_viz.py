"""draw_dot, explain_backward and gradcheck on Tensors: shapes, dtypes, broadcast sums, and a
wrong backward rule found and named."""

from __future__ import annotations

import numpy as np
import pytest

from minigrad import draw_dot, explain_backward, gradcheck, losses
from minigrad import tensor as mt
from minigrad.gradcheck import GradcheckError
from minigrad.tensor import Tensor


def small_layer():
    x = Tensor(np.random.default_rng(0).normal(size=(128, 3)), label="x")
    w = Tensor(np.random.default_rng(1).normal(size=(3, 4)), requires_grad=True, label="W")
    b = Tensor(np.zeros(4), requires_grad=True, dtype="float64", label="b")
    z = x @ w + b
    z.label = "z"
    loss = z.tanh().mean()
    loss.label = "loss"
    return loss, w, b


def test_explain_backward_says_where_broadcasting_made_backward_sum():
    loss, w, b = small_layer()
    lines = [str(step) for step in explain_backward(loss)]
    assert "b.grad (4,) += sum over axis 0 of (128, 4)" in "\n".join(lines)
    assert any(line.startswith("W.grad (3, 4) += xᵀ @ g") for line in lines)
    assert w.grad is None  # nothing changed


def test_explain_backward_names_the_other_operand_by_its_own_name():
    x = Tensor(np.ones((2, 3)), label="x")
    w = Tensor(np.full((2, 3), 2.0), requires_grad=True, label="w")
    b = Tensor(np.zeros(3), requires_grad=True, label="b")
    loss = (x * w + b).sum()
    lines = [str(step) for step in explain_backward(loss)]
    assert any(line.startswith("w.grad (2, 3) += g·x") for line in lines), lines
    assert not any("g·b" in line for line in lines)  # b is the bias here, not w's partner


def test_explained_contributions_add_up_to_the_gradients_of_backward():
    loss, w, b = small_layer()
    steps = explain_backward(loss)
    loss.backward()
    for leaf in (w, b):
        total = sum(s.contribution for s in steps if s.child_name == leaf.label)
        np.testing.assert_allclose(total, leaf.grad, rtol=1e-12)


def test_draw_dot_shows_name_shape_dtype_and_summaries():
    loss, w, b = small_layer()
    loss.backward()
    source = draw_dot(loss).source
    for text in ["W", "(3, 4) float64", "(4,) float64", "data ‖·‖", "grad [", "constant", "tanh"]:
        assert text in source, text


def test_draw_dot_shows_inner_gradients_that_backward_dropped():
    x = Tensor([[1.0, -2.0]], requires_grad=True, dtype="float64", label="x")
    h = (x * 3.0).tanh()
    h.label = "h"
    loss = (h * h).sum()
    before = draw_dot(loss).source
    loss.backward()
    assert h.grad is None  # only leaves keep a gradient, as in PyTorch
    expected = 2 * np.tanh([[3.0, -6.0]])  # ∂Σh²/∂h = 2h
    source = draw_dot(loss).source
    assert f"grad [{expected[0, 0]:.4g}, {expected[0, 1]:.4g}]" in source
    assert "grad none" in before and "grad none" not in source
    assert h.grad is None  # the drawing asked for it without keeping it


def test_gradcheck_passes_a_correct_tensor_function():
    w = np.random.default_rng(2).normal(size=(3, 2))
    assert gradcheck(lambda a, c: (a @ c).tanh().logsumexp(axis=0), [w, w.T.copy()])


def test_gradcheck_names_the_node_whose_backward_rule_is_wrong():
    mt.operation("half_square", lambda x: x * x, lambda g, out, x: g * x)  # should be 2·g·x
    try:
        with pytest.raises(GradcheckError, match=r"node half_square\d+ \(half_square"):
            gradcheck(lambda a: mt._apply(mt.OPERATIONS["half_square"], (a.exp(),), {}),
                      [np.array([0.5, -1.0])])  # fmt: skip
        assert not gradcheck(
            lambda a: mt._apply(mt.OPERATIONS["half_square"], (a,), {}),
            [np.array([0.5])],
            raise_exception=False,
        )
    finally:
        del mt.OPERATIONS["half_square"]


def test_gradcheck_looks_past_cross_entropy_to_the_wrong_node():
    mt.operation("half_square", lambda x: x * x, lambda g, out, x: g * x)  # should be 2·g·x
    try:
        with pytest.raises(GradcheckError, match=r"node half_square\d+ \(half_square") as error:
            gradcheck(lambda a: losses.cross_entropy(
                mt._apply(mt.OPERATIONS["half_square"], (a,), {}), [1, 0]),
                [np.array([[0.5, -1.0], [0.3, 0.2]])])  # fmt: skip
        assert "cross_entropy" not in str(error.value).split("disagree")[-1]
    finally:
        del mt.OPERATIONS["half_square"]
