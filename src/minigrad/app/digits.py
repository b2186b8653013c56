"""``minigrad demo digits`` (and ``demo mnist``): a tensor MLP learns real handwritten digits.

The data are scikit-learn's bundled 8×8 digits (1,797 images, no download), scaled to [0, 1] and
split into a training set and a held-out test set (20 %, the same ten classes in each). The model
is ``Linear(64, 64) → Tanh → Linear(64, 10)``, trained with Adam on mini-batches of cross-entropy.
It writes three pictures: the training curve, the confusion matrix of the test set and a grid of
test digits with their predicted and true labels (the mistakes first, framed in red).

``--engine scalar`` trains the same network (the same initial weights, loaded through the state
dict) with Values on a subset of the images, and the Tensor engine on the same subset, and prints
both speeds.

``minigrad demo mnist`` does the same with MNIST's 28×28 digits (60,000 for training, 10,000 for
testing), downloaded once into a cache folder and checked against their SHA-256 sums (see
``minigrad.app.mnist``), with a hidden layer of 128 relu units.

Why one BLAS thread: NumPy's matrix products run in a BLAS library that starts one thread per
core. On matrices this small (a batch of 64 rows times 64 × 64 weights) splitting the work costs
more than it saves; on a 2-core machine shared with other jobs, small products get 10 to 70 times
slower. The demo holds BLAS to one thread with threadpoolctl while it trains.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy

from minigrad import losses, optim
from minigrad import nn as scalar_nn
from minigrad import tensor_nn as tn
from minigrad.app.arguments import MAX_LAYER_SIZE, bounded_int, positive_float, seed_number
from minigrad.app.running import (
    FAILURE,
    CommandError,
    OneLineParser,
    TrainingDivergedError,
    check_output_target,
    output_folder,
    run_reporting,
)
from minigrad.engine import no_grad
from minigrad.storage.checkpoint import encode
from minigrad.storage.files import shown_path, write_all_atomically
from minigrad.tensor import Tensor

if TYPE_CHECKING:
    from matplotlib.figure import Figure

CLASSES = 10
PIXELS = 64
# The command line's limits: a typo must not ask for gigabytes or days before anything is said.
MAX_EPOCHS = 10_000
MAX_BATCH = 100_000
MAX_SUBSET = 10_000  # images the scalar engine trains on (about 1,000 a second)
# The numbers a training step holds at once, about batch × (pixels + 2·hidden + 2·classes) (the
# batch, the layers' outputs and their gradients): 25 million float32 numbers are 100 MB.
MAX_BATCH_NUMBERS = 25_000_000


@dataclass(frozen=True)
class Settings:
    """Everything a run depends on; the same settings train the same model."""

    epochs: int = 30
    batch: int = 64
    lr: float = 0.005
    hidden: int = 64
    seed: int = 0
    test_fraction: float = 0.2
    activation: str = "tanh"


@dataclass
class History:
    """Per epoch: the mean training loss and the test accuracy."""

    loss: list[float] = field(default_factory=list)
    test_accuracy: list[float] = field(default_factory=list)


@dataclass
class Split:
    train_x: numpy.ndarray
    train_y: numpy.ndarray
    test_x: numpy.ndarray
    test_y: numpy.ndarray


def load_split(settings: Settings) -> Split:
    """The 1,797 digits as float32 pixels in [0, 1], split into training and test sets."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    x = (digits.data / 16.0).astype(numpy.float32)
    y = digits.target.astype(numpy.int64)
    train_x, test_x, train_y, test_y = train_test_split(
        x, y, test_size=settings.test_fraction, random_state=settings.seed, stratify=y
    )
    return Split(train_x, train_y, test_x, test_y)


def load_mnist_split(folder: Path | None, source: str, progress: bool = True) -> Split:
    from minigrad.app import mnist

    data = mnist.load(folder, source, progress)
    return Split(data["train_x"], data["train_y"], data["test_x"], data["test_y"])


def make_model(settings: Settings, nin: int = PIXELS) -> tn.Sequential:
    scalar_nn.manual_seed(settings.seed)
    act = tn.ReLU() if settings.activation == "relu" else tn.Tanh()
    return tn.Sequential(tn.Linear(nin, settings.hidden), act, tn.Linear(settings.hidden, CLASSES))


def predict(model: tn.Module, x: numpy.ndarray) -> numpy.ndarray:
    """The class of the largest logit, for each row of x."""
    with no_grad():
        return numpy.argmax(model(Tensor(x)).numpy(), axis=1)


def train(
    settings: Settings, split: Split, on_epoch: Any = None
) -> tuple[tn.Sequential, History, float]:
    """Train on mini-batches (shuffled each epoch); return the model, its history and seconds."""
    from threadpoolctl import threadpool_limits

    model = make_model(settings, split.train_x.shape[1])
    optimizer = optim.Adam(model.parameters(), lr=settings.lr)
    rng = numpy.random.default_rng(settings.seed)
    history = History()
    n = len(split.train_y)
    start = time.perf_counter()
    with threadpool_limits(limits=1, user_api="blas"):  # see the module's docstring: why
        for epoch in range(1, settings.epochs + 1):
            order = rng.permutation(n)
            total = 0.0
            for first in range(0, n, settings.batch):
                rows = order[first : first + settings.batch]
                loss = losses.cross_entropy(model(Tensor(split.train_x[rows])), split.train_y[rows])
                if not math.isfinite(loss.item()):
                    raise TrainingDivergedError(
                        f"training diverged: the loss is {loss.item()} at epoch {epoch} "
                        f"(--lr {settings.lr:g}); try a smaller --lr"
                    )
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                total += loss.item() * len(rows)
            history.loss.append(total / n)
            accuracy = float(numpy.mean(predict(model, split.test_x) == split.test_y))
            history.test_accuracy.append(accuracy)
            if on_epoch is not None:
                on_epoch(epoch, history.loss[-1], accuracy)
    return model, history, time.perf_counter() - start


def compare_engines(settings: Settings, split: Split, subset: int, epochs: int) -> dict[str, Any]:
    """The same network trained by both engines on the first ``subset`` training images, one
    sample at a time for Values and one batch at a time for Tensors (the same batches, the same
    initial weights, SGD); samples per second and test accuracy of each."""
    from threadpoolctl import threadpool_limits

    x, y = split.train_x[:subset], split.train_y[:subset]
    tensor_model = make_model(settings)
    scalar_model = scalar_nn.MLP(
        PIXELS, [settings.hidden, CLASSES], output_activation="linear", fused=True
    )
    scalar_model.load_state_dict(tensor_model.state_dict())
    results: dict[str, Any] = {}
    with threadpool_limits(limits=1, user_api="blas"):
        start = time.perf_counter()
        opt = optim.SGD(scalar_model.parameters(), lr=0.1)
        for _ in range(epochs):
            for first in range(0, subset, settings.batch):
                rows = range(first, min(first + settings.batch, subset))
                logits = [scalar_model(x[i].tolist()) for i in rows]
                loss = losses.cross_entropy(logits, [int(y[i]) for i in rows])
                opt.zero_grad()
                loss.backward()
                opt.step()
        seconds = time.perf_counter() - start
        tensor_copy = make_model(settings)
        tensor_copy.load_state_dict(scalar_model.state_dict())
        results["scalar"] = (subset * epochs / seconds, _accuracy(tensor_copy, split))
        start = time.perf_counter()
        opt = optim.SGD(tensor_model.parameters(), lr=0.1)
        for _ in range(epochs):
            for first in range(0, subset, settings.batch):
                rows = slice(first, min(first + settings.batch, subset))
                loss = losses.cross_entropy(tensor_model(Tensor(x[rows])), y[rows])
                opt.zero_grad()
                loss.backward()
                opt.step()
        seconds = time.perf_counter() - start
        results["tensor"] = (subset * epochs / seconds, _accuracy(tensor_model, split))
    return results


def _accuracy(model: tn.Module, split: Split) -> float:
    return float(numpy.mean(predict(model, split.test_x) == split.test_y))


# ---------------------------------------------------------------------------------------------
# Pictures
# ---------------------------------------------------------------------------------------------


