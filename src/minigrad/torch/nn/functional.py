"""``torch.nn.functional`` as far as the makemore lectures use it: ``cross_entropy``,
``softmax``, ``log_softmax``, ``one_hot`` and the activations, over MiniGrad's Tensors."""

from __future__ import annotations

from typing import Any

import numpy

from minigrad import tensor_losses
from minigrad.tensor import Tensor

__all__ = [
    "binary_cross_entropy_with_logits", "cross_entropy", "linear", "log_softmax", "mse_loss",
    "one_hot", "relu", "sigmoid", "softmax", "tanh",
]


def __getattr__(name: str) -> Any:
    from minigrad.torch import NotCoveredError

    raise NotCoveredError(
        f"minigrad.torch does not cover torch.nn.functional.{name}: it covers "
        f"{', '.join(__all__)}"
    )


def cross_entropy(
    input: Tensor, target: Any, weight: Any = None, ignore_index: int = -100,
    reduction: str = "mean", label_smoothing: float = 0.0, **unused: Any,
) -> Tensor:  # fmt: skip
    """-ln softmax(input)[target], averaged over the batch (MiniGrad's cross-entropy: one
    operation, whose gradient is softmax - one-hot). Class indices only, no weights."""
    if weight is not None or ignore_index != -100 or label_smoothing != 0.0 or unused:
        raise NotImplementedError(
            "minigrad.torch's cross_entropy covers class-index targets with reduction "
            "'mean' or 'sum' (no weight, ignore_index, label_smoothing)"
        )
    return tensor_losses.cross_entropy(input, target, reduction=reduction)


def mse_loss(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    return tensor_losses.mse_loss(input, target, reduction=reduction)


def binary_cross_entropy_with_logits(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    return tensor_losses.binary_cross_entropy_with_logits(input, target, reduction=reduction)


def softmax(input: Tensor, dim: int | None = None, **unused: Any) -> Tensor:
    """e^xᵢ / Σ e^xⱼ along ``dim``."""
    return input.softmax(_dim(dim, input, "softmax", unused))


def log_softmax(input: Tensor, dim: int | None = None, **unused: Any) -> Tensor:
    """xᵢ - ln Σ e^xⱼ along ``dim``."""
    return input.log_softmax(_dim(dim, input, "log_softmax", unused))


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """Each class index as a row of zeros with a 1 at the index (int64, one more axis)."""
    if not isinstance(tensor, Tensor) or tensor.dtype.kind not in "iu":
        raise TypeError("one_hot takes a Tensor of class indices (an integer dtype)")
    classes = tensor.numpy()
    if classes.size and classes.min() < 0:
        raise ValueError("one_hot: class indices are non-negative")
    if num_classes == -1:
        num_classes = int(classes.max()) + 1 if classes.size else 0
    if classes.size and classes.max() >= num_classes:
        raise ValueError(f"one_hot: class {classes.max()} is not below num_classes {num_classes}")
    return Tensor((classes[..., None] == numpy.arange(num_classes)).astype(numpy.int64))


def tanh(input: Tensor) -> Tensor:
    return input.tanh()


def relu(input: Tensor) -> Tensor:
    return input.relu()


def sigmoid(input: Tensor) -> Tensor:
    return input.sigmoid()


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """input @ weightᵀ + bias, PyTorch's layout: weight has shape (out, in)."""
    out = input @ weight.T
    return out if bias is None else out + bias


def _dim(dim: int | None, input: Tensor, what: str, unused: dict[str, Any]) -> int:
    if unused.keys() - {"_stacklevel", "dtype"} or unused.get("dtype") is not None:
        raise NotImplementedError(f"minigrad.torch's {what} takes the input and dim only")
    if dim is None:  # (PyTorch's old rule, with a warning: the last axis, or axis 0 of 0-3-d)
        raise TypeError(f"{what}: give dim, the axis to normalise along")
    if not isinstance(input, Tensor):
        raise TypeError(f"{what} takes a Tensor, not {type(input).__name__}")
    return dim
