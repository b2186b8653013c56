"""x ** 2: a number exponent is part of the operation (as in micrograd and PyTorch), a Value
exponent is an input of the graph with its gradient."""

import copy
import math
import pickle

import pytest
import torch

from minigrad import MLP, Value, grad, gradcheck, manual_seed, topological_order
from minigrad.teaching.explain import backprop_html, explain_backward


def test_a_number_exponent_is_part_of_the_operation_not_a_leaf():
    x = Value(-1.0, label="x")
    y = x**2
    assert y._op == "**2" and y._prev == (x,)
    assert topological_order(y) == [x, y]
    y.backward()
    assert x.grad == -2.0


@pytest.mark.parametrize(
    ("exponent", "name"),
    [(2, "**2"), (2.0, "**2"), (0.5, "**0.5"), (-1, "**-1"), (1e20, "**1e+20")],
)
def test_the_operation_is_named_by_its_exponent(exponent, name):
    assert (Value(3.0) ** exponent)._op == name


def test_a_value_exponent_stays_an_input_with_its_gradient():
    x, k = Value(3.0), Value(2.0)
    y = x**k
    assert y._op == "**" and y._prev == (x, k)
    y.backward()
    assert (x.grad, k.grad) == pytest.approx((6.0, 9.0 * math.log(3.0)))


@pytest.mark.parametrize("base", [-2.5, -1.0, 0.0, 0.3, 4.0])
@pytest.mark.parametrize("exponent", [0, 1, 2, 3, -1, -2, 0.5, 2.5])
def test_the_power_by_a_number_agrees_with_pytorch(base, exponent):
    x = Value(base)
    y = x**exponent
    y.backward()
    t = torch.tensor(base, dtype=torch.float64, requires_grad=True)
    (t**exponent).backward()
    for ours, theirs in ((y.data, t.pow(exponent).item()), (x.grad, t.grad.item())):
        assert ours == pytest.approx(theirs, rel=1e-15, nan_ok=True)


EDGES = [math.nan, math.inf, -math.inf, 1e300, -1e300, 1e-300, -1e-300, -0.0]
EXPONENTS = [0, 1, 2, 3, -1, -2, 0.5, -0.5, 2.5, math.inf, -math.inf, math.nan]
# PyTorch computes x ** 0.5 as sqrt(x) and x ** -0.5 as 1 / sqrt(x); MiniGrad, as Python's **,
# follows C's pow, which differs at -inf and -0.0: (base, exponent) -> (value, gradient)
POW_NOT_SQRT = {
    (-math.inf, 0.5): (math.inf, 0.0),  # PyTorch: (nan, nan)
    (-math.inf, -0.5): (0.0, 0.0),  # PyTorch: (0.0, nan)
    (-0.0, 0.5): (0.0, math.inf),  # PyTorch: (-0.0, -inf)
    (-0.0, -0.5): (math.inf, -math.inf),  # PyTorch: (-inf, -inf)
}


def same(ours: float, theirs: float) -> bool:
    """The same number, nan as nan (the sign of a zero not compared)."""
    return ours == theirs or (math.isnan(ours) and math.isnan(theirs))


@pytest.mark.parametrize("base", EDGES)
@pytest.mark.parametrize("exponent", EXPONENTS)
def test_the_power_by_a_number_agrees_with_pytorch_at_the_edges(base, exponent):
    x = Value(base)
    y = x**exponent
    y.backward()
    if (base, exponent) in POW_NOT_SQRT:
        assert (y.data, x.grad) == POW_NOT_SQRT[base, exponent]
        return
    t = torch.tensor(base, dtype=torch.float64, requires_grad=True)
    (t**exponent).backward()
    assert same(y.data, t.pow(exponent).item()), (y.data, t.pow(exponent).item())
    assert same(x.grad, t.grad.item()), (x.grad, t.grad.item())


def test_the_power_by_a_number_differentiates_twice_and_passes_gradcheck():
    x = Value(1.5)
    (dy,) = grad(x**3, x, create_graph=True)
    assert grad(dy, x) == pytest.approx((9.0,))  # 6x
    assert gradcheck(lambda x: x**3 + x**-1.5, [0.7])


@pytest.mark.parametrize("save", [pickle.dumps, copy.deepcopy], ids=["pickle", "deepcopy"])
def test_a_power_node_is_saved_and_loaded_with_its_exponent(save):
    x = Value(-3.0)
    y = x**2
    loaded = pickle.loads(save(y)) if save is pickle.dumps else save(y)
    loaded.backward()
    assert (loaded._op, loaded._prev[0].grad) == ("**2", -6.0)


def test_a_node_made_by_hand_with_the_lectures_name_has_the_power_rule():
    x = Value(3.0)
    y = Value(x.data**2, (x,), "**2")
    y.backward()
    assert x.grad == 6.0


def lecture_loss() -> Value:
    manual_seed(0)
    n = MLP(3, [4, 4, 1])
    xs = [[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0], [1.0, 1.0, -1.0]]
    ys = [1.0, -1.0, -1.0, 1.0]
    ypred = [n(x) for x in xs]
    loss = sum((yout - ygt) ** 2 for ygt, yout in zip(ys, ypred))
    loss.backward()
    return loss


def test_the_lectures_loss_has_no_nan_gradient_nor_nan_step():
    loss = lecture_loss()
    assert not any(math.isnan(node.grad) for node in topological_order(loss))
    assert not any("nan" in str(step) for step in explain_backward(loss))


def test_the_lectures_loss_drawing_and_page_show_no_nan(tmp_path):
    pytest.importorskip("graphviz")
    from minigrad.teaching.viz import draw_dot

    loss = lecture_loss()
    assert "nan" not in draw_dot(loss).source
    assert "**2" in draw_dot(loss).source
    page = backprop_html(loss, tmp_path / "loss.html").read_text()
    assert "grad nan" not in page and "+= nan" not in page
