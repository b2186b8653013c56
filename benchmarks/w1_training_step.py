"""W1: one training step of micrograd's demo, in every engine.

micrograd's demo notebook trains ``MLP(2, [16, 16, 1])`` (ReLU hidden layers, a linear output) on
100 moons points with a max-margin loss plus L2 regularisation, and then takes an SGD step:

    loss = mean(relu(1 - yᵢ·scoreᵢ)) + 1e-4 · Σ p²
    p ← p - lr · ∂loss/∂p

One step is the forward pass, zeroing the gradients, the backward pass and the update, written in
each engine the way its users write it. Every engine starts from the same weights, and its first
step must give the hand-written floor's loss and gradients before anything is timed. Every timed
step is that first step again: each trainer's ``restart()`` puts its initial weights back first
(untimed), so every engine does the same work on every repeat. (Were training to go on, the work
would change: the floor skips the samples already classified with a margin.)
"""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable
from typing import Any, Protocol

from benchmarks.data import Weights, flatten, initial_weights, load_canonical, make_moons
from benchmarks.harness import (
    assert_close,
    optional_module,
    skipped,
    time_back_to_back,
    time_interleaved,
)

SIZES = (2, [16, 16, 1])
ALPHA = 1e-4  # the L2 coefficient
LEARNING_RATE = 1.0  # the demo's rate at its first step, 1.0 - 0.9·k/100 with k = 0
TOLERANCE = 1e-9


class Trainer(Protocol):
    def step(self) -> float:
        """One training step; returns the loss before the update."""

    def gradients(self) -> list[float]:
        """The last step's gradients, in canonical order."""

    def restart(self) -> None:
        """Set the weights back to the initial ones, so that the next step is the first again."""


# ---------------------------------------------------------------------------------------------
# The floor: plain floats and lists, forward and backward derived by hand.
# ---------------------------------------------------------------------------------------------


class FloatTrainer:
    """The step written with plain Python floats: the floor for any pure-Python scalar engine."""

    def __init__(self, weights: Weights, xs: list[list[float]], ys: list[float]) -> None:
        self.weights, self.xs, self.ys = weights, xs, ys
        self.grads: list[list[list[Any]]] = []
        self.restart()

    def restart(self) -> None:
        self.layers = [[[list(w), b] for w, b in layer] for layer in self.weights]

    def step(self) -> float:
        layers, n = self.layers, len(self.xs)
        last = len(layers) - 1
        grads = [[[[0.0] * len(w), 0.0] for w, _ in layer] for layer in layers]
        data_loss = 0.0
        for x, yi in zip(self.xs, self.ys):
            # Forward, keeping each layer's inputs and pre-activations for the backward pass.
            layer_inputs, pre_activations = [], []
            a = x
            for index, layer in enumerate(layers):
                z = []
                for w, b in layer:
                    total = b
                    for wj, aj in zip(w, a):
                        total += wj * aj
                    z.append(total)
                layer_inputs.append(a)
                pre_activations.append(z)
                a = z if index == last else [v if v > 0.0 else 0.0 for v in z]
            margin = 1.0 - yi * a[0]
            if margin <= 0.0:
                continue  # relu(margin) = 0 and so is its gradient
            data_loss += margin
            # Backward: ∂loss/∂score = -yᵢ/n, then each layer's chain rule.
            upstream = [-yi * (1.0 / n)]
            for index in range(last, -1, -1):
                a, z = layer_inputs[index], pre_activations[index]
                downstream = [0.0] * len(a)
                for (w, _), (gw, _), g, zk, k in zip(
                    layers[index], grads[index], upstream, z, range(len(z))
                ):
                    if index != last and zk <= 0.0:
                        continue  # relu'(z) = 0
                    grads[index][k][1] += g
                    for j, (wj, aj) in enumerate(zip(w, a)):
                        gw[j] += g * aj
                        downstream[j] += g * wj
                upstream = downstream
        regularisation = 0.0
        for layer, layer_grads in zip(layers, grads):
            for (w, b), neuron_grads in zip(layer, layer_grads):
                gw = neuron_grads[0]
                for j, wj in enumerate(w):
                    regularisation += wj * wj
                    gw[j] += 2.0 * ALPHA * wj
                regularisation += b * b
                neuron_grads[1] += 2.0 * ALPHA * b
        loss = data_loss * (1.0 / n) + ALPHA * regularisation
        for layer, layer_grads in zip(layers, grads):
            for neuron, (gw, gb) in zip(layer, layer_grads):
                w = neuron[0]
                for j, g in enumerate(gw):
                    w[j] -= LEARNING_RATE * g
                neuron[1] -= LEARNING_RATE * gb
        self.grads = grads
        return loss

    def gradients(self) -> list[float]:
        return [p for layer in self.grads for gw, gb in layer for p in (*gw, gb)]


