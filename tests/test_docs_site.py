"""The documentation site: built strictly, every internal link working, and read in Chromium.

The site is built once per test run into a temporary folder (``make docs`` builds it into site/),
executing the notebooks against this checkout's code, and served over HTTP on the loopback
address, as ``make docs-serve`` does, because the site's search needs HTTP.
"""

import contextlib
import doctest
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"

needs_dot = pytest.mark.skipif(
    shutil.which("dot") is None, reason="the notebooks draw with Graphviz (make test installs it)"
)


def nav_pages(nav: list) -> list[str]:
    """Every page file named in mkdocs.yml's nav, sections flattened."""
    pages = []
    for entry in nav:
        for value in entry.values() if isinstance(entry, dict) else [entry]:
            pages.extend(nav_pages(value) if isinstance(value, list) else [value])
    return pages


def mkdocs_config() -> dict:
    return yaml.safe_load((ROOT / "mkdocs.yml").read_text())


def test_every_page_in_docs_is_in_the_navigation():
    pages = nav_pages(mkdocs_config()["nav"])
    on_disk = sorted(path.name for pattern in ("*.md", "*.ipynb") for path in DOCS.glob(pattern))
    assert sorted(pages) == on_disk, "add the page to nav in mkdocs.yml"
    for required in ["index.md", "concepts.md", "api.md", "performance.md", "faq.md"]:
        assert required in pages


def test_nav_pages_flattens_sections():
    nav = [{"Home": "index.md"}, {"Tutorials": [{"One": "a.ipynb"}, "b.md"]}]
    assert nav_pages(nav) == ["index.md", "a.ipynb", "b.md"]


# ---------------------------------------------------------------------------------------------
# The Python examples of the pages run
# ---------------------------------------------------------------------------------------------


def python_blocks(markdown: str) -> list[str]:
    return re.findall(r"^```python\n(.*?)^```", markdown, flags=re.MULTILINE | re.DOTALL)


PAGES_WITH_EXAMPLES = [
    path.name for path in sorted(DOCS.glob("*.md")) if python_blocks(path.read_text("utf-8"))
]


@pytest.mark.parametrize("page", PAGES_WITH_EXAMPLES)
def test_page_python_examples_run_in_order(page, tmp_path, monkeypatch):
    """A page's examples build on each other, as a reader runs them: one namespace per page."""
    monkeypatch.chdir(tmp_path)  # examples may write files
    blocks = python_blocks((DOCS / page).read_text(encoding="utf-8"))
    if any("draw_dot" in code or "backprop_html" in code for code in blocks):
        pytest.importorskip("graphviz")
        if shutil.which("dot") is None:
            pytest.skip("needs Graphviz's dot")
    namespace = {"__name__": "docs"}
    for number, code in enumerate(blocks, start=1):
        where = f"docs/{page}, python block {number}"
        if code.lstrip().startswith(">>>"):  # a session with its output: checked as a doctest
            test = doctest.DocTestParser().get_doctest(code, namespace, where, where, 0)
            runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
            runner.run(test, clear_globs=False)
            assert runner.summarize(verbose=False).failed == 0, where
        else:
            exec(compile(code, where, "exec"), namespace)


def test_the_pages_have_examples():
    assert {"index.md", "concepts.md", "faq.md"} <= set(PAGES_WITH_EXAMPLES)


# ---------------------------------------------------------------------------------------------
# The built site
# ---------------------------------------------------------------------------------------------


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list) -> None:
        attributes = dict(attrs)
        if attributes.get("id"):
            self.ids.add(attributes["id"])
        for name in ("href", "src"):
            if attributes.get(name):
                self.links.append(attributes[name])


def _parse(page: Path) -> _Links:
    parser = _Links()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser


def _target(site: Path, url: str) -> Path:
    path = site / unquote(urlsplit(url).path).lstrip("/")
    return path / "index.html" if url.endswith("/") or path.is_dir() else path


def broken_links(site: Path) -> list[str]:
    """Every link between the site's own pages and files that leads nowhere, anchors included."""
    parsed = {page: _parse(page) for page in site.rglob("*.html")}
    broken = []
    for page, links in parsed.items():
        base = "http://site/" + str(page.relative_to(site))
        for link in links.links:
            url = urljoin(base, link)
            if not url.startswith("http://site/"):
                continue  # another site: not checked here (no network)
            target = _target(site, url)
            fragment = urlsplit(url).fragment
            if not target.exists():
                broken.append(f"{page.relative_to(site)}: {link}")
            elif fragment and target.suffix == ".html":
                ids = parsed[target].ids if target in parsed else _parse(target).ids
                if unquote(fragment) not in ids:
                    broken.append(f"{page.relative_to(site)}: {link} (no such anchor)")
    return broken


def test_site_builds_strictly_with_every_page(site):
    for page in ["index.html", "concepts/index.html", "training/index.html", "api/index.html"]:
        assert (site / page).exists(), page
    assert (site / "search" / "search_index.json").exists()
    api = (site / "api" / "index.html").read_text(encoding="utf-8")
    assert "gradcheck" in api and "create_graph" in api  # the docstrings, rendered


