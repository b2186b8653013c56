"""The checks of the exercise notebooks (exercises/): each says in plain words what is wrong.

A check prints a line starting with "✓" when the answer is right, and otherwise raises
``WrongAnswerError`` with a message that names the wrong part, where it went wrong and the rule
to apply, but not the right number: a student who writes 0 everywhere does not get the answer
key. A teacher may pass ``reveal=True`` to see the right numbers too. The checks compare the
learner's answer with what MiniGrad computes (``backward``), and rules of new operations with
finite differences (``gradcheck``, which names the node whose rule is wrong).

In Jupyter a failed check shows its message alone, without a traceback.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from minigrad.engine import Value, grad, operation
from minigrad.gradcheck import GradcheckError, gradcheck


class WrongAnswerError(AssertionError):
    """The answer is not right yet; the message says what is wrong."""

    def _render_traceback_(self) -> list[str]:
        """What IPython shows for this error: the message, not the check's code around it."""
        return [f"\x1b[31mNot yet:\x1b[0m {self}"]


def _fail(message: str) -> None:
    raise WrongAnswerError(message)


def _close(a: float, b: float, tolerance: float = 1e-6) -> bool:
    return abs(a - b) <= tolerance * (1.0 + abs(b))


def _number(answer: object, what: str) -> float:
    """The answer as a float, or a message that says what came instead."""
    if answer is None or answer is Ellipsis:
        _fail(f"{what} is not written yet (it gave {answer!r}): replace the ... with your answer")
    if isinstance(answer, Value):
        _fail(f"{what} is a Value: give the plain number (its .data)")
    if not isinstance(answer, (int, float)):
        _fail(f"{what} should be a number, not {type(answer).__name__}")
    return float(answer)


# ---------------------------------------------------------------------------------------------
# 1. The derivative, by hand and numerically
# ---------------------------------------------------------------------------------------------


def _cubic(x: Any) -> Any:
    """f(x) = x³ - 2x, for Values and floats alike."""
    return x**3 - 2 * x


def _revealed(reveal: bool, text: str) -> str:
    """``text`` (the right answer) for a teacher who asked for it, else nothing."""
    return text if reveal else ""


def check_derivative_by_hand(df_by_hand: Callable[[float], float], reveal: bool = False) -> None:
    """df_by_hand(x) must be f'(x) for f(x) = x³ - 2x, at every point."""
    for x in (-2.0, 0.0, 1.5, 3.0):
        value = Value(x)
        _cubic(value).backward()
        mine = _number(df_by_hand(x), f"df_by_hand({x})")
        if not _close(mine, value.grad):
            _fail(
                f"df_by_hand({x}) gives {mine:.6g}, which is not the derivative of x³ - 2x at "
                f"x = {x}{_revealed(reveal, f' (it is {value.grad:.6g})')}. The power rule: the "
                "derivative of xⁿ is n·xⁿ⁻¹, and the derivative of a sum is the sum of the "
                "derivatives."
            )
    print("✓ df_by_hand is the derivative of x³ - 2x at every point tried")


def check_derivative_numerically(
    df_numerically: Callable[..., float], reveal: bool = False
) -> None:
    """df_numerically(f, x) must estimate f'(x) from values of f alone, within 1e-4."""
    for x in (-2.0, 0.5, 1.5):
        value = Value(x)
        _cubic(value).backward()
        estimate = _number(df_numerically(_cubic, x), f"df_numerically(f, {x})")
        if abs(estimate - value.grad) > 1e-4:
            _fail(
                f"df_numerically(f, {x}) gives {estimate:.6g}, more than 1e-4 away from f'({x})"
                f"{_revealed(reveal, f' = {value.grad:.6g}')}. Nudge x a little (h = 1e-6) both "
                "ways and divide the change in f by the change in x."
            )
    print("✓ df_numerically estimates the derivative to within 1e-4")


# ---------------------------------------------------------------------------------------------
# 2. The backward rule of a new operation
# ---------------------------------------------------------------------------------------------


