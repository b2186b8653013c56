"""Neural-network modules built from Values: Neuron, Layer and MLP, as in the micrograd lecture.

A ``Neuron`` with n inputs computes y = act(Σ wᵢ·xᵢ + b); a ``Layer`` is neurons reading the same
inputs; an ``MLP`` chains layers. ``MLP(3, [4, 4, 1])`` is the network of the original MiniGrad
description and ``MLP(2, [16, 16, 1], activation='relu', output_activation='linear')`` is
micrograd's demo network. Weights and biases start uniform in [-1, 1], drawn with Python's
``random.uniform`` as in the lecture: ``random.seed(k)`` (or ``manual_seed(k)``) makes a model
reproducible.

By default a neuron is built as the lecture builds it, from ordinary Value operations,
``sum((wi*xi for wi, xi in zip(w, x)), b).tanh()``: n products, n sums and the activation, each a
node of its own, so drawings and explainers show every step.

Fused neurons (``fused=True``: what the demos and benchmarks train with). Backward visiting 2n + 1
nodes per neuron is most of a training step's time; a fused neuron is a single node instead,
made by one operation (``'tanh(w·x+b)'``, ``'relu(w·x+b)'``, ``'sigmoid(w·x+b)'`` or ``'w·x+b'``)
whose inputs are x₁..xₙ, w₁..wₙ, b, and whose backward rule is the chain rule through the whole
neuron at once:

    z = Σ wᵢ·xᵢ + b,   y = act(z),   d = g · act'(z)  (act' written from y: 1 - y² for tanh)
    ∂/∂xᵢ = d · wᵢ,    ∂/∂wᵢ = d · xᵢ,    ∂/∂b = d

The products and sums happen in the same order as in the unfused graph (b + w₁x₁ + w₂x₂ + ...),
so the values are the same to the last bit, and so is what each neuron passes back to each input.
The rule uses only operators, so ``grad(..., create_graph=True)`` still works. The node keeps its
inputs as two tuples shared with other nodes, the layer's inputs and the neuron's (w₁..wₙ, b)
(fused._SharedInputsNode), so a layer makes one object per neuron and sample.

Parameters are labelled by their place in the model (``L0.N1.w2`` is weight 2 of neuron 1 of
layer 0: ``layers.0.neurons.1.w.2`` in the state dict), and plain numbers given as inputs become
leaf Values labelled ``x[0]``, ``x[1]``, ... (once per call, shared by the neurons that read them).

Examples:
    >>> import random
    >>> from minigrad import MLP
    >>> random.seed(0)
    >>> n = MLP(3, [4, 4, 1])
    >>> len(n.parameters())
    41
    >>> y = n([2.0, 3.0, -1.0])
    >>> y._op, y._prev[0]._op  # tanh of (... + w·x)
    ('tanh', '+')
    >>> fast = MLP(3, [4, 4, 1], fused=True)
    >>> fast.load_state_dict(n.state_dict())
    >>> z = fast([2.0, 3.0, -1.0])
    >>> z._op, len(z._prev)  # one node: 4 inputs, 4 weights, 1 bias
    ('tanh(w·x+b)', 9)
    >>> z.data == y.data
    True
"""

from __future__ import annotations

import importlib
import numbers
import random
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from minigrad import floats
from minigrad.engine import LEAF, SIGMOID, TANH, Operand, Operation, Value, _node, is_grad_enabled
from minigrad.extend import operation
from minigrad.fused import _shared_inputs_node, _SharedInputsNode, _SharedTuple


def manual_seed(seed: int) -> None:
    """Seed Python's random numbers, from which initial weights are drawn: ``random.seed(seed)``,
    as ``torch.manual_seed`` seeds PyTorch's. The same code then builds the same model."""
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise TypeError(f"manual_seed takes an int, not {type(seed).__name__}: {seed!r:.60}")
    random.seed(seed)


# ---------------------------------------------------------------------------------------------
# Activations, and the fused neuron operation made from each
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Activation:
    """An activation: forward on floats, g · act'(z) written from y = act(z), and Value method."""

    name: str
    forward: Callable[[float], float]
    local_grad: Callable[[Operand, Operand], Operand]  # (g, y) -> g · act'(z)
    on_value: Callable[[Value], Value]  # the unfused form, an ordinary Value operation

    def __reduce__(self) -> tuple[object, ...]:
        """Pickled by name (its rules are functions): models pickle, for Python's own tools."""
        return (_activation, (self.name,))


