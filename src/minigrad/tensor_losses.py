"""Losses on Tensors, equal to ``torch.nn.functional``'s: one number from a whole batch.

``minigrad.losses`` calls these when given Tensors, so ``mse_loss``, ``cross_entropy`` and
``binary_cross_entropy_with_logits`` are the same three names for both engines. Each is a few
Tensor operations, so its gradient comes from their backward rules.
"""

from __future__ import annotations

from typing import Any

import array_api_compat

from minigrad.tensor import (
    _FIXED_OPERATIONS,
    OPERATIONS,
    Tensor,
    _apply,
    _is_array,
    _mask,
    _namespace,
    _operand,
    operation,
)

_REDUCTIONS = ("mean", "sum")

def _reduce(loss: str, terms: Tensor, reduction: str) -> Tensor:
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{loss}: reduction must be 'mean' or 'sum', not {reduction!r}")
    return terms.mean() if reduction == "mean" else terms.sum()


def _target(targets: Any, like: Tensor, loss: str) -> Tensor:
    """The targets as a Tensor: a list becomes one of like's dtype; a number is broadcast."""
    if isinstance(targets, (list, tuple)):
        return Tensor(list(targets), dtype=like.dtype)
    return _operand(targets, like, loss)


def _same_shape(loss: str, a_name: str, a: Tensor, b_name: str, b: Tensor) -> None:
    if a.shape != b.shape:
        raise ValueError(
            f"{loss}: {a_name} and {b_name} differ in shape: {a.shape} and {b.shape}"
        )


def mse_loss(preds: Tensor, targets: Any, reduction: str = "mean") -> Tensor:
    """mean of (predᵢ - targetᵢ)², as ``F.mse_loss``; ∂/∂predᵢ = 2(predᵢ - targetᵢ)/n."""
    targets = _target(targets, preds, "mse_loss")
    _same_shape("mse_loss", "predictions", preds, "targets", targets)
    difference = preds - targets
    return _reduce("mse_loss", difference * difference, reduction)


def binary_cross_entropy_with_logits(
    logits: Tensor, targets: Any, reduction: str = "mean"
) -> Tensor:
    """-[y·ln σ(x) + (1 - y)·ln(1 - σ(x))] averaged, written softplus(x) - x·y (finite for every
    finite x), as ``F.binary_cross_entropy_with_logits``; ∂/∂xᵢ = (σ(xᵢ) - yᵢ)/n."""
    targets = _target(targets, logits, "binary_cross_entropy_with_logits")
    _same_shape("binary_cross_entropy_with_logits", "logits", logits, "targets", targets)
    terms = logits.softplus() - logits * targets
    return _reduce("binary_cross_entropy_with_logits", terms, reduction)


def cross_entropy(logits: Tensor, classes: Any, reduction: str = "mean") -> Tensor:
    """-ln softmax(zᵢ)[cᵢ] = logsumexp(zᵢ) - zᵢ[cᵢ] averaged over the samples, as
    ``F.cross_entropy`` with class indices; ∂/∂zᵢⱼ = (softmax(zᵢ)ⱼ - [j = cᵢ])/n.

    ``logits`` has shape (batch, classes) and ``classes`` one integer per sample (an array, a
    list or a Tensor of ints); or (classes,) and a single int.
    """
    ndim = logits.data.ndim if isinstance(logits, Tensor) else None
    if ndim not in (1, 2):
        raise ValueError(
            "cross_entropy takes logits of shape (batch, classes) or (classes,), "
            f"not {getattr(logits, 'shape', type(logits).__name__)}"
        )
    single = ndim == 1
    if single:
        logits = logits.reshape(1, -1)
    labels = _class_indices(classes, logits, single)
    if reduction not in _REDUCTIONS:
        raise ValueError(f"cross_entropy: reduction must be 'mean' or 'sum', not {reduction!r}")
    return _apply(CROSS_ENTROPY, (logits,), {"classes": labels, "mean": reduction == "mean"})


# Cross-entropy is one operation, as in PyTorch: written as logsumexp, indexing, a difference and
# a mean it would be five nodes, and its gradient, softmax minus one-hot, would be assembled from
# five backward rules every training step. Its forward rule computes that gradient on the way,
# from the softmax it has in hand, and keeps it for backward (``saves=True``).


