"""Tensor modules, losses, optimizers, checkpoints and the PyTorch bridge for tensor models."""

from __future__ import annotations

import warnings

import array_api_strict
import numpy as np
import pytest
import torch
import torch.nn.functional as F  # noqa: N812

from minigrad import MLP as ScalarMLP  # noqa: N811
from minigrad import load, manual_seed, save
from minigrad import losses as L  # noqa: N812
from minigrad import tensor_nn as tn
from minigrad.interop import from_torch, to_torch
from minigrad.nn import StateDictMismatchError
from minigrad.optim import SGD, Adam, AdamW
from minigrad.tensor import Tensor


def test_tensor_mlp_has_the_scalar_mlps_initial_weights_and_state_dict_keys():
    manual_seed(3)
    scalar = ScalarMLP(2, [3, 1], activation="relu", output_activation="linear")
    manual_seed(3)
    tensor = tn.MLP(2, [3, 1], activation="relu", output_activation="linear", dtype="float64")
    assert list(tensor.state_dict()) == list(scalar.state_dict())
    assert tensor.state_dict() == scalar.state_dict()
    assert all(type(v) is float for v in tensor.state_dict().values())


def test_weights_load_from_one_engine_into_the_other():
    manual_seed(0)
    scalar = ScalarMLP(3, [4, 2])
    tensor = tn.Sequential(tn.Linear(3, 4, "float64"), tn.Tanh(), tn.Linear(4, 2, "float64"),
                           tn.Tanh())  # fmt: skip
    tensor.load_state_dict(scalar.state_dict())
    x = [0.5, -1.0, 2.0]
    expected = [v.data for v in scalar(x)]
    np.testing.assert_allclose(tensor(np.array(x)).numpy(), expected, rtol=1e-12)
    manual_seed(9)
    scalar_again = ScalarMLP(3, [4, 2])
    scalar_again.load_state_dict(tensor.state_dict())
    assert scalar_again.state_dict() == scalar.state_dict()


def test_json_checkpoint_round_trips_a_tensor_model(tmp_path):
    manual_seed(1)
    model = tn.MLP(3, [5, 2], dtype="float64")
    save(model.state_dict(), tmp_path / "model.json")
    manual_seed(2)
    other = tn.MLP(3, [5, 2], dtype="float64")
    other.load_state_dict(load(tmp_path / "model.json"))
    assert other.state_dict() == model.state_dict()


def test_bad_state_dict_changes_nothing():
    model = tn.MLP(2, [2])
    before = model.state_dict()
    with pytest.raises(StateDictMismatchError, match="missing 1"):
        model.load_state_dict({k: v for k, v in list(before.items())[1:]})
    with pytest.raises(TypeError, match="must be a number"):
        model.load_state_dict(dict(before, **{"layers.0.neurons.1.b": "x"}))
    assert model.state_dict() == before


@pytest.mark.parametrize(
    ("number", "what"), [(1e300, "too large"), (-1e-50, "too small"), (-1e39, "too large")]
)
def test_a_checkpoint_number_float32_cannot_hold_is_refused_naming_the_entry(
    tmp_path, number, what
):
    manual_seed(0)
    model = tn.MLP(2, [3, 1])  # float32
    before = model.state_dict()
    save(dict(before, **{"layers.1.neurons.0.w.2": number}), tmp_path / "model.json")
    with pytest.raises(ValueError, match=rf"entry 'layers.1.neurons.0.w.2' is .*, {what} for"):
        model.load_state_dict(load(tmp_path / "model.json"))
    assert model.state_dict() == before  # the first layer, checked fine, is not changed either
    tiny = dict(before, **{"layers.1.neurons.0.w.2": 1e-40})  # subnormal in float32: kept
    model.load_state_dict(tiny)
    assert model.state_dict()["layers.1.neurons.0.w.2"] == pytest.approx(1e-40, rel=1e-4)


def test_wrong_input_width_is_named():
    with pytest.raises(ValueError, match=r"last axis has 3 numbers .* not shape \(2, 4\)"):
        tn.Linear(3, 2)(np.ones((2, 4)))


