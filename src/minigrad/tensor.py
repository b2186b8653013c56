"""The Tensor engine: a Tensor is an array that remembers how it was computed.

This is ``engine.py`` again, one level up: where a Value holds one float, a Tensor holds an
n-dimensional array, and every operation on Tensors returns a new Tensor that records its inputs
(``_prev``) and the Operation that made it (``_op`` is its name). ``backward()`` walks that graph
from the output back to the leaves and applies the chain rule at each node, now with arrays:

    for c = a @ b:    a.grad += c.grad @ bᵀ    and    b.grad += aᵀ @ c.grad

The same parts as engine.py, in the same order, most of them shared:

* A table of operations, each with its forward rule and its backward rules side by side, kept in
  the kind of table engine.py keeps (``operations.OperationTable``), which refuses to let a
  user's operation replace one of MiniGrad's own; every node keeps the Operation that made it,
  as a Value does.
* Broadcasting (``(128, 4) + (4,)``) copies an input along new or length-1 axes, so backward must
  add those copies' gradients back up to the input's shape. One helper does it, ``sum_to``,
  and every binary rule ends with it: the one reduction a learner must understand is named once.
* The backward rules are written with functions that take arrays or Tensors alike (``exp``,
  ``sum_to``, ``where`` below, and the operators), so the same rule computes an ordinary gradient
  on arrays or, with ``grad(..., create_graph=True)``, a gradient that is itself a graph.
* The walk is engine.py's own (``topological_order``): one iterative walk orders both engines'
  graphs. Nodes keep no closures (no reference cycles), ``no_grad()`` is engine.py's switch, and
  leaves accumulate their gradients as in PyTorch.

Every way a Tensor differs from a Value, and why:

1. A Tensor records a graph only if one of its inputs ``requires_grad``; a Value always does.
   A batch's data and labels are constants, and backward computes nothing for them (PyTorch's
   rule); micrograd's Values are all parameters or results of them.
2. A plain number in an expression (``x * 2``) becomes a constant of the other operand's dtype,
   not a leaf node: float32 stays float32, and a constant needs no gradient. (A Value's numbers
   are float64 nodes, drawn in its graph, as in micrograd.)
3. Numbers and lists become float32 arrays (PyTorch's default); a Value holds a Python float.
4. An operation has one backward rule per input (as HIPS/autograd), not one rule giving every
   input's gradient: backward then computes only what is needed (in ``x @ W`` with data ``x``,
   only W's), which matters for arrays and not for floats, where one call costs less than two.
5. An operation may have settings kept on the node (``_params``: an axis, a shape, an index) and
   may save what its forward rule computed (``saves=True``); no scalar operation needs either.
6. ``grad`` is None until a gradient arrives (no array is made for a node backward never
   reaches, as in PyTorch), where a Value's is 0.0; backward skips a node whose grad is None.
7. A Tensor of more than one element needs the starting gradient (``backward(gradient)``): the
   gradient of a vector output is not defined by the output alone. A Value is one number.
8. Comparisons give Tensors of booleans, elementwise (a mask for ``where``); a Value's give a bool.
9. The chain rule at a node is this module's ``_backpropagate``, not engine.py's: it calls one
   rule per input and checks each gradient's shape, where engine.py's loop is written out for
   one- and two-input scalar rules, for speed. A user's rules are checked by that shape test;
   a Value's user rules are checked in extend.py, since a float has no shape to check.
10. The machinery a Value needs for speed has no Tensor counterpart: fused neurons (fused.py; a
    Tensor layer is one ``linear`` node already), in-place float rules (``accumulate``) and a
    ``_backward`` assigned by hand (the lecture's way, for Values). Pickling needs none of
    copying.py's care either: a layer is one node, so a Tensor graph is seldom deep.
11. An error inside the array library (shapes that do not broadcast, an index out of range)
    comes back naming the operation and the shapes; a Value's arithmetic gives inf or nan where
    Python would raise (floats.py), as an array library does.
12. After ``backward()`` only leaves keep their gradient: an inner node drops its own once it has
    passed it on to its inputs (unless ``retain_grad()`` asked for it), as in PyTorch, since an
    array per node is memory a training step does not need. A Value keeps every gradient, as the
    micrograd lecture shows them all.

The arrays are used through the Python array API standard (``array-api-compat``), in
``backend.py``: NumPy by default, and any array library that follows the standard
(array-api-strict, PyTorch tensors, CuPy on a GPU) works as the backend without a change here.
NumPy is imported only when this module is.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Union

import array_api_compat

from minigrad import backend
from minigrad.backend import (
    _NAMESPACES,
    Array,
    Axis,
    _as_array,
    _axes,
    _broadcast_together,
    _check_differentiable,
    _check_one_library,
    _checked_index,
    _dtype_name,
    _index_add_forward,
    _is_array,
    _is_float,
    _mixed_dtypes_error,
    _namespace,
    _operation_error,
    _own_array,
    _put,
    _quiet_floats,
    _read,
)
from minigrad.engine import (
    Value,
    _grad_mode,
    _grad_mode_set,
    _walk,
    no_grad,
    topological_order,
)
from minigrad.operations import OperationTable
from minigrad.tensor_pytorch import PyTorchMethods, _astype, _dim_names, _index_parts, _promoted

__all__ = [
    "Tensor", "concatenate", "grad", "linear", "maximum", "no_grad", "stack", "sum_to",
    "topological_order", "where",
]

Operand = Union["Tensor", Array, int, float]  # noqa: UP007 (a runtime alias)


# ---------------------------------------------------------------------------------------------
# Functions of an array or a Tensor, used by the backward rules (and handy in user code). On a
# Tensor each one is a Tensor operation, recorded in the graph; on an array, the backend's own.
# ---------------------------------------------------------------------------------------------


def sum_to(x: Operand, shape: tuple[int, ...]) -> Operand:
    """x summed back to ``shape``: the gradient of broadcasting an array of ``shape`` to x's.

    Broadcasting copies an input along the axes it lacks (in front) and along its axes of length
    1; each copy's gradient must be added back to the one number it came from. So: sum over the
    leading axes x has in addition, and over the axes where ``shape`` has 1 and x more.

    Examples:
        >>> import numpy as np
        >>> sum_to(np.ones((128, 4)), (4,))  # b.grad of x @ W + b, for a batch of 128
        array([128., 128., 128., 128.])
    """
    if x.shape == shape:  # (a shape is a tuple, or torch's tuple subclass)
        return x
    extra = len(x.shape) - len(shape)
    leading = tuple(range(extra))
    if x.shape[extra:] == shape:  # only new axes in front (a bias added to a batch)
        return _sum(x, leading)
    stretched = tuple(extra + i for i, n in enumerate(shape) if n == 1 and x.shape[extra + i] != 1)
    return reshape(_sum(x, leading + stretched, keepdims=True), tuple(shape))


def _sum(x: Operand, axis: Axis = None, keepdims: bool = False) -> Operand:
    if isinstance(x, Tensor):
        return x.sum(axis, keepdims)
    return _as_array(_namespace(x).sum(x, axis=axis, keepdims=keepdims), x)


def reshape(x: Operand, shape: tuple[int, ...]) -> Operand:
    """x with the same numbers in another shape."""
    if isinstance(x, Tensor):
        return x.reshape(shape)
    return _namespace(x).reshape(x, shape)


def broadcast_to(x: Operand, shape: tuple[int, ...]) -> Operand:
    """x copied along new leading axes and along its axes of length 1, to ``shape``."""
    if isinstance(x, Tensor):
        return _apply(BROADCAST_TO, (x,), {"shape": tuple(shape)})
    return _namespace(x).broadcast_to(x, tuple(shape))


def permute_dims(x: Operand, axes: tuple[int, ...]) -> Operand:
    """x with its axes in the order ``axes``."""
    if isinstance(x, Tensor):
        return x.permute(*axes)
    return _namespace(x).permute_dims(x, axes)


def exp(x: Operand) -> Operand:
    """eˣ, elementwise."""
    return x.exp() if isinstance(x, Tensor) else _namespace(x).exp(x)


def log(x: Operand) -> Operand:
    """ln x, elementwise."""
    return x.log() if isinstance(x, Tensor) else _namespace(x).log(x)


def sigmoid(x: Operand) -> Operand:
    """σ(x) = 1/(1 + e⁻ˣ), elementwise."""
    return x.sigmoid() if isinstance(x, Tensor) else 1.0 / (1.0 + _namespace(x).exp(-x))


def where(condition: Operand, a: Operand, b: Operand) -> Operand:
    """a where ``condition`` is true, else b (broadcast together); the condition gets no gradient.

    ∂/∂a = 1 where the condition holds, ∂/∂b = 1 elsewhere (each summed back to its shape).
    """
    condition = condition.data if isinstance(condition, Tensor) else condition
    if isinstance(a, Tensor) or isinstance(b, Tensor):
        like = a if isinstance(a, Tensor) else b
        a, b = _operand(a, like, "where"), _operand(b, like, "where")
        if not _is_array(condition) or not _namespace(condition).isdtype(condition.dtype, "bool"):
            raise TypeError("where takes a boolean condition (an array or Tensor of bools)")
        if not _broadcast_together(tuple(condition.shape), a.shape, b.shape):
            raise ValueError(
                f"where: the condition's shape {tuple(condition.shape)} and the shapes {a.shape} "
                f"and {b.shape} do not broadcast together (each axis, counted from the right, "
                "must be equal or 1)"
            )
        return _apply(WHERE, (a, b), {"condition": condition})
    like = a if _is_array(a) else b
    xp = _namespace(like)
    a = a if _is_array(a) else xp.asarray(a, dtype=like.dtype)
    b = b if _is_array(b) else xp.asarray(b, dtype=like.dtype)
    return xp.where(condition, a, b)


def _data(x: Operand) -> Array:
    """The array itself: a Tensor's data, or x when it is an array already."""
    return x.data if isinstance(x, Tensor) else x


