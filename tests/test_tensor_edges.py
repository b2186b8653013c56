"""Where the Tensor engine once disagreed with PyTorch (found by the differential fuzz,
tests/test_tensor_fuzz.py), and the error messages that named the wrong cause: each case pinned."""

from __future__ import annotations

import math
import warnings

import array_api_strict
import mpmath
import numpy as np
import pytest
import torch
import torch.nn.functional as F  # noqa: N812

from minigrad import losses
from minigrad.optim import SGD
from minigrad.tensor import Tensor, linear, maximum, where
from minigrad.tensor_nn import MLP

BACKENDS = {
    "numpy": lambda a: a,
    "torch": lambda a: torch.from_numpy(np.asarray(a)),
}
EVERY_BACKEND = {**BACKENDS, "array-api-strict": array_api_strict.asarray}


def close(mine, theirs) -> None:
    np.testing.assert_allclose(np.asarray(Tensor(mine).numpy()), theirs.detach().numpy(),
                               rtol=1e-10, atol=1e-12)  # fmt: skip


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("layout", ["z.T", "z.mT", "(W @ h.T).T"])
def test_cross_entropy_gradient_is_right_for_non_contiguous_logits(backend, layout):
    rng = np.random.default_rng(0)
    w, h = rng.normal(size=(4, 3)), rng.normal(size=(5, 3))
    labels = [0, 3, 1, 2, 3]
    mine_w, mine_h = (Tensor(BACKENDS[backend](a), requires_grad=True) for a in (w, h))
    theirs_w, theirs_h = (torch.tensor(a, requires_grad=True) for a in (w, h))

    def logits(w, h):
        z = w @ h.T  # (4, 5): classes × samples
        return {"z.T": z.T, "z.mT": z.mT, "(W @ h.T).T": (w @ h.T).T}[layout]

    losses.cross_entropy(logits(mine_w, mine_h), labels).backward()
    F.cross_entropy(logits(theirs_w, theirs_h), torch.tensor(labels)).backward()
    close(mine_w.grad, theirs_w.grad)
    close(mine_h.grad, theirs_h.grad)


def exact_cross_entropy(z: np.ndarray, labels) -> float:
    """Σᵢ ln Σⱼ e^(zᵢⱼ) - zᵢ[cᵢ], computed with 50 digits."""
    with mpmath.workdps(50):
        terms = [mpmath.log(mpmath.fsum(mpmath.exp(mpmath.mpf(float(v))) for v in row))
                 - mpmath.mpf(float(row[c])) for row, c in zip(z, labels)]  # fmt: skip
        return float(mpmath.fsum(terms))


@pytest.mark.parametrize("dtype, spread", [(np.float32, 40.0), (np.float64, 300.0)])
def test_cross_entropy_loss_is_as_accurate_as_pytorchs_on_confident_spread_out_batches(
    dtype, spread
):
    """Two confident rows far apart: each loss term is tiny. Shifted by the batch's largest z,
    the lower row's term was the difference of two numbers near -spread (10 and 87 times
    PyTorch's error); shifted row by row, it is ln(1 + tiny), as in PyTorch."""
    worst_mine = worst_theirs = 0.0
    for seed in range(30):
        rng = np.random.default_rng(seed)
        z = rng.normal(size=(2, 10)) + np.array([[0.0], [-spread]])
        labels = np.argmax(z, axis=1)
        z[np.arange(2), labels] += 12.0
        z = z.astype(dtype)
        exact = exact_cross_entropy(z, labels)
        mine = losses.cross_entropy(Tensor(z), labels, reduction="sum").item()
        theirs = F.cross_entropy(torch.tensor(z), torch.tensor(labels), reduction="sum").item()
        worst_mine = max(worst_mine, abs(mine - exact) / exact)
        worst_theirs = max(worst_theirs, abs(theirs - exact) / exact)
    assert worst_mine <= 2 * worst_theirs


def test_cross_entropy_of_one_class_is_exactly_zero():
    z = Tensor(np.array([[0.1257302210933933], [-0.1321048632913019], [0.6404226504432821],
                         [0.10490011715303971]]), requires_grad=True)  # fmt: skip
    loss = losses.cross_entropy(z, [0, 0, 0, 0])  # shifted by the batch's largest: -2.8e-17
    assert loss.item() == 0.0
    loss.backward()
    assert z.grad.tolist() == [[0.0]] * 4


