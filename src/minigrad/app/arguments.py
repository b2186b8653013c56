"""The command line's argument types: whole numbers, seeds, rates and layer sizes, each bounded.

Each is an argparse ``type=``: it turns the text into a number or raises ArgumentTypeError with a
message that quotes the text (cut to a readable length). The limits keep a typo from filling the
memory. The ``minigrad`` command (cli) and the digits trainer (digits) share them.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable

from minigrad.app.expression import quoted

# The largest sizes the demo accepts: far beyond what the scalar engine trains in minutes, far
# below what would fill a laptop's memory before the first epoch ends.
MAX_POINTS = 10_000
MAX_EPOCHS = 100_000
MAX_LAYER_SIZE = 1_000
MAX_LAYERS = 10
MAX_SEED_DIGITS = 30


def whole_number(text: str, digits: int = 20) -> int:
    """``text`` as an int, refusing more than ``digits`` digits before Python converts it."""
    stripped = text.strip().lstrip("+-").replace("_", "")
    if len(stripped) > digits:
        raise argparse.ArgumentTypeError(f"{quoted(text)} is too large a number")
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{quoted(text)} is not a whole number") from None


def positive_int(text: str) -> int:
    """A whole number of at least 1 (of at most 20 digits)."""
    return bounded_int(10**20)(text)


def bounded_int(largest: int) -> Callable[[str], int]:
    """The argument type of a whole number from 1 to ``largest``."""

    def bounded(text: str) -> int:
        value = whole_number(text)
        if value < 1:
            raise argparse.ArgumentTypeError(f"{quoted(text)} must be at least 1")
        if value > largest:
            raise argparse.ArgumentTypeError(f"{quoted(text)} is more than the limit, {largest:,}")
        return value

    return bounded


def seed_number(text: str) -> int:
    return whole_number(text, MAX_SEED_DIGITS)


def positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{quoted(text)} is not a number") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"{quoted(text)} must be a finite number above 0")
    return value


def layer_sizes(text: str) -> tuple[int, ...]:
    parts = text.split(",")
    if len(parts) > MAX_LAYERS:
        raise argparse.ArgumentTypeError(
            f"{quoted(text)} has {len(parts):,} layers; the limit is {MAX_LAYERS}"
        )
    for part in parts:
        if part.strip().isdecimal() and int(part[:20]) > MAX_LAYER_SIZE:  # 20 digits: no slow int
            raise argparse.ArgumentTypeError(
                f"a layer of {quoted(part.strip())} neurons is more than the limit, "
                f"{MAX_LAYER_SIZE:,}"
            )
    try:
        sizes = tuple(int(part) for part in parts)
    except ValueError:
        sizes = ()
    if not sizes or any(size < 1 for size in sizes):
        raise argparse.ArgumentTypeError(
            f"{quoted(text)} is not a list of layer sizes: give whole numbers ≥ 1 separated by "
            "commas, like 16,16"
        )
    return sizes
