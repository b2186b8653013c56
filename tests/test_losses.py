"""Losses against torch.nn.functional (float64): values and gradients, both reductions, extremes."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F  # noqa: N812 (PyTorch's own spelling)
from hypothesis import given, settings
from hypothesis import strategies as st

from minigrad import Value, grad, gradcheck
from minigrad.losses import (
    binary_cross_entropy_with_logits,
    cross_entropy,
    hinge_loss,
    logsumexp,
    mse_loss,
    softplus,
)

REDUCTIONS = ["mean", "sum"]
TOL = {"rel": 1e-12, "abs": 1e-12}


def t(values):
    return torch.tensor(values, dtype=torch.float64, requires_grad=True)


def values(numbers):
    return [Value(x) for x in numbers]


def assert_matches(loss, inputs, torch_loss, torch_inputs):
    """The loss and the gradient of every input agree with PyTorch's."""
    loss.backward()
    torch_loss.backward()
    assert loss.data == pytest.approx(torch_loss.item(), **TOL)
    for ours, theirs in zip(inputs, torch_inputs):
        assert [v.grad for v in ours] == pytest.approx(theirs.grad.flatten().tolist(), **TOL)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_mse_loss_matches_torch(reduction):
    preds, targets = [0.5, -1.25, 3.0, 0.0], [1.0, -1.0, 2.5, 0.25]
    p, y = values(preds), values(targets)
    tp, ty = t(preds), t(targets)
    assert_matches(
        mse_loss(p, y, reduction=reduction),
        [p, y],
        F.mse_loss(tp, ty, reduction=reduction),
        [tp, ty],
    )


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_mse_loss_of_several_outputs_per_sample_matches_torch(reduction):
    preds, targets = [[0.5, 1.0], [-2.0, 0.25], [3.0, 3.5]], [[0.0, 1.0], [1.0, 0.0], [2.0, 2.0]]
    p = [values(row) for row in preds]
    tp = t(preds)
    loss = mse_loss(p, targets, reduction=reduction)
    loss.backward()
    expected = F.mse_loss(tp, torch.tensor(targets, dtype=torch.float64), reduction=reduction)
    expected.backward()
    assert loss.data == pytest.approx(expected.item(), **TOL)
    assert [v.grad for row in p for v in row] == pytest.approx(tp.grad.flatten().tolist(), **TOL)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_hinge_loss_matches_relu_of_one_minus_margin_in_torch(reduction):
    scores, labels = [0.5, -2.0, 1.5, -0.25, 1.0], [1.0, -1.0, -1.0, 1.0, 1.0]
    s = values(scores)
    ts = t(scores)
    terms = torch.relu(1 - torch.tensor(labels, dtype=torch.float64) * ts)
    expected = terms.mean() if reduction == "mean" else terms.sum()
    assert_matches(hinge_loss(s, labels, reduction=reduction), [s], expected, [ts])


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize(
    "logits",
    [[0.3, -1.2, 2.5, 0.0], [500.0, -500.0, 500.0, -500.0], [1e308, -1e308, 40.0, -40.0]],
)
def test_binary_cross_entropy_with_logits_matches_torch(logits, reduction):
    targets = [1.0, 0.0, 0.0, 1.0]
    x, y = values(logits), values(targets)
    tx, ty = t(logits), t(targets)
    loss = binary_cross_entropy_with_logits(x, y, reduction=reduction)
    assert math.isfinite(loss.data)
    assert_matches(
        loss,
        [x, y],
        F.binary_cross_entropy_with_logits(tx, ty, reduction=reduction),
        [tx, ty],
    )


