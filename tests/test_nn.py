"""Neuron, Layer, MLP: the seed's training loop, shapes, errors, state dicts, fused = unfused."""

from __future__ import annotations

import copy
import math
import random
import tracemalloc
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minigrad
from minigrad import MLP, Value, grad, gradcheck, no_grad, topological_order
from minigrad.engine import OPERATIONS, _walk
from minigrad.fused import _shared_inputs_node, _SharedInputsNode, _SharedTuple
from minigrad.nn import Layer, Module, Neuron, manual_seed
from tests.micrograd_order import build_topo

ACTIVATIONS = ["tanh", "relu", "sigmoid", "linear"]
finite = st.floats(-3.0, 3.0, allow_nan=False)


def test_seed_readme_training_loop_reduces_the_loss():
    manual_seed(0)
    losses = []
    # --- the seed README's example, verbatim ---
    n = MLP(3, [4, 4, 1])
    xs = [
        [2.0, 3.0, -1.0],
        [3.0, -1.0, 0.5],
        [0.5, 1.0, 1.0],
        [1.0, 1.0, -1.0],
    ]
    ys = [1.0, -1.0, -1.0, 1.0]  # desired targets
    for k in range(20):
        ypred = [n(x) for x in xs]
        loss = sum((yout - ygt) ** 2 for ygt, yout in zip(ys, ypred))
        for p in n.parameters():
            p.grad = 0.0
        loss.backward()
        for p in n.parameters():
            p.data += -0.1 * p.grad
        print(f"Step {k} | Loss: {loss.data:.4f}")
        # --- end of the example ---
        losses.append(loss.data)
    assert losses[-1] < 0.5 * losses[0]
    assert all(math.isfinite(x) for x in losses)


def test_mlp_is_importable_from_the_package_root():
    assert minigrad.MLP is MLP and minigrad.manual_seed is manual_seed
    assert minigrad.Neuron is Neuron and minigrad.Layer is Layer and minigrad.Module is Module


@pytest.mark.parametrize(
    "nin, nouts, count",
    [(3, [4, 4, 1], 4 * 4 + 4 * 5 + 1 * 5), (2, [16, 16, 1], 16 * 3 + 16 * 17 + 17), (1, [1], 2)],
)
def test_mlp_shapes_and_parameter_counts(nin, nouts, count):
    mlp = MLP(nin, nouts)
    assert len(mlp.parameters()) == count
    assert [len(layer.neurons) for layer in mlp.layers] == nouts
    assert [len(layer.neurons[0].w) for layer in mlp.layers] == [nin, *nouts[:-1]]
    assert mlp.nin == nin and mlp.nouts == nouts
    assert all(isinstance(p, Value) for p in mlp.parameters())


def test_parameters_go_layer_by_layer_neuron_by_neuron_weights_then_bias():
    mlp = MLP(2, [3, 1])
    expected = [p for layer in mlp.layers for n in layer.neurons for p in [*n.w, n.b]]
    assert mlp.parameters() == expected  # identity: the very same Values
    assert [p for _, p in mlp.named_parameters()] == expected


def test_named_parameters_say_where_each_parameter_sits():
    names = [name for name, _ in MLP(2, [2, 1]).named_parameters()]
    assert names[:3] == ["layers.0.neurons.0.w.0", "layers.0.neurons.0.w.1", "layers.0.neurons.0.b"]
    assert names[-1] == "layers.1.neurons.0.b"
    assert len(set(names)) == len(names)
    assert [name for name, _ in Neuron(2).named_parameters()] == ["w.0", "w.1", "b"]
    assert [name for name, _ in Layer(1, 2).named_parameters()][-1] == "neurons.1.b"


def test_calling_returns_a_value_for_one_output_and_a_list_otherwise():
    assert isinstance(MLP(3, [4, 1])([1.0, 2.0, 3.0]), Value)
    outputs = MLP(3, [4, 2])([1.0, 2.0, 3.0])
    assert isinstance(outputs, list) and len(outputs) == 2
    assert isinstance(Layer(3, 1)([1, 2, 3]), Value)
    assert len(Layer(3, 5)([1, 2, 3])) == 5
    assert isinstance(Neuron(2)([1, 2]), Value)


def test_a_hidden_layer_of_one_neuron_feeds_the_next_layer():
    out = MLP(2, [1, 3])([0.5, -0.5])
    assert len(out) == 3


def test_inputs_may_be_numbers_or_values_with_the_same_result():
    mlp = MLP(3, [4, 2])
    as_numbers = mlp([1, 2.5, -1.0])
    as_values = mlp([Value(1.0), Value(2.5), Value(-1.0)])
    assert [v.data for v in as_numbers] == [v.data for v in as_values]


