"""MiniGrad: a scalar-valued autograd engine and a small neural-network library, from scratch.

Examples:
    >>> from minigrad import Value
    >>> a, b = Value(2.0), Value(-3.0)
    >>> c = a * b + a
    >>> c.backward()
    >>> a.grad, b.grad
    (-2.0, 2.0)
"""

import importlib
import numbers
from collections.abc import Callable, Sequence
from typing import Any

from minigrad import _moved, engine
from minigrad import copying as _copying  # noqa: F401  (pickle and copy of Values, via copyreg)
from minigrad import gradcheck as _gradcheck
from minigrad.engine import Operation, Value, is_grad_enabled, no_grad, topological_order
from minigrad.engines import is_tensor
from minigrad.extend import operation
from minigrad.gradcheck import GradcheckError
from minigrad.nn import MLP, Layer, Module, Neuron, manual_seed
from minigrad.storage.checkpoint import load, save

__version__ = "0.2.0"

_moved.install()  # old module paths (minigrad.viz, minigrad.cli, ...) still import, with a warning

__all__ = [
    "GradcheckError",
    "Layer",
    "MLP",
    "Module",
    "Neuron",
    "Operation",
    "Value",
    "__version__",
    "grad",
    "gradcheck",
    "is_grad_enabled",
    "load",
    "manual_seed",
    "no_grad",
    "operation",
    "save",
    "topological_order",
    "Tensor",
    "draw_dot",
    "trace",
    "explain_backward",
    "grad_paths",
    "backward_source",
    "backprop_html",
]

# The front door is the one place that knows both engines: these pick the Value or the Tensor
# version by the type of what they are given. The Tensor engine (and NumPy) is imported only
# when a Tensor comes.


def grad(output: Any, inputs: Any, create_graph: bool = False) -> tuple[Any, ...]:
    """∂output/∂x for each x in inputs, without touching ``.grad``: ``minigrad.engine.grad``
    for a Value, ``minigrad.tensor.grad`` for a Tensor (see each for the details).

    >>> x = Value(3.0)
    >>> grad(x * x, x)
    (6.0,)
    """
    if is_tensor(output):
        from minigrad import tensor

        return tensor.grad(output, inputs, create_graph)
    return engine.grad(output, inputs, create_graph)


def gradcheck(
    fn: Callable[..., Any],
    inputs: Sequence[Any],
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
) -> bool:
    """True when backward agrees with central differences at ``inputs``: numbers or Values go to
    ``minigrad.gradcheck.gradcheck``, arrays or Tensors to ``minigrad.tensor_gradcheck``.

    >>> gradcheck(lambda x, y: (x * y).tanh() + x ** 2, [0.5, -1.5])
    True
    """
    if any(hasattr(x, "shape") and not isinstance(x, numbers.Real) for x in inputs):
        from minigrad import tensor_gradcheck

        return tensor_gradcheck.gradcheck(fn, inputs, eps, atol, rtol, raise_exception)
    return _gradcheck.gradcheck(fn, inputs, eps, atol, rtol, raise_exception)


def draw_dot(root: Any, format: str = "svg", rankdir: str = "LR", **options: Any) -> Any:  # noqa: A002
    """The graph behind ``root`` as a ``graphviz.Digraph``: ``minigrad.teaching.viz.draw_dot``
    for a Value (its ``options``: edge_grads, max_nodes, ...), ``minigrad.teaching.tensor_viz``'s
    for a Tensor."""
    if is_tensor(root):
        from minigrad.teaching import tensor_viz

        return tensor_viz.draw_dot(root, format, rankdir, **options)
    from minigrad.teaching import viz

    return viz.draw_dot(root, format, rankdir, **options)


def explain_backward(root: Any) -> list[Any]:
    """The steps of ``root.backward()``, one per edge, in the order backward runs them:
    ``minigrad.teaching.explain``'s for a Value, ``minigrad.teaching.tensor_viz``'s for a Tensor."""
    if is_tensor(root):
        from minigrad.teaching import tensor_viz

        return tensor_viz.explain_backward(root)
    from minigrad.teaching import explain

    return explain.explain_backward(root)


def backward_source(root: Any) -> str:
    """The backward pass of ``root`` as straight-line Python, one chain-rule step per line:
    ``minigrad.teaching.explain``'s for a Value, ``minigrad.teaching.tensor_viz``'s (NumPy) for a
    Tensor."""
    if is_tensor(root):
        from minigrad.teaching import tensor_viz

        return tensor_viz.backward_source(root)
    from minigrad.teaching import explain

    return explain.backward_source(root)


# Imported on first use: the Tensor engine needs NumPy, drawing the optional graphviz package.
_LAZY = {
    "Tensor": "minigrad.tensor",
    "trace": "minigrad.teaching.viz",
    "grad_paths": "minigrad.teaching.explain",
    "backprop_html": "minigrad.teaching.explain",
}

# ``import minigrad`` then ``minigrad.optim``, as ``torch.optim`` after ``import torch``.
_SUBMODULES = {
    "floats", "engine", "engines", "nn", "losses", "optim", "interop",
    "tensor", "tensor_nn", "tensor_losses", "tensor_gradcheck",
    "storage", "teaching", "app",
}  # fmt: skip

_TENSOR_EXTRA = (
    "the Tensor engine needs NumPy and array-api-compat, the 'tensor' extra: pip install numpy "
    "array-api-compat, or in a clone of MiniGrad pip install '.[tensor]'"
)


def __getattr__(name: str) -> object:
    if name in _LAZY or name in _SUBMODULES:
        module_name = _LAZY.get(name, f"minigrad.{name}")
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as error:
            if (error.name or "").partition(".")[0] in ("numpy", "array_api_compat"):
                raise ModuleNotFoundError(f"{_TENSOR_EXTRA} ({error})", name=error.name) from None
            raise
        return module if name in _SUBMODULES else getattr(module, name)
    raise AttributeError(f"module 'minigrad' has no attribute {name!r}")