# ---------------------------------------------------------------------------------------------
# Operations: each one's forward rule and backward rules, side by side.
#
# forward(*arrays, **params) computes the output's array from the inputs' arrays (params are
# the operation's settings, such as ``axis``). Each backward rule, one per input, in order, is
#     rule(g, out, *inputs, **params) -> g · ∂out/∂input,
# the input's share of the output's gradient g, of the input's shape. It is called with arrays
# in an ordinary backward pass, and with Tensors when the gradient must itself be differentiated.
# ---------------------------------------------------------------------------------------------

Rule = Callable[..., Operand]


@dataclass(frozen=True)
class Operation:
    """A primitive operation on Tensors: its forward rule and one backward rule per input.

    An operation taking any number of inputs (``concatenate``) has a single backward rule, which
    receives the input's position as ``position=i``.

    An operation with ``saves=True`` keeps something its forward rule computed on the way, for
    its backward rules (as PyTorch's ``ctx.save_for_backward``): its forward rule returns
    ``(output, saved)``, and its backward rules receive ``saved=`` with the node's settings.
    """

    name: str
    forward: Callable[..., Array]
    backward: tuple[Rule, ...]
    variadic: bool = False
    saves: bool = False

    def __call__(self, *inputs: Operand, **params: Any) -> Tensor:
        """The operation applied to Tensors (numbers and arrays beside them become constants),
        recorded in the graph: ``op(x)``, ``op(x, y, axis=0)``."""
        like = next((x for x in inputs if isinstance(x, Tensor)), None)
        if like is None:
            raise TypeError(f"operation {self.name!r} takes at least one Tensor")
        return _apply(self, tuple(_operand(x, like, self.name) for x in inputs), params)

    def __reduce__(self) -> tuple[object, ...]:
        """Pickled by name (its rules are functions, often lambdas): looked up again on loading."""
        return (_operation_named, (self.name,))


OPERATIONS = OperationTable()  # as engine.py's: MiniGrad's own operations kept
_FIXED_OPERATIONS = OPERATIONS.own
LEAF = Operation("", lambda: None, ())  # what "made" a leaf or a constant: nothing


def _operation_named(name: str) -> Operation:
    return OPERATIONS[name] if name else LEAF


def operation(
    name: str,
    forward: Callable[..., Array],
    *backward: Rule,
    variadic: bool = False,
    saves: bool = False,
    replaceable: bool = True,
) -> Operation:
    """Define a Tensor operation and register it under its name (for drawings and pickle).

    Defining a name again replaces its rules (re-running a notebook cell works), except for
    MiniGrad's own operations, defined with ``replaceable=False``.
    """
    if not isinstance(name, str) or not name:
        raise TypeError(f"an operation's name is a non-empty str, not {name!r:.60}")
    OPERATIONS.refuse_own(name)
    if not callable(forward) or not backward or not all(callable(rule) for rule in backward):
        raise TypeError("an operation needs a callable forward rule and callable backward rules")
    if variadic and len(backward) != 1:
        raise TypeError("an operation on any number of inputs has one backward rule")
    op = Operation(name, forward, tuple(backward), variadic, bool(saves))
    return OPERATIONS.add(op, own=not replaceable)


def _mask(condition: Array, like: Array) -> Array:
    """A boolean array as 1.0 and 0.0, of ``like``'s dtype (masks carry no gradient)."""
    return _namespace(condition).astype(condition, like.dtype)


def _sign(x: Array) -> Array:
    """1, -1 or 0 by the sign of x, and 0 for NaN (as torch.sgn: a NaN passes no gradient)."""
    xp = _namespace(x)
    return xp.where(xp.isnan(x), xp.zeros_like(x), xp.sign(x))


def _only_where(condition: Array, g: Operand) -> Operand:
    """g where ``condition`` holds, 0 elsewhere: g times a mask of 1s and 0s, unless that
    gives a NaN, since ∞·0 is NaN (an infinite g where the input was cut off passes nothing):
    then each element is chosen (``where``: on a mask like relu's, half 1s, NumPy chooses 3 to 10
    times slower than it multiplies, branching on every element). The product's largest number
    tells whether it holds a NaN (``max`` passes a NaN on; on NumPy it takes half a sum's time)."""
    if not isinstance(g, Tensor):  # (a product of finite g is exact, but for the sign of 0)
        product = g * _mask(condition, g)
        if 0 in product.shape or not math.isnan(_namespace(product).max(product)):
            return product
    return where(condition, g, 0.0)


# Elementwise arithmetic. Every binary rule ends in sum_to: the input may have been broadcast.


def _div_b(g: Operand, out: Operand, a: Operand, b: Operand) -> Operand:
    """∂(a/b)/∂b = -a/b² = -out/b."""
    return sum_to(-g * out / b, b.shape)


def _pow_x(g: Operand, out: Operand, x: Operand, y: Operand) -> Operand:
    """∂(xʸ)/∂x = y·x^(y-1); exactly 0 where y = 0, as in PyTorch."""
    return sum_to(where(_data(y) == 0, 0.0, g * (y * x ** (y - 1.0))), x.shape)


