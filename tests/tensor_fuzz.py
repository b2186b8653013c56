"""A differential fuzz of the Tensor engine against PyTorch in float64: random programs, each a
chain of the documented Tensor operations, run on MiniGrad (NumPy, PyTorch or array-api-strict
arrays) and, operation by operation, on PyTorch.

A program starts from one random input (any shape, empty ones included; contiguous, transposed,
sliced or reversed in memory; values that tie, zeros, ±inf and NaN) and applies one operation
after another to the last result, drawing whatever else the operation needs (a second operand of a
shape that broadcasts, an axis, an index, class labels). Backward then starts from the last result
with a random gradient.

Each operation is compared on its own: PyTorch computes it from MiniGrad's own inputs, and its
vector-Jacobian product from MiniGrad's own gradient of the result. So a disagreement is the
operation's, never one inherited from an earlier step, and its repro is that one operation on the
arrays printed. Values compare exactly where either side is NaN or infinite (NaN matches NaN, an
infinity the same infinity) and, where both are finite, to within

    |mine - theirs| ≤ 1e-10·|theirs| + 1e-12·scale,

scale being a bound on the count of terms an output adds up (all the numbers of the operands,
and of the gradient for a gradient) times the product of the operands' largest finite
magnitudes (at least 1 each). MiniGrad and PyTorch round differently (other summation orders,
other exp and log) by a few units of 2.2e-16 of the terms they add, far inside this; a wrong rule
is off by about the size of the result, far outside it. Differences MiniGrad keeps on purpose
(docs/tensors.md) are named by ``expected_difference`` and counted apart.

``python -m tests.tensor_fuzz`` (``make fuzz``) runs many programs and prints every class of
mismatch with its smallest repro; tests/test_tensor_fuzz.py runs a few hundred in ``make test``.
"""

from __future__ import annotations

import argparse
import math
import sys
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import array_api_strict
import numpy as np
import torch
import torch.nn.functional as F  # noqa: N812
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from minigrad import losses
from minigrad import tensor as mt

BACKENDS: dict[str, Callable[[np.ndarray], Any]] = {
    "numpy": lambda a: a,
    "torch": lambda a: _torch_view(a),
    "array-api-strict": lambda a: array_api_strict.asarray(np.array(a)),
}
INF, NAN = math.inf, math.nan


def _torch_view(a: np.ndarray) -> torch.Tensor:
    """a as a torch tensor with a's layout where torch has it (transposed, sliced)."""
    if all(s >= 0 for s in a.strides) and a.flags.writeable:
        return torch.from_numpy(a)
    return torch.from_numpy(np.ascontiguousarray(a))


# ---------------------------------------------------------------------------------------------
# Values and layouts
# ---------------------------------------------------------------------------------------------

SPECIAL = [0.0, -0.0, 1.0, -1.0, 0.5, 2.0, INF, -INF, NAN, 30.0, -30.0, 1e3, -1e3]
TIES = [-1.0, 0.0, 0.5, 1.0, 2.0]


def values(shape: tuple[int, ...]) -> st.SearchStrategy[np.ndarray]:
    """float64 arrays of ``shape``: ordinary numbers, numbers that tie, or special ones mixed in."""
    ordinary = st.floats(-3.0, 3.0, allow_subnormal=False)
    mixed = st.one_of(ordinary, ordinary, st.sampled_from(SPECIAL))
    elements = st.one_of(
        st.just(ordinary), st.just(ordinary), st.just(st.sampled_from(TIES)), st.just(mixed)
    )
    return elements.flatmap(lambda e: arrays(np.float64, shape, elements=e))


@st.composite
def laid_out(draw: st.DrawFn, shape: tuple[int, ...]) -> np.ndarray:
    """An array of ``shape`` in one of several memory layouts (the numbers do not change)."""
    a = draw(values(shape))
    layout = draw(st.sampled_from(["contiguous", "transposed", "sliced", "reversed"]))
    if layout == "transposed" and a.ndim >= 2:
        return np.ascontiguousarray(a.T).T
    if layout == "sliced" and a.ndim >= 1:
        wide = np.zeros((*a.shape[:-1], 2 * a.shape[-1]))
        wide[..., ::2] = a
        return wide[..., ::2]
    if layout == "reversed" and a.ndim >= 1:
        return np.ascontiguousarray(a[..., ::-1])[..., ::-1]
    return a


def shapes(min_dims: int = 0, max_dims: int = 3) -> st.SearchStrategy[tuple[int, ...]]:
    return st.lists(st.integers(0, 4), min_size=min_dims, max_size=max_dims).map(tuple)


@st.composite
def broadcasting_with(draw: st.DrawFn, shape: tuple[int, ...]) -> tuple[int, ...]:
    """A shape that broadcasts with ``shape``: each axis equal, 1, or absent (in front)."""
    keep = draw(st.integers(0, len(shape)))
    tail = [draw(st.sampled_from([n, 1])) for n in shape[len(shape) - keep :]]
    extra = draw(st.lists(st.integers(1, 3), max_size=1)) if keep == len(shape) else []
    if len(shape) >= 1 and keep == len(shape) and draw(st.booleans()):  # stretch a 1 of shape
        tail = [draw(st.integers(1, 3)) if n == 1 else m for n, m in zip(shape, tail)]
    return (*extra, *tail)