def test_input_values_receive_gradients():
    manual_seed(3)
    fused, unfused = MLP(2, [3, 1]), None
    manual_seed(3)
    unfused = MLP(2, [3, 1], fused=False)
    xs = [Value(0.3), Value(-0.7)]
    xu = [Value(0.3), Value(-0.7)]
    fused(xs).backward()
    unfused(xu).backward()
    assert [x.grad for x in xs] == pytest.approx([x.grad for x in xu], abs=1e-12)
    assert any(x.grad != 0.0 for x in xs)


@pytest.mark.parametrize("module", [Neuron(3), Layer(3, 2), MLP(3, [2, 1])])
@pytest.mark.parametrize("bad", [[1.0, 2.0], [1.0, 2.0, 3.0, 4.0], []])
def test_wrong_number_of_inputs_is_an_error_naming_the_counts(module, bad):
    with pytest.raises(ValueError, match=f"takes 3 inputs, but got {len(bad)}"):
        module(bad)


@pytest.mark.parametrize("bad", [[1.0, "a", 2.0], [1.0, None, 2.0]])
def test_inputs_that_are_not_numbers_are_a_type_error(bad):
    with pytest.raises(TypeError, match="inputs are numbers or Values"):
        MLP(3, [1])(bad)


@pytest.mark.parametrize("bad", ["abc", 3.0, {"a": 1}])
def test_an_input_that_is_not_a_list_is_a_type_error(bad):
    with pytest.raises(TypeError, match="takes a list of 3"):
        MLP(3, [1])(bad)


def test_inputs_may_be_any_iterable_of_numbers_such_as_a_tuple_or_numpy_row():
    numpy = pytest.importorskip("numpy")
    mlp = MLP(3, [2, 1])
    expected = mlp([1.0, 2.0, 3.0]).data
    assert mlp((1.0, 2.0, 3.0)).data == expected
    assert mlp(iter([1.0, 2.0, 3.0])).data == expected
    assert mlp(numpy.array([[1.0, 2.0, 3.0]])[0]).data == expected
    with pytest.raises(TypeError, match="inputs are numbers or Values, not ndarray"):
        mlp(numpy.ones((3, 2)))


def test_fused_must_be_a_bool():
    with pytest.raises(TypeError, match="fused is True or False"):
        MLP(2, [1], fused="no")


def test_a_one_input_network_accepts_a_single_number():
    mlp = MLP(1, [2, 1])
    assert mlp(0.5).data == mlp([0.5]).data


@pytest.mark.parametrize("make", [lambda: Neuron(2, "gelu"), lambda: Layer(2, 2, "Tanh")])
def test_unknown_activation_is_an_error_listing_the_choices(make):
    with pytest.raises(ValueError, match="unknown activation .*'tanh', 'relu', 'sigmoid'"):
        make()


def test_unknown_activation_in_mlp_is_an_error():
    with pytest.raises(ValueError, match="unknown activation 'softmax'"):
        MLP(2, [2, 1], output_activation="softmax")
    with pytest.raises(ValueError, match="unknown activation None"):
        MLP(2, [2, 1], activation=None)


@pytest.mark.parametrize(
    "nouts, error, message",
    [
        ([], ValueError, "nouts is empty"),
        ([4, 0, 1], ValueError, r"nouts\[1\] .* must be at least 1, not 0"),
        ([4, -2], ValueError, "must be at least 1, not -2"),
        ([4, 2.0], TypeError, "whole number, not float"),
        ([True], TypeError, "whole number, not bool"),
        (4, TypeError, "nouts is a list of layer sizes"),
        ("41", TypeError, "nouts is a list of layer sizes"),
    ],
)
def test_bad_layer_sizes_are_clear_errors(nouts, error, message):
    with pytest.raises(error, match=message):
        MLP(3, nouts)


@pytest.mark.parametrize("nin, error", [(0, ValueError), (-1, ValueError), (2.5, TypeError)])
def test_bad_input_sizes_are_clear_errors(nin, error):
    with pytest.raises(error, match="nin"):
        MLP(nin, [2])
    with pytest.raises(error, match="nin"):
        Neuron(nin)


def test_random_seed_and_manual_seed_make_initialisation_reproducible():
    random.seed(7)
    first = MLP(3, [4, 1]).state_dict()
    manual_seed(7)
    assert MLP(3, [4, 1]).state_dict() == first
    random.seed(7)  # as in the lecture: weights are random.uniform(-1, 1), in order
    assert [n.w[0].data for n in MLP(3, [4, 1]).layers[0].neurons][:1] == [
        random.Random(7).uniform(-1, 1)
    ]
    manual_seed(8)
    assert MLP(3, [4, 1]).state_dict() != first


def test_manual_seed_takes_an_int():
    with pytest.raises(TypeError, match="manual_seed takes an int"):
        manual_seed("7")