@pytest.mark.parametrize("reduction, expected", [("mean", "nan"), ("sum", 0.0)])
def test_cross_entropy_of_no_samples_is_nan_or_zero_as_in_pytorch(reduction, expected):
    z = Tensor(np.zeros((0, 3)), requires_grad=True)
    loss = losses.cross_entropy(z, np.zeros(0, dtype=np.int64), reduction=reduction)
    theirs = F.cross_entropy(torch.zeros(0, 3), torch.zeros(0, dtype=torch.long),
                             reduction=reduction)  # fmt: skip
    np.testing.assert_equal(loss.item(), theirs.item())
    np.testing.assert_equal(loss.item(), float(expected))
    loss.backward()
    assert z.grad.shape == (0, 3)


def test_a_leafs_grad_is_its_own_writable_array():
    p = Tensor([1.0, 2.0], requires_grad=True)
    p.sum().backward()
    p.grad *= 0  # a read-only view of the sum's gradient refused this
    assert p.grad.tolist() == [0.0, 0.0]
    a, b = Tensor([1.0, 2.0], requires_grad=True), Tensor([3.0, 4.0], requires_grad=True)
    out = a + b
    out.retain_grad()  # (an inner tensor keeps its gradient only when asked, as in PyTorch)
    out.sum().backward()
    assert a.grad is not b.grad
    a.grad.clip(-0.5, 0.5, out=a.grad)  # clipping one in place leaves the other alone
    assert b.grad.tolist() == [1.0, 1.0] and out.grad.tolist() == [1.0, 1.0]


def test_a_float32_model_fed_float64_data_is_refused_and_keeps_its_dtype():
    model = MLP(3, [4, 2])
    x = np.ones((5, 3))  # float64
    with pytest.raises(TypeError, match="linear: a float64 and a float32 operand; a matrix"):
        model(Tensor(x, dtype="float64"))
    assert model(x).dtype == np.float32  # an array is made a Tensor of the model's dtype
    with pytest.raises(TypeError, match="@: a float64 and a float32 operand"):
        Tensor(x, dtype="float64") @ model.layers[0].weight
    w = Tensor(np.ones((3, 2), np.float32), requires_grad=True)
    with pytest.raises(TypeError, match="linear: a float64 and a float32 operand"):
        linear(Tensor(x, dtype="float64"), w, Tensor(np.zeros(2, np.float32)))
    # elementwise, float64 promotes as in PyTorch, but a gradient keeps its tensor's dtype
    p = Tensor(np.ones(3, np.float32), requires_grad=True)
    (p * Tensor(np.full(3, 2.0))).sum().backward()
    assert p.grad.dtype == np.float32
    opt = SGD([p], lr=0.1)
    opt.step()
    assert p.dtype == np.float32


def test_requires_grad_true_on_an_integer_tensor_is_refused():
    x = Tensor(np.array([1, 2]))
    with pytest.raises(TypeError, match="only floating-point tensors can have gradients"):
        x.requires_grad = True
    assert not x.requires_grad
    y = Tensor([1.0, 2.0])
    y.requires_grad = True
    (y * y).sum().backward()
    assert y.grad.tolist() == [2.0, 4.0]
    with pytest.raises(ValueError, match="only on a leaf"):
        (y * 2).requires_grad = False


def test_relu_of_minus_infinity_is_zero():
    assert Tensor([-np.inf, -1.0, 2.0, np.inf]).relu().tolist() == [0.0, 0.0, 2.0, np.inf]


@pytest.mark.parametrize("name", ["relu", "clip", "where", "maximum"])
def test_an_infinite_gradient_at_a_cut_off_place_passes_nothing(name):
    x_data = np.array([-1.0, 0.25, 4.0])
    functions = {
        "relu": lambda x: x.relu(),
        "clip": lambda x: x.clip(0.0, 2.0),
        "where": lambda x: where(x > 0, x, 0.0) if isinstance(x, Tensor) else torch.where(
            x > 0, x, 0.0),
        "maximum": lambda x: maximum(x, 0.0) if isinstance(x, Tensor) else torch.maximum(
            x, torch.tensor(0.0, dtype=torch.float64)),
    }
    mine, theirs = Tensor(x_data, requires_grad=True), torch.tensor(x_data, requires_grad=True)
    functions[name](mine).sqrt().sum().backward()  # √0 has an infinite derivative
    functions[name](theirs).sqrt().sum().backward()
    assert not np.isnan(mine.grad).any()
    np.testing.assert_array_equal(mine.grad, theirs.grad.numpy())


