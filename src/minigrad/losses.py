"""Loss functions: one Value measuring how far predictions are from targets, to call backward() on.

Each loss matches ``torch.nn.functional`` in value and gradient, with ``reduction='mean'`` (the
average over the samples, PyTorch's default) or ``reduction='sum'``. Predictions and targets can be
Values or plain numbers; numbers are constants.

Two losses need care with large logits: log(1 + e^x) and log Σ e^zᵢ overflow for x = 1000 if
written literally. They use two primitives defined here, ``softplus`` and ``logsumexp``, whose
forward rules never form e^(big) and whose backward rules are the sigmoid and the softmax.

Examples:
    >>> from minigrad.losses import binary_cross_entropy_with_logits, cross_entropy, mse_loss
    >>> mse_loss([1.0, 2.0], [0.0, 0.0]).data  # (1² + 2²) / 2
    2.5
    >>> binary_cross_entropy_with_logits([-1000.0], [1.0]).data  # -ln σ(-1000), no overflow
    1000.0
    >>> round(cross_entropy([[0.0, 0.0]], [1]).data, 6)  # ln 2
    0.693147
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from functools import reduce
from operator import add
from typing import Any

from minigrad import floats
from minigrad.engine import Operand, Value
from minigrad.engines import is_tensor
from minigrad.extend import operation

# ---------------------------------------------------------------------------------------------
# Two numerically stable primitives (forward and backward side by side, as in the engine)
# ---------------------------------------------------------------------------------------------


def _sigmoid(x: Operand) -> Operand:
    return x.sigmoid() if isinstance(x, Value) else floats.sigmoid(x)


def _exp(x: Operand) -> Operand:
    return x.exp() if isinstance(x, Value) else floats.exp(x)


def _softplus(x: float) -> float:
    """f(x) = ln(1 + eˣ) = max(x, 0) + ln(1 + e^-|x|), which never overflows."""
    return max(x, 0.0) + math.log1p(math.exp(-abs(x))) if x == x else x


def _logsumexp(*zs: float) -> float:
    """f(z) = ln Σ e^zᵢ = m + ln Σ e^(zᵢ - m) with m = max zᵢ, so no e^zᵢ overflows."""
    if any(z != z for z in zs):
        return math.nan
    m = max(zs)
    if math.isinf(m):  # every zᵢ = -inf gives -inf; any zᵢ = +inf gives +inf
        return m
    return m + math.log(sum([math.exp(z - m) for z in zs]))


# fmt: off
#                     name         forward      backward: g · ∂out/∂input
SOFTPLUS  = operation("softplus",  _softplus,   lambda g, out, x: (g * _sigmoid(x),),
                      replaceable=False)
LOGSUMEXP = operation("logsumexp", _logsumexp,  lambda g, out, *zs: [g * _exp(z - out) for z in zs],
                      replaceable=False)
# fmt: on
# softplus' = sigmoid; ∂ logsumexp/∂zᵢ = e^(zᵢ - logsumexp) = softmax(z)ᵢ


def softplus(x: Operand) -> Value:
    """f(x) = ln(1 + eˣ);  f' = sigmoid(x). Finite for every finite x."""
    return SOFTPLUS(x)


def logsumexp(zs: Sequence[Operand]) -> Value:
    """f(z) = ln Σ e^zᵢ;  ∂f/∂zᵢ = softmax(z)ᵢ. Finite for every finite z."""
    if len(zs) == 0:
        raise ValueError("logsumexp of no numbers is undefined (it would be -inf)")
    return LOGSUMEXP(*zs)


# ---------------------------------------------------------------------------------------------
# Losses
# ---------------------------------------------------------------------------------------------


