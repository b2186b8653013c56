"""backprop_html: one self-contained page, driven in real headless Chromium."""

import os
import re
import shutil
import time

import pytest

from minigrad import Value, backprop_html
from minigrad.storage.files import PlantedLinkError
from minigrad.teaching.viz import GraphTooLargeError, GraphvizNotFoundError, trace
from tests.lecture import description_network_loss, lecture_neuron
from tests.shared_folder import as_root, planted_link

pytestmark = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz dot not installed")

XSS = "<script>alert(1)</script>"
IMAGE = "<img src=x onerror=alert(2)>"  # runs if ever put into the page as HTML


# ---------------------------------------------------------------------------------------------
# The file itself
# ---------------------------------------------------------------------------------------------


def test_page_is_one_file_that_loads_nothing(tmp_path):
    page = backprop_html(lecture_neuron(), tmp_path / "backprop.html")
    assert page == tmp_path / "backprop.html"
    assert os.listdir(tmp_path) == ["backprop.html"]  # no temporary file left behind
    text = page.read_text(encoding="utf-8")
    assert "<svg" in text and "Previous" in text and "Next" in text and "Play" in text
    assert not re.search(r"<link|@import|url\(|\bsrc\s*=|<img|<iframe", text, re.IGNORECASE)
    urls = set(re.findall(r"https?://[^\s\"'<>)]*", text))
    assert urls <= {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}  # XML names
    assert "default-src 'none'" in text  # the browser itself refuses any fetch


def test_labels_cannot_break_out_of_the_page(tmp_path):
    root = lecture_neuron(output_label=XSS)
    sneaky = Value(1.0, label="</script><script>alert(2)</script>{{DATA}}&amp;")
    root = root * sneaky
    root.label = "{{SVG}}"
    text = backprop_html(root, tmp_path / "page.html").read_text(encoding="utf-8")
    assert text.count("<script") == 1 and text.count("</script>") == 1
    assert "alert(1)" in text and "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert text.count("<svg") == 1


def test_rewriting_replaces_the_file_atomically(tmp_path):
    target = tmp_path / "page.html"
    target.write_text("old")
    backprop_html(lecture_neuron(), target)
    assert "Backpropagation through o" in target.read_text(encoding="utf-8")
    assert sorted(os.listdir(tmp_path)) == ["page.html"]


def test_bad_paths_and_huge_graphs_are_refused(tmp_path):
    with pytest.raises(ValueError, match="rankdir must be one of LR, RL, TB, BT, not 'up'"):
        backprop_html(lecture_neuron(), tmp_path / "page.html", rankdir="up")
    with pytest.raises(TypeError, match="expected a Value, not list"):
        backprop_html([], tmp_path / "page.html")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        backprop_html(lecture_neuron(), tmp_path / "missing" / "page.html")
    x = Value(1.0)
    for _ in range(600):
        x = x + 1.0
    with pytest.raises(GraphTooLargeError, match=r"1,201 values > max_nodes=1,000.*force=True"):
        backprop_html(x, tmp_path / "page.html")
    assert os.listdir(tmp_path) == []


def test_a_graph_that_dot_would_take_minutes_on_is_refused_before_graphviz(tmp_path, monkeypatch):
    x = Value(1.0, label="x")
    y = x
    for _ in range(99):
        y = y + x  # x + x + ... + x: few values, but x feeds 100 operations across 200 ranks
    monkeypatch.setenv("PATH", str(tmp_path))  # calling Graphviz would fail differently
    with pytest.raises(GraphTooLargeError, match=r"layout cost .*x feeds 100 operations"):
        backprop_html(y, tmp_path / "page.html")
    assert os.listdir(tmp_path) == []