# ---------------------------------------------------------------------------------------------
# Scalar engines: MiniGrad and micrograd run the demo's own loop, written with operators.
# ---------------------------------------------------------------------------------------------


class ScalarTrainer:
    """The demo's step for an engine with micrograd's API (``Value``, ``model.parameters()``)."""

    def __init__(
        self,
        model: Any,
        weights: Weights,
        xs: list[list[float]],
        ys: list[float],
        as_inputs: Callable[[list[float]], list[Any]],
    ) -> None:
        self.model, self.weights, self.as_inputs = model, weights, as_inputs
        self.xs, self.ys = xs, ys
        self.restart()

    def restart(self) -> None:
        load_canonical(self.model.parameters(), self.weights)

    def step(self, mark: Callable[[str], object] = lambda phase: None) -> float:
        """One step; ``mark(phase)`` is called as each phase ends (to time them, see phases)."""
        model = self.model
        inputs = [self.as_inputs(row) for row in self.xs]
        scores = [model(x) for x in inputs]
        mark("forward")
        losses = [(1 + -yi * score).relu() for yi, score in zip(self.ys, scores)]
        data_loss = sum(losses) * (1.0 / len(losses))
        reg_loss = ALPHA * sum(p * p for p in model.parameters())
        total_loss = data_loss + reg_loss
        mark("loss")
        model.zero_grad()
        total_loss.backward()
        mark("backward")
        for p in model.parameters():
            p.data -= LEARNING_RATE * p.grad
        mark("update")
        return total_loss.data

    def gradients(self) -> list[float]:
        return [p.grad for p in self.model.parameters()]


def minigrad_trainer(
    weights: Weights, xs: list[list[float]], ys: list[float], inputs: str
) -> Trainer:
    """MiniGrad's MLP at the settings of micrograd's demo; inputs passed as floats or Values."""
    from minigrad import MLP, Value

    model = MLP(*SIZES, activation="relu", output_activation="linear", fused=True)
    as_inputs = list if inputs == "floats" else lambda row: [Value(v) for v in row]
    return ScalarTrainer(model, weights, xs, ys, as_inputs)


def micrograd_trainer(weights: Weights, xs: list[list[float]], ys: list[float]) -> Trainer:
    """micrograd 0.1.0's MLP, exactly as its demo notebook uses it."""
    from micrograd.engine import Value
    from micrograd.nn import MLP

    return ScalarTrainer(MLP(*SIZES), weights, xs, ys, lambda row: [Value(v) for v in row])


# ---------------------------------------------------------------------------------------------
# PyTorch: one 0-d float64 tensor per scalar, and the batched (vectorised) equivalent.
# ---------------------------------------------------------------------------------------------


