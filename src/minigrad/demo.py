"""What ``minigrad demo`` does: train a small MLP on a toy data set, then draw what it learned.

The training is the seed README's loop, made to fit a data set in seconds: a forward pass over
every point, a loss, ``zero_grad``, ``backward``, an optimizer step, once per epoch. How a data
set is learned depends on its labels:

* two classes (moons, circles, xor): one output, a logit; binary cross-entropy; class 1 when > 0.
* more classes (spiral): one logit per class; cross-entropy; the class of the largest logit.
* targets of ±1 (seed, as in the README): a tanh output; mean squared error; right when the
  prediction has the target's sign.

The drawings use matplotlib's object API (``Figure``, rendered by Agg): no window, no display.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from minigrad import data, losses, optim
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


# Adam's steps are about lr long whatever the gradient's scale; plain gradient descent's are lr·g,
# and g is small here, so SGD's default learning rate is this many times larger.
SGD_LR_FACTOR = 10.0


@dataclass
class History:
    """The loss and the training accuracy after each epoch."""

    loss: list[float] = field(default_factory=list)
    accuracy: list[float] = field(default_factory=list)


@dataclass
class Result:
    """A trained model with its settings and data, what the task is, and how training went."""

    settings: Settings
    model: MLP
    task: Task
    inputs: list[list[float]]
    labels: list
    history: History


class Task:
    """How one kind of label is learned: the model's outputs, the loss and what counts as right."""

    def __init__(self, labels: Sequence[float]) -> None:
        self.classes = sorted(set(labels))
        if any(isinstance(label, float) for label in labels):
            self.kind = "targets"  # ±1 targets, as in the seed README
        elif len(self.classes) == 2:
            self.kind = "binary"
        else:
            self.kind = "classes"

    @property
    def outputs(self) -> int:
        return len(self.classes) if self.kind == "classes" else 1

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
        right = sum(self.predict(o) == y for o, y in zip(outputs, labels))
        return right / len(labels)


class TrainingDivergedError(ArithmeticError):
    """The loss became infinite or NaN: the learning rate is too large for this model."""


def load_data(settings: Settings) -> tuple[list[list[float]], list]:
    """The data set the settings name, with their number of points and seed."""
    if settings.dataset == "seed":
        return data.seed()
    return data.DATASETS[settings.dataset](n=settings.points, seed=settings.seed)


def train(
    settings: Settings, on_epoch: Callable[[int, float, float], None] | None = None
) -> Result:
    """Train an MLP as the settings say; ``on_epoch(epoch, loss, accuracy)`` after each epoch."""
    inputs, labels = load_data(settings)
    task = Task(labels)
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
        if not math.isfinite(loss.data):
            raise TrainingDivergedError(
                f"training diverged: the loss is {loss.data} at epoch {epoch} "
                f"(lr {settings.lr}); try a smaller --lr"
            )
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        history.loss.append(loss.data)
        history.accuracy.append(task.accuracy(outputs, labels))
        if on_epoch is not None:
            on_epoch(epoch, history.loss[-1], history.accuracy[-1])
    return Result(settings, model, task, inputs, labels, history)


def final_accuracy(result: Result) -> float:
    """The accuracy of the trained model (after the last step) on its training data."""
    with no_grad():
        outputs = [result.model(x) for x in result.inputs]
    return result.task.accuracy(outputs, result.labels)


# ---------------------------------------------------------------------------------------------
# Drawings
# ---------------------------------------------------------------------------------------------


def draw_decision_boundary(result: Result, resolution: int = 100) -> Figure:
    """The points coloured by class over the regions where the model predicts each class."""
    from matplotlib.figure import Figure

    xs = [x[0] for x in result.inputs]
    ys = [x[1] for x in result.inputs]
    margin = 0.5
    x_low, x_high = min(xs) - margin, max(xs) + margin
    y_low, y_high = min(ys) - margin, max(ys) + margin
    grid_x = [x_low + (x_high - x_low) * i / (resolution - 1) for i in range(resolution)]
    grid_y = [y_low + (y_high - y_low) * j / (resolution - 1) for j in range(resolution)]
    with no_grad():
        regions = [[result.task.predict(result.model([gx, gy])) for gx in grid_x] for gy in grid_y]
    classes = result.task.classes
    figure = Figure(figsize=(6, 5))
    axes = figure.add_subplot()
    levels = [k - 0.5 for k in range(len(classes) + 1)]
    axes.contourf(grid_x, grid_y, regions, levels=levels, cmap="coolwarm", alpha=0.35)
    axes.scatter(
        xs,
        ys,
        c=result.labels,
        cmap="coolwarm",
        vmin=0,
        vmax=len(classes) - 1,
        edgecolors="black",
        linewidths=0.5,
        s=30,
    )
    accuracy = final_accuracy(result)
    axes.set_title(
        f"{result.settings.dataset}: decision boundary (training accuracy {accuracy:.2f})"
    )
    axes.set_xlabel("x₁")
    axes.set_ylabel("x₂")
    figure.tight_layout()
    return figure


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


def draw_training_curve(history: History) -> Figure:
    """Loss and accuracy, epoch by epoch."""
    from matplotlib.figure import Figure

    epochs = range(1, len(history.loss) + 1)
    figure = Figure(figsize=(8, 3.5))
    loss_axes, accuracy_axes = figure.subplots(1, 2)
    loss_axes.plot(epochs, history.loss)
    loss_axes.set_title("loss")
    loss_axes.set_xlabel("epoch")
    if all(loss > 0 for loss in history.loss) and max(history.loss) > 10 * min(history.loss):
        loss_axes.set_yscale("log")
    accuracy_axes.plot(epochs, history.accuracy, color="tab:green")
    accuracy_axes.set_title("training accuracy")
    accuracy_axes.set_xlabel("epoch")
    accuracy_axes.set_ylim(-0.02, 1.02)
    figure.tight_layout()
    return figure