def _engine_rule(op: Operation) -> Callable[[Operand, Operand], Operand]:
    """g · act'(z) by the engine's own backward rule for act, so fused and unfused neurons agree.

    These rules read only y = act(z), never z itself.
    """
    return lambda g, y: op.backward(g, y, y)[0]


def _relu_rule(g: Operand, y: Operand) -> Operand:
    """g · relu'(z), the engine's relu rule written out (z ≤ 0 exactly when y ≤ 0).

    Called for every neuron in every backward pass, so it is not called through the engine's
    table, which takes several times as long; a test checks that the two agree.
    """
    return 0.0 if y <= 0.0 else g


# fmt: off
_ACTIVATIONS = {
    a.name: a for a in [
        _Activation("tanh",    floats.tanh,    _engine_rule(TANH),    Value.tanh),
        _Activation("relu",    floats.relu,    _relu_rule,            Value.relu),
        _Activation("sigmoid", floats.sigmoid, _engine_rule(SIGMOID), Value.sigmoid),
        _Activation("linear",  lambda z: z,    lambda g, y: g,        lambda z: z),
    ]
}
# fmt: on


def _fan_in(number_of_inputs: int) -> int:
    """n, for a neuron node whose inputs are x₁..xₙ, w₁..wₙ, b."""
    if number_of_inputs % 2 != 1:
        raise ValueError(
            f"a neuron node takes x₁..xₙ, w₁..wₙ, b (an odd number of inputs), "
            f"not {number_of_inputs}"
        )
    return number_of_inputs // 2


def _neuron_operation(act: _Activation) -> Operation:
    """The operation y = act(Σ wᵢ·xᵢ + b) on inputs (x₁..xₙ, w₁..wₙ, b)."""

    def forward(*inputs: float) -> float:
        n = _fan_in(len(inputs))
        z = inputs[-1]
        for w, x in zip(inputs[n : 2 * n], inputs):
            z += w * x
        return act.forward(z)

    def backward(g: Operand, out: Operand, *inputs: Operand) -> list[Operand]:
        """d = g·act'(z); the xs receive d·w, the ws d·x, the bias d·1."""
        n = _fan_in(len(inputs))
        d = act.local_grad(g, out)
        partners = (*inputs[n : 2 * n], *inputs[:n], 1.0)  # ∂z/∂xᵢ = wᵢ, ∂z/∂wᵢ = xᵢ, ∂z/∂b = 1
        return [d * partner for partner in partners]

    local_grad = act.local_grad  # (read once: see engine.Operation)

    def accumulate(node: Value, finite: bool) -> None:
        """The same rule on floats, added into the inputs' grads in the same order."""
        d = local_grad(node.grad, node.data)
        if d == 0.0 and finite:
            # A dead ReLU, or no gradient arriving: every input would receive d·(a finite
            # number) = ±0.0, and adding ±0.0 to a grad changes nothing (grads start at +0.0,
            # and a sum is -0.0 only when both terms are; a leaf grad a user set to -0.0 or to
            # the int 0 is the one exception). Were an input inf or nan, 0·inf = nan would have
            # to reach the grads, as in PyTorch: then finite is False and we go on.
            return
        if type(node) is _SharedInputsNode:  # made by a Neuron: xs, then (w₁..wₙ, b)
            # None of the xs is also a weight or the bias (nn makes such a node only then), so
            # one loop adds to each Value in the rule's order: an x fed in twice gets its two
            # numbers in the order of the xs, a weight tied to another in the order of the ws.
            parameters = node._tail
            for x, w in zip(node._head, parameters):  # n pairs: zip stops before b
                x.grad += d * w.data
                w.grad += d * x.data
            parameters[-1].grad += d
            return
        inputs = node._prev  # a node made otherwise: one tuple, in which an x may also be a w
        n = _fan_in(len(inputs))
        xs, parameters = inputs[:n], inputs[n:]
        for x, w in zip(xs, parameters):  # n pairs: zip stops before b
            x.grad += d * w.data
        for x, w in zip(xs, parameters):
            w.grad += d * x.data
        parameters[-1].grad += d

    name = "w·x+b" if act.name == "linear" else f"{act.name}(w·x+b)"
    return operation(name, forward, backward, accumulate=accumulate, replaceable=False)


_NEURON_OPERATIONS = {name: _neuron_operation(act) for name, act in _ACTIVATIONS.items()}