def check_cube_backward(cube_backward: Callable[..., Sequence[Any]], reveal: bool = False) -> None:
    """cube_backward(g, out, x) must return (g · 3x²,): the chain rule through out = x³."""
    given = cube_backward(2.0, 8.0, 2.0)
    if given is None or given is Ellipsis:
        _fail("cube_backward returns nothing yet: return a one-item tuple, (g * ...,)")
    if not isinstance(given, (tuple, list)) or len(given) != 1:
        _fail(f"cube_backward should return a tuple with one gradient, like (g * ...,): {given!r}")
    cube = operation("exercise_cube", lambda x: x**3, cube_backward)
    for x in (0.7, -1.3):
        try:
            gradcheck(lambda x: cube(x) * 1.5, [x])
        except GradcheckError as error:
            found = f"\n{error}" if reveal else ""
            if "every node's local derivative agrees" in str(error):
                _fail(
                    f"with g = 1 your rule is right, so it leaves out g: multiply the local "
                    f"derivative by g, the gradient arriving from above (the chain rule).{found}"
                )
            _fail(
                f"gradcheck found cube's rule wrong at x = {x}: its local derivative disagrees "
                "with finite differences. The rule returns (g · ∂out/∂x,), the local derivative "
                f"of x³ by the power rule (the derivative of xⁿ is n·xⁿ⁻¹).{found}"
            )
    print("✓ cube's backward rule agrees with finite differences (gradcheck)")


# ---------------------------------------------------------------------------------------------
# 3. The accumulation bug
# ---------------------------------------------------------------------------------------------


# Each graph uses a three times, and the rule named beside it receives a share for a Value that
# already holds one from a use handled before: a rule that sets (=) its input's gradient there
# throws the earlier share away. Each of the four assignments of a tiny engine's + and * rules
# is tried that way, so every partial fix still fails one of them.
ACCUMULATION_GRAPHS = [
    ("a + (a + a)", lambda a: a + (a + a), "3", "+", lambda a: 3.0),
    ("a * (a * a)", lambda a: a * (a * a), "3a²", "*", lambda a: 3.0 * a * a),
    ("a*a + a", lambda a: a * a + a, "2a + 1", "+ and *", lambda a: 2.0 * a + 1.0),
]


def check_accumulation(make_value: Callable[[float], Any], reveal: bool = False) -> None:
    """A Value used many times must receive every use's share: ∂b/∂a sums them all."""
    for text, build, derivative, rules, expected in ACCUMULATION_GRAPHS:
        a = make_value(3.0)
        b = build(a)
        b.backward()
        if not _close(a.grad, expected(3.0)):
            _fail(
                f"for b = {text} at a = 3, a.grad is {a.grad}, which is not ∂b/∂a = {derivative}"
                f"{_revealed(reveal, f' = {expected(3.0):g}')}. a is used three times, and each "
                f"use sends back a share; look at the _backward of {rules}: a rule that sets "
                "the gradient (=) throws away what the other uses left there. Add to it (+=)."
            )
    print("✓ every use of a adds its share, in + and in *")


# ---------------------------------------------------------------------------------------------
# 4. A neuron by hand
# ---------------------------------------------------------------------------------------------

NEURON = {"x1": 2.0, "x2": 0.0, "w1": -3.0, "w2": 1.0, "b": 6.8813735870195432}
HINTS = {
    "o": "the output's gradient with respect to itself",
    "n": "∂o/∂n = 1 - o² for o = tanh(n)",
    "b": "n = x1·w1 + x2·w2 + b, so ∂n/∂b = 1",
    "x1": "∂n/∂x1 = w1, times ∂o/∂n",
    "w1": "∂n/∂w1 = x1, times ∂o/∂n",
    "x2": "∂n/∂x2 = w2, times ∂o/∂n",
    "w2": "∂n/∂w2 = x2, times ∂o/∂n",
}


def neuron() -> tuple[Value, dict[str, Value]]:
    """o = tanh(x1·w1 + x2·w2 + b), the neuron of the micrograd lecture, and its named Values.

    Every Value is labeled as in the lecture, so drawings of it read like the lecture's.
    """
    values = {name: Value(data, label=name) for name, data in NEURON.items()}
    x1w1 = values["x1"] * values["w1"]
    x1w1.label = "x1*w1"
    x2w2 = values["x2"] * values["w2"]
    x2w2.label = "x2*w2"
    total = x1w1 + x2w2
    total.label = "x1*w1 + x2*w2"
    n = total + values["b"]
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    return o, {**values, "n": n, "o": o}