class TorchScalarTrainer:
    """The demo's graph in PyTorch, one 0-d float64 tensor per number: a scalar engine in C++."""

    def __init__(self, weights: Weights, xs: list[list[float]], ys: list[float]) -> None:
        import torch

        self.torch = torch

        def leaf(v: float) -> Any:
            return torch.tensor(v, dtype=torch.float64, requires_grad=True)

        self.layers = [[([leaf(v) for v in w], leaf(b)) for w, b in layer] for layer in weights]
        self.parameters = [p for layer in self.layers for w, b in layer for p in (*w, b)]
        self.weights, self.xs, self.ys = weights, xs, ys

    def restart(self) -> None:
        with self.torch.no_grad():
            for p, v in zip(self.parameters, flatten(self.weights)):
                p.fill_(v)

    def step(self) -> float:
        torch, last = self.torch, len(self.layers) - 1
        scores = []
        for row in self.xs:
            a = [torch.tensor(v, dtype=torch.float64) for v in row]
            for index, layer in enumerate(self.layers):
                z = [sum((wj * aj for wj, aj in zip(w, a)), b) for w, b in layer]
                a = z if index == last else [torch.relu(v) for v in z]
            scores.append(a[0])
        losses = [torch.relu(1 + -yi * score) for yi, score in zip(self.ys, scores)]
        data_loss = sum(losses) * (1.0 / len(losses))
        total_loss = data_loss + ALPHA * sum(p * p for p in self.parameters)
        for p in self.parameters:
            p.grad = None
        total_loss.backward()
        with torch.no_grad():
            for p in self.parameters:
                p -= LEARNING_RATE * p.grad
        return total_loss.item()

    def gradients(self) -> list[float]:
        return [p.grad.item() for p in self.parameters]


class TorchBatchedTrainer:
    """The same step as PyTorch is meant to be used: one matrix per layer, the batch at once."""

    def __init__(self, weights: Weights, xs: list[list[float]], ys: list[float]) -> None:
        import torch

        self.torch = torch

        def matrix(values: list[Any]) -> Any:
            return torch.tensor(values, dtype=torch.float64)

        self.initial = [
            (matrix([w for w, _ in layer]), matrix([b for _, b in layer])) for layer in weights
        ]
        self.layers = [
            (weight.clone().requires_grad_(), b.clone().requires_grad_())
            for weight, b in self.initial
        ]
        self.xs, self.ys = matrix(xs), matrix(ys)

    def restart(self) -> None:
        with self.torch.no_grad():
            for (weight, b), (initial_weight, initial_b) in zip(self.layers, self.initial):
                weight.copy_(initial_weight)
                b.copy_(initial_b)

    def step(self) -> float:
        torch, last = self.torch, len(self.layers) - 1
        a = self.xs
        for index, (weight, b) in enumerate(self.layers):
            z = a @ weight.T + b
            a = z if index == last else torch.relu(z)
        data_loss = torch.relu(1 - self.ys * a[:, 0]).mean()
        reg_loss = ALPHA * sum((weight * weight).sum() + (b * b).sum() for weight, b in self.layers)
        total_loss = data_loss + reg_loss
        for weight, b in self.layers:
            weight.grad = b.grad = None
        total_loss.backward()
        with torch.no_grad():
            for weight, b in self.layers:
                weight -= LEARNING_RATE * weight.grad
                b -= LEARNING_RATE * b.grad
        return total_loss.item()

    def gradients(self) -> list[float]:
        return [
            p
            for weight, b in self.layers
            for gw, gb in zip(weight.grad.tolist(), b.grad.tolist())
            for p in (*gw, gb)
        ]


# ---------------------------------------------------------------------------------------------
# The workload
# ---------------------------------------------------------------------------------------------


def trainers(weights: Weights, xs: list[list[float]], ys: list[float]) -> dict[str, Any]:
    """Every engine's trainer, or the reason it is skipped; the floor comes first."""
    result: dict[str, Any] = {
        "floor": FloatTrainer(weights, xs, ys),
        "minigrad": minigrad_trainer(weights, xs, ys, inputs="floats"),
        "minigrad (Value inputs)": minigrad_trainer(weights, xs, ys, inputs="Values"),
    }
    if optional_module("micrograd") is None:
        result["micrograd"] = skipped("micrograd is not installed (pip install micrograd==0.1.0)")
    else:
        result["micrograd"] = micrograd_trainer(weights, xs, ys)
    if optional_module("torch") is None:
        result["torch 0-d"] = result["torch batched"] = skipped("torch is not installed")
    else:
        result["torch 0-d"] = TorchScalarTrainer(weights, xs, ys)
        result["torch batched"] = TorchBatchedTrainer(weights, xs, ys)
    return result


