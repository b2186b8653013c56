"""The Tensor engine's design: leaves, accumulation, the walk, _backward(), no_grad, grad(), and a
clear error for every bad input, raised before anything changes."""

from __future__ import annotations

import gc
import weakref

import numpy as np
import pytest
import torch

from minigrad import Value, losses, no_grad
from minigrad import tensor as mt
from minigrad.tensor import Tensor


def test_numbers_and_lists_become_float32_ints_int64_and_float64_on_request():
    assert Tensor([1.0, 2]).dtype == np.float32
    assert Tensor([1, 2]).dtype == np.int64 and Tensor(3).dtype == np.int64  # as in PyTorch
    assert Tensor([True, False]).dtype == np.bool_
    assert Tensor([1, 2], dtype="float32").dtype == np.float32
    assert Tensor(1.5, dtype="float64").dtype == np.float64
    assert Tensor(np.zeros(2, dtype=np.float64)).dtype == np.float64  # an array keeps its dtype
    t = Tensor([[1.0, 2.0]])
    assert (t.shape, t.ndim, t.size, Tensor(3.0).item()) == ((1, 2), 2, 2, 3.0)


def test_a_number_keeps_the_tensors_dtype():
    assert (Tensor([1.0]) * 2).dtype == np.float32
    assert (0.5 - Tensor([1.0], dtype="float64")).dtype == np.float64


def test_leaves_and_retained_inner_nodes_accumulate_across_backward_calls_as_in_pytorch():
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = x * 3.0
    y.retain_grad()
    z = (y * y).sum()
    z.backward()
    z.backward()
    t = torch.tensor([1.0, 2.0], requires_grad=True)
    ty = t * 3.0
    ty.retain_grad()
    tz = (ty * ty).sum()
    tz.backward(retain_graph=True)
    tz.backward()
    assert x.grad.tolist() == t.grad.tolist() == [36.0, 72.0]
    assert y.grad.tolist() == ty.grad.tolist() == [12.0, 24.0]  # 2 · 2y, not fed back into x
    assert y.retains_grad and not z.retains_grad and not x.retains_grad


def test_inner_nodes_keep_no_gradient_after_backward_as_in_pytorch():
    x = Tensor([1.0, 2.0], requires_grad=True, dtype="float64")
    y = (x * 3.0).tanh()
    h = y * y  # used twice below: its gradient is complete only once both uses passed theirs
    z = (h + h.exp()).sum()
    z.backward()
    assert y.grad is None and h.grad is None and z.grad is None
    assert x.is_leaf and not y.is_leaf
    t = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)
    ty = (t * 3.0).tanh()
    th = ty * ty
    (th + th.exp()).sum().backward()
    assert not ty.retains_grad and not th.retains_grad  # (their .grad is None: PyTorch warns)
    np.testing.assert_allclose(x.grad, t.grad.numpy(), rtol=1e-12)


def test_retain_grad_keeps_an_inner_gradient_and_is_refused_without_one():
    x = Tensor([1.0, -2.0], requires_grad=True, dtype="float64")
    h = x * x
    h.retain_grad()
    (h * h).sum().backward()
    assert h.grad.tolist() == [2.0, 8.0]  # ∂Σh²/∂h = 2h
    x.retain_grad()  # a leaf keeps its gradient anyway: nothing to do, as in PyTorch
    with pytest.raises(ValueError, match="does not require a gradient"):
        Tensor([1.0]).retain_grad()


def test_reused_node_accumulates_gradient():
    x = Tensor([3.0], requires_grad=True)
    (x * x + x).sum().backward()
    assert x.grad.tolist() == [7.0]


def test_constants_get_no_gradient_and_record_no_graph():
    x = Tensor([1.0, 2.0])
    w = Tensor([0.5, 0.5], requires_grad=True)
    y = (x * 2.0).exp()
    assert not y.requires_grad and y._prev == ()
    (x * w).sum().backward()
    assert x.grad is None and w.grad.tolist() == [1.0, 2.0]


def test_broadcast_input_receives_the_gradient_summed_to_its_shape():
    x = Tensor(np.ones((128, 4)), requires_grad=True)
    b = Tensor(np.zeros(4), requires_grad=True)
    (x + b).sum().backward()
    assert b.grad.shape == (4,) and b.grad.tolist() == [128.0] * 4
    assert mt.sum_to(np.ones((2, 3, 4)), (3, 1)).tolist() == [[8.0]] * 3


