"""What every test module shares: hypothesis without deadlines; headless Chromium, for the pages
MiniGrad writes; the docs site, built once and served."""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# The machine running the tests is shared and may be busy: no property may fail because an
# example ran slowly (hypothesis's deadline, its too-slow health check). Speed is measured by
# `make bench`, never here. A test's own @settings still chooses its number of examples.
settings.register_profile(
    "minigrad", deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("minigrad")

ROOT = Path(__file__).resolve().parents[1]

CHROMIUM = "/usr/bin/chromium"  # Debian's, installed by make test
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",  # this machine's network is closed: no calls home
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def browser():
    """Chromium through Playwright, one per test module (skipped where it cannot start)."""
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


@pytest.fixture(scope="session")
def site(tmp_path_factory) -> Path:
    if shutil.which("dot") is None:
        pytest.skip("the notebooks draw with Graphviz (make test installs it)")
    out = tmp_path_factory.mktemp("site")
    environment = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    build = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=environment,
    )
    assert build.returncode == 0, build.stdout + build.stderr
    return out


@pytest.fixture(scope="session")
def served(site):
    handler = functools.partial(_QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass
