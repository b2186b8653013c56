"""Where MiniGrad's Tensor and PyTorch's share a name they behave alike: dim/keepdim, transpose,
== and !=, integer data, max(dim) as (values, indices), item assignment, masks, casts; and
minigrad.torch's factories, random numbers and the errors for what it does not cover."""

from __future__ import annotations

import matplotlib
import numpy as np
import pytest
import torch

import minigrad.torch as mg
import minigrad.torch.nn.functional as mg_F
from minigrad.tensor import Tensor

matplotlib.use("Agg")


def test_dim_and_keepdim_are_accepted_beside_axis_and_keepdims():
    x = Tensor(np.arange(6.0).reshape(2, 3))
    assert x.sum(dim=1, keepdim=True).tolist() == x.sum(axis=1, keepdims=True).tolist()
    assert x.mean(dim=0).tolist() == [1.5, 2.5, 3.5]
    assert x.softmax(dim=1).shape == (2, 3) and x.amax(dim=(0, 1)).item() == 5.0
    with pytest.raises(TypeError, match="dim or axis"):
        x.sum(0, axis=1)
    with pytest.raises(TypeError, match="unexpected keyword argument 'dims'"):
        x.sum(dims=0)


def test_transpose_swaps_two_axes_and_permute_orders_them_all():
    a = np.arange(24.0).reshape(2, 3, 4)
    x, t = Tensor(a), torch.tensor(a)
    assert np.array_equal(x.transpose(0, 2).numpy(), t.transpose(0, 2).numpy())
    assert np.array_equal(x.transpose(-1, 1).numpy(), t.transpose(-1, 1).numpy())
    assert np.array_equal(x.permute(2, 0, 1).numpy(), t.permute(2, 0, 1).numpy())
    m = Tensor(np.arange(6.0).reshape(2, 3))
    assert m.transpose(0, 1).shape == (3, 2) and m.T.shape == (3, 2)


def test_equality_is_elementwise_and_tensors_are_hashed_by_identity():
    x, y = Tensor([1.0, 2.0, 3.0]), Tensor([1.0, 0.0, 3.0])
    assert (x == y).tolist() == [True, False, True] and (x != y).tolist() == [False, True, False]
    assert (x == 2.0).tolist() == [False, True, False] and (x == np.ones(3)).dtype == np.bool_
    assert ((x == y).float().mean()).item() == pytest.approx(2 / 3)
    same = Tensor([1.0, 2.0, 3.0])
    assert len({x, same}) == 2 and {x: "x", same: "same"}[same] == "same"
    assert (x == "text") is False and x != None  # noqa: E711 (Python's fallback for other types)


def test_integer_data_stays_integer_and_indexes_an_embedding_table():
    X = Tensor([[0, 1, 2], [2, 2, 0]])
    C = Tensor(np.random.default_rng(0).standard_normal((3, 2)), requires_grad=True)
    assert X.dtype == np.int64 and C[X].shape == (2, 3, 2)
    assert (X + 1).dtype == np.int64 and (X * 0.5).dtype == np.float32  # as in PyTorch
    assert (X / 2).dtype == np.float32 and (X / 2).tolist()[0] == [0.0, 0.5, 1.0]
    assert (Tensor([1, 2]) + Tensor([0.5, 0.5])).dtype == np.float32
    assert isinstance(X[0, 1].item(), int) and isinstance((X > 0)[0, 0].item(), bool)
    assert ["a", "b", "c"][X[0, 2]] == "c"  # an integer tensor is an index
    with pytest.raises(TypeError, match="floating-point"):
        X.mean()


def test_max_along_an_axis_returns_values_and_indices_and_passes_the_gradient_to_one_place():
    a = np.array([[1.0, 3.0, 3.0], [2.0, -1.0, 0.0]])
    x, t = Tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    values, indices = x.max(1)
    expected = t.max(1)
    assert values.tolist() == expected.values.tolist()
    assert indices.tolist() == expected.indices.tolist() and indices.dtype == np.int64
    values.sum().backward()
    expected.values.sum().backward()
    assert x.grad.tolist() == t.grad.tolist()  # the tie at 3.0: only the first place
    assert x.max(dim=0, keepdim=True).values.shape == (1, 3) and x.max().item() == 3.0
    assert x.min(1).indices.tolist() == [0, 1] and x.argmax().item() == 1
    assert Tensor([[1, 5], [7, 2]]).argmax(dim=1).tolist() == [1, 0]
    with pytest.raises(TypeError, match="amax"):
        x.max(dim=(0, 1))