def draw_training_curve(history: History) -> Figure:
    """The mean training loss and the test accuracy, epoch by epoch."""
    from matplotlib.figure import Figure

    epochs = range(1, len(history.loss) + 1)
    figure = Figure(figsize=(9, 3.5))
    loss_axes, accuracy_axes = figure.subplots(1, 2)
    loss_axes.plot(epochs, history.loss)
    loss_axes.set_yscale("log")
    loss_axes.set_title("training loss (cross-entropy)")
    loss_axes.set_xlabel("epoch")
    accuracy_axes.plot(epochs, [100 * a for a in history.test_accuracy], color="tab:green")
    accuracy_axes.set_title(f"test accuracy (last: {100 * history.test_accuracy[-1]:.1f} %)")
    accuracy_axes.set_xlabel("epoch")
    accuracy_axes.set_ylabel("%")
    accuracy_axes.set_ylim(min(80.0, 100 * min(history.test_accuracy)), 100.5)
    accuracy_axes.grid(alpha=0.3)
    figure.tight_layout()
    return figure


def confusion_matrix(predicted: numpy.ndarray, true: numpy.ndarray) -> numpy.ndarray:
    """counts[t, p]: how many test digits of class t were predicted p."""
    counts = numpy.zeros((CLASSES, CLASSES), dtype=int)
    numpy.add.at(counts, (true, predicted), 1)
    return counts


