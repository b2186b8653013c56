"""The ``minigrad`` command: ``minigrad demo DATASET`` and ``minigrad graph EXPRESSION``.

Every mistake a user can make on the command line (an unknown data set, a bad number, a folder
that cannot be written, an expression that is not a formula) ends in one line on stderr that names
it, and exit status 2, before any work is done; input echoed in a message is cut to a readable
length. Sizes are bounded (``MAX_POINTS``, ``MAX_EPOCHS``, ``MAX_LAYER_SIZE``, ``MAX_LAYERS``) so
a typo cannot fill the memory. Files are written whole or not at all (see
minigrad.storage.files), and a demo's files as a set: all of them, or none and a message saying
so. Output closed early (``| head -1``) ends the command quietly, as it ends other Unix tools.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import os
import signal
import sys
import textwrap
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO

import minigrad
from minigrad.app import data, demo
from minigrad.app.arguments import (
    MAX_EPOCHS,
    MAX_LAYER_SIZE,
    MAX_LAYERS,
    MAX_POINTS,
    bounded_int,
    layer_sizes,
    positive_float,
    seed_number,
)
from minigrad.app.expression import ExpressionError, build, parse_assignments
from minigrad.app.running import (
    FAILURE,
    USAGE_ERROR,
    CommandError,
    OneLineParser,
    check_output_target,
    check_writable,
    output_folder,
    quoted_path,
    run_reporting,
)
from minigrad.engine import Value
from minigrad.storage.files import (
    IncompleteWriteError,
    write_all_atomically,
    write_atomically,
)

TENSOR_DEMOS = ("digits", "mnist")  # real handwritten digits, learned with Tensors
GRAPH_FORMATS = {".svg": "svg", ".png": "png", ".pdf": "pdf", ".dot": "dot", ".html": "html"}

# What the scalar engine trains in reasonable time and memory: each parameter is a Value (about
# 400 bytes, measured), and each epoch uses every parameter once per training point.
MAX_PARAMETERS = 500_000
MAX_WEIGHT_USES = 50_000_000  # training points × parameters in one epoch: about a minute


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line ``argv`` (default: sys.argv[1:]); return the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["demo"] and argv[1:2] and argv[1] in TENSOR_DEMOS:  # the Tensor engine's
        from minigrad.app import digits

        return digits.main(argv[2:], argv[1])
    if argv[:2] == ["demo", "names"]:  # the makemore lectures' MLP, through minigrad.torch
        from minigrad.app import makemore

        return makemore.main(argv[2:])
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        if args.command is None:
            parser.print_help()
            return USAGE_ERROR
        return _run(args)
    except BrokenPipeError:
        return _closed_output()


def _run(args: argparse.Namespace) -> int:
    return run_reporting(f"minigrad {args.command}", lambda: args.run(args))


def _closed_output() -> int:
    """The reader of our output went away (``| head -1``): stop quietly, as Unix tools do."""
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # nothing left to flush at exit, so no complaint
    return 128 + getattr(signal, "SIGPIPE", 13)  # the status of a tool killed by SIGPIPE


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(
        prog="minigrad",
        description="MiniGrad: a scalar autograd engine and neural networks, from scratch.",
        epilog="Run 'minigrad COMMAND --help' for the options of a command.",
    )
    parser.add_argument("--version", action="version", version=f"minigrad {minigrad.__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    demo_parser = commands.add_parser(
        "demo",
        help="train a small network on a toy data set and draw what it learned",
        description=textwrap.fill(
            "Train an MLP on a generated data set with a progress bar, then write a "
            "decision-boundary plot, a loss/accuracy curve (PNG) and the trained model (a "
            "checkpoint) into --out."
        ),
        epilog=_defaults_table(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    demo_parser.add_argument(
        "dataset",
        metavar="DATASET",
        choices=[*data.DATASETS, *TENSOR_DEMOS, "names"],  # (the last three run before parsing)
        help=f"one of: {', '.join(data.DATASETS)}; or digits or mnist, real handwritten "
        "digits learned with Tensors (see 'minigrad demo digits --help'); or names, the "
        "makemore lectures' character-level MLP (see 'minigrad demo names --help')",
    )
    demo_parser.add_argument(
        "--epochs",
        type=bounded_int(MAX_EPOCHS),
        help=f"training steps over all points (at most {MAX_EPOCHS:,})",
    )
    demo_parser.add_argument("--lr", type=positive_float, help="learning rate")
    demo_parser.add_argument(
        "--hidden",
        type=layer_sizes,
        metavar="SIZES",
        help=f"hidden layer sizes, comma-separated, like 16,16 (at most {MAX_LAYERS} layers of "
        f"{MAX_LAYER_SIZE:,})",
    )
    demo_parser.add_argument(
        "--activation", choices=demo.ACTIVATIONS, help="activation of the hidden layers"
    )
    demo_parser.add_argument("--optimizer", choices=list(demo.OPTIMIZERS), help="optimizer")
    demo_parser.add_argument(
        "--points",
        type=bounded_int(MAX_POINTS),
        help=f"number of generated points, a fifth held out for testing (at most {MAX_POINTS:,})",
    )
    demo_parser.add_argument(
        "--seed", type=seed_number, default=0, help="random seed for data and weights (0)"
    )
    demo_parser.add_argument(
        "--out",
        type=Path,
        default=Path("minigrad-out"),
        metavar="DIR",
        help="folder for the pictures and the model (./minigrad-out)",
    )
    demo_parser.add_argument("--quiet", action="store_true", help="no progress bar")
    demo_parser.set_defaults(run=run_demo)

    graph_parser = commands.add_parser(
        "graph",
        help="draw the graph of an expression and its gradients",
        description=textwrap.fill(
            "Build an expression from Values, run backward and draw the graph with each "
            "node's data and gradient. The expression is parsed, never evaluated: numbers, "
            "names given as NAME=VALUE, + - * / **, unary minus, parentheses and the functions "
            "exp log tanh relu sigmoid sqrt sin cos abs."
        ),
        epilog='example: minigrad graph "tanh(x*w + b)" x=2 w=-3 b=6.88 -o neuron.svg\n'
        "(an expression that starts with '-' goes in parentheses: \"(-x)*2\")",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    graph_parser.add_argument("expression", metavar="EXPRESSION", help='like "tanh(x*w + b)"')
    graph_parser.add_argument(
        "assignments",
        metavar="NAME=VALUE",
        nargs="*",
        default=[],
        help="a value for each name, like x=2",
    )
    graph_parser.add_argument(
        "-o",
        "--output",
        type=Path,
        metavar="FILE",
        help="the drawing: .svg .png .pdf .dot, or .html for a step-by-step page "
        "(optional with --explain)",
    )
    graph_parser.add_argument(
        "--explain", action="store_true", help="print the backward pass, step by step"
    )
    graph_parser.add_argument(
        "--force",
        action="store_true",
        help="draw the whole graph even when Graphviz would take minutes to lay it out "
        "(without it, such a graph is drawn as a summary, or refused for .html)",
    )
    graph_parser.add_argument(
        "--rankdir",
        choices=["LR", "TB"],
        default="LR",
        help="left to right (LR, default) or top to bottom (TB)",
    )
    graph_parser.set_defaults(run=run_graph)
    return parser


# ---------------------------------------------------------------------------------------------
# minigrad demo
# ---------------------------------------------------------------------------------------------


def run_demo(args: argparse.Namespace) -> int:
    settings = _demo_settings(args)
    _require("demo", "matplotlib", "tqdm")
    with output_folder(args.out) as (out, created):
        _train_and_write(settings, out, quiet=args.quiet, created=created)
    return 0


def _train_and_write(settings: demo.Settings, out: Path, quiet: bool, created: bool) -> None:
    features = len(demo.load_data(settings)[0][0])
    two_dimensional = features == 2
    boundary_name = "decision-boundary.png" if two_dimensional else "predictions.png"
    outputs = [out / boundary_name, out / "training-curve.png", out / "model.json"]
    for path in outputs:  # a folder or a FIFO named model.json fails now, not after training
        check_output_target(path)
    if not two_dimensional:
        print(
            f"note: {settings.dataset} has {features} input features, so instead of a decision "
            f"boundary, {boundary_name} shows each prediction beside its target"
        )

    started = time.perf_counter()
    with _Progress(settings, quiet=quiet) as on_epoch:
        try:
            result = demo.train(settings, on_epoch)
        except demo.TrainingDivergedError as error:
            raise CommandError(f"{error}; nothing was written", FAILURE) from None
    trained = time.perf_counter() - started

    if not quiet:
        print(f"drawing {', '.join(p.name for p in outputs[:2])} ...", file=sys.stderr, flush=True)
    started = time.perf_counter()
    boundary = (
        demo.draw_decision_boundary(result) if two_dimensional else demo.draw_predictions(result)
    )
    curve = demo.draw_training_curve(result.history, result.task.loss_name)
    pictures = [_png(boundary), _png(curve)]
    checkpoint = _checkpoint_bytes(result.model)
    drew = time.perf_counter() - started
    contents = dict(zip(outputs, [*pictures, checkpoint]))
    try:
        write_all_atomically({path: _writer(content) for path, content in contents.items()})
    except IncompleteWriteError as error:
        if created:  # a folder of this run's own: take the part back, leave nothing
            for path in error.written:
                with contextlib.suppress(OSError):
                    os.unlink(path)
            raise CommandError(f"{error.args[0]}; nothing was kept", FAILURE) from None
        _leave_a_note(out, error)
        raise CommandError(
            f"{error}; {out / INCOMPLETE_NOTE} says which files are from this run", FAILURE
        ) from None
    except OSError as error:
        where = f"{error.filename}: " if error.filename else ""
        raise CommandError(
            f"{where}{error.strerror or error}; nothing was written", FAILURE
        ) from None
    with contextlib.suppress(OSError):
        (out / INCOMPLETE_NOTE).unlink()  # a note from an earlier run is no longer true

    print(f"training accuracy: {demo.final_accuracy(result):.2f}")
    if result.test_inputs:
        held_out = len(result.test_inputs)
        print(f"test accuracy: {demo.held_out_accuracy(result):.2f} ({held_out} held-out points)")
    else:
        print(f"test accuracy: none ({settings.dataset} has too few points to hold some out)")
    print(f"trained in {trained:.1f} s, drew the pictures in {drew:.1f} s")
    print("wrote " + ", ".join(str(path) for path in outputs))


INCOMPLETE_NOTE = "INCOMPLETE-RUN.txt"


def _leave_a_note(out: Path, error: IncompleteWriteError) -> None:
    """Say in the folder itself that its files are from two runs (best effort)."""
    note = (
        "A minigrad demo run stopped while putting its files in place.\n"
        f"From that run: {', '.join(os.path.basename(p) for p in error.written)}.\n"
        f"Older (or missing): {', '.join(os.path.basename(p) for p in error.unwritten)}.\n"
        "Run the demo again to get a matching set.\n"
    )
    with contextlib.suppress(OSError):
        write_atomically(out / INCOMPLETE_NOTE, _writer(note.encode("utf-8")))


def _png(figure: object) -> bytes:
    import io

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100)
    return buffer.getvalue()


def _checkpoint_bytes(model: object) -> bytes:
    """The model's checkpoint, as minigrad.save writes it."""
    from minigrad.storage.checkpoint import encode

    return encode(model.state_dict())


