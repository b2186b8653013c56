"""W4: the seed README's example, 100 steps: MLP(3, [4, 4, 1]) with tanh everywhere, four
samples, squared error, plain gradient descent with learning rate 0.1.

Each run starts from the same weights and takes 100 steps; every engine must end with the
floor's loss and parameters.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from benchmarks.data import Weights, flatten, initial_weights, load_canonical
from benchmarks.harness import assert_close, optional_module, skipped, time_interleaved

SIZES = (3, [4, 4, 1])
XS = [[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0], [1.0, 1.0, -1.0]]
YS = [1.0, -1.0, -1.0, 1.0]
LEARNING_RATE = 0.1
TOLERANCE = 1e-9


class FloatTrainer:
    """The example with plain floats, forward and backward derived by hand."""

    def __init__(self, weights: Weights) -> None:
        self.initial = weights

    def train(self, steps: int) -> float:
        layers = [[[list(w), b] for w, b in layer] for layer in self.initial]
        loss = 0.0
        for _ in range(steps):
            grads = [[[[0.0] * len(w), 0.0] for w, _ in layer] for layer in layers]
            loss = 0.0
            for x, target in zip(XS, YS):
                layer_inputs, a = [], x
                for layer in layers:
                    layer_inputs.append(a)
                    outputs = []
                    for w, b in layer:
                        total = b
                        for wj, aj in zip(w, a):
                            total += wj * aj
                        outputs.append(math.tanh(total))
                    a = outputs
                layer_inputs.append(a)
                loss += (a[0] - target) ** 2
                upstream = [2.0 * (a[0] - target)]  # ∂(ŷ - y)²/∂ŷ
                for index in range(len(layers) - 1, -1, -1):
                    inputs, outputs = layer_inputs[index], layer_inputs[index + 1]
                    downstream = [0.0] * len(inputs)
                    for (w, _), neuron_grads, g, t in zip(
                        layers[index], grads[index], upstream, outputs
                    ):
                        g *= 1.0 - t * t  # tanh' = 1 - tanh²
                        neuron_grads[1] += g
                        for j, (wj, aj) in enumerate(zip(w, inputs)):
                            neuron_grads[0][j] += g * aj
                            downstream[j] += g * wj
                    upstream = downstream
            for layer, layer_grads in zip(layers, grads):
                for neuron, (gw, gb) in zip(layer, layer_grads):
                    for j, g in enumerate(gw):
                        neuron[0][j] += -LEARNING_RATE * g
                    neuron[1] += -LEARNING_RATE * gb
        self.final = [p for layer in layers for w, b in layer for p in (*w, b)]
        return loss

    def parameters(self) -> list[float]:
        return self.final


class ScalarTrainer:
    """The seed's loop, verbatim, for an engine with micrograd's API."""

    def __init__(self, model: Any, weights: Weights) -> None:
        self.model, self.initial = model, weights

    def train(self, steps: int) -> float:
        n = self.model
        load_canonical(n.parameters(), self.initial)
        loss = None
        for _ in range(steps):
            ypred = [n(x) for x in XS]
            loss = sum((yout - ygt) ** 2 for ygt, yout in zip(YS, ypred))
            for p in n.parameters():
                p.grad = 0.0
            loss.backward()
            for p in n.parameters():
                p.data += -LEARNING_RATE * p.grad
        return loss.data

    def parameters(self) -> list[float]:
        return [p.data for p in self.model.parameters()]


def minigrad_trainer(weights: Weights) -> ScalarTrainer:
    from minigrad import MLP

    return ScalarTrainer(MLP(*SIZES, fused=True), weights)


class MicrogradTanhMLP:
    """micrograd 0.1.0 has no tanh: its neurons (linear) with tanh added in micrograd's style."""

    def __init__(self) -> None:
        from micrograd.engine import Value
        from micrograd.nn import Neuron

        self.value = Value
        sizes = [SIZES[0], *SIZES[1]]
        self.layers = [
            [Neuron(nin, nonlin=False) for _ in range(nout)] for nin, nout in zip(sizes, sizes[1:])
        ]

    def tanh(self, x: Any) -> Any:
        t = math.tanh(x.data)
        out = self.value(t, (x,), "tanh")

        def _backward() -> None:
            x.grad += (1 - t * t) * out.grad

        out._backward = _backward
        return out

    def __call__(self, x: list[Any]) -> Any:
        for layer in self.layers:
            x = [self.tanh(neuron(x)) for neuron in layer]
        return x[0]

    def parameters(self) -> list[Any]:
        return [p for layer in self.layers for neuron in layer for p in neuron.parameters()]


