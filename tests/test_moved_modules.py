"""Modules that moved into storage/, teaching/ and app/ still import by their old paths, warning
once and naming the new path; the old path gives the very module at the new one."""

from __future__ import annotations

import subprocess
import sys

import pytest

from minigrad._moved import MOVED


def run(code: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-W", "always::DeprecationWarning", "-c", code],
        capture_output=True, text=True, timeout=120,
    )


@pytest.mark.parametrize("old, new", sorted(MOVED.items()))
def test_old_path_warns_once_naming_the_new_path_and_is_the_new_module(old, new):
    code = (
        f"import sys, {new} as new\n"
        f"import {old}\n"
        f"import {old}\n"
        f"print(sys.modules[{old!r}] is new)\n"
    )
    result = run(code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"
    warnings = [line for line in result.stderr.splitlines() if "DeprecationWarning" in line]
    assert warnings == [
        f"<string>:2: DeprecationWarning: {old} has moved to {new}: import it from there "
        "(the old path will be removed in a future release)"
    ]


def test_private_names_and_from_imports_work_through_an_old_path():
    result = run(
        "from minigrad import viz\n"
        "from minigrad.explain import _names\n"
        "import minigrad.teaching.viz, minigrad.teaching.explain\n"
        "print(viz is minigrad.teaching.viz, _names is minigrad.teaching.explain._names)\n"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "True"]
    assert "minigrad.viz has moved to minigrad.teaching.viz" in result.stderr


def test_an_unknown_module_is_still_unknown():
    result = run("import minigrad.no_such_module")
    assert "ModuleNotFoundError: No module named 'minigrad.no_such_module'" in result.stderr
