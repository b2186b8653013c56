"""Write the exercise notebooks and their solutions: ``python exercises/make_exercises.py``.

Each exercise is written once below; the notebook in exercises/ gets the blank answer cells and
the one in exercises/solutions/ the worked answers. The check cells call
``minigrad.teaching.exercises``, which says in plain words what is wrong.
tests/teaching/test_exercises.py runs every solution (all checks pass) and every blank (its first
check fails with its message), and checks that the notebooks are what this script writes.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).resolve().parent

# Exercise 3's tiny engine, with the bug: its backward rules set the gradient (=) instead of
# adding to it (+=). The solution is the same code with the three rules fixed.
TINY_ENGINE = """class Tiny:
    def __init__(self, data, inputs=()):
        self.data, self.grad, self._prev = data, 0.0, inputs
        self._backward = lambda: None

    def __add__(self, other):
        out = Tiny(self.data + other.data, (self, other))

        def _backward():
            self.grad = out.grad
            other.grad = out.grad

        out._backward = _backward
        return out

    def __mul__(self, other):
        out = Tiny(self.data * other.data, (self, other))

        def _backward():
            self.grad = other.data * out.grad
            other.grad = self.data * out.grad

        out._backward = _backward
        return out

    def backward(self):
        order, seen = [], set()

        def visit(node):
            if node not in seen:
                seen.add(node)
                for child in node._prev:
                    visit(child)
                order.append(node)

        visit(self)
        self.grad = 1.0
        for node in reversed(order):
            node._backward()"""
TINY_ENGINE_FIXED = (
    TINY_ENGINE.replace(".grad = out.grad", ".grad += out.grad")
    .replace(".grad = other.data", ".grad += other.data")
    .replace(".grad = self.data", ".grad += self.data")
)

# An exercise is a list of cells: ("md", text), ("code", source), or ("answer", blank, solution).
EXERCISES: dict[str, list[tuple[str, ...]]] = {
    "01-derivative.ipynb": [
        (
            "md",
            """# Exercise 1: the derivative, by hand and numerically

A derivative says how much f(x) moves when x moves a little. Take f(x) = x³ - 2x.

1. Write `df_by_hand(x)`, the derivative you work out with the power rule.
2. Write `df_numerically(f, x)`, an estimate from values of f alone: nudge x by a small h both
   ways and divide the change in f by the change in x.

