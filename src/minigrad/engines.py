"""Which engine an object belongs to, told from its class without loading the Tensor engine.

The scalar engine needs only the standard library; the Tensor engine needs NumPy. A function
that takes either (``minigrad.grad``, a loss, an optimizer) asks here whether it was given a
Tensor, and imports the Tensor engine only then: a program that uses only Values never loads
NumPy. The answer comes from ``sys.modules``: if the Tensor engine was never imported, no object
is a Tensor; if it was, ``isinstance`` answers, so a subclass of Tensor counts.
"""

from __future__ import annotations

import sys


def is_tensor(x: object) -> bool:
    """Whether ``x`` is a ``minigrad.tensor.Tensor`` (or of a subclass of it)."""
    return _is_instance_of(x, "minigrad.tensor", "Tensor")


def is_tensor_module(x: object) -> bool:
    """Whether ``x`` is a ``minigrad.tensor_nn.Module`` (a Tensor engine's model or layer)."""
    return _is_instance_of(x, "minigrad.tensor_nn", "Module")


def _is_instance_of(x: object, module: str, name: str) -> bool:
    cls = getattr(sys.modules.get(module), name, None)  # (None if the module was never loaded)
    return cls is not None and isinstance(x, cls)