def test_every_internal_link_leads_somewhere(site):
    assert broken_links(site) == []


def test_the_link_check_finds_a_broken_link(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "index.html").write_text(
        '<a href="a/">fine</a> <a href="a/#here">fine</a> <a href="missing/">broken</a>'
        ' <a href="a/#nowhere">no anchor</a> <a href="https://example.org/">elsewhere</a>'
    )
    (tmp_path / "a" / "index.html").write_text('<h2 id="here">Here</h2>')
    assert broken_links(tmp_path) == [
        "index.html: missing/",
        "index.html: a/#nowhere (no such anchor)",
    ]


def test_notebooks_are_shown_executed(site):
    page = (site / "training" / "index.html").read_text(encoding="utf-8")
    assert "data:image/png;base64" in page  # the plots, made as the site was built
    assert "Traceback" not in page


# ---------------------------------------------------------------------------------------------
# In Chromium
# ---------------------------------------------------------------------------------------------


@contextlib.contextmanager
def opened(browser, root, path=""):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors, elsewhere = [], []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "request",
        lambda request: None if request.url.startswith(root) else elsewhere.append(request.url),
    )
    page.goto(root + path)
    try:
        yield page
    finally:
        page.close()
    assert errors == []
    assert elsewhere == []  # no fonts or scripts from other sites: the site works offline


def _images_loaded(page) -> list[int]:
    return page.evaluate("Array.from(document.images).map(image => image.naturalWidth)")


def test_home_page_shows_its_picture_and_navigation(browser, served):
    with opened(browser, served) as page:
        assert page.title() == "MiniGrad"
        assert page.locator("h1").first.inner_text().startswith("Get started")
        widths = _images_loaded(page)
        assert widths and all(width > 0 for width in widths)
        navigation = page.locator("nav.md-nav--primary").inner_text()
        for entry in ["Concepts", "Tutorials", "The explainers", "API reference", "FAQ"]:
            assert entry in navigation


def test_a_tutorial_shows_its_code_and_its_outputs(browser, served):
    with opened(browser, served, "training/") as page:
        assert "moons" in page.locator("h1").first.inner_text()
        assert page.locator(".jp-CodeCell").count() > 3
        plots = [width for width in _images_loaded(page) if width > 200]
        assert len(plots) >= 2  # the data set and what the network learned


def test_search_finds_a_page(browser, served):
    with opened(browser, served) as page:
        page.locator("input.md-search__input").click()
        page.keyboard.type("topological")  # as a reader types: the search listens to keys
        results = page.locator(".md-search-result__item")
        results.first.wait_for(timeout=15_000)
        assert "Concepts" in page.locator(".md-search-result").inner_text()


def test_the_api_reference_shows_its_examples_as_code_not_as_quotes(browser, served):
    with opened(browser, served, "api/") as page:
        quoted = page.evaluate(
            """() => Array.from(document.querySelectorAll("blockquote"))
                .filter(q => q.textContent.includes(">>>")).length"""
        )
        as_code = page.evaluate(
            """() => Array.from(document.querySelectorAll("pre code"))
                .filter(c => c.textContent.includes(">>>")).length"""
        )
    assert quoted == 0
    assert as_code >= 5


def test_the_exercise_notebooks_and_a_live_step_through_page_are_on_the_site(site):
    for name in sorted(p.name for p in (ROOT / "exercises").glob("[0-9][0-9]-*.ipynb")):
        served = site / "exercises" / name
        assert served.read_bytes() == (ROOT / "exercises" / name).read_bytes()
    links = _parse(site / "exercises" / "index.html").links
    assert sum(link.endswith(".ipynb") for link in links) == 7
    page = (site / "step-through" / "neuron.html").read_text(encoding="utf-8")
    assert "Content-Security-Policy" in page and "x1*w1" in page
    assert any(
        link.endswith("step-through/neuron.html")
        for link in _parse(site / "explaining-backward" / "index.html").links
    )


def test_on_a_phone_code_wraps_and_keeps_clear_of_the_copy_button(browser, served):
    with opened(browser, served, "lecture/") as page:
        page.set_viewport_size({"width": 390, "height": 844})
        page.reload()
        blocks = page.evaluate(
            """() => Array.from(document.querySelectorAll(".md-typeset pre > code")).map(code => {
                const button = code.parentElement.querySelector(".md-clipboard");
                const box = code.getBoundingClientRect();
                const text = box.right - parseFloat(getComputedStyle(code).paddingRight);
                return {overflows: code.scrollWidth > code.clientWidth + 1,
                        covered: button !== null && button.getBoundingClientRect().left < text};
            })"""
        )
    assert blocks
    assert [b for b in blocks if b["overflows"]] == []
    assert [b for b in blocks if b["covered"]] == []