def _pow_y(g: Operand, out: Operand, x: Operand, y: Operand) -> Operand:
    """∂(xʸ)/∂y = xʸ·ln x; exactly 0 where x = 0 ≤ y (and -∞ where x = 0 > y), as in PyTorch."""
    zero = (_data(x) == 0) & (_data(y) >= 0)
    return sum_to(g * where(zero, 0.0, out * log(x)), y.shape)


def _matmul_operands(g: Operand, a: Operand, b: Operand) -> tuple[Operand, Operand, Operand]:
    """a, b and g as (stacks of) matrices: a vector a is a row (1, k), a vector b a column (k, 1),
    and g gets back the axis of length 1 that the product dropped."""
    if a.ndim >= 2 and b.ndim >= 2:
        return g, a, b
    shape = tuple(g.shape)
    if b.ndim == 1:
        shape, b = shape + (1,), reshape(b, (b.shape[0], 1))
    if a.ndim == 1:
        shape, a = shape[:-1] + (1,) + shape[-1:], reshape(a, (1, a.shape[0]))
    return reshape(g, shape), a, b


def _matmul_a(g: Operand, out: Operand, a: Operand, b: Operand) -> Operand:
    """∂(a@b)/∂a: g @ bᵀ (summed over broadcast batch axes)."""
    if a.ndim == 2 and b.ndim == 2:  # the common case: two matrices, nothing to undo
        return g @ b.mT
    g2, a2, b2 = _matmul_operands(g, a, b)
    return reshape(sum_to(g2 @ b2.mT, a2.shape), a.shape)


def _matmul_b(g: Operand, out: Operand, a: Operand, b: Operand) -> Operand:
    """∂(a@b)/∂b: aᵀ @ g (summed over broadcast batch axes)."""
    if a.ndim == 2 and b.ndim == 2:
        return a.mT @ g
    g2, a2, b2 = _matmul_operands(g, a, b)
    return reshape(sum_to(a2.mT @ g2, b2.shape), b.shape)


# Reductions. ``_kept`` puts back the reduced axes (as length 1), so g broadcasts against x.


def _kept(y: Operand, x_shape: tuple[int, ...], axis: tuple[int, ...] | None) -> Operand:
    """A reduction's result reshaped as if it had been computed with keepdims=True."""
    shape = tuple(1 if axis is None or i in axis else n for i, n in enumerate(x_shape))
    return reshape(y, shape) if tuple(y.shape) != shape else y


def _sum_forward(x: Array, *, axis: tuple[int, ...] | None, keepdims: bool) -> Array:
    return _as_array(_namespace(x).sum(x, axis=axis, keepdims=keepdims), x)


def _sum_x(g: Operand, out: Operand, x: Operand, *, axis: Axis, keepdims: bool) -> Operand:
    """∂(Σ x)/∂xᵢ = 1: every x gets g (copied back along the summed axes)."""
    return broadcast_to(_kept(g, x.shape, axis), x.shape)


def _mean_forward(x: Array, *, axis: tuple[int, ...] | None, keepdims: bool) -> Array:
    return _as_array(backend._mean(x, axis, keepdims), x)


def _mean_x(g: Operand, out: Operand, x: Operand, *, axis: Axis, keepdims: bool) -> Operand:
    """∂(mean x)/∂xᵢ = 1/n, n the number of values averaged."""
    n = _count(x.shape, axis)
    return broadcast_to(_kept(g, x.shape, axis), x.shape) / n


def _count(shape: tuple[int, ...], axis: tuple[int, ...] | None) -> int:
    """The number of values along ``axis`` (every axis for None): the product of their lengths."""
    return math.prod(n for i, n in enumerate(shape) if axis is None or i in axis)


def _extreme_forward(name: str) -> Callable[..., Array]:
    def forward(x: Array, *, axis: tuple[int, ...] | None, keepdims: bool) -> Array:
        return _as_array(getattr(_namespace(x), name)(x, axis=axis, keepdims=keepdims), x)

    return forward


def _extreme_x(g: Operand, out: Operand, x: Operand, *, axis: Axis, keepdims: bool) -> Operand:
    """∂(max x)/∂xᵢ = 1 at the maximum, 0 elsewhere; ties share g equally (as torch.amax)."""
    at_extreme = _mask(_data(x) == _kept(_data(out), x.shape, axis), _data(x))
    ties = _kept(_sum(at_extreme, axis, keepdims=True), x.shape, axis)
    return broadcast_to(_kept(g, x.shape, axis), x.shape) * (at_extreme / ties)


def _logsumexp_forward(x: Array, *, axis: tuple[int, ...] | None, keepdims: bool) -> Array:
    """ln Σ eˣ = m + ln Σ e^(x - m), m the largest x, so that no e^x overflows (ln 0 = -∞ for a
    sum of no numbers)."""
    xp = _namespace(x)
    if _count(x.shape, axis) == 0:  # nothing to sum, and no largest
        out = xp.log(xp.sum(xp.exp(x), axis=axis, keepdims=True))
        return out if keepdims else _as_array(xp.reshape(out, _reduced_shape(x.shape, axis)), x)
    m = xp.max(x, axis=axis, keepdims=True)
    m = xp.where(xp.isfinite(m), m, xp.zeros_like(m))  # all -inf gives -inf; any +inf gives +inf
    out = xp.log(xp.sum(xp.exp(x - m), axis=axis, keepdims=True)) + m
    return out if keepdims else _as_array(xp.reshape(out, _reduced_shape(x.shape, axis)), x)


def _logsumexp_x(g: Operand, out: Operand, x: Operand, *, axis: Axis, keepdims: bool) -> Operand:
    """∂(ln Σ eˣ)/∂xᵢ = e^(xᵢ - logsumexp) = softmax(x)ᵢ."""
    return _kept(g, x.shape, axis) * exp(x - _kept(out, x.shape, axis))


def _reduced_shape(shape: tuple[int, ...], axis: tuple[int, ...] | None) -> tuple[int, ...]:
    return () if axis is None else tuple(n for i, n in enumerate(shape) if i not in axis)


def _softmax_forward(x: Array, *, axis: int) -> Array:
    """e^(x - m) / Σ e^(x - m), m the largest x: the same ratio, without overflow."""
    xp = _namespace(x)
    if x.shape[axis] == 0:  # no numbers along the axis: no largest one, and nothing to divide
        return xp.exp(x)
    shifted = xp.exp(x - xp.max(x, axis=axis, keepdims=True))
    return shifted / xp.sum(shifted, axis=axis, keepdims=True)


def _softmax_x(g: Operand, out: Operand, x: Operand, *, axis: int) -> Operand:
    """∂softmaxᵢ/∂xⱼ = sᵢ(δᵢⱼ - sⱼ), so x receives s·(g - Σ g·s)."""
    return out * (g - _sum(g * out, (axis,), keepdims=True))


def _log_softmax_forward(x: Array, *, axis: int) -> Array:
    """(x - m) - ln Σ e^(x - m), m the largest x: ln softmax, without overflow."""
    xp = _namespace(x)
    if x.shape[axis] == 0:  # no numbers along the axis: no largest one
        return xp.exp(x)
    shifted = x - xp.max(x, axis=axis, keepdims=True)
    return shifted - xp.log(xp.sum(xp.exp(shifted), axis=axis, keepdims=True))


