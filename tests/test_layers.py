"""The layers of the package (import-linter's contract in pyproject.toml) cover every module, and
a module that imports from a layer above its own fails ``lint-imports`` with a message naming
both modules."""

from __future__ import annotations

import os
import pkgutil
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import tomllib

import minigrad

ROOT = Path(__file__).resolve().parents[1]
CONTRACTS = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["tool"]["importlinter"][
    "contracts"
]
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"
NOT_LAYERED = {"minigrad.__main__", "minigrad._moved"}  # the entry point; the old paths' finder


def layered_modules() -> set[str]:
    found = set()
    for contract in CONTRACTS:
        for container in contract.get("containers", [""]):
            for layer in contract.get("layers", []):
                for module in layer.replace(":", "|").split("|"):
                    found.add(f"{container}.{module.strip()}" if container else module.strip())
    return found


def test_every_module_has_a_place_in_the_layers():
    modules = {
        info.name
        for info in pkgutil.walk_packages(minigrad.__path__, "minigrad.")
        if not info.ispkg
    }
    missing = sorted(modules - layered_modules() - NOT_LAYERED)
    assert missing == [], (
        f"put {', '.join(missing)} on the line of its layer in pyproject.toml "
        "([tool.importlinter]; CONTRIBUTING.md says which layer is which)"
    )


@pytest.fixture
def copy_of_the_package(tmp_path):
    if not LINT_IMPORTS.exists():
        pytest.skip("import-linter is not installed (make test installs it)")
    shutil.copytree(ROOT / "src" / "minigrad", tmp_path / "src" / "minigrad")
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    return tmp_path


def lint_imports(tree: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(tree / "src")}
    return subprocess.run(
        [LINT_IMPORTS, "--no-cache"], cwd=tree, env=env, capture_output=True, text=True,
        timeout=300,
    )  # fmt: skip


def test_the_copy_of_the_package_keeps_its_contracts(copy_of_the_package):
    result = lint_imports(copy_of_the_package)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "broken" in result.stdout and " 0 broken" in result.stdout


def test_an_import_from_a_higher_layer_fails_naming_both_modules(copy_of_the_package):
    engine = copy_of_the_package / "src" / "minigrad" / "engine.py"
    engine.write_text(
        engine.read_text("utf-8") + "\n\ndef _drawn(root):\n"
        "    from minigrad.teaching import viz\n\n    return viz.draw_dot(root)\n",
        "utf-8",
    )
    result = lint_imports(copy_of_the_package)
    assert result.returncode != 0
    assert "BROKEN" in result.stdout
    assert "minigrad.engine -> minigrad.teaching.viz" in result.stdout


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz dot not installed")
def test_the_picture_of_the_layers_is_drawn_from_the_code_as_it_is():
    pytest.importorskip("grimp")
    sys.path.insert(0, str(ROOT / "docs"))
    try:
        import make_layers
    finally:
        sys.path.remove(str(ROOT / "docs"))
    source = make_layers.dot_source()
    for module in ["minigrad.engine", "minigrad.teaching.viz", "minigrad.app.cli"]:
        assert f'"{module}"' in source
    assert '"minigrad.teaching.explain" -> "minigrad.teaching.viz";' in source
    assert make_layers.render(source) == make_layers.PICTURE.read_bytes(), (
        "the layers changed: run python docs/make_layers.py"
    )
