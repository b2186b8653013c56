"""The PyTorch bridge: to_torch and from_torch give networks with the same outputs (1e-12)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import minigrad
from minigrad import MLP, Value, manual_seed
from minigrad.interop import from_torch, to_torch

ACTIVATIONS = ["tanh", "relu", "sigmoid", "linear"]
points = st.lists(st.floats(-3, 3, allow_nan=False), min_size=3, max_size=3)


def outputs(mlp, x):
    out = mlp(x)
    return [out.data] if isinstance(out, Value) else [v.data for v in out]


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("output_activation", ACTIVATIONS)
@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 10**6), x=points)
def test_to_torch_computes_the_same_outputs(activation, output_activation, seed, x):
    manual_seed(seed)
    mlp = MLP(3, [5, 4, 2], activation=activation, output_activation=output_activation)
    model = to_torch(mlp)
    expected = model(torch.tensor(x, dtype=torch.float64)).tolist()
    assert outputs(mlp, x) == pytest.approx(expected, rel=1e-12, abs=1e-12)


def test_to_torch_builds_float64_linear_and_activation_modules_with_the_same_numbers():
    mlp = MLP(3, [4, 4, 1], activation="relu", output_activation="linear")
    model = to_torch(mlp)
    assert [type(m).__name__ for m in model] == ["Linear", "ReLU", "Linear", "ReLU", "Linear"]
    first = model[0]
    assert first.weight.dtype == torch.float64 and first.weight.shape == (4, 3)
    assert first.weight[2].tolist() == [w.data for w in mlp.layers[0].neurons[2].w]
    assert first.bias.tolist() == [n.b.data for n in mlp.layers[0].neurons]
    assert sum(p.numel() for p in model.parameters()) == len(mlp.parameters())


def test_to_torch_gives_the_same_gradients():
    mlp = MLP(3, [4, 1], activation="tanh", output_activation="sigmoid")
    model = to_torch(mlp)
    x = [0.5, -1.0, 2.0]
    mlp(x).backward()
    model(torch.tensor(x, dtype=torch.float64)).sum().backward()
    torch_grads = []
    for linear in (model[0], model[2]):
        for row, bias in zip(linear.weight.grad.tolist(), linear.bias.grad.tolist()):
            torch_grads += [*row, bias]
    assert [p.grad for p in mlp.parameters()] == pytest.approx(torch_grads, rel=1e-12, abs=1e-12)


@pytest.mark.parametrize("activation", ["tanh", "relu", "sigmoid"])
@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 10**6), x=points)
def test_from_torch_computes_the_same_outputs(activation, seed, x):
    torch.manual_seed(seed)
    act = {"tanh": torch.nn.Tanh, "relu": torch.nn.ReLU, "sigmoid": torch.nn.Sigmoid}[activation]
    model = torch.nn.Sequential(
        torch.nn.Linear(3, 6), act(), torch.nn.Linear(6, 2), act(), torch.nn.Linear(2, 1)
    ).double()
    mlp = from_torch(model)
    assert (mlp.nin, mlp.nouts) == (3, [6, 2, 1])
    assert (mlp.activation, mlp.output_activation) == (activation, "linear")
    expected = model(torch.tensor(x, dtype=torch.float64)).tolist()
    assert outputs(mlp, x) == pytest.approx(expected, rel=1e-12, abs=1e-12)


def test_round_trip_through_torch_gives_back_the_same_numbers():
    mlp = MLP(2, [3, 2], activation="sigmoid", output_activation="tanh")
    back = from_torch(to_torch(mlp))
    assert back.state_dict() == mlp.state_dict()
    assert (back.activation, back.output_activation) == ("sigmoid", "tanh")


def test_from_torch_reads_identity_as_linear_a_missing_bias_as_zero_and_float32_as_float64():
    linear = torch.nn.Linear(2, 3, bias=False)
    model = torch.nn.Sequential(linear, torch.nn.Identity(), torch.nn.Linear(3, 1), torch.nn.Tanh())
    mlp = from_torch(model)
    assert mlp.layers[0].neurons[0].activation == "linear"
    assert all(n.b.data == 0.0 for n in mlp.layers[0].neurons)
    assert mlp.layers[0].neurons[1].w[0].data == linear.weight[1, 0].item()
    expected = model.double()(torch.tensor([0.3, -0.7], dtype=torch.float64)).item()
    assert mlp([0.3, -0.7]).data == pytest.approx(expected, rel=1e-12, abs=1e-12)


def test_from_torch_leaves_the_seeded_initialisation_alone():
    manual_seed(5)
    expected = MLP(2, [2]).state_dict()
    manual_seed(5)
    from_torch(torch.nn.Sequential(torch.nn.Linear(3, 4)))
    assert MLP(2, [2]).state_dict() == expected


def test_from_torch_accepts_a_single_linear():
    mlp = from_torch(torch.nn.Linear(4, 2))
    assert mlp.nouts == [2] and mlp.output_activation == "linear"


@pytest.mark.parametrize(
    "model, error, message",
    [
        (
            torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Dropout(), torch.nn.Linear(3, 1)),
            ValueError,
            r"module 1 \(Dropout\) is not supported: from_torch understands Linear, Tanh",
        ),
        (
            torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.GELU()),
            ValueError,
            r"module 1 \(GELU\) is not supported",
        ),
        (torch.nn.Sequential(torch.nn.Tanh()), ValueError, "comes before any Linear"),
        (
            torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Tanh(), torch.nn.ReLU()),
            ValueError,
            "follows another activation",
        ),
        (
            torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Linear(4, 1)),
            ValueError,
            "takes 4 inputs, but the layer before it gives 3",
        ),
        (
            torch.nn.Sequential(
                torch.nn.Linear(2, 3),
                torch.nn.Tanh(),
                torch.nn.Linear(3, 3),
                torch.nn.ReLU(),
                torch.nn.Linear(3, 1),
            ),
            ValueError,
            "hidden layers use different activations",
        ),
        (torch.nn.Sequential(), ValueError, "empty Sequential"),
        (torch.nn.Tanh(), TypeError, "converts a torch.nn.Sequential, not Tanh"),
    ],
)
def test_from_torch_rejects_what_an_mlp_cannot_express(model, error, message):
    with pytest.raises(error, match=message):
        from_torch(model)


def test_to_torch_rejects_anything_but_an_mlp():
    with pytest.raises(TypeError, match="converts an MLP"):
        to_torch([1.0, 2.0])


def test_the_core_never_imports_torch():
    code = (
        "import sys, minigrad, minigrad.nn, minigrad.losses, minigrad.optim, "
        "minigrad.storage.checkpoint, minigrad.interop\n"
        "minigrad.MLP(2, [2, 1])([1.0, 2.0]).backward()\n"
        "assert 'torch' not in sys.modules, 'torch was imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, env=_env())


def _env():
    src = os.path.dirname(os.path.dirname(minigrad.__file__))
    return {**os.environ, "PYTHONPATH": src + os.pathsep + os.environ.get("PYTHONPATH", "")}