def test_zero_grad_resets_every_parameter():
    mlp = MLP(2, [3, 1])
    mlp([1.0, 2.0]).backward()
    assert any(p.grad != 0.0 for p in mlp.parameters())
    mlp.zero_grad()
    assert all(p.grad == 0.0 for p in mlp.parameters())


@pytest.mark.parametrize("set_to_none", [True, False])
def test_zero_grad_takes_pytorchs_set_to_none_and_a_value_gets_0(set_to_none):
    from minigrad.optim import SGD

    mlp = MLP(2, [3, 1])
    opt = SGD(mlp.parameters(), lr=0.1)
    for zero_grad in (mlp.zero_grad, opt.zero_grad):
        mlp([1.0, 2.0]).backward()
        zero_grad(set_to_none=set_to_none)
        assert all(p.grad == 0.0 for p in mlp.parameters())


def test_initial_parameters_lie_in_minus_one_to_one():
    assert all(-1.0 <= p.data <= 1.0 for p in MLP(4, [8, 8, 1]).parameters())


# --------------------------------------------------------------------------------------------
# The fused neuron: one node, exact gradients, the same numbers as the unfused graph
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_a_fused_neuron_is_one_node_whose_inputs_are_x_then_w_then_b(activation):
    neuron = Neuron(3, activation, fused=True)
    xs = [Value(1.0), Value(2.0), Value(3.0)]
    out = neuron(xs)
    assert out._prev == (*xs, *neuron.w, neuron.b)
    assert out._op == ("w·x+b" if activation == "linear" else f"{activation}(w·x+b)")
    inner = [node for node in topological_order(out) if node._prev]
    assert inner == [out]
    unfused = Neuron(3, activation, fused=False)
    assert len([node for node in topological_order(unfused(xs)) if node._prev]) > 3


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 10**6),
    samples=st.integers(1, 4),
    shared_row=st.booleans(),
    tied=st.sampled_from(["none", "a weight is another's expression", "a weight is an input"]),
)
def test_a_networks_graph_walks_in_micrograds_order(seed, samples, shared_row, tied):
    """Fused neurons share their tuples of inputs and of weights between nodes, and the walk
    checks each tuple once: the order must still be micrograd's, including when a tuple is not
    yet placed the first time it is met (a weight that is an inner node, an input reused)."""
    manual_seed(seed)
    mlp = MLP(2, [3, 2, 1], activation="relu", output_activation="linear", fused=True)
    rows = [[Value(0.5 * i - 1.0), Value(1.0 - 0.25 * i)] for i in range(samples)]
    if shared_row:
        rows.append(rows[0])  # the same Values fed in twice
    neuron = mlp.layers[1].neurons[0]
    if tied == "a weight is another's expression":
        neuron.w = [mlp.layers[0].neurons[0].w[0] * 2.0, *neuron.w[1:]]
    elif tied == "a weight is an input":
        neuron.w = [rows[0][1], *neuron.w[1:]]
    loss = sum((mlp(row) - 1.0) ** 2 for row in rows)
    order, inner = _walk(loss)
    assert order == build_topo(loss)
    assert inner == [node for node in order if node._prev]


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 10**6))
def test_any_network_used_any_way_walks_in_micrograds_order(seed):
    """Layers called one by one on outputs changed in between, hidden outputs also used in the
    loss, weights tied to other parameters, to expressions of them or to inputs: however a
    neuron's two tuples are first met (both placed, one, or neither), the walk goes through
    what is left and its order is micrograd's."""
    rng = random.Random(seed)
    manual_seed(seed)
    nin = rng.randint(1, 4)
    sizes = [rng.randint(1, 4) for _ in range(rng.randint(1, 3))]
    mlp = MLP(
        nin, sizes, activation=rng.choice(["relu", "tanh"]), output_activation="linear", fused=True
    )
    rows = [[Value(rng.uniform(-2, 2)) for _ in range(nin)] for _ in range(rng.randint(1, 3))]
    if rng.random() < 0.3:
        rows.append(rows[0])
    for _ in range(rng.randint(0, 3)):
        neuron = rng.choice(rng.choice(mlp.layers).neurons)
        weights, other = list(neuron.w), rng.choice(mlp.parameters())
        weights[rng.randrange(neuron.nin)] = rng.choice(
            [other, other * 2.0, rng.choice(rng.choice(rows))]
        )
        neuron.w = weights
    outs = []
    for row in rows:
        hidden = row
        for layer in mlp.layers:
            hidden = layer(hidden)
            hidden = hidden if isinstance(hidden, list) else [hidden]
            if rng.random() < 0.3:
                outs.append(rng.choice(hidden))  # a hidden output used in the loss too
            if rng.random() < 0.2:
                hidden = [h * 1.5 for h in hidden]
        outs.extend(hidden)
    rng.shuffle(outs)
    loss = sum((out - 0.5) * out for out in outs)
    order, inner = _walk(loss)
    assert order == build_topo(loss)
    assert inner == [node for node in order if node._prev]


