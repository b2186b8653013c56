"""The docs site's Playground, in Chromium: MiniGrad's own files running under Pyodide.

The built site is served from the loopback address and every request to another host is
refused, so everything the Playground needs must come from the site itself. One page is opened
once (Python starts in it once) and the tests below run in it, in order, as a learner would:
the lecture's neuron, the step-through page, bad input, a graph too large, Stop, the moons.
Screenshots of each state are written to the test's folder (desktop and phone widths).
"""

from __future__ import annotations

import base64
import json
import re
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PYTHON_TIMEOUT = 180_000  # ms: Pyodide starting on a busy 2-core machine
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("playground-screenshots")


def watched_page(browser, root: str, viewport: dict = DESKTOP):
    """A page whose requests to other hosts are refused, and whose errors are collected."""
    page = browser.new_page(viewport=viewport)
    page.problems = []
    page.on("pageerror", lambda error: page.problems.append(f"page error: {error}"))
    page.on(
        "console",
        lambda message: message.type == "error"
        and page.problems.append(f"console: {message.text}"),
    )

    def refuse_other_hosts(route):
        if route.request.url.startswith(root):
            route.continue_()
        else:
            page.problems.append(f"request to another host: {route.request.url}")
            route.abort()

    page.route("**/*", refuse_other_hosts)
    return page


@pytest.fixture(scope="module")
def playground(browser, served):
    page = watched_page(browser, served)
    page.goto(served + "playground/")
    page.wait_for_selector("#mg-playground[data-state=ready]", timeout=PYTHON_TIMEOUT)
    yield page
    problems = page.problems
    page.close()
    assert problems == []


def run(page, code: str | None = None) -> str:
    """Put ``code`` in the editor (if given), press Run, wait for the run to end; the output."""
    if code is not None:
        page.evaluate(
            "code => document.getElementById('mg-playground').editor.setValue(code)", code
        )
    runs = int(page.get_attribute("#mg-playground", "data-runs") or 0)
    page.click("#mg-run")
    page.wait_for_function(
        f"Number(document.getElementById('mg-playground').dataset.runs || 0) > {runs}",
        timeout=PYTHON_TIMEOUT,
    )
    return page.inner_text("#mg-output")


def test_the_site_carries_the_playground_and_minigrads_own_files(site):
    folder = site / "assets" / "playground"
    for name in ["pyodide/pyodide.asm.wasm", "pyodide/python_stdlib.zip", "viz/viz.js",
                 "codemirror/codemirror.js"]:
        assert (folder / "vendor" / name).stat().st_size > 0, name
    with zipfile.ZipFile(folder / "python-packages.zip") as archive:
        shipped = set(archive.namelist())
    package = ROOT / "src" / "minigrad"
    ours = {
        path.relative_to(package.parent).as_posix()
        for path in package.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }
    assert ours <= shipped  # every file, subpackages and package data too
    assert {"playground.py", "graphviz/__init__.py"} <= shipped
    page = (site / "playground" / "index.html").read_text(encoding="utf-8")
    assert re.search(r"downloads about \d+ MB \(\d+ MB from a server", page)


def test_every_run_link_of_the_pages_runs_its_example_as_written(site):
    """Each Run link carries code that runs on its own (on the lecture's page, after its neuron)."""
    pytest.importorskip("graphviz")  # the lecture's links end by drawing the neuron
    counts = {}
    for page in ["index", "concepts", "lecture"]:
        text = (site / page / "index.html" if page != "index" else site / "index.html").read_text(
            encoding="utf-8"
        )
        codes = re.findall(r'href="[^"]*playground/\?code=([A-Za-z0-9_-]+)"', text)
        counts[page] = len(codes)
        for encoded in codes:
            code = base64.urlsafe_b64decode(encoded + "==").decode("utf-8")
            exec(compile(code, f"{page} Run link", "exec"), {"__name__": "run_link"})
    assert counts == {"index": 3, "concepts": 7, "lecture": 4}


def test_the_lectures_neuron_prints_the_lectures_numbers_and_draws_its_graph(playground, shots):
    playground.click("[data-example=neuron]")
    playground.wait_for_function(
        "document.getElementById('mg-playground').dataset.example === 'neuron'"
    )
    output = run(playground)
    for line in ["o = 0.7071", "x1.grad = -1.5000", "w1.grad = 1.0000", "x2.grad = 0.5000",
                 "w2.grad = 0.0000"]:
        assert line in output
    assert "w1.grad += 2.0000" in output  # explain_backward's steps are printed
    names = playground.locator("#mg-output svg text").all_text_contents()
    for name in ["x1", "w1", "x2", "w2", "b", "n", "o", "x1*w1 + x2*w2"]:
        assert name in names
    playground.screenshot(path=shots / "neuron-desktop.png", full_page=True)


