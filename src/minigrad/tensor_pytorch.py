"""What a PyTorch user expects of a Tensor beyond the engine: PyTorch's methods and names.

The lectures written with PyTorch use a tensor's numbers as Python numbers (``item``, ``int``,
f-strings), cast them (``float()``, ``long()``, ``to``), change them (``x[i] = v``, ``x += 1``),
read them in PyTorch's shapes (``view``, ``squeeze``, ``permute``, ``transpose(d0, d1)``) and
summarise them (``var``, ``std``, ``argmax``, ``max(dim)`` as ``(values, indices)``). These
methods live here, in a class ``Tensor`` inherits from, so tensor.py keeps to the engine: each
one is written with the Tensor's own operations (found by name, ``self._op_named``), so its
gradient comes from theirs, and this module imports nothing of tensor.py.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterator
from typing import Any, NamedTuple, Self

import array_api_compat
import numpy

from minigrad.backend import (
    _DTYPE_NAMES,
    Axis,
    _as_array,
    _axes,
    _check_differentiable,
    _checked_index,
    _dtype,
    _dtype_name,
    _is_array,
    _is_float,
    _namespace,
    _operation_error,
    _put,
)
from minigrad.engine import _grad_mode, _walk


def _index_parts(index: Any) -> tuple[Any, ...]:
    """An index's parts, a Tensor among them as its array."""
    parts = index if isinstance(index, tuple) else (index,)
    return tuple(part.data if isinstance(part, PyTorchMethods) else part for part in parts)


def _dim_names(
    dim: Any, keepdim: bool, names: dict[str, Any], what: str
) -> tuple[Any, bool]:  # fmt: skip
    """dim and keepdim from NumPy's names for them, ``axis=`` and ``keepdims=``, also accepted."""
    unknown = set(names) - {"axis", "keepdims"}
    if unknown:
        raise TypeError(f"{what}() got an unexpected keyword argument {sorted(unknown)[0]!r}")
    if "axis" in names:
        if dim is not None:
            raise TypeError(f"{what}: give dim or axis (the same thing), not both")
        dim = names["axis"]
    if "keepdims" in names:
        keepdim = names["keepdims"]
    return dim, keepdim


class ValuesIndices(NamedTuple):
    """What ``x.max(dim)`` and ``x.min(dim)`` return, as PyTorch: the extreme numbers along the
    axis and their places in it (int64), a pair that unpacks: ``values, indices = x.max(1)``."""

    values: Any  # (a Tensor)
    indices: Any


def _computed_from(value: Any, x: Any, old: Any) -> Any:
    """value, whose graph reads ``old`` wherever it read x: x is about to take new numbers
    (``x[i] = x[i] - 1`` computes the value from x's old numbers)."""
    if value is x:
        return old
    if value.requires_grad:
        for node in _walk(value)[1]:
            if any(input is x for input in node._prev):
                node._prev = tuple(old if input is x else input for input in node._prev)
    return value


def _astype(x: Any, dtype: Any) -> Any:
    """x's numbers as ``dtype``: a Tensor operation on a Tensor, the backend's on an array."""
    if isinstance(x, PyTorchMethods):
        return x._cast(dtype)
    return _namespace(x).astype(x, dtype)


def _can_compare(other: object) -> bool:
    """Whether == and != compare elementwise with ``other`` (else Python's identity decides)."""
    return isinstance(other, (PyTorchMethods, numbers.Real)) or _is_array(other)


def _promoted(a: Any, b: Any) -> tuple[Any, Any]:
    """a and b of one dtype where one is floating and the other not: the integers (or bools)
    become the float's dtype, as in PyTorch (NumPy would make int64 with float32 float64)."""
    xp = _namespace(a.data)
    a_float, b_float = _is_float(a.data.dtype, xp), _is_float(b.data.dtype, xp)
    if a_float and not b_float:
        b = type(b)(xp.astype(b.data, a.data.dtype))
    elif b_float and not a_float:
        a = type(a)(xp.astype(a.data, b.data.dtype))
    return a, b


