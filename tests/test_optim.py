"""SGD, Adam, AdamW against torch.optim: the same model trained 30 steps agrees to 1e-9."""

from __future__ import annotations

import pytest
import torch

from minigrad import MLP, Value, manual_seed, topological_order
from minigrad.interop import to_torch
from minigrad.losses import mse_loss
from minigrad.nn import Neuron
from minigrad.optim import SGD, Adam, AdamW

XS = [[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0], [1.0, 1.0, -1.0]]
YS = [1.0, -1.0, -1.0, 1.0]

CONFIGS = [
    (SGD, torch.optim.SGD, {"lr": 0.1}),
    (SGD, torch.optim.SGD, {"lr": 0.05, "momentum": 0.9}),
    (SGD, torch.optim.SGD, {"lr": 0.05, "momentum": 0.9, "dampening": 0.3}),
    (SGD, torch.optim.SGD, {"lr": 0.05, "momentum": 0.9, "nesterov": True}),
    (SGD, torch.optim.SGD, {"lr": 0.1, "weight_decay": 0.01}),
    (SGD, torch.optim.SGD, {"lr": 0.05, "momentum": 0.8, "weight_decay": 0.1, "nesterov": True}),
    (SGD, torch.optim.SGD, {"lr": 0.05, "momentum": 0.5, "maximize": True}),
    (Adam, torch.optim.Adam, {}),
    (Adam, torch.optim.Adam, {"lr": 0.05}),
    (Adam, torch.optim.Adam, {"lr": 0.02, "betas": (0.8, 0.99), "eps": 1e-6}),
    (Adam, torch.optim.Adam, {"lr": 0.02, "weight_decay": 0.1}),
    (Adam, torch.optim.Adam, {"lr": 0.02, "amsgrad": True}),
    (Adam, torch.optim.Adam, {"lr": 0.02, "maximize": True}),
    (Adam, torch.optim.Adam, {"lr": 0.02, "weight_decay": 0.1, "decoupled_weight_decay": True}),
    (AdamW, torch.optim.AdamW, {}),
    (AdamW, torch.optim.AdamW, {"lr": 0.05}),
    (AdamW, torch.optim.AdamW, {"lr": 0.02, "weight_decay": 0.3, "betas": (0.5, 0.9)}),
    (AdamW, torch.optim.AdamW, {"lr": 0.02, "amsgrad": True, "eps": 1e-4}),
]


def torch_parameters_in_minigrad_order(model):
    """Each Linear's rows with the bias appended: neuron by neuron, weights then bias."""
    numbers = []
    for module in model:
        if isinstance(module, torch.nn.Linear):
            for row, bias in zip(module.weight.tolist(), module.bias.tolist()):
                numbers += [*row, bias]
    return numbers


@pytest.mark.parametrize(
    "ours, theirs, options", CONFIGS, ids=[f"{c[0].__name__}-{c[2]}" for c in CONFIGS]
)
def test_training_30_steps_matches_torch_optim(ours, theirs, options):
    manual_seed(0)
    mlp = MLP(3, [4, 4, 1])
    model = to_torch(mlp)
    opt = ours(mlp.parameters(), **options)
    torch_opt = theirs(model.parameters(), **options)
    inputs = torch.tensor(XS, dtype=torch.float64)
    targets = torch.tensor(YS, dtype=torch.float64)
    for _ in range(30):
        loss = mse_loss([mlp(x) for x in XS], YS)
        opt.zero_grad()
        loss.backward()
        opt.step()

        torch_loss = torch.nn.functional.mse_loss(model(inputs).squeeze(-1), targets)
        torch_opt.zero_grad()
        torch_loss.backward()
        torch_opt.step()
        assert loss.data == pytest.approx(torch_loss.item(), rel=1e-9, abs=1e-9)
    ours_now = [p.data for p in mlp.parameters()]
    assert ours_now == pytest.approx(torch_parameters_in_minigrad_order(model), rel=0, abs=1e-9)


def test_training_moves_the_parameters_and_lowers_the_loss():
    manual_seed(0)
    mlp = MLP(3, [4, 4, 1])
    opt = Adam(mlp.parameters(), lr=0.05)
    losses = []
    for _ in range(30):
        loss = mse_loss([mlp(x) for x in XS], YS)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.data)
    assert losses[-1] < 0.2 * losses[0]


def test_first_momentum_step_is_plain_sgd():
    """PyTorch starts the momentum buffer at the first gradient (not at (1 - dampening)·g)."""
    p = Value(1.0)
    opt = SGD([p], lr=0.1, momentum=0.9, dampening=0.5)
    p.grad = 2.0
    opt.step()
    assert p.data == 1.0 - 0.1 * 2.0
    p.grad = 2.0
    opt.step()
    assert p.data == pytest.approx(0.8 - 0.1 * (0.9 * 2.0 + 0.5 * 2.0), abs=1e-15)


