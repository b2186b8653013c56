"""A node whose _backward was written by hand (the lecture's way) in every explainer."""

import math
import re
import shutil

import pytest

from minigrad import Value, backprop_html, backward_source, draw_dot, explain_backward, grad_paths
from minigrad.engine import topological_order

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz dot not installed")


def softplus(z):
    """softplus(z) = ln(1 + e^z), made by hand as the lecture makes tanh."""
    out = Value(math.log1p(math.exp(z.data)), (z,), "softplus")

    def _backward():
        z.grad += (1 / (1 + math.exp(-z.data))) * out.grad

    out._backward = _backward
    return out


def lecture_style_graph():
    x, w = Value(0.5, label="x"), Value(2.0, label="w")
    y = softplus(x * w) * x
    y.label = "y"
    return x, w, y


def fresh_gradients(root):
    nodes = topological_order(root)
    for node in nodes:
        node.grad = 0.0
    root.backward()
    return {node: node.grad for node in nodes}


def test_the_step_says_the_rule_is_hand_written_and_adds_what_it_adds():
    x, w, y = lecture_style_graph()
    steps = explain_backward(y)
    [step] = [s for s in steps if s.node._op == "softplus"]
    sigmoid = 1 / (1 + math.exp(-1.0))
    assert step.local_grad == sigmoid and step.contribution == sigmoid * 0.5
    assert str(step) == (
        "mul1.grad += 0.7311 (∂softplus1/∂mul1 = 0.7311, by the _backward written by hand) "
        "× 0.5000 (softplus1.grad) = 0.3655"
    )
    expected = fresh_gradients(y)
    received = dict.fromkeys(expected, 0.0)
    received[y] = 1.0
    for s in steps:
        received[s.child] += s.contribution
    assert received == pytest.approx(expected)


def test_explaining_runs_the_function_but_leaves_every_grad_as_it_was():
    x, w, y = lecture_style_graph()
    elsewhere = Value(7.0, label="elsewhere")
    z = y._prev[0]._prev[0]  # x * w

    out = Value(math.tanh(z.data), (z,), "tanh")

    def _backward():  # a hand-written rule that also adds to a Value outside its inputs
        z.grad += (1 - out.data**2) * out.grad
        elsewhere.grad += 1.0

    out._backward = _backward
    root = out + y
    for i, node in enumerate(topological_order(root)):
        node.grad = 10.0 + i
    before = {node: node.grad for node in topological_order(root)}
    explain_backward(root)
    grad_paths(root, x)
    backward_source(root)
    assert {node: node.grad for node in topological_order(root)} == before
    assert elsewhere.grad == 0.0


def test_a_hand_written_rule_for_a_known_operation_is_shown_as_written_not_as_the_formula():
    x = Value(0.3, label="x")
    out = Value(math.tanh(x.data), (x,), "tanh")

    def _backward():
        x.grad += 2.0 * out.grad  # wrong on purpose: the explainers show what it does

    out._backward = _backward
    out.label = "t"
    [step] = explain_backward(out)
    assert step.contribution == 2.0 and "1 - t²" not in str(step)
    assert "by the _backward written by hand" in str(step)


def test_paths_and_source_use_the_hand_written_rule():
    x, w, y = lecture_style_graph()
    expected = fresh_gradients(y)
    assert math.fsum(p for _, p in grad_paths(y, x)) == pytest.approx(expected[x])
    source = backward_source(y)
    assert "by the _backward written by hand" in source
    code = [line.split("  #")[0] for line in source.splitlines() if not line.startswith("#")]
    assert not any(re.search(r"\b(if|else)\b", line) for line in code)
    namespace = {}
    exec(source, namespace)
    assert namespace["gradients"]["x"] == pytest.approx(expected[x], rel=1e-15)
    assert namespace["gradients"]["w"] == pytest.approx(expected[w], rel=1e-15)


def test_a_hand_written_rule_that_fails_is_named():
    x = Value(1.0, label="x")
    out = Value(2.0, (x,), "broken")

    def _backward():
        raise ZeroDivisionError("oops")

    out._backward = _backward
    with pytest.raises(
        ValueError,
        match=r"written by hand for .* \(operation 'broken'\) raised "
        r"ZeroDivisionError: oops",
    ):
        explain_backward(out)
    assert x.grad == 0.0 and out.grad == 0.0


@needs_dot
def test_the_drawing_and_the_page_mark_the_hand_written_rule(tmp_path):
    x, w, y = lecture_style_graph()
    y.backward()
    source = draw_dot(y, edge_grads=True).source
    assert 'label="softplus\\n(_backward by hand)"' in source
    assert re.search(r"v2 -> v3_op \[label=0\.3655", source)  # what it passes back to x * w
    text = backprop_html(y, tmp_path / "page.html").read_text(encoding="utf-8")
    assert "by the _backward written by hand" in text


def test_values_a_hand_written_rule_holds_in_a_list_are_put_back_too():
    xs = [Value(1.0, label="a"), Value(2.0, label="b")]
    out = Value(3.0, xs[:1], "sum_by_hand")
    log = [Value(0.0, label="log")]

    def _backward():
        xs[0].grad += out.grad
        xs[1].grad += 5.0  # not an input of out, but held in the list
        log[0].grad += 1.0

    out._backward = _backward
    [step] = explain_backward(out)
    assert step.contribution == 1.0
    assert (xs[0].grad, xs[1].grad, log[0].grad, out.grad) == (0.0, 0.0, 0.0, 0.0)
