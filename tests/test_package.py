"""The package as a user gets it: built, checked, installed from its wheel, and run from there."""

from __future__ import annotations

import email
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import tomllib

import minigrad

ROOT = Path(__file__).resolve().parents[1]
DISTRIBUTION = "minigrad-edu"  # `minigrad` on the package index is another project


def run(*command: str | Path, **options: object) -> subprocess.CompletedProcess:
    """Run a command; on failure, show what it printed."""
    result = subprocess.run(
        [str(part) for part in command], capture_output=True, text=True, **options
    )
    assert result.returncode == 0, f"{command} failed:\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def dist(tmp_path_factory) -> Path:
    """The sdist and the wheel, as `python -m build` makes them from a copy of the sources."""
    out = tmp_path_factory.mktemp("dist")
    run(sys.executable, "-m", "build", "--outdir", out, ROOT)
    return out


def test_version_is_one_number_everywhere():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert pyproject["project"]["name"] == DISTRIBUTION
    assert "version" in pyproject["project"]["dynamic"]  # read from minigrad.__version__
    assert minigrad.__version__ == "0.2.0"
    changelog = (ROOT / "CHANGELOG.md").read_text()
    assert re.search(rf"^## {re.escape(minigrad.__version__)}\b", changelog, re.MULTILINE)


def test_build_makes_an_sdist_and_a_wheel_that_twine_accepts(dist):
    version = minigrad.__version__
    names = sorted(path.name for path in dist.iterdir())
    assert names == [f"minigrad_edu-{version}-py3-none-any.whl", f"minigrad_edu-{version}.tar.gz"]
    run(sys.executable, "-m", "twine", "check", "--strict", *sorted(dist.iterdir()))


def test_wheel_holds_the_minigrad_package_and_says_how_to_install_it(dist):
    wheel = next(dist.glob("*.whl"))
    with zipfile.ZipFile(wheel) as archive:
        files = archive.namelist()
        metadata = email.message_from_bytes(
            archive.read(next(name for name in files if name.endswith(".dist-info/METADATA")))
        )
    assert "minigrad/engine.py" in files and "minigrad/nn.py" in files
    for subpackage_file in [
        "minigrad/storage/checkpoint.py",
        "minigrad/teaching/viz.py",
        "minigrad/teaching/backprop_page.html",  # package data: the step-through page
        "minigrad/app/cli.py",
    ]:
        assert subpackage_file in files
    assert not any(name.startswith(("tests/", "benchmarks/")) for name in files)
    assert metadata["Name"] == DISTRIBUTION
    assert metadata["Version"] == minigrad.__version__
    requirements = metadata.get_all("Requires-Dist") or []
    assert all("extra ==" in requirement for requirement in requirements)  # the core needs none
    assert set(metadata.get_all("Provides-Extra")) >= {"viz", "demo"}
    assert "pip install '.[viz]'" in metadata.get_payload()  # the long description


def test_long_description_has_no_link_or_picture_that_works_only_in_the_repository(dist):
    """The index shows the long description on its own: a relative link or picture breaks there."""
    readme_renderer_markdown = pytest.importorskip("readme_renderer.markdown")
    wheel = next(dist.glob("*.whl"))
    with zipfile.ZipFile(wheel) as archive:
        metadata = email.message_from_bytes(
            archive.read(next(n for n in archive.namelist() if n.endswith("dist-info/METADATA")))
        )
    assert metadata["Description-Content-Type"].startswith("text/markdown")
    page = readme_renderer_markdown.render(metadata.get_payload())
    assert page is not None and ">MiniGrad<" in page
    targets = re.findall(r'(?:href|src)="([^"]*)"', page)
    assert [t for t in targets if not t.startswith(("https://", "http://", "#"))] == []
    assert "pip install minigrad-edu" not in page  # not on the index yet: no route that fails


def test_make_dist_builds_and_checks_the_wheel():
    recipe = run("make", "-n", "-B", "dist", cwd=ROOT).stdout
    assert "-m build --outdir dist" in recipe and "twine check --strict" in recipe


def test_tensor_without_numpy_names_the_tensor_extra():
    program = (
        "import sys; sys.modules['numpy'] = None\n"
        "try:\n    from minigrad import Tensor\n"
        "except ModuleNotFoundError as error:\n    print(error)"
    )
    printed = run(sys.executable, "-c", program).stdout
    assert "'tensor' extra" in printed and "pip install '.[tensor]'" in printed


def test_drawing_without_the_graphviz_package_names_the_viz_extra():
    program = (
        "import sys; sys.modules['graphviz'] = None\n"
        "from minigrad import Value, draw_dot\n"
        "try:\n    draw_dot(Value(1.0) * 2)\n"
        "except ImportError as error:\n    print(error)"
    )
    printed = run(sys.executable, "-c", program).stdout
    assert "'viz' extra" in printed and "pip install graphviz" in printed


def test_wheel_installs_in_a_fresh_environment_and_runs_the_demo(dist, tmp_path):
    """No source tree, no Graphviz and no apt-get on PATH: the demo draws with matplotlib."""
    # Without PYTHONPATH: a source tree on it (with the egg-info the build leaves there) would
    # look installed to pip, which would then skip the wheel.
    clean = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    venv = tmp_path / "venv"
    run(sys.executable, "-m", "venv", venv, env=clean)
    wheel = next(dist.glob("*.whl"))
    run(venv / "bin" / "python", "-m", "pip", "install", "-q", f"{wheel}[demo]", env=clean)
    environment = dict(clean, PATH=str(venv / "bin"))  # no dot, no apt-get
    environment["MPLBACKEND"] = "Agg"
    where = run(
        venv / "bin" / "python",
        "-c",
        "import minigrad; print(minigrad.__file__)",
        cwd=tmp_path,
        env=environment,
    )
    assert Path(where.stdout.strip()).is_relative_to(venv)
    demo = run(
        venv / "bin" / "minigrad",
        *("demo", "moons", "--points", "40", "--epochs", "3", "--quiet", "--out", "out"),
        cwd=tmp_path,
        env=environment,
    )
    pictures = sorted(path.name for path in (tmp_path / "out").glob("*.png"))
    assert "decision-boundary.png" in pictures, demo.stdout
    assert (tmp_path / "out" / "decision-boundary.png").stat().st_size > 10_000


def test_make_demo_needs_neither_graphviz_nor_apt():
    recipe = run("make", "-n", "-B", "demo", cwd=ROOT).stdout
    assert "minigrad demo moons" in recipe
    assert "ensure-system-packages" not in recipe and "apt-get" not in recipe


def test_without_apt_get_missing_programs_are_named_with_the_homebrew_command(tmp_path):
    result = subprocess.run(
        ["/bin/sh", ROOT / "scripts" / "ensure-system-packages", "no-such-program=graphviz"],
        capture_output=True,
        text=True,
        env={"PATH": str(tmp_path)},  # an empty folder: no apt-get, no sudo
    )
    assert result.returncode == 1
    assert "brew install graphviz" in result.stderr