def _cross_entropy_forward(z: Any, *, classes: Any, mean: bool) -> tuple[Any, Any]:
    """Σᵢ (ln Σⱼ e^zᵢⱼ - zᵢ[cᵢ]), divided by the number of samples for the mean; and, kept for
    backward, the gradient of the sum: softmax(zᵢ)ⱼ - [j = cᵢ].

    Each row is shifted by its own largest z, m: ln Σ eᶻ - z[c] = ln Σ e^(z - m) - (z[c] - m).
    No e^(z - m) overflows, the largest is 1, so the sum lies between 1 and the number of
    classes and its logarithm is as exact as PyTorch's; and a confident row's loss, small, is
    not the difference of two large numbers.
    """
    xp = _namespace(z)
    batch = z.shape[0]
    if batch == 0:  # no samples: their mean is 0/0, as in PyTorch, and their sum 0
        loss = xp.asarray(float("nan") if mean else 0.0, dtype=z.dtype)
        return loss, xp.zeros_like(z)
    rows = xp.arange(batch)
    shifted = z - xp.max(z, axis=1, keepdims=True)
    exps = xp.exp(shifted)
    totals = xp.sum(exps, axis=1, keepdims=True)
    terms = xp.log(totals[:, 0]) - shifted[rows, classes]  # (z[c] of each row i: z[i, cᵢ])
    loss = xp.sum(terms) / batch if mean else xp.sum(terms)
    return loss, _minus_one_hot(exps / totals, rows, classes)


def _minus_one_hot(softmax: Any, rows: Any, classes: Any) -> Any:
    """softmax with 1 taken off each row's true class: in place where the library can do so at
    integer arrays (NumPy, PyTorch), else by subtracting a one-hot matrix."""
    xp = _namespace(softmax)
    if _sets_at_integer_arrays(xp):
        softmax[rows, classes] -= 1.0
        return softmax
    return softmax - _one_hot(classes, softmax)


_SETS_AT_INTEGER_ARRAYS: dict[Any, bool] = {}  # namespace -> whether x[rows, cols] -= 1 works


def _sets_at_integer_arrays(xp: Any) -> bool:
    known = _SETS_AT_INTEGER_ARRAYS.get(xp)
    if known is None:
        known = array_api_compat.is_numpy_namespace(xp) or array_api_compat.is_torch_namespace(xp)
        _SETS_AT_INTEGER_ARRAYS[xp] = known
    return known


def _one_hot(classes: Any, like: Any) -> Any:
    """[j = cᵢ] for each sample i and class j, as 1.0 and 0.0 of like's dtype."""
    xp = _namespace(like)
    return _mask(classes[:, None] == xp.arange(like.shape[1])[None, :], like)


def _cross_entropy_z(g: Any, out: Any, z: Any, *, classes: Any, mean: bool, saved: Any) -> Any:
    """∂/∂zᵢⱼ = softmax(zᵢ)ⱼ - [j = cᵢ], divided by the number of samples for the mean.

    forward kept softmax - one-hot (``saved``); to differentiate again, it is Tensor operations.
    """
    if isinstance(z, Tensor):
        saved = z.softmax(1) - _one_hot(classes, z.data)
    return saved * (g / z.shape[0] if mean else g)


CROSS_ENTROPY = (
    OPERATIONS["cross_entropy"]  # this module run again (importlib.reload): defined already
    if "cross_entropy" in _FIXED_OPERATIONS
    else operation(
        "cross_entropy", _cross_entropy_forward, _cross_entropy_z, saves=True, replaceable=False
    )
)


_INTEGRAL: dict[Any, bool] = {}  # dtype -> whether it is an integer dtype (asked once each)


def _is_integral(classes: Any) -> bool:
    integral = _INTEGRAL.get(classes.dtype)
    if integral is None:
        integral = _INTEGRAL[classes.dtype] = _namespace(classes).isdtype(classes.dtype, "integral")
    return integral


def _class_indices(classes: Any, logits: Tensor, single: bool) -> Any:
    """The class labels as an integer array of logits' library, after checking each one."""
    xp = _namespace(logits.data)
    if isinstance(classes, Tensor):
        classes = classes.data
    if single:
        classes = [classes]
    if isinstance(classes, (list, tuple)):
        if any(isinstance(c, bool) or not isinstance(c, int) for c in classes):
            raise TypeError(f"cross_entropy: classes are class indices (ints), not {classes!r:.60}")
        classes = xp.asarray(classes, dtype=xp.int64)
    elif not _is_array(classes) or not _is_integral(classes):
        raise TypeError(f"cross_entropy: classes are class indices (ints), not {classes.dtype}")
    batch, width = logits.shape
    if tuple(classes.shape) != (batch,):
        raise ValueError(
            f"cross_entropy got logits for {batch} samples but classes of shape "
            f"{tuple(classes.shape)}; give one class index per sample"
        )
    if batch == 0:
        return classes
    low, high = int(xp.min(classes)), int(xp.max(classes))
    if low < 0 or high >= width:
        raise ValueError(
            f"cross_entropy: class {low if low < 0 else high} is not a class; with {width} "
            f"class scores the classes are 0..{width - 1}"
        )
    return classes
