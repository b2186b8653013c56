"""How a command of the ``minigrad`` program runs: one line for every failure, Ctrl-C and the
signals that stop a program, and an output folder that a failed run leaves as it was.

``minigrad demo`` (cli) and the digits trainer (digits) share it:

* ``run_reporting`` turns a failure into one line on stderr and an exit status: CommandError (a
  bad command line: 2, or what it says), an OSError (a full disk: 1), running out of memory (1).
  Ctrl-C, SIGTERM and SIGHUP stop the work as Ctrl-C does, so what it was writing is cleaned up
  on the way out; the command says ``interrupted`` and exits with the status of a process killed
  by that signal (130 for Ctrl-C).
* ``output_folder`` makes the output folder (and its missing parents) and proves it writable
  before any work; when the work fails or is interrupted, the folders it made are removed again
  if they are empty.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import signal
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import NoReturn

from minigrad.app.expression import SHOWN_INPUT, quoted
from minigrad.storage.files import check_target, refuse_planted_links, shown_path

USAGE_ERROR = 2  # the exit status of a bad command line (argparse's own, too)
FAILURE = 1  # the exit status when something outside the command line fails

SHOWN_PATH = 200  # characters of a path (a message must name the user's file)


class CommandError(Exception):
    """A failure to report as one line and an exit status, never as a traceback."""

    def __init__(self, message: str, status: int = USAGE_ERROR) -> None:
        super().__init__(message)
        self.status = status


class OneLineParser(argparse.ArgumentParser):
    """argparse, but an error is one line (``minigrad demo: error: ...``), not usage + error."""

    def error(self, message: str) -> NoReturn:
        message = shorten_long_words(message)
        self.exit(USAGE_ERROR, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


class TrainingDivergedError(ArithmeticError):
    """The loss became infinite or NaN, or grew by orders of magnitude: the step is too large."""


def run_reporting(prog: str, work: Callable[[], int]) -> int:
    """Run ``work`` and return its exit status; a failure becomes one line on stderr.

    Ctrl-C, SIGTERM and SIGHUP stop it as Ctrl-C does (what it was writing is cleaned up on the
    way out): "interrupted", and the exit status of a process killed by that signal (130 for
    Ctrl-C). Running out of memory is one line too.
    """
    try:
        with _signals_as_interrupts():
            status = work()
        sys.stdout.flush()  # a closed pipe shows here, not at exit as an ignored exception
        return status
    except BrokenPipeError:
        raise
    except CommandError as error:
        print(f"{prog}: error: {error}", file=sys.stderr)
        return error.status
    except OSError as error:  # a disk full or a folder removed mid-run: say so, in one line
        where = f" {shown_path(error.filename)}:" if error.filename else ""
        print(f"{prog}: error:{where} {error.strerror or error}", file=sys.stderr)
        return FAILURE
    except MemoryError:
        print(f"{prog}: error: out of memory; try a smaller model or fewer points", file=sys.stderr)
        return FAILURE
    except KeyboardInterrupt as interrupt:
        number = getattr(interrupt, "signal", signal.SIGINT)
        which = "" if number == signal.SIGINT else f" ({signal.Signals(number).name})"
        print(f"{prog}: interrupted{which}", file=sys.stderr)
        return 128 + number


class _Stopped(KeyboardInterrupt):
    """SIGTERM or SIGHUP, raised where the program is, so it cleans up as for Ctrl-C."""

    def __init__(self, number: int) -> None:
        super().__init__(number)
        self.signal = number


def _raise_stopped(number: int, frame: object) -> None:
    raise _Stopped(number)


@contextlib.contextmanager
def _signals_as_interrupts() -> Iterator[None]:
    """Turn SIGTERM and SIGHUP into _Stopped (a KeyboardInterrupt) for the time of the block."""
    numbers = [getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name)]
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {number: signal.signal(number, _raise_stopped) for number in numbers}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


@contextlib.contextmanager
def output_folder(folder: Path) -> Iterator[tuple[Path, bool]]:
    """The output ``folder``, made (with its missing parents) and proven writable before any
    work; and whether it is new. If the block fails or is interrupted, the folders it made are
    removed again when they are empty: a run that wrote nothing leaves no trace."""
    missing = []
    parent = folder
    while not os.path.lexists(parent) and parent != parent.parent:
        missing.append(parent)  # deepest first
        parent = parent.parent
    prepare_folder(folder)
    try:
        yield folder, bool(missing)
    except BaseException:
        for made in missing:
            with contextlib.suppress(OSError):  # not empty (or gone): kept, and so its parents
                made.rmdir()
                continue
            break
        raise


def quoted_path(path: str | Path) -> str:
    """A path quoted for a message (cut only when absurdly long)."""
    return quoted(str(path), SHOWN_PATH)


def shorten_long_words(message: str) -> str:
    """A message with every run of more than SHOWN_PATH non-blank characters cut short."""
    return re.sub(
        rf"\S{{{SHOWN_PATH + 1},}}",
        lambda match: f"{match[0][:SHOWN_INPUT]}... ({len(match[0]):,} characters)",
        message,
    )


def prepare_folder(folder: Path) -> Path:
    """Create ``folder`` if needed and prove that a file can be written in it, before training."""
    if folder.exists() and not folder.is_dir():
        raise CommandError(f"the output folder {quoted_path(folder)} is a file, not a folder")
    try:
        refuse_planted_links(folder)
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise CommandError(
            f"cannot write into the output folder {quoted_path(folder)}: {error.strerror or error}"
        ) from None
    check_writable(folder, f"the output folder {quoted_path(folder)}")
    return folder


def check_output_target(path: Path) -> None:
    """Refuse, before any work, an output path that could not be written (see storage.files)."""
    try:
        check_target(path)
    except OSError as error:
        where = shown_path(error.filename)
        raise CommandError(f"cannot write {where}: {error.strerror or error}") from None


def check_writable(folder: Path, description: str) -> None:
    """Prove that a file can be written in ``folder`` (before any work that would be lost)."""
    try:
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as error:
        raise CommandError(f"cannot write into {description}: {error.strerror or error}") from None
