"""Neural-network modules built from Tensors: Linear, Sequential, activations and MLP.

The scalar ``nn`` computes a layer neuron by neuron, y_j = act(Σ_k w_jk·x_k + b_j); here a layer
computes all its neurons for a whole batch at once, one matrix product:

    Y = act(X @ W + b),   X: (batch, nin),  W: (nin, nout),  b: (nout,)

Column j of W holds neuron j's weights (W[k, j] is the scalar neuron's ``w[k]``), so ``X @ W``
reads left to right: a batch of rows times the weights. (PyTorch's ``Linear.weight`` is Wᵀ,
(nout, nin); ``to_torch`` transposes.) The bias is broadcast over the batch, so backward sums its
gradient over the batch: that is ``sum_to`` at work.

``MLP(nin, sizes, activation=..., output_activation=...)`` takes the scalar MLP's arguments, draws
its initial weights the same way (uniform in [-1, 1], neuron by neuron, from the generator that
``minigrad.manual_seed`` seeds) and names its numbers the same way in ``state_dict()``
(``layers.0.neurons.2.w.1``...), so one network's weights load into the other and the JSON
checkpoints of ``minigrad.save``/``load`` work for both.

Examples:
    >>> from minigrad import manual_seed, MLP as ScalarMLP
    >>> manual_seed(0); scalar = ScalarMLP(3, [4, 4, 1])
    >>> manual_seed(0); tensor = MLP(3, [4, 4, 1], dtype="float64")
    >>> tensor.state_dict() == scalar.state_dict()
    True
    >>> abs(tensor([[2.0, 3.0, -1.0]]).item() - scalar([2.0, 3.0, -1.0]).data) < 1e-12
    True
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping, Sequence
from typing import Any

import numpy

from minigrad import nn
from minigrad import tensor as mt
from minigrad.nn import _activation, _check_size
from minigrad.tensor import Tensor, _namespace

__all__ = ["MLP", "Linear", "Module", "ReLU", "Sequential", "Sigmoid", "Tanh"]


class Module:
    """Something with Tensor parameters; calling it runs ``forward``.

    ``state_dict()`` maps names to plain floats, named as the scalar ``nn`` names them, and
    ``load_state_dict`` puts such numbers back, checking every name and number first.
    """

    def __call__(self, x: Any) -> Tensor:
        return self.forward(x)

    def forward(self, x: Any) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__} does not define forward()")

    def linears(self) -> list[tuple[str, Linear]]:
        """The Linear layers inside, with the prefix of their names in the state dict."""
        return []

    def parameters(self) -> list[Tensor]:
        return [p for _, linear in self.linears() for p in (linear.weight, linear.bias)]

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget every parameter's gradient (``grad = None``), as between training steps; with
        ``set_to_none=False`` (PyTorch's option) a gradient becomes zeros of its shape instead."""
        for p in self.parameters():
            keep = not set_to_none and p.grad is not None
            p.grad = _namespace(p.grad).zeros_like(p.grad) if keep else None

    def state_dict(self) -> dict[str, float]:
        """{name: number} for every number of every parameter, neuron by neuron as in ``nn``."""
        state: dict[str, float] = {}
        for prefix, linear in self.linears():
            numbers_in_order = linear._neuron_rows().reshape(-1).tolist()
            state.update(zip(linear._names(prefix), numbers_in_order))
        return state

    def load_state_dict(self, state_dict: Mapping[str, float]) -> None:
        """Set every parameter from ``state_dict``; on any mismatch raise and change nothing.

        The names and numbers are checked by the scalar ``nn.Module.load_state_dict`` itself
        (the same errors), which puts each number into a slot; the slots then become arrays. A
        number that the layer's dtype cannot hold (``1e300`` or ``1e-50`` in float32, which would
        become inf or 0) is a ValueError naming its entry.
        """
        layers = self.linears()
        slots = [
            (name, _Slot()) for prefix, linear in layers for name in linear._names(prefix)
        ]
        nn.Module.load_state_dict(_Slots(self, slots), state_dict)
        entries = iter(slots)
        new_rows = []
        for _, linear in layers:
            names, numbers = zip(*[next(entries) for _ in range(linear.nout * (linear.nin + 1))])
            rows = numpy.array([slot.data for slot in numbers])
            _check_representable(rows, linear.weight.dtype, names)
            new_rows.append(rows.reshape(linear.nout, linear.nin + 1))
        for (_, linear), rows in zip(layers, new_rows):  # every layer checked first
            linear._set_neuron_rows(rows)


