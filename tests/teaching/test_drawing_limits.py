"""Drawing never hangs and never fails on a label: layout cost, time limit, awkward labels."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from minigrad import (
    Value,
    backprop_html,
    backward_source,
    draw_dot,
    explain_backward,
    grad_paths,
    operation,
    topological_order,
)
from minigrad.teaching.explain import HTML_MAX_NODES
from minigrad.teaching.viz import (
    DEFAULT_MAX_LAYOUT_COST,
    GraphTooLargeError,
    GraphvizTimeoutError,
    layout_cost,
    too_large,
)

pytest.importorskip("graphviz")
needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz dot not installed")
SRC = Path(__file__).resolve().parents[2] / "src"
HUNDRED_XS = "+".join(["x"] * 100)


def sum_of_x(terms):
    x = Value(1.0, label="x")
    y = x
    for _ in range(terms - 1):
        y = y + x
    return x, y


def minigrad_command(*args, cwd):
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")]),
    }
    # a hung Graphviz would run for minutes: the timeout turns that into a failure
    return subprocess.run(
        [sys.executable, "-m", "minigrad", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=60,
        check=False,
    )


def test_layout_cost_counts_the_hidden_nodes_of_edges_that_skip_ranks():
    x, y = sum_of_x(100)
    cost = layout_cost(y)
    assert cost.values == 100 and cost.edges == 99 * 3
    # x feeds the operations at ranks 1, 3, ..., 197 (and the first one twice): placed at rank
    # 0, its edges skip 0 + 0 + 2 + 4 + ... + 196 ranks
    assert cost.hidden_nodes == sum(range(0, 197, 2))
    assert cost.widest_fan_out == 100 and cost.widest_fan_out_name == "x"
    assert "x feeds 100 operations" in cost.why()
    chain = Value(1.0)
    for _ in range(50):
        chain = chain * 2.0
    assert layout_cost(chain).hidden_nodes == 0  # every edge joins neighbouring ranks


def test_micrograds_demo_network_is_drawn_in_full_and_its_page_not_refused():
    """MLP(2, [16, 16, 1]) on one input: about 4,100 hidden nodes, all of edges from Values used
    once (w·x waiting for its neuron's sum), which dot lays out in a second or two."""
    from minigrad import MLP, manual_seed

    manual_seed(0)
    y = MLP(2, [16, 16, 1])([0.5, -1.0])
    y.backward()
    cost = layout_cost(y)
    assert cost.single_use_hidden_nodes == cost.hidden_nodes > 4000
    assert cost.cost < DEFAULT_MAX_LAYOUT_COST
    assert "SUMMARY" not in draw_dot(y).source
    reason = too_large(topological_order(y), cost, HTML_MAX_NODES, DEFAULT_MAX_LAYOUT_COST)
    assert reason is None


def test_a_graph_with_a_wide_fan_out_is_drawn_as_a_summary_at_once():
    x, y = sum_of_x(100)
    source = draw_dot(y).source
    assert "SUMMARY: graph too large to draw (layout cost" in source
    assert "x feeds 100 operations" in source and "force=True" in source
    assert len(re.findall(r"shape=record", source)) <= 30
    assert len(re.findall(r"shape=record", draw_dot(y, force=True).source)) == 100
    assert len(re.findall(r"shape=record", draw_dot(y, max_layout_cost=None).source)) == 100


@needs_dot
def test_graphviz_is_stopped_at_the_time_limit_with_a_one_line_error():
    x, y = sum_of_x(100)
    drawing = draw_dot(y, force=True, timeout=0.5)  # dot would take minutes on this one
    with pytest.raises(GraphvizTimeoutError, match=r"^Graphviz did not finish .* within 0.5 s"):
        drawing.pipe()


@needs_dot
def test_the_command_draws_a_summary_of_100_terms_and_refuses_the_page(tmp_path):
    done = minigrad_command("graph", HUNDRED_XS, "x=1", "-o", "sum.svg", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "∂/∂x = 100" in done.stdout
    assert "summary" in done.stderr and "--force" in done.stderr
    assert "SUMMARY" in (tmp_path / "sum.svg").read_text(encoding="utf-8")
    page = minigrad_command("graph", HUNDRED_XS, "x=1", "-o", "sum.html", cwd=tmp_path)
    assert page.returncode == 2 and "Traceback" not in page.stderr
    [line] = page.stderr.strip().splitlines()
    assert "x feeds 100 operations" in line and "--force writes it anyway" in line
    assert not (tmp_path / "sum.html").exists()


def test_the_page_refuses_a_costly_graph_before_any_drawing(tmp_path):
    x, y = sum_of_x(100)
    with pytest.raises(GraphTooLargeError, match="force=True writes it anyway"):
        backprop_html(y, tmp_path / "page.html")
    assert os.listdir(tmp_path) == []


AWKWARD_LABELS = {
    "20,000 characters": "w" * 20_000,
    "NUL": "a\x00b",
    "lone surrogate": "x\udcff\ud800y",
    "direction control": "\u202e12",
}


@needs_dot
@pytest.mark.parametrize("label", AWKWARD_LABELS.values(), ids=AWKWARD_LABELS.keys())
def test_awkward_labels_are_shortened_or_escaped_everywhere(label, tmp_path):
    a = Value(2.0, label=label)
    y = (a * a).tanh()
    source = draw_dot(y).source
    source.encode("utf-8")  # no lone surrogate is left
    assert "\x00" not in source and "\u202e" not in source
    svg = draw_dot(y).pipe(format="svg").decode("utf-8")
    [name] = {step.child_name for step in explain_backward(y) if step.child is a}
    assert len(name) <= 80 and name.isprintable()
    assert name in svg or (name.replace("\\", "\\\\") in source)
    table = str(grad_paths(y, a))
    assert name in table
    table.encode("utf-8")
    namespace = {}
    exec(backward_source(y), namespace)
    y.backward()
    assert namespace["gradients"][name] == a.grad
    page = backprop_html(y, tmp_path / "page.html").read_text(encoding="utf-8")
    assert "\x00" not in page and "\u202e" not in page


def test_a_long_label_keeps_its_start_and_two_alike_are_told_apart():
    start = "the weight that joins input 1 to neuron 2 of layer 1, " * 4  # over 80 characters
    a, b = Value(1.0, label=start + "a"), Value(2.0, label=start + "b")
    names = {step.child: step.child_name for step in explain_backward(a * b)}
    shortened = start[:79] + "…"
    assert names == {a: shortened + "@1", b: shortened + "@2"}


@needs_dot
def test_an_operation_with_a_long_or_strange_name_is_drawn_and_named_briefly(tmp_path):
    name = "op\x00" + "ω" * 20_000
    weird = operation(name, lambda x: 2 * x, lambda g, out, x: (2 * g,))
    y = weird(Value(1.0, label="a"))
    [step] = explain_backward(y)
    assert step.node_name == "op_" + "ω" * 27 + "1"
    svg = draw_dot(y).pipe(format="svg").decode("utf-8")
    assert "op\\x00ωωω" in svg and len(svg) < 20_000
    backprop_html(y, tmp_path / "page.html")


@needs_dot
def test_render_writes_beside_the_source_and_has_the_time_limit_too(tmp_path):
    a = Value(2.0, label="a")
    path = draw_dot(a * a).render(tmp_path / "square")
    assert path == str(tmp_path / "square.svg") and "<svg" in Path(path).read_text("utf-8")
    assert (tmp_path / "square").read_text("utf-8").startswith("digraph")
    assert draw_dot(a * a).render(tmp_path / "clean", format="png", cleanup=True).endswith(".png")
    assert sorted(os.listdir(tmp_path)) == ["clean.png", "square", "square.svg"]
    x, y = sum_of_x(100)
    with pytest.raises(GraphvizTimeoutError, match="within 0.5 s"):
        draw_dot(y, force=True, timeout=0.5).render(tmp_path / "sum")
    assert not (tmp_path / "sum.svg").exists()


@needs_dot
@pytest.mark.parametrize("name", ["op" + "ω" * 16_000, "f\u202e"])
def test_the_summary_counts_operations_by_their_readable_names(name):
    strange = operation(name, lambda x: 2 * x, lambda g, out, x: (2 * g,))
    y = Value(1.0, label="a")
    for _ in range(20):
        y = strange(y)
    dot = draw_dot(y, max_nodes=5)
    assert dot.is_summary
    assert "\u202e" not in dot.source and len(dot.source) < 10_000
    [counts] = [line for line in dot.source.split("\\l") if "operations:" in line]
    assert "×20" in counts
    assert "<svg" in dot.pipe(format="svg").decode("utf-8")


@needs_dot
def test_the_pages_title_shows_a_right_to_left_expression_in_its_written_order(tmp_path):
    result = minigrad_command("graph", "ب/2 - 1", "ب=3", "-o", "page.html", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    page = (tmp_path / "page.html").read_text(encoding="utf-8")
    isolated = "Backpropagation through \u2068ب\u2069/2 - 1"  # FIRST STRONG ISOLATE ... POP
    assert f"<title>{isolated}</title>" in page and f"<h1>{isolated}</h1>" in page
