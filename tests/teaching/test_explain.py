"""minigrad.teaching.explain: the chain-rule steps, paths and generated code match backward()."""

import math
import re

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from minigrad import (
    Value,
    backward_source,
    explain_backward,
    grad_paths,
    operation,
    topological_order,
)
from minigrad.engine import OPERATIONS
from minigrad.teaching.explain import value_names
from minigrad.teaching.viz import trace
from tests.lecture import lecture_neuron

UNARY = ["neg", "abs", "exp", "log", "sqrt", "sin", "cos", "tanh", "sigmoid", "relu"]
BINARY = ["+", "-", "*", "/", "**"]
SMOOTH_UNARY = ["neg", "sin", "cos", "tanh", "sigmoid"]
SMOOTH_BINARY = ["+", "-", "*"]


@st.composite
def graphs(draw, unary=UNARY, binary=BINARY):
    """A random graph over a few leaves; nodes are reused, so gradients fan in."""
    numbers = st.floats(-3, 3, allow_nan=False).filter(lambda x: abs(x) > 1e-3)
    pool = [Value(draw(numbers), label=f"x{i}") for i in range(draw(st.integers(1, 4)))]
    for _ in range(draw(st.integers(1, 12))):
        if draw(st.booleans()):
            op, inputs = draw(st.sampled_from(unary)), [draw(st.sampled_from(pool))]
        else:
            op = draw(st.sampled_from(binary))
            inputs = [draw(st.sampled_from(pool)), draw(st.sampled_from([*pool, 2.0, -0.5]))]
        pool.append(OPERATIONS[op](*inputs))
    return pool[-1]


def same(x, y):
    """Equal floats, nan equal to nan."""
    return x == y or (math.isnan(x) and math.isnan(y))


def fresh_backward(root):
    nodes, _ = trace(root)
    for node in nodes:
        node.grad = 0.0
    root.backward()
    return {node: node.grad for node in nodes}


def test_steps_of_the_lecture_neuron_read_as_the_chain_rule():
    lines = [str(step) for step in explain_backward(lecture_neuron())]
    assert lines == [
        "n.grad += 0.5000 (∂o/∂n = 1 - o²) × 1.0000 (o.grad) = 0.5000",
        "(x1*w1 + x2*w2).grad += 1.0000 (∂n/∂(x1*w1 + x2*w2) = 1) × 0.5000 (n.grad) = 0.5000",
        "b.grad += 1.0000 (∂n/∂b = 1) × 0.5000 (n.grad) = 0.5000",
        "(x1*w1).grad += 1.0000 (∂(x1*w1 + x2*w2)/∂(x1*w1) = 1) × 0.5000 "
        "((x1*w1 + x2*w2).grad) = 0.5000",
        "(x2*w2).grad += 1.0000 (∂(x1*w1 + x2*w2)/∂(x2*w2) = 1) × 0.5000 "
        "((x1*w1 + x2*w2).grad) = 0.5000",
        "x2.grad += 1.0000 (∂(x2*w2)/∂x2 = w2) × 0.5000 ((x2*w2).grad) = 0.5000",
        "w2.grad += 0.0000 (∂(x2*w2)/∂w2 = x2) × 0.5000 ((x2*w2).grad) = 0.0000",
        "x1.grad += -3.0000 (∂(x1*w1)/∂x1 = w1) × 0.5000 ((x1*w1).grad) = -1.5000",
        "w1.grad += 2.0000 (∂(x1*w1)/∂w1 = x1) × 0.5000 ((x1*w1).grad) = 1.0000",
    ]


def test_a_product_step_names_the_other_factor():
    a, b = Value(3.0, label="a"), Value(2.0, label="b")
    c = a * b
    c.label = "c"
    first = explain_backward(c)[0]
    assert str(first) == "a.grad += 2.0000 (∂c/∂a = b) × 1.0000 (c.grad) = 2.0000"
    assert (first.node, first.child, first.input_index) == (c, a, 0)
    assert (first.local_grad, first.upstream_grad, first.contribution) == (2.0, 1.0, 2.0)


