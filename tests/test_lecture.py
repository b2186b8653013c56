"""The micrograd lecture's own code, run on MiniGrad unchanged.

The lecture ("The spelled-out intro to neural networks and backpropagation: building micrograd")
builds a neuron by hand, backpropagates through it node by node with ``_backward()``, then in a
reversed topological order, writes new operations with a ``_backward`` closure, and trains
``MLP(3, [4, 4, 1])``. Each test below is one of its flows, written as the lecture writes it.
"""

from __future__ import annotations

import math
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from minigrad import MLP, Layer, Neuron, Value, draw_dot, operation, topological_order
from minigrad.engine import assigned_backward
from tests.lecture import lecture_neuron
from tests.micrograd_order import build_topo  # the lecture's build_topo
from tests.test_engine_graphs import graphs, minigrad_graph


def by_label(root):
    return {node.label: node for node in topological_order(root)}


# --- _backward(), node by node and in reversed topological order --------------------------------


def test_the_lectures_manual_backward_chain_through_the_neuron():
    o = lecture_neuron()
    v = by_label(o)
    o.grad = 1.0
    o._backward()
    v["n"]._backward()
    v["b"]._backward()  # a leaf: does nothing
    v["x1*w1 + x2*w2"]._backward()
    v["x2*w2"]._backward()
    v["x1*w1"]._backward()
    grads = {label: node.grad for label, node in v.items()}
    assert grads["n"] == pytest.approx(0.5) and grads["b"] == pytest.approx(0.5)
    assert (grads["x1"], grads["w1"]) == (pytest.approx(-1.5), pytest.approx(1.0))
    assert (grads["x2"], grads["w2"]) == (pytest.approx(0.5), 0.0)
    fresh = lecture_neuron()
    fresh.backward()
    assert grads == {label: node.grad for label, node in by_label(fresh).items()}  # bit for bit


def test_a_leafs_backward_does_nothing():
    leaf = Value(3.0)
    leaf.grad = 2.0
    leaf._backward()
    assert leaf.grad == 2.0 and leaf._prev == ()


def test_the_lectures_neuron_prints_the_lectures_numbers():
    o = lecture_neuron()
    assert o.data == 0.7071067811865476  # correctly rounded, as the lecture and torch give
    assert 1 - o.data**2 == 0.4999999999999999  # the lecture's printout: o.grad * (1 - o²)


def _by_hand(root):
    """The lecture's loop: root.grad = 1, then every node's _backward(), output first."""
    order = topological_order(root)
    for node in order:
        node.grad = 0.0
    root.grad = 1.0
    for node in reversed(order):
        node._backward()
    return [node.grad for node in order]


def _by_backward(root):
    order = topological_order(root)
    for node in order:
        node.grad = 0.0
    root.backward()
    return [node.grad for node in order]


def _same_bits(xs, ys):
    return [math.copysign(1.0, x) if x == 0 else x for x in xs if x == x] == [
        math.copysign(1.0, y) if y == 0 else y for y in ys if y == y
    ] and [x != x for x in xs] == [y != y for y in ys]


@settings(max_examples=150, deadline=None)
@given(graph=graphs())
def test_backward_by_hand_in_reversed_topological_order_is_backward_bit_for_bit(graph):
    root = minigrad_graph(graph)[-1]
    assert _same_bits(_by_hand(root), _by_backward(root))


@pytest.mark.parametrize("fused", [False, True])
@pytest.mark.parametrize("activation", ["tanh", "relu", "sigmoid", "linear"])
def test_backward_by_hand_through_a_network_is_backward_bit_for_bit(fused, activation):
    random.seed(3)
    n = MLP(3, [4, 4, 1], activation=activation, output_activation=activation, fused=fused)
    xs = [[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0], [1.0, 1.0, -1.0]]
    ys = [1.0, -1.0, -1.0, 1.0]
    loss = sum((yout - ygt) ** 2 for ygt, yout in zip(ys, [n(x) for x in xs]))
    assert _same_bits(_by_hand(loss), _by_backward(loss))  # (the exponent 2's grad is nan)
    assert build_topo(loss)[-1] is loss
    assert set(build_topo(loss)) == set(topological_order(loss))


