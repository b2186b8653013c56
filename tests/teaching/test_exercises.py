"""The exercises: every solution passes its checks, every blank fails them with a plain message."""

import os
import runpy
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from minigrad import Value
from minigrad.teaching import exercises

ROOT = Path(__file__).resolve().parents[2]
EXERCISES = ROOT / "exercises"
GENERATOR = runpy.run_path(str(EXERCISES / "make_exercises.py"))
NAMES = sorted(GENERATOR["EXERCISES"])

# What the first failing check of each blank says (the start of its message).
BLANK_MESSAGES = {
    "01-derivative.ipynb": "df_by_hand(-2.0) is not written yet",
    "02-new-operation.ipynb": "cube_backward returns nothing yet",
    "03-accumulation.ipynb": "for b = a*a + a at a = 3, a.grad is 3.0, but ∂b/∂a = 2a + 1 = 7",
    "04-neuron-by-hand.ipynb": "grads['o'] is not written yet",
    "05-topological-order.ipynb": "your order leaves out",
    "06-training.ipynb": "train_step returns nothing yet",
    "07-matvec.ipynb": "grad_W is not written yet",
}


def run(path: Path, tmp_path: Path, monkeypatch) -> nbformat.NotebookNode:
    monkeypatch.setenv(
        "PYTHONPATH", os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")])
    )
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook,
        timeout=300,
        kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path)}},  # files it writes go to tmp_path
    )
    client.execute()
    return notebook


def printed(notebook: nbformat.NotebookNode) -> str:
    return "".join(
        output.get("text", "")
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.outputs
    )


def test_every_exercise_has_its_blank_message():
    assert sorted(BLANK_MESSAGES) == NAMES


@pytest.mark.parametrize("name", NAMES)
def test_solution_passes_every_check(name, tmp_path, monkeypatch):
    notebook = run(EXERCISES / "solutions" / name, tmp_path, monkeypatch)
    checks = sum("check_" in cell.source for cell in notebook.cells if cell.cell_type == "code")
    assert checks >= 1
    assert printed(notebook).count("✓") == checks


@pytest.mark.parametrize("name", NAMES)
def test_blank_fails_its_first_check_with_a_plain_message(name, tmp_path, monkeypatch):
    with pytest.raises(CellExecutionError) as failure:
        run(EXERCISES / name, tmp_path, monkeypatch)
    assert "WrongAnswerError" in str(failure.value)
    assert BLANK_MESSAGES[name] in str(failure.value)


@pytest.mark.parametrize("name", NAMES)
def test_notebooks_are_what_the_generator_writes(name):
    for folder, solution in ((EXERCISES, False), (EXERCISES / "solutions", True)):
        stored = nbformat.read(folder / name, as_version=4)
        assert stored == GENERATOR["notebook"](GENERATOR["EXERCISES"][name], solution), (
            f"{folder / name} differs from exercises/make_exercises.py: run it again"
        )
        assert all(not cell.get("outputs") for cell in stored.cells)


# The checks catch the usual wrong answers, not just blanks.


def test_a_wrong_local_derivative_is_named_by_gradcheck():
    with pytest.raises(exercises.WrongAnswerError, match=r"node \(exercise_cube.*\n.*3x²"):
        exercises.check_cube_backward(lambda g, out, x: (g * 2 * x,))


def test_a_rule_that_leaves_out_g_is_told_so():
    with pytest.raises(exercises.WrongAnswerError, match="it leaves out g"):
        exercises.check_cube_backward(lambda g, out, x: (3 * x**2,))


def test_a_forward_difference_is_close_enough_but_a_wrong_formula_is_not():
    exercises.check_derivative_numerically(lambda f, x, h=1e-7: (f(x + h) - f(x)) / h)
    with pytest.raises(exercises.WrongAnswerError, match="Nudge x"):
        exercises.check_derivative_numerically(lambda f, x, h=1e-6: (f(x + h) - f(x)) / (2 * h))


def test_a_wrong_neuron_gradient_is_named_with_its_hint():
    o, values = exercises.neuron()
    o.backward()
    grads = {name: value.grad for name, value in values.items()}
    grads["w1"] = 2.0
    with pytest.raises(exercises.WrongAnswerError, match=r"w1: you have 2, it is 1 \(∂n/∂w1"):
        exercises.check_neuron_gradients(grads)


def test_an_order_with_an_input_after_its_user_is_refused():
    def reversed_order(root):
        order, stack, seen = [], [root], set()
        while stack:
            node = stack.pop()
            if node not in seen:
                seen.add(node)
                order.append(node)
                stack.extend(node._prev)
        return order  # root first: wrong

    with pytest.raises(exercises.WrongAnswerError, match="comes before its input"):
        exercises.check_topological_order(reversed_order)


def test_a_training_step_that_forgets_to_zero_is_caught_on_the_second_step():
    from minigrad import MLP, manual_seed

    def no_zeroing(model, xs, ys, lr):
        loss = sum((model(x) - y) ** 2 for x, y in zip(xs, ys))
        loss.backward()
        for p in model.parameters():
            p.data -= lr * p.grad
        return loss

    def make_model():
        manual_seed(0)
        return MLP(3, [4, 4, 1])

    with pytest.raises(exercises.WrongAnswerError, match="first step was right.*p.grad to 0"):
        exercises.check_train_step(no_zeroing, make_model)


def test_transposed_matvec_gradient_is_explained():
    def wrong(weights, x, grad_y):
        return [[x[j] for j in range(len(x))] for _ in grad_y], [0.0] * len(x)

    with pytest.raises(exercises.WrongAnswerError, match=r"grad_y\[i\] · x\[j\]"):
        exercises.check_matvec_backward(wrong)


def test_a_value_instead_of_a_number_is_explained():
    with pytest.raises(exercises.WrongAnswerError, match="is a Value: give the plain number"):
        exercises.check_derivative_by_hand(lambda x: Value(3 * x**2 - 2))
