"""Neural-network modules built from Values: Neuron, Layer and MLP, as in the seed README."""

from __future__ import annotations

import random
from collections.abc import Sequence

from minigrad.engine import Operand, Value


class Module:
    """Something with parameters: calling it runs its forward pass."""

    def parameters(self) -> list[Value]:
        return []

    def zero_grad(self) -> None:
        for p in self.parameters():
            p.grad = 0.0


class Neuron(Module):
    """y = tanh(Σ wᵢ·xᵢ + b)"""

    def __init__(self, nin: int) -> None:
        self.w = [Value(random.uniform(-1, 1)) for _ in range(nin)]
        self.b = Value(random.uniform(-1, 1))

    def __call__(self, x: Sequence[Operand]) -> Value:
        return sum((wi * xi for wi, xi in zip(self.w, x)), self.b).tanh()

    def parameters(self) -> list[Value]:
        return self.w + [self.b]


class Layer(Module):
    """nout neurons reading the same inputs."""

    def __init__(self, nin: int, nout: int) -> None:
        self.neurons = [Neuron(nin) for _ in range(nout)]

    def __call__(self, x: Sequence[Operand]) -> Value | list[Value]:
        outs = [n(x) for n in self.neurons]
        return outs[0] if len(outs) == 1 else outs

    def parameters(self) -> list[Value]:
        return [p for n in self.neurons for p in n.parameters()]


class MLP(Module):
    """Layers chained: MLP(3, [4, 4, 1]) maps 3 inputs through two hidden layers of 4 to 1."""

    def __init__(self, nin: int, nouts: Sequence[int]) -> None:
        sizes = [nin, *nouts]
        self.layers = [Layer(sizes[i], sizes[i + 1]) for i in range(len(nouts))]

    def __call__(self, x: Sequence[Operand]) -> Value | list[Value]:
        for layer in self.layers:
            x = layer(x)
        return x

    def parameters(self) -> list[Value]:
        return [p for layer in self.layers for p in layer.parameters()]