def test_without_dot_the_error_says_how_to_install(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(GraphvizNotFoundError, match="apt-get install graphviz"):
        backprop_html(lecture_neuron(), tmp_path / "page.html")
    assert os.listdir(tmp_path) == []


# ---------------------------------------------------------------------------------------------
# In Chromium
# ---------------------------------------------------------------------------------------------


class Page:
    """A page of backprop_html open in Chromium, recording requests, dialogs and errors."""

    def __init__(self, browser, path):
        self.url = path.resolve().as_uri()
        self.requests, self.dialogs, self.errors = [], [], []
        self.page = browser.new_page()
        self.page.on("request", lambda request: self.requests.append(request.url))
        self.page.on(
            "dialog", lambda dialog: (self.dialogs.append(dialog.message), dialog.dismiss())
        )
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.goto(self.url)

    def records(self):
        """{label: 'grad ...' text} of every Value drawn in the SVG."""
        return self.page.evaluate(
            """() => Object.fromEntries(
                Array.from(document.querySelectorAll("svg g.node"))
                  .filter(g => /^v\\d+$/.test(g.id))
                  .map(g => {
                    const texts = Array.from(g.querySelectorAll("text")).map(t => t.textContent);
                    return [texts[0], texts.filter(t => t.startsWith("grad ")).pop()];
                  }))"""
        )

    def status(self):
        """The chain-rule line, then the same line with its numbers."""
        return self.page.inner_text("#rule") + "\n" + self.page.inner_text("#numbers")

    def step(self):
        return int(self.page.input_value("#step-number"))

    def on_screen(self, element_id):
        """The element's box in the window (x, y, width, height), or None if it is not shown."""
        return self.page.evaluate(
            """id => {
                const box = document.getElementById(id).getBoundingClientRect();
                const view = document.getElementById("view").getBoundingClientRect();
                const inside = box.left >= view.left - 1 && box.right <= view.right + 1
                    && box.top >= view.top - 1 && box.bottom <= view.bottom + 1;
                return inside ? [box.left, box.top, box.width, box.height] : null;
            }""",
            element_id,
        )

    def fill(self, element_id):
        """The fill colour of the first shape of a Value's box."""
        return self.page.evaluate(
            """id => getComputedStyle(
                document.getElementById(id).querySelector("polygon, ellipse")).fill""",
            element_id,
        )


@pytest.fixture
def neuron_page(browser, tmp_path):
    page = Page(browser, backprop_html(lecture_neuron(), tmp_path / "neuron.html"))
    yield page
    page.page.close()


def test_page_draws_the_graph_from_a_file_url(neuron_page):
    assert neuron_page.url.startswith("file://")
    records = neuron_page.records()
    assert set(records) == {
        "x1",
        "x2",
        "w1",
        "w2",
        "x1*w1",
        "x2*w2",
        "x1*w1 + x2*w2",
        "b",
        "n",
        "o",
    }
    assert records["o"] == "grad 1.0000"  # the start: only the output's gradient is set
    assert all(grad == "grad 0.0000" for label, grad in records.items() if label != "o")
    assert neuron_page.step() == 0 and neuron_page.page.inner_text("#position") == "of 9"
    assert neuron_page.errors == []


def test_next_fills_in_gradients_step_by_step_and_previous_undoes(neuron_page):
    before = neuron_page.records()
    neuron_page.page.click("#next")
    after = neuron_page.records()
    assert after != before
    assert after["n"] == "grad 0.5000"
    assert neuron_page.status() == (
        "n.grad += ∂o/∂n × o.grad\n= (1 - 0.7071²) × 1.0000 = 0.5000 × 1.0000 = 0.5000"
    )
    assert neuron_page.page.get_attribute("#v8", "class").split() == ["node", "receiving"]
    assert "pushing" in neuron_page.page.get_attribute("#v9", "class")
    neuron_page.page.click("#previous")
    assert neuron_page.records() == before


def test_stepping_to_the_end_shows_the_gradients_of_backward(neuron_page):
    o = lecture_neuron()
    o.backward()
    for _ in range(9):
        neuron_page.page.click("#next")
    assert neuron_page.page.is_disabled("#next")
    expected = {node.label: f"grad {node.grad:.4f}" for node in trace(o)[0]}
    assert neuron_page.records() == expected


def test_play_advances_by_itself(neuron_page):
    neuron_page.page.click("#play")
    deadline = time.monotonic() + 10
    while neuron_page.step() < 2 and time.monotonic() < deadline:  # (the page forbids eval)
        neuron_page.page.wait_for_timeout(50)
    neuron_page.page.click("#play")  # pause
    assert neuron_page.page.inner_text("#play") == "Play"
    assert neuron_page.records()["x1*w1 + x2*w2"] == "grad 0.5000"


def test_page_makes_no_network_requests(neuron_page):
    neuron_page.page.click("#next")
    neuron_page.page.click("#play")
    neuron_page.page.wait_for_timeout(300)
    assert neuron_page.requests == [neuron_page.url]


def test_a_script_label_shows_as_text_and_never_runs(browser, tmp_path):
    root = lecture_neuron(output_label=XSS) * Value(2.0, label=IMAGE)
    page = Page(browser, backprop_html(root, tmp_path / "xss.html"))
    try:
        for _ in range(3):  # mul1 -> XSS, mul1 -> IMAGE, XSS -> n
            page.page.click("#next")
        page.page.wait_for_timeout(200)
        assert page.dialogs == []
        assert {XSS, IMAGE} <= set(page.records())
        assert f"∂({XSS})/∂n" in page.status()  # a long name is put in parentheses
        steps = page.page.inner_text("#steps")
        assert f"({IMAGE}).grad" in steps and f"({XSS}).grad" in steps
        assert page.page.evaluate("document.scripts.length") == 1
        assert page.errors == []
    finally:
        page.page.close()


def test_page_gets_ordinary_file_permissions(tmp_path):
    page = backprop_html(lecture_neuron(), tmp_path / "page.html")
    umask = os.umask(0)
    os.umask(umask)
    assert page.stat().st_mode & 0o777 == 0o666 & ~umask


def test_unlabeled_values_are_drawn_with_the_names_the_steps_use(browser, tmp_path):
    a = Value(2.0)
    y = (a * a).tanh()
    page = Page(browser, backprop_html(y, tmp_path / "unlabeled.html"))
    try:
        assert set(page.records()) == {"leaf1", "mul1", "tanh1"}
        page.page.click("#next")
        assert page.status().startswith("mul1.grad += ∂tanh1/∂mul1 × tanh1.grad")
    finally:
        page.page.close()


# ---------------------------------------------------------------------------------------------
# A network's page: the view follows the step, jumping and finding, the end of the pass
# ---------------------------------------------------------------------------------------------

RECEIVING_FILL = "rgb(185, 240, 185)"
PUSHING_FILL = "rgb(255, 224, 138)"


@pytest.fixture(scope="module")
def network_page(browser, tmp_path_factory):
    path = backprop_html(description_network_loss(), tmp_path_factory.mktemp("net") / "net.html")
    page = Page(browser, path)
    page.page.set_viewport_size({"width": 1366, "height": 768})  # a laptop's window
    page.page.reload()
    yield page
    page.page.close()


def go_to_step(page, number):
    page.page.fill("#step-number", str(number))
    page.page.dispatch_event("#step-number", "change")


def test_network_page_names_what_is_differentiated(network_page):
    assert network_page.page.title() == "Backpropagation through loss"
    assert network_page.page.inner_text("h1") == "Backpropagation through loss"


def test_at_step_40_the_value_being_processed_is_on_screen_and_readable(network_page):
    go_to_step(network_page, 40)
    assert network_page.step() == 40
    steps = network_page.page.evaluate("DATA.steps.length")
    assert steps > 500  # a graph far too large to read when shrunk to the window
    node = network_page.page.evaluate("DATA.steps[39].node")
    box = network_page.on_screen(node)
    assert box is not None, "the Value pushing its gradient back is off screen"
    assert box[3] >= 25  # as tall as a line of 14 px text and its padding, at least
    text_height = network_page.page.evaluate(
        "id => document.getElementById(id).querySelector('text').getBoundingClientRect().height",
        node,
    )
    assert text_height >= 12  # readable
    assert network_page.fill(node) == PUSHING_FILL
    assert "pushing" in network_page.page.get_attribute("#overview rect.pushing", "class")
    assert network_page.errors == []


def test_the_chain_rule_line_is_the_largest_text_with_its_numbers(network_page):
    go_to_step(network_page, 40)
    sizes = network_page.page.evaluate(
        """() => Array.from(document.querySelectorAll("body *"))
            .filter(e => e.closest("svg") === null && e.offsetParent !== null
                         && e.childNodes.length && e.innerText && e.innerText.trim())
            .map(e => [e.id || e.tagName, parseFloat(getComputedStyle(e).fontSize)])"""
    )
    rule_size = dict(sizes)["rule"]
    assert rule_size >= 18
    assert all(size <= rule_size for _, size in sizes)
    assert re.fullmatch(r"= .*\d.* = -?\d+\.\d{4}", network_page.page.inner_text("#numbers"))
    # the graph's own text, at the zoom the view follows with, stays smaller than the rule
    largest_svg_text = network_page.page.evaluate(
        """() => Math.max(...Array.from(document.querySelectorAll("#view svg text"))
            .map(t => t.getBoundingClientRect().height))"""
    )
    assert largest_svg_text < rule_size * 1.2


def test_the_last_step_keeps_its_highlight(network_page):
    steps = network_page.page.evaluate("DATA.steps.length")
    go_to_step(network_page, steps)
    child = network_page.page.evaluate("DATA.steps[DATA.steps.length - 1].child")
    node = network_page.page.evaluate("DATA.steps[DATA.steps.length - 1].node")
    assert network_page.fill(child) == RECEIVING_FILL  # not the end-of-pass colour
    assert network_page.fill(node) == PUSHING_FILL
    assert "last step" in network_page.page.inner_text("#detail")
    assert network_page.page.is_disabled("#next")


def test_jumping_by_number_slider_list_and_keys(network_page):
    go_to_step(network_page, 123)
    assert network_page.page.inner_text("#steps li.current").startswith(
        network_page.page.evaluate("DATA.steps[122].text")[:20]
    )
    network_page.page.fill("#slider", "7")
    network_page.page.dispatch_event("#slider", "input")
    assert network_page.step() == 7
    network_page.page.click("#steps li:nth-child(12)")
    assert network_page.step() == 12
    network_page.page.click("#rule")  # away from the inputs: the arrow keys step
    network_page.page.keyboard.press("ArrowRight")
    assert network_page.step() == 13
    go_to_step(network_page, 99999)  # beyond the end: the last step
    assert network_page.step() == network_page.page.evaluate("DATA.steps.length")


def test_finding_a_value_by_name_shows_it_and_narrows_the_steps(network_page):
    go_to_step(network_page, 0)
    names = network_page.page.evaluate("DATA.values.map(v => v.name)")
    weight = next(name for name in names if re.fullmatch(r"(L\d\.N\d\.)?w1(@\d+)?", name))
    network_page.page.fill("#search", weight)
    network_page.page.press("#search", "Enter")
    found = network_page.page.evaluate("name => DATA.values.find(v => v.name === name).id", weight)
    assert "found" in network_page.page.get_attribute(f"#{found}", "class")
    assert network_page.on_screen(found) is not None
    assert network_page.page.inner_text("#found").startswith(f"{weight}: data ")
    network_page.page.check("#only")
    shown = network_page.page.locator("#steps li:not(.hidden)")
    own = network_page.page.evaluate(
        "id => DATA.steps.filter(s => s.node === id || s.child === id).length", found
    )
    assert 1 <= shown.count() == own < network_page.page.evaluate("DATA.steps.length")
    assert all(weight in text for text in shown.all_inner_texts())
    network_page.page.fill("#search", "no such value")
    network_page.page.press("#search", "Enter")
    assert network_page.page.inner_text("#found") == "No value is called no such value."
    assert network_page.page.locator("#steps li.hidden").count() == 0


def test_zoom_drag_and_whole_graph(network_page):
    go_to_step(network_page, 40)
    shown = "() => [box.x, box.y, box.w, box.h]"  # the part of the graph in view, in SVG units
    before = network_page.page.evaluate(shown)
    network_page.page.click("#zoom-in")
    zoomed = network_page.page.evaluate(shown)
    assert zoomed[2] < before[2]
    node = network_page.page.evaluate("DATA.steps[39].node")
    width = "id => document.getElementById(id).getBoundingClientRect().width"
    width_before = network_page.page.evaluate(width, node)
    view = network_page.page.locator("#view").bounding_box()
    network_page.page.mouse.move(view["x"] + 300, view["y"] + 200)
    network_page.page.mouse.down()
    network_page.page.mouse.move(view["x"] + 400, view["y"] + 250)
    network_page.page.mouse.up()
    dragged = network_page.page.evaluate(shown)
    assert dragged[0] < zoomed[0] and dragged[2] == zoomed[2]
    assert network_page.page.evaluate(width, node) == pytest.approx(width_before)  # moved
    network_page.page.click("#whole")
    whole = network_page.page.evaluate(shown)
    graph = network_page.page.evaluate("() => wholeBox")
    assert whole == [graph["x"], graph["y"], graph["w"], graph["h"]]
    svg = network_page.page.locator("#view > svg").first.bounding_box()
    assert svg["width"] <= view["width"] + 1 and svg["height"] <= view["height"] + 1
    assert not network_page.page.is_checked("#follow")
    network_page.page.check("#follow")


def test_a_direction_control_in_a_label_cannot_reverse_the_numbers(browser, tmp_path):
    a = Value(2.0, label="a\u202e")  # RIGHT-TO-LEFT OVERRIDE
    b = Value(-3.0, label="\u05d0")  # a Hebrew letter, written right to left
    c = a * b
    c.label = "c"
    path = backprop_html(c, tmp_path / "bidi.html")
    assert "\u202e" not in path.read_text(encoding="utf-8")
    page = Page(browser, path)
    try:
        page.page.click("#next")
        assert page.status().startswith("(a\\u202e).grad += ∂c/∂(a\\u202e) × c.grad")
        assert "a\\u202e" in page.records()
        page.page.click("#next")
        assert "\u2068\u05d0\u2069.grad" in page.status()  # isolated: cannot move the numbers
        assert page.requests == [page.url]
    finally:
        page.page.close()


def test_the_title_of_an_unlabelled_output_is_its_expression(tmp_path):
    x, w, b = Value(2.0, label="x"), Value(-3.0, label="w"), Value(6.88, label="b")
    y = (x * w + b).tanh() * 2.0 - x**2 - (x - w / (b * x))
    text = backprop_html(y, tmp_path / "page.html").read_text(encoding="utf-8")
    assert "<title>Backpropagation through tanh(x*w + b)*2 - x**2 - (x - w/(b*x))</title>" in text
    deep = x
    for _ in range(30):
        deep = deep * 1.1 + x
    text = backprop_html(deep, tmp_path / "deep.html").read_text(encoding="utf-8")
    assert "<title>Backpropagation through add30</title>" in text  # too long to write out
    titled = backprop_html(deep, tmp_path / "titled.html", title="f(x)")
    assert "<h1>Backpropagation through f(x)</h1>" in titled.read_text(encoding="utf-8")


# ---------------------------------------------------------------------------------------------
# Every screen: a phone, a tablet upright and lying, a laptop
# ---------------------------------------------------------------------------------------------

SCREENS = [(390, 844), (768, 1024), (1024, 768), (1280, 800)]
IN_VIEW_AT_EVERY_STEP = """() => {
  // Each step: the Values pushing and receiving, wholly inside the view and under neither the
  // toolbar nor the overview. Returns the steps where one is not, with the reason.
  const bad = [];
  const inside = (b, r) => b.left >= r.left - 1 && b.right <= r.right + 1
                           && b.top >= r.top - 1 && b.bottom <= r.bottom + 1;
  const overlaps = (b, r) => b.left < r.right && b.right > r.left
                             && b.top < r.bottom && b.bottom > r.top;
  const box = id => document.getElementById(id).getBoundingClientRect();
  for (let i = 1; i <= DATA.steps.length; i++) {
    go(i);
    const view = box("view"), tools = box("view-tools"), overview = box("overview");
    for (const id of [DATA.steps[i - 1].node, DATA.steps[i - 1].child]) {
      const b = box(id);
      if (!inside(b, view)) bad.push([i, id, "outside"]);
      else if (overlaps(b, tools) || overlaps(b, overview)) bad.push([i, id, "covered"]);
    }
  }
  return bad;
}"""


@pytest.fixture(scope="module")
def network_path(tmp_path_factory):
    return backprop_html(description_network_loss(), tmp_path_factory.mktemp("net") / "net.html")


@pytest.mark.parametrize(("width", "height"), SCREENS, ids=[f"{w}px" for w, _ in SCREENS])
def test_both_highlighted_values_stay_in_view_at_every_step(browser, network_path, width, height):
    page = Page(browser, network_path)
    page.page.set_viewport_size({"width": width, "height": height})
    page.page.reload()
    assert page.page.evaluate(IN_VIEW_AT_EVERY_STEP) == []
    view, side = (page.page.locator(f"#{i}").bounding_box() for i in ("view", "side"))
    if width < 900:  # the steps under the graph, both as wide as the window allows
        assert side["y"] >= view["y"] + view["height"] - 1
        assert view["width"] >= width - 40 and side["width"] >= width - 40
    else:
        assert side["x"] >= view["x"] + view["width"] - 1
    toolbar = page.page.locator("#view-tools").bounding_box()
    assert toolbar["x"] + toolbar["width"] <= view["x"] + view["width"]  # not cut
    assert page.errors == []
    page.page.close()


@pytest.mark.parametrize(("width", "height"), [SCREENS[0], SCREENS[-1]], ids=["phone", "laptop"])
def test_text_that_teaches_is_at_least_16px_and_the_chain_rule_larger(
    browser, network_path, width, height
):
    page = Page(browser, network_path)
    page.page.set_viewport_size({"width": width, "height": height})
    page.page.reload()
    go_to_step(page, 40)
    sizes = page.page.evaluate(
        """() => Array.from(document.querySelectorAll("body *"))
            .filter(e => e.closest("svg") === null && e.offsetParent !== null
                         && Array.from(e.childNodes).some(
                              n => n.nodeType === Node.TEXT_NODE && n.textContent.trim()))
            .map(e => [e.id || e.tagName, parseFloat(getComputedStyle(e).fontSize)])"""
    )
    small = [(name, size) for name, size in sizes if size < 16]
    assert small == []
    rule = dict(sizes)["rule"]
    assert all(size < rule for name, size in sizes if name not in ("rule", "numbers"))
    page.page.close()


def test_toolbar_and_overview_have_backgrounds_of_their_own(network_page):
    for element in ("#view-tools", "#overview"):
        colour = network_page.page.evaluate(
            "s => getComputedStyle(document.querySelector(s)).backgroundColor", element
        )
        assert colour not in ("rgba(0, 0, 0, 0)", "transparent")
        assert "rgba" not in colour  # opaque: the graph does not show through


def test_next_and_play_keep_to_the_found_values_steps(network_page):
    go_to_step(network_page, 0)
    network_page.page.fill("#search", "L1.N0.b")
    network_page.page.click("#find")
    network_page.page.check("#only")
    own = network_page.page.evaluate(
        """() => DATA.steps.map((s, i) => [s, i + 1])
            .filter(([s]) => s.node === found || s.child === found).map(([, n]) => n)"""
    )
    assert len(own) >= 2
    network_page.page.click("#next")
    assert network_page.step() == own[0]
    network_page.page.click("#next")
    assert network_page.step() == own[1]
    network_page.page.click("#previous")
    assert network_page.step() == own[0]
    network_page.page.uncheck("#only")
    network_page.page.click("#next")
    assert network_page.step() == own[0] + 1


def test_play_has_a_speed_control(network_page):
    go_to_step(network_page, 0)
    network_page.page.select_option("#speed", label="fastest")
    network_page.page.click("#play")
    waited = 0.0
    while network_page.step() < 5 and waited < 120:  # 100 ms a step: about half a second
        time.sleep(0.1)
        waited += 0.1
    assert network_page.step() >= 5
    network_page.page.click("#play")  # pause
    assert network_page.page.inner_text("#play") == "Play"


def test_a_tiny_gradient_is_shown_in_significant_digits(browser, tmp_path):
    x = Value(8.0, label="x")
    y = x.tanh()  # ∂y/∂x = 1 - tanh²(8), about 4.5e-7
    y.label = "y"
    page = Page(browser, backprop_html(y, tmp_path / "tiny.html"))
    go_to_step(page, 1)
    grad_x = page.records()["x"]
    assert grad_x not in ("grad 0.0000", "grad -0.0000")
    assert re.fullmatch(r"grad \d\.\d*e-\d+", grad_x), grad_x
    assert "e-" in page.page.inner_text("#numbers")
    page.page.close()


@as_root
def test_a_link_planted_by_another_user_is_refused_before_drawing(tmp_path):
    victim = tmp_path / "victim.html"
    victim.write_text("mine")
    link = planted_link(tmp_path / "shared", "page.html", victim)
    with pytest.raises(PlantedLinkError):
        backprop_html(Value(2.0, label="x") * 3.0, link)
    assert victim.read_text() == "mine"