def test_the_original_descriptions_training_loop_runs(playground):
    playground.click("[data-example=training-loop]")
    playground.wait_for_function(
        "document.getElementById('mg-playground').dataset.example === 'training-loop'"
    )
    output = run(playground)
    losses = [float(x) for x in re.findall(r"Step \d+ \| Loss: (\S+)", output)]
    assert len(losses) == 20 and losses[-1] < losses[0]


def test_the_step_through_page_opens_beside_the_code(playground, shots):
    code = (ROOT / "docs" / "assets" / "playground" / "examples" / "neuron.py").read_text()
    code += '\nfrom minigrad import backprop_html\nbackprop_html(o, "o.html")\n'
    output = run(playground, code)
    assert "step-through page is open" in output
    frame = playground.frame_locator("#mg-page-frame")
    assert "Backpropagation through" in frame.locator("h1").inner_text()
    assert frame.locator("svg g.node").count() > 10
    frame.locator("#next").click()
    assert "o.grad" in frame.locator("#rule").inner_text()
    playground.screenshot(path=shots / "step-through-desktop.png", full_page=True)
    playground.click("#mg-page-close")


def test_an_error_shows_its_traceback_and_the_page_keeps_working(playground, shots):
    code = "from minigrad import Value\n\ndef f(x):\n    return x.data / 0\n\nf(Value(1.0))\n"
    output = run(playground, code)
    assert "Traceback (most recent call last)" in output
    assert 'File "<playground>", line 4, in f\n    return x.data / 0' in output
    assert "ZeroDivisionError" in output
    assert "playground.py" not in output  # the runner's own frames are left out
    playground.screenshot(path=shots / "traceback-desktop.png")
    assert run(playground, "print(2 + 2)").strip() == "4"
    assert "SyntaxError" in run(playground, "print(")


def test_a_graph_too_large_says_so(playground):
    code = (
        "from minigrad import MLP, draw_dot\n"
        "model = MLP(3, [8, 8, 1], fused=False)\n"
        "loss = sum((model([1.0, 2.0, 3.0]) - t) ** 2 for t in range(16))\n"
    )
    run(playground, code + "draw_dot(loss)\n")  # draw_dot's own summary, drawn
    assert "SUMMARY: graph too large to draw" in " ".join(
        playground.locator("#mg-output svg text").all_text_contents()
    )
    output = run(playground, code + "draw_dot(loss, force=True)\n")
    assert "Not drawn: the graph is too large to draw in the page" in output
    assert playground.locator("#mg-output svg").count() == 0


def test_stop_ends_an_endless_loop_and_python_starts_afresh(playground):
    playground.evaluate(
        "document.getElementById('mg-playground').editor.setValue('while True:\\n    pass\\n')"
    )
    playground.click("#mg-run")
    playground.wait_for_selector("#mg-playground[data-state=running]")
    playground.click("#mg-stop")
    assert "Stopped" in playground.inner_text("#mg-output")
    playground.wait_for_selector("#mg-playground[data-state=ready]", timeout=PYTHON_TIMEOUT)
    assert run(playground, "print('still here')").strip() == "still here"


def test_the_moons_train_live_to_95_percent_with_the_boundary_drawn(playground, shots):
    playground.click("[data-example=moons]")
    playground.wait_for_function(
        "document.getElementById('mg-playground').dataset.example === 'moons'"
    )
    run(playground)
    assert playground.is_visible("#mg-training")
    playground.click("#mg-train")  # Start
    playground.wait_for_function(
        "Number(document.getElementById('mg-playground').dataset.accuracy) >= 0.95",
        timeout=PYTHON_TIMEOUT,
    )
    playground.click("#mg-train")  # Pause
    playground.wait_for_selector("#mg-playground[data-state=ready]")
    step = int(playground.get_attribute("#mg-playground", "data-step"))
    assert step > 0
    colours = playground.evaluate(
        """() => {
        const canvas = document.getElementById('mg-boundary');
        const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
        const seen = new Set();
        for (let i = 0; i < pixels.length; i += 4 * 97) seen.add(pixels.slice(i, i + 3).join());
        return [...seen];
    }"""
    )
    assert "246,201,165" in colours and "184,212,239" in colours  # both classes' regions
    assert "step" in playground.inner_text("#mg-training-numbers")
    playground.screenshot(path=shots / "moons-desktop.png", full_page=True)
    playground.set_viewport_size(PHONE)
    playground.screenshot(path=shots / "moons-phone.png", full_page=True)
    playground.set_viewport_size(DESKTOP)
    playground.wait_for_timeout(300)
    assert int(playground.get_attribute("#mg-playground", "data-step")) == step  # paused