def test_to_torch_and_from_torch_round_trip_a_tensor_model():
    manual_seed(4)
    model = tn.MLP(3, [4, 2], activation="relu", output_activation="sigmoid", dtype="float64")
    module = to_torch(model)
    x = np.random.default_rng(0).normal(size=(6, 3))
    np.testing.assert_allclose(
        module(torch.from_numpy(x)).detach().numpy(), model(x).numpy(), rtol=1e-12
    )
    back = from_torch(module, engine="tensor")
    assert back.state_dict() == model.state_dict() and back.layers[0].weight.dtype == np.float64


# Losses: equal to torch.nn.functional's, value and gradient


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_tensor_losses_equal_torch_functional(reduction):
    rng = np.random.default_rng(5)
    logits, targets = rng.normal(size=(7, 4)) * 3, rng.uniform(size=(7, 4))
    classes = rng.integers(0, 4, size=7)
    cases = [
        (L.mse_loss, F.mse_loss, targets),
        (L.binary_cross_entropy_with_logits, F.binary_cross_entropy_with_logits, targets),
        (L.cross_entropy, F.cross_entropy, classes),
    ]
    for mine_loss, torch_loss, second in cases:
        z = Tensor(logits, requires_grad=True)
        t = torch.tensor(logits, requires_grad=True)
        mine = mine_loss(z, second, reduction=reduction)
        theirs = torch_loss(t, torch.tensor(second), reduction=reduction)
        mine.backward()
        theirs.backward()
        assert abs(mine.item() - theirs.item()) <= 1e-12 * max(1.0, abs(theirs.item()))
        np.testing.assert_allclose(z.grad, t.grad.numpy(), rtol=1e-11, atol=1e-14)


def test_binary_cross_entropy_gradient_at_a_zero_logit_is_sigmoid_minus_target():
    z = Tensor([0.0], requires_grad=True, dtype="float64")
    L.binary_cross_entropy_with_logits(z, [1.0]).backward()
    assert z.grad.tolist() == [-0.5]


def test_tensor_loss_errors_name_the_problem():
    z = Tensor(np.zeros((3, 4)))
    with pytest.raises(ValueError, match=r"differ in shape: \(3, 4\) and \(2,\)"):
        L.mse_loss(z, [1.0, 2.0])
    with pytest.raises(ValueError, match="class 4 is not a class"):
        L.cross_entropy(z, np.array([0, 1, 4]))
    with pytest.raises(ValueError, match="one class index per sample"):
        L.cross_entropy(z, np.array([0, 1]))
    with pytest.raises(TypeError, match="class indices"):
        L.cross_entropy(z, np.array([0.0, 1.0, 2.0]))
    with pytest.raises(ValueError, match="reduction must be"):
        L.cross_entropy(z, [0, 1, 2], reduction="max")


# Optimizers: one implementation for both engines, equal to torch.optim


@pytest.mark.parametrize(
    "make, options",
    [
        (SGD, {"lr": 0.1, "momentum": 0.9, "weight_decay": 0.01, "nesterov": True}),
        (Adam, {"lr": 0.01, "weight_decay": 0.1, "amsgrad": True}),
        (AdamW, {"lr": 0.01}),
    ],
    ids=["SGD", "Adam", "AdamW"],
)
def test_optimizers_train_tensor_parameters_as_torch_optim(make, options):
    rng = np.random.default_rng(6)
    w0, x = rng.normal(size=(3, 2)), rng.normal(size=(5, 3))
    w = Tensor(w0, requires_grad=True)
    t = torch.tensor(w0, requires_grad=True)
    opt = make([w], **options)
    torch_opt = getattr(torch.optim, make.__name__)([t], **options)
    for _ in range(5):
        opt.zero_grad()
        ((Tensor(x) @ w).tanh() ** 2).sum().backward()
        opt.step()
        torch_opt.zero_grad()
        ((torch.tensor(x) @ t).tanh() ** 2).sum().backward()
        torch_opt.step()
    np.testing.assert_allclose(w.data, t.detach().numpy(), rtol=1e-12, atol=1e-14)
    assert w.grad is not None
    opt.zero_grad()
    assert w.grad is None