def test_a_neurons_node_shares_tuples_that_the_walk_looks_up_as_objects():
    """nn's shared tuples are _SharedTuples (hashed as the object, so the walk's look-up is
    quick); a node built from ordinary tuples, equal in content, walks in the same order."""
    manual_seed(3)
    layer = Layer(2, 3, "relu", fused=True)
    xs = [Value(0.5), Value(-2.0)]
    outs = layer(xs)
    node = outs[0]
    assert type(node._head) is _SharedTuple and type(node._tail) is _SharedTuple
    assert node._head is outs[1]._head  # one tuple of inputs for the whole layer
    twin = _SharedTuple(node._head)
    assert twin != node._head and len({twin, node._head}) == 2  # equal contents, two objects
    assert node._prev == (*xs, *layer.neurons[0].w, layer.neurons[0].b)  # _prev: a plain tuple
    assert type(layer([0.5, -2.0])[0]) is _SharedInputsNode  # numbers: new leaves, no check
    layer.neurons[1].b = xs[1]  # an input that is also a parameter: that neuron's node
    kinds = [type(out) for out in layer(xs)]  # keeps one tuple
    assert kinds == [_SharedInputsNode, Value, _SharedInputsNode]

    def loss_of(nodes):  # no numbers: every leaf is an input or a parameter, shared by both
        return nodes[0] * nodes[1] + nodes[2] * nodes[0]

    rebuilt = [
        _shared_inputs_node(n.data, tuple(n._head), tuple(n._tail), n._operation) for n in outs
    ]
    by_shared, by_plain = _walk(loss_of(outs))[0], _walk(loss_of(rebuilt))[0]
    leaves = [v for v in by_shared if not v._prev]
    assert leaves == [v for v in by_plain if not v._prev]  # the same Values, in the same order
    assert [v._op for v in by_shared] == [v._op for v in by_plain]


def test_an_mlp_checks_its_first_layer_for_an_input_that_is_also_a_weight():
    """Only the inputs an MLP makes itself (from numbers, or its inner layers' outputs) skip the
    check; a Value given as input that is also a first-layer weight gets a one-tuple node, and
    the gradients still equal those of the unfused network."""
    manual_seed(5)
    mlp = MLP(2, [2, 1], activation="tanh", output_activation="linear", fused=True)
    x = [Value(0.5), Value(-1.5)]
    first = mlp.layers[0].neurons[0]
    first.w = [x[1], first.w[1]]  # w₁ of the first neuron is the input x₂
    out = mlp(x)
    assert [type(h) for h in out._head] == [Value, _SharedInputsNode]
    unfused = MLP(2, [2, 1], activation="tanh", output_activation="linear", fused=False)
    unfused.load_state_dict(mlp.state_dict())
    unfused.layers[0].neurons[0].w = [x[1], unfused.layers[0].neurons[0].w[1]]
    fused_grads = grad(out, x)
    unfused_grads = grad(unfused(x), x)
    assert fused_grads == pytest.approx(unfused_grads, rel=1e-12, abs=1e-15)


def test_a_copied_network_graph_backpropagates_like_the_original():
    """A neuron's node keeps its inputs in two shared tuples; copying rebuilds it from them."""
    manual_seed(1)
    mlp = MLP(2, [3, 1], fused=True)
    loss = (mlp([0.5, -1.0]) - 1.0) ** 2
    twin = copy.deepcopy(loss)
    assert copy.copy(loss._prev[0])._prev == loss._prev[0]._prev
    loss.backward()
    twin.backward()
    twin_leaves = [node for node in topological_order(twin) if not node._prev]
    leaves = [node for node in topological_order(loss) if not node._prev]
    assert [v.data for v in twin_leaves] == [v.data for v in leaves]
    assert [_bits(v.grad) for v in twin_leaves] == [_bits(v.grad) for v in leaves]  # nan too
    assert not set(twin_leaves) & set(leaves)
    neuron_node = loss._prev[0]._prev[0]
    neuron_node.label = "score"
    copied = copy.copy(neuron_node)
    assert type(copied) is type(neuron_node) and copied._prev == neuron_node._prev
    assert (copied.data, copied.grad, copied.label) == (neuron_node.data, neuron_node.grad, "score")


def test_a_fused_neurons_node_allocates_no_tuple_of_its_inputs():
    """A node keeps the layer's inputs and the neuron's parameters as the tuples they are, so a
    16-input neuron's node is the node alone (88 bytes), not also a 33-item tuple (304 more)."""
    layer = Layer(16, 16, "relu", fused=True)
    xs = [Value(float(i)) for i in range(16)]
    layer(xs)  # (whatever is made once, the first time, is not counted)
    tracemalloc.start()
    try:
        outs = layer(xs)
        allocated, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert all(isinstance(out, Value) for out in outs)
    assert allocated / len(outs) < 150


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_the_neuron_operation_recomputes_its_node_from_the_inputs_data(activation):
    out = Neuron(4, activation, fused=True)([0.5, -1.0, 2.0, 0.25])
    forward = OPERATIONS[out._op].forward
    assert forward(*[x.data for x in out._prev]) == out.data