def test_a_pages_run_button_opens_its_example_in_the_playground(browser, served, shots):
    page = watched_page(browser, served, PHONE)
    page.goto(served + "concepts/")
    links = page.locator("a:has-text('Run in the Playground')")
    assert links.count() == 7  # one per example of the page
    href = links.nth(4).get_attribute("href")
    code = base64.urlsafe_b64decode(href.split("?code=")[1] + "==").decode("utf-8")
    assert "a = Value(3.0)" in code
    links.nth(4).click()
    page.wait_for_url("**/playground/?code=*")
    page.wait_for_function(
        "Number(document.getElementById('mg-playground')?.dataset.runs || 0) > 0",
        timeout=PYTHON_TIMEOUT,
    )
    assert page.inner_text("#mg-output").strip() == "7.0"
    page.screenshot(path=shots / "run-link-phone.png", full_page=True)
    problems = page.problems
    page.close()
    assert problems == []


def exercise_links(site: Path) -> dict[str, str]:
    """The Exercises page's Playground links: the notebook each follows, and the code it opens."""
    html = (site / "exercises" / "index.html").read_text(encoding="utf-8")
    found = re.findall(
        r'href="([\w-]+\.ipynb)">[^<]*</a> · '
        r'<a href="\.\./playground/\?code=([A-Za-z0-9_-]+)&(?:amp;)?run=0">'
        "open it in the Playground",
        html,
    )
    return {name: base64.urlsafe_b64decode(code + "==").decode("utf-8") for name, code in found}


def code_cells(notebook: Path) -> list[str]:
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    return ["".join(cell["source"]) for cell in cells if cell["cell_type"] == "code"]


def test_each_exercise_opens_in_the_playground_as_its_notebook_in_one_script(site, capsys):
    """The blank script fails its first check; with the solutions' answers put in, all pass."""
    from minigrad.teaching.exercises import WrongAnswerError

    links = exercise_links(site)
    exercises = ROOT / "exercises"
    assert sorted(links) == sorted(p.name for p in exercises.glob("[0-9][0-9]-*.ipynb"))
    for name, code in links.items():
        blanks = code_cells(exercises / name)
        assert all(cell in code for cell in blanks)
        title = json.loads((exercises / name).read_text(encoding="utf-8"))["cells"][0]["source"][0]
        assert code.startswith("# " + title.lstrip("# "))  # the notebook's text, as comments
        with pytest.raises(WrongAnswerError):
            exec(compile(code, name, "exec"), {"__name__": "exercise"})
        answers = code_cells(exercises / "solutions" / name)
        for blank, answer in zip(blanks, answers, strict=True):
            code = code.replace(blank, answer, 1)
        capsys.readouterr()
        exec(compile(code, name, "exec"), {"__name__": "exercise"})
        checks = sum("check_" in cell for cell in answers)
        assert capsys.readouterr().out.count("✓") == checks >= 1, name


def test_an_exercise_opens_in_the_playground_to_be_filled_in_then_runs(browser, served, shots):
    page = watched_page(browser, served, PHONE)
    page.goto(served + "exercises/")
    page.screenshot(path=shots / "exercises-phone.png", full_page=True)
    item = page.locator("li", has_text="01-derivative.ipynb")
    item.locator("a", has_text="open it in the Playground").click()
    page.wait_for_url("**/playground/?code=*")
    page.wait_for_selector("#mg-playground[data-state=ready]", timeout=PYTHON_TIMEOUT)
    code = page.evaluate("() => document.getElementById('mg-playground').editor.getValue()")
    assert "def df_by_hand(x):" in code and "check_derivative_by_hand(df_by_hand)" in code
    assert page.get_attribute("#mg-playground", "data-runs") is None  # opened, not run
    assert "fill in its answers, then Run" in page.inner_text("#mg-output")
    code = code.replace("return ...  # the derivative of x**3 - 2*x", "return 3 * x**2 - 2")
    code = code.replace(
        "return ...  # from f(x + h) and f(x - h)", "return (f(x + h) - f(x - h)) / h"
    )
    output = run(page, code)
    assert "✓ df_by_hand is the derivative" in output
    # the change in x is 2h, not h: the check says so, in its message alone
    assert "Not yet: df_numerically(f, -2.0) gives" in output and "more than 1e-4 away" in output
    assert "Traceback" not in output
    page.screenshot(path=shots / "exercise-phone.png", full_page=True)
    problems = page.problems
    page.close()
    assert problems == []


def test_a_browser_without_webassembly_gets_one_line(browser, served):
    page = watched_page(browser, served)
    page.add_init_script("delete globalThis.WebAssembly")
    page.goto(served + "playground/")
    message = page.locator(".mg-unsupported").inner_text()
    assert message.startswith("The Playground needs WebAssembly") and "\n" not in message
    page.close()
