# ruff: noqa: E501  (a table: one operation per row)
"""The one table of Tensor operations that drives the Tensor engine's tests, and what they share.

Each row names an operation, how to apply it with MiniGrad Tensors and with PyTorch, the shapes of
its inputs (a hypothesis strategy: broadcasting pairs for the binary operations) and the interval
its inputs are drawn from (where it is smooth, away from kinks and ties). tests/test_tensor_ops.py
compares every row with PyTorch in float64, value and gradient, on three array backends (NumPy,
array-api-strict and PyTorch CPU tensors), and checks every gradient by finite differences.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, mutually_broadcastable_shapes

from minigrad import losses
from minigrad import tensor as mt

Shapes = st.SearchStrategy[tuple[tuple[int, ...], ...]]


@dataclass(frozen=True)
class Row:
    name: str
    mine: Callable[..., mt.Tensor]
    theirs: Callable[..., torch.Tensor]
    shapes: Shapes
    low: float = -2.0
    high: float = 2.0
    distinct: bool = False  # inputs spread apart (max, min, maximum: no ties, no kinks)
    sets_at_arrays: bool = False  # assigns at integer arrays: array-api-strict cannot


def _broadcasting(n: int = 2) -> Shapes:
    return mutually_broadcastable_shapes(num_shapes=n, min_dims=0, max_dims=3, max_side=4).map(
        lambda shapes: shapes.input_shapes
    )


def _one(min_dims: int = 0) -> Shapes:
    return array_shapes(min_dims=min_dims, max_dims=3, min_side=1, max_side=4).map(
        lambda shape: (shape,)
    )


def _fixed(*shapes: tuple[int, ...]) -> Shapes:
    return st.just(shapes)


def _linear_shapes() -> Shapes:
    """x (a batch of rows, a stack of batches or one row), W (nin, nout) and b (nout,)."""

    @st.composite
    def shapes(draw: st.DrawFn) -> tuple[tuple[int, ...], ...]:
        nin, nout = draw(st.integers(1, 4)), draw(st.integers(1, 4))
        batch = draw(st.lists(st.integers(1, 4), max_size=2))
        return ((*batch, nin), (nin, nout), (nout,))

    return shapes()


def _matmul_shapes() -> Shapes:
    """Vectors, matrices and stacks of matrices whose inner axes fit (batch axes broadcast)."""

    @st.composite
    def shapes(draw: st.DrawFn) -> tuple[tuple[int, ...], tuple[int, ...]]:
        n, k, m = (draw(st.integers(1, 4)) for _ in range(3))
        a_kind, b_kind = draw(st.sampled_from(["vector", "matrix", "stack"])), draw(
            st.sampled_from(["vector", "matrix", "stack"])
        )
        batch = draw(st.sampled_from([(2,), (1,), (3, 1)]))
        a = {"vector": (k,), "matrix": (n, k), "stack": (*batch, n, k)}[a_kind]
        b_batch = (2,) if batch == (1,) else (1,)
        b = {"vector": (k,), "matrix": (k, m), "stack": (*b_batch, k, m)}[b_kind]
        return a, b

    return shapes()


INTS = [0, 2, 1, 0]  # an integer-array index that reads row 0 twice
LABELS = [0, 2, 1, 2]  # a class per sample, for cross-entropy
MASK = [True, False, True]  # a boolean mask of rows


def _assigned(a, b):
    """a's numbers with row 1 replaced by b (item assignment into a tensor of the graph)."""
    out = a * 1.0
    out[1] = b
    return out


def _assigned_at_arrays(a, b):
    """a's numbers with the places (0, 1), (2, 0) replaced by b's, as the lecture's
    ``dlogits[range(n), Yb] -= 1`` does."""
    out = a * 1.0
    out[[0, 2], [1, 0]] = out[[0, 2], [1, 0]] - b
    return out


