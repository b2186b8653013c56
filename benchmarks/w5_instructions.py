"""W5's Tensor step counted in instructions (valgrind's callgrind), to compare two versions.

python -m benchmarks.w5_instructions                  # this checkout's src/
python -m benchmarks.w5_instructions --src OTHER/src  # another version's, with this venv

A step of W5's sizes (MLP 64-64-10 tanh, a batch of 128, float32, cross-entropy, SGD) on random
data: ``benchmarks/w5_w6_tensor_step.py``'s ``minigrad_step``, this checkout's, run on the
version's MiniGrad. Two processes run
under callgrind: both build the model and take three steps, then freeze the garbage collector
and turn it off (so no collection of the whole heap falls inside one count and not the other);
one takes 2 steps more, the other 52. The difference, divided by 50, is one step. Hash
randomisation is off and BLAS has one thread, so the count does not depend on the machine's load.
"""

from __future__ import annotations

import argparse
import gc
import os
import shutil
import sys
from pathlib import Path

from benchmarks.instructions import callgrind_count

ROOT = Path(__file__).resolve().parents[1]
FEW, MANY = 2, 52


def steps_in_child(steps: int) -> float:
    """Build W5's model, take three steps, then ``steps`` more with the collector off; the last
    step's loss."""
    from benchmarks.w5_w6_tensor_step import Problem, minigrad_step

    step = minigrad_step(Problem("W5's sizes", (64, 64, 10), 128, "tanh"))  # (random data)
    for _ in range(3):
        loss = step()
    gc.collect()
    gc.freeze()
    gc.disable()
    try:
        for _ in range(steps):
            loss = step()
    finally:
        gc.enable()
        gc.unfreeze()
    return loss


def instructions(src: Path, steps: int) -> int:
    """The instructions a child process executes, with ``steps`` counted steps."""
    environment = dict(PYTHONPATH=os.pathsep.join([str(src), str(ROOT)]), OPENBLAS_NUM_THREADS="1",
                       OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")  # fmt: skip
    return callgrind_count(
        "benchmarks.w5_instructions", ["--child", str(steps)], f"W5 on {src}", environment
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.w5_instructions")
    parser.add_argument("--src", type=Path, default=ROOT / "src", help="the version's src/")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child is not None:
        steps_in_child(args.child)
        return
    if shutil.which("valgrind") is None:
        sys.exit("valgrind is not installed (make bench-instructions installs it)")
    per_step = (instructions(args.src, MANY) - instructions(args.src, FEW)) / (MANY - FEW)
    print(f"W5's step, MiniGrad Tensor ({args.src}): {per_step / 1e6:.3f} M instructions")


if __name__ == "__main__":
    main()