def test_backward_by_hand_through_an_operation_made_with_operation():
    cube = operation("lecture_cube", lambda x: x**3, lambda g, out, x: (g * 3.0 * x * x,))
    x = Value(2.0)
    y = cube(x) * x
    assert _by_hand(y) == _by_backward(y)
    assert x.grad == 4 * 2.0**3


def test_an_ordinary_node_holds_no_closure_and_no_reference_cycle():
    import gc

    a = Value(2.0)
    b = (a * a).tanh()
    assert b._backward.__self__ is b  # made when asked for (a bound method), not stored
    assert assigned_backward(b) is None
    gc.collect()
    gc.disable()
    try:
        before = len(gc.get_objects())
        for _ in range(100):
            c = (a * a).tanh() + a
            del c
        assert gc.collect() == 0  # reference counting freed every node
        assert len(gc.get_objects()) <= before + 5
    finally:
        gc.enable()


# --- operations made by hand, with an assigned _backward ---------------------------------------


def softplus(x: Value) -> Value:
    """The lecture's way: the output first, then its _backward closure."""
    out = Value(math.log1p(math.exp(x.data)), (x,), "softplus")

    def _backward():
        x.grad += 1 / (1 + math.exp(-x.data)) * out.grad

    out._backward = _backward
    return out


def sigmoid(x: Value) -> Value:
    s = 1 / (1 + math.exp(-x.data))
    out = Value(s, (x,), "sigmoid_by_hand")

    def _backward():
        x.grad += s * (1 - s) * out.grad

    out._backward = _backward
    return out


def test_a_hand_made_operation_is_used_by_backward_and_by_its_backward():
    x = Value(0.5, label="x")
    y = softplus(x) * x
    y.backward()
    expected = 1 / (1 + math.exp(-0.5)) * 0.5 + math.log1p(math.exp(0.5))
    assert x.grad == pytest.approx(expected, rel=1e-15)
    assert by_label(y)["x"] is x
    x.grad = 0.0
    assert _by_hand(y) == _by_backward(y)
    s = sigmoid(Value(0.3))
    s.backward()
    assert s._prev[0].grad == pytest.approx(s.data * (1 - s.data))
    assert s._op == "sigmoid_by_hand" and assigned_backward(s) is s._backward


def test_a_hand_made_sigmoid_matches_the_engines_sigmoid():
    a, b = Value(0.7), Value(0.7)
    sigmoid(a).backward()
    b.sigmoid().backward()
    assert a.grad == pytest.approx(b.grad, rel=1e-15)


def test_a_node_with_a_known_operation_uses_its_assigned_backward_instead():
    a, b = Value(2.0), Value(3.0)
    out = Value(a.data + b.data, (a, b), "+")

    def overwriting_backward():  # the lecture's accumulation bug, on purpose: = instead of +=
        a.grad = out.grad
        b.grad = out.grad

    out._backward = overwriting_backward
    (out + a).backward()
    assert a.grad == 1.0  # the bug shows: the other path's 1.0 was overwritten


def test_an_unknown_operation_without_backward_names_both_fixes():
    x = Value(1.0)
    out = Value(2.0, (x,), "made_up_softplus")
    with pytest.raises(
        ValueError, match=r"operation 'made_up_softplus' has no backward rule"
    ) as error:
        out.backward()
    assert "node._backward =" in str(error.value) and "minigrad.operation" in str(error.value)
    with pytest.raises(ValueError, match="no backward rule"):
        out._backward()
    assert x.grad == 0.0


