"""The README a learner reads: short, its pictures current and present, its links working."""

import re
import runpy
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
PICTURES = ["neuron.png", "backprop-page.png", "decision-boundary.png"]


def test_readme_is_short_enough_to_read():
    assert len(README) <= 10_000


def test_readme_shows_the_two_commands_and_how_to_install():
    assert "make demo" in README and "make test" in README
    assert "pip install ." in README and "make dist" in README
    assert "pip install minigrad-edu" not in README  # not on the package index yet


def test_readme_shows_the_pictures_the_script_draws():
    shown = re.findall(r"!\[[^\]]+\]\(docs/images/([^)]+)\)", README)
    assert shown == PICTURES
    for name in PICTURES:
        assert (ROOT / "docs" / "images" / name).stat().st_size > 10_000


def test_readme_links_lead_to_files_that_exist():
    links = re.findall(r"\]\(([^)#]+)\)", README)
    local = [link for link in links if not link.startswith("http")]
    assert "benchmarks/README.md" in local
    assert [link for link in local if not (ROOT / link).exists()] == []


@pytest.mark.skipif(
    shutil.which("dot") is None or not Path("/usr/bin/chromium").exists(),
    reason="the pictures need Graphviz and Chromium (make test installs both)",
)
def test_picture_script_draws_every_picture(tmp_path):
    pytest.importorskip("playwright")
    script = runpy.run_path(str(ROOT / "docs" / "make_pictures.py"))
    written = script["main"](tmp_path)
    assert [path.name for path in written] == PICTURES
    for path in written:
        assert path.read_bytes().startswith(b"\x89PNG") and path.stat().st_size > 10_000
