"""Random numbers as PyTorch's functions draw them: ``Generator().manual_seed(s)``, ``randn``,
``rand``, ``randint``, ``randperm``, ``multinomial``.

A ``Generator`` is NumPy's PCG64 stream: the same seed gives the same numbers on every run of
MiniGrad, but not the numbers PyTorch draws (its generator is another algorithm), so a lecture's
printed numbers that come from random draws differ from the video's.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy

from minigrad.tensor import Tensor

_DEFAULT_SEED = 67280421310721  # PyTorch's default seed: an unseeded generator is reproducible


def _check_device(device: Any) -> None:
    if str(device) != "cpu":
        raise ValueError(f"MiniGrad's tensors live on the CPU, not on {device!r}")


class Generator:
    """A stream of random numbers; ``Generator().manual_seed(2147483647)`` as in PyTorch."""

    def __init__(self, device: str = "cpu") -> None:
        _check_device(device)
        self.manual_seed(_DEFAULT_SEED)

    def manual_seed(self, seed: int) -> Generator:
        """Restart the stream from ``seed`` (a non-negative int); returns the generator."""
        if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
            raise ValueError(f"manual_seed takes a non-negative int, not {seed!r:.60}")
        self._seed = int(seed)
        self.numpy = numpy.random.default_rng(self._seed)
        return self

    def initial_seed(self) -> int:
        """What the stream last started from: its seed."""
        return self._seed

    def seed(self) -> int:
        """Restart the stream from a fresh random seed, and return it."""
        return self.manual_seed(int(numpy.random.SeedSequence().entropy) % 2**63).initial_seed()

    def __repr__(self) -> str:
        return f"Generator(seed={self._seed})"


default_generator = Generator()


def manual_seed(seed: int) -> Generator:
    """Seed the default generator (used when a function is given none); returns it."""
    return default_generator.manual_seed(seed)


def initial_seed() -> int:
    return default_generator.initial_seed()


def randn(
    *size: Any, generator: Generator | None = None, dtype: Any = None,
    requires_grad: bool = False, device: str = "cpu",
) -> Tensor:  # fmt: skip
    """Numbers drawn from the standard normal distribution (float32 unless ``dtype``)."""
    dtype = _float_dtype(dtype, "randn")
    _check_device(device)
    numbers_ = _rng(generator).standard_normal(_shape(size, "randn"), dtype=dtype)
    return Tensor(numbers_, requires_grad, dtype)


def rand(
    *size: Any, generator: Generator | None = None, dtype: Any = None,
    requires_grad: bool = False, device: str = "cpu",
) -> Tensor:  # fmt: skip
    """Numbers drawn uniformly from [0, 1) (float32 unless ``dtype``)."""
    dtype = _float_dtype(dtype, "rand")
    _check_device(device)
    numbers_ = _rng(generator).random(_shape(size, "rand"), dtype=dtype)
    return Tensor(numbers_, requires_grad, dtype)


def randint(
    *args: Any, generator: Generator | None = None, dtype: Any = None, device: str = "cpu",
    **named: Any,
) -> Tensor:  # fmt: skip
    """Integers drawn uniformly from [low, high): ``randint(low, high, size)`` or
    ``randint(high, size)`` (int64 unless ``dtype``)."""
    _check_device(device)
    values = dict(zip(("low", "high", "size") if len(args) == 3 else ("high", "size"), args))
    values.update(named)
    if "high" not in values or "size" not in values:
        raise TypeError("randint takes (low, high, size) or (high, size)")
    low, high, size = int(values.get("low", 0)), int(values["high"]), values["size"]
    if low >= high:
        raise ValueError(f"randint: low ({low}) must be below high ({high})")
    numbers_ = _rng(generator).integers(low, high, _shape((size,), "randint"))
    return Tensor(numbers_.astype(numpy.dtype(dtype) if dtype is not None else numpy.int64))


def randperm(n: int, *, generator: Generator | None = None, device: str = "cpu") -> Tensor:
    """0..n-1 in a random order (int64)."""
    _check_device(device)
    return Tensor(_rng(generator).permutation(int(n)).astype(numpy.int64))


def multinomial(
    input: Tensor, num_samples: int, replacement: bool = False, *,
    generator: Generator | None = None,
) -> Tensor:  # fmt: skip
    """Places drawn with probability in proportion to ``input``'s weights (a row of them, or
    one row per draw): ``num_samples`` places per row, int64, as PyTorch's."""
    weights = numpy.asarray(input.numpy() if isinstance(input, Tensor) else input, numpy.float64)
    if weights.ndim not in (1, 2):
        raise ValueError(f"multinomial takes weights of 1 or 2 axes, not shape {weights.shape}")
    if isinstance(num_samples, bool) or not isinstance(num_samples, numbers.Integral):
        raise TypeError(f"multinomial: num_samples is an int, not {num_samples!r:.60}")
    if num_samples <= 0:
        raise ValueError("multinomial: num_samples must be at least 1")
    rows = weights.reshape(-1, weights.shape[-1])
    if not numpy.isfinite(rows).all() or (rows < 0).any():
        raise ValueError("multinomial: the weights must be finite and non-negative")
    totals = rows.sum(axis=1)
    if (totals <= 0).any():
        raise ValueError("multinomial: a row of weights sums to zero")
    if not replacement and (num_samples > (rows > 0).sum(axis=1)).any():
        raise ValueError(
            f"multinomial: cannot draw {num_samples} places without replacement from a row "
            "with fewer non-zero weights"
        )
    rng = _rng(generator)
    drawn = numpy.stack([
        rng.choice(rows.shape[1], size=num_samples, replace=replacement, p=row / total)
        for row, total in zip(rows, totals)
    ])  # fmt: skip
    return Tensor(drawn.reshape(*weights.shape[:-1], num_samples).astype(numpy.int64))


def _rng(generator: Generator | None) -> numpy.random.Generator:
    if generator is None:
        return default_generator.numpy
    if not isinstance(generator, Generator):
        raise TypeError(f"generator is a minigrad.torch.Generator, not {type(generator).__name__}")
    return generator.numpy


def _shape(size: tuple[Any, ...], what: str) -> tuple[int, ...]:
    """A size given as ints (``randn(3, 4)``) or one tuple (``randn((3, 4))``) as a tuple."""
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    for n in size:
        if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 0:
            raise TypeError(f"{what}: a size is made of non-negative ints, not {size!r:.60}")
    return tuple(int(n) for n in size)


def _float_dtype(dtype: Any, what: str) -> numpy.dtype:
    dtype = numpy.dtype("float32" if dtype is None else dtype)
    if dtype.kind != "f":
        raise TypeError(f"{what} draws floating-point numbers, not {dtype}")
    return dtype
