"""PyTorch's spelling of MiniGrad's Tensor engine, as ``jax.numpy`` is NumPy's spelling of JAX.

    import minigrad.torch as torch                  # instead of: import torch
    import minigrad.torch.nn.functional as F        # instead of: import torch.nn.functional as F

Every name here is a thin layer over ``minigrad.Tensor``: ``torch.tensor`` makes a Tensor,
``torch.tanh(x)`` is ``x.tanh()``, and the graph, the backward pass and the gradients are the
Tensor engine's (readable in ``minigrad/tensor.py``). No PyTorch is imported. It covers what the
makemore lectures use; any other name of PyTorch's raises an error saying it is not covered.

Random numbers come from ``Generator``s seeded with ``manual_seed``: reproducible from run to run
of MiniGrad, but not PyTorch's stream, so numbers drawn at random differ from PyTorch's.
"""

from __future__ import annotations

import builtins
import numbers
from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy

from minigrad import tensor as _tensor
from minigrad.engine import _grad_mode_set, is_grad_enabled, no_grad
from minigrad.tensor import Tensor
from minigrad.tensor_pytorch import ValuesIndices
from minigrad.torch import _dtypes
from minigrad.torch._dtypes import bool_, float32, float64, int8, int16, int32, int64, uint8
from minigrad.torch._random import (
    Generator,
    _check_device,
    default_generator,
    initial_seed,
    manual_seed,
    multinomial,
    rand,
    randint,
    randn,
    randperm,
)

__all__ = [
    "Generator", "NotCoveredError", "Tensor", "ValuesIndices", "abs", "all", "allclose", "amax",
    "amin", "any", "arange", "argmax", "argmin", "as_tensor", "cat", "concat",
    "default_generator", "enable_grad", "exp", "from_numpy", "full",
    "histogram", "initial_seed", "is_grad_enabled", "is_tensor", "linspace", "log", "log10",
    "manual_seed", "max", "maximum", "mean", "min", "multinomial", "no_grad", "numel", "ones",
    "ones_like", "rand", "randint", "randn", "randperm", "relu", "sigmoid", "softmax", "sqrt",
    "stack", "std", "sum", "tanh", "tensor", "var", "where", "zeros", "zeros_like",
    "float32", "float64", "int64", "int32", "int16", "int8", "uint8", "float", "double", "long",
    "int", "short", "bool", "bool_", "histogram", "Histogram", "initial_seed", "nn",
]

globals().update(_dtypes.ALIASES)  # torch.float, torch.long, torch.int, torch.bool...
_DEFAULT_DTYPE = float32


class NotCoveredError(AttributeError):
    """A name of PyTorch's that minigrad.torch does not cover."""


def __getattr__(name: str) -> Any:
    raise NotCoveredError(
        f"minigrad.torch does not cover torch.{name}: it covers what the makemore lectures use "
        "(see the page 'Following the makemore lectures'); write it with minigrad.Tensor"
    )


def enable_grad() -> Any:
    """Record the graph again inside ``with enable_grad():`` (for a block inside no_grad)."""
    return _grad_mode_set(True)


# Making tensors


def tensor(
    data: Any, *, dtype: Any = None, requires_grad: bool = False, device: str = "cpu"
) -> Tensor:
    """A Tensor of ``data``'s numbers (copied): ints stay int64, bools bool, floats float32."""
    _check_device(device)
    if isinstance(data, Tensor):
        data = data.numpy()
    if isinstance(data, numpy.ndarray):
        data = data.copy()
    return Tensor(data, requires_grad, dtype)


def as_tensor(data: Any, dtype: Any = None, device: str = "cpu") -> Tensor:
    """data as a Tensor without copying where it can: a Tensor stays itself (cast if ``dtype``
    differs), an array is wrapped (a tensor's ``.grad`` and ``.data`` are NumPy arrays)."""
    _check_device(device)
    if isinstance(data, Tensor):
        return data if dtype is None else data.to(dtype)
    return Tensor(data, dtype=dtype)


def from_numpy(array: numpy.ndarray) -> Tensor:
    """A Tensor holding this NumPy array (not a copy)."""
    if not isinstance(array, numpy.ndarray):
        raise TypeError(f"from_numpy takes a NumPy array, not {type(array).__name__}")
    return Tensor(array)


def is_tensor(obj: object) -> builtins.bool:
    return isinstance(obj, Tensor)