@pytest.mark.parametrize(
    "build, formula",
    [
        (lambda a: a.exp(), "∂c/∂a = c"),
        (lambda a: a.log(), "∂c/∂a = 1/a"),
        (lambda a: a**2, "∂c/∂a = 2·a"),
        (lambda a: a**3, "∂c/∂a = 3·a^2"),
        (lambda a: a**-1, "∂c/∂a = -1·a^(-2)"),
        (lambda a: a ** Value(2.0, label="y"), "∂c/∂a = y·a^(y - 1)"),
        (lambda a: a.sigmoid(), "∂c/∂a = c·(1 - c)"),
        (lambda a: a / 4.0, "∂c/∂a = 1/4"),
        (lambda a: a.sqrt(), "∂c/∂a = 1/(2·c)"),
    ],
)
def test_local_derivatives_are_written_as_formulas(build, formula):
    a = Value(1.5, label="a")
    c = build(a)
    c.label = "c"
    assert formula in str(explain_backward(c)[0])


def test_an_operation_without_a_formula_shows_its_number():
    triple = operation("test_explain_triple", lambda x: 3 * x, lambda g, out, x: (3.0 * g,))
    a = Value(1.0, label="a")
    c = triple(a)
    c.label = "c"
    assert str(explain_backward(c)[0]) == (
        "a.grad += 3.0000 (∂c/∂a = 3.0000) × 1.0000 (c.grad) = 3.0000"
    )


def test_unlabeled_values_get_readable_distinct_names():
    a = Value(2.0)
    c = (a * 3.0 + a * a).tanh()
    names = value_names(c)
    assert sorted(names.values()) == ["add1", "leaf1", "leaf2", "mul1", "mul2", "tanh1"]
    x, x_again = Value(1.0, label="x"), Value(2.0, label="x")
    y = x + x_again
    assert value_names(y) == {x: "x@1", x_again: "x@2", y: "add1"}


def test_explain_backward_changes_no_grad():
    o = lecture_neuron()
    nodes, _ = trace(o)
    for i, node in enumerate(nodes):
        node.grad = 100.0 + i
    explain_backward(o)
    assert [node.grad for node in nodes] == [100.0 + i for i in range(len(nodes))]


@settings(max_examples=80, deadline=None)
@given(graphs())
def test_contributions_per_child_sum_to_its_gradient(root):
    steps = explain_backward(root)
    nodes = topological_order(root)
    assert len(steps) == sum(len(node._prev) for node in nodes)  # one step per edge
    received = dict.fromkeys(nodes, 0.0)
    received[root] = 1.0
    for step in steps:
        received[step.child] += step.contribution
    expected = fresh_backward(root)
    for node in nodes:
        assert same(received[node], expected[node]), (node, received[node], expected[node])


@settings(max_examples=80, deadline=None)
@given(graphs())
def test_steps_come_in_backward_order_and_contribution_is_local_times_upstream(root):
    steps = explain_backward(root)
    position = {node: i for i, node in enumerate(topological_order(root))}
    node_positions = [position[step.node] for step in steps]
    assert node_positions == sorted(node_positions, reverse=True)
    grads = fresh_backward(root)
    for step in steps:
        assert same(step.upstream_grad, grads[step.node])
        product = step.local_grad * step.upstream_grad
        if math.isfinite(product) and math.isfinite(step.contribution):
            assert step.contribution == pytest.approx(product, rel=1e-12, abs=1e-300)


def test_a_square_has_two_paths():
    a = Value(3.0, label="a")
    y = a * a
    paths = grad_paths(y, a)
    assert paths == [([y, a], 3.0), ([y, a], 3.0)]
    assert sum(product for _, product in paths) == 6.0


def test_paths_of_the_lecture_neuron():
    o = lecture_neuron()
    x1 = next(node for node in trace(o)[0] if node.label == "x1")
    [(path, product)] = grad_paths(o, x1)
    assert [node.label for node in path] == ["o", "n", "x1*w1 + x2*w2", "x1*w1", "x1"]
    assert product == pytest.approx(-1.5)