def _check_representable(numbers: numpy.ndarray, dtype: Any, names: Sequence[str]) -> None:
    """Raise ValueError naming the first entry that ``dtype`` would turn into ±inf or 0."""
    try:
        target = numpy.dtype(dtype)
    except TypeError:
        return  # another array library's dtype: it converts as it does
    with numpy.errstate(over="ignore", under="ignore"):
        converted = numbers.astype(target)
    lost = (numpy.isfinite(numbers) & ~numpy.isfinite(converted)) | (
        (numbers != 0) & (converted == 0)
    )
    if lost.any():
        i = int(numpy.flatnonzero(lost)[0])
        what = "too large" if numpy.isinf(converted[i]) else "too small"
        raise ValueError(
            f"state dict entry {names[i]!r} is {float(numbers[i])!r}, {what} for this model's "
            f"{target} (it would become {float(converted[i])!r})"
        )


class _Slot:
    """A place for one number of a state dict, which nn's check fills through ``.data``."""

    __slots__ = ("data",)


class _Slots(nn.Module):
    """A tensor model's numbers seen as the scalar nn sees a model: named places with ``.data``."""

    def __init__(self, model: Module, slots: list[tuple[str, _Slot]]) -> None:
        self.model, self.slots = model, slots

    def named_parameters(self) -> list[tuple[str, Any]]:
        return self.slots

    def __repr__(self) -> str:
        return repr(self.model)


class Linear(Module):
    """y = x @ W + b for a batch x of shape (batch, nin) (or one sample, (nin,)).

    W, ``weight``, has shape (nin, nout) and b, ``bias``, shape (nout,). They start uniform in
    [-1/√nin, 1/√nin], as PyTorch's, from a NumPy generator seeded from Python's ``random`` (so
``random.seed`` and ``minigrad.manual_seed`` make them reproducible).
    """

    def __init__(self, nin: int, nout: int, dtype: str = "float32") -> None:
        _check_size("nin (the number of inputs)", nin)
        _check_size("nout (the number of outputs)", nout)
        rng = numpy.random.default_rng(random.getrandbits(64))
        bound = 1.0 / math.sqrt(nin)
        self.weight = Tensor(rng.uniform(-bound, bound, (nin, nout)), True, dtype, "W")
        self.bias = Tensor(rng.uniform(-bound, bound, nout), True, dtype, "b")

    @property
    def nin(self) -> int:
        return self.weight.shape[0]

    @property
    def nout(self) -> int:
        return self.weight.shape[1]

    def forward(self, x: Any) -> Tensor:
        return mt.linear(_as_input(x, self.weight, self), self.weight, self.bias)  # x @ W + b

    def linears(self) -> list[tuple[str, Linear]]:
        return [("", self)]

    def _names(self, prefix: str) -> list[str]:
        """The state dict's names of this layer's numbers, neuron by neuron: w.0..w.n-1, b."""
        return [
            f"{prefix}neurons.{j}.{name}"
            for j in range(self.nout)
            for name in [*(f"w.{k}" for k in range(self.nin)), "b"]
        ]

    def _neuron_rows(self) -> numpy.ndarray:
        """One row per neuron: its weights, then its bias (float64)."""
        weight, bias = self.weight.numpy().astype(numpy.float64), self.bias.numpy()
        return numpy.concatenate([weight.T, bias.astype(numpy.float64)[:, None]], axis=1)

    @classmethod
    def _from_neuron_rows(cls, rows: numpy.ndarray, dtype: str) -> Linear:
        """The layer whose neuron j has the weights rows[j, :-1] and the bias rows[j, -1]."""
        linear = cls.__new__(cls)
        linear.weight = Tensor(numpy.ascontiguousarray(rows[:, :-1].T), True, dtype, "W")
        linear.bias = Tensor(numpy.ascontiguousarray(rows[:, -1]), True, dtype, "b")
        return linear

    def _set_neuron_rows(self, rows: numpy.ndarray) -> None:
        xp, dtype = _namespace(self.weight.data), self.weight.dtype
        self.weight.data = xp.asarray(numpy.ascontiguousarray(rows[:, :-1].T), dtype=dtype)
        self.bias.data = xp.asarray(numpy.ascontiguousarray(rows[:, -1]), dtype=dtype)

    def __repr__(self) -> str:
        return f"Linear({self.nin}, {self.nout}, dtype={str(self.weight.dtype)!r})"


class Tanh(Module):
    """y = tanh x, elementwise."""

    def forward(self, x: Any) -> Tensor:
        return x.tanh()

    def __repr__(self) -> str:
        return "Tanh()"