def test_the_neuron_operation_rejects_an_even_number_of_inputs():
    with pytest.raises(ValueError, match="odd number of inputs"):
        OPERATIONS["tanh(w·x+b)"].forward(1.0, 2.0)


@pytest.mark.parametrize("activation", ACTIVATIONS)
@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10**6), x=st.lists(finite, min_size=3, max_size=3))
def test_fused_and_unfused_networks_give_the_same_values_and_gradients(activation, seed, x):
    manual_seed(seed)
    fused = MLP(3, [4, 3, 2], activation=activation, output_activation=activation, fused=True)
    manual_seed(seed)
    unfused = MLP(3, [4, 3, 2], activation=activation, output_activation=activation, fused=False)
    xf, xu = [Value(v) for v in x], [Value(v) for v in x]
    outs_f, outs_u = fused(xf), unfused(xu)
    (outs_f[0] * outs_f[1] + outs_f[1]).backward()
    (outs_u[0] * outs_u[1] + outs_u[1]).backward()
    assert [o.data for o in outs_f] == pytest.approx([o.data for o in outs_u], rel=1e-12, abs=1e-12)
    assert [o.data for o in outs_f] == [o.data for o in outs_u]  # same sums, same order: every bit
    grads_f = [p.grad for p in fused.parameters()] + [v.grad for v in xf]
    grads_u = [p.grad for p in unfused.parameters()] + [v.grad for v in xu]
    assert grads_f == pytest.approx(grads_u, rel=1e-12, abs=1e-12)


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_fused_neuron_passes_gradcheck_in_inputs_weights_and_bias(activation):
    neuron = Neuron(3, activation, fused=True)

    def f(x0, x1, x2, w0, w1, w2, b):
        neuron.w, neuron.b = [w0, w1, w2], b
        return neuron([x0, x1, x2])

    # relu's kink at 0 is avoided by the point chosen: z is well away from 0
    assert gradcheck(f, [0.5, -1.5, 2.0, 0.3, -0.2, 0.8, 0.1])


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_fused_neuron_has_the_unfused_second_derivatives(activation):
    """create_graph=True differentiates the fused backward rule itself."""

    def second_derivatives(fused):
        manual_seed(11)
        output = "linear" if activation == "relu" else activation  # keep the output alive
        mlp = MLP(2, [3, 1], activation=activation, output_activation=output, fused=fused)
        x = [Value(0.4), Value(-0.9)]
        (dx0,) = grad(mlp(x), [x[0]], create_graph=True)
        return [float(g) for g in grad(dx0, x + mlp.parameters())]

    fused, unfused = second_derivatives(True), second_derivatives(False)
    assert fused == pytest.approx(unfused, rel=1e-12, abs=1e-12)
    if activation != "linear":
        assert any(g != 0.0 for g in fused)


def _bits(x: float) -> tuple[bool, float]:
    """x, told apart from -x at zero, and every nan equal to every other nan."""
    return (math.isnan(x), 0.0 if math.isnan(x) else math.copysign(1.0, x) * abs(x))


def _number(x):
    return x.data if isinstance(x, Value) else x


special = st.sampled_from([0.0, -0.0, 1e308, -1e-308, math.inf, -math.inf, math.nan])
numbers = st.one_of(finite, special)


@pytest.mark.parametrize("activation", ["tanh", "relu", "sigmoid"])
@settings(max_examples=80, deadline=None)
@given(g=numbers, z=numbers)
def test_each_activations_local_derivative_is_the_engines_rule_for_it(activation, g, z):
    """A fused neuron's g·act'(z) (written from y = act(z)) is what the unfused graph's act node
    sends back, bit for bit: at zero and its sign, at inf and nan, and with Values."""
    from minigrad.nn import _ACTIVATIONS

    local_grad = _ACTIVATIONS[activation].local_grad
    op = OPERATIONS[activation]
    y = op.forward(z)
    assert _bits(local_grad(g, y)) == _bits(op.backward(g, y, z)[0])
    fused, unfused = local_grad(Value(g), Value(y)), op.backward(Value(g), Value(y), Value(z))[0]
    assert _bits(_number(fused)) == _bits(_number(unfused))