def _log_softmax_x(g: Operand, out: Operand, x: Operand, *, axis: int) -> Operand:
    """∂(log softmax)ᵢ/∂xⱼ = δᵢⱼ - softmaxⱼ, so x receives g - softmax·Σ g."""
    return g - exp(out) * _sum(g, (axis,), keepdims=True)


# Shapes and indexing: each moves numbers without changing them, so backward moves them back.


def _inverse(axes: tuple[int, ...]) -> tuple[int, ...]:
    inverse = [0] * len(axes)
    for i, axis in enumerate(axes):
        inverse[axis] = i
    return tuple(inverse)


def _index_forward(x: Array, *, index: Any) -> Array:
    return _as_array(_read(x, index), x)


def _index_x(g: Operand, out: Operand, x: Operand, *, index: Any) -> Operand:
    """x[index] passes g back to the places it read (added up where it read one twice)."""
    return _apply_or_array(INDEX_ADD, g, {"index": index, "shape": tuple(x.shape)})


def _index_add_g(g: Operand, out: Operand, x: Operand, *, index: Any, shape: Any) -> Operand:
    """The gradient of adding at ``index`` is reading at ``index``."""
    return g[index]


def _index_put_x(g: Operand, out: Operand, x: Operand, value: Operand, *, index: Any) -> Operand:
    """The old numbers at index were replaced: they get no gradient, the others g."""
    xp = _namespace(_data(g))
    replaced = xp.zeros(tuple(x.shape), dtype=xp.bool)
    replaced[index] = True
    return where(replaced, 0.0, g)


def _index_put_value(
    g: Operand, out: Operand, x: Operand, value: Operand, *, index: Any
) -> Operand:
    """value receives the gradient of the places it filled (summed where it was broadcast)."""
    filled = g[index] if not isinstance(g, Tensor) else _apply(INDEX, (g,), {"index": index})
    if filled.ndim < value.ndim:  # (a value of shape (1, n) may fill places of shape (n,))
        filled = reshape(filled, (1,) * (value.ndim - filled.ndim) + tuple(filled.shape))
    return sum_to(filled, tuple(value.shape))


def _concatenate_forward(*arrays: Array, axis: int) -> Array:
    return _namespace(arrays[0]).concat(arrays, axis=axis)


def _concatenate_x(g: Operand, out: Operand, *xs: Operand, axis: int, position: int) -> Operand:
    """Each input receives its own stretch of g along ``axis``."""
    start = sum(x.shape[axis] for x in xs[:position])
    index = (slice(None),) * axis + (slice(start, start + xs[position].shape[axis]), Ellipsis)
    return g[index]


def _clip_x(g: Operand, out: Operand, x: Operand, *, low: float, high: float) -> Operand:
    """∂clip(x)/∂x = 1 for low ≤ x ≤ high, else 0 (as torch.clamp)."""
    return _only_where((_data(x) >= low) & (_data(x) <= high), g)


def _maximum_a(g: Operand, out: Operand, a: Operand, b: Operand) -> Operand:
    """∂max(a, b)/∂a = 1 where a > b, ½ where a = b (a tie shares g), 0 where a < b; where either
    is NaN, each gets all of g (as torch.maximum)."""
    a_data, b_data = _data(a), _data(b)
    share = where(a_data == b_data, 0.5 * g, _only_where(~(a_data < b_data), g))
    return sum_to(share, a.shape)


# fmt: off
#                        name            forward
#                        backward: one rule per input, g · ∂out/∂input
ADD         = operation("+",             lambda a, b: a + b,
                        lambda g, out, a, b: sum_to(g, a.shape),
                        lambda g, out, a, b: sum_to(g, b.shape))
SUB         = operation("-",             lambda a, b: a - b,
                        lambda g, out, a, b: sum_to(g, a.shape),
                        lambda g, out, a, b: sum_to(-g, b.shape))
MUL         = operation("*",             lambda a, b: a * b,
                        lambda g, out, a, b: sum_to(g * b, a.shape),
                        lambda g, out, a, b: sum_to(g * a, b.shape))
DIV         = operation("/",             lambda a, b: a / b,
                        lambda g, out, a, b: sum_to(g / b, a.shape),
                        _div_b)
POW         = operation("**",            lambda x, y: x ** y,           _pow_x, _pow_y)
NEG         = operation("neg",           lambda x: -x,                  lambda g, out, x: -g)
MATMUL      = operation("@",             lambda a, b: a @ b,            _matmul_a, _matmul_b)
MAXIMUM     = operation("maximum",       lambda a, b: _namespace(a).maximum(a, b),
                        _maximum_a,
                        lambda g, out, a, b: _maximum_a(g, out, b, a))
WHERE       = operation("where",         lambda a, b, *, condition: _namespace(a).where(condition, a, b),  # noqa: E501
                        lambda g, out, a, b, *, condition: sum_to(_only_where(condition, g), a.shape),  # noqa: E501
                        lambda g, out, a, b, *, condition: sum_to(_only_where(~condition, g), b.shape))  # noqa: E501
EXP         = operation("exp",           lambda x: _namespace(x).exp(x), lambda g, out, x: g * out)
LOG         = operation("log",           lambda x: _namespace(x).log(x), lambda g, out, x: g / x)
LOG10       = operation("log10",         lambda x: _namespace(x).log10(x),
                        lambda g, out, x: g / (x * math.log(10.0)))
SQRT        = operation("sqrt",          lambda x: _namespace(x).sqrt(x),
                        lambda g, out, x: g / (2.0 * out))
ABS         = operation("abs",           lambda x: _namespace(x).abs(x),
                        lambda g, out, x: g * _sign(_data(x)))
TANH        = operation("tanh",          lambda x: _namespace(x).tanh(x),
                        lambda g, out, x: g * (1.0 - out * out))
SIGMOID     = operation("sigmoid",       sigmoid,
                        lambda g, out, x: g * out * (1.0 - out))
SOFTPLUS    = operation("softplus",      lambda x: _namespace(x).logaddexp(x, _namespace(x).zeros_like(x)),  # noqa: E501
                        lambda g, out, x: g * sigmoid(x))
RELU        = operation("relu",          lambda x: _namespace(x).maximum(x, _namespace(x).zeros_like(x)),  # noqa: E501
                        lambda g, out, x: _only_where(~(_data(out) <= 0), g))
CLIP        = operation("clip",          lambda x, *, low, high: _namespace(x).clip(x, low, high),
                        _clip_x)
SUM         = operation("sum",           _sum_forward,                  _sum_x)
MEAN        = operation("mean",          _mean_forward,                 _mean_x)
MAX         = operation("max",           _extreme_forward("max"),       _extreme_x)
MIN         = operation("min",           _extreme_forward("min"),       _extreme_x)
LOGSUMEXP   = operation("logsumexp",     _logsumexp_forward,            _logsumexp_x)
SOFTMAX     = operation("softmax",       _softmax_forward,              _softmax_x)
LOG_SOFTMAX = operation("log_softmax",   _log_softmax_forward,          _log_softmax_x)
RESHAPE     = operation("reshape",       lambda x, *, shape: _namespace(x).reshape(x, shape),
                        lambda g, out, x, *, shape: reshape(g, tuple(x.shape)))
TRANSPOSE   = operation("transpose",     lambda x, *, axes: _namespace(x).permute_dims(x, axes),
                        lambda g, out, x, *, axes: permute_dims(g, _inverse(axes)))