def _activation(name: object, nonlin: bool | None = None) -> _Activation:
    """The activation called ``name``; micrograd's ``nonlin=False`` means none (linear)."""
    act = _ACTIVATIONS.get(name) if isinstance(name, str) else None
    if act is None:
        raise ValueError(
            f"unknown activation {name!r}; choose one of {', '.join(map(repr, _ACTIVATIONS))}"
        )
    if nonlin is None:
        return act
    if not isinstance(nonlin, bool):
        raise TypeError(f"nonlin is True or False, not {nonlin!r:.60}")
    return act if nonlin else _ACTIVATIONS["linear"]


def _check_fused(fused: object) -> bool:
    if not isinstance(fused, bool):
        raise TypeError(f"fused is True or False, not {fused!r:.60}")
    return fused


def _check_size(what: str, size: object) -> int:
    if isinstance(size, bool) or not isinstance(size, int):
        raise TypeError(f"{what} is a whole number, not {type(size).__name__}: {size!r:.60}")
    if size < 1:
        raise ValueError(f"{what} must be at least 1, not {size}")
    return size


def _as_inputs(x: object, nin: int, who: Module) -> tuple[tuple[Value, ...], bool]:
    """The inputs as Values (numbers become leaves), after checking there are ``nin`` of them;
    and whether they are all new leaves made here (no Value was given).

    Any iterable of numbers or Values will do (a list, a tuple, a NumPy row); a one-input module
    also takes a single number.
    """
    if type(x) is not list:
        if isinstance(x, (Value, numbers.Real)) and nin == 1:
            x = [x]
        elif isinstance(x, (str, bytes, Mapping)) or not isinstance(x, Iterable):
            raise TypeError(
                f"{who!r} takes a list of {nin} numbers or Values, "
                f"not {type(x).__name__}: {x!r:.60}"
            )
        else:
            x = list(x)
    if len(x) != nin:
        raise ValueError(f"{who!r} takes {nin} inputs, but got {len(x)}: {x!r:.80}")
    xs = _SharedTuple(
        [xi if type(xi) is Value else _input_leaf(xi, i, who) for i, xi in enumerate(x)]
    )
    return xs, not any(isinstance(xi, Value) for xi in x)


def _input_leaf(xi: object, i: int, who: Module) -> Value:
    """Input i as a leaf Value labelled ``x[i]`` (a Value given as an input is used as it is)."""
    if type(xi) is float:  # the usual case, first: a leaf made without Value()'s checks
        leaf = _node(xi, (), LEAF)
    elif isinstance(xi, Value):
        return xi
    elif isinstance(xi, numbers.Real):
        leaf = Value(xi)
    else:
        raise TypeError(
            f"{who!r}'s inputs are numbers or Values, not {type(xi).__name__}: {xi!r:.60}"
        )
    leaf.label = f"x[{i}]"
    return leaf


# ---------------------------------------------------------------------------------------------
# Modules
# ---------------------------------------------------------------------------------------------


class Module:
    """Something with parameters; calling it runs ``forward``.

    ``named_parameters()`` names each parameter by where it sits (``'layers.0.neurons.2.w.1'``);
    ``state_dict()`` maps those names to the parameters' numbers and ``load_state_dict`` puts such
    numbers back, checking every name and number before it changes anything.
    """

    def __call__(self, x: Iterable[Operand]) -> Value | list[Value]:
        return self.forward(x)

    def forward(self, x: Iterable[Operand]) -> Value | list[Value]:
        raise NotImplementedError(f"{type(self).__name__} does not define forward()")

    def named_parameters(self) -> list[tuple[str, Value]]:
        return []

    def parameters(self) -> list[Value]:
        return [p for _, p in self.named_parameters()]

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Set every parameter's grad to 0.0 (do it between training steps: leaves accumulate).
        A Value's grad is a number, never None, so ``set_to_none`` (PyTorch's option) changes
        nothing here."""
        for p in self.parameters():
            p.grad = 0.0

    def state_dict(self) -> dict[str, float]:
        """{name: number} for every parameter, in ``parameters()`` order."""
        return {name: p.data for name, p in self.named_parameters()}

    def load_state_dict(self, state_dict: Mapping[str, float]) -> None:
        """Set every parameter from ``state_dict``; on any mismatch raise and change nothing."""
        if not isinstance(state_dict, Mapping):
            raise TypeError(
                f"load_state_dict takes a dict of name -> number, not {type(state_dict).__name__}"
            )
        named = self.named_parameters()
        names = [name for name, _ in named]
        missing = [name for name in names if name not in state_dict]
        expected = set(names)
        unexpected = [name for name in state_dict if name not in expected]
        if missing or unexpected:
            problems = []
            if missing:
                problems.append(f"missing {len(missing)}: {_some(missing)}")
            if unexpected:
                problems.append(f"unexpected {len(unexpected)}: {_some(unexpected)}")
            raise StateDictMismatchError(
                f"state dict does not fit {self!r}: the model has {len(names)} parameters, the "
                f"state dict {len(state_dict)} numbers; {'; '.join(problems)}"
            )
        numbers_in_order = []
        for name in names:
            number = state_dict[name]
            if isinstance(number, bool) or not isinstance(number, numbers.Real):
                raise TypeError(
                    f"state dict entry {name!r} must be a number, "
                    f"not {type(number).__name__}: {number!r:.60}"
                )
            try:
                numbers_in_order.append(float(number))
            except OverflowError:  # an int like 10**400
                raise ValueError(f"state dict entry {name!r} is too large for a float") from None
        for (_, p), number in zip(named, numbers_in_order):
            p.data = number


class StateDictMismatchError(KeyError, ValueError):
    """A state dict whose names do not match the model's (both a KeyError and a ValueError)."""

    def __str__(self) -> str:
        return str(self.args[0])  # KeyError would show the repr of the message


