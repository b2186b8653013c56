"""How many lines of code a learner reads in the two engines, against their budgets.

A code line is a line of the file that is not blank, not only a comment, and not part of a
docstring (of the module, a class or a function: Python's ``ast`` says where each one starts and
ends). So the math and the explanations in docstrings and comments are free, and what is counted
is the code itself: engine.py at most 450 lines (read in one sitting), tensor.py at most 750.

python -m benchmarks.code_lines   # the counts, and whether each is within its budget
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import minigrad

BUDGETS = {"engine.py": 450, "tensor.py": 750}


def code_lines(source: str) -> int:
    """The lines of ``source`` that are neither blank, nor a comment, nor in a docstring."""
    docstring_lines: set[int] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            first = node.body[0] if node.body else None
            if (
                isinstance(first, ast.Expr)
                and isinstance(first.value, ast.Constant)
                and isinstance(first.value.value, str)
            ):
                docstring_lines.update(range(first.lineno, first.end_lineno + 1))
    return sum(
        1
        for number, line in enumerate(source.splitlines(), 1)
        if line.strip() and not line.strip().startswith("#") and number not in docstring_lines
    )


def engine_sizes() -> dict[str, dict[str, int]]:
    """Each engine file's code lines and budget."""
    package = Path(minigrad.__file__).parent
    return {
        name: {"code_lines": code_lines((package / name).read_text(encoding="utf-8")),
               "budget": budget}
        for name, budget in BUDGETS.items()
    }  # fmt: skip


def main() -> int:
    for name, size in engine_sizes().items():
        within = "within" if size["code_lines"] <= size["budget"] else "OVER"
        print(f"{name}: {size['code_lines']} code lines ({within} its budget of {size['budget']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
