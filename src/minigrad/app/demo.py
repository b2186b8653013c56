"""What ``minigrad demo`` does: train a small MLP on a toy data set, then draw what it learned.

The training is the loop of the original MiniGrad description, made to fit a data set in
seconds: a forward pass over every point, a loss, ``zero_grad``, ``backward``, an optimizer step,
once per epoch. How a data set is learned depends on its labels:

* two classes (moons, circles, xor): one output, a logit; binary cross-entropy; class 1 when > 0.
* more classes (spiral): one logit per class; cross-entropy; the class of the largest logit.
* targets of ±1 (seed, as in the README): a tanh output; mean squared error; right when the
  prediction has the target's sign.

A fifth of the points (none of the ``seed`` data set's four) is held out as a test set: the model
never trains on them, and the accuracy on them says how well it generalises. A run whose loss
becomes NaN or infinite, or grows a thousandfold, stops with TrainingDivergedError.

The drawings use matplotlib's object API (``Figure``, rendered by Agg): no window, no display.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from minigrad import losses, optim
from minigrad.app import data
from minigrad.app.running import TrainingDivergedError
from minigrad.engine import Value, no_grad
from minigrad.nn import MLP, manual_seed

if TYPE_CHECKING:
    from matplotlib.figure import Figure

OPTIMIZERS = {"sgd": optim.SGD, "adam": optim.Adam, "adamw": optim.AdamW}
ACTIVATIONS = ("relu", "tanh", "sigmoid")


@dataclass(frozen=True)
class Settings:
    """Everything a demo run depends on; the same settings train the same model."""

    dataset: str = "moons"
    points: int = 100
    epochs: int = 100
    lr: float = 0.05
    hidden: tuple[int, ...] = (16, 16)
    activation: str = "relu"
    optimizer: str = "adam"
    seed: int = 0


# What trains well within seconds on a slow machine, per data set (measured; see the tests).
DEFAULTS: dict[str, Settings] = {
    "moons": Settings("moons", points=100, epochs=100, lr=0.05, hidden=(16, 16)),
    "circles": Settings("circles", points=100, epochs=60, lr=0.05, hidden=(16, 16)),
    "xor": Settings("xor", points=100, epochs=60, lr=0.05, hidden=(8, 8)),
    "spiral": Settings("spiral", points=150, epochs=100, lr=0.05, hidden=(16, 16)),
    "seed": Settings("seed", points=4, epochs=50, lr=0.05, hidden=(4, 4), activation="tanh"),
}


#: The share of the points held out as the test set (the four samples of the ``seed`` data set
#: are all training data).
TEST_FRACTION = 0.2

#: Training stops as diverged when the loss grows beyond this many times its first value.
DIVERGENCE_FACTOR = 1000.0

#: One colour per class, clearly apart (the first of matplotlib's tab10 palette); blue and orange,
#: the two-class pair, stay apart for the common kinds of colour blindness too.
CLASS_COLOURS = ("tab:blue", "tab:orange", "tab:green", "tab:red", "tab:purple", "tab:brown")

# Adam's steps are about lr long whatever the gradient's scale; plain gradient descent's are lr·g,
# and g is small here, so SGD's default learning rate is this many times larger.
SGD_LR_FACTOR = 10.0


@dataclass
class History:
    """The loss, the training accuracy and the test accuracy at each epoch."""

    loss: list[float] = field(default_factory=list)
    accuracy: list[float] = field(default_factory=list)
    test_accuracy: list[float] = field(default_factory=list)


@dataclass
class Result:
    """A trained model with its settings and data, what the task is, and how training went.

    ``inputs`` and ``labels`` are the training points; ``test_inputs`` and ``test_labels`` the
    held-out ones (empty for the ``seed`` data set).
    """

    settings: Settings
    model: MLP
    task: Task
    inputs: list[list[float]]
    labels: list
    history: History
    test_inputs: list[list[float]] = field(default_factory=list)
    test_labels: list = field(default_factory=list)


class Task:
    """How one kind of label is learned: the model's outputs, the loss and what counts as right."""

    def __init__(self, labels: Sequence[float]) -> None:
        self.classes = sorted(set(labels))
        if any(isinstance(label, float) for label in labels):
            self.kind = "targets"  # ±1 targets, as in the original MiniGrad description
        elif len(self.classes) == 2:
            self.kind = "binary"
        else:
            self.kind = "classes"

    @property
    def outputs(self) -> int:
        return len(self.classes) if self.kind == "classes" else 1

    @property
    def loss_name(self) -> str:
        return {
            "binary": "binary cross-entropy",
            "classes": "cross-entropy",
            "targets": "mean squared error",
        }[self.kind]

    @property
    def output_activation(self) -> str:
        return "tanh" if self.kind == "targets" else "linear"

    def loss(self, outputs: list, labels: Sequence[float]) -> Value:
        if self.kind == "binary":
            return losses.binary_cross_entropy_with_logits(outputs, [float(y) for y in labels])
        if self.kind == "classes":
            return losses.cross_entropy(outputs, list(labels))
        return losses.mse_loss(outputs, list(labels))

    def predict(self, output: Value | list[Value]) -> float:
        """The class (or, for ±1 targets, the sign) that one output stands for."""
        if self.kind == "binary":
            return 1 if output.data > 0 else 0
        if self.kind == "classes":
            scores = [o.data for o in output]
            return scores.index(max(scores))
        return 1.0 if output.data > 0 else -1.0

    def accuracy(self, outputs: list, labels: Sequence[float]) -> float:
        if not labels:
            return math.nan
        right = sum(self.predict(o) == y for o, y in zip(outputs, labels))
        return right / len(labels)