def check_neuron_gradients(grads: dict[str, float], reveal: bool = False) -> None:
    """grads[name] must be ∂o/∂name for every Value of the neuron."""
    o, values = neuron()
    o.backward()
    missing = [name for name in HINTS if name not in grads]
    if missing:
        _fail(f"grads has no entry for {', '.join(missing)}")
    wrong = []
    for name, hint in HINTS.items():
        mine = _number(grads[name], f"grads[{name!r}]")
        if not _close(mine, values[name].grad, 1e-4):
            right = _revealed(reveal, f", it is {values[name].grad:.4g}")
            wrong.append(f"  {name}: you have {mine:.4g}{right} ({hint})")
    if wrong:
        _fail(
            "these gradients are not right yet (work from the output back: each one is the "
            "local derivative times the gradient of the Value it feeds):\n" + "\n".join(wrong)
        )
    print("✓ every gradient of the neuron is right")


# ---------------------------------------------------------------------------------------------
# 5. Topological order
# ---------------------------------------------------------------------------------------------


def _diamond() -> Value:
    a = Value(1.5, label="a")
    b = a * 2.0
    b.label = "b"
    c = a.tanh()
    c.label = "c"
    d = b + c
    d.label = "d"
    e = d * a
    e.label = "e"
    return e


def _chain(length: int) -> Value:
    x = Value(0.5, label="x0")
    for i in range(1, length + 1):
        x = x * 1.0
        x.label = f"x{i}"
    return x


def check_topological_order(
    topological_order: Callable[[Value], list[Value]], reveal: bool = False
) -> None:
    """Every Value the root depends on, once each, each after all of its inputs."""
    for root in (_diamond(), _chain(200)):
        order = topological_order(root)
        if order is None or order is Ellipsis:
            _fail("topological_order returns nothing yet: return a list of Values")
        order = list(order)
        reachable, stack = set(), [root]
        while stack:
            node = stack.pop()
            if node not in reachable:
                reachable.add(node)
                stack.extend(node._prev)
        if len(order) != len(set(order)):
            _fail("a Value appears twice in your order: remember which ones you have visited")
        missing = reachable - set(order)
        if missing:
            names = ", ".join(sorted(repr(node.label or node.data) for node in missing))
            _fail(f"your order leaves out {names}: visit the inputs of every Value")
        place = {node: i for i, node in enumerate(order)}
        for node in order:
            for child in node._prev:
                if place[child] > place[node]:
                    _fail(
                        f"{node.label!r} comes before its input {child.label or child.data!r}: "
                        "add a Value to the list only after all of its inputs"
                    )
    print("✓ every Value comes once, after all of its inputs")


# ---------------------------------------------------------------------------------------------
# 6. Training
# ---------------------------------------------------------------------------------------------


def check_train_step(
    train_step: Callable[..., Value], make_model: Callable[[], Any], reveal: bool = False
) -> None:
    """train_step(model, xs, ys, lr) must do one step of gradient descent on the squared error,
    and return the loss: the Value it called backward() on."""
    xs = [[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0], [1.0, 1.0, -1.0]]
    ys = [1.0, -1.0, -1.0, 1.0]
    model = make_model()
    for step in range(2):
        before = [p.data for p in model.parameters()]
        loss = sum((model(x) - y) ** 2 for x, y in zip(xs, ys))
        expected = grad(loss, model.parameters())
        returned = train_step(model, xs, ys, 0.05)
        if returned is None or returned is Ellipsis:
            _fail("train_step returns nothing yet: return the loss (a Value)")
        if not isinstance(returned, Value):
            _fail(
                f"train_step returns {type(returned).__name__} {returned!r:.40}: return the loss "
                "itself, the Value you called backward() on, not its number (loss.data)"
            )
        if not _close(returned.data, loss.data):
            _fail(
                f"train_step returns a Value of {returned.data:.6g}, which is not this step's "
                "loss: the squared error (model(x) - y)² summed over every sample, computed "
                "before the update"
                + _revealed(reveal, f" (it is {loss.data:.6g})")
            )
        moved = [p.data - old for p, old in zip(model.parameters(), before)]
        if all(change == 0.0 for change in moved):
            _fail("the weights did not move: update each p.data by -lr · p.grad")
        for change, gradient in zip(moved, expected):
            if not _close(change, -0.05 * gradient, 1e-6):
                if step == 1:
                    _fail(
                        "the first step was right, the second was not: its update also holds "
                        "the first step's gradients. Set every p.grad to 0 before backward()."
                    )
                _fail(
                    "a weight moved by the wrong amount: the update is p.data -= lr * p.grad, "
                    "with the gradients of this step's loss (squared error summed over samples)"
                )
    print("✓ train_step does one step of gradient descent, with fresh gradients every time")


