"""The inputs every engine gets: the moons data set and one set of initial weights.

Weights are nested lists, ``weights[layer][neuron] == (w, b)`` with ``w`` a list of floats, and an
engine's parameters in "canonical order" are, layer by layer and neuron by neuron, w₀, w₁, …, b:
the order of micrograd's (and MiniGrad's) ``parameters()``.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence

Weights = list[list[tuple[list[float], float]]]


def make_moons(
    n: int, noise: float = 0.1, seed: int = 1337
) -> tuple[list[list[float]], list[float]]:
    """Two interleaving half circles, as sklearn's ``make_moons``; labels are -1 and +1.

    The upper moon is ``(cos t, sin t)``, the lower one ``(1 - cos t, 0.5 - sin t)``, for t evenly
    spaced over [0, π], each point moved by Gaussian noise of standard deviation ``noise``.
    """
    if n < 2:
        raise ValueError(f"make_moons needs at least 2 points (one per moon), not {n}")
    rng = random.Random(seed)
    n_upper = n // 2
    n_lower = n - n_upper
    points, labels = [], []
    for count, label in ((n_upper, -1.0), (n_lower, 1.0)):
        for i in range(count):
            t = math.pi * i / max(count - 1, 1)
            if label < 0:
                x, y = math.cos(t), math.sin(t)
            else:
                x, y = 1.0 - math.cos(t), 0.5 - math.sin(t)
            points.append([x + rng.gauss(0.0, noise), y + rng.gauss(0.0, noise)])
            labels.append(label)
    return points, labels


def initial_weights(nin: int, nouts: Sequence[int], seed: int, zero_bias: bool) -> Weights:
    """Weights drawn uniformly from [-1, 1] as micrograd does; biases 0 when ``zero_bias``."""
    rng = random.Random(seed)
    sizes = [nin, *nouts]
    weights: Weights = []
    for fan_in, width in zip(sizes, sizes[1:]):
        layer = []
        for _ in range(width):
            w = [rng.uniform(-1.0, 1.0) for _ in range(fan_in)]
            b = 0.0 if zero_bias else rng.uniform(-1.0, 1.0)
            layer.append((w, b))
        weights.append(layer)
    return weights


def flatten(weights: Weights) -> list[float]:
    """The weights in canonical order."""
    return [p for layer in weights for w, b in layer for p in (*w, b)]


def load_canonical(parameters: Sequence[object], weights: Weights, attribute: str = "data") -> None:
    """Set each parameter's ``attribute`` from ``weights``, in canonical order."""
    values = flatten(weights)
    if len(parameters) != len(values):
        raise ValueError(f"the model has {len(parameters)} parameters, the weights {len(values)}")
    for parameter, value in zip(parameters, values):
        setattr(parameter, attribute, value)