@settings(max_examples=80, deadline=None)
@given(graphs(SMOOTH_UNARY, SMOOTH_BINARY))
def test_path_products_sum_to_the_gradient(root):
    grads = fresh_backward(root)
    for leaf in trace(root)[0]:
        paths = grad_paths(root, leaf)
        for path, _ in paths:
            assert path[0] is root and path[-1] is leaf
            assert all(b in a._prev for a, b in zip(path, path[1:]))
        total = math.fsum(product for _, product in paths)
        assert total == pytest.approx(grads[leaf], rel=1e-9, abs=1e-12)


def test_paths_to_a_value_outside_the_graph_or_to_the_root():
    a, other = Value(1.0), Value(2.0)
    y = a * 2.0
    assert grad_paths(y, other) == []
    assert grad_paths(y, y) == [([y], 1.0)]


def test_too_many_paths_is_refused_before_walking_them():
    x = Value(1.0001)
    y = x
    for _ in range(40):
        y = y * y  # 2**40 paths from y to x
    with pytest.raises(ValueError, match="1,099,511,627,776 paths lead from root to leaf"):
        grad_paths(y, x)


def test_backward_source_of_the_lecture_neuron_is_named_by_labels():
    source = backward_source(lecture_neuron())
    assert "grad_o = 1.0" in source
    assert "grad_n += grad_o * ((1.0 - o) * (1.0 + o))  # ∂o/∂n = 1 - o²" in source
    assert "grad_x1 += grad_x1_w1 * w1" in source
    namespace = {}
    exec(source, namespace)
    assert namespace["gradients"]["x1"] == pytest.approx(-1.5)
    assert namespace["gradients"]["w2"] == 0.0


def zero_to_the_zero_under_an_infinite_root():
    """inf = 2 / (s · s**s) with s = x - x = 0: the gradient reaching s**s is ±inf, and its share
    for the exponent is inf·0 = nan in backward (as in PyTorch), not 0 nor -inf."""
    x = Value(0.5240671736953284, label="x0")
    s = x - x
    return Value(2.0, label="two") / (s * s**s)


@settings(max_examples=80, deadline=None)
@given(graphs())
@example(zero_to_the_zero_under_an_infinite_root())
def test_backward_source_reproduces_backward(root):
    source = backward_source(root)
    namespace = {}
    exec(source, namespace)
    names = value_names(root)
    expected = fresh_backward(root)
    assert len(namespace["gradients"]) == len(expected)
    for node, grad in expected.items():
        assert same(namespace["gradients"][names[node]], grad), (names[node], source)


@settings(max_examples=80, deadline=None)
@given(graphs())
def test_backward_source_is_straight_line_code_that_imports_only_what_it_uses(root):
    source = backward_source(root)
    code = [line.split("  #")[0] for line in source.splitlines() if not line.startswith("#")]
    assert not any(re.search(r"\b(if|else|for|while|def|lambda)\b", line) for line in code)
    imports = [line for line in code if "import" in line]
    assert len(imports) <= 1
    for name in re.findall(r"\w+", imports[0].split("import")[1]) if imports else []:
        assert sum(line.count(f"{name}(") for line in code) >= 1, (name, source)


def test_backward_source_survives_awkward_labels():
    labels = ["class", "grad_x", "divide", "1st", "a\nb", "x", "x", "'\"", "gradients", "ünï"]
    values = [Value(float(i + 1), label=label) for i, label in enumerate(labels)]
    root = values[0]
    for v in values[1:]:
        root = root * v + v.tanh()
    namespace = {}
    exec(backward_source(root), namespace)
    names = value_names(root)
    for node, grad in fresh_backward(root).items():
        assert same(namespace["gradients"][names[node]], grad)


def test_backward_source_handles_unknown_and_variadic_operations():
    sum_sq = operation(
        "test_explain_sum_sq",
        lambda *xs: sum(x * x for x in xs),
        lambda g, out, *xs: tuple(g * 2.0 * x for x in xs),
    )
    a, b, c = Value(0.3, label="a"), Value(-1.7, label="b"), Value(2.2, label="c")
    y = (sum_sq(a, b, c) * a).tanh()
    namespace = {}
    exec(backward_source(y), namespace)
    for node, grad in fresh_backward(y).items():
        assert namespace["gradients"][value_names(y)[node]] == pytest.approx(grad, rel=1e-12)
    assert len(explain_backward(y)) == 6