@pytest.mark.parametrize(
    "make, options",
    [
        (SGD, {"lr": 0.1}),
        (SGD, {"lr": 0.1, "momentum": 0.9, "weight_decay": 0.01}),
        (Adam, {"lr": 0.1, "amsgrad": True}),
        (AdamW, {"lr": 0.1}),
    ],
    ids=["SGD", "SGD-momentum", "Adam", "AdamW"],
)
def test_a_diverging_update_gives_torchs_inf_and_nan_without_warnings(make, options):
    params = np.array([1e30, 1.0, np.inf, -3.0, 0.0, np.nan, np.inf], dtype=np.float32)
    grads = np.array([np.inf, 3e38, 1.0, -np.inf, np.nan, 1.0, np.inf], dtype=np.float32)
    w = Tensor(params.copy(), requires_grad=True)
    t = torch.tensor(params, requires_grad=True)
    opt = make([w], **options)
    torch_opt = getattr(torch.optim, make.__name__)([t], **options)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # NumPy's "overflow encountered in multiply" and the like
        for _ in range(2):
            w.grad, t.grad = grads.copy(), torch.from_numpy(grads.copy())
            opt.step()
            torch_opt.step()
    np.testing.assert_array_equal(w.data, t.detach().numpy())


@pytest.mark.parametrize(
    "make, options",
    [(SGD, {"lr": 0.1}), (SGD, {"lr": 0.1, "momentum": 0.9}), (Adam, {"lr": 0.1})],
    ids=["SGD", "SGD-momentum", "Adam"],
)
def test_a_one_number_parameter_stays_an_array_after_steps(make, options):
    w = Tensor(np.array(1.5, dtype=np.float32), requires_grad=True)
    t = torch.tensor(1.5, requires_grad=True)
    opt, torch_opt = make([w], **options), getattr(torch.optim, make.__name__)([t], **options)
    for _ in range(3):
        opt.zero_grad()
        (w * w).backward()
        opt.step()
        torch_opt.zero_grad()
        (t * t).backward()
        torch_opt.step()
    assert type(w.data) is np.ndarray and w.data.shape == () and w.dtype == np.float32
    np.testing.assert_allclose(w.item(), t.item(), rtol=1e-6)  # float32; torch rounds in its order
    w.data[...] = 2.0  # an array, which can be changed in place (a NumPy scalar cannot)
    assert w.item() == 2.0


TORCH_LIKE_STEPS = [
    (SGD, {"lr": 0.1}),
    (SGD, {"lr": 0.1, "momentum": 0.9, "weight_decay": 0.1}),
    (Adam, {"lr": 0.1, "weight_decay": 0.1}),
    (AdamW, {"lr": 0.1}),
]
TORCH_LIKE_IDS = ["SGD", "SGD-momentum", "Adam", "AdamW"]


def _step_on_squares(optimizer, x) -> None:
    """A training step of either library's optimizer on the loss Σ x²."""
    optimizer.zero_grad()
    (x * x).sum().backward()
    optimizer.step()


@pytest.mark.parametrize("make, options", TORCH_LIKE_STEPS, ids=TORCH_LIKE_IDS)
def test_a_tensor_the_loss_did_not_use_is_skipped_as_torch_optim_skips_it(make, options):
    a0, b0 = np.array([1.0, 2.0]), np.array([3.0])
    a, b = Tensor(a0.copy(), requires_grad=True), Tensor(b0.copy(), requires_grad=True)
    ta, tb = torch.tensor(a0, requires_grad=True), torch.tensor(b0, requires_grad=True)
    opt = make([a, b], **options)
    torch_opt = getattr(torch.optim, make.__name__)([ta, tb], **options)
    for used, torch_used in [(a, ta), (a, ta), (b, tb), (a, ta)]:  # b unused, then a unused
        _step_on_squares(opt, used)
        _step_on_squares(torch_opt, torch_used)
        np.testing.assert_allclose(a.data, ta.detach().numpy(), rtol=1e-12)
        np.testing.assert_allclose(b.data, tb.detach().numpy(), rtol=1e-12)