def load_data(settings: Settings) -> tuple[list[list[float]], list]:
    """The data set the settings name, with their number of points and seed."""
    if settings.dataset == "seed":
        return data.seed()
    return data.DATASETS[settings.dataset](n=settings.points, seed=settings.seed)


def split(
    inputs: list[list[float]], labels: list, dataset: str
) -> tuple[list[list[float]], list, list[list[float]], list]:
    """Training inputs and labels, then test ones: the last TEST_FRACTION of the shuffled points."""
    held_out = 0 if dataset == "seed" else int(len(inputs) * TEST_FRACTION)
    kept = len(inputs) - held_out
    return inputs[:kept], labels[:kept], inputs[kept:], labels[kept:]


def train(
    settings: Settings, on_epoch: Callable[[int, float, float], None] | None = None
) -> Result:
    """Train an MLP as the settings say; ``on_epoch(epoch, loss, accuracy)`` after each epoch.

    The accuracies are measured on the model as it is before each epoch's step, with the loss.
    """
    inputs, labels, test_inputs, test_labels = split(*load_data(settings), settings.dataset)
    task = Task(labels + test_labels)
    manual_seed(settings.seed)
    model = MLP(
        len(inputs[0]),
        [*settings.hidden, task.outputs],
        activation=settings.activation,
        output_activation=task.output_activation,
        fused=True,  # one node per neuron: the fast form, with the same numbers
    )
    optimizer = OPTIMIZERS[settings.optimizer](model.parameters(), lr=settings.lr)
    history = History()
    for epoch in range(1, settings.epochs + 1):
        outputs = [model(x) for x in inputs]
        loss = task.loss(outputs, labels)
        _check_not_diverging(loss.data, history.loss, epoch, settings)
        with no_grad():
            test_outputs = [model(x) for x in test_inputs]
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        history.loss.append(loss.data)
        history.accuracy.append(task.accuracy(outputs, labels))
        history.test_accuracy.append(task.accuracy(test_outputs, test_labels))
        if on_epoch is not None:
            on_epoch(epoch, history.loss[-1], history.accuracy[-1])
    return Result(settings, model, task, inputs, labels, history, test_inputs, test_labels)


def _check_not_diverging(loss: float, earlier: list[float], epoch: int, settings: Settings) -> None:
    """Stop a run whose loss is NaN or infinite, or DIVERGENCE_FACTOR times its first value."""
    if math.isfinite(loss) and not (earlier and loss > DIVERGENCE_FACTOR * earlier[0] > 0):
        return
    how = f"is {loss}" if not math.isfinite(loss) else f"grew from {earlier[0]:.3g} to {loss:.3g}"
    raise TrainingDivergedError(
        f"training diverged: the loss {how} at epoch {epoch} "
        f"(--lr {settings.lr:g}, --optimizer {settings.optimizer}); try a smaller --lr"
    )


def final_accuracy(result: Result) -> float:
    """The accuracy of the trained model (after the last step) on its training data."""
    with no_grad():
        outputs = [result.model(x) for x in result.inputs]
    return result.task.accuracy(outputs, result.labels)


def held_out_accuracy(result: Result) -> float:
    """The accuracy of the trained model on the held-out test points (NaN when there are none)."""
    with no_grad():
        outputs = [result.model(x) for x in result.test_inputs]
    return result.task.accuracy(outputs, result.test_labels)


def describe_accuracy(result: Result) -> str:
    """``training accuracy 0.97, test 0.95``, for titles (no test part for ``seed``)."""
    text = f"training accuracy {final_accuracy(result):.2f}"
    if result.test_inputs:
        text += f", test {held_out_accuracy(result):.2f}"
    return text


# ---------------------------------------------------------------------------------------------
# Drawings
# ---------------------------------------------------------------------------------------------