def mse_loss(
    preds: Operand | Sequence[Operand],
    targets: Operand | Sequence[Operand],
    reduction: str = "mean",
) -> Value:
    """Mean squared error: mean of (predᵢ - targetᵢ)², as ``F.mse_loss``.

    ``preds`` and ``targets`` are numbers, lists of numbers, or lists of such lists (one per
    sample, for a model with several outputs), of the same shape.
    """
    if is_tensor(preds):  # the Tensor engine's loss, computed for the whole batch at once
        return _tensor_losses().mse_loss(preds, targets, reduction)
    pairs = _paired("mse_loss", "predictions", preds, "targets", targets)
    differences = [p - t for p, t in pairs]
    return _reduce("mse_loss", [d * d for d in differences], reduction)


def hinge_loss(
    scores: Operand | Sequence[Operand],
    labels: Operand | Sequence[Operand],
    reduction: str = "mean",
) -> Value:
    """Max-margin loss of micrograd's demo: mean of relu(1 - yᵢ·sᵢ), labels yᵢ = ±1.

    PyTorch has no function of this name; it equals ``torch.relu(1 - y * s).mean()``.
    """
    pairs = _paired("hinge_loss", "scores", scores, "labels", labels)
    return _reduce("hinge_loss", [(1.0 - y * s).relu() for s, y in pairs], reduction)


def binary_cross_entropy_with_logits(
    logits: Operand | Sequence[Operand],
    targets: Operand | Sequence[Operand],
    reduction: str = "mean",
) -> Value:
    """-[yᵢ·ln σ(xᵢ) + (1 - yᵢ)·ln(1 - σ(xᵢ))] averaged, as ``F.binary_cross_entropy_with_logits``.

    Written as softplus(xᵢ) - xᵢ·yᵢ, the same quantity without ln 0: finite for every finite
    logit. ∂/∂xᵢ = σ(xᵢ) - yᵢ, ∂/∂yᵢ = -xᵢ (before the reduction).
    """
    if is_tensor(logits):  # the Tensor engine's loss, computed for the whole batch at once
        return _tensor_losses().binary_cross_entropy_with_logits(logits, targets, reduction)
    pairs = _paired("binary_cross_entropy_with_logits", "logits", logits, "targets", targets)
    return _reduce(
        "binary_cross_entropy_with_logits", [softplus(x) - x * y for x, y in pairs], reduction
    )


def cross_entropy(
    logits: Sequence[Operand] | Sequence[Sequence[Operand]],
    classes: int | Sequence[int],
    reduction: str = "mean",
) -> Value:
    """-ln softmax(zᵢ)[cᵢ] = logsumexp(zᵢ) - zᵢ[cᵢ] averaged over samples, as ``F.cross_entropy``.

    ``logits`` holds one list of class scores per sample and ``classes`` one class index per
    sample (or a single list of scores with a single index). ∂/∂zᵢⱼ = softmax(zᵢ)ⱼ - [j = cᵢ].
    """
    if is_tensor(logits):  # the Tensor engine's loss, computed for the whole batch at once
        return _tensor_losses().cross_entropy(logits, classes, reduction)
    if isinstance(classes, int) and not isinstance(classes, bool):
        logits, classes = [logits], [classes]  # type: ignore[list-item]
    rows, targets = _scores_and_classes(logits, classes)
    terms = [logsumexp(scores) - scores[c] for scores, c in zip(rows, targets)]
    return _reduce("cross_entropy", terms, reduction)


def _tensor_losses() -> Any:
    """minigrad.tensor_losses, imported when a Tensor comes (it needs NumPy; Values do not)."""
    import minigrad.tensor_losses as tensor_losses  # (quicker than "from minigrad import")

    return tensor_losses


# ---------------------------------------------------------------------------------------------
# Checking and pairing inputs, and the reduction
# ---------------------------------------------------------------------------------------------

_REDUCTIONS = ("mean", "sum")


def _reduce(loss: str, terms: list[Value], reduction: str) -> Value:
    """Σ terms, divided by their number for 'mean' (so each term's gradient is g / n)."""
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{loss}: reduction must be 'mean' or 'sum', not {reduction!r}")
    total = reduce(add, terms)
    return total / len(terms) if reduction == "mean" else total