class PyTorchMethods:
    """PyTorch's methods of a Tensor (``Tensor`` inherits them): numbers, casts, item assignment
    and in-place arithmetic, PyTorch's shapes and summaries."""

    __slots__ = ()

    def __repr__(self) -> str:
        label = f", label={self.label!r}" if self.label else ""
        grad = ", requires_grad=True" if self.requires_grad else ""
        if self.size <= 8:
            return f"Tensor({self.tolist()}, dtype={_dtype_name(self.dtype)}{grad}{label})"
        return f"Tensor(shape={self.shape}, dtype={_dtype_name(self.dtype)}{grad}{label})"

    # == and != compare elementwise, as in PyTorch and NumPy (Tensor keeps hashing by identity)

    def __eq__(self, other: object) -> Any:  # type: ignore[override]
        if not _can_compare(other):
            return NotImplemented
        return type(self)(self.data == (other.data if isinstance(other, PyTorchMethods) else other))

    def __ne__(self, other: object) -> Any:  # type: ignore[override]
        if not _can_compare(other):
            return NotImplemented
        return type(self)(self.data != (other.data if isinstance(other, PyTorchMethods) else other))

    def item(self) -> float | int | bool:
        """The one number of a one-element tensor, as a Python float (int, bool for integer and
        boolean tensors)."""
        if self.data.ndim == 0:
            number = self.data
        elif self.size != 1:
            raise ValueError(f"item() needs a tensor of one element, not of shape {self.shape}")
        else:
            number = _namespace(self.data).reshape(self.data, ())
        xp = _namespace(self.data)
        if _is_float(self.data.dtype, xp):
            return float(number)
        return bool(number) if xp.isdtype(self.data.dtype, "bool") else int(number)

    def numel(self) -> int:
        """The number of elements (PyTorch's name for ``size``)."""
        return self.size

    nelement = numel

    def dim(self) -> int:
        """The number of axes (PyTorch's method for ``ndim``)."""
        return self.ndim

    def requires_grad_(self, requires_grad: bool = True) -> Self:
        """Make this leaf require a gradient (or not), and return it, as PyTorch's."""
        if not isinstance(requires_grad, bool):
            raise TypeError(f"requires_grad is True or False, not {requires_grad!r:.60}")
        if self._prev:
            raise ValueError(
                "requires_grad_() changes a leaf (a tensor made from numbers), not a tensor "
                "computed from others: use .detach() first"
            )
        if requires_grad:
            _check_differentiable(self.data)
        self.requires_grad = requires_grad
        return self

    def retain_grad(self) -> None:
        """Keep this tensor's gradient after backward, though it is no leaf (as PyTorch's):
        backward otherwise drops an inner tensor's gradient once it has passed it on to the
        tensor's inputs, so a training step holds no more arrays than it needs. On a leaf it does
        nothing: a leaf keeps its gradient anyway."""
        if not self.requires_grad:
            raise ValueError(
                f"retain_grad() on {self!r}, which does not require a gradient, so backward "
                "never reaches it"
            )
        if self._prev:
            self._retains_grad = True

    @property
    def retains_grad(self) -> bool:
        """Whether backward keeps this inner tensor's gradient (``retain_grad()`` was called)."""
        return self._retains_grad

    @property
    def is_leaf(self) -> bool:
        """True for a tensor made by hand (or under no_grad), not computed from one that requires
        a gradient: only leaves keep ``.grad`` after backward, as in PyTorch."""
        return not self._prev

    def to(self, *args: Any, dtype: Any = None, device: Any = None) -> Self:
        """The tensor as ``dtype`` (``x.to(torch.float64)``); the device can only be the CPU."""
        for arg in args:
            if isinstance(arg, str) and arg not in _DTYPE_NAMES:
                device = arg
            elif isinstance(arg, PyTorchMethods):
                dtype = arg.dtype
            else:
                dtype = arg
        if device is not None and str(device) != "cpu":
            raise ValueError(f"MiniGrad's tensors live on the CPU, not on {device!r}")
        return self if dtype is None else self._cast(dtype)

    def float(self) -> Self:
        """The numbers as float32."""
        return self._cast("float32")

    def double(self) -> Self:
        """The numbers as float64."""
        return self._cast("float64")

    def long(self) -> Self:
        """The numbers as int64 (a float is cut towards zero); no gradient."""
        return self._cast("int64")

    def int(self) -> Self:
        """The numbers as int32 (a float is cut towards zero); no gradient."""
        return self._cast("int32")

    def bool(self) -> Self:
        """Whether each number is non-zero."""
        return self._cast("bool")

    def type(self, dtype: Any = None) -> Any:
        """``x.type(dtype)`` casts; ``x.type()`` names the dtype."""
        return _dtype_name(self.dtype) if dtype is None else self._cast(dtype)

    def __len__(self) -> int:
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.shape[0]

    def __bool__(self) -> bool:
        if self.size != 1:
            raise ValueError(f"the truth of a tensor of shape {self.shape} is ambiguous")
        return bool(self.item())

    def __float__(self) -> float:
        return float(self._one_number("float()"))

    def __int__(self) -> int:
        return int(self._one_number("int()"))

    def __index__(self) -> int:
        """A one-element integer tensor as an index (``itos[ix]``, ``range(t)``)."""
        xp = _namespace(self.data)
        if not xp.isdtype(self.data.dtype, "integral"):
            raise TypeError(f"only an integer tensor is an index, not one of dtype {self.dtype}")
        return int(self._one_number("an index"))

    def _one_number(self, what: str) -> float | int | bool:
        if self.size != 1:
            raise TypeError(f"{what} takes a tensor of one element, not of shape {self.shape}")
        return self.item()

    def __format__(self, spec: str) -> str:
        """f"{loss:.4f}" formats a one-element tensor's number; a bigger one only as its repr."""
        if not spec:
            return repr(self)
        if self.size != 1:
            raise TypeError(f"format spec {spec!r} needs a one-element tensor, not {self.shape}")
        return format(self.item(), spec)

    def __iter__(self) -> Iterator[Self]:
        """The tensor's rows (its sub-tensors along the first axis), one by one."""
        for i in range(len(self)):
            yield self[i]

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> numpy.ndarray:
        """The data as a NumPy array, for NumPy and matplotlib (``plt.plot(t)``)."""
        array = self.numpy()
        if dtype is not None:
            array = array.astype(dtype, copy=False)
        return array.copy() if copy else array

    def numpy(self) -> Any:
        """The data as a NumPy array (a copy when the backend is not NumPy)."""
        return numpy.asarray(self.data) if not isinstance(self.data, numpy.ndarray) else self.data

    def tolist(self) -> Any:
        return self.numpy().tolist()

    def var(
        self, dim: Axis = None, keepdim: bool = False, *, unbiased: bool | None = None,
        correction: int | None = None, **names: Any,
    ) -> Self:  # fmt: skip
        """f(x) = Σ (xᵢ - mean)² / (n - correction), correction 1 by default (Bessel's, as in
        PyTorch; ``unbiased=False`` or ``correction=0`` divides by n). Written as Tensor
        operations, so its gradient, 2(xᵢ - mean)/(n - correction), comes from theirs."""
        if names:
            dim, keepdim = _dim_names(dim, keepdim, names, "var")
        if unbiased is not None and correction is not None:
            raise TypeError("var: give unbiased or correction, not both")
        if correction is None:
            correction = 0 if unbiased is False else 1
        axes = _axes(dim, self.ndim, "var")
        deviation = self - self.mean(axes, keepdim=True)
        n = math.prod(n for i, n in enumerate(self.shape) if axes is None or i in axes)
        return (deviation * deviation).sum(axes, keepdim) / max(n - correction, 0)

    def std(
        self, dim: Axis = None, keepdim: bool = False, *, unbiased: bool | None = None,
        correction: int | None = None, **names: Any,
    ) -> Self:  # fmt: skip
        """f(x) = √var(x) (with Bessel's correction by default, as in PyTorch); its gradient is 0
        where var is 0 (all numbers equal), as PyTorch's, not √'s infinite slope times 0 (NaN)."""
        if names:
            dim, keepdim = _dim_names(dim, keepdim, names, "std")
        var = self.var(dim, keepdim, unbiased=unbiased, correction=correction)
        # √ of 1 where var is 0 (a finite slope), and 0 put in its place: no gradient passes there
        where, zero = self._op_named("where"), var.data == 0
        return where(0.0, where(var, 1.0, condition=~zero).sqrt(), condition=zero)

    def max(self, dim: Any = None, keepdim: bool = False, **names: Any) -> Any:
        """As PyTorch's: ``x.max()`` the largest number (a Tensor); ``x.max(dim)`` the pair
        ``(values, indices)`` along that axis, whose values pass their gradient to the one
        place each came from; ``x.max(other_tensor)`` the elementwise maximum."""
        if isinstance(dim, PyTorchMethods):
            return self._op_named("maximum")(self, dim)
        if names:
            dim, keepdim = _dim_names(dim, keepdim, names, "max")
        if dim is None:
            return self._reduce(self._op_named("max"), None, keepdim)
        return self._extreme_along(dim, keepdim, "max")

    def min(self, dim: Any = None, keepdim: bool = False, **names: Any) -> Any:
        """As ``max``, for the smallest: ``x.min()``, ``x.min(dim)`` → (values, indices)."""
        if isinstance(dim, PyTorchMethods):
            return -self._op_named("maximum")(-self, -dim)
        if names:
            dim, keepdim = _dim_names(dim, keepdim, names, "min")
        if dim is None:
            return self._reduce(self._op_named("min"), None, keepdim)
        return self._extreme_along(dim, keepdim, "min")

    def argmax(self, dim: int | None = None, keepdim: bool = False, **names: Any) -> Self:
        """The place of the largest number (in the flattened tensor when dim is None), int64."""
        if names:
            dim, keepdim = _dim_names(dim, keepdim, names, "argmax")
        return self._arg("argmax", dim, keepdim)

    def argmin(self, dim: int | None = None, keepdim: bool = False, **names: Any) -> Self:
        """The place of the smallest number (in the flattened tensor when dim is None), int64."""
        if names:
            dim, keepdim = _dim_names(dim, keepdim, names, "argmin")
        return self._arg("argmin", dim, keepdim)

    def _arg(self, name: str, dim: int | None, keepdim: bool) -> Self:
        if isinstance(dim, tuple):
            raise TypeError(f"{name} takes one axis (an int) or None, not {dim!r}")
        if self.size == 0 if dim is None else self.shape[_axes(dim, self.ndim, name)[0]] == 0:
            over = "" if dim is None else f" along axis {dim}"
            raise ValueError(f"{name}{over} of an empty tensor (shape {self.shape}) is undefined")
        xp = _namespace(self.data)
        if dim is None:
            flat = xp.reshape(self.data, (-1,))
            places = getattr(xp, name)(flat, keepdims=keepdim)
            if keepdim:
                places = xp.reshape(places, (1,) * self.ndim)
        else:
            (axis,) = _axes(dim, self.ndim, name) or (0,)
            places = getattr(xp, name)(self.data, axis=axis, keepdims=keepdim)
        return type(self)(xp.astype(_as_array(places, self.data), xp.int64))

    def _extreme_along(self, dim: Any, keepdim: bool, name: str) -> ValuesIndices:
        if isinstance(dim, tuple):
            raise TypeError(f"{name}(dim) takes one axis; for several use a{name}(dims)")
        (axis,) = _axes(dim, self.ndim, name) or (0,)
        if self.shape[axis] == 0:
            raise ValueError(
                f"{name} along axis {axis} of a tensor of shape {self.shape} takes the {name} of "
                "no numbers, which is undefined"
            )
        indices = self._arg(f"arg{name}", axis, keepdim)
        # values = x at those places: one integer array per axis, broadcast together
        xp = _namespace(self.data)
        shape = indices.shape
        index = []
        for i, n in enumerate(self.shape):
            if i == axis:
                index.append(indices.data)
            elif keepdim or i < axis:
                place = [1] * len(shape)
                place[i] = n
                index.append(xp.reshape(xp.arange(n), tuple(place)))
            else:  # (the axis was dropped: axes after it move one place left)
                place = [1] * len(shape)
                place[i - 1] = n
                index.append(xp.reshape(xp.arange(n), tuple(place)))
        values = self._op_named("[]")(self, index=tuple(index))
        return ValuesIndices(values, indices)

    def all(self, dim: Axis = None, keepdim: bool = False) -> Self:
        """Whether every element is true (non-zero), over all axes or along ``dim``."""
        xp = _namespace(self.data)
        axes = _axes(dim, self.ndim, "all")
        return type(self)(_as_array(xp.all(self.data, axis=axes, keepdims=keepdim), self.data))

    def any(self, dim: Axis = None, keepdim: bool = False) -> Self:
        """Whether some element is true (non-zero), over all axes or along ``dim``."""
        xp = _namespace(self.data)
        axes = _axes(dim, self.ndim, "any")
        return type(self)(_as_array(xp.any(self.data, axis=axes, keepdims=keepdim), self.data))

    def allclose(
        self, other: Any, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False
    ) -> bool:
        """Whether |self - other| ≤ atol + rtol·|other| everywhere (PyTorch's and NumPy's test)."""
        theirs = numpy.asarray(other.data if isinstance(other, PyTorchMethods) else other)
        return bool(numpy.allclose(self.numpy(), theirs, rtol, atol, equal_nan))

    def view(self, *shape: int | tuple[int, ...]) -> Self:
        """PyTorch's name for reshape: the same numbers in another shape (one axis may be -1).

        (A PyTorch view shares its numbers with the tensor it views; a MiniGrad tensor's numbers
        are changed only by item assignment, which copies them, so the two never differ.)
        """
        if len(shape) == 1 and not isinstance(shape[0], (int, tuple, list)):
            raise TypeError(f"view takes a shape (ints), not {shape[0]!r:.60}; use .to(dtype)")
        return self.reshape(*shape)

    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> Self:
        """The numbers of axes start_dim..end_dim in one axis, row by row (all of them by
        default)."""
        if self.ndim == 0:
            return self.reshape(1)
        (start,) = _axes(start_dim, self.ndim, "flatten") or (0,)
        (end,) = _axes(end_dim, self.ndim, "flatten") or (0,)
        if start > end:
            raise ValueError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim}")
        joined = math.prod(self.shape[start : end + 1])  # (not -1: it is ambiguous when empty)
        return self.reshape(*self.shape[:start], joined, *self.shape[end + 1 :])

    def squeeze(self, dim: Axis = None) -> Self:
        """The axes of length 1 removed (only ``dim``'s, if given and of length 1)."""
        axes = _axes(dim, self.ndim, "squeeze") if self.ndim else None
        shape = tuple(
            n for i, n in enumerate(self.shape) if n != 1 or (axes is not None and i not in axes)
        )
        return self.reshape(shape) if shape != self.shape else self

    def unsqueeze(self, dim: int) -> Self:
        """A new axis of length 1 at ``dim`` (counted in the result's axes)."""
        (axis,) = _axes(dim, self.ndim + 1, "unsqueeze") or (0,)
        return self.reshape(*self.shape[:axis], 1, *self.shape[axis:])

    def __iadd__(self, other: Any) -> Self:
        return self._in_place(self + other, "+=")

    def __isub__(self, other: Any) -> Self:
        return self._in_place(self - other, "-=")

    def __imul__(self, other: Any) -> Self:
        return self._in_place(self * other, "*=")

    def __itruediv__(self, other: Any) -> Self:
        return self._in_place(self / other, "/=")

    def _in_place(self, result: Self, what: str) -> Self:
        if result.requires_grad:
            if self.requires_grad and not self._prev:
                raise ValueError(
                    f"{what} on {self!r}: a leaf that requires a gradient cannot be changed "
                    "while a graph is recorded; change it inside no_grad() (as PyTorch)"
                )
            return result
        xp = _namespace(self.data)
        if result.dtype != self.dtype and not (
            _is_float(self.data.dtype, xp) or not _is_float(result.data.dtype, xp)
        ):
            raise TypeError(
                f"{what}: the result is {_dtype_name(result.dtype)} and cannot be stored in a "
                f"tensor of dtype {_dtype_name(self.dtype)} (as in PyTorch)"
            )
        if result.shape != self.shape:
            raise ValueError(
                f"{what}: the result has shape {result.shape}, but the tensor changed in place "
                f"has shape {self.shape}"
            )
        same_dtype = result.dtype == self.dtype
        self.data = result.data if same_dtype else xp.astype(result.data, self.data.dtype)
        return self

    def __setitem__(self, index: Any, value: Any) -> None:
        """x[index] = value: the numbers at index replaced (value broadcast to them, cast to x's
        dtype), as PyTorch's item assignment (``N[i, j] += 1``, ``dC[ix] += demb[k, j]``).

        The numbers are copied, never changed where another tensor could see them. When a
        gradient is recorded (x or value requires one), x becomes a new node of the graph,
        "index_put", with the old x and value as inputs: x's old numbers at index get no
        gradient, value gets the gradient of the places it filled. Tensors computed from x
        *before* the assignment still hold x itself as an input: assign before using x, as
        PyTorch requires too (it raises when a backward pass needs the changed numbers).
        """
        index = _checked_index(_index_parts(index), self.data)
        if isinstance(value, numbers.Real):  # (a number takes x's dtype: no rounding on the way)
            xp = _namespace(self.data)
            value = xp.asarray(
                value, dtype=self.data.dtype, device=array_api_compat.device(self.data)
            )
        if not isinstance(value, PyTorchMethods):
            value = type(self)(value)
        recording = _grad_mode.enabled and (self.requires_grad or value.requires_grad)
        if recording and self.requires_grad and not self._prev:
            raise ValueError(
                f"item assignment into {self!r}: a leaf that requires a gradient cannot be "
                "changed while a graph is recorded; change it inside no_grad() (as PyTorch)"
            )
        if value.dtype != self.dtype:
            value = (
                value._cast(self.dtype)
                if value.requires_grad
                else type(self)(_namespace(value.data).astype(value.data, self.data.dtype))
            )
        if recording:
            old = type(self)(self.data)
            old._requires_grad, old._prev, old._operation, old._params = (
                self._requires_grad, self._prev, self._operation, self._params,
            )  # fmt: skip
            old.grad, old.label = self.grad, self.label
            value = _computed_from(value, self, old)
            node = self._op_named("index_put")(old, value, index=index)
            self.data, self.grad = node.data, None
            self._requires_grad, self._prev, self._operation, self._params = (
                True, node._prev, node._operation, node._params,
            )  # fmt: skip
        else:
            try:
                self.data = _put(self.data, value.data, index=index)
            except (ValueError, TypeError, IndexError) as error:
                arrays = (self.data, value.data)
                raise _operation_error("index_put", arrays, {"index": index}, error) from None

    def _cast(self, dtype: Any) -> Self:
        xp = _namespace(self.data)
        dtype = _dtype(dtype, xp)
        if dtype == self.data.dtype:
            return self
        if _is_float(dtype, xp) and self.requires_grad:
            return self._op_named("astype")(self, dtype=dtype)
        return type(self)(xp.astype(self.data, dtype))

    @property
    def mT(self) -> Self:
        """The last two axes swapped (each matrix of a stack transposed)."""
        if self.ndim < 2:
            raise ValueError(f"mT needs at least two axes, not shape {self.shape}")
        axes = (*range(self.ndim - 2), self.ndim - 1, self.ndim - 2)
        return self._op_named("transpose")(self, axes=axes)

    def permute(self, *dims: int) -> Self:
        """The axes in the order given: ``x.permute(2, 0, 1)`` makes axis 2 the first."""
        if len(dims) == 1 and isinstance(dims[0], (tuple, list)):
            dims = tuple(dims[0])
        if len(dims) != self.ndim or sorted(_axes(dims, self.ndim, "permute") or ()) != list(
            range(self.ndim)
        ):
            raise ValueError(f"permute: {dims} is not an order of the axes of {self.shape}")
        return self._op_named("transpose")(self, axes=tuple(a % self.ndim for a in dims))

    def transpose(self, dim0: int, dim1: int) -> Self:
        """Axes dim0 and dim1 swapped (as PyTorch's; ``permute`` puts all axes in an order)."""
        if self.ndim == 0:  # (a 0-d tensor has the one axis 0, or -1, as in PyTorch)
            for dim in (dim0, dim1):
                _axes(dim, 1, "transpose")
            return self
        ((a,), (b,)) = (_axes(dim, self.ndim, "transpose") or (0,) for dim in (dim0, dim1))
        axes = list(range(self.ndim))
        axes[a], axes[b] = b, a
        return self._op_named("transpose")(self, axes=tuple(axes))

    def clone(self) -> Self:
        """A copy of the numbers, in the graph: its gradient passes back unchanged."""
        return self._op_named("clone")(self)

    def log10(self) -> Self:
        """f(x) = log₁₀ x;  f' = 1/(x ln 10)"""
        return self._op_named("log10")(self)