@pytest.mark.parametrize("activation", ACTIVATIONS)
@settings(max_examples=60, deadline=None)
@given(
    data=st.data(),
    n=st.integers(1, 4),
    g=st.one_of(st.just(0.0), finite, special),
    reuse=st.sampled_from(
        ["none", "w₁ is x₁", "wᵢ is xᵢ₊₁", "b is x₁", "x₂ is x₁", "w₂ is w₁", "b is w₁"]
    ),
    made_by=st.sampled_from(["a neuron", "calling the operation"]),
)
def test_the_neurons_in_place_backward_adds_exactly_what_its_backward_rule_returns(
    activation, data, n, g, reuse, made_by
):
    """accumulate (the fast float pass) against backward (the rule everything else reads),
    bit for bit: zeros and their signs, dead ReLUs, 0·inf = nan, Values fed in more than once
    (whose grads then receive several numbers, which must be added in the same order); on the
    node a neuron makes (inputs in two tuples, unless an input is also a parameter) and on one
    made by calling the operation (one tuple)."""
    op = Neuron(1, activation)._operation
    leaves = [Value(data.draw(numbers)) for _ in range(2 * n + 1)]
    if reuse == "w₁ is x₁":
        leaves[n] = leaves[0]
    elif reuse == "wᵢ is xᵢ₊₁":  # (wₙ is x₁) so xᵢ₊₁ receives d·wᵢ₊₁ and, as wᵢ, d·xᵢ
        leaves[n : 2 * n] = leaves[1:n] + leaves[:1]
    elif reuse == "b is x₁":
        leaves[-1] = leaves[0]
    elif reuse == "x₂ is x₁" and n >= 2:
        leaves[1] = leaves[0]
    elif reuse == "w₂ is w₁" and n >= 2:
        leaves[n + 1] = leaves[n]
    elif reuse == "b is w₁":
        leaves[-1] = leaves[n]
    if made_by == "a neuron":
        neuron = Neuron(n, activation, fused=True)
        neuron.w, neuron.b = leaves[n : 2 * n], leaves[-1]
        node = neuron(leaves[:n])
        an_input_is_a_parameter = not set(leaves[:n]).isdisjoint(leaves[n:])
        assert (type(node) is _SharedInputsNode) is not an_input_is_a_parameter
    else:
        node = op(*leaves)
    assert node._prev == tuple(leaves)
    node.grad = g
    starting = [data.draw(finite) + 0.0 for _ in leaves]  # + 0.0: grads are never -0.0
    finite_graph = all(math.isfinite(v.data) for v in [*leaves, node])

    def run(pass_gradients) -> list[tuple[bool, float]]:
        for leaf, start in zip(leaves, starting):
            leaf.grad = start
        pass_gradients()
        return [_bits(leaf.grad) for leaf in leaves]

    def by_the_rule() -> None:
        received = op.backward(node.grad, node.data, *[x.data for x in leaves])
        for x, dx in zip(leaves, received):
            x.grad += dx

    assert run(lambda: op.accumulate(node, finite_graph)) == run(by_the_rule)


def test_a_value_fed_in_twice_receives_its_gradients_in_the_order_of_the_rule():
    # x₂ is also w₁: the rule gives it d·w₂ (as x₂) before d·x₁ (as w₁), and floating-point
    # addition depends on the order: (1 + 1e-17) - 1 = 0, but (1 - 1) + 1e-17 = 1e-17.
    x1, x2, x3, b = Value(-1.0), Value(0.5), Value(1e-17), Value(0.0)
    node = OPERATIONS["w·x+b"](x1, x2, x3, x2, x3, x1, b)  # w₁ = x₂, w₂ = x₃, w₃ = x₁
    node.grad = 1.0
    x2.grad = 1.0
    OPERATIONS["w·x+b"].accumulate(node, True)
    assert x2.grad == (1.0 + 1e-17) + -1.0 == 0.0


def test_a_dead_relu_neuron_still_sends_nan_through_an_infinite_weight_as_torch_does():
    import torch

    neuron = Neuron(2, "relu", fused=True)
    neuron.w[0].data, neuron.w[1].data, neuron.b.data = -math.inf, 1.0, 0.0
    x = [Value(1.0), Value(2.0)]
    out = neuron(x)
    assert out.data == 0.0  # z = -inf: the ReLU is dead, its local gradient 0
    out.backward()
    tx = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)
    tw = torch.tensor([-math.inf, 1.0], dtype=torch.float64, requires_grad=True)
    torch.relu(tw @ tx).backward()
    assert [_bits(v.grad) for v in x] == [_bits(v) for v in tx.grad.tolist()]
    assert [_bits(v.grad) for v in neuron.w] == [_bits(v) for v in tw.grad.tolist()]
    assert math.isnan(x[0].grad)


