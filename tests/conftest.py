"""What every test module shares: hypothesis without deadlines; headless Chromium, for the pages
MiniGrad writes."""

from __future__ import annotations

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
