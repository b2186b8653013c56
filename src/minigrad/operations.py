"""The tables of operations by name, as both engines keep them, and what a name says.

``engine.OPERATIONS`` and ``tensor.OPERATIONS`` are OperationTables: the one mechanism by which
both engines protect MiniGrad's own operations from being replaced by a user's.
"""

from __future__ import annotations

from typing import Any


class OperationTable(dict):  # type: ignore[type-arg]  (name -> an Operation of either engine)
    """The operations of an engine by name, MiniGrad's own ones kept for good: a user's operation
    of the same name is refused, so no notebook cell can change what ``x * y`` means. Both
    engines keep their operations in one (the Tensor engine's in tensor.py)."""

    def __init__(self) -> None:
        super().__init__()
        self.own: set[str] = set()  # MiniGrad's own: the engines' tables, nn's and losses' ones

    def refuse_own(self, name: str) -> None:
        if name in self.own:
            raise ValueError(f"{name!r} is one of MiniGrad's own operations; choose another name")

    def add(self, op: Any, own: bool = False) -> Any:
        """Register ``op`` under its name (replacing a user's operation of that name)."""
        self.refuse_own(op.name)
        self[op.name] = op
        if own:
            self.own.add(op.name)
        return op


def power_exponent(op_name: str) -> float | None:
    """k if ``op_name`` names engine.power_by(k) (``'**2'`` gives 2.0), else None."""
    if not op_name.startswith("**") or op_name == "**":
        return None
    try:
        return float(op_name[2:])
    except ValueError:
        return None