def test_deep_graph_backward_needs_no_recursion():
    x = Tensor([1.0], requires_grad=True)
    y = x
    for _ in range(5000):
        y = y * 1.0
    y.sum().backward()
    assert x.grad.tolist() == [1.0]


def test_graph_is_freed_without_the_cycle_collector():
    gc.disable()
    try:
        x = Tensor([1.0, 2.0], requires_grad=True)
        y = (x.tanh() * x).sum()
        y.backward()
        ref = weakref.ref(y)
        del y
        assert ref() is None
    finally:
        gc.enable()


def test_backward_by_hand_node_by_node_matches_backward():
    x = Tensor([0.5, -1.0], requires_grad=True)
    w = Tensor([2.0, 3.0], requires_grad=True)
    h = x * w
    out = h.tanh().sum()
    out.grad = np.ones(())
    for node in reversed(mt.topological_order(out)):
        node._backward()
    by_hand = x.grad.copy(), w.grad.copy()
    x.grad = w.grad = None
    out.backward()
    assert np.array_equal(by_hand[0], x.grad) and np.array_equal(by_hand[1], w.grad)


def test_backward_step_of_a_node_without_gradient_is_refused():
    x = Tensor([1.0], requires_grad=True)
    with pytest.raises(ValueError, match="no gradient yet"):
        (x * 2.0)._backward()


def test_no_grad_records_nothing():
    w = Tensor([1.0], requires_grad=True)
    with no_grad():
        y = w * 2.0
    assert not y.requires_grad and y._prev == ()


def test_grad_leaves_grads_untouched_and_gives_zeros_for_unused_inputs():
    x, unused = Tensor([2.0], requires_grad=True), Tensor([5.0, 1.0], requires_grad=True)
    gx, gu = mt.grad((x**3).sum(), [x, unused])
    assert gx.tolist() == [12.0] and gu.tolist() == [0.0, 0.0]
    assert x.grad is None


def test_grad_dispatches_from_minigrad_grad():
    import minigrad

    x = Tensor([2.0], requires_grad=True)
    (g,) = minigrad.grad((x * x).sum(), x, create_graph=True)
    assert isinstance(g, Tensor) and g.tolist() == [4.0]
    assert minigrad.grad(g.sum(), x)[0].tolist() == [2.0]


def test_matches_pytorch_on_a_small_network_step():
    rng = np.random.default_rng(0)
    x, w, b = rng.normal(size=(5, 3)), rng.normal(size=(3, 4)), rng.normal(size=4)
    labels = np.array([0, 3, 1, 1, 2])
    mine = [Tensor(a, requires_grad=True) for a in (w, b)]
    logits = (Tensor(x) @ mine[0] + mine[1]).tanh()
    loss = -logits.log_softmax(-1)[np.arange(5), labels].mean()
    loss.backward()
    theirs = [torch.tensor(a, requires_grad=True) for a in (w, b)]
    expected = torch.nn.functional.cross_entropy(
        (torch.tensor(x) @ theirs[0] + theirs[1]).tanh(), torch.tensor(labels)
    )
    expected.backward()
    assert abs(loss.item() - expected.item()) < 1e-12
    for m, t in zip(mine, theirs):
        np.testing.assert_allclose(m.grad, t.grad.numpy(), rtol=1e-12, atol=1e-14)


def test_an_operation_keeps_what_its_forward_computed_for_its_backward():
    def forward(x):
        e = np.exp(x)
        return e * 2.0, e  # the output, and eˣ kept for backward

    def backward(g, out, x, *, saved):
        assert saved is not out and np.array_equal(saved * 2.0, out)
        return g * 2.0 * saved

    mt.operation("twice_exp", forward, backward, saves=True)
    try:
        x = Tensor([0.5, -1.0], requires_grad=True, dtype="float64")
        y = mt._apply(mt.OPERATIONS["twice_exp"], (x,), {})
        assert y.tolist() == (2.0 * np.exp([0.5, -1.0])).tolist()
        y.sum().backward()
        np.testing.assert_allclose(x.grad, 2.0 * np.exp([0.5, -1.0]), rtol=1e-15)
    finally:
        del mt.OPERATIONS["twice_exp"]