# ---------------------------------------------------------------------------------------------
# The operations: how each is drawn, applied on MiniGrad and on PyTorch
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Op:
    """An operation of the fuzz: ``draw(draw, shape)`` gives (extra float inputs, settings);
    ``mine(x, *extras, **settings)`` and ``theirs(...)`` apply it."""

    name: str
    applies: Callable[[tuple[int, ...]], bool]
    draw: Callable[[st.DrawFn, tuple[int, ...]], tuple[list[np.ndarray], dict[str, Any]]]
    mine: Callable[..., mt.Tensor]
    theirs: Callable[..., torch.Tensor]


def _nothing(draw: st.DrawFn, shape: tuple[int, ...]) -> tuple[list, dict]:
    return [], {}


def _always(shape: tuple[int, ...]) -> bool:
    return True


def _other(draw: st.DrawFn, shape: tuple[int, ...]) -> tuple[list, dict]:
    """A second operand: an array that broadcasts with x (either side), x itself, or a number."""
    kind = draw(st.sampled_from(["array", "array", "array first", "itself", "number"]))
    if kind == "itself":
        return [], {"kind": kind}
    if kind == "number":
        return [], {"kind": kind, "number": draw(st.sampled_from([0.0, 2.0, -1.5, 0.5, 3.0]))}
    return [draw(laid_out(draw(broadcasting_with(shape))))], {"kind": kind}


def _binary(name: str, mine_fn: Callable, theirs_fn: Callable) -> Op:
    def apply(fn: Callable, x: Any, *extras: Any, kind: str, number: float = 0.0) -> Any:
        if kind == "itself":
            return fn(x, x)
        if kind == "number":
            return fn(x, number)
        return fn(extras[0], x) if kind == "array first" else fn(x, extras[0])

    def theirs(x: Any, *extras: Any, kind: str, number: float = 0.0) -> Any:
        if kind == "number":
            return theirs_fn(x, torch.tensor(number, dtype=torch.float64))
        return apply(theirs_fn, x, *extras, kind=kind)

    return Op(name, _always, _other,
              lambda x, *e, **s: apply(mine_fn, x, *e, **s), theirs)  # fmt: skip


@st.composite
def _axes(draw: st.DrawFn, shape: tuple[int, ...]) -> dict[str, Any]:
    ndim = len(shape)
    if ndim == 0:
        axis = None
    else:
        axis = draw(st.one_of(
            st.none(), st.integers(-ndim, ndim - 1),
            st.lists(st.integers(0, ndim - 1), min_size=1, max_size=ndim, unique=True).map(tuple),
        ))  # fmt: skip
    return {"axis": axis, "keepdims": draw(st.booleans())}


def _reduction(name: str, mine_name: str, torch_name: str) -> Op:
    def theirs(x: torch.Tensor, axis: Any, keepdims: bool) -> torch.Tensor:
        dims = tuple(range(x.ndim)) if axis is None else axis
        if x.ndim == 0:
            return getattr(torch, torch_name)(x, 0) if torch_name == "logsumexp" else getattr(
                torch, torch_name)(x)
        return getattr(torch, torch_name)(x, dim=dims, keepdim=keepdims)

    return Op(name, _always, lambda draw, shape: ([], draw(_axes(shape))),
              lambda x, axis, keepdims: getattr(x, mine_name)(axis, keepdims), theirs)


def _along_axis(draw: st.DrawFn, shape: tuple[int, ...]) -> tuple[list, dict]:
    return [], {"axis": draw(st.integers(-len(shape), len(shape) - 1))}


def _clip_bounds(draw: st.DrawFn, shape: tuple[int, ...]) -> tuple[list, dict]:
    low = draw(st.sampled_from([-1.0, 0.0, 0.5]))
    return [], {"low": low, "high": low + draw(st.sampled_from([0.0, 0.5, 2.0]))}


def _matmul_operand(draw: st.DrawFn, shape: tuple[int, ...]) -> tuple[list, dict]:
    k = shape[-1]
    m = draw(st.integers(0, 3))
    kind = draw(st.sampled_from(["vector", "matrix", "stack"]))
    if kind == "vector":
        other = (k,)
    elif kind == "matrix":
        other = (k, m)
    else:
        batch = tuple(draw(st.sampled_from([n, 1])) for n in shape[:-2])
        batch = batch or (draw(st.integers(1, 2)),)
        other = (*batch, k, m)
    return [draw(laid_out(other))], {}


def _linear_operands(draw: st.DrawFn, shape: tuple[int, ...]) -> tuple[list, dict]:
    nout = draw(st.integers(0, 3))
    return [draw(laid_out((shape[-1], nout))), draw(laid_out((nout,)))], {}


def _same_shape_target(draw: st.DrawFn, shape: tuple[int, ...]) -> tuple[list, dict]:
    return [draw(laid_out(shape))], {"reduction": draw(st.sampled_from(["mean", "sum"]))}


def _classes(draw: st.DrawFn, shape: tuple[int, ...]) -> tuple[list, dict]:
    width = shape[-1]
    if len(shape) == 1:
        classes: Any = draw(st.integers(0, width - 1))
    else:
        classes = draw(st.lists(st.integers(0, width - 1), min_size=shape[0], max_size=shape[0]))
    return [], {"classes": classes, "reduction": draw(st.sampled_from(["mean", "sum"]))}


def _cross_entropy_theirs(z: torch.Tensor, classes: Any, reduction: str) -> torch.Tensor:
    return F.cross_entropy(z, torch.tensor(classes, dtype=torch.long), reduction=reduction)


def _new_shape(draw: st.DrawFn, shape: tuple[int, ...]) -> tuple[list, dict]:
    size = math.prod(shape)
    choices = [(-1,), (size, 1), (1, -1), ()] if size == 1 else [(-1,), (size, 1), (1, -1)]
    if len(shape) >= 2:
        choices.append((shape[0], -1) if shape[0] else (0, *shape[1:]))
    return [], {"shape": draw(st.sampled_from(choices))}