def test_binary_cross_entropy_of_extreme_logits_is_exact():
    assert binary_cross_entropy_with_logits([500.0], [1.0]).data == 0.0
    assert binary_cross_entropy_with_logits([-500.0], [1.0]).data == 500.0
    assert binary_cross_entropy_with_logits([500.0], [0.0]).data == 500.0


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize(
    "logits, classes",
    [
        ([[0.2, -1.0, 3.0], [1.5, 1.5, -0.5]], [2, 0]),
        ([[500.0, -500.0, 0.0], [-500.0, -500.0, 500.0], [500.0, 500.0, -500.0]], [1, 2, 0]),
        ([[1000.0, -1000.0], [-1000.0, 1000.0]], [0, 0]),
        ([[0.7]], [0]),
    ],
)
def test_cross_entropy_matches_torch(logits, classes, reduction):
    z = [values(row) for row in logits]
    tz = t(logits)
    loss = cross_entropy(z, classes, reduction=reduction)
    assert math.isfinite(loss.data)
    expected = F.cross_entropy(tz, torch.tensor(classes), reduction=reduction)
    loss.backward()
    expected.backward()
    assert loss.data == pytest.approx(expected.item(), **TOL)
    assert [v.grad for row in z for v in row] == pytest.approx(tz.grad.flatten().tolist(), **TOL)


def test_cross_entropy_of_one_sample_takes_a_flat_list_and_an_index():
    z = values([0.1, 0.2, 0.3])
    expected = F.cross_entropy(torch.tensor([0.1, 0.2, 0.3], dtype=torch.float64), torch.tensor(1))
    assert cross_entropy(z, 1).data == pytest.approx(expected.item(), **TOL)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.lists(st.floats(-600, 600, allow_nan=False), min_size=3, max_size=3),
        min_size=1,
        max_size=4,
    ),
    st.data(),
)
def test_cross_entropy_matches_torch_for_any_logits(logits, data):
    classes = data.draw(st.lists(st.integers(0, 2), min_size=len(logits), max_size=len(logits)))
    z = [values(row) for row in logits]
    tz = t(logits)
    loss = cross_entropy(z, classes)
    expected = F.cross_entropy(tz, torch.tensor(classes))
    loss.backward()
    expected.backward()
    assert loss.data == pytest.approx(expected.item(), rel=1e-12, abs=1e-9)
    assert [v.grad for row in z for v in row] == pytest.approx(
        tz.grad.flatten().tolist(), abs=1e-12
    )


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.floats(-800, 800, allow_nan=False), min_size=1, max_size=5),
    st.data(),
)
def test_binary_cross_entropy_matches_torch_for_any_logits(logits, data):
    targets = data.draw(st.lists(st.floats(0, 1), min_size=len(logits), max_size=len(logits)))
    x = values(logits)
    tx = t(logits)
    loss = binary_cross_entropy_with_logits(x, targets)
    expected = F.binary_cross_entropy_with_logits(tx, torch.tensor(targets, dtype=torch.float64))
    loss.backward()
    expected.backward()
    assert loss.data == pytest.approx(expected.item(), rel=1e-12, abs=1e-9)
    assert [v.grad for v in x] == pytest.approx(tx.grad.tolist(), rel=1e-12, abs=1e-12)


# --------------------------------------------------------------------------------------------
# The stable primitives
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("x", [-800.0, -30.0, -1.0, 0.0, 0.5, 30.0, 800.0])
def test_softplus_matches_torch_in_value_and_first_and_second_derivative(x):
    v = Value(x)
    tv = t(x)
    (d1,) = grad(softplus(v), [v], create_graph=True)
    (d2,) = grad(d1, [v])
    expected = F.softplus(tv)
    (t1,) = torch.autograd.grad(expected, tv, create_graph=True)
    (t2,) = torch.autograd.grad(t1, tv)
    assert softplus(x).data == pytest.approx(expected.item(), **TOL)
    assert d1.data == pytest.approx(t1.item(), **TOL)
    assert d2 == pytest.approx(t2.item(), **TOL)