BROADCAST_TO = operation("broadcast_to", lambda x, *, shape: _namespace(x).broadcast_to(x, shape),  # noqa: E501
                        lambda g, out, x, *, shape: sum_to(g, tuple(x.shape)))
INDEX       = operation("[]",            _index_forward,                _index_x)
INDEX_ADD   = operation("index_add",     _index_add_forward,            _index_add_g)
INDEX_PUT   = operation("index_put",     _put,                          _index_put_x, _index_put_value)  # noqa: E501
CLONE       = operation("clone",         lambda x: _namespace(x).asarray(x, copy=True),
                        lambda g, out, x: g)
ASTYPE      = operation("astype",        lambda x, *, dtype: _namespace(x).astype(x, dtype),
                        lambda g, out, x, *, dtype: _astype(g, x.dtype))
CONCATENATE = operation("concatenate",   _concatenate_forward,          _concatenate_x,
                        variadic=True)
LINEAR      = operation("linear",        lambda x, w, b: x @ w + b,     # (a layer: see linear)
                        lambda g, out, x, w, b: _matmul_a(g, out, x, w),
                        lambda g, out, x, w, b: _matmul_b(g, out, x, w),
                        lambda g, out, x, w, b: sum_to(g, b.shape))
# fmt: on
OPERATIONS.own.update(OPERATIONS)  # the table above is MiniGrad's own


# ---------------------------------------------------------------------------------------------
# Recording: a node is made from its inputs, linked to them when one of them needs a gradient
# ---------------------------------------------------------------------------------------------


def _apply(op: Operation, inputs: tuple[Tensor, ...], params: dict[str, Any]) -> Tensor:
    """``op`` on ``inputs``: the forward rule on their arrays, recorded in the graph if needed.

    A backend's error (shapes that do not broadcast, an index out of range) comes back as one
    naming the operation and the shapes; nothing has changed by then.
    """
    arrays = [x.data for x in inputs]
    if len(inputs) > 1:
        _check_one_library(op.name, arrays)
    quiet = backend._quiet_on()  # NumPy's warnings off (PyTorch gives none) until the end
    try:  # (a call without ** is quicker; most operations have no settings)
        data = op.forward(*arrays, **params) if params else op.forward(*arrays)
    except (ValueError, TypeError, IndexError, RuntimeError) as error:
        raise _operation_error(op.name, arrays, params, error) from None
    finally:
        backend._quiet_off(quiet)
    if op.saves:
        data, saved = data
        params = {**params, "saved": saved}
    data = data if type(data) in _NAMESPACES else _as_array(data, inputs[0].data)
    if not (_grad_mode.enabled and _any_requires_grad(inputs)):
        return _constant(data)  # nothing to differentiate, so nothing to remember
    out = object.__new__(Tensor)
    out.data = data
    out.grad = None
    out.label = ""
    out._requires_grad = True
    out._retains_grad = False
    out._prev = inputs
    out._operation = op
    out._params = params
    return out


_NO_PARAMS: dict[str, Any] = {}


def _any_requires_grad(inputs: tuple[Tensor, ...]) -> bool:
    for x in inputs:
        if x._requires_grad:
            return True
    return False


def _apply_or_array(op: Operation, x: Operand, params: dict[str, Any]) -> Operand:
    """``op`` on a Tensor (recorded), or its forward rule on an array."""
    if isinstance(x, Tensor):
        return _apply(op, (x,), params)
    out = op.forward(x, **params)
    return out[0] if op.saves else out


def _operand(x: object, like: Tensor, op_name: str) -> Tensor:
    """x as a Tensor, for an operation with ``like``: a number becomes a constant of like's dtype
    (float32 stays float32), an array a constant Tensor."""
    if isinstance(x, Tensor):
        return x
    if isinstance(x, Value):
        raise TypeError(
            f"{op_name}: cannot mix a Tensor with a Value; use Tensors throughout "
            "(Tensor(value.data) makes a Tensor of a Value's number)"
        )
    if isinstance(x, numbers.Real):
        xp = _namespace(like.data)
        if _is_float(like.data.dtype, xp):
            dtype = like.data.dtype
        else:  # an integer or boolean tensor: a float makes float32 (PyTorch's default dtype)
            dtype = None if isinstance(x, numbers.Integral) else xp.float32
        device = array_api_compat.device(like.data)
        return _constant(xp.asarray(x, dtype=dtype, device=device))
    if _is_array(x):
        return _constant(x)
    raise TypeError(f"{op_name} takes Tensors, arrays and numbers, not {type(x).__name__}")


def _constant(array: Array) -> Tensor:
    out = object.__new__(Tensor)
    out.data = _as_array(array, array) if type(array) not in _NAMESPACES else array
    out.grad = None
    out.label = ""
    out._requires_grad = False
    out._retains_grad = False
    out._prev = ()
    out._operation = LEAF
    out._params = _NO_PARAMS
    return out


def _binary(op: Operation, a: object, b: object) -> Tensor:
    """op(a, b) for the operators, a number or an array on either side becoming a constant."""
    like = a if isinstance(a, Tensor) else b
    if type(a) is not Tensor:
        a = _operand(a, like, op.name)
    if type(b) is not Tensor:
        b = _operand(b, like, op.name)
    if op is MATMUL and a.data.dtype != b.data.dtype:
        raise _mixed_dtypes_error("@", a, b)
    if a.data.dtype is not b.data.dtype and a.data.dtype != b.data.dtype:
        _check_one_library(op.name, [a.data, b.data])
        a, b = _promoted(a, b)
    if op is DIV and not _is_float(a.data.dtype, _namespace(a.data)):
        a, b = a.float(), b.float()  # integers divide into float32, as in PyTorch
    return _apply(op, (a, b), _NO_PARAMS)


# ---------------------------------------------------------------------------------------------
# Tensor
# ---------------------------------------------------------------------------------------------


