"""minigrad.teaching.viz: trace and draw_dot, checked on the lecture's neuron and the real dot."""

import html
import re
import shutil
from pathlib import Path

import pytest

from minigrad import Value, draw_dot, operation, trace
from minigrad.teaching.viz import GraphvizNotFoundError
from tests.lecture import lecture_neuron

pytest.importorskip("graphviz")
needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz dot not installed")


def records(source):
    """{DOT node id: record label} of every Value in DOT source."""
    return dict(re.findall(r'(\w+) \[label="\{ (.*?) \}" shape=record', source))


def operations(source):
    """{DOT node id: operation label}."""
    return dict(re.findall(r'(\w+_op) \[label="?(.*?)"? fontsize=11 shape=oval', source))


def test_neuron_records_show_label_data_and_grad():
    o = lecture_neuron()
    o.backward()
    shown = sorted(records(draw_dot(o).source).values())
    assert shown == sorted(
        [
            "x1 | data 2.0000 | grad -1.5000",
            "w1 | data -3.0000 | grad 1.0000",
            "x2 | data 0.0000 | grad 0.5000",
            "w2 | data 1.0000 | grad 0.0000",
            "x1*w1 | data -6.0000 | grad 0.5000",
            "x2*w2 | data 0.0000 | grad 0.5000",
            "x1*w1 + x2*w2 | data -6.0000 | grad 0.5000",
            "b | data 6.8814 | grad 0.5000",
            "n | data 0.8814 | grad 0.5000",
            "o | data 0.7071 | grad 1.0000",
        ]
    )


def test_neuron_has_one_operation_node_between_each_result_and_its_inputs():
    o = lecture_neuron()
    source = draw_dot(o).source
    ids = {label.split(" | ")[0]: node_id for node_id, label in records(source).items()}
    ops = operations(source)
    assert sorted(ops.values()) == ["*", "*", "+", "+", "tanh"]
    edges = set(re.findall(r"(\w+) -> (\w+)", source))
    for result, inputs, op in [
        ("o", ["n"], "tanh"),
        ("n", ["x1*w1 + x2*w2", "b"], "+"),
        ("x1*w1 + x2*w2", ["x1*w1", "x2*w2"], "+"),
        ("x1*w1", ["x1", "w1"], "*"),
        ("x2*w2", ["x2", "w2"], "*"),
    ]:
        op_id = ids[result] + "_op"
        assert ops[op_id] == op
        assert (op_id, ids[result]) in edges
        assert {(ids[x], op_id) for x in inputs} <= edges
    assert len(edges) == 5 + 9  # one edge op -> result per operation, one per input


def test_draw_dot_sets_format_and_rankdir():
    dot = draw_dot(lecture_neuron(), format="png", rankdir="TB")
    assert dot.format == "png"
    assert "rankdir=TB" in dot.source


@needs_dot
def test_neuron_renders_to_svg_with_the_real_dot():
    o = lecture_neuron()
    o.backward()
    svg = draw_dot(o).pipe(format="svg").decode()
    assert svg.lstrip().startswith("<?xml") and "</svg>" in svg
    texts = [html.unescape(t) for t in re.findall(r"<text[^>]*>([^<]*)</text>", svg)]
    for expected in ["x1", "x1*w1 + x2*w2", "data 6.8814", "grad -1.5000", "tanh", "*", "+"]:
        assert expected in texts


def test_edge_grads_show_each_share_and_a_fan_in_sums_to_the_grad():
    a = Value(3.0, label="a")
    b = Value(-2.0, label="b")
    c = a * b + a.tanh() + a  # a feeds three operations
    c.backward()
    source = draw_dot(c, edge_grads=True).source
    a_id = next(i for i, label in records(source).items() if label.startswith("a |"))
    shares = [float(x) for x in re.findall(rf"{a_id} -> \w+_op \[label=(-?[\d.]+)", source)]
    assert len(shares) == 3
    assert sum(shares) == pytest.approx(a.grad, abs=2e-4)
    assert "-2.0000" in [f"{s:.4f}" for s in shares]  # ∂(a·b)/∂a = b, times 1


