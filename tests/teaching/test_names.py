"""One name per Value: the drawing, the explainers, the page and the command call it the same."""

import doctest
import html
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from minigrad import Value, backprop_html, backward_source, draw_dot, explain_backward, grad_paths
from minigrad.app.expression import build, parse_assignments
from minigrad.engine import topological_order
from minigrad.teaching.names import value_names
from tests.lecture import DESCRIPTION_XS, description_network_loss, lecture_neuron

pytest.importorskip("graphviz")
needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz dot not installed")


def unlabelled_expression():
    a, b = Value(2.0), Value(-3.0)
    return (a * b + a * 10.0).tanh()


GRAPHS = {
    "labelled neuron": lecture_neuron,
    "unlabelled expression": unlabelled_expression,
    "network": description_network_loss,
}


def drawn_names(root):
    """The name in each Value's record of the DOT source, in trace order (DOT node v<i>)."""
    source = draw_dot(root, max_nodes=None, max_layout_cost=None).source
    records = dict(re.findall(r'v(\d+) \[label="\{ (.*?) \| data', source))
    return [records[str(i)].replace("\\", "") for i in range(len(records))]


def page_names(root, tmp_path):
    text = backprop_html(root, tmp_path / "page.html").read_text(encoding="utf-8")
    data = json.loads(re.search(r"const DATA = (.*);\n", text)[1])
    svg_names = re.findall(
        r'<g id="v\d+" class="node">\s*<title>.*?</title>\s*'
        r"<polygon[^>]*/>\s*<text[^>]*>(.*?)</text>",
        text,
        re.DOTALL,
    )
    return [v["name"] for v in data["values"]], [html.unescape(n) for n in svg_names]


@needs_dot
@pytest.mark.parametrize("build_graph", GRAPHS.values(), ids=GRAPHS.keys())
def test_every_picture_and_explainer_uses_the_same_names(build_graph, tmp_path):
    root = build_graph()
    nodes = topological_order(root)
    names = value_names(root)
    in_order = [names[node] for node in nodes]
    assert len(set(in_order)) == len(nodes)  # one name each
    assert not any("#" in name for name in in_order)
    assert drawn_names(root) == in_order
    data_names, svg_names = page_names(root, tmp_path)
    assert data_names == in_order
    assert sorted(svg_names) == sorted(in_order)
    for step in explain_backward(root):
        assert (step.node_name, step.child_name) == (names[step.node], names[step.child])
        line = str(step)
        assert line.split(".grad += ")[0].strip("()") == names[step.child]
    namespace = {}
    exec(backward_source(root), namespace)
    assert set(namespace["gradients"]) == set(in_order)
    leaf = nodes[0]
    assert f"∂{names[root]}/∂{names[leaf]}" in str(grad_paths(root, leaf))


def test_unlabelled_values_are_named_after_their_operation_and_drawn_with_that_name():
    root = unlabelled_expression()
    assert sorted(value_names(root).values()) == [
        "add1",
        "leaf1",
        "leaf2",
        "leaf3",
        "mul1",
        "mul2",
        "tanh1",
    ]
    assert set(drawn_names(root)) == set(value_names(root).values())


def test_values_that_share_a_label_are_numbered_inputs_first():
    samples = [[Value(float(i), label="x[0]")] for i in range(3)]
    w = Value(0.5, label="w")
    loss = sum((w * x[0] for x in samples), Value(0.0, label="zero"))
    names = value_names(loss)
    assert [names[x[0]] for x in samples] == ["x[0]@1", "x[0]@2", "x[0]@3"]
    assert names[w] == "w"  # a label used once stays as it is
    assert "x[0]@2.grad += " in "\n".join(map(str, explain_backward(loss)))


def test_a_generated_name_never_takes_a_label():
    a = Value(1.0, label="mul1")
    b = a * 2.0
    assert value_names(b)[b] == "mul2"
    c = Value(1.0, label="x@1")
    d = Value(2.0, label="x")
    e = Value(3.0, label="x")
    names = value_names(c + d + e)
    assert (names[c], names[d], names[e]) == ("x@1", "x@2", "x@3")


@needs_dot
def test_the_command_explains_with_the_names_the_api_uses(tmp_path):
    expression = "tanh(x*w + b) * x"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "minigrad",
            "graph",
            expression,
            "x=2",
            "w=-3",
            "b=6.88",
            "-o",
            str(tmp_path / "g.dot"),
            "--explain",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    root, _ = build(expression, parse_assignments(["x=2", "w=-3", "b=6.88"]))
    lines = [str(step) for step in explain_backward(root)]
    assert all(line in done.stdout.splitlines() for line in lines)
    assert drawn_names(root) == [value_names(root)[node] for node in topological_order(root)]


def test_the_docs_page_examples_run_and_show_what_they_print(capsys):
    page = (Path(__file__).resolve().parents[2] / "docs" / "explainers.md").read_text("utf-8")
    blocks = re.findall(r"```python\n(.*?)```", page, re.DOTALL)
    assert len(blocks) == 4
    for block in blocks:
        exec(block, {})
    printed = capsys.readouterr().out
    [table] = re.findall(r"```text\n(.*?)```", page, re.DOTALL)
    assert table in printed
    assert "['leaf1', 'mul1', 'tanh1', 'x']" in printed
    assert "(x feeds 100 operations)\nTrue\n" in printed
    assert (
        "x.grad += 0.7311 (∂s/∂x = 0.7311, by the _backward written by hand) × 1.0000 (s.grad)"
        " = 0.7311\n" in printed
    )


def test_docstring_examples_of_names_run():
    import minigrad.teaching.names

    assert doctest.testmod(minigrad.teaching.names).failed == 0


def test_a_networks_inputs_are_numbered_by_sample_and_its_parameters_named_by_place():
    loss = description_network_loss()
    names = value_names(loss)
    by_name = {name: node for node, name in names.items()}
    for sample, xs in enumerate(DESCRIPTION_XS, start=1):
        for i, number in enumerate(xs):
            assert by_name[f"x[{i}]@{sample}"].data == number  # x[i] of that sample
    parameters = sorted(name for name in names.values() if name.startswith("L") and "@" not in name)
    assert len(parameters) == 41  # 4·(3+1) + 4·(4+1) + (4+1), each used by all four samples
    assert all(re.fullmatch(r"L[0-2]\.N[0-3]\.(w[0-3]|b)", name) for name in parameters)
    assert "L1.N2.w3" in parameters and "L2.N0.b" in parameters
    assert by_name["L2.N0@4"]._op == "tanh"  # the output neuron, on the fourth sample


@pytest.mark.parametrize("fused", [False, True])
@pytest.mark.parametrize("output", ["tanh", "linear"])
def test_a_neurons_output_is_called_by_the_neurons_name(fused, output):
    from minigrad import MLP, manual_seed

    manual_seed(0)
    model = MLP(2, [3, 1], fused=fused, output_activation=output)
    loss = (model([1.0, 2.0]) - 1.0) ** 2 + (model([0.5, -1.0]) + 1.0) ** 2
    names = value_names(loss)
    neurons = sorted(name for name in names.values() if re.fullmatch(r"L\d\.N\d(@\d)?", name))
    places = [(0, 0), (0, 1), (0, 2), (1, 0)]
    assert neurons == [f"L{i}.N{j}@{k}" for i, j in places for k in (1, 2)]
    assert not any(name.startswith("tanh") for name in names.values())