class TorchScalarTrainer:
    """The seed's loop in PyTorch, one 0-d float64 tensor per number."""

    def __init__(self, weights: Weights) -> None:
        import torch

        self.torch, self.initial = torch, weights

    def train(self, steps: int) -> float:
        torch = self.torch

        def leaf(v: float) -> Any:
            return torch.tensor(v, dtype=torch.float64, requires_grad=True)

        layers = [[([leaf(v) for v in w], leaf(b)) for w, b in layer] for layer in self.initial]
        params = [p for layer in layers for w, b in layer for p in (*w, b)]
        loss = None
        for _ in range(steps):
            ypred = []
            for x in XS:
                a = [torch.tensor(v, dtype=torch.float64) for v in x]
                for layer in layers:
                    a = [torch.tanh(sum((wj * aj for wj, aj in zip(w, a)), b)) for w, b in layer]
                ypred.append(a[0])
            loss = sum((yout - ygt) ** 2 for ygt, yout in zip(YS, ypred))
            for p in params:
                p.grad = None
            loss.backward()
            with torch.no_grad():
                for p in params:
                    p += -LEARNING_RATE * p.grad
        self.final = [p.item() for p in params]
        return loss.item()

    def parameters(self) -> list[float]:
        return self.final


class TorchBatchedTrainer:
    """The example as PyTorch is meant to be used: a matrix per layer, all samples at once."""

    def __init__(self, weights: Weights) -> None:
        import torch

        self.torch, self.initial = torch, weights
        self.xs = torch.tensor(XS, dtype=torch.float64)
        self.ys = torch.tensor(YS, dtype=torch.float64)

    def train(self, steps: int) -> float:
        torch = self.torch
        layers = [
            tuple(
                torch.tensor(values, dtype=torch.float64, requires_grad=True)
                for values in ([w for w, _ in layer], [b for _, b in layer])
            )
            for layer in self.initial
        ]
        loss = None
        for _ in range(steps):
            a = self.xs
            for weight, b in layers:
                a = torch.tanh(a @ weight.T + b)
            loss = ((a[:, 0] - self.ys) ** 2).sum()
            for weight, b in layers:
                weight.grad = b.grad = None
            loss.backward()
            with torch.no_grad():
                for weight, b in layers:
                    weight += -LEARNING_RATE * weight.grad
                    b += -LEARNING_RATE * b.grad
        self.final = [
            p
            for weight, b in layers
            for w, bias in zip(weight.tolist(), b.tolist())
            for p in (*w, bias)
        ]
        return loss.item()

    def parameters(self) -> list[float]:
        return self.final


def trainers(weights: Weights) -> dict[str, Any]:
    """Every engine's trainer, or the reason it is skipped; the floor comes first."""
    result: dict[str, Any] = {
        "floor": FloatTrainer(weights),
        "minigrad": minigrad_trainer(weights),
    }
    if optional_module("micrograd") is None:
        result["micrograd"] = skipped("micrograd is not installed (pip install micrograd==0.1.0)")
    else:
        result["micrograd"] = ScalarTrainer(MicrogradTanhMLP(), weights)
    if optional_module("torch") is None:
        result["torch 0-d"] = result["torch batched"] = skipped("torch is not installed")
    else:
        result["torch 0-d"] = TorchScalarTrainer(weights)
        result["torch batched"] = TorchBatchedTrainer(weights)
    return result


def run(steps: int, repeats: int, seed: int = 0) -> dict[str, Any]:
    """Train every engine ``steps`` steps from the same weights; check, then time, the runs."""
    weights = initial_weights(*SIZES, seed=seed, zero_bias=False)
    engines = trainers(weights)
    floor = engines["floor"]
    expected_loss = floor.train(steps)
    expected_parameters = floor.parameters()
    runs = {}
    for name, trainer in engines.items():
        if isinstance(trainer, dict):
            continue  # skipped
        train: Callable[[], float] = lambda trainer=trainer: trainer.train(steps)  # noqa: E731
        if trainer is not floor:
            assert_close("final loss", name, [train()], [expected_loss], TOLERANCE)
            assert_close(
                "final parameters", name, trainer.parameters(), expected_parameters, TOLERANCE
            )
        runs[name] = train
    timings = time_interleaved(runs, repeats)
    results = {
        name: timings[name].to_json() if name in timings else t for name, t in engines.items()
    }
    return {
        "description": (
            f"the seed README's example: MLP(3, [4, 4, 1]) tanh, 4 samples, squared error, "
            f"SGD lr {LEARNING_RATE}, {steps} steps"
        ),
        "steps": steps,
        "parameters": len(flatten(weights)),
        "agreement": f"final loss and parameters equal to the floor's within {TOLERANCE:g}",
        "engines": results,
    }
