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
import re
import signal
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, NoReturn

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
from minigrad.app.expression import SHOWN_INPUT, ExpressionError, build, parse_assignments, quoted
from minigrad.engine import Value
from minigrad.storage.files import (
    IncompleteWriteError,
    check_target,
    refuse_planted_links,
    write_all_atomically,
    write_atomically,
)

USAGE_ERROR = 2  # the exit status of a bad command line (argparse's own, too)
FAILURE = 1  # the exit status when something outside the command line fails

TENSOR_DEMOS = ("digits", "mnist")  # real handwritten digits, learned with Tensors
GRAPH_FORMATS = {".svg": "svg", ".png": "png", ".pdf": "pdf", ".dot": "dot", ".html": "html"}

SHOWN_PATH = 200  # characters of a path (a message must name the user's file)


class CommandError(Exception):
    """A failure to report as one line and an exit status, never as a traceback."""

    def __init__(self, message: str, status: int = USAGE_ERROR) -> None:
        super().__init__(message)
        self.status = status


class _Parser(argparse.ArgumentParser):
    """argparse, but an error is one line (``minigrad demo: error: ...``), not usage + error."""

    def error(self, message: str) -> NoReturn:
        message = _shorten_long_words(message)
        self.exit(USAGE_ERROR, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line ``argv`` (default: sys.argv[1:]); return the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["demo"] and argv[1:2] and argv[1] in TENSOR_DEMOS:  # the Tensor engine's
        from minigrad.app import digits

        return digits.main(argv[2:], argv[1])
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
    try:
        status = args.run(args)
        sys.stdout.flush()  # a closed pipe shows here, not at exit as an ignored exception
        return status
    except BrokenPipeError:
        raise
    except CommandError as error:
        print(f"minigrad {args.command}: error: {error}", file=sys.stderr)
        return error.status
    except OSError as error:  # a disk full or a folder removed mid-run: say so, in one line
        where = f" {_path(error.filename)}:" if error.filename else ""
        print(f"minigrad {args.command}: error:{where} {error.strerror or error}", file=sys.stderr)
        return FAILURE
    except KeyboardInterrupt:
        print(f"minigrad {args.command}: interrupted", file=sys.stderr)
        return 130


def _closed_output() -> int:
    """The reader of our output went away (``| head -1``): stop quietly, as Unix tools do."""
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # nothing left to flush at exit, so no complaint
    return 128 + getattr(signal, "SIGPIPE", 13)  # the status of a tool killed by SIGPIPE


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
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
        choices=[*data.DATASETS, *TENSOR_DEMOS],  # the Tensor ones are run before parsing
        help=f"one of: {', '.join(data.DATASETS)}; or digits or mnist, real handwritten "
        "digits learned with Tensors (see 'minigrad demo digits --help')",
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
    created = not args.out.exists()
    out = _prepare_folder(args.out)
    try:
        _train_and_write(settings, out, quiet=args.quiet, created=created)
    except BaseException:
        if created:
            _remove_empty(out)  # leave no trace of a run that wrote nothing
        raise
    return 0


def _train_and_write(settings: demo.Settings, out: Path, quiet: bool, created: bool) -> None:
    features = len(demo.load_data(settings)[0][0])
    two_dimensional = features == 2
    boundary_name = "decision-boundary.png" if two_dimensional else "predictions.png"
    outputs = [out / boundary_name, out / "training-curve.png", out / "model.json"]
    for path in outputs:  # a folder or a FIFO named model.json fails now, not after training
        _check_target(path)
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


def _remove_empty(folder: Path) -> None:
    with contextlib.suppress(OSError):
        if not any(folder.iterdir()):
            folder.rmdir()


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
    return settings


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
            f"cannot tell the format of {_path(args.output)} from its extension; "
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


def _path(path: str | Path) -> str:
    """A path quoted for a message (cut only when absurdly long)."""
    return quoted(str(path), SHOWN_PATH)


def _shorten_long_words(message: str) -> str:
    """A message with every run of more than SHOWN_PATH non-blank characters cut short."""
    return re.sub(
        rf"\S{{{SHOWN_PATH + 1},}}",
        lambda match: f"{match[0][:SHOWN_INPUT]}... ({len(match[0]):,} characters)",
        message,
    )


def _prepare_folder(folder: Path) -> Path:
    """Create ``folder`` if needed and prove that a file can be written in it, before training."""
    if folder.exists() and not folder.is_dir():
        raise CommandError(f"the output folder {_path(folder)} is a file, not a folder")
    try:
        refuse_planted_links(folder)
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise CommandError(
            f"cannot write into the output folder {_path(folder)}: {error.strerror or error}"
        ) from None
    _check_writable(folder, f"the output folder {_path(folder)}")
    return folder


def _check_folder_of(path: Path) -> None:
    folder = path.parent
    if path.is_dir():
        raise CommandError(f"{_path(path)} is a folder; give a file name, like graph.svg")
    if not folder.is_dir():
        raise CommandError(f"the folder {_path(folder)} of {_path(path.name)} does not exist")
    _check_writable(folder, _path(folder))
    _check_target(path)


def _check_target(path: Path) -> None:
    """Refuse, before any work, an output path that could not be written (see storage.files)."""
    try:
        check_target(path)
    except OSError as error:
        where = _path(error.filename)
        raise CommandError(f"cannot write {where}: {error.strerror or error}") from None


def _check_writable(folder: Path, description: str) -> None:
    """Prove that a file can be written in ``folder`` (before any work that would be lost)."""
    try:
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as error:
        raise CommandError(f"cannot write into {description}: {error.strerror or error}") from None


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
