"""User-defined operations: a row added to the engine's table of forward and backward rules."""

from fractions import Fraction

import pytest

from minigrad import Value, grad, gradcheck, operation
from minigrad.engine import BackwardRuleError


def test_a_user_operation_differentiates_once_and_twice():
    cube = operation("test_cube", lambda x: x**3, lambda g, out, x: (g * 3.0 * x * x,))
    x = Value(2.0)
    y = cube(x)
    y.backward()
    assert (y.data, y._op, x.grad) == (8.0, "test_cube", 12.0)
    (dy,) = grad(cube(x), [x], create_graph=True)
    assert grad(dy, [x]) == (12.0,)  # d²(x³)/dx² = 6x
    assert gradcheck(cube, [0.7])


def test_defining_a_name_again_replaces_its_rules():
    operation("test_twice", lambda x: 2.0 * x, lambda g, out, x: (g * 3.0,))  # wrong, then fixed
    twice = operation("test_twice", lambda x: 2.0 * x, lambda g, out, x: (g * 2.0,))
    x = Value(1.0)
    twice(x).backward()
    assert x.grad == 2.0


def test_the_engines_own_operations_cannot_be_replaced():
    with pytest.raises(ValueError, match="MiniGrad's own"):
        operation("*", lambda a, b: a + b, lambda g, out, a, b: (g, g))
    a, b = Value(2.0), Value(3.0)
    assert (a * b).data == 6.0


@pytest.mark.parametrize("name", ["", None, 3])
def test_an_operation_needs_a_name(name):
    with pytest.raises(TypeError, match="name"):
        operation(name, abs, lambda g, out, x: (g,))


def test_an_operation_needs_callable_rules():
    with pytest.raises(TypeError, match="callable"):
        operation("test_not_callable", abs, "g * x")


@pytest.mark.parametrize("name", ["tanh(w·x+b)", "softplus", "logsumexp"])
def test_the_operations_of_nn_and_losses_cannot_be_replaced(name):
    import minigrad.losses  # noqa: F401 (registers softplus and logsumexp)
    import minigrad.nn  # noqa: F401

    with pytest.raises(ValueError, match="MiniGrad's own"):
        operation(name, abs, lambda g, out, x: (g,))


def test_an_in_place_rule_runs_the_float_pass_and_the_backward_rule_runs_create_graph():
    calls = []

    def accumulate(node: Value, finite: bool) -> None:
        calls.append(finite)
        (x,) = node._prev
        x.grad += node.grad * 3.0 * x.data * x.data

    cube = operation(
        "test_cube_in_place",
        lambda x: x**3,
        lambda g, out, x: (g * 3.0 * x * x,),
        accumulate=accumulate,
    )
    x = Value(2.0)
    cube(x).backward()
    assert (x.grad, calls) == (12.0, [True])
    (dy,) = grad(cube(x), [x], create_graph=True)  # the graph of the gradient: backward's rule
    assert (grad(dy, [x]), calls) == ((12.0,), [True])
    x.data = float("inf")
    cube(x).backward()
    assert calls == [True, False]  # an inf in the graph: finite is False


@pytest.mark.parametrize("result", [3, True, Fraction(1, 4)], ids=["int", "bool", "Fraction"])
def test_a_forward_rule_returning_another_real_number_makes_a_float_node(result):
    constant = operation("test_constant", lambda x: result, lambda g, out, x: (0.0,))
    y = constant(Value(2.0))
    assert type(y.data) is float and y.data == float(result)
    assert (y._prev[0].data, y._op, y.grad, y.label) == (2.0, "test_constant", 0.0, "")


def test_a_forward_rule_returning_something_else_is_a_type_error_naming_it():
    bad = operation("test_bad_forward", lambda x: "2", lambda g, out, x: (g,))
    with pytest.raises(TypeError, match="real number, not str"):
        bad(Value(1.0))


def test_an_in_place_rule_must_be_callable():
    with pytest.raises(TypeError, match="accumulate"):
        operation("test_bad_in_place", abs, lambda g, out, x: (g,), accumulate="x.grad += g")