def test_var_and_std_use_bessels_correction_as_pytorch():
    a = np.random.default_rng(1).standard_normal((5, 4))
    x, t = Tensor(a), torch.tensor(a)
    np.testing.assert_allclose(x.var(0).numpy(), t.var(0).numpy(), rtol=1e-12)
    np.testing.assert_allclose(x.std().item(), t.std().item(), rtol=1e-12)
    np.testing.assert_allclose(x.var(unbiased=False).item(), t.var(unbiased=False).item())
    np.testing.assert_allclose(x.std(1, correction=0).numpy(), t.std(1, correction=0).numpy())


def test_item_assignment_counts_and_keeps_the_gradient_as_pytorchs():
    N = mg.zeros((3, 3), dtype=mg.int32)
    for i, j in [(0, 1), (0, 1), (2, 0)]:
        N[i, j] += 1
    assert N.tolist() == [[0, 2, 0], [0, 0, 0], [1, 0, 0]] and N.dtype == np.int32
    a = np.random.default_rng(2).standard_normal((4, 3))
    x, t = Tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    rows, cols = [0, 1, 3], [2, 0, 1]
    mine, theirs = x * 2.0, t * 2.0
    mine[range(3), cols] -= 1  # the lecture's dlogits[range(n), Yb] -= 1
    theirs[range(3), cols] -= 1
    (mine * mine).sum().backward()
    (theirs * theirs).sum().backward()
    np.testing.assert_allclose(x.grad, t.grad.numpy(), rtol=1e-12)
    z = mg.zeros(4, 3)
    z[rows] = x[rows] * 2.0  # a tensor of no gradient takes numbers that have one
    z.sum().backward()
    assert z.requires_grad and x.grad is not None


def test_changing_a_leaf_that_requires_a_gradient_is_refused_outside_no_grad():
    w = Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(ValueError, match="leaf that requires a gradient"):
        w[0] = 5.0
    with pytest.raises(ValueError, match="leaf that requires a gradient"):
        w *= 2.0
    with mg.no_grad():
        w *= 2.0
        w[1] = 0.5
    assert w.tolist() == [2.0, 0.5] and w.requires_grad and not w._prev


def test_boolean_masks_read_and_write():
    x = Tensor([[1.0, -2.0], [-3.0, 4.0]])
    assert x[x > 0].tolist() == [1.0, 4.0] and x[[True, False]].tolist() == [[1.0, -2.0]]
    x[x < 0] = 0.0
    assert x.tolist() == [[1.0, 0.0], [0.0, 4.0]]
    with pytest.raises(IndexError, match="boolean mask of shape"):
        x[Tensor([True, False, True])]


def test_shapes_casts_and_copies():
    x = Tensor(np.arange(6.0).reshape(1, 2, 3), requires_grad=True, dtype="float64")
    assert x.view(-1, 3).shape == (2, 3) and x.squeeze().shape == (2, 3)
    assert x.squeeze(1).shape == (1, 2, 3) and x.unsqueeze(0).shape == (1, 1, 2, 3)
    assert x.flatten(1).shape == (1, 6) and x.numel() == x.nelement() == 6 and x.dim() == 3
    y = x.float()
    assert y.dtype == np.float32 and y.requires_grad and x.long().dtype == np.int64
    assert x.to(mg.float64) is x and x.double() is x and not x.long().requires_grad
    (y.sum() + (x.clone() + 1.0).log10().sum() * 0).backward()
    assert x.grad.dtype == np.float64 and x.grad.tolist() == [[[1.0] * 3] * 2]
    c = x.detach().clone()
    c[0, 0, 0] = 9.0
    assert x.tolist()[0][0][0] == 0.0  # a clone is a copy


def test_requires_grad_and_retain_grad_as_pytorch():
    w = Tensor([1.0, 2.0]).requires_grad_()
    h = w * 3.0
    h.retain_grad()
    h.sum().backward()
    assert w.grad.tolist() == [3.0, 3.0] and h.grad.tolist() == [1.0, 1.0]
    with pytest.raises(ValueError, match="does not require a gradient"):
        Tensor([1.0]).retain_grad()
    with pytest.raises(TypeError, match="floating-point"):
        Tensor([1, 2]).requires_grad_()


def test_a_tensor_converts_to_numpy_and_formats_its_number():
    import matplotlib.pyplot as plt

    x = Tensor([[1.0, 2.0], [3.0, 4.0]])
    assert np.asarray(x).tolist() == x.tolist()
    assert np.asarray(x, dtype=np.float64).dtype == np.float64
    figure = plt.figure()
    plt.imshow(x)
    plt.plot(x[0], x[1])
    plt.close(figure)
    assert f"{x.sum():.2f}" == "10.00" and "%.1f" % x.mean() == "2.5" and float(x[1, 1]) == 4.0
    assert [row.tolist() for row in x] == [[1.0, 2.0], [3.0, 4.0]]


