"""W1 in instructions: the step counted by valgrind's callgrind, which no busy machine disturbs.

Wall-clock times on a shared machine swing by 2× with its load, so a 5 % change in the engine is
invisible in them. The number of instructions a step executes does not change from run to run:
it is the measure to compare two versions of the engine by. (It does not count what the CPU's
caches cost, so a step's time ratio to the floor is mostly higher than its instruction ratio:
2.15–3.4 against 2.06 in the runs recorded in benchmarks/README.md.)

python -m benchmarks.instructions             # floor and MiniGrad, 5 steps each (about a minute)
python -m benchmarks.instructions --steps 2   # quicker
python -m benchmarks.instructions --phases    # also MiniGrad's step phase by phase, in floors

For each engine two processes run under callgrind. Both build the engine, take one step, and then
``steps`` times put the initial weights back and collect the heap (as ``make bench`` does before
each timed step); only the second also takes a step each time. The difference, divided by
``steps``, is one step: the first step of training, every time. Hash randomisation is off, so
the count is the same on every run of a checkout (another checkout may differ by a few tenths of
a per cent: object addresses, and so set look-ups, change).
"""

from __future__ import annotations

import argparse
import gc
import os
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from benchmarks.__main__ import FULL
from benchmarks.w1_training_step import (
    FloatTrainer,
    ScalarTrainer,
    Trainer,
    minigrad_trainer,
    problem,
)

ENGINES = ("floor", "minigrad", "minigrad (Value inputs)")
PHASES = ("forward", "loss", "backward", "update")  # as ScalarTrainer.step marks them
POINTS = FULL["w1_points"]  # as `make bench` runs W1


class _PhaseEnded(Exception):  # noqa: N818 (a signal to stop, not an error)
    """Raised by the phase marker to cut a step short after the phase being counted."""


def step_in_child(
    engine: str,
    steps: int,
    until: str | None = None,
    collector: bool = True,
    set_up_only: bool = False,
) -> None:
    """Build ``engine``'s trainer, take one step, then ``steps`` more, each from the initial
    weights (cut short after phase ``until`` if given), with the garbage collector on or off;
    ``set_up_only`` does all but those steps, to count what they cost by difference."""
    trainer = _trainer(engine)
    trainer.step()
    gc.collect()
    gc.freeze()
    if not collector:
        gc.disable()
    try:
        for _ in range(steps):
            trainer.restart()
            gc.collect()
            if set_up_only:
                continue
            if until is None:
                trainer.step()
            else:
                _step_until(trainer, until)
    finally:
        gc.enable()
        gc.unfreeze()


def _trainer(engine: str) -> Trainer:
    weights, xs, ys = problem(POINTS)
    if engine == "floor":
        return FloatTrainer(weights, xs, ys)
    inputs = "Values" if engine == "minigrad (Value inputs)" else "floats"
    return minigrad_trainer(weights, xs, ys, inputs)


def _step_until(trainer: Trainer, phase: str) -> None:
    if not isinstance(trainer, ScalarTrainer):
        raise TypeError(f"only MiniGrad's step is split into phases, not {type(trainer).__name__}")

    def mark(ended: str) -> None:
        if ended == phase:
            raise _PhaseEnded

    try:
        trainer.step(mark)
    except _PhaseEnded:
        pass  # the step's graph is freed here, as at the end of a whole step


def instructions(engine: str, steps: int, *options: str) -> int:
    """Instructions executed by a child process running ``step_in_child(engine, steps, ...)``."""
    return callgrind_count(
        "benchmarks.instructions", ["--child", engine, str(steps), *options], engine
    )


def callgrind_count(
    module: str, arguments: list[str], what: str, environment: dict[str, str] | None = None
) -> int:
    """Instructions executed by ``python -m module arguments...`` under valgrind's callgrind
    (hash randomisation off, so the count does not change from run to run)."""
    command = [
        "valgrind",
        "--tool=callgrind",
        "--callgrind-out-file=/dev/null",
        sys.executable,
        "-m",
        module,
        *arguments,
    ]
    environment = {**os.environ, **(environment or {}), "PYTHONHASHSEED": "0"}
    root = Path(__file__).resolve().parent.parent
    result = subprocess.run(
        command, cwd=root, env=environment, capture_output=True, text=True, check=False
    )
    found = re.search(r"Collected\s*:\s*(\d+)", result.stderr)
    if result.returncode != 0 or found is None:
        raise RuntimeError(
            f"callgrind run of {what!r} failed (exit {result.returncode}): "
            f"{result.stderr.strip()[-500:]}"
        )
    return int(found.group(1))


def per_step(engine: str, steps: int, pool: ThreadPoolExecutor, *options: str) -> float:
    """Instructions of one step: (with ``steps`` steps - the same without them) / ``steps``."""
    base, more = pool.map(
        lambda extra: instructions(engine, steps, *options, *extra), (("--set-up-only",), ())
    )
    return (more - base) / steps


def phases(pool: ThreadPoolExecutor) -> dict[str, float]:
    """MiniGrad's first step, phase by phase, and the collector's part of it, in floors (the
    floor's first step = 1)."""
    floor = per_step("floor", 1, pool)
    cumulative = {phase: per_step("minigrad", 1, pool, "--until", phase) for phase in PHASES[:-1]}
    cumulative["update"] = whole = per_step("minigrad", 1, pool)
    without_collector = per_step("minigrad", 1, pool, "--no-collector")
    shares, before = {}, 0.0
    for phase in PHASES:
        shares[phase] = (cumulative[phase] - before) / floor
        before = cumulative[phase]
    shares["whole step"] = whole / floor
    shares["of which the collector"] = (whole - without_collector) / floor
    return shares


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=5, help="steps counted per engine")
    parser.add_argument(
        "--phases", action="store_true", help="also count MiniGrad's step phase by phase"
    )
    parser.add_argument("--child", nargs=2, metavar=("ENGINE", "STEPS"), help=argparse.SUPPRESS)
    parser.add_argument("--until", choices=PHASES, help=argparse.SUPPRESS)
    parser.add_argument("--no-collector", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--set-up-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        engine, steps = args.child
        if engine not in ENGINES:
            parser.error(f"--child takes one of {', '.join(ENGINES)}, not {engine!r}")
        step_in_child(
            engine,
            int(steps),
            args.until,
            collector=not args.no_collector,
            set_up_only=args.set_up_only,
        )
        return 0
    if args.steps < 1:
        parser.error(f"--steps must be at least 1, not {args.steps}")
    if shutil.which("valgrind") is None:
        print("valgrind is not installed: apt-get install valgrind", file=sys.stderr)
        return 1
    with ThreadPoolExecutor(max_workers=2) as pool:
        counts = {engine: per_step(engine, args.steps, pool) for engine in ENGINES}
        by_phase = phases(pool) if args.phases else {}
    floor = counts["floor"]
    print(f"W1 in instructions per step (callgrind, {args.steps} steps each)\n")
    print("| engine | instructions per step | × the floor |")
    print("|---|---:|---:|")
    for engine, count in counts.items():
        print(f"| {engine} | {count / 1e6:.1f} M | {count / floor:.2f} |")
    if by_phase:
        print("\nMiniGrad's first step by phase, in floors (the floor's first step = 1)\n")
        print("| phase | floors |")
        print("|---|---:|")
        for phase, floors in by_phase.items():
            print(f"| {phase} | {floors:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
