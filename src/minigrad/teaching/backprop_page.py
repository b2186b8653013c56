"""The web page of ``minigrad.teaching.explain.backprop_html``: HTML, CSS and script in one
template, ``backprop_page.html`` beside this module.

backprop_html fills in ``{{TITLE}}`` (escaped text), ``{{SVG}}`` (the graph drawn by Graphviz, each
Value's group with the id ``v<i>`` and its operation's ``v<i>_op``) and ``{{DATA}}`` (a JSON
object, made safe for a <script>): the values (id, name, data, op, inputs) and the steps of the
backward pass (node, child, contribution and the lines that explain them).

The page loads nothing (its Content-Security-Policy forbids it) and puts every name into the page
as text, never as HTML. What it does, for graphs of any size:

* the graph view follows the step: it zooms and pans to the Value pushing its gradient back and
  its inputs, at a size where their boxes can be read; the user can zoom (wheel, + and -), drag,
  and go back to the whole graph; a small overview marks where the current step is;
* a step can be chosen by number, with the slider, by clicking it in the list, or with the arrow
  keys; a Value can be found by name, and the list can be narrowed to that Value's steps;
* the chain-rule line of the current step, with its numbers put in, is the largest text.
"""

from importlib import resources

PAGE = resources.files(__package__).joinpath("backprop_page.html").read_text(encoding="utf-8")