Run the check cells: they compare your answers with what MiniGrad's `backward()` computes.""",
        ),
        (
            "answer",
            """def df_by_hand(x):
    return ...  # the derivative of x**3 - 2*x""",
            """def df_by_hand(x):
    return 3 * x**2 - 2""",
        ),
        ("code", "from minigrad.teaching.exercises import check_derivative_by_hand\n\n"
                 "check_derivative_by_hand(df_by_hand)"),
        (
            "answer",
            """def df_numerically(f, x, h=1e-6):
    return ...  # from f(x + h) and f(x - h)""",
            """def df_numerically(f, x, h=1e-6):
    return (f(x + h) - f(x - h)) / (2 * h)""",
        ),
        ("code", "from minigrad.teaching.exercises import check_derivative_numerically\n\n"
                 "check_derivative_numerically(df_numerically)"),
    ],
    "02-new-operation.ipynb": [
        (
            "md",
            """# Exercise 2: the backward rule of a new operation

Every operation in MiniGrad has a forward rule (compute the output) and a backward rule (pass
the gradient back). `minigrad.operation(name, forward, backward)` adds one. The backward rule
gets `g`, the gradient arriving at the output, the output `out` and the input `x`, and returns
a tuple with one gradient per input: `g` times the local derivative ∂out/∂x.

Write the backward rule of `cube`, out = x³. The check runs `gradcheck`, which compares your rule
with finite differences and names the node whose rule is wrong.""",
        ),
        (
            "answer",
            """def cube_backward(g, out, x):
    return ...  # a tuple: (g * the local derivative,)""",
            """def cube_backward(g, out, x):
    return (g * 3 * x**2,)""",
        ),
        ("code", "from minigrad.teaching.exercises import check_cube_backward\n\n"
                 "check_cube_backward(cube_backward)"),
        (
            "md",
            """Now `cube` works like any other operation:""",
        ),
        (
            "code",
            """from minigrad import Value, operation

cube = operation("cube", lambda x: x**3, cube_backward)
x = Value(2.0)
y = cube(x)
y.backward()
print(y.data, x.grad)""",
        ),
    ],
    "03-accumulation.ipynb": [
        (
            "md",
            """# Exercise 3: the accumulation bug

Below is a tiny engine in the style of micrograd: each Value keeps a `_backward` function that
passes its gradient to its inputs. It has a bug: when a Value is used more than once (as `a`
in `b = a*a + a`), `a.grad` comes out wrong. Run the check to see it, then fix the two
`_backward` functions: the check tries each of them.""",
        ),
        ("answer", TINY_ENGINE, TINY_ENGINE_FIXED),
        (
            "code",
            "from minigrad.teaching.exercises import check_accumulation\n\n"
            "check_accumulation(Tiny)",
        ),
    ],
    "04-neuron-by-hand.ipynb": [
        (
            "md",
            """# Exercise 4: a neuron by hand

The neuron of the micrograd lecture: o = tanh(n) with n = x1·w1 + x2·w2 + b, at x1 = 2, x2 = 0,
w1 = -3, w2 = 1, b = 6.8813735870195432. Work out ∂o/∂v for every Value v, from the output back
to the inputs, with the chain rule, as `backward()` would. You may compute with Python
(`math.tanh`), but not with MiniGrad.""",
        ),
        (
            "code",
            """import math

x1, x2, w1, w2, b = 2.0, 0.0, -3.0, 1.0, 6.8813735870195432
n = x1 * w1 + x2 * w2 + b
o = math.tanh(n)
print(n, o)""",
        ),
        (
            "answer",
            """grads = {
    "o": ...,
    "n": ...,
    "b": ...,
    "x1": ...,
    "w1": ...,
    "x2": ...,
    "w2": ...,
}""",
            """grads = {"o": 1.0}
grads["n"] = (1 - o**2) * grads["o"]
grads["b"] = 1.0 * grads["n"]
grads["x1"] = w1 * grads["n"]
grads["w1"] = x1 * grads["n"]
grads["x2"] = w2 * grads["n"]
grads["w2"] = x2 * grads["n"]""",
        ),
        ("code", "from minigrad.teaching.exercises import check_neuron_gradients\n\n"
                 "check_neuron_gradients(grads)"),
        (
            "md",
            """Compare with the drawing of the same neuron made of MiniGrad Values (`o` above is a
plain float, so it is built again here): `draw_dot` shows every gradient.""",
        ),
        (
            "code",
            """from minigrad import draw_dot
from minigrad.teaching.exercises import neuron

o_value, values = neuron()
o_value.backward()
draw_dot(o_value)""",
        ),
    ],
    "05-topological-order.ipynb": [
        (
            "md",
            """# Exercise 5: topological order

`backward()` must handle a Value only after every Value that uses it, so it walks a list in
which every Value comes after all of its inputs (a topological order), from the end. Write
`topological_order(root)`: every Value that `root` depends on, each once, each after its inputs
(`node._prev` are a Value's inputs). The check tries a small graph and a chain of 200.""",
        ),
        (
            "answer",
            """def topological_order(root):
    order = []
    ...
    return order""",
            """def topological_order(root):
    order, seen = [], set()

    def visit(node):
        if node not in seen:
            seen.add(node)
            for child in node._prev:
                visit(child)
            order.append(node)

    visit(root)
    return order""",
        ),
        ("code", "from minigrad.teaching.exercises import check_topological_order\n\n"
                 "check_topological_order(topological_order)"),
        (
            "md",
            """A recursive `visit` works for these graphs; for a chain of a million operations it
would exceed Python's recursion limit. MiniGrad's own `topological_order` uses a loop with a
stack of its own instead: read it in `minigrad/engine.py`.""",
        ),
    ],
    "06-training.ipynb": [
        (
            "md",
            """# Exercise 6: a training step

Write `train_step(model, xs, ys, lr)`: the forward pass over every sample, the loss (squared
error summed over the samples), the gradients set to zero, `backward()`, and the update
`p.data -= lr * p.grad` for every parameter. Return the loss. The check takes two steps and
compares each update with the gradient of that step's loss.""",
        ),
        (
            "answer",
            """def train_step(model, xs, ys, lr):
    ...""",
            """def train_step(model, xs, ys, lr):
    loss = sum((model(x) - y) ** 2 for x, y in zip(xs, ys))
    for p in model.parameters():
        p.grad = 0.0
    loss.backward()
    for p in model.parameters():
        p.data -= lr * p.grad
    return loss""",
        ),
        (
            "code",
            """from minigrad import MLP, manual_seed
from minigrad.teaching.exercises import check_train_step


def make_model():
    manual_seed(0)
    return MLP(3, [4, 4, 1])


check_train_step(train_step, make_model)""",
        ),
        ("md", "Now train the network of the original MiniGrad description with it:"),
        (
            "code",
            """xs = [[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0], [1.0, 1.0, -1.0]]
ys = [1.0, -1.0, -1.0, 1.0]
model = make_model()
for _ in range(30):
    loss = train_step(model, xs, ys, 0.05)
print(f"loss after 30 steps: {loss.data:.4f}")""",
        ),
    ],
    "07-matvec.ipynb": [
        (
            "md",
            """# Exercise 7: a first tensor operation

A tensor engine makes `y = W·x` (a matrix times a vector) one operation, with one backward rule
for all of it. Given the gradient arriving at y, `grad_y` (∂L/∂y), write `matvec_backward`
returning `grad_W` (∂L/∂W, a list of rows like W) and `grad_x` (∂L/∂x). Hint: yᵢ = Σⱼ Wᵢⱼ·xⱼ,
so work out one scalar product's rule, then write it for every i and j.""",
        ),
        (
            "answer",
            """def matvec_backward(W, x, grad_y):
    grad_W = ...
    grad_x = ...
    return grad_W, grad_x""",
            """def matvec_backward(W, x, grad_y):
    grad_W = [[g * xj for xj in x] for g in grad_y]
    grad_x = [sum(grad_y[i] * W[i][j] for i in range(len(W))) for j in range(len(x))]
    return grad_W, grad_x""",
        ),
        ("code", "from minigrad.teaching.exercises import check_matvec_backward\n\n"
                 "check_matvec_backward(matvec_backward)"),
    ],
}


def notebook(cells: list[tuple[str, ...]], solution: bool) -> nbformat.NotebookNode:
    """The notebook of one exercise, blank or solved, with stable cell ids and no outputs."""
    made = []
    for number, (kind, *sources) in enumerate(cells):
        if kind == "md":
            cell = new_markdown_cell(sources[0])
        else:
            cell = new_code_cell(sources[-1] if kind == "answer" and solution else sources[0])
        cell["id"] = f"cell-{number}"
        made.append(cell)
    book = new_notebook(cells=made)
    book.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    return book


def write_all() -> list[Path]:
    written = []
    for name, cells in EXERCISES.items():
        for folder, solution in ((HERE, False), (HERE / "solutions", True)):
            folder.mkdir(exist_ok=True)
            nbformat.write(notebook(cells, solution), folder / name)
            written.append(folder / name)
    return written


if __name__ == "__main__":
    for path in write_all():
        print(f"wrote {path}", file=sys.stdout)