def test_edge_grads_label_both_edges_of_a_square():
    a = Value(3.0, label="a")
    y = a * a
    y.backward()
    source = draw_dot(y, edge_grads=True).source
    assert len(re.findall(r"v0 -> v1_op \[label=3.0000", source)) == 2


def test_trace_gives_the_lectures_sets_of_values_and_edges():
    o = lecture_neuron()
    nodes, edges = trace(o)
    assert isinstance(nodes, set) and isinstance(edges, set)
    assert len(nodes) == 10 and o in nodes and len(edges) == 9
    assert nodes | {Value(1.0)} > nodes  # set operations work, as in the lecture
    n = next(node for node in nodes if node.label == "n")
    assert (n, o) in edges
    a = Value(2.0)
    square = a * a
    assert trace(square) == ({a, square}, {(a, square)})  # a set: the two edges are one


def test_the_drawing_of_a_times_a_still_has_two_edges_and_is_deterministic():
    a = Value(2.0, label="a")
    square = a * a
    source = draw_dot(square).source
    assert source.count("v0 -> v1_op") == 2
    assert draw_dot(square).source == source


def test_trace_of_a_100000_node_chain_works():
    x = Value(1.0)
    for _ in range(50_000):
        x = x + 1.0  # adds the constant and the sum: two Values per step
    nodes, edges = trace(x)
    assert len(nodes) == 100_001
    assert len(edges) == 100_000


def test_huge_graph_draws_a_marked_summary_fast():
    x = Value(1.0, label="start")
    for _ in range(50_000):
        x = (x * 0.5).tanh()
    x.label = "out"
    dot = draw_dot(x)
    source = dot.source
    assert "SUMMARY: graph too large to draw (150,001 values > max_nodes=1,000)" in source
    assert "force=True" in source
    assert "tanh ×50,000" in source and "* ×50,000" in source
    assert len(records(source)) <= 30
    assert "out | data" in source


@needs_dot
def test_summary_renders_and_force_draws_everything():
    x = Value(1.0)
    for _ in range(100):
        x = x + 1.0
    summary = draw_dot(x, max_nodes=50)
    assert "SUMMARY" in summary.pipe(format="svg").decode()
    full = draw_dot(x, max_nodes=50, force=True).source
    assert "SUMMARY" not in full and len(records(full)) == 201
    assert len(records(draw_dot(x, max_nodes=None).source)) == 201


def test_labels_with_record_syntax_are_shown_literally(tmp_path):
    label = '<script>alert(1)</script> {a|b} "q" \\ x\\l end\\'
    a = Value(1.0, label=label)
    dot = draw_dot(a * 2.0)
    if shutil.which("dot") is None:
        pytest.skip("Graphviz dot not installed")
    svg = dot.pipe(format="svg").decode()
    texts = [html.unescape(t) for t in re.findall(r"<text[^>]*>([^<]*)</text>", svg)]
    assert label in texts
    assert "<script>" not in svg


def test_any_operation_with_any_number_of_inputs_is_drawn():
    sum3 = operation("test_viz_sum3", lambda *xs: sum(xs), lambda g, out, *xs: tuple(g for _ in xs))
    a, b, c = Value(1.0, label="a"), Value(2.0, label="b"), Value(3.0, label="c")
    s = sum3(a, b, c)
    s.backward()
    source = draw_dot(s, edge_grads=True).source
    assert list(operations(source).values()) == ["test_viz_sum3"]
    assert len(re.findall(r"-> v3_op \[label=1.0000", source)) == 3