def test_logsumexp_matches_torch_in_value_and_first_and_second_derivative():
    numbers = [0.5, -2.0, 700.0, 699.0]
    z = values(numbers)
    tz = t(numbers)
    out = logsumexp(z)
    first = grad(out, z, create_graph=True)
    second = grad(first[2], z)
    expected = torch.logsumexp(tz, 0)
    (t_first,) = torch.autograd.grad(expected, tz, create_graph=True)
    (t_second,) = torch.autograd.grad(t_first[2], tz)
    assert out.data == pytest.approx(expected.item(), **TOL)
    assert [g.data for g in first] == pytest.approx(t_first.tolist(), **TOL)
    assert list(second) == pytest.approx(t_second.tolist(), **TOL)


def test_logsumexp_handles_infinities_and_nan_as_torch():
    for numbers in ([-math.inf, -math.inf], [math.inf, 1.0], [math.nan, 1.0], [-math.inf, 2.0]):
        expected = torch.logsumexp(torch.tensor(numbers, dtype=torch.float64), 0).item()
        ours = logsumexp(numbers).data
        assert ours == expected or (math.isnan(ours) and math.isnan(expected))


def test_the_stable_primitives_pass_gradcheck():
    assert gradcheck(lambda x: softplus(x * 3.0), [0.4])
    assert gradcheck(lambda a, b, c: logsumexp([a, b * 2.0, c]), [0.1, -0.3, 1.2])
    assert gradcheck(
        lambda a, b, c, d: cross_entropy([[a, b], [c, d]], [1, 0]) * 2.0, [0.1, -0.5, 2.0, 0.3]
    )


def test_logsumexp_of_nothing_is_an_error():
    with pytest.raises(ValueError, match="logsumexp of no numbers"):
        logsumexp([])


# --------------------------------------------------------------------------------------------
# Inputs: numbers as well as Values, and clear errors
# --------------------------------------------------------------------------------------------


def test_losses_accept_plain_numbers_and_return_a_value():
    for loss in (
        mse_loss([1.0, 2.0], [0.0, 0.0]),
        hinge_loss([0.5], [1]),
        binary_cross_entropy_with_logits(0.3, 1.0),
        cross_entropy([[1.0, 2.0]], [1]),
    ):
        assert isinstance(loss, Value)
    assert mse_loss([1.0, 2.0], [0.0, 0.0]).data == 2.5
    assert mse_loss(3.0, 1.0).data == 4.0


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: mse_loss([1.0, 2.0], [1.0]), ValueError, "2 predictions but 1 targets"),
        (lambda: mse_loss([], []), ValueError, "no predictions"),
        (lambda: mse_loss([1.0], 1.0), ValueError, "differ in shape"),
        (lambda: mse_loss(["a"], [1.0]), TypeError, "must be a number or a Value"),
        (lambda: mse_loss([1.0], [1.0], reduction="none"), ValueError, "reduction must be"),
        (lambda: hinge_loss([1.0, 2.0], [1.0]), ValueError, "2 scores but 1 labels"),
        (lambda: cross_entropy([[1.0, 2.0]], [2]), ValueError, "classes are 0..1"),
        (lambda: cross_entropy([[1.0, 2.0]], [-1]), ValueError, "is not a class"),
        (lambda: cross_entropy([[1.0, 2.0]], [1.0]), TypeError, "class index"),
        (lambda: cross_entropy([[1.0, 2.0], [1.0]], [0, 0]), ValueError, "sample 1 has 1"),
        (lambda: cross_entropy([[1.0, 2.0]], [0, 1]), ValueError, "1 samples of logits but 2"),
        (lambda: cross_entropy([], []), ValueError, "no samples"),
        (lambda: cross_entropy([[]], [0]), ValueError, "at least one class score"),
        (lambda: cross_entropy([[1.0]], [0], reduction="avg"), ValueError, "reduction must be"),
    ],
)
def test_bad_loss_inputs_are_clear_errors(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_cross_entropy_takes_numpy_integers_as_classes():
    import numpy as np

    numpy_class = cross_entropy([[1.0, 2.0]], [np.int64(1)])
    assert numpy_class.data == cross_entropy([[1.0, 2.0]], [1]).data