def _writer(content: bytes) -> Callable[[IO[bytes]], object]:
    return lambda file: file.write(content)


def _defaults_table() -> str:
    """The defaults of each data set, for ``minigrad demo --help``."""
    lines = ["defaults (an option given on the command line replaces its default):"]
    for name, d in demo.DEFAULTS.items():
        hidden = ",".join(map(str, d.hidden))
        points = "(4 samples)" if name == "seed" else f"--points {d.points}"
        lines.append(
            f"  {name:8} {points:12} --epochs {d.epochs} --lr {d.lr} --hidden {hidden} "
            f"--activation {d.activation} --optimizer {d.optimizer}"
        )
    lines.append(f"with --optimizer sgd, the default --lr is {demo.SGD_LR_FACTOR:g} times larger")
    return "\n".join(lines)


def _demo_settings(args: argparse.Namespace) -> demo.Settings:
    defaults = demo.DEFAULTS[args.dataset]
    chosen = {
        "epochs": args.epochs,
        "lr": args.lr,
        "hidden": args.hidden,
        "activation": args.activation,
        "optimizer": args.optimizer,
        "points": args.points,
    }
    settings = demo.Settings(
        **{
            "dataset": args.dataset,
            "seed": args.seed,
            **{
                name: getattr(defaults, name) if value is None else value
                for name, value in chosen.items()
            },
        }
    )
    if args.lr is None and settings.optimizer == "sgd":
        settings = dataclasses.replace(settings, lr=defaults.lr * demo.SGD_LR_FACTOR)
    if args.dataset == "seed" and args.points is not None:
        raise CommandError("--points does not apply to 'seed': it is the README's four samples")
    smallest = 4 if args.dataset == "xor" else 3 if args.dataset == "spiral" else 2
    if args.dataset != "seed" and settings.points < smallest:
        raise CommandError(f"--points must be at least {smallest} for {args.dataset}")
    _check_model_size(settings)
    return settings