def _some(names: list[str], shown: int = 5) -> str:
    more = f" and {len(names) - shown} more" if len(names) > shown else ""
    return ", ".join(map(repr, names[:shown])) + more


class Neuron(Module):
    """y = act(Σ wᵢ·xᵢ + b): 2n + 1 nodes of the graph, or one when ``fused`` (see the module
    docstring).

    ``w`` is a list of n Values and ``b`` a Value, as in the lecture: ``n.w + [n.b]`` are the
    parameters, and ``n.w[0] = Value(0.5)`` replaces a weight. ``activation`` is ``'tanh'``,
    ``'relu'``, ``'sigmoid'`` or ``'linear'`` (no activation); micrograd's ``nonlin=False`` is
    ``'linear'``.
    """

    def __init__(
        self,
        nin: int,
        activation: str = "tanh",
        fused: bool = False,
        *,
        nonlin: bool | None = None,
    ) -> None:
        _check_size("nin (the number of inputs)", nin)
        self._act = _activation(activation, nonlin)
        self.fused = _check_fused(fused)
        self._operation = _NEURON_OPERATIONS[self._act.name]
        self._nin = nin  # fixed: the weights must stay as many
        self.w = [Value(random.uniform(-1, 1), label=f"w{i}") for i in range(nin)]
        self.b = Value(random.uniform(-1, 1), label="b")
        # For fused nodes: (w₁..wₙ, b) as one tuple, the last n + 1 inputs of every node the
        # neuron makes; made again when w or b is changed (_shared_parameters checks).
        self._parameters: tuple[Value, ...] = _SharedTuple((*self.w, self.b))
        self._weights_in_parameters = list(self.w)

    @property
    def nin(self) -> int:
        """The number of inputs; fixed when the neuron is built."""
        return self._nin

    @property
    def activation(self) -> str:
        """The activation's name; fixed when the neuron is built (it names the node's operation)."""
        return self._act.name

    def forward(self, x: Iterable[Operand]) -> Value:
        xs, inputs_are_new = _as_inputs(x, self.nin, self)
        return _neurons_forward([self], xs, inputs_are_new)[0]

    def _unfused_forward(self, xs: tuple[Value, ...]) -> Value:
        """The neuron as the lecture writes it, with ordinary Value operations: 2n + 1 nodes."""
        self._check_parameters()
        act = sum((wi * xi for wi, xi in zip(self.w, xs)), self.b)  # b + w₁x₁ + w₂x₂ + ...
        return self._act.on_value(act)

    def _shared_parameters(self) -> tuple[Value, ...]:
        """(w₁..wₙ, b) as the tuple a fused node keeps, made again if ``w`` or ``b`` changed."""
        self._check_parameters()
        self._parameters = _SharedTuple((*self.w, self.b))
        self._weights_in_parameters = list(self.w)
        return self._parameters

    def _check_parameters(self) -> None:
        w, b = self.w, self.b
        if not isinstance(w, list) or len(w) != self.nin:
            count = f"{len(w)} " if isinstance(w, Sequence) else ""
            raise ValueError(
                f"{self!r} takes a list of {self.nin} weights, but its w is {count}"
                f"{type(w).__name__}: {w!r:.80}"
            )
        for wi in (*w, b):
            if not isinstance(wi, Value):
                raise TypeError(
                    f"{self!r}'s weights and bias are Values, not {type(wi).__name__}: {wi!r:.60}"
                )

    def named_parameters(self) -> list[tuple[str, Value]]:
        return [(f"w.{i}", wi) for i, wi in enumerate(self.w)] + [("b", self.b)]

    def parameters(self) -> list[Value]:
        return self.w + [self.b]

    def __repr__(self) -> str:
        fused = ", fused=True" if self.fused else ""
        return f"Neuron({self.nin}, activation={self.activation!r}{fused})"


