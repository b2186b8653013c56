"""W8: the peak memory of one forward and backward pass through a deep tensor MLP.

The model: 20 layers of ``Linear(1024, 1024)`` and tanh, then ``Linear(1024, 10)``, float32, on a
batch of 1024 rows, with cross-entropy; MiniGrad's Tensor engine against PyTorch (one thread),
the same weights in both. Measured: how much the pass adds, at its peak, to what the process held
before it (the model and the batch were made before), in bytes.

How: each engine runs in a fresh Python process (``python -m benchmarks.w8_tensor_memory
ENGINE``), which makes the model, takes one untimed pass (so that every library's first-call
allocations are done), drops it, and then measures a second pass by the kernel's count of the
process's resident pages: it resets the high-water mark (``/proc/self/clear_refs``), runs the
pass, and reads the mark (``VmHWM``) less the resident memory just before (``VmRSS``). That sees
NumPy's and PyTorch's arrays alike (tracemalloc cannot see PyTorch's C++ allocations). The child
runs with ``MALLOC_MMAP_THRESHOLD_=65536``: every array of 64 KiB or more gets pages of its own
from the kernel and gives them back when freed, so resident memory follows the arrays alive at
each moment (by default the C library keeps freed memory for reuse, and the count would depend
on what the untimed pass left behind). MiniGrad's peak is also counted by tracemalloc, which
NumPy reports its arrays to, as a check of the method.

Linux only (``/proc``); elsewhere the workload reports itself skipped.
"""

from __future__ import annotations

import gc
import os
import statistics
import subprocess
import sys
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy

from benchmarks.harness import DisagreementError, optional_module

LAYERS, WIDTH, BATCH, CLASSES = 20, 1024, 1024, 10
TOLERANCE = 1e-4  # float32 losses of two libraries (matrix products summed in other orders)
ENGINES = ("minigrad Tensor", "torch (1 thread)")


def weights(layers: int, width: int, seed: int = 0) -> list[tuple[numpy.ndarray, numpy.ndarray]]:
    """Each layer's (W, b) as MiniGrad holds them, W (nin, nout), uniform in ±1/√nin."""
    rng = numpy.random.default_rng(seed)
    sizes = [width] * (layers + 1) + [CLASSES]
    bound = 1.0 / numpy.sqrt(width)
    return [
        (rng.uniform(-bound, bound, (nin, nout)).astype(numpy.float32),
         rng.uniform(-bound, bound, nout).astype(numpy.float32))
        for nin, nout in zip(sizes[:-1], sizes[1:])
    ]  # fmt: skip


def _batch(width: int, batch: int) -> tuple[numpy.ndarray, numpy.ndarray]:
    rng = numpy.random.default_rng(1)
    return rng.normal(size=(batch, width)).astype(numpy.float32), rng.integers(0, CLASSES, batch)


def _minigrad_pass(layers: int, width: int, batch: int) -> Any:
    from minigrad import losses
    from minigrad import tensor_nn as tn
    from minigrad.tensor import Tensor

    modules: list[Any] = []
    for w, b in weights(layers, width):
        linear = tn.Linear(*w.shape)
        linear.weight.data, linear.bias.data = w, b
        modules += [linear, tn.Tanh()]
    model = tn.Sequential(*modules[:-1])  # no tanh after the last layer
    x, y = _batch(width, batch)
    inputs = Tensor(x)

    def one_pass() -> float:
        loss = losses.cross_entropy(model(inputs), y)
        loss.backward()
        return loss.item()

    def forget() -> None:
        model.zero_grad()

    return one_pass, forget


def _torch_pass(layers: int, width: int, batch: int) -> Any:
    import torch

    torch.set_num_threads(1)
    modules: list[Any] = []
    for w, b in weights(layers, width):
        linear = torch.nn.Linear(*w.shape)
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(w.T.copy()))
            linear.bias.copy_(torch.from_numpy(b))
        modules += [linear, torch.nn.Tanh()]
    model = torch.nn.Sequential(*modules[:-1])
    x, y = _batch(width, batch)
    inputs, labels = torch.from_numpy(x), torch.from_numpy(y)

    def one_pass() -> float:
        loss = torch.nn.functional.cross_entropy(model(inputs), labels)
        loss.backward()
        return loss.item()

    def forget() -> None:
        for p in model.parameters():
            p.grad = None

    return one_pass, forget