def _permutation(draw: st.DrawFn, shape: tuple[int, ...]) -> tuple[list, dict]:
    return [], {"axes": tuple(draw(st.permutations(range(len(shape)))))}


@st.composite
def _index_part(draw: st.DrawFn, length: int) -> Any:
    kinds = ["slice", "int", "array"] if length else ["slice"]
    kind = draw(st.sampled_from(kinds))
    if kind == "int":
        return draw(st.integers(-length, length - 1))
    if kind == "array":
        return draw(st.lists(st.integers(-length, length - 1), min_size=0, max_size=3))
    start = draw(st.one_of(st.none(), st.integers(-length - 1, length + 1)))
    stop = draw(st.one_of(st.none(), st.integers(-length - 1, length + 1)))
    return slice(start, stop, draw(st.sampled_from([None, 1, 2, 3])))


def _index(draw: st.DrawFn, shape: tuple[int, ...]) -> tuple[list, dict]:
    """An index by NumPy's rules: ints, slices, integer arrays (repeats included), None, ...;
    at most one integer array, or several of one length (they pair up)."""
    parts: list[Any] = []
    used = draw(st.integers(0, len(shape)))
    array_length = None
    for n in shape[:used]:
        part = draw(_index_part(n))
        if isinstance(part, list):
            if array_length is None:
                array_length = len(part)
            part = (part * 3)[:array_length]
        parts.append(part)
    if draw(st.booleans()):
        parts.insert(draw(st.integers(0, len(parts))), None)
    if used < len(shape) and draw(st.booleans()):
        parts.append(Ellipsis)
    return [], {"index": tuple(parts)}


def _mine_index(x: mt.Tensor, index: tuple[Any, ...]) -> mt.Tensor:
    return x[index]


def _theirs_index(x: torch.Tensor, index: tuple[Any, ...]) -> torch.Tensor:
    """x[index] by NumPy's rules: PyTorch's own where they agree; where integer arrays meet ints,
    slices or None, the places NumPy's rule reads, gathered from x's numbers."""
    has_arrays = any(isinstance(part, list) for part in index)
    if not has_arrays:
        return x[index]
    positions = np.arange(x.numel()).reshape(tuple(x.shape))[index]
    return x.reshape(-1)[torch.from_numpy(np.ascontiguousarray(positions).reshape(-1))].reshape(
        positions.shape)


def _join_operand(draw: st.DrawFn, shape: tuple[int, ...]) -> tuple[list, dict]:
    axis = draw(st.integers(0, len(shape) - 1))
    other = list(shape)
    other[axis] = draw(st.integers(0, 3))
    return [draw(laid_out(tuple(other)))], {"axis": axis}


def _stack_operand(draw: st.DrawFn, shape: tuple[int, ...]) -> tuple[list, dict]:
    return [draw(laid_out(shape))], {"axis": draw(st.integers(-len(shape) - 1, len(shape)))}


def _condition(draw: st.DrawFn, shape: tuple[int, ...]) -> tuple[list, dict]:
    other = draw(laid_out(draw(broadcasting_with(shape))))
    condition = draw(arrays(np.bool_, draw(broadcasting_with(shape))))
    return [other], {"condition": condition}


def _two_axes(draw: st.DrawFn, shape: tuple[int, ...]) -> tuple[list, dict]:
    """Two axes of x (a 0-d tensor has the one axis 0, or -1, as in PyTorch)."""
    n = max(len(shape), 1)
    return [], {"dims": (draw(st.integers(-n, n - 1)), draw(st.integers(-n, n - 1)))}


def _spread_settings(draw: st.DrawFn, shape: tuple[int, ...]) -> tuple[list, dict]:
    """var's and std's: an axis (or all of them), keepdim, and Bessel's correction or none."""
    n = len(shape)
    dim = None if not n or draw(st.booleans()) else draw(st.integers(-n, n - 1))
    correction = draw(st.sampled_from([0, 1]))
    return [], {"dim": dim, "keepdim": draw(st.booleans()), "correction": correction}


def _spread_theirs(name: str) -> Callable[..., torch.Tensor]:
    def theirs(x: torch.Tensor, dim: Any, keepdim: bool, correction: int) -> torch.Tensor:
        with warnings.catch_warnings():  # (PyTorch warns of n - correction ≤ 0; MiniGrad doesn't)
            warnings.simplefilter("ignore", UserWarning)
            return getattr(x, name)(dim, keepdim=keepdim, correction=correction)

    return theirs


def _one_axis(draw: st.DrawFn, shape: tuple[int, ...], extra: int = 0) -> tuple[list, dict]:
    n = max(len(shape) + extra, 1)
    return [], {"dim": draw(st.integers(-n, n - 1))}


def _flatten_range(draw: st.DrawFn, shape: tuple[int, ...]) -> tuple[list, dict]:
    n = max(len(shape), 1)
    start = draw(st.integers(-n, n - 1))
    return [], {"start": start, "end": draw(st.integers(-n, n - 1))}


def _pointwise(name: str, mine: Callable, theirs: Callable) -> Op:
    return Op(name, _always, _nothing, mine, theirs)