def test_without_dot_the_source_works_and_rendering_says_how_to_install(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty directory: no dot anywhere
    dot = draw_dot(lecture_neuron())
    assert "x1*w1 + x2*w2" in dot.source
    with pytest.raises(GraphvizNotFoundError) as error:
        dot.pipe(format="svg")
    message = str(error.value)
    assert "apt-get install graphviz" in message
    assert "brew install graphviz" in message
    assert "conda install -c conda-forge graphviz" in message
    with pytest.raises(GraphvizNotFoundError):
        dot.render(tmp_path / "graph")


def test_bad_arguments_are_named():
    with pytest.raises(TypeError, match="trace\\(\\) takes a Value, not float"):
        trace(1.0)
    with pytest.raises(TypeError, match="not float"):
        draw_dot(1.0)
    with pytest.raises(ValueError, match="rankdir must be one of LR, RL, TB, BT, not 'XY'"):
        draw_dot(Value(1.0), rankdir="XY")
    with pytest.raises(ValueError, match="unknown output format 'jpegg'"):
        draw_dot(Value(1.0), format="jpegg")
    with pytest.raises(TypeError, match="max_nodes must be an int or None"):
        draw_dot(Value(1.0), max_nodes="10")


@needs_dot
def test_operation_names_with_dot_syntax_are_shown_literally():
    name = "<b>{op|x}\\n"
    odd = operation(name, lambda x: x, lambda g, out, x: (g,))
    svg = draw_dot(odd(Value(1.0))).pipe(format="svg").decode()
    texts = [html.unescape(t) for t in re.findall(r"<text[^>]*>([^<]*)</text>", svg)]
    assert name in texts


def test_docstring_examples_run():
    import doctest

    import minigrad.teaching.explain
    import minigrad.teaching.viz

    for module in (minigrad.teaching.viz, minigrad.teaching.explain):
        failed, attempted = doctest.testmod(module)
        assert attempted > 0 and failed == 0, module.__name__


@needs_dot
def test_readme_drawing_example_runs(tmp_path, monkeypatch, capsys):
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Drawing the graph and watching backpropagation") :]
    code = re.search(r"```python\n(.*?)```", section, re.DOTALL)[1]
    monkeypatch.chdir(tmp_path)
    exec(code, {})
    assert (tmp_path / "neuron.svg").exists() and (tmp_path / "backprop.html").exists()
    assert "n.grad += 0.5000 (∂o/∂n = 1 - o²) × 1.0000 (o.grad) = 0.5000" in capsys.readouterr().out


def test_labels_that_are_not_strings_are_drawn_as_text_and_no_value_is_blank():
    a = Value(1.0, label=7)
    b = Value(2.0, label=None)
    source = draw_dot(a * b).source
    assert "{ 7 | data 1.0000" in source and "{ leaf1 | data 2.0000" in source
    assert "{ mul1 | data 2.0000" in source


@needs_dot
def test_jupyter_shows_the_drawing_inline():
    bundle = draw_dot(lecture_neuron())._repr_mimebundle_()
    assert "<svg" in bundle["image/svg+xml"]


def test_jupyter_without_dot_says_how_to_install(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(GraphvizNotFoundError, match="brew install graphviz"):
        draw_dot(lecture_neuron())._repr_mimebundle_()


def test_a_graphviz_function_draws_where_no_program_can_run(tmp_path, monkeypatch):
    """As in the browser's Playground: DOT text in, the drawing out, no Graphviz program."""
    pytest.importorskip("graphviz")
    from minigrad import backprop_html
    from minigrad.teaching import viz

    monkeypatch.setenv("PATH", str(tmp_path))  # no dot anywhere
    calls = []

    def render(dot_text, engine, output_format):
        calls.append((dot_text, engine, output_format))
        return '<svg viewBox="0 0 10 10"><g class="graph"><g id="v0"></g></g></svg>'

    o = lecture_neuron()
    o.backward()
    viz.use_graphviz_function(render)
    try:
        drawn = draw_dot(o).pipe(format="svg", encoding="utf-8")
        page = backprop_html(o, tmp_path / "o.html")
    finally:
        viz.use_graphviz_function(None)
    assert drawn.startswith("<svg")
    assert calls[0] == (draw_dot(o).source, "dot", "svg")  # the very text draw_dot makes
    assert "{ x1 | data 2.0000 | grad -1.5000 }" in calls[0][0]
    assert '<g id="v0">' in page.read_text(encoding="utf-8")
    with pytest.raises(GraphvizNotFoundError):  # and back to the program, which is missing
        draw_dot(o).pipe()
    with pytest.raises(TypeError, match="a function or None"):
        viz.use_graphviz_function("dot")
