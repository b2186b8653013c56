"""The exercises: every solution passes its checks, every blank fails them with a plain message."""

import itertools
import os
import runpy
import zipfile
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
    "03-accumulation.ipynb": "for b = a + (a + a) at a = 3, a.grad is 1.0, which is not ∂b/∂a = 3",
    "04-neuron-by-hand.ipynb": "grads['o'] is not written yet",
    "05-topological-order.ipynb": "your order leaves out",
    "06-training.ipynb": "train_step returns nothing yet",
    "07-matvec.ipynb": "grad_W is not written yet",
}


def run(
    path: Path, tmp_path: Path, monkeypatch, notebook: nbformat.NotebookNode | None = None
) -> nbformat.NotebookNode:
    """Run the notebook at ``path`` (or ``notebook``, read from it), keeping its outputs in it."""
    monkeypatch.setenv(
        "PYTHONPATH", os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")])
    )
    notebook = notebook if notebook is not None else nbformat.read(path, as_version=4)
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
def test_blank_fails_its_first_check_with_its_message_alone(name, tmp_path, monkeypatch):
    notebook = nbformat.read(EXERCISES / name, as_version=4)
    with pytest.raises(CellExecutionError) as failure:
        run(EXERCISES / name, tmp_path, monkeypatch, notebook)
    assert failure.value.ename == "WrongAnswerError"
    (error,) = [
        output
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.outputs
        if output.output_type == "error"
    ]
    shown = "\n".join(error.traceback)  # what Jupyter shows under the cell
    assert BLANK_MESSAGES[name] in shown
    assert len(error.traceback) == 1 and "Traceback" not in shown and "Cell In" not in shown


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
    with pytest.raises(exercises.WrongAnswerError, match=r"cube's rule wrong at x = 0.7.*n·xⁿ⁻¹"):
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
    with pytest.raises(exercises.WrongAnswerError, match=r"w1: you have 2 \(∂n/∂w1"):
        exercises.check_neuron_gradients(grads)
    with pytest.raises(exercises.WrongAnswerError, match=r"w1: you have 2, it is 1 \(∂n/∂w1"):
        exercises.check_neuron_gradients(grads, reveal=True)


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


# Exercise 3: the four assignments of the tiny engine's rules, each fixed (+=) or not (=).
TINY_ASSIGNMENTS = [
    "self.grad = out.grad",
    "other.grad = out.grad",
    "self.grad = other.data * out.grad",
    "other.grad = self.data * out.grad",
]


def tiny_engine(fixed: tuple[str, ...]):
    source = GENERATOR["TINY_ENGINE"]
    for line in fixed:
        assert line in source
        source = source.replace(line, line.replace(" = ", " += ", 1))
    namespace = {}
    exec(source, namespace)
    return namespace["Tiny"]


PARTIAL_FIXES = [
    subset
    for size in range(len(TINY_ASSIGNMENTS))
    for subset in itertools.combinations(TINY_ASSIGNMENTS, size)
]


@pytest.mark.parametrize("fixed", PARTIAL_FIXES, ids=lambda fixed: " & ".join(fixed) or "none")
def test_every_partial_fix_of_the_tiny_engine_fails_the_check(fixed):
    with pytest.raises(exercises.WrongAnswerError, match="throws away"):
        exercises.check_accumulation(tiny_engine(fixed))


def test_the_tiny_engine_with_every_rule_fixed_passes(capsys):
    exercises.check_accumulation(tiny_engine(tuple(TINY_ASSIGNMENTS)))
    assert "✓" in capsys.readouterr().out


def zero_matvec(weights, x, grad_y):
    return [[0.0] * len(x) for _ in weights], [0.0] * len(x)


# An answer of zeros everywhere, and a number of the answer key its message must not show.
ZEROS = [
    ("check_derivative_by_hand", (lambda x: 0.0,), "10"),
    ("check_derivative_numerically", (lambda f, x: 0.0,), "10"),
    ("check_cube_backward", (lambda g, out, x: (0.0,),), "1.47"),
    ("check_neuron_gradients", ({n: 0.0 for n in exercises.HINTS},), "0.5"),
    ("check_matvec_backward", (zero_matvec,), "= 0.5"),
]


@pytest.mark.parametrize(("check", "answer", "key"), ZEROS, ids=[z[0] for z in ZEROS])
def test_a_check_gives_the_rule_not_the_answer_unless_revealed(check, answer, key):
    with pytest.raises(exercises.WrongAnswerError) as hidden:
        getattr(exercises, check)(*answer)
    assert key not in str(hidden.value)
    with pytest.raises(exercises.WrongAnswerError) as revealed:
        getattr(exercises, check)(*answer, reveal=True)
    assert key in str(revealed.value)


def make_lecture_model():
    from minigrad import MLP, manual_seed

    manual_seed(0)
    return MLP(3, [4, 4, 1])


def _solution_of_exercise_6():
    """train_step as exercise 6's solution writes it."""
    (answer,) = [c for c in GENERATOR["EXERCISES"]["06-training.ipynb"] if c[0] == "answer"]
    namespace: dict = {}
    exec(answer[2], namespace)
    return namespace["train_step"]


a_correct_step = _solution_of_exercise_6()


def test_a_training_step_returning_the_losss_number_is_refused():
    def returns_a_float(model, xs, ys, lr):
        return a_correct_step(model, xs, ys, lr).data

    with pytest.raises(exercises.WrongAnswerError, match="not its number"):
        exercises.check_train_step(returns_a_float, make_lecture_model)


def test_a_training_step_returning_another_value_is_refused():
    def returns_a_sample(model, xs, ys, lr):
        a_correct_step(model, xs, ys, lr)
        return model(xs[0])

    with pytest.raises(exercises.WrongAnswerError, match="not this step's loss"):
        exercises.check_train_step(returns_a_sample, make_lecture_model)


def test_matvec_returning_grad_w_alone_is_told_to_return_both():
    def only_grad_w(weights, x, grad_y):
        return [[g * xj for xj in x] for g in grad_y]

    with pytest.raises(exercises.WrongAnswerError, match="grad_W alone: return both"):
        exercises.check_matvec_backward(only_grad_w)


def test_the_student_bundle_holds_the_blank_notebooks_a_wheel_and_a_readme(tmp_path):
    bundle = runpy.run_path(str(EXERCISES / "make_bundle.py"))
    folder, archive = bundle["main"](tmp_path / "student-bundle")
    names = sorted(path.name for path in folder.iterdir())
    wheels = [name for name in names if name.endswith(".whl")]
    assert len(wheels) == 1 and wheels[0].startswith("minigrad_edu-")
    assert names == sorted([*NAMES, "README.md", *wheels])
    for name in NAMES:  # the blanks, not a line of a solution
        assert nbformat.read(folder / name, as_version=4) == nbformat.read(
            EXERCISES / name, as_version=4
        )
    readme = (folder / "README.md").read_text()
    assert f"pip install '{wheels[0]}[notebook]'" in readme and "jupyter lab" in readme
    with zipfile.ZipFile(archive) as packed:
        inside = packed.namelist()
    assert sorted(Path(n).name for n in inside if not n.endswith("/")) == names
    assert not any("solution" in name.lower() for name in inside)
