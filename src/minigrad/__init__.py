"""MiniGrad: a scalar-valued autograd engine and a small neural-network library, from scratch.

>>> from minigrad import Value
>>> a, b = Value(2.0), Value(-3.0)
>>> c = a * b + a
>>> c.backward()
>>> a.grad, b.grad
(-2.0, 2.0)
"""

from minigrad.checkpoint import load, save
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

__version__ = "0.1.0"

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
]