# fmt: off
ROWS = [
    Row("add",        lambda a, b: a + b,          lambda a, b: a + b,           _broadcasting()),
    Row("sub",        lambda a, b: a - b,          lambda a, b: a - b,           _broadcasting()),
    Row("mul",        lambda a, b: a * b,          lambda a, b: a * b,           _broadcasting()),
    Row("div",        lambda a, b: a / b,          lambda a, b: a / b,           _broadcasting(),
        0.5, 2.0),
    Row("pow",        lambda a, b: a ** b,         lambda a, b: a ** b,          _broadcasting(),
        0.5, 2.0),
    Row("pow number", lambda a: a ** 3,            lambda a: a ** 3,             _one()),
    Row("rsub number", lambda a: 1.0 - a,          lambda a: 1.0 - a,            _one()),
    Row("neg",        lambda a: -a,                lambda a: -a,                 _one()),
    Row("matmul",     lambda a, b: a @ b,          lambda a, b: a @ b,           _matmul_shapes()),
    Row("linear",     mt.linear,                   lambda x, w, b: torch.nn.functional.linear(x, w.mT, b),
        _linear_shapes()),
    Row("exp",        mt.Tensor.exp,               torch.exp,                    _one()),
    Row("log",        mt.Tensor.log,               torch.log,                    _one(), 0.5, 3.0),
    Row("log10",      mt.Tensor.log10,             torch.log10,                  _one(), 0.5, 3.0),
    Row("clone",      mt.Tensor.clone,             torch.clone,                  _one()),
    Row("astype",     lambda a: mt.OPERATIONS["astype"](a, dtype=a.dtype), lambda a: a.to(a.dtype),
        _one()),
    Row("sqrt",       mt.Tensor.sqrt,              torch.sqrt,                   _one(), 0.5, 3.0),
    Row("abs",        mt.Tensor.abs,               torch.abs,                    _one(), distinct=True),
    Row("tanh",       mt.Tensor.tanh,              torch.tanh,                   _one()),
    Row("sigmoid",    mt.Tensor.sigmoid,           torch.sigmoid,                _one()),
    Row("softplus",   mt.Tensor.softplus,          torch.nn.functional.softplus, _one(), -15.0, 15.0),
    Row("relu",       mt.Tensor.relu,              torch.relu,                   _one(), distinct=True),
    Row("clip",       lambda a: a.clip(-1.0, 0.5), lambda a: a.clamp(-1.0, 0.5), _one(), distinct=True),
    Row("maximum",    mt.maximum,                  torch.maximum,                _broadcasting(),
        distinct=True),
    Row("where",      lambda a, b: mt.where(a > 0, a, b),
                      lambda a, b: torch.where(a > 0, a, b),                     _broadcasting(),
        distinct=True),
    Row("sum",        mt.Tensor.sum,               torch.sum,                    _one()),
    Row("sum axis",   lambda a: a.sum(axis=-1),    lambda a: a.sum(dim=-1),      _one(1)),
    Row("sum keepdims", lambda a: a.sum(0, keepdims=True),
                      lambda a: a.sum(0, keepdim=True),                          _one(1)),
    Row("sum axes",   lambda a: a.sum(axis=(0, 2)), lambda a: a.sum(dim=(0, 2)), _one(3)),
    Row("mean",       lambda a: a.mean(axis=0),    lambda a: a.mean(dim=0),      _one(1)),
    Row("mean all",   mt.Tensor.mean,              torch.mean,                   _one()),
    Row("max",        lambda a: a.amax(axis=-1),    lambda a: a.amax(dim=-1),     _one(1),
        distinct=True),
    Row("max all",    mt.Tensor.amax,               torch.amax,                   _one(), distinct=True),
    Row("min",        lambda a: a.amin(axis=0, keepdims=True),
                      lambda a: a.amin(dim=0, keepdim=True),                     _one(1),
        distinct=True),
    Row("max dim",    lambda a: a.max(dim=-1).values, lambda a: a.max(dim=-1).values, _one(1),
        distinct=True),
    Row("min dim keepdim", lambda a: a.min(0, keepdim=True)[0],
                      lambda a: a.min(0, keepdim=True)[0],                       _one(1),
        distinct=True),
    Row("var",        lambda a: a.var(0, keepdim=True), lambda a: a.var(0, keepdim=True),
        _fixed((4, 3))),
    Row("std",        mt.Tensor.std,               torch.std,                    _fixed((3, 4))),
    Row("var biased", lambda a: a.var(dim=(0, 2), unbiased=False),
                      lambda a: a.var(dim=(0, 2), unbiased=False),               _fixed((2, 3, 2))),
    Row("logsumexp",  lambda a: a.logsumexp(axis=-1), lambda a: a.logsumexp(dim=-1), _one(1),
        -30.0, 30.0),
    Row("softmax",    lambda a: a.softmax(-1),     lambda a: a.softmax(-1),      _one(1), -5.0, 5.0),
    Row("log_softmax", lambda a: a.log_softmax(0), lambda a: a.log_softmax(0),   _one(1), -5.0, 5.0),
    Row("cross_entropy", lambda a: losses.cross_entropy(a, LABELS),
                      lambda a: torch.nn.functional.cross_entropy(a, torch.tensor(LABELS)), _fixed((4, 3)),
        -5.0, 5.0),
    Row("cross_entropy sum", lambda a: losses.cross_entropy(a, LABELS, reduction="sum"),
                      lambda a: torch.nn.functional.cross_entropy(a, torch.tensor(LABELS), reduction="sum"),
                      _fixed((4, 3)), -5.0, 5.0),
    Row("reshape",    lambda a: a.reshape(-1, 1),  lambda a: a.reshape(-1, 1),   _one()),
    Row("flatten",    mt.Tensor.flatten,           lambda a: a.flatten(),        _one()),
    Row("transpose",  lambda a: a.T,               lambda a: a.permute(tuple(reversed(range(a.ndim)))),
        _one()),
    Row("transpose axes", lambda a: a.permute(1, 2, 0), lambda a: a.permute(1, 2, 0), _one(3)),
    Row("transpose two", lambda a: a.transpose(0, -1), lambda a: a.transpose(0, -1), _one(2)),
    Row("view",       lambda a: a.view(1, -1),     lambda a: a.reshape(1, -1),   _one()),
    Row("squeeze",    lambda a: a.reshape(1, -1, 1).squeeze(), lambda a: a.reshape(1, -1, 1).squeeze(),
        _one(1)),
    Row("unsqueeze",  lambda a: a.unsqueeze(1),    lambda a: a.unsqueeze(1),     _one(1)),
    Row("boolean mask", lambda a: a[MASK],         lambda a: a[torch.tensor(MASK)], _fixed((3, 2))),
    Row("item assignment", _assigned,              _assigned,                    _fixed((3, 2), (2,))),
    Row("item assignment at arrays", _assigned_at_arrays, _assigned_at_arrays,   _fixed((3, 2), (2,)),
        sets_at_arrays=True),
    Row("slice",      lambda a: a[1:, ::2],        lambda a: a[1:, ::2],         _fixed((3, 5))),
    Row("int index",  lambda a: a[-1],             lambda a: a[-1],              _fixed((3, 2))),
    Row("int arrays", lambda a: a[INTS, [1, 0, 3, 1]],
                      lambda a: a[INTS, [1, 0, 3, 1]],                           _fixed((3, 4))),
    Row("row array",  lambda a: a[INTS],           lambda a: a[INTS],            _fixed((3, 2))),
    Row("concatenate", lambda a, b: mt.concatenate([a, b, a], axis=1),
                      lambda a, b: torch.cat([a, b, a], dim=1),                  _fixed((2, 3), (2, 1))),
    Row("stack",      lambda a, b: mt.stack([a, b], axis=-1),
                      lambda a, b: torch.stack([a, b], dim=-1),                  _fixed((2, 3), (2, 3))),
]
# fmt: on
