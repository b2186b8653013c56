"""The front door (``minigrad/__init__.py``): the one place that knows both engines.

``grad``, ``gradcheck``, ``draw_dot`` and ``explain_backward`` pick the Value or the Tensor version
by what they are given; the submodules come on first use (``minigrad.optim`` after ``import
minigrad``), and NumPy is imported only when a Tensor is used.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

import minigrad
from minigrad import Value


def run(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)


def test_submodules_come_on_first_use_and_numpy_only_with_the_tensor_engine():
    result = run(
        "import sys, minigrad\n"
        "names = [minigrad.optim.SGD, minigrad.losses.mse_loss, minigrad.nn.MLP,\n"
        "         minigrad.engine.Value, minigrad.interop.to_torch]\n"
        "print('numpy' in sys.modules)\n"
        "x = minigrad.Value(2.0)\n"
        "minigrad.grad(x * x, x); minigrad.gradcheck(lambda v: v.tanh(), [0.3])\n"
        "minigrad.losses.mse_loss([x], [1.0]).backward()\n"
        "minigrad.optim.SGD([x], lr=0.1).step(); minigrad.optim.Adam([x]).step()\n"
        "print('numpy' in sys.modules)\n"
        "print(minigrad.tensor.Tensor is minigrad.Tensor, 'numpy' in sys.modules)\n"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "False", "True", "True"]


def test_without_numpy_the_tensor_engine_says_which_extra_to_install():
    result = run(
        "import sys\n"
        "sys.modules['numpy'] = None  # as if NumPy were not installed\n"
        "import minigrad\n"
        "print(minigrad.grad(minigrad.Value(3.0) ** 2, minigrad.Value(1.0)))\n"
        "from minigrad import Tensor\n"
    )
    assert result.stdout.strip() == "(0.0,)"
    last_line = result.stderr.strip().splitlines()[-1]
    assert last_line.startswith("ModuleNotFoundError: the Tensor engine needs NumPy")
    assert "'tensor' extra" in last_line and "pip install '.[tensor]'" in last_line
    assert "minigrad-edu[tensor]" not in last_line  # not on the package index yet


def test_an_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'nothing_here'"):
        _ = minigrad.nothing_here


@pytest.fixture
def tensor_engine():
    return pytest.importorskip("minigrad.tensor")


def test_grad_picks_the_engine_by_type(tensor_engine):
    x = Value(3.0)
    assert minigrad.grad(x * x, x) == (6.0,)
    t = tensor_engine.Tensor([1.0, 2.0], dtype="float64", requires_grad=True)
    (g,) = minigrad.grad((t * t).sum(), [t])
    assert g.tolist() == [2.0, 4.0]


def test_gradcheck_picks_the_engine_by_its_inputs():
    numpy = pytest.importorskip("numpy")
    assert minigrad.gradcheck(lambda x: x * x, [1.5])
    assert minigrad.gradcheck(lambda x: (x * x).sum(), [numpy.array([1.0, -2.0])])


def test_explain_backward_and_draw_dot_pick_the_engine_by_type(tensor_engine):
    pytest.importorskip("graphviz")
    x = Value(3.0, label="x")
    t = tensor_engine.Tensor([1.0, 2.0], requires_grad=True, label="t")
    value_steps = minigrad.explain_backward(x * x)
    tensor_steps = minigrad.explain_backward((t * t).sum())
    assert type(value_steps[0]).__name__ == "BackwardStep"
    assert type(tensor_steps[0]).__name__ == "TensorBackwardStep"
    assert "x" in minigrad.draw_dot(x * x).source
    assert "(2,) float32" in minigrad.draw_dot((t * t).sum()).source
