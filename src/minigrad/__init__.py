"""MiniGrad: a scalar-valued autograd engine and a small neural-network library, from scratch.

>>> from minigrad import Value
>>> a, b = Value(2.0), Value(-3.0)
>>> c = a * b + a
>>> c.backward()
>>> a.grad, b.grad
(-2.0, 2.0)
"""

from minigrad import _moved
from minigrad.engine import (
    Operation,
    Value,
    grad,
    is_grad_enabled,
    no_grad,
    operation,
    topological_order,
)
from minigrad.gradcheck import GradcheckError, gradcheck
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

# Drawing and the explainers, imported on first use (drawing needs the optional graphviz package).
_LAZY = {
    "Tensor": "minigrad.tensor",  # the Tensor engine needs NumPy: imported on first use
    "draw_dot": "minigrad.teaching.viz",
    "trace": "minigrad.teaching.viz",
    "explain_backward": "minigrad.teaching.explain",
    "grad_paths": "minigrad.teaching.explain",
    "backward_source": "minigrad.teaching.explain",
    "backprop_html": "minigrad.teaching.explain",
}


def __getattr__(name: str) -> object:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'minigrad' has no attribute {name!r}")
