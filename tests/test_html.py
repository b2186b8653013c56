"""backprop_html: one self-contained page, driven in real headless Chromium."""

import os
import re
import shutil
from pathlib import Path

import pytest
from lecture import lecture_neuron

from minigrad import Value, backprop_html
from minigrad.viz import GraphvizNotFoundError, trace

pytestmark = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz dot not installed")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
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
    with pytest.raises(ValueError, match="1,201 values, more than max_nodes=1,000"):
        backprop_html(x, tmp_path / "page.html")
    assert os.listdir(tmp_path) == []


def test_without_dot_the_error_says_how_to_install(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(GraphvizNotFoundError, match="apt-get install graphviz"):
        backprop_html(lecture_neuron(), tmp_path / "page.html")
    assert os.listdir(tmp_path) == []


# ---------------------------------------------------------------------------------------------
# In Chromium
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip(
            f"{CHROMIUM} is not installed (make test installs it: apt-get install chromium)"
        )
    with sync_api.sync_playwright() as playwright:
        try:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        except Exception as error:  # noqa: BLE001 (any launch failure means: no browser here)
            pytest.skip(f"Chromium cannot start here: {error}")
        yield chromium
        chromium.close()


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
        return self.page.inner_text("#status")


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
    assert neuron_page.page.inner_text("#position") == "step 0 of 9"
    assert neuron_page.errors == []


def test_next_fills_in_gradients_step_by_step_and_previous_undoes(neuron_page):
    before = neuron_page.records()
    neuron_page.page.click("#next")
    after = neuron_page.records()
    assert after != before
    assert after["n"] == "grad 0.5000"
    assert neuron_page.status() == "n.grad += 0.5000 (∂o/∂n = 1 - o²) × 1.0000 (o.grad) = 0.5000"
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
    neuron_page.page.locator("#position", has_text="step 2 of 9").wait_for(timeout=10_000)
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
        assert page.status().startswith("mul1.grad += ")
    finally:
        page.page.close()