def _check_model_size(settings: demo.Settings) -> None:
    """Refuse a model too large for the scalar engine (MAX_PARAMETERS, MAX_WEIGHT_USES)."""
    inputs, labels = demo.load_data(settings)
    sizes = [len(inputs[0]), *settings.hidden, demo.Task(labels).outputs]
    parameters = sum((nin + 1) * nout for nin, nout in zip(sizes, sizes[1:]))
    hidden = ",".join(map(str, settings.hidden))
    if parameters > MAX_PARAMETERS:
        raise CommandError(
            f"--hidden {hidden} makes a model of {parameters:,} parameters, more than the demo "
            f"trains ({MAX_PARAMETERS:,}: each is a Value of about 400 bytes); use fewer or "
            "smaller layers"
        )
    training_points = len(demo.split(inputs, labels, settings.dataset)[0])
    if training_points * parameters > MAX_WEIGHT_USES:
        fits = MAX_WEIGHT_USES // parameters
        raise CommandError(
            f"{training_points:,} training points × {parameters:,} parameters (--hidden "
            f"{hidden}) is {training_points * parameters:,} weight uses an epoch, more than the "
            f"demo allows ({MAX_WEIGHT_USES:,}, about a minute an epoch); with this model at "
            f"most {fits:,} training points fit: use fewer --points or a smaller model"
        )