def test_infinite_data_is_written_as_valid_python():
    a = Value(0.0, label="a")
    y = 1.0 / a  # inf, and its gradients are inf and nan
    source = backward_source(y)
    assert "float('inf')" in source
    namespace = {}
    exec(source, namespace)
    for node, grad in fresh_backward(y).items():
        assert same(namespace["gradients"][value_names(y)[node]], grad)


def test_explainers_name_bad_inputs():
    with pytest.raises(TypeError, match="expected a Value, not int"):
        explain_backward(3)
    with pytest.raises(TypeError, match="leaf, not str"):
        grad_paths(Value(1.0), "a")
    broken = Value(1.0, _children=(Value(2.0),), _op="no such op")
    with pytest.raises(ValueError, match="has no backward rule"):
        explain_backward(broken)
    with pytest.raises(ValueError, match="has no backward rule"):
        backward_source(broken)


def test_explainers_work_on_a_100000_node_chain():
    x = Value(1.0, label="x")
    y = x
    for _ in range(50_000):
        y = y + 1.0
    steps = explain_backward(y)
    assert len(steps) == 100_000
    assert math.fsum(step.contribution for step in steps if step.child is x) == 1.0
    [(path, product)] = grad_paths(y, x)
    assert len(path) == 50_001 and product == 1.0


def test_backward_source_of_a_deep_chain_runs():
    x = Value(0.5, label="x")
    y = x
    for _ in range(5_000):
        y = (y * 0.999).sin()
    namespace = {}
    exec(backward_source(y), namespace)
    y.backward()
    assert namespace["gradients"]["x"] == x.grad


def test_printed_paths_are_a_table_of_names_local_derivatives_products_and_their_sum():
    a = Value(3.0, label="a")
    table = str(grad_paths(a * a, a))
    assert "Value(" not in table
    lines = table.splitlines()
    assert lines[0].startswith("∂mul1/∂a: 2 paths from mul1 down to a")
    assert re.fullmatch(r"path +local derivatives +product", lines[1])
    assert re.fullmatch(r"mul1 →\(input 1\) a +3\.0000 +3\.0000", lines[2])
    assert re.fullmatch(r"mul1 →\(input 2\) a +3\.0000 +3\.0000", lines[3])
    assert re.fullmatch(r" +sum = ∂mul1/∂a = +6\.0000", lines[4])
    assert repr(grad_paths(a * a, a)) == table


def test_printed_paths_of_the_lecture_neuron_multiply_along_the_path():
    o = lecture_neuron()
    x1 = next(node for node in trace(o)[0] if node.label == "x1")
    table = str(grad_paths(o, x1))
    assert re.search(
        r"o → n → \(x1\*w1 \+ x2\*w2\) → \(x1\*w1\) → x1 +"
        r"0\.5000 × 1\.0000 × 1\.0000 × -3\.0000 +-1\.5000",
        table,
    )
    assert re.fullmatch(r" +sum = ∂o/∂x1 = +-1\.5000", table.splitlines()[-1])


def test_printed_paths_stay_short_for_long_paths_and_many_paths():
    x = Value(1.0, label="x")
    y = x
    for _ in range(40):
        y = y * y  # 2**40 paths: refused; 2**6 below are shown in 20 rows
    y = x
    for _ in range(6):
        y = y * y
    table = str(grad_paths(y, x))
    assert "... and 44 more paths" in table and len(table.splitlines()) == 2 + 20 + 2
    z = x
    for _ in range(1000):
        z = z + 1.0
    row = str(grad_paths(z, x)).splitlines()[2]
    assert "⋯ 992 more ⋯" in row and len(row) < 200
    assert (
        str(grad_paths(z, Value(5.0, label="q")))
        == "No path leads from add1000 down to q: ∂add1000/∂q = 0"
    )


def test_grad_paths_beyond_python_int_to_text_limit_says_how_many_roughly():
    x = Value(1.0, label="x")
    y = x
    for _ in range(15_000):  # y + y: two edges, so the paths double at every step
        y = y + y
    with pytest.raises(ValueError, match=r"about 10\^4515 paths lead from root to leaf, more than"):
        grad_paths(y, x)