def _neurons_forward(
    neurons: Sequence[Neuron], xs: tuple[Value, ...], inputs_are_new: bool = False
) -> tuple[Value, ...]:
    """Each neuron on the inputs ``xs``: y = act(Σ wᵢ·xᵢ + b), one node per fused neuron.

    A whole layer in one loop, not a call per neuron: this is the innermost loop of a training
    step's forward pass, run once per neuron and sample (the calls cost 2 % of micrograd's demo
    step, in instructions).

    A neuron's node keeps ``xs`` and the neuron's (w₁..wₙ, b) as the two tuples they are when no
    input is also one of those parameters, which is checked here unless ``inputs_are_new``: leaves
    just made from numbers, or the outputs of the layer before in the same MLP call, did not exist
    when the parameters were set. (Otherwise the node keeps one tuple, and backward adds its
    gradients in two loops.) The check, a set of the inputs and a look-up per parameter, makes a
    layer given Values about a quarter slower.
    """
    n = len(xs)
    xs_data = [xi.data for xi in xs]  # read once, shared by every neuron
    record = is_grad_enabled()
    inputs = None if inputs_are_new or not record else set(xs)
    outs = []
    for neuron in neurons:
        if n != neuron._nin:  # a layer replaced by one of another size, say
            raise ValueError(
                f"{neuron!r} takes {neuron._nin} inputs, but is given {n}: in an MLP, each "
                "layer's nin must be the number of neurons of the layer before it"
            )
        if not neuron.fused:
            outs.append(neuron._unfused_forward(xs))
            continue
        parameters = neuron._parameters
        if neuron.w != neuron._weights_in_parameters or neuron.b is not parameters[-1]:
            parameters = neuron._shared_parameters()  # a weight or the bias was replaced
        # The unfused sum, in the same order, on floats; then one node for the whole neuron.
        z = parameters[-1].data
        for wi, xi in zip(parameters, xs_data):  # n inputs (checked above): zip stops before b
            z += wi.data * xi
        activation = neuron._act.forward  # (read into a name first: see engine.Operation)
        y = activation(z)
        if record:  # link the node to its inputs, as the engine does for every operation
            if inputs is None or inputs.isdisjoint(parameters):
                outs.append(_shared_inputs_node(y, xs, parameters, neuron._operation))
            else:  # an input is also a weight or the bias
                outs.append(_node(y, xs + parameters, neuron._operation))
        else:
            outs.append(_node(y, (), LEAF))
    return _SharedTuple(outs)


class Layer(Module):
    """``nout`` neurons reading the same ``nin`` inputs; returns a list (a Value when nout is 1).

    Takes a Neuron's ``activation``, ``fused`` and micrograd's ``nonlin``.
    """

    def __init__(
        self,
        nin: int,
        nout: int,
        activation: str = "tanh",
        fused: bool = False,
        *,
        nonlin: bool | None = None,
    ) -> None:
        _check_size("nin (the number of inputs)", nin)
        _check_size("nout (the number of neurons)", nout)
        self.neurons = [Neuron(nin, activation, fused, nonlin=nonlin) for _ in range(nout)]
        _label_parameters(self.named_parameters())

    @property
    def nin(self) -> int:
        return self.neurons[0].nin

    @property
    def nout(self) -> int:
        return len(self.neurons)

    def forward(self, x: Iterable[Operand]) -> Value | list[Value]:
        xs, inputs_are_new = _as_inputs(x, self.nin, self)
        outs = _neurons_forward(self.neurons, xs, inputs_are_new)
        return outs[0] if len(outs) == 1 else list(outs)

    def named_parameters(self) -> list[tuple[str, Value]]:
        return [
            (f"neurons.{i}.{name}", p)
            for i, n in enumerate(self.neurons)
            for name, p in n.named_parameters()
        ]

    def parameters(self) -> list[Value]:
        return [p for n in self.neurons for p in n.parameters()]

    def __repr__(self) -> str:
        first = self.neurons[0]
        fused = ", fused=True" if first.fused else ""
        return f"Layer({self.nin}, {self.nout}, activation={first.activation!r}{fused})"