def test_an_assigned_backward_that_is_not_callable_is_refused_naming_the_node():
    out = Value(2.0, (Value(1.0),), "softplus", label="sp")
    with pytest.raises(
        TypeError, match=r"the _backward of Value\(data=2.0.*label='sp'\).* not int"
    ):
        out._backward = 5
    assert assigned_backward(out) is None


def test_an_assigned_backward_that_raises_is_named_with_its_node():
    x = Value(1.0)
    out = Value(2.0, (x,), "broken", label="b")

    def _backward():
        raise ZeroDivisionError("division by zero")

    out._backward = _backward
    with pytest.raises(RuntimeError, match=r"_backward assigned to .*label='b'.*ZeroDivisionError"):
        out.backward()
    with pytest.raises(ZeroDivisionError):
        out._backward()  # called by hand: the user's own function, as written


def test_create_graph_through_a_hand_made_operation_is_refused_clearly():
    import minigrad

    x = Value(0.5)
    with pytest.raises(ValueError, match="create_graph=True.*written by hand"):
        minigrad.grad(softplus(x), x, create_graph=True)
    assert minigrad.grad(softplus(x), x)[0] == pytest.approx(1 / (1 + math.exp(-0.5)))


# --- the lecture's and micrograd's nn ----------------------------------------------------------


def test_neuron_weights_are_a_list_and_parameters_a_list():
    n = Neuron(3)
    assert isinstance(n.w, list) and isinstance(n.parameters(), list)
    assert n.w + [n.b] == n.parameters()
    mlp = MLP(3, [4, 4, 1])
    assert isinstance(mlp.parameters(), list) and len(mlp.parameters()) == 41


def test_micrograds_constructors_and_zero_grad():
    assert Neuron(2, nonlin=True).activation == "tanh"
    assert Neuron(2, nonlin=False).activation == "linear"
    assert Neuron(2, "relu", nonlin=True).activation == "relu"
    layer = Layer(2, 3, nonlin=False)
    assert {n.activation for n in layer.neurons} == {"linear"}
    out = layer([1.0, 2.0])
    assert all(o._op == "+" for o in out)  # linear: no activation node
    sum(out).backward()
    layer.zero_grad()
    assert all(p.grad == 0.0 for p in layer.parameters())
    with pytest.raises(TypeError, match="nonlin is True or False"):
        Neuron(2, nonlin="yes")


def test_random_seed_makes_the_lectures_model_reproducible():
    random.seed(1337)
    first = MLP(3, [4, 4, 1])
    random.seed(1337)
    second = MLP(3, [4, 4, 1])
    assert first.state_dict() == second.state_dict()
    assert first([2.0, 3.0, -1.0]).data == second([2.0, 3.0, -1.0]).data


def test_the_drawing_of_the_network_shows_every_product_sum_and_tanh():
    random.seed(0)
    n = MLP(3, [4, 4, 1])
    x = [2.0, 3.0, -1.0]
    source = draw_dot(n(x)).source
    # 4 neurons of 3 inputs, 4 of 4, 1 of 4: 12 + 16 + 4 products, as many sums, 9 tanh
    assert source.count('label="*"') == 32
    assert source.count('label="+"') == 32
    assert source.count("label=tanh") == 9
    xs = [[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0], [1.0, 1.0, -1.0]]
    ys = [1.0, -1.0, -1.0, 1.0]
    loss = sum((yout - ygt) ** 2 for ygt, yout in zip(ys, [n(x) for x in xs]))
    loss.backward()
    assert draw_dot(loss).source.count('label="*"') == 4 * 32


@given(st.floats(-5, 5))
def test_the_lectures_tanh_through_exp_agrees_with_tanh(x):
    # The lecture first writes tanh as (e^2x - 1)/(e^2x + 1) with Value operations.
    v = Value(x)
    e = (2 * v).exp()
    o = (e - 1) / (e + 1)
    o.backward()
    w = Value(x)
    t = w.tanh()
    t.backward()
    assert o.data == pytest.approx(t.data, abs=1e-15)
    assert v.grad == pytest.approx(w.grad, abs=1e-14)