def zeros(*size: Any, dtype: Any = None, requires_grad: builtins.bool = False,
          device: str = "cpu") -> Tensor:  # fmt: skip
    """A Tensor of zeros (float32 unless ``dtype``): ``zeros(3, 4)`` or ``zeros((3, 4))``."""
    return full(_size(size, "zeros"), 0, dtype=dtype or _DEFAULT_DTYPE,
                requires_grad=requires_grad, device=device)  # fmt: skip


def ones(*size: Any, dtype: Any = None, requires_grad: builtins.bool = False,
         device: str = "cpu") -> Tensor:  # fmt: skip
    """A Tensor of ones (float32 unless ``dtype``)."""
    return full(_size(size, "ones"), 1, dtype=dtype or _DEFAULT_DTYPE,
                requires_grad=requires_grad, device=device)  # fmt: skip


def full(size: Sequence[builtins.int], fill_value: numbers.Real, *, dtype: Any = None,
         requires_grad: builtins.bool = False, device: str = "cpu") -> Tensor:  # fmt: skip
    """A Tensor of one number repeated (its dtype inferred from the number unless given)."""
    _check_device(device)
    if dtype is None:
        dtype = Tensor(fill_value).dtype
    return Tensor(numpy.full(_size((size,), "full"), fill_value, dtype=dtype), requires_grad)


def zeros_like(input: Tensor, *, dtype: Any = None,
               requires_grad: builtins.bool = False) -> Tensor:  # fmt: skip
    """Zeros of input's shape and dtype (a new leaf: no graph)."""
    return full(input.shape, 0, dtype=dtype or input.dtype, requires_grad=requires_grad)


def ones_like(input: Tensor, *, dtype: Any = None,
              requires_grad: builtins.bool = False) -> Tensor:  # fmt: skip
    """Ones of input's shape and dtype."""
    return full(input.shape, 1, dtype=dtype or input.dtype, requires_grad=requires_grad)


def arange(start: numbers.Real, end: numbers.Real | None = None, step: numbers.Real = 1, *,
           dtype: Any = None, device: str = "cpu") -> Tensor:  # fmt: skip
    """start, start + step, ... below end (``arange(n)`` is 0..n-1): int64 when all are ints,
    else float32."""
    _check_device(device)
    if end is None:
        start, end = 0, start
    if dtype is None:
        every_int = builtins.all(isinstance(v, numbers.Integral) for v in (start, end, step))
        dtype = int64 if every_int else _DEFAULT_DTYPE
    return Tensor(numpy.arange(start, end, step).astype(dtype))


def linspace(start: numbers.Real, end: numbers.Real, steps: builtins.int, *,
             dtype: Any = None, device: str = "cpu") -> Tensor:  # fmt: skip
    """``steps`` numbers evenly spaced from start to end, both included (float32)."""
    _check_device(device)
    return Tensor(numpy.linspace(start, end, steps).astype(dtype or _DEFAULT_DTYPE))


# Functions of tensors: each is the Tensor method of the same name


def tanh(input: Tensor) -> Tensor:
    return _tensor_of(input, "tanh").tanh()


def exp(input: Tensor) -> Tensor:
    return _tensor_of(input, "exp").exp()


def log(input: Tensor) -> Tensor:
    return _tensor_of(input, "log").log()


def log10(input: Tensor) -> Tensor:
    return _tensor_of(input, "log10").log10()


def sqrt(input: Tensor) -> Tensor:
    return _tensor_of(input, "sqrt").sqrt()


def abs(input: Tensor) -> Tensor:
    return _tensor_of(input, "abs").abs()


def sigmoid(input: Tensor) -> Tensor:
    return _tensor_of(input, "sigmoid").sigmoid()


def relu(input: Tensor) -> Tensor:
    return _tensor_of(input, "relu").relu()


def softmax(input: Tensor, dim: builtins.int) -> Tensor:
    return _tensor_of(input, "softmax").softmax(dim)


def sum(input: Tensor, dim: Any = None, keepdim: builtins.bool = False) -> Tensor:
    return _tensor_of(input, "sum").sum(dim, keepdim)


def mean(input: Tensor, dim: Any = None, keepdim: builtins.bool = False) -> Tensor:
    return _tensor_of(input, "mean").mean(dim, keepdim)


def var(input: Tensor, dim: Any = None, keepdim: builtins.bool = False, **options: Any) -> Tensor:
    return _tensor_of(input, "var").var(dim, keepdim, **options)


def std(input: Tensor, dim: Any = None, keepdim: builtins.bool = False, **options: Any) -> Tensor:
    return _tensor_of(input, "std").std(dim, keepdim, **options)