def test_an_inf_inside_the_graph_not_only_at_its_leaves_stops_the_skipping():
    import torch

    neuron = Neuron(1, "relu", fused=True)
    neuron.w[0].data, neuron.b.data = -1.0, 0.0
    big = Value(1000.0)
    x = big.exp()  # an inner node whose data is inf
    out = neuron([x])
    assert out.data == 0.0  # z = -inf: dead
    out.backward()
    t = torch.tensor(1000.0, dtype=torch.float64, requires_grad=True)
    tw = torch.tensor([-1.0], dtype=torch.float64, requires_grad=True)
    torch.relu(tw * torch.exp(t) + 0.0).sum().backward()
    assert math.isnan(neuron.w[0].grad)  # 0 · inf, as in PyTorch
    assert _bits(neuron.w[0].grad) == _bits(tw.grad.item())
    assert _bits(big.grad) == _bits(t.grad.item())


@pytest.mark.parametrize("data", [10**400, Decimal("1.5")], ids=["huge int", "Decimal"])
def test_data_that_cannot_be_summed_as_floats_does_not_stop_backward(data):
    neuron = Neuron(
        1, "relu", fused=True
    )  # its in-place rule makes backward ask whether all data is finite
    a = Value(1.0)
    y = neuron([0.5]) + a
    a.data = data  # set by hand: a huge int no float can hold, a Decimal that floats won't add to
    y.backward()
    assert a.grad == 1.0
    assert neuron.b.grad == (1.0 if y._prev[0].data > 0.0 else 0.0)


def test_a_training_step_skipping_dead_relus_gives_the_gradients_of_the_full_chain_rule():
    manual_seed(3)
    mlp = MLP(2, [16, 16, 1], activation="relu", output_activation="linear", fused=True)
    rng = random.Random(3)
    points = [[rng.uniform(-2, 2), rng.uniform(-2, 2)] for _ in range(20)]
    scores = [mlp(x) for x in points]
    loss = sum((1 + -((-1) ** i) * s).relu() for i, s in enumerate(scores)) * (1.0 / len(points))
    order = topological_order(loss)
    dead = [n for n in order if n._op == "relu(w·x+b)" and n.data == 0.0]
    assert dead  # the case this test is about
    loss.backward()
    skipping = [p.grad for p in mlp.parameters()]
    mlp.zero_grad()
    for node in order:  # the same pass, every node through its backward rule
        node.grad = 0.0
    loss.grad = 1.0
    for node in reversed(order):
        if node._prev:
            rule = OPERATIONS[node._op].backward
            for x, dx in zip(node._prev, rule(node.grad, node.data, *[x.data for x in node._prev])):
                x.grad += dx
    assert [_bits(g) for g in skipping] == [_bits(p.grad) for p in mlp.parameters()]


def test_forward_under_no_grad_builds_no_graph():
    mlp = MLP(2, [3, 1], fused=True)
    with no_grad():
        out = mlp([1.0, 2.0])
    assert out._prev == () and out._op == ""
    assert out.data == mlp([1.0, 2.0]).data


def test_repr_describes_the_module():
    assert repr(MLP(3, [4, 1])) == ("MLP(3, [4, 1], activation='tanh', output_activation='tanh')")
    assert repr(Layer(2, 5, "relu", fused=True)) == "Layer(2, 5, activation='relu', fused=True)"
    assert repr(Neuron(2, "sigmoid")) == "Neuron(2, activation='sigmoid')"


# --------------------------------------------------------------------------------------------
# state_dict / load_state_dict
# --------------------------------------------------------------------------------------------


def test_state_dict_round_trips_into_another_model():
    source, target = MLP(3, [4, 1]), MLP(3, [4, 1])
    target.load_state_dict(source.state_dict())
    assert target.state_dict() == source.state_dict()
    assert target([1.0, 2.0, 3.0]).data == source([1.0, 2.0, 3.0]).data


def test_state_dict_is_names_to_floats_in_parameter_order():
    mlp = MLP(2, [2, 1])
    sd = mlp.state_dict()
    assert list(sd) == [name for name, _ in mlp.named_parameters()]
    assert list(sd.values()) == [p.data for p in mlp.parameters()]


@pytest.mark.parametrize(
    "corrupt, error, message",
    [
        (lambda sd: sd.pop("layers.1.neurons.0.b"), KeyError, "missing 1: 'layers.1.neurons.0.b'"),
        (lambda sd: sd.update({"layers.2.neurons.0.b": 1.0}), KeyError, "unexpected 1"),
        (lambda sd: sd.update({"layers.1.neurons.0.b": "0.5"}), TypeError, "must be a number"),
        (lambda sd: sd.update({"layers.1.neurons.0.b": True}), TypeError, "must be a number"),
        (lambda sd: sd.update({"layers.1.neurons.0.b": None}), TypeError, "must be a number"),
    ],
)
def test_a_failed_load_names_the_problem_and_leaves_the_model_unchanged(corrupt, error, message):
    model = MLP(2, [2, 1])
    before = model.state_dict()
    sd = {name: 0.5 for name in before}
    corrupt(sd)
    with pytest.raises(error, match=message):
        model.load_state_dict(sd)
    assert model.state_dict() == before


