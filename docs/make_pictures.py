"""Draw the README's pictures into docs/images/: ``python docs/make_pictures.py [FOLDER]``.

The pictures are made by MiniGrad itself, so running this again keeps them true to the code:

- ``neuron.png``: the graph of one neuron, ``o = tanh(x1·w1 + x2·w2 + b)``, with every gradient
  after ``o.backward()`` (Graphviz), top to bottom so that it reads at a README's width;
- ``backprop-page.png``: the page ``backprop_html`` writes, three steps into the backward pass,
  as headless Chromium shows it;
- ``decision-boundary.png``: what ``minigrad demo moons`` learns (matplotlib).

It needs Graphviz and Chromium (``make test`` installs both on Debian).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from minigrad import backprop_html, draw_dot
from minigrad.app import demo
from minigrad.teaching.exercises import neuron  # the lecture's neuron, every Value labeled

IMAGES = Path(__file__).resolve().parent / "images"
CHROMIUM = "/usr/bin/chromium"


def draw_neuron(folder: Path) -> Path:
    o, _ = neuron()
    o.backward()
    target = folder / "neuron.png"
    target.write_bytes(draw_dot(o, rankdir="TB").pipe(format="png"))  # narrow enough to read
    return target


def screenshot_backprop_page(folder: Path) -> Path:
    from playwright.sync_api import sync_playwright

    target = folder / "backprop-page.png"
    with tempfile.TemporaryDirectory() as scratch:
        page_file = backprop_html(neuron()[0], Path(scratch) / "backprop.html")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"]
            )
            page = browser.new_page(viewport={"width": 1200, "height": 560})
            page.goto(page_file.as_uri())
            for _ in range(3):
                page.click("#next")
            page.screenshot(path=str(target))
            browser.close()
    return target


def draw_moons_decision_boundary(folder: Path) -> Path:
    result = demo.train(demo.DEFAULTS["moons"])
    target = folder / "decision-boundary.png"
    demo.draw_decision_boundary(result).savefig(target, format="png", dpi=80)
    return target


def main(folder: Path = IMAGES) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    return [
        draw_neuron(folder),
        screenshot_backprop_page(folder),
        draw_moons_decision_boundary(folder),
    ]


if __name__ == "__main__":
    for written in main(Path(sys.argv[1]) if len(sys.argv) > 1 else IMAGES):
        print(f"wrote {written}")
