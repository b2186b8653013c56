"""Expressions typed as text become graphs of Values; anything but a formula is refused."""

import math

import pytest
import torch

from minigrad.app.expression import FUNCTIONS, ExpressionError, build, parse_assignments
from minigrad.engine import Value


def test_neuron_expression_matches_pytorch_value_and_gradients():
    values = {"x": 2.0, "w": -3.0, "b": 6.88}
    f, variables = build("tanh(x*w + b)", values)
    f.backward()
    t = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in values.items()}
    expected = torch.tanh(t["x"] * t["w"] + t["b"])
    expected.backward()
    assert math.isclose(f.data, expected.item(), rel_tol=1e-12)
    for name in values:
        assert math.isclose(variables[name].grad, t[name].grad.item(), rel_tol=1e-12)


@pytest.mark.parametrize("name", FUNCTIONS)
def test_every_engine_function_can_be_called(name):
    f, variables = build(f"{name}(x)", {"x": 0.7})
    assert f._op == name
    assert f._prev == (variables["x"],)
    expected = getattr(torch, name)(torch.tensor(0.7, dtype=torch.float64)).item()
    assert math.isclose(f.data, expected, rel_tol=1e-12)


def test_operators_and_precedence_follow_python():
    values = {"a": 1.5, "b": -2.0, "c": 0.5}
    f, _ = build("-a + b * c ** 2 / (a - b) - +c", values)
    a, b, c = 1.5, -2.0, 0.5
    assert math.isclose(f.data, -a + b * c**2 / (a - b) - +c)


def test_name_used_twice_is_one_leaf_whose_gradient_adds_both_uses():
    f, variables = build("x*x + x", {"x": 3.0})
    f.backward()
    x = variables["x"]
    assert f._prev[0]._prev == (x, x)
    assert x.grad == 2 * 3.0 + 1


def test_leaves_are_labelled_with_their_names_and_numbers_with_their_text():
    f, variables = build("x * 2.50 + -3", {"x": 1.0})
    assert variables["x"].label == "x"
    product, constant = f._prev
    assert product._prev[1].label == "2.50" and product._prev[1].data == 2.5
    assert constant.label == "-3" and constant.data == -3.0 and not constant._prev


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("__import__('os').system('echo hacked')", "can be called, by name"),
        ("__import__('os')", "unknown function '__import__'"),
        ("().__class__", "attribute access"),
        ("x.__class__.__bases__", "attribute access"),
        ("lambda: 0", "lambda not allowed"),
        ("open('/etc/passwd')", "unknown function 'open'"),
        ("eval('1')", "unknown function 'eval'"),
        ("exp.__globals__", "attribute access"),
        ("x[0]", "subscripts"),
        ("[c for c in x]", "comprehensions"),
        ("(y := 3)", "assignments"),
        ("'text'", "strings not allowed"),
        ("f'{x}'", "f-strings"),
        ("x if x else 1", "conditional"),
        ("x < 1", "comparisons"),
        ("x and 1", "'and' and 'or'"),
        ("(x, 1)", "tuples"),
        ("x // 2", "operator // is not supported"),
        ("x % 2", "operator % is not supported"),
        ("~x", "operator ~ is not supported"),
        ("exp(x, x)", "exp() takes exactly one argument"),
        ("exp()", "exp() takes exactly one argument"),
        ("exp(*x)", "exp() takes exactly one argument"),
        ("exp(x=1)", "no keyword arguments"),
        ("True + x", "True not allowed"),
        ("2j * x", "complex numbers"),
        ("1e999 * x", "too large"),
        ("y + x", "unknown name 'y'"),
        ("exp + x", "exp is a function"),
        ("x +", "syntax error"),
        ("x + (1", "syntax error"),
        ("x y", "syntax error"),
        ("import os", "syntax error"),
        ("x\x00", "null bytes"),
        ("", "empty"),
        ("x\n+ 1", "one line"),
    ],
)
def test_anything_but_a_formula_is_refused_with_one_line_message(text, fragment):
    with pytest.raises(ExpressionError) as caught:
        build(text, {"x": 1.0})
    message = str(caught.value)
    assert fragment in message
    assert "\n" not in message


def test_error_points_at_the_column_of_the_problem():
    with pytest.raises(ExpressionError) as caught:
        build("x + tanh(q)", {"x": 1.0})
    assert caught.value.column == 10
    assert str(caught.value).startswith("at column 10: unknown name 'q'")
    with pytest.raises(ExpressionError) as caught:
        build("é + tanh(x).real", {"x": 1.0, "é": 2.0})
    assert caught.value.column == 5  # characters, not UTF-8 bytes


def test_refused_expression_runs_nothing(tmp_path):
    marker = tmp_path / "ran"
    with pytest.raises(ExpressionError):
        build(f"__import__('pathlib').Path({str(marker)!r}).touch()", {})
    assert not marker.exists()


def test_value_whose_name_is_unused_is_refused_as_a_likely_typo():
    with pytest.raises(
        ExpressionError, match=r"wq is given a value \(wq=3\) but the expression does not use it"
    ):
        build("x * w", {"x": 1.0, "w": 2.0, "wq": 3.0})


def test_deeply_nested_expression_is_refused_cleanly():
    with pytest.raises(ExpressionError, match="nested too deeply"):
        build("+".join(["x"] * 5000), {"x": 1.0})


def test_assignments_become_floats():
    assert parse_assignments(["x=2", "w = -3", "b=6.88", "k=1e-3"]) == {
        "x": 2.0,
        "w": -3.0,
        "b": 6.88,
        "k": 0.001,
    }


@pytest.mark.parametrize(
    "assignments, fragment",
    [
        (["x"], "NAME=VALUE"),
        (["x=abc"], "'abc' is not a number"),
        (["x="], "'' is not a number"),
        (["1x=2"], "'1x' is not a name"),
        (["lambda=2"], "'lambda' is not a name"),
        (["exp=2"], "'exp' is a function"),
        (["x=1", "x=2"], "'x' is given a value twice"),
        (["x=1", "ｘ=2"], "'x' is given a value twice"),  # full-width x is x (NFKC)
        (["x=nan"], "finite"),
        (["x=inf"], "finite"),
    ],
)
def test_bad_assignments_are_refused_by_name(assignments, fragment):
    with pytest.raises(ExpressionError) as caught:
        parse_assignments(assignments)
    assert fragment in str(caught.value)


def test_expression_error_is_a_value_error():
    assert issubclass(ExpressionError, ValueError)
    assert isinstance(build("x", {"x": 1.0}).root, Value)