def _status(key: str) -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(key):
                return int(line.split()[1]) * 1024
    raise RuntimeError(f"/proc/self/status has no {key}")


def peak_growth(one_pass: Callable[[], float], forget: Callable[[], None]) -> tuple[float, int]:
    """One untimed pass, then a second one's loss and how much it adds to resident memory at
    its peak, in bytes."""
    one_pass()
    forget()
    gc.collect()
    before = _status("VmRSS:")
    with open("/proc/self/clear_refs", "w", encoding="ascii") as clear_refs:
        clear_refs.write("5")  # the high-water mark starts again from the resident memory now
    loss = one_pass()
    return loss, _status("VmHWM:") - before


def measure_in_this_process(engine: str, layers: int, width: int, batch: int) -> dict[str, Any]:
    """The peak growth of resident memory during one pass (and, for MiniGrad, tracemalloc's)."""
    one_pass, forget = (_minigrad_pass if engine == ENGINES[0] else _torch_pass)(
        layers, width, batch
    )
    loss, peak = peak_growth(one_pass, forget)
    result = {"loss": loss, "peak_bytes": peak}
    if engine == ENGINES[0]:
        forget()
        gc.collect()
        tracemalloc.start()
        start = tracemalloc.get_traced_memory()[0]
        one_pass()
        result["tracemalloc_peak_bytes"] = tracemalloc.get_traced_memory()[1] - start
        tracemalloc.stop()
    return result


def _measure_in_a_fresh_process(
    engine: str, layers: int, width: int, batch: int, module: str = "benchmarks.w8_tensor_memory"
) -> dict:
    """``python -m module engine layers width batch``, which prints key=value pairs."""
    env = {**os.environ, "MALLOC_MMAP_THRESHOLD_": "65536", "OMP_NUM_THREADS": "1",
           "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}  # fmt: skip
    root = str(Path(__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [root, env.get("PYTHONPATH")]))
    child = subprocess.run(
        [sys.executable, "-m", module, engine, str(layers), str(width), str(batch)],
        capture_output=True, text=True, env=env, check=False,
    )  # fmt: skip
    if child.returncode != 0:
        raise RuntimeError(f"measuring {engine}'s memory failed:\n{child.stderr}")
    numbers = dict(item.split("=") for item in child.stdout.split())
    return {key: float(value) for key, value in numbers.items()}


def run(layers: int = LAYERS, width: int = WIDTH, batch: int = BATCH, repeats: int = 3) -> dict:
    """Each engine's peak (the median of ``repeats`` fresh processes), and MiniGrad's ratio."""
    description = (
        f"W8: peak memory of one forward + backward pass, MLP of {layers} layers "
        f"Linear({width}, {width}) + tanh, then Linear({width}, {CLASSES}), float32, batch {batch}"
    )
    if not Path("/proc/self/clear_refs").exists():
        return {"description": description, "skipped": "needs Linux's /proc/self/clear_refs"}
    engines: dict[str, Any] = {}
    for engine in ENGINES:
        if engine != ENGINES[0] and optional_module("torch") is None:
            engines[engine] = {"skipped": "PyTorch is not installed"}
            continue
        runs = [_measure_in_a_fresh_process(engine, layers, width, batch) for _ in range(repeats)]
        engines[engine] = {key: statistics.median(r[key] for r in runs) for key in runs[0]}
        engines[engine]["peak_bytes_each_run"] = [r["peak_bytes"] for r in runs]
    losses = [e["loss"] for e in engines.values() if "loss" in e]
    if max(losses) - min(losses) > TOLERANCE * max(1.0, abs(losses[0])):
        raise DisagreementError(f"W8: the engines' losses differ: {losses}")
    result: dict[str, Any] = {"description": description, "engines": engines}
    if "peak_bytes" in engines[ENGINES[1]]:
        result["minigrad_times_torch"] = (
            engines[ENGINES[0]]["peak_bytes"] / engines[ENGINES[1]]["peak_bytes"]
        )
    return result


if __name__ == "__main__":
    engine_name, *sizes = sys.argv[1:]
    measured = measure_in_this_process(engine_name, *map(int, sizes))
    print(" ".join(f"{key}={value!r}" for key, value in measured.items()))
