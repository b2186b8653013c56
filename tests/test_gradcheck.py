"""minigrad.gradcheck: True when backward agrees with central differences; else it says where."""

from __future__ import annotations

import math

import pytest

from minigrad import GradcheckError, Value, gradcheck, operation

# A square whose backward rule forgets the factor 2: d(x²)/dx is 2x, this says x.
WRONG_SQUARE = operation("test_wrong_square", lambda x: x * x, lambda g, out, x: (g * x,))
# A cube whose rule is 1% too steep: 3.03x² for 3x².
ONE_PERCENT_OFF_CUBE = operation(
    "test_one_percent_off_cube", lambda x: x**3, lambda g, out, x: (g * 3.03 * x**2,)
)


def with_wrong_square(x: Value, y: Value) -> Value:
    return WRONG_SQUARE(x) * y + y.sin()


def test_gradcheck_is_true_for_correct_operations():
    assert gradcheck(lambda a, b: (a * b).tanh() + a**2 / b - b.exp().log(), [0.3, -1.2])
    assert gradcheck(lambda a: a.sigmoid() * a.relu() + abs(a).sqrt(), [Value(0.8)])


def test_gradcheck_names_the_wrong_input_and_the_node_with_the_bad_rule():
    with pytest.raises(GradcheckError) as caught:
        gradcheck(with_wrong_square, [1.5, 2.0])
    message = str(caught.value)
    # d/dx = 2·x·y = 6 at (1.5, 2); the wrong rule gives x·y = 3. y is right.
    assert "∂output/∂(input 0): engine says 3, finite differences say 6" in message
    assert "input 1)" not in message
    # the culprit: the node made by test_wrong_square, at x² = 2.25, whose local rule says 1.5
    bad_nodes = message.split("disagrees with the finite difference:\n")[1].splitlines()
    assert len(bad_nodes) == 1
    assert "(test_wrong_square, data=2.25)" in bad_nodes[0]
    assert "engine says 1.5, finite differences say 3" in bad_nodes[0]


def test_gradcheck_names_a_labelled_node_by_its_label():
    def f(x: Value) -> Value:
        h = WRONG_SQUARE(x)
        h.label = "hidden"
        return h.tanh()

    with pytest.raises(GradcheckError, match="node 'hidden' \\(test_wrong_square"):
        gradcheck(f, [0.5])


def test_gradcheck_returns_false_instead_of_raising_when_asked():
    assert gradcheck(with_wrong_square, [1.5, 2.0], raise_exception=False) is False
    assert gradcheck(lambda x, y: x * y, [1.5, 2.0], raise_exception=False) is True


def test_gradcheck_changes_no_grad_of_the_given_values():
    a = Value(0.5)
    a.grad = 42.0
    assert gradcheck(lambda x: x.exp(), [a])
    assert a.grad == 42.0


def test_gradcheck_tolerances_decide():
    # A rule 1% off: caught at the default rtol of 1e-3, let through at rtol 0.1.
    assert gradcheck(ONE_PERCENT_OFF_CUBE, [2.0], rtol=0.1)
    assert not gradcheck(ONE_PERCENT_OFF_CUBE, [2.0], raise_exception=False)


def test_gradcheck_refuses_a_function_that_does_not_return_a_value():
    with pytest.raises(TypeError, match="fn must return a Value, not float"):
        gradcheck(lambda x: x.data * 2, [1.0])


def test_gradcheck_refuses_no_inputs():
    with pytest.raises(ValueError, match="at least one input"):
        gradcheck(lambda: Value(1.0), [])


@pytest.mark.parametrize("eps", [0.0, -1e-6, math.nan])
def test_gradcheck_refuses_a_step_that_is_not_positive(eps):
    with pytest.raises(ValueError, match="eps must be a positive step"):
        gradcheck(lambda x: x * x, [1.0], eps=eps)


def test_gradcheck_refuses_inputs_that_are_not_numbers():
    with pytest.raises(TypeError, match="inputs are numbers or Values, not str"):
        gradcheck(lambda x: x * x, ["1.0"])


def test_gradcheck_finds_a_wrong_hand_written_backward():
    def wrong_softplus(x):
        out = Value(math.log1p(math.exp(x.data)), (x,), "softplus_by_hand")

        def _backward():
            x.grad += math.exp(x.data) * out.grad  # should be the sigmoid of x

        out._backward = _backward
        return out

    with pytest.raises(GradcheckError, match="input 0"):
        gradcheck(lambda x: wrong_softplus(x) * 2.0, [0.3])