@pytest.mark.parametrize("inputs", [1, 2, 3])
@pytest.mark.parametrize("create_graph", [False, True])
def test_a_rule_giving_the_wrong_number_of_gradients_is_a_clear_error(inputs, create_graph):
    """One gradient per input, or backward stops with a message naming the operation (rather
    than dropping or ignoring gradients)."""
    if inputs == 3:
        op = operation("test_short3", lambda *xs: sum(xs), lambda g, out, *xs: (g, g))
    elif inputs == 2:
        op = operation("test_short2", lambda a, b: a + b, lambda g, out, a, b: (g,))
    else:
        op = operation("test_long1", lambda a: a, lambda g, out, a: (g, g))
    xs = [Value(float(i)) for i in range(inputs)]
    y = op(*xs)
    with pytest.raises(
        ValueError,
        match=f"operation 'test_\\w+' gave \\d gradients for a node with {inputs} inputs",
    ):
        grad(y, xs, create_graph=create_graph)


@pytest.mark.parametrize("container", [tuple, list, iter])
@pytest.mark.parametrize("create_graph", [False, True])
def test_a_rule_may_give_its_gradients_as_any_iterable(container, create_graph):
    product = operation(
        f"test_product_{container.__name__}",
        lambda a, b: a * b,
        lambda g, out, a, b: container([g * b, g * a]),
    )
    x, y = Value(2.0), Value(3.0)
    grads = grad(product(x, y), [x, y], create_graph=create_graph)
    assert [g.data if create_graph else g for g in grads] == [3.0, 2.0]


# --- a user's operation is checked: its signature when defined, its results when used ----------


def test_a_backward_rule_without_g_and_out_is_refused_when_defined():
    with pytest.raises(
        TypeError, match=r"operation 'bad'.*takes 1 arguments.*\(g, out, \*inputs\)"
    ):
        operation("bad", lambda x: x, lambda g: (g,))


def test_forward_and_backward_rules_taking_different_inputs_are_refused_when_defined():
    with pytest.raises(TypeError, match=r"'mismatched': the forward rule takes 2 inputs.*takes 1"):
        operation("mismatched", lambda a, b: a * b, lambda g, out, a: (g,))


@pytest.mark.parametrize(
    ("returned", "message"),
    [
        (None, "returned None"),
        (2.0, "returned 2.0"),
        ({0: 2.0}, r"returned \{0: 2.0\}; it returns one gradient per input in a tuple"),
        ({2.0}, r"returned \{2.0\}; it returns"),
        ((1j,), r"gave 1j \(complex\) as gradient 0"),
        ((True,), r"gave True \(bool\)"),
        (("1",), r"gave '1' \(str\)"),
    ],
)
def test_a_backward_rule_giving_no_real_numbers_is_named_when_used(returned, message):
    op = operation("test_bad_result", lambda x: 2.0 * x, lambda g, out, x: returned)
    x = Value(1.0)
    with pytest.raises(TypeError, match=f"operation 'test_bad_result' {message}"):
        op(x).backward()
    assert x.grad == 0.0  # nothing stored in .grad


def test_a_two_input_rule_returning_a_dict_or_set_is_refused_not_read_in_its_own_order():
    as_dict = lambda g, out, a, b: {"a": g * b, "b": g * a}  # noqa: E731
    as_set = lambda g, out, a, b: {g * b, g * a}  # noqa: E731
    for wrong in (as_dict, as_set):
        op = operation("test_unordered", lambda a, b: a * b, wrong)
        a, b = Value(2.0), Value(3.0)
        with pytest.raises(TypeError, match="'test_unordered' returned .*in a tuple"):
            op(a, b).backward()
        assert (a.grad, b.grad) == (0.0, 0.0)


def test_an_exception_inside_a_users_rule_names_the_operation():
    def backward(g, out, x):
        return (g / 0.0 * x,)  # ZeroDivisionError, as a slip in a rule would raise

    op = operation("test_raising", lambda x: 2.0 * x, backward)
    with pytest.raises(BackwardRuleError, match="operation 'test_raising' raised ZeroDivisionError"
                       ) as caught:  # fmt: skip
        op(Value(1.0)).backward()
    assert isinstance(caught.value.__cause__, ZeroDivisionError)


def test_a_backward_rule_giving_a_value_in_a_float_pass_is_named():
    op = operation("test_value_result", lambda x: 2.0 * x, lambda g, out, x: (Value(2.0),))
    x = Value(1.0)
    with pytest.raises(TypeError, match=r"'test_value_result' gave Value.*a float pass"):
        op(x).backward()
    assert x.grad == 0.0
    (dx,) = grad(op(x), x, create_graph=True)  # on Values a Value is right
    assert dx.data == 2.0