class Tensor(PyTorchMethods):
    """An n-dimensional array of a computation, with the gradient of an output with respect to it.

    ``data`` is the array, ``grad`` ∂output/∂self after ``output.backward()`` (an array of the same
    shape, None before; kept by leaves, and by an inner node only after ``retain_grad()``, as in
    PyTorch), ``_prev`` the inputs it was computed from and ``_op`` the operation.

    Numbers and lists become float32 arrays (``dtype='float64'`` for double precision); an array
    keeps its library and dtype, and is held, not copied (as ``torch.from_numpy``; given a
    ``dtype``, a copy is): an optimizer's step changes it in place.

    Examples:
        >>> x = Tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
        >>> y = (x * x).sum()
        >>> y.backward()
        >>> x.grad.tolist()
        [[2.0, 4.0], [6.0, 8.0]]
    """

    __slots__ = (
        "data", "grad", "label", "_requires_grad", "_retains_grad", "_prev", "_operation",
        "_params", "__weakref__",
    )  # fmt: skip
    __array_ufunc__ = None  # NumPy arrays leave ``array * tensor`` to Tensor.__rmul__
    __array_priority__ = 1000
    _op_named = staticmethod(_operation_named)  # (for the methods in tensor_pytorch.py)

    def __init__(
        self, data: object, requires_grad: bool = False, dtype: Any = None, label: str = ""
    ) -> None:
        if not isinstance(label, str):
            raise TypeError(f"a Tensor's label is a str, not {type(label).__name__}")
        self.data = _to_array(data, dtype)
        self.grad: Array | None = None
        self.label = label
        self._retains_grad = False  # True once retain_grad() asks backward to keep its gradient
        self._prev: tuple[Tensor, ...] = ()
        self._operation: Operation = LEAF
        self._params: dict[str, Any] = _NO_PARAMS
        self.requires_grad = requires_grad  # (checked by the setter below)

    @property
    def _op(self) -> str:
        """The name of the operation that made this Tensor ('' for a leaf or a constant)."""
        return self._operation.name

    @property
    def requires_grad(self) -> bool:
        """Whether backward computes ∂output/∂self: set on a leaf (a parameter), and on every
        result computed from one."""
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, requires_grad: bool) -> None:
        if not isinstance(requires_grad, bool):
            raise TypeError(f"requires_grad is True or False, not {requires_grad!r:.60}")
        if self._prev:
            raise ValueError(
                "requires_grad can be changed only on a leaf (a tensor made by you, not computed "
                "from others); use .detach() for a constant copy of a computed tensor"
            )
        if requires_grad:
            _check_differentiable(self.data)
        self._requires_grad = requires_grad

    # What it holds

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self.data.shape)

    @property
    def dtype(self) -> Any:
        return self.data.dtype

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def size(self) -> int:
        return _count(self.shape, None)

    def detach(self) -> Tensor:
        """The same array as a new constant: no graph, no gradient."""
        return _constant(self.data)

    # Tensors are hashed by identity, so they work as dict keys and in sets (two Tensors holding
    # equal numbers are two keys), while == and != compare elementwise, as in PyTorch and NumPy.
    __hash__ = object.__hash__

    # Arithmetic: NumPy broadcasting forward, sum_to backward

    def __add__(self, other: Operand) -> Tensor:
        """f(a, b) = a + b;  ∂f/∂a = 1, ∂f/∂b = 1"""
        return _binary(ADD, self, other)

    def __radd__(self, other: Operand) -> Tensor:
        return _binary(ADD, other, self)

    def __sub__(self, other: Operand) -> Tensor:
        """f(a, b) = a - b;  ∂f/∂a = 1, ∂f/∂b = -1"""
        return _binary(SUB, self, other)

    def __rsub__(self, other: Operand) -> Tensor:
        return _binary(SUB, other, self)

    def __mul__(self, other: Operand) -> Tensor:
        """f(a, b) = a·b;  ∂f/∂a = b, ∂f/∂b = a"""
        return _binary(MUL, self, other)

    def __rmul__(self, other: Operand) -> Tensor:
        return _binary(MUL, other, self)

    def __truediv__(self, other: Operand) -> Tensor:
        """f(a, b) = a / b;  ∂f/∂a = 1/b, ∂f/∂b = -a/b²"""
        return _binary(DIV, self, other)

    def __rtruediv__(self, other: Operand) -> Tensor:
        return _binary(DIV, other, self)

    def __pow__(self, other: Operand) -> Tensor:
        """f(x, y) = xʸ;  ∂f/∂x = y·x^(y-1), ∂f/∂y = xʸ·ln x"""
        return _binary(POW, self, other)

    def __rpow__(self, other: Operand) -> Tensor:
        return _binary(POW, other, self)

    def __neg__(self) -> Tensor:
        """f(x) = -x;  f' = -1"""
        return _apply(NEG, (self,), _NO_PARAMS)

    def __pos__(self) -> Tensor:
        return self

    def __matmul__(self, other: Operand) -> Tensor:
        """f(a, b) = a @ b (vectors, matrices, stacks of them);  ∂f/∂a = g @ bᵀ, ∂f/∂b = aᵀ @ g"""
        return _binary(MATMUL, self, other)

    def __rmatmul__(self, other: Operand) -> Tensor:
        return _binary(MATMUL, other, self)

    def __abs__(self) -> Tensor:
        return self.abs()

    # Comparisons give boolean constants (no gradient), elementwise.

    def __lt__(self, other: Operand) -> Tensor:
        return _constant(self.data < _data(_operand(other, self, "<")))

    def __le__(self, other: Operand) -> Tensor:
        return _constant(self.data <= _data(_operand(other, self, "<=")))

    def __gt__(self, other: Operand) -> Tensor:
        return _constant(self.data > _data(_operand(other, self, ">")))

    def __ge__(self, other: Operand) -> Tensor:
        return _constant(self.data >= _data(_operand(other, self, ">=")))

    # Elementwise functions

    def exp(self) -> Tensor:
        """f(x) = eˣ;  f' = eˣ"""
        return _apply(EXP, (self,), _NO_PARAMS)

    def log(self) -> Tensor:
        """f(x) = ln x;  f' = 1/x"""
        return _apply(LOG, (self,), _NO_PARAMS)

    def sqrt(self) -> Tensor:
        """f(x) = √x;  f' = 1/(2√x)"""
        return _apply(SQRT, (self,), _NO_PARAMS)

    def abs(self) -> Tensor:
        """f(x) = |x|;  f' = sign(x), 0 at 0"""
        return _apply(ABS, (self,), _NO_PARAMS)

    def tanh(self) -> Tensor:
        """f(x) = tanh x;  f' = 1 - tanh²x"""
        return _apply(TANH, (self,), _NO_PARAMS)

    def sigmoid(self) -> Tensor:
        """f(x) = 1/(1 + e⁻ˣ);  f' = f·(1 - f)"""
        return _apply(SIGMOID, (self,), _NO_PARAMS)

    def softplus(self) -> Tensor:
        """f(x) = ln(1 + eˣ), without overflow;  f' = σ(x)"""
        return _apply(SOFTPLUS, (self,), _NO_PARAMS)

    def relu(self) -> Tensor:
        """f(x) = max(0, x);  f' = 1 if x > 0 else 0"""
        return _apply(RELU, (self,), _NO_PARAMS)

    def clip(self, low: float, high: float) -> Tensor:
        """f(x) = min(max(x, low), high);  f' = 1 for low ≤ x ≤ high, else 0"""
        for bound in (low, high):
            if isinstance(bound, bool) or not isinstance(bound, numbers.Real):
                raise TypeError(f"clip takes number bounds, not {bound!r:.60}")
        if low > high:
            raise ValueError(f"clip: low ({low}) is above high ({high})")
        return _apply(CLIP, (self,), {"low": float(low), "high": float(high)})

    # Reductions: over every axis (dim=None), one axis or a tuple of axes. ``dim``/``keepdim``
    # are PyTorch's names, ``axis``/``keepdims`` NumPy's: either works.

    def _reduce(
        self, op: Operation, axis: Axis, keepdims: bool, names: dict[str, Any] = _NO_PARAMS
    ) -> Tensor:  # fmt: skip
        if names:  # (NumPy's names for dim and keepdim: axis and keepdims)
            axis, keepdims = _dim_names(axis, keepdims, names, op.name)
        axes = _axes(axis, self.ndim, op.name)
        if op in (MAX, MIN) and _count(self.shape, axes) == 0:
            over = "" if axes is None else f" along axis {axis}"
            raise ValueError(
                f"{op.name}{over} of a tensor of shape {self.shape} takes the {op.name} of no "
                "numbers, which is undefined"
            )
        return _apply(op, (self,), {"axis": axes, "keepdims": bool(keepdims)})

    def sum(self, dim: Axis = None, keepdim: bool = False, **names: Any) -> Tensor:
        """f(x) = Σ xᵢ;  ∂f/∂xᵢ = 1"""
        return self._reduce(SUM, dim, keepdim, names)

    def mean(self, dim: Axis = None, keepdim: bool = False, **names: Any) -> Tensor:
        """f(x) = Σ xᵢ / n;  ∂f/∂xᵢ = 1/n"""
        if not _is_float(self.data.dtype, _namespace(self.data)):
            raise TypeError(
                f"mean of a tensor of dtype {_dtype_name(self.dtype)}: make it floating-point "
                "first (.float()), as in PyTorch"
            )
        return self._reduce(MEAN, dim, keepdim, names)

    def amax(self, dim: Axis = None, keepdim: bool = False, **names: Any) -> Tensor:
        """f(x) = max xᵢ (over every axis, one or several);  ∂f/∂xᵢ = 1 at the maximum (ties
        share it), else 0"""
        return self._reduce(MAX, dim, keepdim, names)

    def amin(self, dim: Axis = None, keepdim: bool = False, **names: Any) -> Tensor:
        """f(x) = min xᵢ;  ∂f/∂xᵢ = 1 at the minimum (ties share it), else 0"""
        return self._reduce(MIN, dim, keepdim, names)

    def logsumexp(self, dim: Axis = None, keepdim: bool = False, **names: Any) -> Tensor:
        """f(x) = ln Σ e^xᵢ, computed without overflow;  ∂f/∂xᵢ = softmax(x)ᵢ"""
        return self._reduce(LOGSUMEXP, dim, keepdim, names)

    def softmax(self, dim: int = -1, *, axis: int | None = None) -> Tensor:
        """f(x)ᵢ = e^xᵢ / Σ e^xⱼ along ``dim``;  ∂fᵢ/∂xⱼ = fᵢ(δᵢⱼ - fⱼ)"""
        (dim,) = _axes(dim if axis is None else axis, self.ndim, "softmax") or (0,)
        return _apply(SOFTMAX, (self,), {"axis": dim})

    def log_softmax(self, dim: int = -1, *, axis: int | None = None) -> Tensor:
        """f(x)ᵢ = xᵢ - ln Σ e^xⱼ along ``dim``;  ∂fᵢ/∂xⱼ = δᵢⱼ - softmax(x)ⱼ"""
        (dim,) = _axes(dim if axis is None else axis, self.ndim, "log_softmax") or (0,)
        return _apply(LOG_SOFTMAX, (self,), {"axis": dim})

    # Truth over elements (boolean results, no gradient)

    # Shapes

    def reshape(self, *shape: int | tuple[int, ...]) -> Tensor:
        """The same numbers in another shape (one axis may be -1: as long as it takes)."""
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        if not all(isinstance(n, int) and not isinstance(n, bool) for n in shape):
            raise TypeError(f"reshape takes ints, not {shape!r:.60}")
        known = _count(tuple(n for n in shape if n != -1), None)
        if shape.count(-1) > 1 or any(n < -1 for n in shape) or (
            known != self.size if -1 not in shape else known == 0 or self.size % known
        ):
            raise ValueError(f"reshape: a tensor of shape {self.shape} cannot become {shape}")
        if tuple(shape) == self.shape:
            return self if not self.requires_grad else _apply(RESHAPE, (self,), {"shape": shape})
        return _apply(RESHAPE, (self,), {"shape": tuple(shape)})

    @property
    def T(self) -> Tensor:
        """The axes reversed (a matrix transposed)."""
        return _apply(TRANSPOSE, (self,), {"axes": tuple(reversed(range(self.ndim)))})

    def __getitem__(self, index: Any) -> Tensor:
        """Reading x[index] (ints, slices, None, ..., integer arrays such as the rows and the
        class of each sample, boolean masks); backward adds g back at the places read."""
        index = _checked_index(_index_parts(index), self.data)
        return _apply(INDEX, (self,), {"index": index})

    # In-place arithmetic (x += y...): x takes the result's numbers (cast to x's dtype). A
    # gradient-recording one makes the result a new tensor, which the name then holds.

    # Backpropagation

    def backward(self, gradient: Operand | None = None) -> None:
        """Add ∂self/∂leaf to the grad of every leaf that requires one.

        On a one-element tensor (a loss) the gradient starts at 1; on any other, pass
        ``gradient``, of self's shape: backward then computes gradient · ∂self/∂leaf. Leaves
        accumulate across calls, as in PyTorch: reset them (``p.grad = None``) between steps.
        An inner node (computed from others) passes its gradient on to its inputs and then drops
        it, as in PyTorch: its ``.grad`` is None afterwards, unless ``retain_grad()`` asked for it
        (then it accumulates across calls too).
        """
        seed = self._seed(gradient, "backward()")
        order, inner = _walk(self)
        kept = [(node, node.grad) for node in inner if node._retains_grad and node.grad is not None]
        for node in inner:
            node.grad = None  # each gets this pass's gradient alone, to pass on to its inputs
        self.grad = seed if self.grad is None else self.grad + seed
        _backpropagate(inner, create_graph=False, keep_inner_grads=False)
        for node, earlier in kept:  # a retained gradient adds up across calls, as a leaf's does
            node.grad = earlier if node.grad is None else earlier + node.grad

    def _backward(self) -> None:
        """One node's chain-rule step: add self.grad · ∂self/∂input to each input's grad.

        ``backward()`` calls this for every node, output first; called by hand, node by node in
        that order, it does what backward does (the micrograd lecture's way).
        """
        if not self._prev:
            return  # a leaf: nothing to pass back
        if self.grad is None:
            raise ValueError(
                f"{self!r} has no gradient yet: set its grad (an array of its shape) or run "
                "backward() from an output that depends on it"
            )
        _backpropagate([self], create_graph=False)

    def _seed(self, gradient: Operand | None, what: str) -> Array:
        """The output's starting gradient, after checking it fits."""
        if not self.requires_grad:
            raise ValueError(
                f"{what}: {self!r} does not require a gradient: no input of it was made with "
                "requires_grad=True (or it was computed under no_grad())"
            )
        xp = _namespace(self.data)
        if gradient is None:
            if self.data.ndim != 0 and self.size != 1:
                raise ValueError(
                    f"{what} on a tensor of shape {self.shape} needs a gradient of that shape "
                    "(∂something/∂self); with none, it starts only from a one-element tensor"
                )
            # (a loss's 1 made by asarray: ones_like takes 2 µs more)
            return xp.ones_like(self.data) if self.data.ndim else xp.asarray(1.0, dtype=self.dtype)
        if isinstance(gradient, Tensor):
            gradient = gradient.data
        if not _is_array(gradient):
            gradient = _to_array(gradient, self.dtype)
        if tuple(gradient.shape) != self.shape:
            raise ValueError(
                f"{what}: the gradient has shape {tuple(gradient.shape)}, but the tensor "
                f"has shape {self.shape}"
            )
        _check_differentiable(gradient)
        return gradient


