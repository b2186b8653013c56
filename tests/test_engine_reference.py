"""micrograd's two reference tests (micrograd/test/test_engine.py), ported.

The expressions are micrograd's, line for line; PyTorch computes them in float64. micrograd
checks with a tolerance of 1e-6 (its second test); here every number must agree to 1e-12.
"""

from __future__ import annotations

import torch

from minigrad import Value
from tests.optable import same_float


def test_sanity_check():
    x = Value(-4.0)
    z = 2 * x + 2 + x
    q = z.relu() + z * x
    h = (z * z).relu()
    y = h + q + q * x
    y.backward()
    xmg, ymg = x, y

    x = torch.tensor([-4.0], dtype=torch.float64, requires_grad=True)
    z = 2 * x + 2 + x
    q = z.relu() + z * x
    h = (z * z).relu()
    y = h + q + q * x
    y.backward()
    xpt, ypt = x, y

    # forward pass went well
    assert ymg.data == ypt.item()
    # backward pass went well
    assert xmg.grad == xpt.grad.item()


def test_more_ops():
    a = Value(-4.0)
    b = Value(2.0)
    c = a + b
    d = a * b + b**3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g += 10.0 / f
    g.backward()
    amg, bmg, gmg = a, b, g

    a = torch.tensor([-4.0], dtype=torch.float64, requires_grad=True)
    b = torch.tensor([2.0], dtype=torch.float64, requires_grad=True)
    c = a + b
    d = a * b + b**3
    c = c + c + 1
    c = c + 1 + c + (-a)
    d = d + d * 2 + (b + a).relu()
    d = d + 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g = g + 10.0 / f
    g.backward()
    apt, bpt, gpt = a, b, g

    # forward pass went well
    assert same_float(gmg.data, gpt.item())
    # backward pass went well
    assert same_float(amg.grad, apt.grad.item())
    assert same_float(bmg.grad, bpt.grad.item())
    # micrograd's own numbers, so that a wrong PyTorch setup cannot make this pass
    assert round(gmg.data, 4) == 24.7041 and round(amg.grad, 4) == 138.8338
    assert round(bmg.grad, 4) == 645.5773