def test_all_any_and_allclose():
    x = Tensor([1.0, 2.0])
    assert mg.all(x == x).item() is True and (x > 1.5).any().item() is True
    assert mg.allclose(x, x + 1e-9) and not mg.allclose(x, x + 1e-3)


def test_factories_make_pytorchs_dtypes_and_shapes():
    assert mg.tensor([1, 2]).dtype == np.int64 and mg.tensor([1.0]).dtype == np.float32
    assert mg.zeros(2, 3).shape == (2, 3) and mg.ones((2,)).dtype == np.float32
    assert mg.zeros_like(mg.tensor([[1, 2]])).dtype == np.int64
    assert mg.arange(5).tolist() == list(range(5)) and mg.arange(5).dtype == np.int64
    np.testing.assert_allclose(mg.linspace(-3, 0, 4).numpy(), torch.linspace(-3, 0, 4).numpy())
    assert mg.cat([mg.ones(2, 1), mg.zeros(2, 2)], dim=1).shape == (2, 3)
    assert mg.tensor([[1.0]], requires_grad=True).requires_grad


def test_a_generator_is_reproducible_within_minigrad():
    g = mg.Generator().manual_seed(2147483647)
    first = (mg.randn(3, generator=g).tolist(), mg.randint(0, 10, (5,), generator=g).tolist())
    g.manual_seed(2147483647)
    again = (mg.randn(3, generator=g).tolist(), mg.randint(0, 10, (5,), generator=g).tolist())
    assert first == again and all(0 <= i < 10 for i in first[1])
    mg.manual_seed(42)
    a = mg.rand(4).tolist()
    mg.manual_seed(42)
    assert mg.rand(4).tolist() == a and all(0 <= v < 1 for v in a)


def test_multinomial_draws_in_proportion_to_the_weights():
    g = mg.Generator().manual_seed(0)
    draws = mg.multinomial(mg.tensor([1.0, 0.0, 3.0]), 4000, replacement=True, generator=g)
    counts = np.bincount(draws.numpy(), minlength=3)
    assert counts[1] == 0 and 0.7 < counts[2] / 4000 < 0.8
    rows = mg.multinomial(mg.tensor([[0.0, 1.0], [1.0, 0.0]]), 1)
    assert rows.tolist() == [[1], [0]]
    assert sorted(mg.multinomial(mg.tensor([1.0, 1.0, 1.0]), 3).tolist()) == [0, 1, 2]
    with pytest.raises(ValueError, match="without replacement"):
        mg.multinomial(mg.tensor([1.0, 0.0]), 2)


def test_histogram_is_pytorchs():
    a = np.random.default_rng(3).standard_normal(1000).astype(np.float32)
    hist, edges = mg.histogram(mg.tensor(a), density=True)
    theirs = torch.histogram(torch.tensor(a), density=True)
    np.testing.assert_allclose(edges.numpy(), theirs.bin_edges.numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(hist.numpy(), theirs.hist.numpy(), rtol=1e-3)


def test_functional_one_hot_softmax_and_cross_entropy_are_pytorchs():
    classes = [0, 2, 1]
    assert mg_F.one_hot(mg.tensor(classes), num_classes=4).tolist() == (
        torch.nn.functional.one_hot(torch.tensor(classes), num_classes=4).tolist()
    )
    a = np.random.default_rng(4).standard_normal((3, 4))
    np.testing.assert_allclose(
        mg_F.softmax(mg.tensor(a), dim=1).numpy(), torch.softmax(torch.tensor(a), 1).numpy(),
        rtol=1e-6,
    )
    np.testing.assert_allclose(
        mg_F.cross_entropy(mg.tensor(a), mg.tensor(classes)).item(),
        torch.nn.functional.cross_entropy(torch.tensor(a), torch.tensor(classes)).item(),
        rtol=1e-6,
    )


def test_what_minigrad_torch_does_not_cover_raises_an_error_saying_so():
    with pytest.raises(AttributeError, match="does not cover torch.fft"):
        mg.fft  # noqa: B018
    with pytest.raises(AttributeError, match="does not cover torch.nn.Conv1d"):
        mg.nn.Conv1d  # noqa: B018
    with pytest.raises(AttributeError, match="does not cover torch.nn.functional.conv1d"):
        mg_F.conv1d  # noqa: B018
    with pytest.raises(NotImplementedError, match="label_smoothing"):
        mg_F.cross_entropy(mg.zeros(2, 3), mg.tensor([0, 1]), label_smoothing=0.1)
    with pytest.raises(ValueError, match="on the CPU"):
        mg.zeros(2, device="cuda")


def test_minigrad_torch_imports_no_pytorch():
    import subprocess
    import sys

    code = (
        "import sys, minigrad.torch as t, minigrad.torch.nn.functional as F\n"
        "t.tanh(t.randn(2, 2)); assert 'torch' not in sys.modules, 'PyTorch imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