# fmt: off
OPS: list[Op] = [
    _binary("+", lambda a, b: a + b, lambda a, b: a + b),
    _binary("-", lambda a, b: a - b, lambda a, b: a - b),
    _binary("*", lambda a, b: a * b, lambda a, b: a * b),
    _binary("/", lambda a, b: a / b, lambda a, b: a / b),
    _binary("**", lambda a, b: a ** b, lambda a, b: a ** b),
    _binary("maximum", lambda a, b: mt.maximum(a, b), torch.maximum),
    Op("where", _always, _condition,
       lambda x, other, condition: mt.where(condition, x, other),
       lambda x, other, condition: torch.where(torch.from_numpy(condition), x, other)),
    _pointwise("neg", lambda x: -x, lambda x: -x),
    _pointwise("exp", mt.Tensor.exp, torch.exp),
    _pointwise("log", mt.Tensor.log, torch.log),
    _pointwise("sqrt", mt.Tensor.sqrt, torch.sqrt),
    _pointwise("abs", mt.Tensor.abs, torch.abs),
    _pointwise("tanh", mt.Tensor.tanh, torch.tanh),
    _pointwise("sigmoid", mt.Tensor.sigmoid, torch.sigmoid),
    _pointwise("softplus", mt.Tensor.softplus, F.softplus),
    _pointwise("relu", mt.Tensor.relu, torch.relu),
    Op("clip", _always, _clip_bounds, lambda x, low, high: x.clip(low, high),
       lambda x, low, high: x.clamp(low, high)),
    Op("@", lambda s: len(s) >= 1, _matmul_operand, lambda x, b: x @ b, lambda x, b: x @ b),
    Op("linear", lambda s: len(s) >= 1, _linear_operands, mt.linear,
       lambda x, w, b: F.linear(x, w.mT, b)),
    _reduction("sum", "sum", "sum"),
    _reduction("mean", "mean", "mean"),
    _reduction("max", "amax", "amax"),
    _reduction("min", "amin", "amin"),
    _reduction("logsumexp", "logsumexp", "logsumexp"),
    Op("softmax", lambda s: len(s) >= 1, _along_axis, lambda x, axis: x.softmax(axis),
       lambda x, axis: x.softmax(axis)),
    Op("log_softmax", lambda s: len(s) >= 1, _along_axis, lambda x, axis: x.log_softmax(axis),
       lambda x, axis: x.log_softmax(axis)),
    Op("cross_entropy", lambda s: len(s) in (1, 2) and s[-1] >= 1, _classes,
       lambda z, classes, reduction: losses.cross_entropy(z, classes, reduction),
       _cross_entropy_theirs),
    Op("mse_loss", _always, _same_shape_target,
       lambda p, t, reduction: losses.mse_loss(p, t, reduction),
       lambda p, t, reduction: F.mse_loss(p, t, reduction=reduction)),
    Op("binary_cross_entropy_with_logits", _always, _same_shape_target,
       lambda z, t, reduction: losses.binary_cross_entropy_with_logits(z, t, reduction),
       lambda z, t, reduction: F.binary_cross_entropy_with_logits(z, t, reduction=reduction)),
    Op("reshape", _always, _new_shape, lambda x, shape: x.reshape(shape),
       lambda x, shape: x.reshape(shape)),
    _pointwise("flatten", mt.Tensor.flatten, lambda x: x.flatten()),
    _pointwise(".T", lambda x: x.T, lambda x: x.permute(tuple(reversed(range(x.ndim))))),
    Op(".mT", lambda s: len(s) >= 2, _nothing, lambda x: x.mT, lambda x: x.mT),
    Op("permute", _always, _permutation, lambda x, axes: mt.permute_dims(x, axes),
       lambda x, axes: x.permute(axes)),
    Op("[]", _always, _index, _mine_index, _theirs_index),
    # PyTorch's names (tensor_pytorch.py): written with the operations above, checked as users
    # call them
    Op("transpose", _always, _two_axes, lambda x, dims: x.transpose(*dims),
       lambda x, dims: x.transpose(*dims)),
    Op("squeeze", _always, _one_axis, lambda x, dim: x.squeeze(dim),
       lambda x, dim: x.squeeze(dim)),
    Op("unsqueeze", _always, lambda draw, shape: _one_axis(draw, shape, extra=1),
       lambda x, dim: x.unsqueeze(dim), lambda x, dim: x.unsqueeze(dim)),
    Op("flatten(start, end)", _always, _flatten_range,
       lambda x, start, end: x.flatten(start, end), lambda x, start, end: x.flatten(start, end)),
    Op("var", _always, _spread_settings,
       lambda x, dim, keepdim, correction: x.var(dim, keepdim, correction=correction),
       _spread_theirs("var")),
    Op("std", _always, _spread_settings,
       lambda x, dim, keepdim, correction: x.std(dim, keepdim, correction=correction),
       _spread_theirs("std")),
    Op("max(dim)", lambda s: len(s) >= 1, _one_axis, lambda x, dim: x.max(dim).values,
       lambda x, dim: x.max(dim).values),
    _pointwise("log10", mt.Tensor.log10, torch.log10),
    _pointwise("clone", mt.Tensor.clone, torch.clone),
    Op("concatenate", lambda s: len(s) >= 1, _join_operand,
       lambda x, y, axis: mt.concatenate([x, y, x], axis),
       lambda x, y, axis: torch.cat([x, y, x], axis)),
    Op("stack", _always, _stack_operand, lambda x, y, axis: mt.stack([x, y], axis),
       lambda x, y, axis: torch.stack([x, y], axis)),
]
# fmt: on
OPS_BY_NAME = {op.name: op for op in OPS}

# Operations array-api-strict has no way to run (none today: every operation is written with the
# standard's functions).
NOT_ON_STRICT: set[str] = set()


# ---------------------------------------------------------------------------------------------
# Programs
# ---------------------------------------------------------------------------------------------