def draw_confusion_matrix(counts: numpy.ndarray) -> Figure:
    """The confusion matrix: true class down, predicted across; mistakes off the diagonal."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=(5.5, 5))
    axes = figure.subplots()
    axes.imshow(counts, cmap="Blues")
    for t in range(CLASSES):
        for p in range(CLASSES):
            if counts[t, p]:
                light = counts[t, p] > counts.max() / 2
                color = "white" if light else ("tab:red" if t != p else "black")
                axes.text(p, t, str(counts[t, p]), ha="center", va="center", color=color)
    axes.set_xticks(range(CLASSES))
    axes.set_yticks(range(CLASSES))
    axes.set_xlabel("predicted digit")
    axes.set_ylabel("true digit")
    right = int(numpy.trace(counts))
    axes.set_title(f"test set: {right} of {counts.sum()} right")
    figure.tight_layout()
    return figure


def draw_test_digits(
    images: numpy.ndarray, predicted: numpy.ndarray, true: numpy.ndarray, shown: int = 40
) -> Figure:
    """Test digits with their predicted and true labels: the mistakes first, framed in red."""
    from matplotlib.figure import Figure

    wrong = numpy.flatnonzero(predicted != true)
    right = numpy.flatnonzero(predicted == true)
    order = numpy.concatenate([wrong, right])[:shown]
    columns = 8
    rows = (len(order) + columns - 1) // columns
    figure = Figure(figsize=(1.3 * columns, 1.5 * rows))
    grid = figure.subplots(rows, columns, squeeze=False)
    for axes in grid.ravel():
        axes.set_axis_off()
    for axes, i in zip(grid.ravel(), order):
        axes.set_axis_on()
        side = int(round(images.shape[1] ** 0.5))  # 8 for the digits, 28 for MNIST
        axes.imshow(images[i].reshape(side, side), cmap="gray_r", vmin=0.0, vmax=1.0)
        axes.set_xticks([])
        axes.set_yticks([])
        mistake = predicted[i] != true[i]
        color = "tab:red" if mistake else "black"
        axes.set_title(f"{predicted[i]} (true {true[i]})", fontsize=9, color=color)
        for spine in axes.spines.values():
            spine.set_color("tab:red" if mistake else "lightgray")
            spine.set_linewidth(3 if mistake else 1)
    figure.suptitle(
        f"test digits: predicted (true); the {len(wrong)} mistakes first, in red", fontsize=11
    )
    figure.tight_layout()
    return figure


# ---------------------------------------------------------------------------------------------
# The command
# ---------------------------------------------------------------------------------------------


def build_parser(dataset: str = "digits") -> argparse.ArgumentParser:
    mnist = dataset == "mnist"
    parser = OneLineParser(
        prog=f"minigrad demo {dataset}",
        description=(
            "Train a tensor MLP (784-128-10, relu) on MNIST, downloaded once into a cache folder "
            "and checked against its SHA-256 sums, then write the training curve, the confusion "
            "matrix, a grid of test digits (PNG) and the trained model (a checkpoint) into --out."
            if mnist
            else "Train a tensor MLP (64-64-10, tanh) on scikit-learn's 8x8 handwritten digits "
            "with a held-out test set, then write the training curve, the confusion matrix and "
            "a grid of test digits (PNG), and the trained model (a checkpoint), into --out. With "
            "--engine scalar, also train the same network with Values on a subset and print "
            "both speeds."
        ),
        epilog=(
            "BLAS (NumPy's matrix products) is held to one thread with threadpoolctl while "
            "training: on matrices this small, BLAS threads cost more than they save, and on a "
            "small shared machine they make each product 10 to 70 times slower."
        ),
    )
    defaults = MNIST_SETTINGS if mnist else Settings()
    parser.add_argument(
        "--epochs",
        type=bounded_int(MAX_EPOCHS),
        default=defaults.epochs,
        help=f"passes over the training images (at most {MAX_EPOCHS:,})",
    )
    parser.add_argument(
        "--batch",
        type=bounded_int(MAX_BATCH),
        default=defaults.batch,
        help=f"batch size (at most {MAX_BATCH:,})",
    )
    parser.add_argument(
        "--lr", type=positive_float, default=defaults.lr, help="Adam's learning rate"
    )
    parser.add_argument(
        "--hidden",
        type=bounded_int(MAX_LAYER_SIZE),
        default=defaults.hidden,
        help=f"hidden layer size (at most {MAX_LAYER_SIZE:,})",
    )
    parser.add_argument("--seed", type=seed_number, default=defaults.seed)
    parser.add_argument("--out", type=Path, default=Path("minigrad-out"), help="output folder")
    if mnist:
        parser.add_argument(
            "--cache",
            type=Path,
            default=None,
            help="where the MNIST files are kept (default: ~/.cache/minigrad/mnist)",
        )
        parser.add_argument("--source", default=None, help="the URL the files are fetched from")
    else:
        parser.add_argument(
            "--engine",
            choices=["tensor", "scalar"],
            default="tensor",
            help="scalar: also train with Values on a subset and compare the speeds",
        )
        parser.add_argument(
            "--subset",
            type=bounded_int(MAX_SUBSET),
            default=256,
            help=f"images for --engine scalar (at most {MAX_SUBSET:,})",
        )
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    return parser


MNIST_SETTINGS = Settings(epochs=3, batch=128, lr=0.002, hidden=128, activation="relu")


def main(argv: Sequence[str], dataset: str = "digits") -> int:
    """Run ``minigrad demo digits`` (or ``mnist``) with the options ``argv``; the exit status.

    As ``minigrad demo`` does: every option and the output folder are checked before training,
    a failure is one line, a run that diverges or is interrupted writes nothing, and the files
    are written as a set (see minigrad.app.running).
    """
    args = build_parser(dataset).parse_args(argv)
    return run_reporting(f"minigrad demo {dataset}", lambda: _run(args, dataset))


def _run(args: argparse.Namespace, dataset: str) -> int:
    activation = "relu" if dataset == "mnist" else "tanh"
    settings = Settings(
        args.epochs, args.batch, args.lr, args.hidden, args.seed, activation=activation
    )
    pixels = 784 if dataset == "mnist" else PIXELS
    _check_batch_size(settings, pixels)
    names = [f"{dataset}-training-curve.png", f"{dataset}-confusion-matrix.png",
             f"{dataset}-test-predictions.png", f"{dataset}-model.json"]  # fmt: skip
    with output_folder(args.out) as (out, _):
        for name in names:  # a folder or a FIFO at one of them fails now, not after training
            check_output_target(out / name)
        if dataset == "mnist":
            from minigrad.app import mnist

            try:
                split = load_mnist_split(args.cache, args.source or mnist.SOURCE, not args.quiet)
            except mnist.MnistError as error:
                raise CommandError(str(error), FAILURE) from None
        else:
            split = load_split(settings)
        print(f"{dataset}: {len(split.train_y)} training images, {len(split.test_y)} test images")
        with _progress(settings.epochs, args.quiet) as on_epoch:
            try:
                model, history, seconds = train(settings, split, on_epoch)
            except TrainingDivergedError as error:
                raise CommandError(f"{error}; nothing was written", FAILURE) from None
        predicted = predict(model, split.test_x)
        accuracy = float(numpy.mean(predicted == split.test_y))
        steps = settings.epochs * -(-len(split.train_y) // settings.batch)
        print(
            f"test accuracy: {100 * accuracy:.1f} %  (trained in {seconds:.2f} s: "
            f"{settings.epochs} epochs, {steps} steps, {1000 * seconds / steps:.2f} ms a step)"
        )
        figures = [
            draw_training_curve(history),
            draw_confusion_matrix(confusion_matrix(predicted, split.test_y)),
            draw_test_digits(split.test_x, predicted, split.test_y),
        ]
        writers = [lambda f, fig=figure: fig.savefig(f, format="png") for figure in figures]
        checkpoint = encode(model.state_dict())
        writers.append(lambda f: f.write(checkpoint))
        try:  # all four files or none
            write_all_atomically({out / name: write for name, write in zip(names, writers)})
        except OSError as error:
            where = f"{shown_path(error.filename)}: " if error.filename else ""
            raise CommandError(
                f"{where}{error.strerror or error}; nothing was written", FAILURE
            ) from None
    print("wrote " + ", ".join(str(out / name) for name in names))
    if dataset == "digits" and args.engine == "scalar":
        subset = min(args.subset, len(split.train_y))
        speeds = compare_engines(settings, split, subset, epochs=1)
        (scalar_speed, _), (tensor_speed, _) = speeds["scalar"], speeds["tensor"]
        print(
            f"on {subset} images, one epoch of SGD each: Values {scalar_speed:,.0f} images/s, "
            f"Tensors {tensor_speed:,.0f} images/s ({tensor_speed / scalar_speed:,.0f}x faster)"
        )
    return 0


def _check_batch_size(settings: Settings, pixels: int) -> None:
    """Refuse a batch and hidden layer whose step would hold more than MAX_BATCH_NUMBERS."""
    per_image = pixels + 2 * settings.hidden + 2 * CLASSES
    if settings.batch * per_image > MAX_BATCH_NUMBERS:
        raise CommandError(
            f"--batch {settings.batch:,} with --hidden {settings.hidden:,} holds about "
            f"{settings.batch * per_image:,} numbers a step, more than the demo allows "
            f"({MAX_BATCH_NUMBERS:,}, 100 MB); with this --hidden at most --batch "
            f"{MAX_BATCH_NUMBERS // per_image:,} fits"
        )


class _progress:  # noqa: N801 (a context manager used like a function)
    """A tqdm bar on a terminal; a few plain lines otherwise; nothing with --quiet."""

    def __init__(self, epochs: int, quiet: bool) -> None:
        self.epochs, self.quiet, self.bar = epochs, quiet, None

    def __enter__(self) -> Any:
        if self.quiet:
            return None
        from tqdm import tqdm

        self.bar = tqdm(total=self.epochs, desc="training", unit="epoch", file=sys.stderr,
                        disable=None)  # fmt: skip
        return self._update

    def _update(self, epoch: int, loss: float, accuracy: float) -> None:
        self.bar.set_postfix(loss=f"{loss:.4f}", test_accuracy=f"{100 * accuracy:.1f}%")
        self.bar.update(1)
        if self.bar.disable and (epoch % max(1, self.epochs // 5) == 0 or epoch == self.epochs):
            print(f"epoch {epoch}/{self.epochs}  loss {loss:.4f}  test accuracy "
                  f"{100 * accuracy:.1f} %", file=sys.stderr)  # fmt: skip

    def __exit__(self, *exc_info: object) -> None:
        if self.bar is not None:
            self.bar.close()

