"""W1 in instructions: the step counted by valgrind's callgrind, which no busy machine disturbs.

Wall-clock times on a shared machine swing by 2× with its load, so a 5 % change in the engine is
invisible in them. The number of instructions a step executes does not change from run to run:
it is the measure to compare two versions of the engine by (it does not count what the CPU's
caches cost, so a step's time in floors is higher, by about a third here).

python -m benchmarks.instructions             # floor and MiniGrad, 5 steps each (about a minute)
python -m benchmarks.instructions --steps 2   # quicker, as exact

For each engine two processes run under callgrind, one that builds the engine and takes one
untimed step, and one that then takes ``steps`` more; the difference, divided by ``steps``, is
one step. Hash randomisation is off, so both processes do the same thing up to the extra steps.
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

from benchmarks.data import initial_weights, make_moons
from benchmarks.w1_training_step import SIZES, FloatTrainer, minigrad_trainer

ENGINES = ("floor", "minigrad", "minigrad (Value inputs)")
POINTS = 100


def step_in_child(engine: str, steps: int) -> None:
    """Build ``engine``'s trainer, take one step, collect, then take ``steps`` more."""
    xs, ys = make_moons(POINTS, seed=1337)
    weights = initial_weights(*SIZES, seed=0, zero_bias=True)
    if engine == "floor":
        trainer = FloatTrainer(weights, xs, ys)
    else:
        inputs = "Values" if engine == "minigrad (Value inputs)" else "floats"
        trainer = minigrad_trainer(weights, xs, ys, inputs)
    trainer.step()
    gc.collect()
    gc.freeze()
    for _ in range(steps):
        gc.collect()
        trainer.step()


def instructions(engine: str, steps: int) -> int:
    """Instructions executed by a child process running ``step_in_child(engine, steps)``."""
    command = [
        "valgrind",
        "--tool=callgrind",
        "--callgrind-out-file=/dev/null",
        sys.executable,
        "-m",
        "benchmarks.instructions",
        "--child",
        engine,
        str(steps),
    ]
    environment = {**os.environ, "PYTHONHASHSEED": "0"}
    root = Path(__file__).resolve().parent.parent
    result = subprocess.run(
        command, cwd=root, env=environment, capture_output=True, text=True, check=False
    )
    found = re.search(r"Collected\s*:\s*(\d+)", result.stderr)
    if result.returncode != 0 or found is None:
        raise RuntimeError(
            f"callgrind run of {engine!r} failed (exit {result.returncode}): "
            f"{result.stderr.strip()[-500:]}"
        )
    return int(found.group(1))


def per_step(engine: str, steps: int, pool: ThreadPoolExecutor) -> float:
    base, more = pool.map(lambda k: instructions(engine, k), (0, steps))
    return (more - base) / steps


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=5, help="steps counted per engine")
    parser.add_argument("--child", nargs=2, metavar=("ENGINE", "STEPS"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        step_in_child(args.child[0], int(args.child[1]))
        return 0
    if args.steps < 1:
        parser.error(f"--steps must be at least 1, not {args.steps}")
    if shutil.which("valgrind") is None:
        print("valgrind is not installed: apt-get install valgrind", file=sys.stderr)
        return 1
    with ThreadPoolExecutor(max_workers=2) as pool:
        counts = {engine: per_step(engine, args.steps, pool) for engine in ENGINES}
    floor = counts["floor"]
    print(f"W1 in instructions per step (callgrind, {args.steps} steps each)\n")
    print("| engine | instructions per step | × the floor |")
    print("|---|---:|---:|")
    for engine, count in counts.items():
        print(f"| {engine} | {count / 1e6:.1f} M | {count / floor:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