@dataclass
class Step:
    op: str
    extras: list[np.ndarray]
    settings: dict[str, Any]


@dataclass
class Program:
    start: np.ndarray
    steps: list[Step]
    seed: int  # of the gradient backward starts from

    def __repr__(self) -> str:
        steps = ", ".join(f"{s.op}{_short(s.settings)}" for s in self.steps)
        return f"Program(x of shape {self.start.shape}: {steps})"


def _short(settings: dict[str, Any]) -> str:
    shown = {k: v for k, v in settings.items() if k != "condition"}
    return f"({', '.join(f'{k}={v!r}' for k, v in shown.items())})" if shown else ""


def _shape_after(op: Op, shape: tuple[int, ...], extras: list, settings: dict) -> Any:
    """The result's shape (found by MiniGrad on zeros), or None where the operation refuses."""
    try:
        x = mt.Tensor(np.zeros(shape), dtype="float64")
        out = op.mine(x, *[mt.Tensor(np.zeros(e.shape), dtype="float64") for e in extras],
                      **settings)  # fmt: skip
        return out.shape
    except (ValueError, TypeError, IndexError):
        return None


@st.composite
def programs(draw: st.DrawFn, max_steps: int = 4, backend: str = "numpy") -> Program:
    shape = draw(shapes())
    start = draw(laid_out(shape))
    steps = []
    for _ in range(draw(st.integers(1, max_steps))):
        candidates = [op for op in OPS if op.applies(shape)]
        if backend == "array-api-strict":
            candidates = [op for op in candidates if op.name not in NOT_ON_STRICT]
        op = draw(st.sampled_from(candidates))
        extras, settings = op.draw(draw, shape)
        steps.append(Step(op.name, extras, settings))
        shape = _shape_after(op, shape, extras, settings)
        if shape is None:  # refused (by both engines, checked when the program runs): the end
            break
    return Program(start, steps, draw(st.integers(0, 2**32 - 1)))


# ---------------------------------------------------------------------------------------------
# Running and comparing
# ---------------------------------------------------------------------------------------------


@dataclass
class Mismatch:
    kind: str  # "value", "gradient", "shape" or "refusal"
    op: str
    backend: str
    detail: str
    repro: str
    size: int  # elements involved (the smallest repro of a class is shown)
    expected: str | None = None  # the name of a difference kept on purpose

    @property
    def cls(self) -> str:
        return f"{self.op}: {self.kind} ({self.expected or self.backend})"


@dataclass
class Outcome:
    operations: int = 0
    mismatches: list[Mismatch] = field(default_factory=list)


def _numpy(array: Any) -> np.ndarray:
    if isinstance(array, torch.Tensor):
        return array.detach().numpy()
    return np.asarray(mt.Tensor(array).numpy()) if not isinstance(array, np.ndarray) else array


def _terms(arrays: list[np.ndarray]) -> int:
    """A bound on the terms any one output number adds up: all the numbers it is made from."""
    return max(1, sum(a.size for a in arrays))


def _magnitude(arrays: list[np.ndarray]) -> float:
    """The product of each array's largest finite magnitude (at least 1)."""
    scale = 1.0
    for a in arrays:
        finite = np.abs(a[np.isfinite(a)]) if a.size else np.zeros(0)
        scale *= max(1.0, float(finite.max()) if finite.size else 1.0)
    return scale


def differ(mine: np.ndarray, theirs: np.ndarray, scale: float) -> np.ndarray:
    """Where two float arrays disagree: NaN only matches NaN, ±inf only itself; finite numbers
    to within 1e-10 relative plus 1e-12·scale."""
    mine, theirs = np.broadcast_arrays(np.asarray(mine, np.float64), np.asarray(theirs, np.float64))
    both_nan = np.isnan(mine) & np.isnan(theirs)
    finite = np.isfinite(mine) & np.isfinite(theirs)
    with np.errstate(all="ignore"):
        close = np.abs(mine - theirs) <= 1e-10 * np.abs(theirs) + 1e-12 * scale
    exact = mine == theirs  # the same infinity (or number)
    return ~(both_nan | exact | (finite & close))


def _repro(op: Op, inputs: list[np.ndarray], settings: dict, upstream: Any) -> str:
    names = ["x", *(f"y{i}" for i in range(1, len(inputs)))]
    lines = [f"{name} = np.array({a.tolist()!r})  # shape {a.shape}" for name, a in
             zip(names, inputs)]  # fmt: skip
    lines.append(f"op {op.name!r}, settings {settings!r}")
    if upstream is not None:
        lines.append(f"gradient of the result = np.array({np.asarray(upstream).tolist()!r})")
    return "\n    ".join(lines)


EXPECTED_NAMES = {  # each listed in docs/tensors.md, with its reason
    "softplus above 20: PyTorch's threshold",
    "a loss's gradient from an infinite gradient of the loss",
    "binary_cross_entropy_with_logits at infinite logits",
    "a quotient's gradient where PyTorch's (a/b)/b overflows or underflows",
    "x ** ±0.5 at -inf and -0: PyTorch's sqrt and its pow differ",
    "var's and std's gradient where the var is NaN: PyTorch's closed form",
    "var's and std's gradient from an infinite gradient: PyTorch's closed form",
    "std's gradient where PyTorch's closed form keeps the mean's rounding",
    "cross_entropy's gradient from an infinite gradient: PyTorch's two operations",
}


