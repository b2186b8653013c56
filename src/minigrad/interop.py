"""The bridge to PyTorch: the same network as a ``torch.nn.Sequential``, and back.

``to_torch(mlp)`` builds a float64 ``Sequential`` of ``Linear`` layers, each followed by its
activation module (``Tanh``, ``ReLU`` or ``Sigmoid``; nothing for ``'linear'``), holding the MLP's
numbers: row j of a Linear's weight is neuron j's ``w``, entry j of its bias is neuron j's ``b``.
``from_torch(sequential)`` reads such a network back into an ``MLP``. Both give the same outputs
(to about 1e-12: PyTorch sums the products in another order).

The tensor modules (``minigrad.tensor_nn``: an ``MLP``, or a ``Sequential`` of ``Linear`` layers
and activations) convert the same way, keeping their dtype: ``to_torch(model)`` accepts one, and
``from_torch(sequential, engine="tensor")`` gives one back (a Linear's ``weight`` is (nin, nout)
here, PyTorch's (nout, nin), so each is transposed on the way).

This is the only module that imports torch, and only when one of these functions is called.
"""

from __future__ import annotations

import random
from typing import Any

from minigrad.engines import is_tensor_module
from minigrad.nn import MLP

# Activation name -> the torch.nn module class name that computes it.
_TORCH_ACTIVATIONS = {"tanh": "Tanh", "relu": "ReLU", "sigmoid": "Sigmoid"}
_FROM_TORCH = {module: name for name, module in _TORCH_ACTIVATIONS.items()} | {"Identity": "linear"}


def to_torch(mlp: MLP) -> Any:
    """A float64 ``torch.nn.Sequential`` computing the same function as ``mlp``."""
    import torch

    if is_tensor_module(mlp):
        from minigrad import tensor_nn

        return _tensor_model_to_torch(mlp, tensor_nn)
    if not isinstance(mlp, MLP):
        raise TypeError(f"to_torch converts an MLP, not {type(mlp).__name__}")
    modules = []
    for layer in mlp.layers:
        linear = torch.nn.Linear(layer.nin, layer.nout, dtype=torch.float64)
        with torch.no_grad():
            weights = [[w.data for w in neuron.w] for neuron in layer.neurons]
            linear.weight.copy_(torch.tensor(weights, dtype=torch.float64))
            linear.bias.copy_(torch.tensor([n.b.data for n in layer.neurons], dtype=torch.float64))
        modules.append(linear)
        activation = layer.neurons[0].activation
        if activation != "linear":
            modules.append(getattr(torch.nn, _TORCH_ACTIVATIONS[activation])())
    return torch.nn.Sequential(*modules)


