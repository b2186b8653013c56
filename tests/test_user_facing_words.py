"""What users read (README, docs, notebooks, examples, docstrings, help) has no in-house words.

A learner cannot decode "the seed README", "issue 6" or a commit hash: the user's original
specification is "the original MiniGrad description", and history belongs in git.
"""

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
USER_FACING = [
    "README.md",
    "CHANGELOG.md",
    "benchmarks/README.md",
    "docs",
    "examples",
    "exercises",
    "src",
]

IN_HOUSE = re.compile(
    r"seed README|the seed's|\bthe seed\b(?!\()|\bissues? #?[0-9]+"
    r"|(?<![-.\w])(?=[0-9a-f]*[a-f])(?=[0-9a-f]*[0-9])[0-9a-f]{7,40}(?![-.\w])",  # a commit hash
    re.IGNORECASE,
)
SEEDING = re.compile(r"manual_seed|random\.seed|seed\(|seed=")  # seeding random numbers is fine


def in_house_words(text: str) -> list[str]:
    """The lines of ``text`` that use in-house words."""
    return [
        line.strip()
        for line in text.splitlines()
        if IN_HOUSE.search(line) and not SEEDING.search(line)
    ]


def user_facing_files() -> list[Path]:
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", *USER_FACING],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return [ROOT / name for name in listed if name.endswith((".md", ".py", ".ipynb", ".txt"))]


@pytest.mark.parametrize(
    "line",
    [
        "This notebook follows the seed README.",
        "as in the seed's example",
        "the network of the seed",
        "fixed in issue 12",
        "measured on 400c292, the fifth run",
        "MiniGrad 9daff9d took 100.5 M",
    ],
)
def test_in_house_words_are_found(line):
    assert in_house_words(line) == [line]


@pytest.mark.parametrize(
    "line",
    [
        "manual_seed(0)  # reproducible initial weights",
        "X, y = moons(n=80, noise=0.1, seed=0)",
        "random.seed(1) seeds the models too",
        "b = Value(6.8813735870195432)",
        "the loop of the original MiniGrad description",
        "a colour #facade or the word accede",
        "a temporary file .model.json.4242-9f86d081884c.minigrad-tmp",
    ],
)
def test_ordinary_words_pass(line):
    assert in_house_words(line) == []


def test_files_users_read_have_no_in_house_words():
    files = user_facing_files()
    assert ROOT / "README.md" in files and any(path.suffix == ".ipynb" for path in files)
    found = {
        str(path.relative_to(ROOT)): words
        for path in files
        if (words := in_house_words(path.read_text(encoding="utf-8")))
    }
    assert found == {}, "say 'the original MiniGrad description'; no issue numbers or hashes"
