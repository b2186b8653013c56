"""Draw the layers of the package into docs/images/layers.svg: ``python docs/make_layers.py``.

Drawn from the code itself: the layers as pyproject.toml declares them to import-linter (one row
per line of the contract, modules that share a row side by side), and an arrow for every import
one module of MiniGrad makes of another, as grimp (import-linter's own graph) finds them in the
source. Every arrow points down: that is what ``lint-imports`` checks. ``make test`` checks that
the picture is current (tests/test_layers.py). It needs Graphviz and the test extra.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import grimp
import tomllib

ROOT = Path(__file__).resolve().parents[1]
PICTURE = ROOT / "docs" / "images" / "layers.svg"

# The clusters of the picture, top to bottom: (title, the contract that layers it).
PARTS = [
    ("application: minigrad.app", "app"),
    ("teaching tools: minigrad.teaching", "teaching"),
    ("files: minigrad.storage", "storage"),
    ("the core: minigrad", "layers"),
]
SUBPACKAGES = ("minigrad.app", "minigrad.teaching", "minigrad.storage")
FRONT_DOOR = "minigrad"  # __init__.py: the names most programs need, from both engines


def contracts() -> dict[str, dict]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    return {c["id"]: c for c in config["tool"]["importlinter"]["contracts"]}


def rows(contract: dict) -> list[list[str]]:
    """The contract's layers, top first, each a list of full module names (subpackages left out:
    they are clusters of their own)."""
    container = contract.get("containers", [""])[0]
    found = []
    for layer in contract["layers"]:
        names = [m.strip() for m in layer.replace(":", "|").split("|")]
        names = [f"{container}.{m}" if container else m for m in names]
        names = [m for m in names if m not in SUBPACKAGES]
        if names:
            found.append(names)
    return found


def dot_source() -> str:
    """The picture in Graphviz's language: a cluster per part, a row per layer of the contract,
    an arrow per import inside a part, and one arrow per pair of parts counting the imports
    from one to the other."""
    sys.path.insert(0, str(ROOT / "src"))
    graph = grimp.build_graph("minigrad")
    every = contracts()
    lines = [
        "digraph layers {",
        '  graph [rankdir=TB, newrank=true, compound=true, nodesep=0.2, ranksep=0.3,'
        ' fontname="Helvetica", fontsize=13, bgcolor="white"];',
        '  node [shape=box, style="rounded,filled", fillcolor="#eef2ff", color="#5c6bc0",'
        ' fontname="Helvetica", fontsize=12, height=0.3];',
        '  edge [color="#9e9e9e", arrowsize=0.6, fontname="Helvetica", fontsize=11,'
        ' fontcolor="#616161"];',
    ]
    part_of: dict[str, int] = {}
    parts: list[list[list[str]]] = []
    for title, contract_id in PARTS:
        part_rows = rows(every[contract_id])
        i = len(parts)
        parts.append(part_rows)
        lines.append(f"  subgraph cluster_{i} {{")
        lines.append(f'    label="{title}"; labeljust=l; style="rounded"; color="#bdbdbd";')
        for row in part_rows:
            names = " ".join(f'"{m}" [label="{m.rsplit(".", 1)[-1]}"];' for m in row)
            lines.append(f"    {{ rank=same; {names} }}")
            part_of.update(dict.fromkeys(row, i))
        lines.append("  }")
        if contract_id == "app":  # the command line reaches the core through the front door
            lines.append(
                f'  "{FRONT_DOOR}" [label="minigrad/__init__.py: the front door, the one place'
                ' that knows both engines", fillcolor="#fff3c4", color="#e0a800"];'
            )
            part_of[FRONT_DOOR] = -1
            parts.append([[FRONT_DOOR]])
    # the rows in the contract's order, top to bottom
    stack = [row for part in parts for row in part]
    for upper, lower in zip(stack, stack[1:]):
        lines.append(f'  "{upper[0]}" -> "{lower[0]}" [style=invis, weight=10];')
    between: dict[tuple[int, int], int] = {}
    for importer in sorted(part_of):
        for imported in sorted(graph.find_modules_directly_imported_by(importer)):
            if imported not in part_of:
                continue
            if part_of[importer] == part_of[imported] and importer != FRONT_DOOR:
                lines.append(f'  "{importer}" -> "{imported}";')
            else:
                key = (part_of[importer], part_of[imported])
                between[key] = between.get(key, 0) + 1
    for (upper, lower), count in sorted(between.items()):
        tail, head = _anchor(parts, upper, bottom=True), _anchor(parts, lower, bottom=False)
        ends = "".join(
            f", {end}=cluster_{part}" for end, part in (("ltail", upper), ("lhead", lower))
            if part != -1
        )
        lines.append(
            f'  "{tail}" -> "{head}" [label=" {count} import{"s" if count > 1 else ""}",'
            f' penwidth=2, color="#7986cb"{ends}];'
        )
    lines.append("}")
    return "\n".join(lines) + "\n"


def _anchor(parts: list[list[list[str]]], part: int, bottom: bool) -> str:
    if part == -1:
        return FRONT_DOOR
    rows_of_part = parts[part] if part < len(parts) else []
    return (rows_of_part[-1] if bottom else rows_of_part[0])[0]


def render(source: str) -> bytes:
    return subprocess.run(
        ["dot", "-Tsvg"], input=source.encode(), capture_output=True, check=True
    ).stdout


if __name__ == "__main__":
    PICTURE.write_bytes(render(dot_source()))
    print(f"wrote {PICTURE}")
