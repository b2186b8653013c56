"""Small toy data sets, generated from a seed (nothing is downloaded).

Each generator returns ``(X, y)`` as plain lists: ``X[i]`` is a list of floats (the features of
sample i) and ``y[i]`` its label. The classification sets label their classes 0, 1, ... (``spiral``
has ``classes`` of them, the others two); ``seed`` is the four samples of the original MiniGrad
description, with their targets of +1 and -1. The same arguments give the same points on every
machine.

Examples:
    >>> X, y = moons(n=4, seed=1)
    >>> len(X), len(X[0]), sorted(set(y))
    (4, 2, [0, 1])
"""

from __future__ import annotations

import math
import numbers
import random
from collections.abc import Callable

Dataset = tuple[list[list[float]], list[int]]


def moons(n: int = 100, noise: float = 0.1, seed: int = 0) -> Dataset:
    """Two interleaving half circles: class 0 on top, class 1 below, shifted right.

    Point k of a moon sits at angle t = π·k/(m-1) on it: (cos t, sin t) for the upper moon,
    (1 - cos t, 0.5 - sin t) for the lower one; then Gaussian noise of standard deviation
    ``noise`` moves both coordinates.
    """
    _check_size(n, 2)
    _check_noise(noise)
    rng = random.Random(seed)
    upper, lower = n - n // 2, n // 2
    points: list[tuple[list[float], int]] = []
    for k in range(upper):
        t = math.pi * k / max(upper - 1, 1)
        points.append(([math.cos(t), math.sin(t)], 0))
    for k in range(lower):
        t = math.pi * k / max(lower - 1, 1)
        points.append(([1.0 - math.cos(t), 0.5 - math.sin(t)], 1))
    return _jittered_and_shuffled(points, noise, rng)


def circles(n: int = 100, noise: float = 0.05, factor: float = 0.5, seed: int = 0) -> Dataset:
    """A circle of radius ``factor`` (class 1) inside a circle of radius 1 (class 0), both noisy."""
    _check_size(n, 2)
    _check_noise(noise)
    if not _is_real(factor) or not 0.0 < factor < 1.0:
        raise ValueError(f"factor is the inner circle's radius, between 0 and 1: got {factor!r}")
    rng = random.Random(seed)
    outer, inner = n - n // 2, n // 2
    points: list[tuple[list[float], int]] = []
    for count, radius, label in ((outer, 1.0, 0), (inner, factor, 1)):
        for k in range(count):
            t = 2.0 * math.pi * k / count
            points.append(([radius * math.cos(t), radius * math.sin(t)], label))
    return _jittered_and_shuffled(points, noise, rng)


def spiral(n: int = 150, classes: int = 3, noise: float = 0.2, seed: int = 0) -> Dataset:
    """``classes`` arms winding out from the centre, one class per arm (n/classes points each).

    Point k of arm j (of m) lies at radius r = (k+1)/m and angle 4j + 4r plus Gaussian noise of
    standard deviation ``noise`` (in radians): the arms are well apart near the rim and close
    together near the centre.
    """
    if not _is_int(classes) or classes < 2:
        raise ValueError(f"classes must be an integer of at least 2: got {classes!r}")
    _check_size(n, classes)
    _check_noise(noise)
    rng = random.Random(seed)
    points: list[tuple[list[float], int]] = []
    for label in range(classes):
        count = n // classes + (1 if label < n % classes else 0)
        for k in range(count):
            radius = (k + 1) / count
            angle = 4.0 * label + 4.0 * radius + rng.gauss(0.0, noise)
            points.append(([radius * math.sin(angle), radius * math.cos(angle)], label))
    return _jittered_and_shuffled(points, 0.0, rng)


def xor(n: int = 100, noise: float = 0.25, seed: int = 0) -> Dataset:
    """Four clusters at (±1, ±1): class 1 where exactly one coordinate is negative.

    No straight line separates the classes, so a model without a hidden layer cannot learn it.
    ``noise`` is each cluster's standard deviation.
    """
    _check_size(n, 4)
    _check_noise(noise)
    rng = random.Random(seed)
    corners = [(1.0, 1.0), (-1.0, 1.0), (-1.0, -1.0), (1.0, -1.0)]
    points: list[tuple[list[float], int]] = []
    for k in range(n):
        cx, cy = corners[k % 4]
        points.append(([cx, cy], int((cx < 0) != (cy < 0))))
    return _jittered_and_shuffled(points, noise, rng)


def seed() -> tuple[list[list[float]], list[float]]:
    """The original MiniGrad description's four samples of three features, targets +1 and -1."""
    xs = [
        [2.0, 3.0, -1.0],
        [3.0, -1.0, 0.5],
        [0.5, 1.0, 1.0],
        [1.0, 1.0, -1.0],
    ]
    ys = [1.0, -1.0, -1.0, 1.0]
    return xs, ys


#: The generators by name, as the command line offers them.
DATASETS: dict[str, Callable[..., tuple[list[list[float]], list]]] = {
    "moons": moons,
    "circles": circles,
    "spiral": spiral,
    "xor": xor,
    "seed": seed,
}


def _jittered_and_shuffled(
    points: list[tuple[list[float], int]], noise: float, rng: random.Random
) -> Dataset:
    """Add Gaussian noise to every coordinate, then shuffle so the classes are mixed."""
    rng.shuffle(points)
    features = [[coordinate + rng.gauss(0.0, noise) for coordinate in x] for x, _ in points]
    labels = [label for _, label in points]
    return features, labels


def _is_int(x: object) -> bool:
    return isinstance(x, numbers.Integral) and not isinstance(x, bool)


def _is_real(x: object) -> bool:
    return isinstance(x, numbers.Real) and not isinstance(x, bool) and math.isfinite(x)


def _check_size(n: object, smallest: int) -> None:
    if not _is_int(n) or n < smallest:
        raise ValueError(f"n is the number of points, an integer of at least {smallest}: got {n!r}")


def _check_noise(noise: object) -> None:
    if not _is_real(noise) or noise < 0:
        raise ValueError(f"noise is a standard deviation, a finite number ≥ 0: got {noise!r}")