class ReLU(Module):
    """y = max(0, x), elementwise."""

    def forward(self, x: Any) -> Tensor:
        return x.relu()

    def __repr__(self) -> str:
        return "ReLU()"


class Sigmoid(Module):
    """y = 1/(1 + e⁻ˣ), elementwise."""

    def forward(self, x: Any) -> Tensor:
        return x.sigmoid()

    def __repr__(self) -> str:
        return "Sigmoid()"


_ACTIVATION_MODULES: dict[str, type[Module] | None] = {
    "tanh": Tanh,
    "relu": ReLU,
    "sigmoid": Sigmoid,
    "linear": None,
}


class Sequential(Module):
    """Modules applied in turn. In the state dict, the i-th Linear's numbers are named
    ``layers.{i}.neurons...`` (activations have none), as in the scalar MLP."""

    def __init__(self, *modules: Module) -> None:
        for i, module in enumerate(modules):
            if not isinstance(module, Module):
                raise TypeError(
                    f"Sequential takes tensor modules (Linear, Tanh...), but module {i} is "
                    f"{type(module).__name__}"
                )
        self.modules = list(modules)

    def forward(self, x: Any) -> Tensor:
        for module in self.modules:
            x = module.forward(x)
        return x

    def linears(self) -> list[tuple[str, Linear]]:
        layers = [m for m in self.modules if isinstance(m, Linear)]
        return [(f"layers.{i}.", linear) for i, linear in enumerate(layers)]

    def __repr__(self) -> str:
        return f"Sequential({', '.join(map(repr, self.modules))})"


class MLP(Sequential):
    """The scalar ``MLP`` with a layer per matrix: ``MLP(3, [4, 4, 1])`` maps a batch of rows of
    3 inputs through two layers of 4 to 1 output.

    The constructor, the initial weights (uniform in [-1, 1], drawn neuron by neuron as the scalar
    MLP draws them) and the state dict are the scalar MLP's; ``dtype`` is the Tensors'. Calling it
    on a batch (batch, nin) gives (batch, nouts[-1]); on one sample (nin,), (nouts[-1],).
    """

    def __init__(
        self,
        nin: int,
        nouts: Sequence[int],
        activation: str = "tanh",
        output_activation: str = "tanh",
        dtype: str = "float32",
    ) -> None:
        _check_size("nin (the number of inputs)", nin)
        if isinstance(nouts, (str, bytes)) or not isinstance(nouts, Sequence) or not nouts:
            raise TypeError(f"nouts is a non-empty list of layer sizes such as [4, 4, 1], not "
                            f"{nouts!r:.60}")  # fmt: skip
        for i, size in enumerate(nouts):
            _check_size(f"nouts[{i}] (the size of layer {i})", size)
        _activation(activation)
        _activation(output_activation)
        sizes = [nin, *nouts]
        modules: list[Module] = []
        for i in range(len(nouts)):
            # the scalar MLP's draws, in its order: neuron by neuron, nin weights then the bias
            draws = [random.uniform(-1, 1) for _ in range(sizes[i + 1] * (sizes[i] + 1))]
            rows = numpy.array(draws).reshape(sizes[i + 1], sizes[i] + 1)
            modules.append(Linear._from_neuron_rows(rows, dtype))
            act = _ACTIVATION_MODULES[output_activation if i == len(nouts) - 1 else activation]
            if act is not None:
                modules.append(act())
        super().__init__(*modules)
        self.activation = activation
        self.output_activation = output_activation

    @property
    def nin(self) -> int:
        return self.linears()[0][1].nin

    @property
    def nouts(self) -> list[int]:
        return [linear.nout for _, linear in self.linears()]

    @property
    def layers(self) -> list[Linear]:
        return [linear for _, linear in self.linears()]

    def __repr__(self) -> str:
        return (
            f"MLP({self.nin}, {self.nouts}, activation={self.activation!r}, "
            f"output_activation={self.output_activation!r}, "
            f"dtype={str(self.layers[0].weight.dtype)!r})"
        )


def _as_input(x: Any, weight: Tensor, who: Module) -> Tensor:
    """x as a Tensor of the weight's dtype whose last axis has nin numbers (the weight's rows)."""
    if not isinstance(x, Tensor):
        x = Tensor(x, dtype=weight.dtype)
    nin = weight.data.shape[0]
    if x.data.shape[-1:] != (nin,):
        raise ValueError(
            f"{who!r} takes inputs whose last axis has {nin} numbers (a batch of shape "
            f"(batch, {nin}) or one sample ({nin},)), not shape {x.shape}"
        )
    return x