def draw_decision_boundary(result: Result, resolution: int = 100) -> Figure:
    """The points coloured by class over the regions where the model predicts each class.

    Training points are circles, held-out test points triangles; the legend names both and
    every class.
    """
    from matplotlib.colors import ListedColormap
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    every_point = result.inputs + result.test_inputs
    xs = [x[0] for x in every_point]
    ys = [x[1] for x in every_point]
    margin = 0.5
    x_low, x_high = min(xs) - margin, max(xs) + margin
    y_low, y_high = min(ys) - margin, max(ys) + margin
    grid_x = [x_low + (x_high - x_low) * i / (resolution - 1) for i in range(resolution)]
    grid_y = [y_low + (y_high - y_low) * j / (resolution - 1) for j in range(resolution)]
    with no_grad():
        regions = [[result.task.predict(result.model([gx, gy])) for gx in grid_x] for gy in grid_y]
    classes = result.task.classes
    colours = [CLASS_COLOURS[k % len(CLASS_COLOURS)] for k in range(len(classes))]
    figure = Figure(figsize=(6.5, 5))
    axes = figure.add_subplot()
    levels = [k - 0.5 for k in range(len(classes) + 1)]
    axes.contourf(grid_x, grid_y, regions, levels=levels, cmap=ListedColormap(colours), alpha=0.3)
    for points, labels, marker, size in (
        (result.inputs, result.labels, "o", 30),
        (result.test_inputs, result.test_labels, "^", 55),
    ):
        for k, colour in zip(classes, colours):
            mine = [x for x, y in zip(points, labels) if y == k]
            axes.scatter(
                [x[0] for x in mine],
                [x[1] for x in mine],
                color=colour,
                marker=marker,
                edgecolors="black",
                linewidths=0.6,
                s=size,
            )
    handles = [
        Line2D([], [], marker="s", linestyle="", markersize=10, color=c, label=f"class {k}")
        for k, c in zip(classes, colours)
    ]
    handles.append(_marker_handle("o", "training point"))
    if result.test_inputs:
        handles.append(_marker_handle("^", "test point (held out)"))
    axes.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    axes.set_title(f"{result.settings.dataset}: decision boundary\n{describe_accuracy(result)}")
    axes.set_xlabel("x₁")
    axes.set_ylabel("x₂")
    axes.set_xlim(x_low, x_high)
    axes.set_ylim(y_low, y_high)
    figure.tight_layout()
    return figure


def _marker_handle(marker: str, label: str) -> object:
    from matplotlib.lines import Line2D

    return Line2D(
        [], [], marker=marker, linestyle="", color="white", markeredgecolor="black", label=label
    )


def draw_predictions(result: Result) -> Figure:
    """For inputs that are not 2-D: each sample's prediction next to its target."""
    from matplotlib.figure import Figure

    with no_grad():
        predictions = [result.model(x).data for x in result.inputs]
    samples = range(1, len(predictions) + 1)
    figure = Figure(figsize=(6, 4))
    axes = figure.add_subplot()
    axes.bar([s - 0.2 for s in samples], result.labels, width=0.4, label="target")
    axes.bar([s + 0.2 for s in samples], predictions, width=0.4, label="prediction")
    axes.axhline(0.0, color="black", linewidth=0.5)
    axes.set_xticks(list(samples))
    axes.set_xlabel("sample")
    axes.set_title(f"{result.settings.dataset}: predictions and targets")
    axes.legend()
    figure.tight_layout()
    return figure


def draw_training_curve(history: History, loss_name: str = "loss") -> Figure:
    """The loss (named: ``loss_name``) and the training and test accuracy, epoch by epoch."""
    from matplotlib.figure import Figure

    epochs = range(1, len(history.loss) + 1)
    figure = Figure(figsize=(9, 3.5))
    loss_axes, accuracy_axes = figure.subplots(1, 2)
    loss_axes.plot(epochs, history.loss)
    loss_axes.set_title(f"training loss: {loss_name}")
    loss_axes.set_xlabel("epoch")
    loss_axes.set_ylabel(loss_name)
    if all(loss > 0 for loss in history.loss) and max(history.loss) > 10 * min(history.loss):
        loss_axes.set_yscale("log")
    held_out = any(not math.isnan(a) for a in history.test_accuracy)
    training = "training" if held_out else "training (no points held out)"
    accuracy_axes.plot(epochs, history.accuracy, color="tab:green", label=training)
    if held_out:
        accuracy_axes.plot(
            epochs,
            history.test_accuracy,
            color="tab:purple",
            linestyle="--",
            label="test (held out)",
        )
    accuracy_axes.set_title("accuracy")
    accuracy_axes.set_xlabel("epoch")
    accuracy_axes.set_ylabel("share of points classified right")
    accuracy_axes.set_ylim(-0.02, 1.02)
    accuracy_axes.legend(loc="lower right")
    figure.tight_layout()
    return figure