def _exact_quotient_gradient(inputs: list[np.ndarray], settings: dict, upstream: Any,
                             i: int) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """The gradient of a / b in input ``i``, computed in exact rational arithmetic and then
    rounded once; and where it is known: not where a number it is made from is not finite, a
    divisor is 0 or g is NaN (there it is NaN)."""
    kind = settings["kind"]
    if kind == "number":
        a, b = inputs[0], np.asarray(settings["number"])
    elif kind == "itself":
        a = b = inputs[0]
    else:
        a, b = (inputs[1], inputs[0]) if kind == "array first" else (inputs[0], inputs[1])
    g = np.asarray(upstream, np.float64)
    a, b, g = np.broadcast_arrays(a, b, g)
    known = np.isfinite(a) & np.isfinite(b) & (b != 0) & ~np.isnan(g)
    a, b = (np.vectorize(Fraction, otypes=[object])(np.where(known, v, 1.0)) for v in (a, b))
    g = np.where(known, g, 0.0)
    by_a, by_b = 1 / b, -a / (b * b)  # ∂(a/b)/∂a and ∂(a/b)/∂b, exact
    if kind == "itself":
        local = by_a + by_b
    else:
        local = by_b if (i == 0) == (kind == "array first") else by_a
    full = np.asarray(np.vectorize(_times, otypes=[object])(g, local), dtype=object)
    target = inputs[i].shape
    lead = full.ndim - len(target)
    axes = (*range(lead), *(lead + k for k, n in enumerate(target) if n == 1))
    summed = np.asarray(full.sum(axis=axes, keepdims=True), dtype=object) if full.size else full
    rounded = [_rounded(x) for x in summed.reshape(-1)]
    known = np.logical_and.reduce(known, axis=axes, keepdims=True).reshape(target)
    exact = np.array(rounded, dtype=np.float64).reshape(target)
    return np.where(known, exact, NAN), known


def _times(g: float, local: Fraction) -> Fraction | float:
    """g·local, exact for a finite g; for an infinite g, ±∞ (NaN where local is 0)."""
    if math.isfinite(g):
        return Fraction(g) * local
    if local == 0:
        return NAN
    return math.copysign(INF, g) if local > 0 else -math.copysign(INF, g)


def _rounded(x: Fraction | float) -> float:
    """x as the nearest float (±∞ beyond the largest)."""
    try:
        return float(x)
    except OverflowError:  # (x is too large for float(), so its sign is told by comparing)
        return INF if x > 0 else -INF


def _std_gradient_with_exact_deviations(
    x: np.ndarray, settings: dict, upstream: Any
) -> tuple[np.ndarray, np.ndarray]:
    """std's gradient g·(x - mean)/((n - correction)·std) with x - mean exact (fractions) and
    std the float both engines compute (its mean rounded), then rounded once; and where it is
    known: not where a number or g is not finite, n ≤ correction, or the std is 0 (NaN there)."""
    dim, correction = settings["dim"], settings["correction"]
    axes = tuple(range(x.ndim)) if dim is None else (dim % x.ndim,)  # (the fuzz draws one axis)
    n = math.prod(x.shape[a] for a in axes)
    dof = n - correction
    g = np.asarray(upstream, np.float64)
    g = np.broadcast_to(g if settings["keepdim"] else np.expand_dims(g, axes), x.shape)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        std = np.broadcast_to(np.std(x, axis=axes, ddof=correction, keepdims=True), x.shape)
    finite = np.isfinite(x)
    exact_x = np.vectorize(Fraction, otypes=[object])(np.where(finite, x, 0.0))
    deviations = exact_x - exact_x.sum(axis=axes, keepdims=True) / max(n, 1)
    finite_rows = np.broadcast_to(np.logical_and.reduce(finite, axis=axes, keepdims=True), x.shape)
    known = finite_rows & np.isfinite(g) & np.isfinite(std) & (std != 0) & (dof > 0)
    gradient = np.full(x.shape, NAN)
    for i in zip(*np.nonzero(known)):
        gradient[i] = _rounded(Fraction(g[i]) * deviations[i] / (dof * Fraction(std[i])))
    return gradient, known