def test_cross_entropy_keeps_softmax_minus_one_hot_for_backward():
    logits = Tensor([[1.0, 2.0, 0.5], [0.0, -1.0, 3.0]], requires_grad=True, dtype="float64")
    loss = losses.cross_entropy(logits, [2, 0])
    softmax = np.exp(logits.data) / np.exp(logits.data).sum(axis=1, keepdims=True)
    one_hot = np.array([[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]])
    np.testing.assert_allclose(loss._params["saved"], softmax - one_hot, rtol=1e-15)
    loss.backward()
    np.testing.assert_allclose(logits.grad, (softmax - one_hot) / 2, rtol=1e-15)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_cross_entropy_of_a_row_far_below_the_batchs_largest_logit_matches_pytorch(dtype):
    # one shift for the whole batch would leave the second row e^-1000: it is shifted on its own
    z = np.array([[1000.0, 0.0, 1.0], [0.0, 1.0, 2.0], [-50.0, -49.0, -48.0]])
    logits = Tensor(z, requires_grad=True, dtype=dtype)
    loss = losses.cross_entropy(logits, [2, 0, 1])
    loss.backward()
    theirs = torch.tensor(z, requires_grad=True)
    expected = torch.nn.functional.cross_entropy(theirs, torch.tensor([2, 0, 1]))
    expected.backward()
    tolerance = 1e-6 if dtype == "float32" else 1e-13
    assert abs(loss.item() - expected.item()) <= tolerance * expected.item()
    np.testing.assert_allclose(logits.grad, theirs.grad.numpy(), rtol=tolerance, atol=tolerance)


def test_linear_is_x_at_w_plus_b_with_the_same_gradients():
    rng = np.random.default_rng(3)
    x = Tensor(rng.normal(size=(5, 3)), dtype="float64")
    leaves = [Tensor(rng.normal(size=s), requires_grad=True, dtype="float64") for s in [(3, 2), 2]]
    twins = [Tensor(leaf.data.copy(), requires_grad=True) for leaf in leaves]
    mine, theirs = mt.linear(x, *leaves), x @ twins[0] + twins[1]
    assert mine._op == "linear" and mine._prev == (x, *leaves)
    np.testing.assert_array_equal(mine.data, theirs.data)
    mine.tanh().sum().backward()
    theirs.tanh().sum().backward()
    for leaf, twin in zip(leaves, twins):
        np.testing.assert_allclose(leaf.grad, twin.grad, rtol=1e-14)


def test_numpy_reductions_called_on_ufuncs_give_numpys_values_and_dtypes():
    xp = mt._namespace(np.zeros(1))
    for dtype in ["float32", "float64", "int8", "int32", "uint8", "bool"]:
        a = (np.arange(24).reshape(2, 3, 4) % 5).astype(dtype)
        for axis in [None, 0, (0, 2), -1]:
            for keepdims in [False, True]:
                for name in ["sum", "max", "min", "mean"]:
                    ours = getattr(xp, name)(a, axis=axis, keepdims=keepdims)
                    numpys = getattr(np, name)(a, axis=axis, keepdims=keepdims)
                    assert np.asarray(ours).dtype == np.asarray(numpys).dtype, (dtype, name)
                    np.testing.assert_array_equal(ours, numpys)
    assert xp.arange(3).tolist() == [0, 1, 2] and xp.arange(1, 7, 2).tolist() == [1, 3, 5]
    assert xp.ones_like(np.zeros(2, dtype=np.float32)).dtype == np.float32
    square = np.ones((2, 2))
    assert np.shares_memory(xp.reshape(square, (4,)), square)  # a view, as NumPy's reshape
    assert not np.shares_memory(xp.reshape(square, (4,), copy=True), square)
    assert type(xp.asarray(np.float32(2.5))) is np.ndarray and xp.asarray(square) is square
    assert xp.asarray(square, copy=True) is not square


# Bad input: a clear error, before anything changes


def test_shape_mismatch_names_both_shapes_and_the_operation():
    with pytest.raises(ValueError, match=r"\+: shapes \(3,\) and \(4,\) do not broadcast"):
        Tensor([1.0, 2.0, 3.0]) + Tensor([1.0, 2.0, 3.0, 4.0])
    with pytest.raises(ValueError, match=r"@: shapes \(2, 3\) and \(2, 3\) do not fit"):
        Tensor(np.ones((2, 3))) @ Tensor(np.ones((2, 3)))