class _Progress:
    """A context giving ``on_epoch``: a tqdm bar on a terminal, a few plain lines otherwise."""

    def __init__(self, settings: demo.Settings, quiet: bool) -> None:
        self.epochs = settings.epochs
        self.quiet = quiet
        self.bar = None

    def __enter__(self) -> Callable[[int, float, float], None]:
        if self.quiet:
            return lambda epoch, loss, accuracy: None
        if sys.stderr.isatty():
            from tqdm import tqdm

            self.bar = tqdm(total=self.epochs, desc="training", unit="epoch", file=sys.stderr)
            return self._update_bar
        return self._print_line

    def _update_bar(self, epoch: int, loss: float, accuracy: float) -> None:
        self.bar.set_postfix(loss=f"{loss:.4f}", accuracy=f"{accuracy:.2f}", refresh=False)
        self.bar.update(1)

    def _print_line(self, epoch: int, loss: float, accuracy: float) -> None:
        every = max(1, self.epochs // 10)
        if epoch % every == 0 or epoch in (1, self.epochs):
            print(
                f"epoch {epoch}/{self.epochs}  loss {loss:.4f}  accuracy {accuracy:.2f}",
                file=sys.stderr,
                flush=True,
            )

    def __exit__(self, *exc_info: object) -> None:
        if self.bar is not None:
            self.bar.close()


# ---------------------------------------------------------------------------------------------
# minigrad graph
# ---------------------------------------------------------------------------------------------


def run_graph(args: argparse.Namespace) -> int:
    if args.output is None and not args.explain:
        raise CommandError("give the drawing's file (-o FILE), or --explain to print the steps")
    if args.output is not None and args.output.suffix.lower() not in GRAPH_FORMATS:
        raise CommandError(
            f"cannot tell the format of {quoted_path(args.output)} from its extension; "
            f"use one of {' '.join(GRAPH_FORMATS)}"
        )
    try:
        values = parse_assignments(args.assignments)
        root, variables = build(args.expression, values)
    except ExpressionError as error:
        raise CommandError(str(error)) from None
    if args.output is not None:
        _check_folder_of(args.output)
        _require("viz", "graphviz")  # draw_dot makes the DOT text with it, for a .dot file too

    root.backward()
    if args.output is not None:
        _draw(root, args)
    print(f"{args.expression} = {root.data:.6g}")
    for name, leaf in variables.items():
        print(f"  ∂/∂{name} = {leaf.grad:.6g}")
    if args.explain:
        from minigrad.teaching.explain import explain_backward

        for step in explain_backward(root):
            print(step)
    if args.output is not None:
        print(f"wrote {args.output}")
    return 0


def _draw(root: Value, args: argparse.Namespace) -> None:
    """Write the drawing of ``root``'s graph, or its step-through page, to ``args.output``."""
    from minigrad.teaching import viz

    suffix = args.output.suffix.lower()
    if GRAPH_FORMATS[suffix] == "html":
        from minigrad.teaching.explain import backprop_html

        try:  # written atomically
            backprop_html(root, args.output, rankdir=args.rankdir, force=args.force)
        except viz.GraphTooLargeError as error:
            message = str(error).replace("force=True writes it anyway", "--force writes it anyway")
            raise CommandError(message) from None
        except viz.GraphvizNotFoundError:
            raise _dot_missing("html") from None
        except viz.GraphvizTimeoutError as error:
            raise CommandError(str(error).split(";")[0], FAILURE) from None
        return
    fmt = GRAPH_FORMATS[suffix]
    drawing = viz.draw_dot(root, format=fmt, rankdir=args.rankdir, force=args.force)
    if drawing.is_summary:
        print(
            "note: the graph is too large to lay out in a few seconds, so the drawing is a "
            "summary (the values nearest the output); --force draws everything",
            file=sys.stderr,
        )
    if suffix == ".dot":
        content = drawing.source.encode("utf-8")
    else:
        content = _render(drawing, fmt)
    _write(args.output, lambda file: file.write(content))


def _render(drawing: object, fmt: str) -> bytes:
    from minigrad.teaching.viz import GraphvizNotFoundError, GraphvizTimeoutError

    try:
        return drawing.pipe(format=fmt)
    except GraphvizNotFoundError:
        raise _dot_missing(fmt) from None
    except GraphvizTimeoutError as error:
        raise CommandError(str(error).split(";")[0], FAILURE) from None


def _dot_missing(fmt: str) -> CommandError:
    return CommandError(
        f"drawing a .{fmt} needs Graphviz's dot program, which is not installed "
        "(apt-get install graphviz, brew install graphviz or conda install graphviz); "
        "a .dot file needs nothing",
        FAILURE,
    )


# ---------------------------------------------------------------------------------------------
# Arguments, folders and files
# ---------------------------------------------------------------------------------------------


def _check_folder_of(path: Path) -> None:
    folder = path.parent
    if path.is_dir():
        raise CommandError(f"{quoted_path(path)} is a folder; give a file name, like graph.svg")
    if not folder.is_dir():
        raise CommandError(
            f"the folder {quoted_path(folder)} of {quoted_path(path.name)} does not exist"
        )
    check_writable(folder, quoted_path(folder))
    check_output_target(path)


def _write(path: Path, write: Callable[[IO[bytes]], object]) -> Path:
    """Write ``path`` whole or not at all (see minigrad.storage.files)."""
    write_atomically(path, write)
    return path


def _require(extra: str, *modules: str) -> None:
    """Fail with the install command if a package of an optional extra is missing."""
    import importlib.util

    missing = [name for name in modules if importlib.util.find_spec(name) is None]
    if missing:
        raise CommandError(
            f"this needs {' and '.join(missing)}, the {extra!r} extra: pip install "
            f"{' '.join(missing)} (in a clone of MiniGrad: pip install '.[{extra}]')",
            FAILURE,
        )
