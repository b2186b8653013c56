"""What every workload shares: timing, agreement checks, optional engines, machine facts, output.

Times are wall-clock (``time.perf_counter``) medians over repeated runs, with the garbage
collector left on, as a user has it: switching it off would hide the largest cost of an engine
whose graphs are full of reference cycles (micrograd's). Timed calls start from a collected heap
(``time_interleaved``), or follow an untimed call of the same engine (``time_back_to_back``, as
in a training loop, where each step frees the garbage of the one before), so that no engine pays
for the garbage another left behind; the objects of the imported libraries are frozen out of the
collector's walks (``gc.freeze``), as if each engine ran alone.
"""

from __future__ import annotations

import gc
import importlib
import importlib.metadata
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from minigrad.storage.files import write_atomically


class DisagreementError(AssertionError):
    """Two engines computed different numbers for the same workload: timing them means nothing."""


@dataclass(frozen=True)
class Timing:
    """Seconds taken by each repeated run of one engine on one workload."""

    times: list[float]

    @property
    def median(self) -> float:
        return statistics.median(self.times)

    def to_json(self) -> dict[str, Any]:
        return {"median_s": self.median, "times_s": self.times}


def prepare_process() -> None:
    """Import every engine, give PyTorch one thread, and freeze the objects alive now.

    One thread: every other engine runs on one core, and on a busy machine PyTorch's idle worker
    threads fall asleep between calls and take milliseconds to wake (a 1 ms step took 60 ms).
    Freezing (``gc.freeze``) moves the imported libraries' objects out of the collector's walks:
    a process that imported PyTorch holds hundreds of thousands of objects, and micrograd (whose
    garbage only the collector frees) would otherwise pay for walking them, which it does not in
    its users' processes.
    """
    for name in ("minigrad", "micrograd"):
        optional_module(name)
    torch = optional_module("torch")
    if torch is not None:
        torch.set_num_threads(1)
    gc.collect()
    gc.freeze()


Runs = dict[str, Callable[[], object]]


def paired_ratio(times: list[float], reference: list[float]) -> float:
    """How many times ``reference`` ``times`` is: the median of the ratios round by round.

    Each round times every engine once, one after the other, so the two times of a pair come from
    the same moment of the machine. (On a shared machine whose speed jumps between two levels as
    other jobs come and go, a ratio of two medians can set one engine's fast runs against
    another's slow ones, and move by a third.)
    """
    if len(times) != len(reference) or not times:
        raise ValueError(
            f"paired timings need as many times each, not {len(times)} and {len(reference)}"
        )
    return statistics.median(t / r for t, r in zip(times, reference))


def _untimed(before: Runs | None, name: str) -> None:
    if before is not None and name in before:
        before[name]()


def time_interleaved(runs: Runs, repeats: int, before: Runs | None = None) -> dict[str, Timing]:
    """Time each run ``repeats`` times, in rounds of one call of every run; ``before[name]()``,
    if given, is called (untimed) before each call of run ``name``.

    Rounds spread a busy machine's slow moments over all engines instead of one. The heap is
    collected before each call, so no engine frees another's garbage; micrograd is then spared
    freeing its previous step's cycles, which makes its times, and our ratios, conservative.
    """
    if repeats < 1:
        raise ValueError(f"repeats must be at least 1, not {repeats}")
    times: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(repeats):
        for name, run in runs.items():
            _untimed(before, name)
            gc.collect()
            start = time.perf_counter()
            run()
            times[name].append(time.perf_counter() - start)
    return {name: Timing(t) for name, t in times.items()}


def time_back_to_back(
    runs: Runs, rounds: int, steps: int, before: Runs | None = None
) -> dict[str, Timing]:
    """Time each run as a training loop runs it: ``steps`` calls in a row, after one untimed call,
    in ``rounds`` rounds of every run; ``before[name]()``, if given, is called (untimed) before
    each call of run ``name``.

    Each timed call then pays, as in a user's loop, for whatever garbage the call before it left:
    for micrograd, the reference cycles of the previous step's graph, which only the cycle
    collector frees. The heap is collected before each block, so no run pays for another's.
    """
    if rounds < 1 or steps < 1:
        raise ValueError(f"rounds and steps must be at least 1, not {rounds} and {steps}")
    times: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(rounds):
        for name, run in runs.items():
            _untimed(before, name)
            gc.collect()
            run()  # untimed: the step whose garbage the first timed step inherits
            for _ in range(steps):
                _untimed(before, name)
                start = time.perf_counter()
                run()
                times[name].append(time.perf_counter() - start)
    return {name: Timing(t) for name, t in times.items()}


def assert_close(
    what: str, engine: str, got: Sequence[float], expected: Sequence[float], tolerance: float
) -> None:
    """Raise DisagreementError unless ``got`` matches the reference within ``tolerance``.

    The tolerance is relative to the size of the reference number, and absolute below 1.
    """
    if len(got) != len(expected):
        raise DisagreementError(
            f"{engine}: {what} has {len(got)} numbers, the reference has {len(expected)}"
        )
    for index, (g, e) in enumerate(zip(got, expected)):
        if not math.isclose(g, e, rel_tol=tolerance, abs_tol=tolerance):
            raise DisagreementError(
                f"{engine}: {what}[{index}] is {g!r}, the reference (plain floats) has {e!r}; "
                f"they differ by {abs(g - e):.3g}, more than the tolerance {tolerance:g}"
            )


@contextmanager
def recursion_limit_at_least(limit: int) -> Iterator[None]:
    """Raise Python's recursion limit to ``limit`` inside the block (for micrograd's recursive
    topological sort, which goes one call deeper per node of depth)."""
    previous = sys.getrecursionlimit()
    sys.setrecursionlimit(max(previous, limit))
    try:
        yield
    finally:
        sys.setrecursionlimit(previous)


def optional_module(name: str) -> ModuleType | None:
    """The module if it is installed, else None (the engine is then reported as skipped)."""
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


def skipped(reason: str) -> dict[str, str]:
    """A result entry for an engine that was not run, and why."""
    return {"skipped": reason}


def machine_info() -> dict[str, Any]:
    """The facts a reader needs to compare two result files."""
    info: dict[str, Any] = {
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "python": sys.version.split()[0],
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "gc_enabled": gc.isenabled(),
        "gc_thresholds": list(gc.get_threshold()),
        "recursion_limit": sys.getrecursionlimit(),
        "minigrad_commit": _git_commit(),
        "date_utc": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime()),
    }
    for package in ("micrograd", "torch"):
        try:
            info[f"{package}_version"] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            info[f"{package}_version"] = None
    torch = optional_module("torch")
    if torch is not None:
        info["torch_threads"] = torch.get_num_threads()
    return info


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _git_commit() -> str | None:
    try:
        result = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=Path(__file__).parent,
            capture_output=True,
            text=True,
            check=True,
        )
    except (OSError, subprocess.CalledProcessError):
        return None
    return result.stdout.strip()


def write_json_atomically(data: dict[str, Any], path: Path) -> None:
    """Write ``data`` to ``path`` so that a reader sees the old file or the new one, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(data, indent=2) + "\n"
    write_atomically(path, lambda file: file.write(text.encode("utf-8")))
