"""PyTorch's dtype names (``torch.float32``, ``torch.long``...) as NumPy's dtypes, which
MiniGrad's Tensors hold."""

from __future__ import annotations

import numpy

float32 = numpy.dtype("float32")
float64 = numpy.dtype("float64")
int64 = numpy.dtype("int64")
int32 = numpy.dtype("int32")
int16 = numpy.dtype("int16")
int8 = numpy.dtype("int8")
uint8 = numpy.dtype("uint8")
bool_ = numpy.dtype("bool")

# PyTorch's other names for them (``float``, ``int`` and ``bool`` are set by the package, so
# that this module keeps Python's own)
ALIASES = {
    "float": float32,
    "double": float64,
    "long": int64,
    "int": int32,
    "short": int16,
    "bool": bool_,
}
