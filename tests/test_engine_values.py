"""Value as a Python object: construction, bad operands, comparisons, hashing, repr, float, sum."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest

from minigrad import Value
from minigrad.engine import EXP, MUL


@pytest.mark.parametrize(
    ("data", "type_name"), [("abc", "str"), (None, "NoneType"), (1j, "complex"), ([1.0], "list")]
)
def test_value_refuses_data_that_is_not_a_real_number(data, type_name):
    with pytest.raises(TypeError, match=f"a Value holds a real number, not {type_name}"):
        Value(data)


def test_value_holds_a_float_whatever_real_number_it_is_given():
    for data in [3, True, Fraction(1, 2), 2.5, math.inf]:
        v = Value(data)
        assert type(v.data) is float and v.data == float(data)


def test_a_number_too_big_for_a_float_is_refused_by_name():
    with pytest.raises(OverflowError, match="too large"):
        Value(10**400)


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        (lambda v: v + "x", "'Value' and 'str'"),
        (lambda v: v - "x", "'Value' and 'str'"),
        (lambda v: v / None, "'Value' and 'NoneType'"),
        (lambda v: None / v, "'NoneType' and 'Value'"),
        (lambda v: v ** "x", "'Value' and 'str'"),
        (lambda v: [1] ** v, "'list' and 'Value'"),
        (lambda v: v < "x", "compares with Values and numbers, not str"),
        # str and list answer these themselves, before Value is asked:
        (lambda v: "x" + v, 'can only concatenate str \\(not "Value"\\) to str'),
        (lambda v: v * "x", "can't multiply sequence by non-int of type 'Value'"),
        (lambda v: "x" * v, "can't multiply sequence by non-int of type 'Value'"),
    ],
)
def test_bad_operand_raises_type_error_naming_its_type(expression, message):
    with pytest.raises(TypeError, match=message):
        expression(Value(1.0))


def test_operation_called_directly_names_the_bad_operand():
    with pytest.raises(TypeError, match="exp takes Values, ints or floats, not str"):
        EXP("1.0")
    with pytest.raises(TypeError, match=r"\* takes Values, ints or floats, not NoneType"):
        MUL(Value(1.0), None)


@pytest.mark.parametrize("other", ["x", None, [1.0]])
def test_ordering_against_a_non_number_raises_type_error(other):
    v = Value(1.0)
    for compare in (v.__lt__, v.__le__, v.__gt__, v.__ge__):
        with pytest.raises(TypeError, match="compares with Values and numbers, not"):
            compare(other)
    with pytest.raises(TypeError):
        v < other  # noqa: B015


def test_comparisons_look_at_data_and_build_nothing():
    a, b = Value(1.0), Value(2.0)
    assert (a < b, a <= b, a > b, a >= b) == (True, True, False, False)
    assert (a < 1.5, 3 > b, b >= 2, a <= 1) == (True, True, True, True)
    assert type(a < b) is bool
    assert sorted([b, a]) == [a, b]
    assert max([a, b]) is b


def test_equality_and_hash_are_by_identity():
    a, b = Value(1.0), Value(1.0)
    assert a == a and a != b and a != 1.0
    assert len({a, b, a}) == 2
    grads = {a: "first", b: "second"}
    a.data = 5.0  # changing the number does not move the key
    assert grads[a] == "first" and grads[b] == "second"


def test_a_value_never_silently_becomes_a_float():
    x = Value(1.0)
    for convert in (float, math.exp, math.sqrt, math.floor, complex):
        with pytest.raises(TypeError, match=r"cut x out of the graph.*x\.exp\(\)"):
            convert(x)
    assert x.data == 1.0  # the number itself, on purpose


def test_lectures_x_times_math_exp_x_raises_instead_of_dropping_a_gradient():
    x = Value(1.0)
    with pytest.raises(TypeError, match="x.exp()"):
        x * math.exp(x)  # would give x.grad = e instead of 2e
    y = x * x.exp()
    y.backward()
    assert x.grad == pytest.approx(2 * math.e)


def test_format_spec_formats_the_number():
    assert f"{Value(0.5):.3f}" == "0.500"
    assert f"{Value(0.5)}" == "Value(data=0.5, grad=0.0)"


def test_repr_shows_data_and_grad():
    v = Value(2.0) * 3.0
    v.backward()
    assert repr(v) == "Value(data=6.0, grad=1.0)"
    assert repr(Value(-1.5, label="w")) == "Value(data=-1.5, grad=0.0, label='w')"


def test_sum_of_values_is_a_value_with_every_one_as_an_input():
    values = [Value(1.0), Value(2.0), Value(3.5)]
    total = sum(values)
    assert isinstance(total, Value) and total.data == 6.5
    total.backward()
    assert [v.grad for v in values] == [1.0, 1.0, 1.0]
    assert sum(values, Value(10.0)).data == 16.5


def test_unary_plus_is_the_value_itself():
    v = Value(1.0)
    assert +v is v
