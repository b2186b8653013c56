"""W7: the makemore lectures on MiniGrad, through minigrad.torch.

- W7a, a layer of names: W5's and W6's training step written as the lectures write it
  (``torch.tanh(x @ W1 + b1)``, ``F.cross_entropy``, ``p.data += -lr * p.grad``), once with
  ``minigrad.Tensor``'s own methods and once through ``minigrad.torch``; the second must take at
  most 5 % longer (minigrad.torch adds function calls, no work).
- W7b, ``minigrad demo names``: the demo's character-level MLP trained by MiniGrad (through
  minigrad.torch) and by PyTorch (one thread) on the same names, from the same initial weights,
  on the same batches, for the same steps; their validation losses must agree within 0.05.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from benchmarks.harness import (
    DisagreementError,
    optional_module,
    paired_ratio,
    time_interleaved,
)
from benchmarks.w5_w6_tensor_step import LEARNING_RATE, Problem, _block, floor_step

MAX_TORCH_SPELLING_OVERHEAD = 1.05
MAX_NAMES_VAL_LOSS_DIFFERENCE = 0.05


def tensor_methods_step(problem: Problem) -> Callable[[], float]:
    """The lecture's step with minigrad.Tensor's methods and minigrad.losses."""
    from minigrad import losses
    from minigrad.tensor import Tensor

    W1, b1, W2, b2 = (Tensor(w.copy(), requires_grad=True) for w in problem.weights)  # noqa: N806
    parameters = [W1, b1, W2, b2]
    x, y = Tensor(problem.x), problem.y
    relu = problem.act == "relu"

    def step() -> float:
        pre = x @ W1 + b1
        h = pre.relu() if relu else pre.tanh()
        logits = h @ W2 + b2
        loss = losses.cross_entropy(logits, y)
        for p in parameters:
            p.grad = None
        loss.backward()
        for p in parameters:
            p.data += -LEARNING_RATE * p.grad
        return loss.item()

    return step


def torch_spelling_step(problem: Problem) -> Callable[[], float]:
    """The same step through minigrad.torch, as the lecture writes it."""
    import minigrad.torch as torch
    import minigrad.torch.nn.functional as F  # noqa: N812

    W1, b1, W2, b2 = (torch.tensor(w, requires_grad=True) for w in problem.weights)  # noqa: N806
    parameters = [W1, b1, W2, b2]
    x, y = torch.tensor(problem.x), torch.tensor(problem.y)
    activation = torch.relu if problem.act == "relu" else torch.tanh

    def step() -> float:
        h = activation(x @ W1 + b1)
        logits = h @ W2 + b2
        loss = F.cross_entropy(logits, y)
        for p in parameters:
            p.grad = None
        loss.backward()
        for p in parameters:
            p.data += -LEARNING_RATE * p.grad
        return loss.item()

    return step


def run_spelling(problem: Problem, repeats: int, block: int) -> dict[str, Any]:
    """Both steps checked against the floor's loss, then timed in interleaved rounds."""
    from threadpoolctl import threadpool_limits

    makers = {"minigrad.Tensor": tensor_methods_step, "minigrad.torch": torch_spelling_step}
    with threadpool_limits(limits=1, user_api="blas"):
        reference = floor_step(problem)
        expected = [reference(), reference()]
        steps = {name: make(problem) for name, make in makers.items()}
        for name, step in steps.items():
            got = [step(), step()]
            if max(abs(g - e) for g, e in zip(got, expected)) > 2e-5:
                raise DisagreementError(
                    f"{name}: the losses of {problem.name}'s first two steps are {got}, the "
                    f"floor's {expected}"
                )
        timings = time_interleaved({name: _block(s, block) for name, s in steps.items()}, repeats)
    engines = {
        name: {"median_s": t.median / block, "times_s": [x / block for x in t.times]}
        for name, t in timings.items()
    }
    return {
        "description": f"{problem.name}'s step in the lectures' words",
        "engines": engines,
        "torch_spelling_times_tensor": paired_ratio(
            engines["minigrad.torch"]["times_s"], engines["minigrad.Tensor"]["times_s"]
        ),
    }


def run_names(steps: int) -> dict[str, Any]:
    """The names demo's model trained by MiniGrad and by PyTorch on the same everything."""
    from threadpoolctl import threadpool_limits

    import minigrad.torch as mg
    import minigrad.torch.nn.functional as mg_F  # noqa: N812
    from minigrad.app import makemore

    settings = makemore.Settings(steps=steps)
    words = makemore.load_names()
    runs = {"minigrad (minigrad.torch)": (mg, mg_F)}
    torch = optional_module("torch")
    if torch is not None:
        torch.set_num_threads(1)
        runs["torch (1 thread)"] = (torch, torch.nn.functional)
    results: dict[str, Any] = {}
    with threadpool_limits(limits=1, user_api="blas"):
        for name, (module, functional) in runs.items():
            data, _ = makemore.splits(module, words, settings)
            result = makemore.train(module, functional, settings, data)
            results[name] = {"seconds": result.seconds, "losses": result.losses}
    out: dict[str, Any] = {
        "description": (
            f"minigrad demo names: {steps:,} steps of {settings.batch} examples, the same "
            "initial weights and batches"
        ),
        "engines": results,
    }
    if "torch (1 thread)" in results:
        mine, theirs = (results[k]["losses"]["val"] for k in runs)
        out["val_loss_difference"] = abs(mine - theirs)
    return out


def format_tables(w7a: dict[str, dict[str, Any]], w7b: dict[str, Any]) -> list[str]:
    lines = [
        "W7a: W5's and W6's step in the lectures' words, with minigrad.Tensor and through "
        "minigrad.torch (per step, medians)",
        "",
        "| workload | minigrad.Tensor | minigrad.torch | × minigrad.Tensor's time |",
        "|---|---:|---:|---:|",
    ]
    for key, workload in w7a.items():
        engines = workload["engines"]
        lines.append(
            f"| {key} | {engines['minigrad.Tensor']['median_s'] * 1e6:.1f} µs | "
            f"{engines['minigrad.torch']['median_s'] * 1e6:.1f} µs | "
            f"{workload['torch_spelling_times_tensor']:.3f} |"
        )
    lines += ["", f"W7b: {w7b['description']}", "",
              "| engine | train | val | test | time |", "|---|---:|---:|---:|---:|"]  # fmt: skip
    for name, result in w7b["engines"].items():
        losses = result["losses"]
        lines.append(f"| {name} | {losses['train']:.4f} | {losses['val']:.4f} | "
                     f"{losses['test']:.4f} | {result['seconds']:.1f} s |")  # fmt: skip
    return [*lines, ""]
