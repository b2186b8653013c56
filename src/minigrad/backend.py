"""The array backend of the Tensor engine: which library's functions an array is computed with.

A Tensor holds an array of any library that follows the Python array API standard (NumPy,
PyTorch tensors, array-api-strict, CuPy on a GPU). The engine never calls a library by name: it
asks ``_namespace(array)`` for the array's namespace (its module of functions, found once per
array type by ``array-api-compat``) and calls that, so the autograd code does not change when the
library does (as needle's ``backend_numpy.py``).

For NumPy the namespace is a faster copy of ``array_api_compat.numpy`` (``_numpy_namespace``):
the same functions and results, a few of them called on NumPy directly.
"""

from __future__ import annotations

import functools
import itertools
import math
import numbers
import types
from collections.abc import Sequence
from typing import Any, Union

import array_api_compat
import array_api_compat.numpy as np_xp
import numpy

Array = Any  # an array of the backend (numpy.ndarray, torch.Tensor, array_api_strict.Array...)
Axis = Union[int, tuple[int, ...], None]  # noqa: UP007

_NAMESPACES: dict[type, Any] = {}  # array type -> its array API namespace


def _namespace(array: Array) -> Any:
    """The array API namespace of ``array`` (``array_api_compat.numpy`` for a NumPy array)."""
    xp = _NAMESPACES.get(type(array))
    if xp is None:
        try:
            xp = array_api_compat.array_namespace(array)
        except TypeError:
            raise TypeError(
                f"a Tensor holds an array of a library that follows the array API standard "
                f"(NumPy, PyTorch, array-api-strict, CuPy...), not {type(array).__name__}"
            ) from None
        if xp is np_xp:
            xp = _NUMPY
        if not isinstance(array, numpy.generic):  # a NumPy scalar is no array of a Tensor
            _NAMESPACES[type(array)] = xp
    return xp


