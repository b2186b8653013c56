"""draw_dot, explain_backward and gradcheck on Tensors: shapes, dtypes, broadcast sums, and a
wrong backward rule found and named."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from minigrad import draw_dot, explain_backward, gradcheck, losses
from minigrad import tensor as mt
from minigrad.gradcheck import GradcheckError
from minigrad.teaching.viz import GraphvizTimeoutError
from minigrad.tensor import Tensor


def small_layer():
    x = Tensor(np.random.default_rng(0).normal(size=(128, 3)), label="x")
    w = Tensor(np.random.default_rng(1).normal(size=(3, 4)), requires_grad=True, label="W")
    b = Tensor(np.zeros(4), requires_grad=True, dtype="float64", label="b")
    z = x @ w + b
    z.label = "z"
    loss = z.tanh().mean()
    loss.label = "loss"
    return loss, w, b


def test_explain_backward_says_where_broadcasting_made_backward_sum():
    loss, w, b = small_layer()
    lines = [str(step) for step in explain_backward(loss)]
    assert "b.grad (4,) += sum over axis 0 of (128, 4)" in "\n".join(lines)
    assert any(line.startswith("W.grad (3, 4) += xᵀ @ g") for line in lines)
    assert w.grad is None  # nothing changed


def test_explain_backward_names_the_other_operand_by_its_own_name():
    x = Tensor(np.ones((2, 3)), label="x")
    w = Tensor(np.full((2, 3), 2.0), requires_grad=True, label="w")
    b = Tensor(np.zeros(3), requires_grad=True, label="b")
    loss = (x * w + b).sum()
    lines = [str(step) for step in explain_backward(loss)]
    assert any(line.startswith("w.grad (2, 3) += g·x") for line in lines), lines
    assert not any("g·b" in line for line in lines)  # b is the bias here, not w's partner


def test_explained_contributions_add_up_to_the_gradients_of_backward():
    loss, w, b = small_layer()
    steps = explain_backward(loss)
    loss.backward()
    for leaf in (w, b):
        total = sum(s.contribution for s in steps if s.child_name == leaf.label)
        np.testing.assert_allclose(total, leaf.grad, rtol=1e-12)


def test_draw_dot_shows_name_shape_dtype_and_summaries():
    loss, w, b = small_layer()
    loss.backward()
    source = draw_dot(loss).source
    for text in ["W", "(3, 4) float64", "(4,) float64", "data ‖·‖", "grad [", "constant", "tanh"]:
        assert text in source, text


def test_draw_dot_shows_inner_gradients_that_backward_dropped():
    x = Tensor([[1.0, -2.0]], requires_grad=True, dtype="float64", label="x")
    h = (x * 3.0).tanh()
    h.label = "h"
    loss = (h * h).sum()
    before = draw_dot(loss).source
    loss.backward()
    assert h.grad is None  # only leaves keep a gradient, as in PyTorch
    expected = 2 * np.tanh([[3.0, -6.0]])  # ∂Σh²/∂h = 2h
    source = draw_dot(loss).source
    assert f"grad [{expected[0, 0]:.4g}, {expected[0, 1]:.4g}]" in source
    assert "grad none" in before and "grad none" not in source
    assert h.grad is None  # the drawing asked for it without keeping it


def test_gradcheck_passes_a_correct_tensor_function():
    w = np.random.default_rng(2).normal(size=(3, 2))
    assert gradcheck(lambda a, c: (a @ c).tanh().logsumexp(axis=0), [w, w.T.copy()])


def test_gradcheck_names_the_node_whose_backward_rule_is_wrong():
    mt.operation("half_square", lambda x: x * x, lambda g, out, x: g * x)  # should be 2·g·x
    try:
        with pytest.raises(GradcheckError, match=r"node half_square\d+ \(half_square"):
            gradcheck(lambda a: mt._apply(mt.OPERATIONS["half_square"], (a.exp(),), {}),
                      [np.array([0.5, -1.0])])  # fmt: skip
        assert not gradcheck(
            lambda a: mt._apply(mt.OPERATIONS["half_square"], (a,), {}),
            [np.array([0.5])],
            raise_exception=False,
        )
    finally:
        del mt.OPERATIONS["half_square"]


def test_gradcheck_looks_past_cross_entropy_to_the_wrong_node():
    mt.operation("half_square", lambda x: x * x, lambda g, out, x: g * x)  # should be 2·g·x
    try:
        with pytest.raises(GradcheckError, match=r"node half_square\d+ \(half_square") as error:
            gradcheck(lambda a: losses.cross_entropy(
                mt._apply(mt.OPERATIONS["half_square"], (a,), {}), [1, 0]),
                [np.array([[0.5, -1.0], [0.3, 0.2]])])  # fmt: skip
        assert "cross_entropy" not in str(error.value).split("disagree")[-1]
    finally:
        del mt.OPERATIONS["half_square"]


def test_gradcheck_calls_nodes_that_share_a_label_as_the_drawings_do():
    from minigrad.teaching.tensor_viz import tensor_names as drawing_names
    from minigrad.tensor_gradcheck import tensor_names as gradcheck_names

    xs = [mt.Tensor([1.0, 2.0], requires_grad=True, label="x") for _ in range(3)]
    out = (xs[0] * xs[1] + xs[2]).sum()
    ours, drawn = gradcheck_names(out), drawing_names(out)
    assert sorted(ours[x] for x in xs) == ["x@1", "x@2", "x@3"]
    assert all(ours[x] == drawn[x] for x in xs)
    odd = mt.Tensor([1.0, 2.0], requires_grad=True, label="x@2")  # a label like a copy's name
    names = gradcheck_names((xs[0] * xs[1] + xs[2] * odd).sum())
    assert len(set(names.values())) == len(names)  # still one name per node


def test_backward_source_writes_the_backward_pass_that_gives_the_engines_gradients_to_the_bit():
    from minigrad import backward_source, losses
    from minigrad import tensor as mt
    from minigrad.teaching.tensor_viz import backward_namespace, tensor_names

    rng = np.random.default_rng(0)
    table = mt.Tensor(rng.standard_normal((5, 3)), requires_grad=True, label="C")
    w = mt.Tensor(rng.standard_normal((6, 4)), requires_grad=True, label="W")
    b = mt.Tensor(rng.standard_normal(4), requires_grad=True, label="b")
    rows = mt.Tensor([[0, 1], [4, 4], [2, 0]])
    h = (table[rows].view(3, -1) @ w + b).tanh()
    h.label = "h"
    scores = mt.concatenate([h, h.max(1, keepdim=True).values / 2.0], axis=1)
    loss = losses.cross_entropy(scores, [0, 4, 2]) + (h.sum(0, keepdim=True) ** 2.0).mean()
    source = backward_source(loss)
    assert "grad_W += reshape1.T @ grad_matmul1" in source and "np.add.at(grad_C" in source
    assert "sum_to(grad_" in source and "rule('cross_entropy', 0)" in source
    namespace = backward_namespace(loss)
    exec(source, namespace)
    names = tensor_names(loss)
    for tensor in names:
        if tensor.requires_grad:
            tensor.retain_grad()  # inner tensors keep their .grad only when asked, as in PyTorch
    loss.backward()
    for tensor, name in names.items():
        if tensor.requires_grad:
            assert np.array_equal(namespace["gradients"][name], tensor.grad), name


# ---------------------------------------------------------------------------------------------
# As safe as the Value drawings: the same names, escaping, shortening and size guard
# ---------------------------------------------------------------------------------------------

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz dot not installed")


@needs_dot
@pytest.mark.parametrize("label", ["w" * 16_000, "\u202e12", "a\x00b", "x\udcff\ud800y"])
def test_awkward_tensor_labels_are_shortened_or_escaped_in_drawings_and_explanations(label):
    w = Tensor(np.ones((2, 2)), requires_grad=True, label=label)
    y = (w * w).tanh().sum()
    dot = draw_dot(y)
    source = dot.source
    source.encode("utf-8")  # no lone surrogate is left
    assert "\u202e" not in source and "\x00" not in source and len(source) < 5_000
    svg = dot.pipe(format="svg").decode("utf-8")
    assert "\u202e" not in svg
    lines = [str(step) for step in explain_backward(y)]
    assert all("\u202e" not in line and line.isprintable() for line in lines)
    [name] = {step.child_name for step in explain_backward(y) if step.op == "*"}
    assert len(name) <= 80 and name.isprintable()


def test_tensors_sharing_a_label_are_numbered_as_values_are():
    xs = [Tensor(np.full(2, float(i)), requires_grad=True, label="x") for i in range(3)]
    total = xs[0] @ xs[1] + xs[2].sum()
    names = {step.child_name for step in explain_backward(total)}
    assert {"x@1", "x@2", "x@3", "matmul1", "sum1"} <= names


def test_a_tensor_graph_of_20000_nodes_is_named_at_once_and_drawn_as_a_summary():
    x = Tensor(np.ones(2), requires_grad=True, label="x")
    y = x
    for _ in range(10_000):
        y = (y * y).tanh()
        y.label = "h"  # 10,000 nodes share a label: h@1 ... h@10000
    dot = draw_dot(y)
    assert dot.is_summary
    assert "SUMMARY: graph too large to draw (20,001 values > max_nodes=1,000)" in dot.source
    assert "h@10000" in dot.source and "h@9999" in dot.source
    assert len(dot.source) < 50_000
    assert not draw_dot(y, max_nodes=None, max_layout_cost=None).is_summary


@needs_dot
def test_a_tensor_summary_renders_and_a_forced_drawing_has_the_time_limit():
    x = Tensor(np.ones(2), requires_grad=True, label="x")
    y = x
    for _ in range(200):
        y = y * 0.5 + x  # x feeds every step: a costly layout
    summary = draw_dot(y)
    assert summary.is_summary and "layout cost" in summary.source
    assert "<svg" in summary.pipe(format="svg").decode("utf-8")
    with pytest.raises(GraphvizTimeoutError, match="did not finish laying out the graph"):
        draw_dot(y, force=True, timeout=0.01).pipe(format="svg")
