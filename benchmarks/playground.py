"""The docs site's Playground in Chromium: how long until the first example prints, and the moons
training step under Pyodide against the same step in CPython.

python -m benchmarks.playground [SITE]   # SITE: a built site (make docs builds site/)

Served from the loopback address, as a static host would serve it (no compression). "Cold" is a
fresh browser profile (nothing cached); "cached" reloads the page in the same profile, so the
browser has the runtime and the compiled WebAssembly. The time is from starting to load the page
to the neuron example's first line of output, with Run pressed as the page opens (the code runs
as soon as Python is ready). The moons step is the Playground's moons example's ``train_step``
(micrograd's demo: 100 points, MLP(2, [16, 16, 1]) fused, max-margin loss with L2), the median
of 30 steps after 5 warm-up steps, in the browser and in this CPython.
"""

from __future__ import annotations

import functools
import http.server
import statistics
import sys
import tempfile
import threading
import time
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MOONS = ROOT / "docs" / "assets" / "playground" / "examples" / "moons.py"
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
TIMING = """
import time, statistics
model = new_model(16)
for _ in range(5):
    train_step(model, 0.1)
times = []
for _ in range(30):
    start = time.perf_counter()
    train_step(model, 0.1)
    times.append(time.perf_counter() - start)
print(f"STEP {statistics.median(times) * 1000:.2f}")
"""


def moons_code() -> str:
    code = MOONS.read_text(encoding="utf-8")
    return code[: code.index("import playground")] + TIMING


def cpython_step_ms() -> float:
    sys.modules["playground"] = types.ModuleType("playground")
    printed: list[str] = []
    namespace = {"__name__": "bench", "print": printed.append}
    exec(compile(moons_code(), "moons", "exec"), namespace)
    return float(printed[-1].split()[1])


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


def first_output_seconds(context, root: str) -> float:
    page = context.new_page()
    start = time.perf_counter()
    page.goto(root + "playground/", wait_until="commit")
    # Run once the page's script has bound it (it marks the Playground loading): a click before
    # that does nothing, and the first output never comes
    page.wait_for_selector("#mg-playground[data-state]", timeout=300_000)
    page.click("#mg-run")
    page.wait_for_function(
        "document.getElementById('mg-output').textContent.includes('o = 0.7071')", timeout=300_000
    )
    seconds = time.perf_counter() - start
    page.close()
    return seconds


def browser_step_ms(context, root: str) -> float:
    page = context.new_page()
    page.goto(root + "playground/")
    page.wait_for_selector("#mg-playground[data-state=ready]", timeout=300_000)
    page.evaluate("c => document.getElementById('mg-playground').editor.setValue(c)", moons_code())
    page.click("#mg-run")
    page.wait_for_function(
        "document.getElementById('mg-output').textContent.includes('STEP')", timeout=300_000
    )
    text = page.inner_text("#mg-output")
    page.close()
    return float(text.split("STEP")[1].split()[0])


def main() -> None:
    from playwright.sync_api import sync_playwright

    site = Path(sys.argv[1] if len(sys.argv) > 1 else ROOT / "site")
    if not (site / "playground" / "index.html").exists():
        sys.exit(f"no built site with a Playground in {site}: run make docs first")
    handler = functools.partial(_Quiet, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    root = f"http://127.0.0.1:{server.server_address[1]}/"
    cold, cached, steps = [], [], []
    with sync_playwright() as playwright:
        for _ in range(3):
            with tempfile.TemporaryDirectory() as profile:
                context = playwright.chromium.launch_persistent_context(
                    profile, executable_path=CHROMIUM, args=ARGS
                )
                cold.append(first_output_seconds(context, root))
                cached.append(first_output_seconds(context, root))
                cached.append(first_output_seconds(context, root))
                steps.append(browser_step_ms(context, root))
                context.close()
    cpython = [cpython_step_ms() for _ in range(3)]
    for name, seconds in (("cold", cold), ("cached", cached)):
        each = ", ".join(f"{s:.1f}" for s in seconds)
        print(f"the neuron example's first output, {name}: median "
              f"{statistics.median(seconds):.1f} s ({each})")
    browser, native = statistics.median(steps), statistics.median(cpython)
    print(f"moons training step: Pyodide in Chromium {browser:.0f} ms, CPython "
          f"{sys.version.split()[0]} {native:.0f} ms: {browser / native:.1f}x")
    server.shutdown()


if __name__ == "__main__":
    main()