def from_torch(sequential: Any, engine: str = "scalar") -> Any:
    """The ``MLP`` equal to a ``Sequential`` of ``Linear`` layers and activation modules.

    Each ``Linear`` may be followed by one of ``Tanh``, ``ReLU``, ``Sigmoid`` or ``Identity``
    (none means linear). Every hidden layer must use the same activation, as an MLP does. A
    ``Linear`` without bias becomes neurons with bias 0. Weights are read as float64.

    With ``engine="tensor"`` the result is a tensor ``MLP`` of the torch weights' dtype
    (float32 or float64).
    """
    import torch

    if engine not in ("scalar", "tensor"):
        raise ValueError(f"engine is 'scalar' or 'tensor', not {engine!r:.60}")

    if isinstance(sequential, torch.nn.Linear):
        sequential = torch.nn.Sequential(sequential)
    if not isinstance(sequential, torch.nn.Sequential):
        raise TypeError(
            f"from_torch converts a torch.nn.Sequential, not {type(sequential).__name__}"
        )
    layers: list[tuple[Any, str]] = []  # (Linear, activation name)
    for index, module in enumerate(sequential):
        kind = type(module).__name__
        if isinstance(module, torch.nn.Linear):
            if layers and module.in_features != layers[-1][0].out_features:
                raise ValueError(
                    f"module {index} (Linear) takes {module.in_features} inputs, but the layer "
                    f"before it gives {layers[-1][0].out_features}"
                )
            layers.append((module, "linear"))
        elif kind in _FROM_TORCH and type(module) is getattr(torch.nn, kind):
            if not layers:
                raise ValueError(f"module {index} ({kind}) comes before any Linear layer")
            if layers[-1][1] != "linear":
                raise ValueError(
                    f"module {index} ({kind}) follows another activation; an MLP layer has one"
                )
            layers[-1] = (layers[-1][0], _FROM_TORCH[kind])
        else:
            raise ValueError(
                f"module {index} ({kind}) is not supported: from_torch understands Linear, "
                f"{', '.join(_FROM_TORCH)}"
            )
    if not layers:
        raise ValueError("from_torch got an empty Sequential: it has no Linear layer")
    hidden = {activation for _, activation in layers[:-1]}
    if len(hidden) > 1:
        raise ValueError(
            f"the hidden layers use different activations ({', '.join(sorted(hidden))}); an MLP "
            "uses one activation for every hidden layer"
        )
    activation = hidden.pop() if hidden else "tanh"
    if engine == "tensor":
        from minigrad import tensor_nn

        mlp_class: Any = tensor_nn.MLP
        dtype = "float32" if layers[0][0].weight.dtype == torch.float32 else "float64"
        options = {"dtype": dtype}
    else:
        mlp_class, options = MLP, {}
    seeded = random.getstate()  # the initial weights are overwritten: use no random numbers
    try:
        mlp = mlp_class(
            layers[0][0].in_features,
            [linear.out_features for linear, _ in layers],
            activation=activation,
            output_activation=layers[-1][1],
            **options,
        )
    finally:
        random.setstate(seeded)
    if engine == "tensor":
        for linear, (module, _) in zip(mlp.layers, layers):
            weight = module.weight.detach().to(torch.float64).numpy()
            bias = (
                module.bias.detach().to(torch.float64).numpy()
                if module.bias is not None
                else [0.0] * module.out_features
            )
            linear._set_neuron_rows(_numpy_rows(weight, bias))
        return mlp
    for layer, (linear, _) in zip(mlp.layers, layers):
        weights = linear.weight.detach().to(torch.float64).tolist()
        biases = (
            linear.bias.detach().to(torch.float64).tolist()
            if linear.bias is not None
            else [0.0] * linear.out_features
        )
        for neuron, row, bias in zip(layer.neurons, weights, biases):
            for w, number in zip(neuron.w, row):
                w.data = number
            neuron.b.data = bias
    return mlp


def _numpy_rows(weight: Any, bias: Any) -> Any:
    """One row per neuron, its weights then its bias, from a torch Linear's weight and bias."""
    import numpy

    return numpy.concatenate([numpy.asarray(weight), numpy.asarray(bias)[:, None]], axis=1)


def _tensor_model_to_torch(model: Any, tensor_nn: Any) -> Any:
    """A ``torch.nn.Sequential`` of the tensor model's Linear layers and activations, in its
    dtype: torch's weight is the transpose of the tensor Linear's (nin, nout) weight."""
    import torch

    modules = model.modules if isinstance(model, tensor_nn.Sequential) else [model]
    converted = []
    for module in modules:
        if isinstance(module, tensor_nn.Linear):
            dtype = getattr(torch, str(module.weight.dtype))
            linear = torch.nn.Linear(module.nin, module.nout, dtype=dtype)
            with torch.no_grad():
                linear.weight.copy_(torch.from_numpy(module.weight.numpy().T.copy()))
                linear.bias.copy_(torch.from_numpy(module.bias.numpy().copy()))
            converted.append(linear)
        else:
            name = type(module).__name__
            if name not in _FROM_TORCH or not isinstance(module, getattr(tensor_nn, name)):
                raise TypeError(f"to_torch converts Linear, Tanh, ReLU and Sigmoid, not {name}")
            converted.append(getattr(torch.nn, name)())
    return torch.nn.Sequential(*converted)