def _scores_and_classes(logits: object, classes: object) -> tuple[list[list[Value]], list[int]]:
    """cross_entropy's inputs as rows of Values and class indices, each checked."""
    rows = _sequence("cross_entropy", "logits", logits)
    targets = _sequence("cross_entropy", "classes", classes)
    if len(rows) != len(targets):
        raise ValueError(
            f"cross_entropy got {len(rows)} samples of logits but {len(targets)} classes"
        )
    if not rows:
        raise ValueError("cross_entropy got no samples")
    score_rows = []
    for i, row in enumerate(rows):
        row = _sequence("cross_entropy", f"logits[{i}] (one sample's class scores)", row)
        score_rows.append(
            [_operand("cross_entropy", f"logits[{i}][{j}]", z) for j, z in enumerate(row)]
        )
    width = len(score_rows[0])
    if width == 0:
        raise ValueError("cross_entropy needs at least one class score per sample")
    for i, (scores, target) in enumerate(zip(score_rows, targets)):
        if len(scores) != width:
            raise ValueError(
                f"cross_entropy: sample {i} has {len(scores)} class scores, sample 0 has {width}"
            )
        if isinstance(target, bool) or not isinstance(target, numbers.Integral):
            raise TypeError(
                f"cross_entropy: classes[{i}] is a class index (an int), "
                f"not {type(target).__name__}: {target!r:.60}"
            )
        if not 0 <= target < width:
            raise ValueError(
                f"cross_entropy: classes[{i}] = {target} is not a class; "
                f"with {width} class scores the classes are 0..{width - 1}"
            )
    return score_rows, [int(target) for target in targets]  # NumPy integers too


def _operand(loss: str, what: str, x: object) -> Value:
    if isinstance(x, Value):
        return x
    if isinstance(x, numbers.Real):
        return Value(x)
    raise TypeError(
        f"{loss}: {what} must be a number or a Value, not {type(x).__name__}: {x!r:.60}"
    )


def _sequence(loss: str, what: str, x: object) -> Sequence[object]:
    if isinstance(x, (str, bytes)) or not isinstance(x, Sequence):
        raise TypeError(f"{loss}: {what} must be a list, not {type(x).__name__}: {x!r:.60}")
    return x


def _paired(
    loss: str, a_name: str, a: object, b_name: str, b: object, where: str = ""
) -> list[tuple[Value, Value]]:
    """(aᵢ, bᵢ) for every position of two equally shaped numbers or (nested) lists."""
    a_is_list, b_is_list = _is_list(a), _is_list(b)
    if not a_is_list and not b_is_list:
        return [(_operand(loss, a_name + where, a), _operand(loss, b_name + where, b))]
    if a_is_list != b_is_list:
        one_name, one = (b_name, b) if a_is_list else (a_name, a)
        _operand(loss, one_name + where, one)  # a TypeError if it is not a number either
        raise ValueError(
            f"{loss}: {a_name}{where} and {b_name}{where} differ in shape: "
            f"{_shape(a)} {a_name} but {_shape(b)} {b_name}"
        )
    a_items = _sequence(loss, a_name + where, a)
    b_items = _sequence(loss, b_name + where, b)
    if len(a_items) != len(b_items):
        raise ValueError(
            f"{loss}: {a_name}{where} and {b_name}{where} differ in size: "
            f"{len(a_items)} {a_name} but {len(b_items)} {b_name}"
        )
    if not a_items:
        raise ValueError(f"{loss}: no {a_name}{where} (an empty list)")
    return [
        pair
        for i, (ai, bi) in enumerate(zip(a_items, b_items))
        for pair in _paired(loss, a_name, ai, b_name, bi, f"{where}[{i}]")
    ]


def _is_list(x: object) -> bool:
    return isinstance(x, Sequence) and not isinstance(x, (str, bytes))


def _shape(x: object) -> str:
    return f"a list of {len(x)}" if _is_list(x) else "a single number of"  # type: ignore[arg-type]