def test_a_gradient_zeroed_in_place_after_a_step_leaves_the_momentum_as_torchs():
    w = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    t = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)
    opt, torch_opt = SGD([w], lr=0.1, momentum=0.9), torch.optim.SGD([t], lr=0.1, momentum=0.9)
    for _ in range(3):
        (w * w).sum().backward()
        opt.step()
        w.grad *= 0  # zeroed in place, not set to None (the momentum started from this array)
        (t * t).sum().backward()
        torch_opt.step()
        t.grad.zero_()
    np.testing.assert_allclose(w.data, t.detach().numpy(), rtol=1e-12)


@pytest.mark.parametrize("make, options", TORCH_LIKE_STEPS, ids=TORCH_LIKE_IDS)
def test_a_step_updates_a_tensors_array_in_place_as_torch_optim_does(make, options):
    w = Tensor(np.array([[1.0, -2.0], [0.5, 3.0]], dtype=np.float32), requires_grad=True)
    t = torch.tensor(w.data.copy(), requires_grad=True)
    held, torch_held = w.data, t.data  # what a user kept of them before the step
    opt, torch_opt = make([w], **options), getattr(torch.optim, make.__name__)([t], **options)
    for _ in range(2):
        _step_on_squares(opt, w)
        _step_on_squares(torch_opt, t)
    assert w.data is held and torch_held.data_ptr() == t.data_ptr()
    np.testing.assert_allclose(held, torch_held.numpy(), rtol=1e-6)  # both saw the steps


@pytest.mark.parametrize("make, options", TORCH_LIKE_STEPS, ids=TORCH_LIKE_IDS)
def test_a_parameter_keeps_its_dtype_when_its_gradient_is_float64(make, options):
    w = Tensor(np.array([1.0, -2.0], dtype=np.float32), requires_grad=True)
    expected = Tensor(np.array([1.0, -2.0]), requires_grad=True)  # the same step in float64
    opt, reference = make([w], **options), make([expected], **options)
    w.grad = expected.grad = np.array([0.25, 0.5])  # float64 (PyTorch refuses to assign it)
    opt.step()
    reference.step()
    assert w.dtype == np.float32
    np.testing.assert_array_equal(w.data, expected.data.astype(np.float32))


@pytest.mark.parametrize("backend", ["array-api-strict", "torch"])
@pytest.mark.parametrize("make, options", TORCH_LIKE_STEPS, ids=TORCH_LIKE_IDS)
def test_a_step_keeps_a_parameters_array_and_dtype_on_other_array_libraries(backend, make, options):
    to_backend = {"array-api-strict": array_api_strict.asarray, "torch": torch.from_numpy}[backend]
    w = Tensor(to_backend(np.array([1.0, -2.0], dtype=np.float32)), requires_grad=True)
    t = torch.tensor([1.0, -2.0], requires_grad=True)
    held = w.data
    opt, torch_opt = make([w], **options), getattr(torch.optim, make.__name__)([t], **options)
    for grad in (np.array([0.25, 0.5], dtype=np.float32), np.array([0.25, 0.5])):  # then float64
        w.grad = to_backend(grad)
        t.grad = torch.from_numpy(grad.astype(np.float32))
        opt.step()
        torch_opt.step()
    assert w.data is held and w.dtype == held.dtype
    np.testing.assert_allclose(np.asarray(w.data), t.detach().numpy(), rtol=1e-6)