def test_the_gradient_of_a_power_in_its_exponent_at_zero_to_a_negative_power_is_minus_infinity():
    mine = [Tensor([0.0, 0.0, 2.0], dtype="float64", requires_grad=True),
            Tensor([-1.0, 2.0, -1.0], dtype="float64", requires_grad=True)]  # fmt: skip
    theirs = [torch.tensor(t.data, requires_grad=True) for t in mine]
    (mine[0] ** mine[1]).sum().backward()
    (theirs[0] ** theirs[1]).sum().backward()
    np.testing.assert_array_equal(mine[1].grad, theirs[1].grad.numpy())
    assert mine[1].grad[0] == -np.inf


def test_softmax_along_an_empty_axis_is_empty():
    for axis in (0, 1):
        x = Tensor(np.zeros((0, 3)) if axis == 0 else np.zeros((2, 0)), requires_grad=True)
        out = x.softmax(axis)
        assert out.shape == x.shape
        out.sum().backward()
        assert x.grad.shape == x.shape
        assert x.log_softmax(axis).shape == x.shape


def test_max_along_a_full_axis_of_an_empty_tensor_is_empty():
    x = Tensor(np.zeros((0, 3)), requires_grad=True)
    assert x.max(1).values.shape == (0,) and x.min(1, keepdims=True).values.shape == (0, 1)
    assert x.max(1).indices.shape == (0,) and x.amax(1).shape == (0,)
    x.max(1).values.sum().backward()
    assert x.grad.shape == (0, 3)
    with pytest.raises(ValueError, match="max along axis 0 of a tensor of shape .0, 3. takes the"):
        x.max(0)  # PyTorch refuses this too