def expected_difference(
    op: str, kind: str, inputs: list[np.ndarray], settings: dict, upstream: Any,
    mine: np.ndarray, theirs: np.ndarray, where: np.ndarray,
) -> str | None:  # fmt: skip
    """The name of a difference MiniGrad keeps on purpose (docs/tensors.md), or None."""
    if op == "/" and kind.startswith("gradient") and mine.shape == inputs[int(kind[-1])].shape:
        # PyTorch's gradient in b is -g·((a/b)/b): its intermediate a/b/b can leave the floats
        # (±inf, then ∞·0 = NaN where g is 0, or 0) where the gradient itself does not; MiniGrad's
        # is the exact gradient rounded once (checked where every number it is made from is known)
        exact, known = _exact_quotient_gradient(inputs, settings, upstream, int(kind[-1]))
        scale = _terms(inputs) * _magnitude(inputs)
        if known[where].all() and not differ(mine[known], exact[known], scale).any():
            return "a quotient's gradient where PyTorch's (a/b)/b overflows or underflows"
    if op in ("var", "std") and kind.startswith("gradient"):
        x = inputs[0]
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            var = np.var(x, axis=settings["dim"], ddof=settings["correction"], keepdims=True)
        # where the var is NaN (an infinite or NaN number, or n ≤ correction), PyTorch's closed
        # form 2/(n - correction)·g·(x - mean) gives ±∞ at some places; MiniGrad's gradient, the
        # chain rule through its operations (the mean's share too), is NaN there
        if np.all(np.isnan(np.broadcast_to(var, x.shape)[where])) and np.all(np.isnan(mine[where])):
            return "var's and std's gradient where the var is NaN: PyTorch's closed form"
        # an infinite gradient arriving meets ∞ - ∞ in MiniGrad's chain rule (the deviations'
        # gradients are ±∞ and the mean's share adds them up): NaN, where PyTorch's closed form
        # multiplies once (±∞), as for the losses below
        if not np.all(np.isfinite(upstream)) and np.all(np.isnan(mine[where])):
            return "var's and std's gradient from an infinite gradient: PyTorch's closed form"
        # PyTorch's closed form g·(x - mean)/(n·std) keeps the computed mean's rounding in x -
        # mean: with numbers equal or nearly so it is a large part of it (numbers all equal:
        # ±g/n where the slope is 0). In MiniGrad's chain rule the mean's share cancels it there
        # (its std, below the line, keeps it, as PyTorch's does), and gives 0 along equal numbers
        if op == "std" and x.size:
            spread = np.broadcast_to(np.ptp(x, axis=settings["dim"], keepdims=True), x.shape)
            exact, known = _std_gradient_with_exact_deviations(x, settings, upstream)
            equal = (spread == 0) & (mine == 0)
            scale = _terms([x, np.asarray(upstream)]) * _magnitude([x, np.asarray(upstream)])
            if np.all((known | equal)[where]) and not differ(mine[known], exact[known],
                                                             scale).any():  # fmt: skip
                return "std's gradient where PyTorch's closed form keeps the mean's rounding"
    if op == "**" and settings.get("number") in (0.5, -0.5):
        x = np.broadcast_to(inputs[0], where.shape)[where]
        # PyTorch's x ** 0.5 is sqrt(x) (NaN at -inf) and x ** -0.5 is 1/sqrt(x) (-inf at -0),
        # its pow with a tensor exponent gives C's pow (inf, inf): MiniGrad's NumPy gives one
        if np.all(np.isin(x, [-INF, 0.0])):
            return "x ** ±0.5 at -inf and -0: PyTorch's sqrt and its pow differ"
    if op in ("mse_loss", "binary_cross_entropy_with_logits") and kind.startswith("gradient") and (
        not np.all(np.isfinite(upstream))
    ):
        # a loss is made of MiniGrad's operations, so an infinite gradient of the loss meets
        # ∞ - ∞ on the way down (NaN); PyTorch's one fused rule multiplies it once (±∞)
        return "a loss's gradient from an infinite gradient of the loss"
    if op == "cross_entropy" and kind.startswith("gradient") and (
        not np.all(np.isfinite(upstream)) and np.all(np.isnan(np.asarray(theirs)[where]))
    ):
        # MiniGrad's cross-entropy is one operation: g·(softmax - one-hot) is the limit (±∞ where
        # the bracket is not 0); PyTorch's log_softmax then nll_loss meets ∞ - ∞ on the way (NaN)
        return "cross_entropy's gradient from an infinite gradient: PyTorch's two operations"
    if op == "binary_cross_entropy_with_logits" and not np.all(np.isfinite(inputs[0])):
        # at x = ±∞ PyTorch's formula, (1 - y)·x + ln(1 + e⁻ˣ) rearranged, meets ∞ - ∞ (NaN)
        # for every target; MiniGrad's softplus(x) - x·y gives the limit where it exists
        return "binary_cross_entropy_with_logits at infinite logits"
    if op == "softplus" and where.any():
        x = np.broadcast_to(inputs[0], where.shape)[where]
        gap = np.abs(np.broadcast_to(mine, where.shape)[where]
                     - np.broadcast_to(theirs, where.shape)[where])  # fmt: skip
        # PyTorch returns x itself above x = 20 (value and slope 1): MiniGrad's ln(1 + eˣ) is
        # larger by about e⁻ˣ, and its slope σ(x) smaller by as much
        if np.all((x > 20) & (gap <= 2 * np.exp(-x) * np.maximum(1, np.abs(x)))):
            return "softplus above 20: PyTorch's threshold"
    return None


