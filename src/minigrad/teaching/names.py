"""One name for every Value of a graph, shared by the drawing and every explainer.

    >>> from minigrad import Value
    >>> x = Value(2.0, label="x")
    >>> y = (x * 3.0).tanh()
    >>> sorted(value_names(y).values())
    ['leaf1', 'mul1', 'tanh1', 'x']

The rules, in order:

* A Value with a label is called by its label: ``x``, ``L0.N1.w2``, ``x[0]``.
* When several Values of the graph share a label (a model's loss over four samples has four
  inputs labelled ``x[0]``), each is called ``label@k``: ``x[0]@1`` ... ``x[0]@4``, numbered in
  the order the graph lists them, inputs first. For a loss summed over samples that is the order
  of the samples, so ``x[0]@2`` reads "x[0] of the second sample".
* The output of a neuron of ``nn`` (its activation, or its sum w·x + b when it has none) is
  called by the neuron's own name, the start of its parameters' labels: ``L1.N0``, and
  ``L1.N0@2`` for its output on the second sample.
* Any other Value without a label is called after its operation and numbered: ``mul1``, ``add2``,
  ``tanh1``; an input without a label (a number written in an expression) is ``leaf1``, ``leaf2``.
  No generated name is ever some other Value's label.
* A label is shown as text a reader can see: characters that do not print (NUL, newlines,
  Unicode direction controls such as U+202E, lone surrogates) are written as Python escapes
  (``\\x00``, ``\\n``, ``\\u202e``), and a label over 80 characters keeps its first 79 and ``…``.
"""

from __future__ import annotations

import re
from collections import Counter

from minigrad.engine import Value, _walk

MAX_NAME_LENGTH = 80
MAX_WORD_LENGTH = 30  # of an operation's name in a generated name
COPY_MARK = "@"  # x[0]@2: the second Value labelled x[0]

OPERATION_WORDS = {"+": "add", "-": "sub", "*": "mul", "/": "div", "**": "pow", "@": "matmul",
                   "[]": "index"}  # fmt: skip


def value_names(root: Value) -> dict[Value, str]:
    """A distinct, readable name for every Value behind ``root``, inputs first (rules above)."""
    if not isinstance(root, Value):
        raise TypeError(f"expected a Value, not {type(root).__name__}")
    order, _ = _walk(root)
    return names_in_order(order)


def names_in_order(order: list[Value]) -> dict[Value, str]:
    """The names of ``order``'s nodes (a graph listed inputs first), by the rules above; the
    nodes are Values or Tensors (anything with ``label``, ``_op`` and ``_prev``)."""
    labels = {node: readable(node.label) for node in order if _has_label(node)}
    for node, neuron in _neuron_outputs(order).items():
        labels.setdefault(node, neuron)
    copies = Counter(labels.values())
    taken = set(labels.values())
    names: dict[Value, str] = {}
    used: set[str] = set()
    counters: Counter[str] = Counter()
    for node in order:
        label = labels.get(node)
        if label is not None and copies[label] == 1:
            name = label
        else:
            base = label if label is not None else _operation_word(node)
            mark = COPY_MARK if label is not None else ""
            while True:
                counters[base + mark] += 1
                name = f"{base}{mark}{counters[base + mark]}"
                if name not in taken and name not in used:
                    break
        used.add(name)
        names[node] = name
    return names


def readable(label: object) -> str:
    """``label`` as one line of visible text: escapes for what does not print, at most 80 chars."""
    text = label if isinstance(label, str) else str(label)
    if not text.isprintable():
        text = "".join(c if c.isprintable() else _escape(c) for c in text)
    if len(text) > MAX_NAME_LENGTH:
        text = text[: MAX_NAME_LENGTH - 1] + "…"
    return text


def _has_label(node: Value) -> bool:
    label = node.label
    return label is not None and label != ""


def _escape(char: str) -> str:
    code = ord(char)
    if code < 0x100:
        return {"\n": "\\n", "\t": "\\t", "\r": "\\r"}.get(char, f"\\x{code:02x}")
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def _operation_word(node: Value) -> str:
    if not node._prev:
        return "leaf"
    word = OPERATION_WORDS.get(node._op) or ("pow" if node._op.startswith("**") else node._op)
    return re.sub(r"\W+", "_", word).strip("_")[:MAX_WORD_LENGTH] or "op"


_BIAS = re.compile(r"(L\d+\.N\d+)\.b")  # a neuron's bias, labelled by nn: L1.N0.b
_ACTIVATIONS = {"tanh", "relu", "sigmoid"}


def _neuron_outputs(order: list[Value]) -> dict[Value, str]:
    """The output of each neuron of an nn model in ``order``, with the neuron's name (``L1.N0``).

    A fused neuron is one node whose last input is its bias. An unfused one is the lecture's
    chain of sums, b + w₁x₁ + w₂x₂ + ..., read here from the bias up, then its activation.
    """
    sums: dict[Value, str] = {}  # each sum of a neuron's chain, with the neuron's name
    outputs: dict[Value, str] = {}
    for node in order:
        inputs = node._prev
        if not inputs:
            continue
        first, last = inputs[0], inputs[-1]
        if "w·x+b" in node._op:  # a fused neuron: its inputs are x₁..xₙ, w₁..wₙ, b
            bias = _BIAS.fullmatch(str(last.label)) if _has_label(last) else None
            if bias:
                outputs[node] = bias[1]
        elif node._op == "+" and len(inputs) == 2:
            start = _BIAS.fullmatch(str(first.label)) if _has_label(first) else None
            name = start[1] if start else sums.get(first)
            if name is not None and _is_weight_times_input(last, name):
                sums[node] = name
                outputs.pop(first, None)  # the chain goes on: its top sum is the output
                outputs[node] = name
        elif node._op in _ACTIVATIONS and len(inputs) == 1 and first in sums:
            outputs.pop(first, None)
            outputs[node] = sums[first]
    return outputs


def _is_weight_times_input(node: Value, neuron: str) -> bool:
    """``node`` is wᵢ·xᵢ for a weight of ``neuron`` (labelled ``L1.N0.w2``)."""
    if node._op != "*" or len(node._prev) != 2 or not _has_label(node._prev[0]):
        return False
    return str(node._prev[0].label).startswith(neuron + ".w")