def max(input: Tensor, dim: Any = None, keepdim: builtins.bool = False) -> Any:
    """``max(x)``, ``max(x, dim)`` → (values, indices), or ``max(x, y)`` elementwise."""
    return _tensor_of(input, "max").max(dim, keepdim)


def min(input: Tensor, dim: Any = None, keepdim: builtins.bool = False) -> Any:
    return _tensor_of(input, "min").min(dim, keepdim)


def amax(input: Tensor, dim: Any = None, keepdim: builtins.bool = False) -> Tensor:
    return _tensor_of(input, "amax").amax(dim, keepdim)


def amin(input: Tensor, dim: Any = None, keepdim: builtins.bool = False) -> Tensor:
    return _tensor_of(input, "amin").amin(dim, keepdim)


def argmax(input: Tensor, dim: builtins.int | None = None,
           keepdim: builtins.bool = False) -> Tensor:  # fmt: skip
    return _tensor_of(input, "argmax").argmax(dim, keepdim)


def argmin(input: Tensor, dim: builtins.int | None = None,
           keepdim: builtins.bool = False) -> Tensor:  # fmt: skip
    return _tensor_of(input, "argmin").argmin(dim, keepdim)


def maximum(input: Tensor, other: Tensor) -> Tensor:
    return _tensor.maximum(input, other)


def where(condition: Tensor, input: Any, other: Any) -> Tensor:
    return _tensor.where(condition, input, other)


def numel(input: Tensor) -> builtins.int:
    return _tensor_of(input, "numel").numel()


def all(input: Tensor, dim: Any = None, keepdim: builtins.bool = False) -> Tensor:
    """Whether every element is true (a boolean Tensor; ``.item()`` gives the bool)."""
    return _tensor_of(input, "all").all(dim, keepdim)


def any(input: Tensor, dim: Any = None, keepdim: builtins.bool = False) -> Tensor:
    return _tensor_of(input, "any").any(dim, keepdim)


def allclose(
    input: Tensor, other: Any, rtol: builtins.float = 1e-05, atol: builtins.float = 1e-08,
    equal_nan: builtins.bool = False,
) -> builtins.bool:
    """Whether |input - other| ≤ atol + rtol·|other| everywhere."""
    return _tensor_of(input, "allclose").allclose(other, rtol, atol, equal_nan)


def cat(tensors: Sequence[Tensor], dim: builtins.int = 0) -> Tensor:
    """Tensors joined along an existing axis ``dim``."""
    return _tensor.concatenate(list(tensors), dim)


concat = cat


def stack(tensors: Sequence[Tensor], dim: builtins.int = 0) -> Tensor:
    """Tensors of one shape stacked along a new axis ``dim``."""
    return _tensor.stack(list(tensors), dim)


class Histogram(NamedTuple):
    """What ``histogram`` returns: the count (or density) in each bin, and the bins' edges."""

    hist: Tensor
    bin_edges: Tensor


def histogram(input: Any, bins: builtins.int = 100, *, range: tuple[builtins.float, builtins.float] | None = None,  # noqa: E501
              weight: Any = None, density: builtins.bool = False) -> Histogram:  # fmt: skip
    """Counts of input's numbers in ``bins`` equal bins from its smallest to its largest (or
    over ``range``); with ``density=True``, scaled so the histogram's area is 1. No gradient."""
    numbers_ = numpy.asarray(input.numpy() if isinstance(input, Tensor) else input)
    if numbers_.dtype.kind != "f":
        raise TypeError(f"histogram takes floating-point numbers, not {numbers_.dtype}")
    weights = None if weight is None else numpy.asarray(weight)
    hist, edges = numpy.histogram(numbers_, bins, range=range, weights=weights, density=density)
    return Histogram(Tensor(hist.astype(numbers_.dtype)), Tensor(edges.astype(numbers_.dtype)))


def _tensor_of(input: Any, what: str) -> Tensor:
    if not isinstance(input, Tensor):
        raise TypeError(f"torch.{what} takes a Tensor, not {type(input).__name__}")
    return input


def _size(size: tuple[Any, ...], what: str) -> tuple[builtins.int, ...]:
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    for n in size:
        if isinstance(n, builtins.bool) or not isinstance(n, numbers.Integral) or n < 0:
            raise TypeError(f"{what}: a size is made of non-negative ints, not {size!r:.60}")
    return tuple(builtins.int(n) for n in size)


from minigrad.torch import nn  # noqa: E402  (torch.nn.functional, after the names it uses)