def _label_parameters(named: list[tuple[str, Value]]) -> None:
    """Label each parameter by its place: ``layers.0.neurons.1.w.2`` becomes ``L0.N1.w2``."""
    short = {"layers": "L", "neurons": "N"}
    for name, p in named:
        parts = name.split(".")
        words = [short[word] + parts[i + 1] for i, word in enumerate(parts) if word in short]
        last = "".join(parts[-2:]) if parts[-2] == "w" else parts[-1]
        p.label = ".".join([*words, last])


class MLP(Module):
    """Layers chained: ``MLP(3, [4, 4, 1])`` maps 3 inputs through two layers of 4 to 1 output.

    Hidden layers use ``activation``, the last layer ``output_activation`` (``'linear'`` for none).
    Calling it returns a Value when the last layer has one neuron, otherwise a list of Values.
    """

    def __init__(
        self,
        nin: int,
        nouts: Sequence[int],
        activation: str = "tanh",
        output_activation: str = "tanh",
        fused: bool = False,
    ) -> None:
        _check_size("nin (the number of inputs)", nin)
        if isinstance(nouts, (str, bytes)) or not isinstance(nouts, Sequence):
            raise TypeError(
                f"nouts is a list of layer sizes such as [4, 4, 1], "
                f"not {type(nouts).__name__}: {nouts!r:.60}"
            )
        if len(nouts) == 0:
            raise ValueError("nouts is empty: an MLP needs at least one layer, e.g. [4, 4, 1]")
        for i, size in enumerate(nouts):
            _check_size(f"nouts[{i}] (the size of layer {i})", size)
        _activation(activation)
        _activation(output_activation)
        sizes = [nin, *nouts]
        last = len(nouts) - 1
        self.layers = [
            Layer(sizes[i], sizes[i + 1], output_activation if i == last else activation, fused)
            for i in range(len(nouts))
        ]
        self._activation = activation
        self._output_activation = output_activation
        _label_parameters(self.named_parameters())

    @property
    def nin(self) -> int:
        return self.layers[0].nin

    @property
    def nouts(self) -> list[int]:
        return [layer.nout for layer in self.layers]

    @property
    def activation(self) -> str:
        """The hidden layers' activation; fixed when the MLP is built, as each neuron's is."""
        return self._activation

    @property
    def output_activation(self) -> str:
        """The last layer's activation; fixed when the MLP is built."""
        return self._output_activation

    def forward(self, x: Iterable[Operand]) -> Value | list[Value]:
        xs, inputs_are_new = _as_inputs(x, self.nin, self)
        for layer in self.layers:
            xs = _neurons_forward(layer.neurons, xs, inputs_are_new)
            inputs_are_new = True  # the next layer's inputs: this layer's outputs, just made
        return xs[0] if len(xs) == 1 else list(xs)

    def named_parameters(self) -> list[tuple[str, Value]]:
        return [
            (f"layers.{i}.{name}", p)
            for i, layer in enumerate(self.layers)
            for name, p in layer.named_parameters()
        ]

    def parameters(self) -> list[Value]:
        return [p for layer in self.layers for p in layer.parameters()]

    def __repr__(self) -> str:
        fused = ", fused=True" if self.layers[0].neurons[0].fused else ""
        return (
            f"MLP({self.nin}, {self.nouts}, activation={self.activation!r}, "
            f"output_activation={self.output_activation!r}{fused})"
        )


_TENSOR_MODULES = ("Linear", "Sequential", "Tanh", "ReLU", "Sigmoid")


def __getattr__(name: str) -> object:
    """The Tensor engine's modules by their old place here, kept for one release with a warning:
    they live in minigrad.tensor_nn, which is built on this module (not the other way round)."""
    if name in _TENSOR_MODULES:
        warnings.warn(
            f"minigrad.nn.{name} is a module of the Tensor engine: import it from "
            "minigrad.tensor_nn (this old place will be removed in a future release)",
            DeprecationWarning,
            stacklevel=2,
        )
        return getattr(importlib.import_module("minigrad.tensor_nn"), name)
    raise AttributeError(f"module 'minigrad.nn' has no attribute {name!r}")