@pytest.mark.parametrize("backend", EVERY_BACKEND)
def test_the_mean_of_no_numbers_is_nan_without_a_warning_on_every_backend(backend):
    to_backend = EVERY_BACKEND[backend]
    for dim in (None, 0, 1):
        x = Tensor(to_backend(np.zeros((0, 3))), requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # NumPy warned "Mean of empty slice"
            out = x.mean(dim)
            out.sum().backward()
        expected = torch.zeros(0, 3, dtype=torch.float64).mean(dim)
        np.testing.assert_array_equal(np.asarray(out.numpy()), expected.numpy())
        assert tuple(x.grad.shape) == (0, 3)


@pytest.mark.parametrize("backend", EVERY_BACKEND)
@pytest.mark.parametrize("shape", [(5,), (0,), (2, 0)])
@pytest.mark.parametrize("name", ["relu", "clip", "maximum"])
def test_a_cut_off_input_gets_no_gradient_even_an_infinite_one_on_every_backend(
    backend, shape, name
):
    to_backend = EVERY_BACKEND[backend]
    x0 = np.array([-1.0, 2.0, 0.0, np.nan, 0.5])[: math.prod(shape)].reshape(shape)
    g0 = np.array([np.inf, -np.inf, np.inf, 1.0, np.nan])[: math.prod(shape)].reshape(shape)
    mine, theirs = Tensor(to_backend(x0), requires_grad=True), torch.tensor(x0, requires_grad=True)
    apply = {"relu": lambda t: t.relu(), "clip": lambda t: t.clip(0.0, 1.0),
             "maximum": lambda t: maximum(t, 0.25 * t)}[name]  # fmt: skip
    apply(mine).backward(to_backend(g0.copy()))
    torch_apply = {"relu": torch.relu, "clip": lambda t: t.clamp(0.0, 1.0),
                   "maximum": lambda t: torch.maximum(t, 0.25 * t)}[name]  # fmt: skip
    torch_apply(theirs).backward(torch.from_numpy(g0.copy()))
    np.testing.assert_array_equal(np.asarray(mine.grad), theirs.grad.numpy())


def test_logsumexp_of_nothing_is_minus_infinity():
    x = Tensor(np.zeros((0, 3)))
    assert x.logsumexp(0).tolist() == [-np.inf] * 3
    assert x.logsumexp().item() == -np.inf


@pytest.mark.parametrize("backend", EVERY_BACKEND)
def test_mixed_integer_array_and_slice_indexing_follows_numpys_rule_on_every_backend(backend):
    data = np.arange(60.0).reshape(3, 4, 5)
    to_backend = EVERY_BACKEND[backend]
    x = Tensor(to_backend(data), requires_grad=True)
    out = x[0, :, [0, 1]]
    assert out.shape == (2, 4)  # NumPy's rule: the array's axis first
    np.testing.assert_array_equal(np.asarray(out.numpy()), data[0, :, [0, 1]])
    out.sum().backward()
    expected = np.zeros_like(data)
    expected[0, :, [0, 1]] = 1.0
    np.testing.assert_array_equal(Tensor(x.grad).numpy(), expected)


def test_backward_through_an_index_with_none_works_on_array_api_strict():
    x = Tensor(array_api_strict.ones((2, 3), dtype=array_api_strict.float64), requires_grad=True)
    (x[None, 0] * 2.0).sum().backward()
    assert Tensor(x.grad).tolist() == [[2.0, 2.0, 2.0], [0.0, 0.0, 0.0]]


@pytest.mark.parametrize("compute", [
    lambda: Tensor([-1000.0]).sigmoid(), lambda: Tensor([0.0]).log(),
    lambda: Tensor([1000.0]).exp(), lambda: Tensor([0.0]) / 0.0,
])  # fmt: skip
def test_infinities_and_nans_come_quietly_with_pytorchs_values(compute):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        compute()
    x = Tensor([-1000.0, 0.0], dtype="float64", requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = x.sigmoid() + x.log()
        out.sum().backward()
    theirs = torch.tensor([-1000.0, 0.0], dtype=torch.float64, requires_grad=True)
    expected = theirs.sigmoid() + theirs.log()
    expected.sum().backward()
    np.testing.assert_array_equal(out.numpy(), expected.detach().numpy())
    np.testing.assert_array_equal(x.grad, theirs.grad.numpy())


# Error messages that named the wrong cause


def test_an_integer_to_a_negative_power_says_so_not_broadcasting():
    with pytest.raises(ValueError, match="Integers to negative integer powers") as error:
        Tensor(np.array([1, 2])) ** -1
    assert "broadcast" not in str(error.value)


def test_a_batch_axis_clash_in_matmul_is_blamed_on_the_batch_axes():
    with pytest.raises(ValueError, match=r"matrices do, but the stack axes .*\(2,\) and \(3,\)"):
        Tensor(np.ones((2, 3, 4))) @ Tensor(np.ones((3, 4, 5)))


def test_an_unknown_dtype_is_named_without_blaming_the_lists():
    with pytest.raises(ValueError, match="dtype is one of .*, not 'complex64'") as error:
        Tensor([1, 2], dtype="complex64")
    assert "same length" not in str(error.value)


def test_a_float_index_array_is_named_as_such():
    with pytest.raises(TypeError, match="an index array holds integers .*dtype float64"):
        Tensor(np.ones(3))[np.array([0.0])]


@pytest.mark.parametrize("order", ["numpy first", "torch first"])
def test_arrays_of_two_libraries_are_refused_in_either_order(order):
    a, b = Tensor(np.ones(2)), Tensor(torch.ones(2, dtype=torch.float64))
    if order == "torch first":
        a, b = b, a
    for operation in (lambda: a + b, lambda: a * b.data, lambda: where(a > 0, a, b)):
        with pytest.raises(TypeError, match="cannot mix arrays of (NumPy and PyTorch|PyTorch and"
                                            " NumPy)"):  # fmt: skip
            operation()


def test_the_constructor_refuses_what_the_requires_grad_setter_refuses():
    with pytest.raises(TypeError, match="requires_grad is True or False, not 1"):
        Tensor([1.0], requires_grad=1)
    with pytest.raises(TypeError, match="only floating-point tensors can have gradients"):
        Tensor([1, 2], requires_grad=True)
    with pytest.raises(TypeError, match="a Tensor's label is a str, not int"):
        Tensor([1.0], label=3)
    assert Tensor([1.0], requires_grad=True).requires_grad


def test_a_subclass_of_tensor_is_a_tensor_to_the_losses():
    from minigrad import losses
    from minigrad.engines import is_tensor

    class Named(Tensor):
        __slots__ = ()

    z = Named([[0.5, -0.5]], requires_grad=True)
    assert is_tensor(z) and not is_tensor([[0.5, -0.5]])
    loss = losses.cross_entropy(z, [0])
    assert isinstance(loss, Tensor)
    np.testing.assert_allclose(loss.item(), np.log1p(np.exp(-1.0)), rtol=1e-6)