# ---------------------------------------------------------------------------------------------
# 7. A first tensor operation
# ---------------------------------------------------------------------------------------------


def check_matvec_backward(matvec_backward: Callable[..., Any], reveal: bool = False) -> None:
    """matvec_backward(W, x, grad_y) must give (∂L/∂W, ∂L/∂x) for y = W·x."""
    weights = [[1.0, -2.0, 0.5], [3.0, 0.0, -1.0]]
    x = [0.5, 1.5, -2.0]
    grad_y = [1.0, -3.0]
    answer = matvec_backward(weights, x, grad_y)
    if answer is None or answer is Ellipsis:
        _fail("matvec_backward returns nothing yet: return (grad_W, grad_x)")
    if _is_matrix(answer) and not _is_matrix(answer[0]):
        _fail("matvec_backward returns one list of rows, grad_W alone: return both, grad_W, grad_x")
    if not isinstance(answer, (tuple, list)) or len(answer) != 2:
        _fail(f"matvec_backward returns {answer!r:.40}: return both, grad_W, grad_x")
    grad_weights, grad_x = answer
    for name, part in (("grad_W", grad_weights), ("grad_x", grad_x)):
        if part is None or part is Ellipsis:
            _fail(f"{name} is not written yet: replace the ... with your answer")
        if not isinstance(part, (list, tuple)):
            _fail(f"{name} should be a list, not {type(part).__name__}")
    weight_values = [[Value(w) for w in row] for row in weights]
    xv = [Value(v) for v in x]
    y = [sum((w * v for w, v in zip(row, xv)), Value(0.0)) for row in weight_values]
    loss = sum((g * out for g, out in zip(grad_y, y)), Value(0.0))  # so ∂loss/∂y = grad_y
    loss.backward()
    shape = f"{len(weights)}×{len(weights[0])}"
    if len(grad_weights) != len(weights) or any(
        not isinstance(row, (list, tuple)) or len(row) != len(weights[0]) for row in grad_weights
    ):
        _fail(f"grad_W must have W's shape, {shape}: one gradient per weight")
    for i, row in enumerate(weight_values):
        for j, w in enumerate(row):
            if not math.isclose(grad_weights[i][j], w.grad, rel_tol=1e-9, abs_tol=1e-12):
                _fail(
                    f"grad_W[{i}][{j}] is {grad_weights[i][j]}, which is not ∂L/∂W[{i}][{j}]"
                    f"{_revealed(reveal, f' = {w.grad}')}: W[i][j] multiplies x[j] into y[i], "
                    "so ∂L/∂W[i][j] = grad_y[i] · x[j] (grad_y xᵀ)"
                )
    if len(grad_x) != len(x):
        _fail(f"grad_x must have x's length, {len(x)}: one gradient per entry of x")
    for j, v in enumerate(xv):
        if not math.isclose(grad_x[j], v.grad, abs_tol=1e-12):
            _fail(
                f"grad_x[{j}] is {grad_x[j]}, which is not ∂L/∂x[{j}]"
                f"{_revealed(reveal, f' = {v.grad}')}: x[j] reaches every y[i] through W[i][j], "
                "so ∂L/∂x[j] = Σᵢ grad_y[i] · W[i][j] (Wᵀ grad_y)"
            )
    print("✓ matvec_backward gives grad_y xᵀ and Wᵀ grad_y")


def _is_matrix(part: object) -> bool:
    """A list of rows, each a list of numbers (grad_W's shape)."""
    return (
        isinstance(part, (list, tuple))
        and len(part) > 0
        and all(isinstance(row, (list, tuple)) for row in part)
    )
