"""backward() and .grad: leaves accumulate as in PyTorch; inner nodes show the latest pass."""

from __future__ import annotations

import pytest
import torch

from minigrad import Value, grad


def test_second_backward_doubles_leaf_grads_like_torch():
    a = Value(3.0)
    b = a * a + a
    b.backward()
    assert a.grad == 7.0
    b.backward()
    assert a.grad == 14.0  # micrograd says 20: its inner nodes keep the first pass's gradient

    t = torch.tensor(3.0, dtype=torch.float64, requires_grad=True)
    tb = t * t + t
    tb.backward(retain_graph=True)
    tb.backward()
    assert t.grad.item() == a.grad


def test_inner_nodes_show_the_latest_passs_gradient():
    a = Value(3.0)
    c = a * a
    first = c * 2.0
    second = c * 5.0
    first.backward()
    assert c.grad == 2.0 and a.grad == 12.0
    first.backward()
    assert c.grad == 2.0 and a.grad == 24.0  # c is not doubled, a is
    second.backward()
    assert c.grad == 5.0 and a.grad == 54.0
    assert second.grad == 1.0 and first.grad == 1.0


def test_reused_node_accumulates_gradient():
    a = Value(-2.5)
    (a * a).backward()
    assert a.grad == -5.0
    b = Value(4.0)
    (b + b + b).backward()
    assert b.grad == 3.0
    assert (a * a)._prev == (a, a)  # both edges are kept


def test_backward_of_a_leaf_seeds_it_with_one():
    a = Value(2.0)
    a.backward()
    assert a.grad == 1.0


def test_number_operands_become_leaves_that_receive_gradient():
    x = Value(3.0)
    y = x * 2.0 + 1
    y.backward()
    product, one = y._prev
    two = product._prev[1]
    assert (two.data, two.grad) == (2.0, 3.0) and (one.data, one.grad) == (1.0, 1.0)
    assert two._prev == () and two._op == ""


def hand_built(op: str, *children: Value) -> Value:
    return Value(1.0, children, op)


@pytest.mark.parametrize(
    ("node_op", "message"),
    [
        ("mystery", "operation 'mystery' has no backward rule"),
        ("", "operation '' has no backward rule"),
    ],
)
def test_unknown_operation_raises_a_clear_error_and_changes_no_grad(node_op, message):
    a, b = Value(1.0), Value(2.0)
    a.grad = 0.5
    node = hand_built(node_op, a, b)
    out = node * a
    out.grad = 7.0
    with pytest.raises(ValueError, match=message) as error:
        out.backward()
    assert error.value.__context__ is None  # no KeyError from a look-up chained below it
    with pytest.raises(ValueError, match=message):
        grad(out, [a, b])
    assert (a.grad, b.grad, node.grad, out.grad) == (0.5, 0.0, 0.0, 7.0)


def test_wrong_number_of_inputs_raises_a_clear_error_and_changes_no_grad():
    a = Value(1.0)
    node = hand_built("*", a)
    out = node + a
    with pytest.raises(ValueError, match=r"operation '\*' takes 2 inputs, but the node has 1"):
        out.backward()
    with pytest.raises(ValueError, match="takes 1 inputs, but the node has 2"):
        hand_built("exp", a, a).backward()
    assert (a.grad, node.grad, out.grad) == (0.0, 0.0, 0.0)


def test_hand_built_node_with_a_known_operation_backpropagates():
    a, b = Value(2.0), Value(5.0)
    node = Value(10.0, (a, b), "*")
    node.backward()
    assert (a.grad, b.grad) == (5.0, 2.0)


def test_children_must_be_values():
    with pytest.raises(TypeError, match="children are Values, not float"):
        Value(1.0, (2.0,), "neg")