def _to_array(data: object, dtype: Any) -> Array:
    """``data`` as an array (see backend._to_array), after refusing Tensors and Values."""
    if isinstance(data, Tensor):
        raise TypeError("Tensor(tensor): the data is a Tensor already (use tensor.detach())")
    if isinstance(data, Value) or _contains_value(data):
        raise TypeError("cannot mix a Tensor with a Value: make a Tensor from numbers (.data)")
    return backend._to_array(data, dtype)


def _contains_value(data: object) -> bool:
    if isinstance(data, (list, tuple)):
        return any(isinstance(item, Value) or _contains_value(item) for item in data)
    return False


# Functions of several tensors


def concatenate(tensors: Sequence[Tensor], axis: int = 0) -> Tensor:
    """Tensors joined along an existing ``axis``; each gets back its own stretch of the gradient."""
    tensors = _tensor_list(tensors, "concatenate")
    (axis,) = _axes(axis, tensors[0].ndim, "concatenate") or (0,)
    for t in tensors[1:]:
        if t.ndim != tensors[0].ndim or any(
            n != m for i, (n, m) in enumerate(zip(t.shape, tensors[0].shape)) if i != axis
        ):
            raise ValueError(
                f"concatenate along axis {axis}: shapes {tensors[0].shape} and {t.shape} differ "
                "in another axis"
            )
    return _apply(CONCATENATE, tuple(tensors), {"axis": axis})