def test_loading_a_state_dict_of_another_size_is_an_error_giving_both_sizes():
    model = MLP(3, [4, 1])
    before = model.state_dict()
    with pytest.raises(KeyError, match="the model has 21 parameters, the state dict 41"):
        model.load_state_dict(MLP(3, [4, 4, 1]).state_dict())
    assert model.state_dict() == before


def test_a_name_mismatch_is_both_a_key_error_and_a_value_error_with_a_plain_message():
    with pytest.raises(KeyError) as caught:
        MLP(1, [1]).load_state_dict({"w": 1.0})
    assert isinstance(caught.value, ValueError)
    assert str(caught.value).startswith("state dict does not fit MLP(1, [1]")


def test_load_state_dict_rejects_a_non_mapping():
    with pytest.raises(TypeError, match="dict of name -> number"):
        MLP(2, [1]).load_state_dict([1.0, 2.0, 3.0])


def test_fused_tanh_neuron_matches_torch_near_saturation():
    # At tanh(7) the gradient is 1 - y² with y within 1e-6 of 1: the engine's rule keeps its digits.
    import torch

    for fused in (True, False):
        neuron = Neuron(1, fused=fused)
        neuron.w[0].data, neuron.b.data = 1.0, 0.0
        x = Value(7.0)
        neuron([x]).backward()
        t = torch.tensor(7.0, dtype=torch.float64, requires_grad=True)
        torch.tanh(t).backward()
        assert x.grad == pytest.approx(t.grad.item(), rel=1e-14, abs=0.0)


def test_a_neurons_activation_cannot_be_changed_after_it_is_built():
    neuron = Neuron(2, activation="tanh")
    with pytest.raises(AttributeError):
        neuron.activation = "relu"
    assert neuron.activation == "tanh"


@pytest.mark.parametrize("fused", [True, False])
def test_a_neurons_weights_are_a_list_whose_replaced_items_the_next_forward_uses(fused):
    neuron = Neuron(2, "linear", fused=fused)
    w0, w1, b = Value(2.0), Value(3.0), Value(1.0)
    neuron([10.0, 100.0])  # a fused neuron keeps its parameters' tuple from this call...
    neuron.w[0], neuron.w[1], neuron.b = w0, w1, b  # ...and sees that they were replaced
    assert neuron.parameters() == neuron.w + [neuron.b] == [w0, w1, b]
    out = neuron([10.0, 100.0])
    assert out.data == 321.0
    out.backward()
    assert (w0.grad, w1.grad, b.grad) == (10.0, 100.0, 1.0)
    neuron.w = [Value(1.0), Value(1.0)]  # a new list works too
    assert neuron([10.0, 100.0]).data == 111.0


@pytest.mark.parametrize("fused", [True, False])
def test_a_neurons_broken_weights_are_named_when_it_is_next_called(fused):
    neuron = Neuron(2, fused=fused)
    neuron.w.append(Value(1.0))
    with pytest.raises(ValueError, match="takes a list of 2 weights, but its w is 3 list"):
        neuron([1.0, 2.0])
    neuron.w = [Value(1.0), 2.0]
    with pytest.raises(TypeError, match="weights and bias are Values, not float"):
        neuron([1.0, 2.0])
    neuron.w = (Value(1.0), Value(2.0))
    with pytest.raises(ValueError, match="takes a list of 2 weights"):
        neuron([1.0, 2.0])


@pytest.mark.parametrize("fused", [True, False])
def test_a_layer_that_no_longer_fits_the_one_before_it_is_an_error_not_a_wrong_number(fused):
    mlp = MLP(2, [4, 1], fused=fused)
    mlp.layers[1] = Layer(3, 1, fused=fused)  # the layer before gives 4 numbers
    with pytest.raises(ValueError, match="takes 3 inputs, but is given 4"):
        mlp([1.0, 2.0])
    mlp.layers[1] = Layer(4, 2, fused=fused)
    mlp.layers[1].neurons[1] = Neuron(5, fused=fused)  # one neuron of another size
    with pytest.raises(ValueError, match="takes 5 inputs, but is given 4"):
        mlp([1.0, 2.0])


def test_an_mlps_activations_cannot_be_changed_after_it_is_built():
    mlp = MLP(2, [3, 1], activation="relu", output_activation="linear")
    with pytest.raises(AttributeError):
        mlp.activation = "tanh"
    with pytest.raises(AttributeError):
        mlp.output_activation = "tanh"
    assert (mlp.activation, mlp.output_activation) == ("relu", "linear")
    assert [n.activation for layer in mlp.layers for n in layer.neurons] == ["relu"] * 3 + [
        "linear"
    ]