def phases(trainer: ScalarTrainer, repeats: int) -> dict[str, dict[str, float]]:
    """Each phase of ``trainer``'s first step as a share of the whole step (medians over
    ``repeats`` steps, each from the initial weights), and the share of the step the garbage
    collector took within that phase."""
    times: dict[str, list[float]] = {}
    collector_times: dict[str, list[float]] = {}
    clock = {"last": 0.0}  # when the last phase ended
    collecting = {"since": 0.0, "total": 0.0}  # the collector's time since then

    def on_collection(event: str, info: dict[str, int]) -> None:
        now = time.perf_counter()
        if event == "start":
            collecting["since"] = now
        else:
            collecting["total"] += now - collecting["since"]

    def mark(phase: str) -> None:
        now = time.perf_counter()
        times.setdefault(phase, []).append(now - clock["last"])
        collector_times.setdefault(phase, []).append(collecting["total"])
        clock["last"], collecting["total"] = now, 0.0

    step_times = []
    gc.callbacks.append(on_collection)
    try:
        for _ in range(repeats):
            trainer.restart()
            gc.collect()
            start = clock["last"] = time.perf_counter()
            collecting["total"] = 0.0
            trainer.step(mark)
            step_times.append(clock["last"] - start)
    finally:
        gc.callbacks.remove(on_collection)
    step = statistics.median(step_times)
    return {
        phase: {
            "share": statistics.median(times[phase]) / step,
            "collector": statistics.median(collector_times[phase]) / step,
        }
        for phase in times
    }


def problem(points: int, seed: int = 0) -> tuple[Weights, list[list[float]], list[float]]:
    """W1's initial weights and its moons (points and labels): the same for every engine."""
    xs, ys = make_moons(points, seed=seed + 1337)
    return initial_weights(*SIZES, seed=seed, zero_bias=True), xs, ys


def run(
    points: int, repeats: int, back_to_back_rounds: int, back_to_back_steps: int, seed: int = 0
) -> dict[str, Any]:
    """Check that every engine takes the same first step, then time that step again and again
    (each engine restarted from the initial weights before each, untimed): ``repeats`` steps each
    from a collected heap, and ``back_to_back_rounds`` blocks of ``back_to_back_steps`` steps in a
    row, as a training loop runs them (see harness.time_back_to_back)."""
    weights, xs, ys = problem(points, seed)
    engines = trainers(weights, xs, ys)
    floor = engines["floor"]
    expected_loss = floor.step()
    expected_gradients = floor.gradients()
    runs, restarts = {}, {}
    for name, trainer in engines.items():
        if isinstance(trainer, dict):
            continue  # skipped
        if trainer is not floor:
            assert_close("loss", name, [trainer.step()], [expected_loss], TOLERANCE)
            assert_close("gradients", name, trainer.gradients(), expected_gradients, TOLERANCE)
        runs[name], restarts[name] = trainer.step, trainer.restart
    timings = time_interleaved(runs, repeats, before=restarts)
    in_a_row = time_back_to_back(runs, back_to_back_rounds, back_to_back_steps, before=restarts)
    results, back_to_back = (
        {name: timed[name].to_json() if name in timed else t for name, t in engines.items()}
        for timed in (timings, in_a_row)
    )
    minigrad_phases = phases(engines["minigrad"], repeats)
    return {
        "description": (
            f"one training step of micrograd's demo: MLP(2, [16, 16, 1]) ReLU/linear, {points} "
            "moons points, max-margin loss + 1e-4·L2, backward, SGD update"
        ),
        "points": points,
        "parameters": len(flatten(weights)),
        "agreement": f"loss and all gradients equal to the floor's within {TOLERANCE:g}",
        "engines": results,
        "back_to_back": {
            "description": (
                f"the same step, {back_to_back_steps} in a row after an untimed one, as a "
                "training loop runs it: each step pays for the garbage of the step before"
            ),
            "engines": back_to_back,
        },
        "minigrad_phases_as_shares_of_its_step": minigrad_phases,
    }