def _numpy_namespace() -> Any:
    """array_api_compat.numpy, with its reductions called on NumPy's ufuncs directly and a few
    functions called without array_api_compat's wrapper.

    ``numpy.sum(x)`` checks its arguments for a couple of microseconds before it calls
    ``numpy.add.reduce(x)``: as long as the sum itself of a small array, and a training step
    makes a dozen reductions. The results and their dtypes are the same.
    """
    xp = types.ModuleType(np_xp.__name__, np_xp.__doc__)  # a copy, still NumPy's namespace
    xp.__dict__.update(vars(np_xp))

    def sum(x: Array, /, *, axis: Axis = None, dtype: Any = None, keepdims: bool = False) -> Array:
        return numpy.add.reduce(x, axis=axis, dtype=dtype, keepdims=keepdims)

    def max(x: Array, /, *, axis: Axis = None, keepdims: bool = False) -> Array:
        return numpy.maximum.reduce(x, axis=axis, keepdims=keepdims)

    def min(x: Array, /, *, axis: Axis = None, keepdims: bool = False) -> Array:
        return numpy.minimum.reduce(x, axis=axis, keepdims=keepdims)

    def mean(x: Array, /, *, axis: Axis = None, keepdims: bool = False) -> Array:
        if x.dtype.kind != "f":  # (NumPy sums integers in float64 for their mean)
            return numpy.mean(x, axis=axis, keepdims=keepdims)
        total = numpy.add.reduce(x, axis=axis, keepdims=keepdims)
        return total / (x.size // total.size if total.size else 1)

    def ones_like(x: Array, /, *, dtype: Any = None, device: Any = None) -> Array:
        return numpy.ones_like(x, dtype=dtype)  # (a NumPy array's device is the CPU)

    def arange(start: Any, /, stop: Any = None, step: Any = 1, *, dtype: Any = None,
               device: Any = None) -> Array:  # fmt: skip
        return numpy.arange(start, stop, step, dtype=dtype)

    def reshape(x: Array, /, shape: tuple[int, ...], *, copy: bool | None = None) -> Array:
        return x.reshape(shape) if copy is None else np_xp.reshape(x, shape, copy=copy)

    def asarray(obj: Any, /, *, dtype: Any = None, device: Any = None, copy: Any = None) -> Array:
        if copy is None and device is None:
            return numpy.asarray(obj, dtype=dtype)
        return np_xp.asarray(obj, dtype=dtype, device=device, copy=copy)

    xp.sum, xp.max, xp.min, xp.mean = sum, max, min, mean
    xp.ones_like, xp.arange, xp.reshape, xp.asarray = ones_like, arange, reshape, asarray
    return xp


_NUMPY = _numpy_namespace()


def _is_array(x: object) -> bool:
    return type(x) in _NAMESPACES or array_api_compat.is_array_api_obj(x)


def _is_float(dtype: Any, xp: Any) -> bool:
    if isinstance(dtype, numpy.dtype):  # (NumPy's own answer is quicker than isdtype's)
        return dtype.kind == "f"
    return xp.isdtype(dtype, "real floating")


def _as_array(result: object, like: Array) -> Array:
    """A backend's result as an array: NumPy returns a reduction to a single number as a NumPy
    scalar, not a 0-d array, and a Tensor always holds an array."""
    if type(result) in _NAMESPACES:
        return result
    return _namespace(like).asarray(result)


# Making arrays, and the dtypes a Tensor may hold


def _to_array(data: object, dtype: Any) -> Array:
    """``data`` as an array: an array keeps its library (cast to ``dtype`` if given); numbers
    and lists become a NumPy array of ``dtype``; with none given, as PyTorch: ints stay ints
    (int64), bools bools, anything else float32."""
    if isinstance(data, numpy.generic):  # a NumPy scalar, such as a sum: a 0-d array
        data = numpy.asarray(data)
    if _is_array(data):
        xp = _namespace(data)
        if not _is_supported_dtype(data.dtype, xp):
            raise TypeError(f"a Tensor holds numbers, not an array of dtype {data.dtype}")
        return data if dtype is None else xp.astype(data, _dtype(dtype, xp))
    kind = _kind_of_numbers(data)
    if isinstance(data, (str, bytes)) or kind is None:
        raise TypeError(
            f"a Tensor is made from a number, a (nested) list of numbers or an array, "
            f"not {type(data).__name__}: {data!r:.60}"
        )
    xp = np_xp
    if dtype is None:
        dtype = {"bool": xp.bool, "int": xp.int64}.get(kind, xp.float32)
    dtype = _dtype(dtype, xp)
    try:
        array = xp.asarray(data, dtype=dtype)
    except ValueError as error:  # a ragged list
        raise ValueError(f"a Tensor's lists must all have the same length: {error}") from None
    return array


def _kind_of_numbers(data: object) -> str | None:
    """'bool', 'int' or 'float': the widest kind of number in ``data`` (a number or nested lists
    of numbers; an empty list counts as float), or None when data holds something else."""
    if isinstance(data, bool):
        return "bool"
    if isinstance(data, numbers.Integral):
        return "int"
    if isinstance(data, numbers.Real):
        return "float"
    if isinstance(data, (list, tuple)):
        kinds = {_kind_of_numbers(item) for item in data}
        if None in kinds:
            return None
        for kind in ("float", "int", "bool"):
            if kind in kinds:
                return kind
        return "float"
    return None


def _is_supported_dtype(dtype: Any, xp: Any) -> bool:
    return xp.isdtype(dtype, ("real floating", "integral", "bool"))


_DTYPE_NAMES = ("float32", "float64", "int64", "int32", "int16", "int8", "uint8", "bool")


def _dtype(dtype: Any, xp: Any) -> Any:
    """A dtype of the namespace xp from its name ('float32'...) or a dtype of NumPy's or xp's."""
    if isinstance(dtype, str):
        if dtype not in _DTYPE_NAMES:
            raise ValueError(f"dtype is one of {', '.join(map(repr, _DTYPE_NAMES))}, not {dtype!r}")
        return getattr(xp, dtype)
    if xp is not _NUMPY and xp is not np_xp and isinstance(dtype, (type, numpy.dtype)):
        return getattr(xp, numpy.dtype(dtype).name)  # NumPy's name for another library's dtype
    return dtype


def _check_differentiable(array: Array) -> None:
    xp = _namespace(array)
    if not _is_float(array.dtype, xp):
        raise TypeError(
            f"only floating-point tensors can have gradients, not dtype {_dtype_name(array.dtype)}"
            " (make it with dtype='float32' or 'float64')"
        )


def _dtype_name(dtype: Any) -> str:
    return str(dtype).rsplit(".", 1)[-1]


# Indexing, as the standard allows it


def _read(x: Array, index: tuple[Any, ...]) -> Array:
    """x[index], by NumPy's rules on every backend.

    One integer array picking rows is ``take``. Libraries differ where integer arrays meet ints,
    slices or None (``x[0, :, [0, 1]]`` is (2, 4) in NumPy, (4, 2) in PyTorch; the standard
    leaves it open): there, the places to read are found by NumPy (``_places``), and read as
    a flat list of numbers.
    """
    xp, rows = _namespace(x), (index[0] if index else None)
    if len(index) == 2 and index[1] is Ellipsis and _is_array(rows) and rows.ndim == 1:
        if not _is_mask(rows):  # (a boolean mask is no list of rows)
            return xp.take(x, rows, axis=0)
    if xp is _NUMPY or not _has_arrays(index) or (len(index) == 1 and _is_mask(rows)):
        return x[index]
    places = _places(tuple(x.shape), index)
    flat = xp.asarray(places.reshape(-1), device=array_api_compat.device(x))
    return xp.reshape(xp.take(xp.reshape(x, (-1,)), flat, axis=0), places.shape)


def _places(shape: tuple[int, ...], index: tuple[Any, ...]) -> Any:
    """The place of each number x[index] reads, counted in x's numbers row by row (a NumPy
    array of x[index]'s shape)."""
    numpy_index = tuple(numpy.from_dlpack(part) if _is_array(part) else part for part in index)
    return numpy.arange(math.prod(shape)).reshape(shape)[numpy_index]


_BOOL_DTYPES: dict[Any, bool] = {}  # (array type, dtype) -> whether it is boolean (asked once)


def _is_mask(part: Any) -> bool:
    """Whether an index's part is a boolean array (a mask)."""
    if not _is_array(part):
        return False
    key = (type(part), part.dtype)  # (the array's type first: two libraries' dtypes never meet)
    is_bool = _BOOL_DTYPES.get(key)
    if is_bool is None:
        is_bool = _BOOL_DTYPES[key] = _namespace(part).isdtype(part.dtype, "bool")
    return is_bool


def _has_arrays(index: Any) -> bool:
    parts = index if isinstance(index, tuple) else (index,)
    return any(_is_array(part) for part in parts)


def _checked_index(parts: tuple[Any, ...], x: Array) -> tuple[Any, ...]:
    """An index of ``x``, after checking its parts: ints, slices, None, ..., integer arrays
    (or lists and ranges of ints, made arrays of x's library) and boolean masks; out-of-range
    ints are named here."""
    checked = []
    for part in parts:
        if isinstance(part, (list, range)):  # (no positions at all, [], are positions too)
            xp = _namespace(x)
            part = xp.asarray(list(part)) if len(part) else xp.asarray([], dtype=xp.int64)
        if _is_array(part) and not _namespace(part).isdtype(part.dtype, ("integral", "bool")):
            raise TypeError(
                "an index array holds integers (positions) or booleans (a mask), not numbers "
                f"of dtype {_dtype_name(part.dtype)}: {part!r:.60}"
            )
        if isinstance(part, bool) or not (
            part is None
            or part is Ellipsis
            or isinstance(part, (slice, numbers.Integral))
            or _is_array(part)
        ):
            raise TypeError(
                "a Tensor is indexed by ints, slices, None, ..., integer arrays and boolean "
                f"masks, not {type(part).__name__}: {part!r:.60}"
            )
        checked.append(int(part) if isinstance(part, numbers.Integral) else part)
    axis, shape = 0, tuple(x.shape)
    for i, part in enumerate(checked):
        if part is Ellipsis:
            break
        if _is_mask(part):
            if shape[axis : axis + part.ndim] != tuple(part.shape):
                raise IndexError(
                    f"a boolean mask of shape {tuple(part.shape)} does not fit axes {axis}.. of "
                    f"a tensor of shape {shape}"
                )
            axis += part.ndim
            continue
        if isinstance(part, slice) and axis < x.ndim and (part.step or 1) > 0:
            # bounds within the axis (x[-1:] of an empty axis is empty; the standard leaves
            # bounds outside an axis unspecified)
            checked[i] = slice(*part.indices(shape[axis]))
        if isinstance(part, int):
            if axis >= x.ndim or not -shape[axis] <= part < shape[axis]:
                length = "no axis" if axis >= x.ndim else f"length {shape[axis]}"
                raise IndexError(
                    f"index {part} is out of range for axis {axis} of a tensor of shape "
                    f"{shape} ({length})"
                )
        elif _is_array(part) and axis < x.ndim and math.prod(part.shape):  # (torch: size())
            xp = _namespace(part)
            low, high = int(xp.min(part)), int(xp.max(part))
            if not -shape[axis] <= low <= high < shape[axis]:
                raise IndexError(
                    f"an index array reaches {low if low < -shape[axis] else high}, out of "
                    f"range for axis {axis} of a tensor of shape {shape}"
                )
        if part is not None:
            axis += 1
    indexed = sum(part.ndim if _is_mask(part) else 1 for part in checked if part is not None)
    if len(checked) == 1 and _is_mask(checked[0]):
        return tuple(checked)  # (the standard takes a boolean mask only as the sole index)
    if indexed < x.ndim and not any(part is Ellipsis for part in checked):
        checked.append(Ellipsis)  # the axes not indexed are taken whole (the standard says so)
    return tuple(checked)


def _mean(x: Array, axis: tuple[int, ...] | None, keepdims: bool) -> Array:
    """The mean of x along ``axis`` (sorted axes, none negative; every axis for None). The mean
    of no numbers is 0/0, nan, as in PyTorch, and in NumPy's quiet state (where operations run)
    without a warning: NumPy's own ``mean`` (behind array-api-strict) warns "Mean of empty slice"
    by ``warnings.warn``, which that state does not turn off."""
    xp = _namespace(x)
    if math.prod(n for i, n in enumerate(x.shape) if axis is None or i in axis) == 0:
        return xp.sum(x, axis=axis, keepdims=keepdims) / 0
    return xp.mean(x, axis=axis, keepdims=keepdims)


# Errors


def _operation_error(
    name: str, inputs: Sequence[Array], params: dict[str, Any], error: Exception
) -> Exception:
    """An error of the array library inside operation ``name``, as one that names the
    operation, the shapes and dtypes of its inputs, and the cause."""
    shapes = " and ".join(str(tuple(x.shape)) for x in inputs)
    if name == "@":
        a, b = inputs
        inner = b.shape[0] if b.ndim == 1 else b.shape[-2]
        if a.ndim and b.ndim and a.shape[-1] == inner:  # the matrices fit; their stacks do not
            return ValueError(
                f"@: shapes {tuple(a.shape)} and {tuple(b.shape)} do not fit: the matrices do, "
                f"but the stack axes in front of them, {tuple(a.shape[:-2])} and "
                f"{tuple(b.shape[:-2])}, do not broadcast together (each axis, counted from the "
                "right, must be equal or 1)"
            )
        return ValueError(
            f"@: shapes {tuple(a.shape)} and {tuple(b.shape)} do not fit: the last axis of the "
            f"first must be as long as the {'only' if b.ndim == 1 else 'second-to-last'} axis "
            "of the second"
        )
    if name == "[]":
        return IndexError(
            f"index {params['index']!r:.80} does not fit a tensor of shape {shapes}: {error}"
        )
    if len(inputs) > 1 and not _broadcast_together(*(tuple(x.shape) for x in inputs)):
        return ValueError(
            f"{name}: shapes {shapes} do not broadcast together "
            "(each axis, counted from the right, must be equal or 1)"
        )
    dtypes = " and ".join(_dtype_name(x.dtype) for x in inputs)
    what = "a tensor" if len(inputs) == 1 else "tensors"
    return type(error)(f"{name} of {what} of shape {shapes} (dtype {dtypes}): {error}")


def _broadcast_together(*shapes: tuple[int, ...]) -> bool:
    """Whether the shapes broadcast: along each axis, counted from the right, equal or 1."""
    # (a shorter shape counts as 1 on the axes it lacks: zip would stop at the shortest)
    for lengths in itertools.zip_longest(*(reversed(shape) for shape in shapes), fillvalue=1):
        if len({n for n in lengths if n != 1}) > 1:
            return False
    return True


# Quiet arithmetic, one library at a time, gradients of one's own


# NumPy warns where arithmetic meets an infinity or a NaN (ln 0, e¹⁰⁰⁰, 0·∞); PyTorch gives the
# same values without a word, and so does the engine: it computes in NumPy's quiet state. That
# state is a context variable (NumPy 2), set here directly: ``numpy.errstate`` rebuilds it on
# every entry, which takes as long as a small operation itself.
try:
    from numpy._core._ufunc_config import _extobj_contextvar as _FLOAT_ERRORS  # noqa: N812

    with numpy.errstate(all="ignore"):
        _QUIET = _FLOAT_ERRORS.get()
except ImportError:  # NumPy 1
    _FLOAT_ERRORS = None


if _FLOAT_ERRORS is not None:
    # _quiet_on() turns the warnings off and returns what _quiet_off(it) turns back: the pair
    # costs a third of the context manager below, which is for code that runs once a pass.
    _quiet_on, _quiet_off = functools.partial(_FLOAT_ERRORS.set, _QUIET), _FLOAT_ERRORS.reset
else:

    def _quiet_on() -> Any:
        state = numpy.errstate(all="ignore")
        state.__enter__()
        return state

    def _quiet_off(state: Any) -> None:
        state.__exit__(None, None, None)


class _quiet_floats:  # noqa: N801 (used as a context manager, like numpy.errstate)
    """``with _quiet_floats():`` computes without NumPy's floating-point warnings."""

    __slots__ = ("token",)

    def __enter__(self) -> None:
        self.token = _quiet_on()

    def __exit__(self, *exc_info: object) -> None:
        _quiet_off(self.token)


def _check_one_library(name: str, arrays: Sequence[Array]) -> None:
    """Refuse inputs whose arrays belong to two libraries (NumPy and PyTorch, say): neither can
    compute with the other's arrays, whichever comes first."""
    first = type(arrays[0])
    for x in arrays[1:]:
        if type(x) is not first and _namespace(x) is not _namespace(arrays[0]):
            names = " and ".join(_library_name(array) for array in (arrays[0], x))
            raise TypeError(
                f"{name}: cannot mix arrays of {names} in one operation; make them one "
                "library's arrays first (torch.from_numpy(array), tensor.numpy())"
            )


def _library_name(array: Array) -> str:
    """The library of an array, as its users call it (NumPy, PyTorch, array_api_strict...)."""
    module = type(array).__module__.split(".")[0]
    return {"numpy": "NumPy", "torch": "PyTorch", "cupy": "CuPy"}.get(module, module)


def _writable(x: Array) -> bool:
    """Whether x's numbers can be changed in place: not a read-only NumPy view, nor an immutable
    library's array (array-api-compat's test), nor a torch tensor that requires grad, was made in
    inference mode or repeats one number along an axis (``expand``): torch refuses those, an
    inference tensor only after changing it."""
    if type(x) is numpy.ndarray:
        return x.flags.writeable
    if array_api_compat.is_torch_array(x):
        repeats = any(step == 0 and n > 1 for step, n in zip(x.stride(), x.shape))
        return not (x.requires_grad or x.is_inference() or repeats)
    return array_api_compat.is_writeable_array(x)


def _written(target: Array, new: Array) -> Array:
    """target with ``new``'s numbers written into it, so it stays the same array, of its dtype,
    as PyTorch's optimizers update a parameter; where target cannot be written, a new array of its
    dtype. (``new`` may be a NumPy scalar, which NumPy's arithmetic on 0-d arrays gives.)"""
    xp = _namespace(target)
    if new.dtype != target.dtype:  # a step with a float64 gradient, or NumPy 1's float64 scalar
        new = xp.astype(new, target.dtype)
    if not _writable(target):
        return new if type(new) is type(target) else xp.asarray(new, dtype=target.dtype)
    target[...] = new
    return target


def _added_in_place(target: Array, update: Array) -> Array:
    """target += update, in place (PyTorch's ``add_``) where target can be written and update has
    its dtype; otherwise ``_written(target, target + update)``."""
    if update.dtype == target.dtype and _writable(target):
        target += update
        return target
    return _written(target, target + update)


def _own_array(dx: Array, g: Array) -> Array:
    """A leaf's gradient as an array of its own, which the user may change in place (as in
    PyTorch): a rule may pass on g itself (a + b gives both a and b the same g), or a read-only
    view of it (a sum's gradient is g broadcast), and these are copied."""
    if isinstance(dx, numpy.ndarray) and dx is not g and dx.flags.owndata and dx.flags.writeable:
        return dx  # a new array made by the rule (W.grad of x @ W, b.grad summed over a batch)
    return _namespace(dx).asarray(dx, copy=True)


def _axes(axis: object, ndim: int, what: str) -> tuple[int, ...] | None:
    """``axis`` (None, an int or a tuple of ints, negative counting from the end) as a sorted
    tuple of axes, after checking each one is an axis of a tensor of ``ndim`` axes."""
    if axis is None:
        return None
    given = axis if isinstance(axis, tuple) else (axis,)
    axes = []
    for a in given:
        if isinstance(a, bool) or not isinstance(a, numbers.Integral):
            raise TypeError(f"{what}: axis is an int or a tuple of ints, not {axis!r:.60}")
        if not -ndim <= a < ndim:
            raise ValueError(f"{what}: axis {a} is out of range for a tensor of {ndim} axes")
        axes.append(int(a) % ndim)
    if len(set(axes)) != len(axes):
        raise ValueError(f"{what}: axis {axis!r} names an axis twice")
    return tuple(sorted(axes))


def _mixed_dtypes_error(what: str, a: Array, b: Array) -> TypeError:
    """A matrix product of two dtypes is refused, as by PyTorch: a float32 model fed float64
    data would otherwise compute, and then train, in float64 without a word."""
    return TypeError(
        f"{what}: a {_dtype_name(a.dtype)} and a {_dtype_name(b.dtype)} operand; a matrix "
        "product takes one dtype (make the data the model's dtype, e.g. "
        f"Tensor(x, dtype='{_dtype_name(b.dtype)}'))"
    )


# Item assignment, and what x[index] sends back to x


def _put(x: Array, value: Array, *, index: Any) -> Array:
    """A copy of x with ``value`` put at ``index`` (broadcast to the places it fills)."""
    out = _namespace(x).asarray(x, copy=True)
    out[index] = value
    return out


def _index_add_forward(g: Array, *, index: Any, shape: tuple[int, ...]) -> Array:
    """zeros(shape) with g added at ``index``: what x[index] sends back to x."""
    xp = _namespace(g)
    device = array_api_compat.device(g)
    if not _has_arrays(index):  # ints and slices read each place once: an assignment will do
        out = xp.zeros(shape, dtype=g.dtype, device=device)
        if any(part is None for part in index):  # (None adds an axis of length 1: drop both)
            index = tuple(part for part in index if part is not None)
            g = xp.reshape(g, tuple(out[index].shape))
        out[index] = g
        return out
    # Integer arrays may read a place twice: each number of g is added at its place.
    size = math.prod(shape)
    places = _places(shape, index).reshape(-1)
    flat_g = xp.reshape(g, (-1,))
    if xp is _NUMPY:  # (NumPy and PyTorch add in place, and quicker)
        out = xp.zeros(size, dtype=g.dtype)
        numpy.add.at(out, places, flat_g)
    elif array_api_compat.is_torch_namespace(xp):
        places = xp.asarray(places, device=device)
        out = xp.zeros(size, dtype=g.dtype, device=device).index_add_(0, places, flat_g)
    else:  # any other library of the standard: each number of g in its place's column, summed
        places = xp.asarray(places, device=device)  # (chosen by where, not multiplied by a
        hits = places[:, None] == xp.arange(size, device=device)[None, :]  # one-hot: NaN·0 is NaN)
        out = xp.sum(xp.where(hits, flat_g[:, None], xp.zeros_like(flat_g)[:, None]), axis=0)
    return xp.reshape(out, shape)