@pytest.mark.parametrize("make, options", TORCH_LIKE_STEPS, ids=TORCH_LIKE_IDS)
def test_a_torch_tensor_that_refuses_in_place_changes_gets_one_step_in_a_new_array(make, options):
    with torch.inference_mode():  # torch changes such a tensor in place, then raises
        frozen = torch.tensor([1.0, 1.0])
    one = torch.tensor([1.0])
    for data in (frozen, torch.tensor([1.0, 1.0], requires_grad=True), one.expand(2)):
        w = Tensor(data, requires_grad=True)  # (expand: both numbers are one place in memory)
        expected = torch.tensor([1.0, 1.0], requires_grad=True)
        w.grad, expected.grad = torch.tensor([0.5, 0.5]), torch.tensor([0.5, 0.5])
        with warnings.catch_warnings():  # torch's, when a tensor that requires grad is copied:
            warnings.filterwarnings("ignore", "torch.asarray: unspecified requires_grad")
            make([w], **options).step()
        getattr(torch.optim, make.__name__)([expected], **options).step()
        np.testing.assert_allclose(w.data.detach().numpy(), expected.detach().numpy(), rtol=1e-6)
    np.testing.assert_array_equal(frozen.numpy(), [1.0, 1.0])
    np.testing.assert_array_equal(one.numpy(), [1.0])


def test_zero_grad_with_set_to_none_false_leaves_zeros_and_trains_as_torch():
    model = tn.Sequential(tn.Linear(3, 2), tn.Tanh(), tn.Linear(2, 1))
    theirs = to_torch(model)
    unused = Tensor(np.ones(2), requires_grad=True)  # its grad stays None, as torch's does
    opt = SGD([*model.parameters(), unused], lr=0.1, momentum=0.9)
    torch_opt = torch.optim.SGD(theirs.parameters(), lr=0.1, momentum=0.9)
    x = np.random.default_rng(3).normal(size=(4, 3)).astype(np.float32)
    for _ in range(3):
        opt.zero_grad(set_to_none=False)
        model(Tensor(x)).sum().backward()
        opt.step()
        torch_opt.zero_grad(set_to_none=False)
        theirs(torch.from_numpy(x)).sum().backward()
        torch_opt.step()
    np.testing.assert_allclose(model(Tensor(x)).numpy(), theirs(torch.from_numpy(x)).detach(),
                               rtol=1e-5)  # fmt: skip
    opt.zero_grad(set_to_none=False)  # zeros where there was a gradient; None stays None
    assert all(p.grad.shape == p.shape and not p.grad.any() for p in model.parameters())
    assert unused.grad is None
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())
    model.zero_grad(set_to_none=False)
    assert all(p.grad is None for p in model.parameters())
    model(Tensor(x)).sum().backward()
    model.zero_grad(set_to_none=False)
    assert all(p.grad.shape == p.shape and not p.grad.any() for p in model.parameters())


def test_a_read_only_parameter_array_gets_a_new_array_of_its_dtype():
    data = np.broadcast_to(np.array([1.0, 2.0], dtype=np.float32), (2,))  # a read-only view
    for make, options in TORCH_LIKE_STEPS:
        w = Tensor(data, requires_grad=True)
        w.grad = np.array([1.0, 1.0], dtype=np.float32)
        make([w], **options).step()
        assert w.data is not data and w.dtype == np.float32 and w.data[0] < 1.0
    np.testing.assert_array_equal(data, [1.0, 2.0])
    one = np.broadcast_to(np.float32(1.0), ())  # read-only, and 0-d: NumPy's step on it is a scalar
    for make, options in TORCH_LIKE_STEPS:
        w = Tensor(one, requires_grad=True)
        w.grad = np.array(1.0, dtype=np.float32)
        make([w], **options).step()
        assert type(w.data) is np.ndarray and w.data.shape == () and w.dtype == np.float32


def test_optimizer_refuses_a_constant_tensor():
    with pytest.raises(ValueError, match="does not require a gradient"):
        SGD([Tensor([1.0])], lr=0.1)


def test_tensor_modules_still_import_from_nn_with_a_warning_naming_tensor_nn():
    with pytest.warns(DeprecationWarning, match="import it from minigrad.tensor_nn"):
        from minigrad.nn import Linear, ReLU, Sequential, Sigmoid, Tanh

    assert (Linear, Sequential, Tanh, ReLU, Sigmoid) == (
        tn.Linear, tn.Sequential, tn.Tanh, tn.ReLU, tn.Sigmoid
    )  # fmt: skip
    with pytest.raises(ImportError):
        from minigrad.nn import Conv2d  # noqa: F401