def test_adamw_defaults_are_torchs():
    opt = AdamW([Value(1.0)])
    assert (opt.lr, opt.betas, opt.eps, opt.weight_decay) == (1e-3, (0.9, 0.999), 1e-8, 0.01)
    adam = Adam([Value(1.0)])
    assert (adam.lr, adam.betas, adam.eps, adam.weight_decay) == (1e-3, (0.9, 0.999), 1e-8, 0.0)


@pytest.mark.parametrize("make", [lambda ps: SGD(ps, lr=0.1, momentum=0.9), Adam, AdamW])
def test_step_builds_no_graph_and_zero_grad_resets(make):
    neuron = Neuron(2, fused=True)
    opt = make(neuron.parameters())
    out = neuron([1.0, 2.0])
    out.backward()
    before = [p.data for p in neuron.parameters()]
    opt.step()
    assert [p.data for p in neuron.parameters()] != before
    for p in neuron.parameters():
        assert p._prev == () and p._op == "" and type(p.data) is float
    assert len(topological_order(out)) == 1 + 2 + 3  # the neuron node, its 2 inputs, w0 w1 b
    opt.zero_grad()
    assert all(p.grad == 0.0 for p in neuron.parameters())


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda ps: SGD(ps, lr=-0.1), "Invalid learning rate: -0.1"),
        (lambda ps: SGD(ps, lr=0.1, momentum=-0.5), "Invalid momentum value: -0.5"),
        (lambda ps: SGD(ps, lr=0.1, weight_decay=-1), "Invalid weight_decay value: -1"),
        (lambda ps: SGD(ps, lr=0.1, nesterov=True), "Nesterov momentum requires a momentum"),
        (
            lambda ps: SGD(ps, lr=0.1, momentum=0.9, dampening=0.1, nesterov=True),
            "zero dampening",
        ),
        (lambda ps: Adam(ps, lr=-1e-3), "Invalid learning rate"),
        (lambda ps: Adam(ps, eps=-1e-8), "Invalid epsilon value"),
        (lambda ps: Adam(ps, betas=(1.0, 0.999)), "Invalid beta parameter at index 0: 1.0"),
        (lambda ps: Adam(ps, betas=(0.9, -0.1)), "Invalid beta parameter at index 1: -0.1"),
        (lambda ps: Adam(ps, weight_decay=-0.1), "Invalid weight_decay value"),
        (lambda ps: AdamW(ps, lr=float("nan")), "Invalid learning rate: nan"),
        (lambda ps: SGD([], lr=0.1), "empty parameter list"),
        (lambda ps: Adam(ps + ps), "appears more than once"),
    ],
)
def test_bad_arguments_raise_value_error_like_torch(make, message):
    with pytest.raises(ValueError, match=message):
        make([Value(1.0), Value(2.0)])


def test_torch_rejects_the_same_bad_arguments():
    """The cases above are the ones PyTorch itself rejects (its messages, too)."""
    p = [torch.zeros(1, requires_grad=True)]
    with pytest.raises(ValueError, match="Invalid learning rate: -0.1"):
        torch.optim.SGD(p, lr=-0.1)
    with pytest.raises(ValueError, match="Invalid beta parameter at index 0: 1.0"):
        torch.optim.Adam(p, betas=(1.0, 0.999))
    with pytest.raises(ValueError, match="Nesterov momentum requires a momentum"):
        torch.optim.SGD(p, lr=0.1, nesterov=True)


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: SGD([1.0, 2.0], lr=0.1), "parameters are Values"),
        (lambda: SGD(MLP(2, [1]), lr=0.1), r"pass model.parameters\(\)"),
        (lambda: SGD(3, lr=0.1), "iterable of Values"),
        (lambda: SGD([Value(1.0)], lr="0.1"), "lr must be a number"),
        (lambda: Adam([Value(1.0)], betas=0.9), "betas is a pair"),
    ],
)
def test_wrong_types_raise_type_error(make, message):
    with pytest.raises(TypeError, match=message):
        make()


def test_step_with_a_non_number_gradient_is_an_error_and_changes_nothing():
    a, b = Value(1.0), Value(2.0)
    opt = SGD([a, b], lr=0.1)
    a.grad, b.grad = 1.0, "oops"
    with pytest.raises(TypeError, match="grad 'oops'"):
        opt.step()
    assert (a.data, b.data) == (1.0, 2.0)