def test_linear_names_shapes_that_do_not_fit():
    w, b = Tensor(np.ones((3, 2)), requires_grad=True), Tensor(np.ones(2), requires_grad=True)
    with pytest.raises(ValueError, match=r"linear: x \(5, 4\) @ W \(3, 2\) \+ b \(2,\) do not fit"):
        mt.linear(Tensor(np.ones((5, 4))), w, b)
    with pytest.raises(ValueError, match="do not fit"):
        mt.linear(Tensor(np.ones((5, 3))), w, Tensor(np.ones(3)))
    with pytest.raises(TypeError, match="three Tensors"):
        mt.linear(np.ones((5, 3)), w, b)


def test_integer_tensor_cannot_require_gradient():
    with pytest.raises(TypeError, match="only floating-point tensors can have gradients"):
        Tensor(np.arange(3), requires_grad=True)


def test_backward_on_a_non_scalar_needs_a_gradient():
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = x * 2.0
    with pytest.raises(ValueError, match=r"shape \(2,\) needs a gradient of that shape"):
        y.backward()
    with pytest.raises(ValueError, match=r"the gradient has shape \(3,\)"):
        y.backward(np.ones(3))
    with pytest.raises(TypeError, match="floating-point"):
        y.backward(np.ones(2, dtype=np.int64))
    assert x.grad is None and y.grad is None  # nothing changed


def test_backward_on_a_constant_is_refused():
    with pytest.raises(ValueError, match="does not require a gradient"):
        Tensor([1.0]).sum().backward()


def test_index_out_of_range_is_named():
    x = Tensor(np.ones((3, 2)), requires_grad=True)
    with pytest.raises(IndexError, match=r"index 3 is out of range for axis 0 .* \(3, 2\)"):
        x[3]
    with pytest.raises(IndexError, match=r"index array reaches 5"):
        x[np.array([0, 5])]
    with pytest.raises(TypeError, match="indexed by ints, slices"):
        x[1.5]


def test_mixing_a_tensor_with_a_value_is_refused():
    with pytest.raises(TypeError, match="cannot mix a Tensor with a Value"):
        Tensor([1.0]) + Value(2.0)
    with pytest.raises(TypeError):
        Value(2.0) * Tensor([1.0])
    with pytest.raises(TypeError, match="cannot mix a Tensor with a Value"):
        Tensor([Value(1.0)])


def test_unsupported_data_is_refused():
    for bad in ["abc", {"a": 1}, [1.0, "x"], object()]:
        with pytest.raises(TypeError, match="a Tensor is made from"):
            Tensor(bad)
    with pytest.raises(ValueError, match="same length"):
        Tensor([[1.0], [1.0, 2.0]])
    with pytest.raises(ValueError, match="dtype is one of 'float32', 'float64'"):
        Tensor([1.0], dtype="float16")


def test_bad_axes_and_shapes_are_named():
    x = Tensor(np.ones((2, 3)))
    with pytest.raises(ValueError, match="axis 2 is out of range"):
        x.sum(axis=2)
    with pytest.raises(ValueError, match=r"\(2, 3\) cannot become \(4, 2\)"):
        x.reshape(4, 2)
    with pytest.raises(ValueError, match="names an axis twice"):
        x.permute(0, 0)
    with pytest.raises(ValueError, match="is not an order of the axes"):
        x.permute(1)
    with pytest.raises(ValueError, match="axis 2 is out of range"):
        x.transpose(0, 2)
    with pytest.raises(ValueError, match="differ in another axis"):
        mt.concatenate([x, Tensor(np.ones((3, 3)))], axis=1)


def test_minigrads_own_operations_cannot_be_redefined():
    import minigrad.tensor_losses  # noqa: F401 (defines cross_entropy)

    with pytest.raises(ValueError, match="one of MiniGrad's own operations"):
        mt.operation("tanh", lambda x: x, lambda g, out, x: g)
    with pytest.raises(ValueError, match="one of MiniGrad's own operations"):
        mt.operation("cross_entropy", lambda x: x, lambda g, out, x: g)
    assert mt.OPERATIONS["tanh"] is mt.TANH


def test_an_operation_is_applied_to_tensors_by_calling_it():
    double = mt.operation("double for a test", lambda x: 2.0 * x, lambda g, out, x: 2.0 * g)
    x = Tensor([1.0, 3.0], requires_grad=True)
    y = double(x)
    (y * 1.5).sum().backward()
    assert y.tolist() == [2.0, 6.0] and y._op == "double for a test"
    assert x.grad.tolist() == [3.0, 3.0]
    with pytest.raises(TypeError, match="at least one Tensor"):
        double(np.ones(2))