def stack(tensors: Sequence[Tensor], axis: int = 0) -> Tensor:
    """Tensors of one shape stacked along a new ``axis``: each gains that axis, then they join."""
    tensors = _tensor_list(tensors, "stack")
    shape = tensors[0].shape
    for t in tensors[1:]:
        if t.shape != shape:
            raise ValueError(f"stack: shapes {shape} and {t.shape} differ; they must be equal")
    (axis,) = _axes(axis, len(shape) + 1, "stack") or (0,)
    new_shape = shape[:axis] + (1,) + shape[axis:]
    return concatenate([t.reshape(new_shape) for t in tensors], axis)


def _tensor_list(tensors: object, what: str) -> list[Tensor]:
    if isinstance(tensors, Tensor) or not isinstance(tensors, (list, tuple)) or not tensors:
        raise TypeError(f"{what} takes a non-empty list of Tensors")
    if not all(isinstance(t, Tensor) for t in tensors):
        raise TypeError(f"{what} takes Tensors only (make arrays Tensors first)")
    return list(tensors)


def linear(x: Tensor, weight: Tensor, bias: Tensor) -> Tensor:
    """f(x, W, b) = x @ W + b as one operation, a layer's neurons for a batch of rows x (as
    PyTorch's ``F.linear``, whose weight is Wᵀ);  ∂f/∂x = g @ Wᵀ, ∂f/∂W = xᵀ @ g, ∂f/∂b = Σ g
    over the batch."""
    if not (isinstance(x, Tensor) and isinstance(weight, Tensor) and isinstance(bias, Tensor)):
        raise TypeError("linear takes three Tensors: x, W and b")
    if not x.data.dtype == weight.data.dtype == bias.data.dtype:
        raise _mixed_dtypes_error("linear", x, weight)
    nin_nout = weight.data.shape
    if len(nin_nout) != 2 or bias.data.shape != nin_nout[1:] or x.data.shape[-1:] != nin_nout[:1]:
        raise ValueError(
            f"linear: x {x.shape} @ W {weight.shape} + b {bias.shape} do not fit: W is "
            "(nin, nout), x has nin numbers in its last axis and b has nout"
        )
    return _apply(LINEAR, (x, weight, bias), _NO_PARAMS)


def maximum(a: Operand, b: Operand) -> Tensor:
    """f(a, b) = max(a, b) elementwise;  ∂f/∂a = 1 where a > b, ½ where a = b, else 0"""
    if not isinstance(a, Tensor) and not isinstance(b, Tensor):
        raise TypeError("maximum takes at least one Tensor")
    return _binary(MAXIMUM, a, b)


# ---------------------------------------------------------------------------------------------
# The backward walk: engine.py's own (``_walk``, ``topological_order``), which orders Tensors
# as it orders Values; then the chain rule at each node, output first.
# ---------------------------------------------------------------------------------------------


def _backpropagate(inner: list[Tensor], create_graph: bool, keep_inner_grads: bool = True) -> None:
    """Visit the nodes with inputs, output first, and push each one's gradient to those of its
    inputs that require one (the chain rule).

    Without ``keep_inner_grads`` a node's gradient is dropped once it has been passed on (all of
    the node's uses come before it, output first, so it was complete), unless the node
    ``retains_grad``: a training step then holds one gradient per leaf and the few in flight,
    not one per node.
    """
    with _quiet_floats():
        _chain_rule(inner, create_graph, keep_inner_grads)


def _chain_rule(inner: list[Tensor], create_graph: bool, keep_inner_grads: bool) -> None:
    for node in reversed(inner):
        g = node.grad
        if g is None:
            continue  # no gradient reached it (it was reset and is not on a path to the output)
        if not keep_inner_grads and not node._retains_grad:
            node.grad = None  # passed on below, and needed no more
        op = node._operation
        rules, params, inputs = op.backward, node._params, node._prev
        if create_graph:
            out, args = node, inputs
        else:
            out, args = node.data, [x.data for x in inputs]
        for i, x in enumerate(inputs):
            if not x._requires_grad:
                continue
            if op.variadic:
                dx = rules[0](g, out, *args, position=i, **params)
            else:  # (a call without ** is quicker; most operations have no settings)
                dx = rules[i](g, out, *args, **params) if params else rules[i](g, out, *args)
            if dx.shape != x.data.shape:
                raise _shape_error(op, i, dx, x)
            if not create_graph:
                if dx.dtype != x.data.dtype:  # a float64 g leaves a float32 input float32
                    dx = _namespace(x.data).astype(dx, x.data.dtype)
                elif x.grad is None and not x._prev:
                    dx = _own_array(dx, g)
            if x.grad is not None:
                dx = x.grad + dx
            if not create_graph and type(dx) not in _NAMESPACES:
                dx = _as_array(dx, x.data)  # NumPy makes a 0-d array's arithmetic a scalar
            x.grad = dx


def _shape_error(op: Operation, i: int, dx: Operand, x: Tensor) -> ValueError:
    return ValueError(
        f"the backward rule of operation {op.name!r} gave input {i} a gradient of shape "
        f"{tuple(dx.shape)}, but the input has shape {tuple(x.data.shape)}"
    )


def grad(
    output: Tensor, inputs: Tensor | Sequence[Tensor], create_graph: bool = False
) -> tuple[Operand, ...]:
    """∂output/∂x for each x in inputs (zeros where output does not depend on x); no .grad changes.

    ``output`` has one element. With ``create_graph=True`` each gradient is a Tensor in a new
    graph, so it can be differentiated again.
    """
    if isinstance(inputs, Tensor):
        inputs = (inputs,)
    if not isinstance(output, Tensor):
        raise TypeError(f"grad() differentiates a Tensor, not {type(output).__name__}")
    for x in inputs:
        if not isinstance(x, Tensor):
            raise TypeError(
                f"grad() differentiates with respect to Tensors, not {type(x).__name__}"
            )
    if output.size != 1:
        raise ValueError(f"grad() differentiates a one-element tensor, not shape {output.shape}")
    order, inner = _walk(output)
    saved = [node.grad for node in order]
    try:
        for node in order:
            node.grad = None
        if output.requires_grad:
            seed = _namespace(output.data).ones_like(output.data)
            if create_graph:
                output.grad = _constant(seed)
                with _grad_mode_set(True):
                    _backpropagate(inner, create_graph=True)
            else:
                output.grad = seed
                _backpropagate(inner, create_graph=False)
        grads = []
        for x in inputs:
            g = x.grad
            if g is None:
                g = _namespace(x.data).zeros_like(x.data)
            if create_graph and not isinstance(g, Tensor):
                g = _constant(g)
            grads.append(g)
    finally:
        for node, saved_grad in zip(order, saved):
            node.grad = saved_grad
    return tuple(grads)