def run(program: Program, backend: str) -> Outcome:
    """Run ``program`` on MiniGrad with ``backend``'s arrays, compare each operation with
    PyTorch (value, then gradient), and return the operations run and the mismatches."""
    to_backend = BACKENDS[backend]
    outcome = Outcome()
    x = mt.Tensor(to_backend(program.start), requires_grad=True)
    nodes: list[tuple[Op, list[mt.Tensor], dict, mt.Tensor]] = []
    for step in program.steps:
        op = OPS_BY_NAME[step.op]
        extras = [mt.Tensor(to_backend(e), requires_grad=True) for e in step.extras]
        settings = step.settings
        if "condition" in settings:  # (where's condition: an array of the backend's library)
            settings = {**settings, "condition": to_backend(settings["condition"])}
        inputs = [_numpy(t.data) for t in (x, *extras)]
        theirs_inputs = [torch.tensor(np.array(a), requires_grad=True) for a in inputs]
        outcome.operations += 1
        mine_error = theirs_error = None
        try:
            out = op.mine(x, *extras, **settings)
        except (ValueError, TypeError, IndexError) as error:
            mine_error = error
        except Exception as error:  # a crash inside the engine is a mismatch of its own
            outcome.mismatches.append(_crash(op, backend, inputs, step.settings, error))
            break
        try:
            expected = op.theirs(*theirs_inputs, **step.settings)
        except (ValueError, TypeError, IndexError, RuntimeError) as error:
            theirs_error = error
        if mine_error is not None or theirs_error is not None:
            if (mine_error is None) != (theirs_error is None):
                outcome.mismatches.append(Mismatch(
                    "refusal", op.name, backend,
                    f"MiniGrad: {mine_error or 'computes'}; PyTorch: {theirs_error or 'computes'}",
                    _repro(op, inputs, step.settings, None), sum(a.size for a in inputs),
                ))  # fmt: skip
            break  # refused by both (as an operation on empty axes is): the program ends here
        if out.shape != tuple(expected.shape):
            outcome.mismatches.append(Mismatch(
                "shape", op.name, backend, f"{out.shape} != {tuple(expected.shape)}",
                _repro(op, inputs, step.settings, None), sum(a.size for a in inputs)))  # fmt: skip
            break
        mine_value, theirs_value = _numpy(out.data), expected.detach().numpy()
        scale = _terms(inputs) * _magnitude(inputs)
        where = differ(mine_value, theirs_value, scale)
        if where.any():
            outcome.mismatches.append(_mismatch("value", op, backend, inputs, step.settings, None,
                                                mine_value, theirs_value, where))  # fmt: skip
        nodes.append((op, [x, *extras], step.settings, out))  # (PyTorch's settings)
        x = out
    if not nodes:
        return outcome
    last = nodes[-1][3]
    upstream = np.random.default_rng(program.seed).uniform(-1, 1, size=last.shape)
    for *_, out in nodes:
        if out.requires_grad:
            out.retain_grad()  # every step's gradient is compared, so the inner ones are kept
    try:
        last.backward(to_backend(upstream))
    except Exception as error:
        outcome.mismatches.append(_crash(nodes[-1][0], backend, [upstream], {}, error, "backward"))
        return outcome
    for op, mine_inputs, settings, out in nodes:
        g = _numpy(out.grad)
        inputs = [_numpy(t.data) for t in mine_inputs]
        theirs_inputs = [torch.tensor(np.array(a), requires_grad=True) for a in inputs]
        expected = op.theirs(*theirs_inputs, **settings)
        theirs_grads = torch.autograd.grad(expected, theirs_inputs, torch.tensor(g),
                                           allow_unused=True)  # fmt: skip
        scale = _terms([*inputs, g]) * _magnitude([*inputs, g])
        for i, (t, e) in enumerate(zip(mine_inputs, theirs_grads)):
            mine_grad = _numpy(t.grad)
            theirs_grad = np.zeros_like(mine_grad) if e is None else e.numpy()
            where = differ(mine_grad, theirs_grad, scale)
            if where.any():
                outcome.mismatches.append(_mismatch(f"gradient of input {i}", op, backend, inputs,
                                                    settings, g, mine_grad, theirs_grad, where))
    return outcome


def _crash(op: Op, backend: str, inputs: list[np.ndarray], settings: dict, error: Exception,
           where: str = "forward") -> Mismatch:  # fmt: skip
    return Mismatch(f"crash in {where}", op.name, backend, f"{type(error).__name__}: {error}"[:300],
                    _repro(op, inputs, settings, None), sum(a.size for a in inputs))


def _mismatch(
    kind: str, op: Op, backend: str, inputs: list[np.ndarray], settings: dict,
    upstream: Any, mine: np.ndarray, theirs: np.ndarray, where: np.ndarray,
) -> Mismatch:  # fmt: skip
    expected = expected_difference(op.name, kind, inputs, settings, upstream, mine, theirs, where)
    shown_mine = np.broadcast_to(mine, where.shape)[where][:4].tolist()
    shown_theirs = np.broadcast_to(theirs, where.shape)[where][:4].tolist()
    return Mismatch(kind, op.name, backend, f"MiniGrad {shown_mine}, PyTorch {shown_theirs}",
                    _repro(op, inputs, settings, upstream), sum(a.size for a in inputs), expected)


# ---------------------------------------------------------------------------------------------
# make fuzz: many programs, every mismatch class with its smallest repro
# ---------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    from hypothesis import HealthCheck, given, settings

    parser = argparse.ArgumentParser(
        prog="python -m tests.tensor_fuzz", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--programs", type=int, default=3000, help="programs per backend")
    parser.add_argument("--backends", default=",".join(BACKENDS), help="comma-separated")
    args = parser.parse_args(argv)
    programs_run = operations = 0
    smallest: dict[str, Mismatch] = {}
    counts: dict[str, int] = {}
    for name in args.backends.split(","):

        @settings(max_examples=args.programs, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))  # fmt: skip
        @given(program=programs(backend=name), backend=st.just(name))
        def fuzz(program: Program, backend: str) -> None:
            nonlocal programs_run, operations
            outcome = run(program, backend)
            programs_run += 1
            operations += outcome.operations
            for m in outcome.mismatches:
                counts[m.cls] = counts.get(m.cls, 0) + 1
                if m.cls not in smallest or m.size < smallest[m.cls].size:
                    smallest[m.cls] = m

        fuzz()
        print(f"{name}: done ({programs_run} programs so far)", file=sys.stderr)
    print(f"{programs_run} programs, {operations} operations, on {args.backends}")
    unexpected = [c for c, m in smallest.items() if m.expected is None]
    for cls in sorted(smallest, key=lambda c: (smallest[c].expected is not None, c)):
        m = smallest[cls]
        label = f"EXPECTED ({m.expected})" if m.expected else "MISMATCH"
        print(f"\n{label} {cls}: {counts[cls]} times; smallest:\n    {m.detail}\n    {m.repro}")
    print(f"\n{len(unexpected)} unexpected mismatch classes, "
          f"{len(smallest) - len(unexpected)} expected ones")  # fmt: skip
    return 1 if unexpected else 0


if __name__ == "__main__":
    sys.exit(main())
