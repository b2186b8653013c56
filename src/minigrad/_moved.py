"""Old module paths, kept for one release: ``minigrad.viz`` imports ``minigrad.teaching.viz``.

The modules moved into subpackages (storage, teaching, app). No file stands at an old path:
this finder, put on ``sys.meta_path`` by ``minigrad/__init__.py``, answers an import of an old
path with the module at its new path, after a DeprecationWarning naming that path. The warning
comes once: from then on the old path is an entry of ``sys.modules`` like any other, and it is
the very same module object, so every name (private ones too) keeps working.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import warnings
from types import ModuleType

MOVED = {
    "minigrad.files": "minigrad.storage.files",
    "minigrad.checkpoint": "minigrad.storage.checkpoint",
    "minigrad.names": "minigrad.teaching.names",
    "minigrad.viz": "minigrad.teaching.viz",
    "minigrad.tensor_viz": "minigrad.teaching.tensor_viz",
    "minigrad.explain": "minigrad.teaching.explain",
    "minigrad.backprop_page": "minigrad.teaching.backprop_page",
    "minigrad.exercises": "minigrad.teaching.exercises",
    "minigrad.cli": "minigrad.app.cli",
    "minigrad.demo": "minigrad.app.demo",
    "minigrad.digits": "minigrad.app.digits",
    "minigrad.mnist": "minigrad.app.mnist",
    "minigrad.data": "minigrad.app.data",
    "minigrad.expression": "minigrad.app.expression",
}


class MovedModuleFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finds an old path of MOVED and loads it as the module at its new path."""

    def find_spec(
        self, fullname: str, path: object = None, target: object = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname not in MOVED:
            return None
        return importlib.machinery.ModuleSpec(fullname, self)

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        new_path = MOVED[spec.name]
        warnings.warn(
            f"{spec.name} has moved to {new_path}: import it from there "
            "(the old path will be removed in a future release)",
            DeprecationWarning,
            stacklevel=2,  # importlib's own frames are skipped: this names the importing line
        )
        return importlib.import_module(new_path)

    def exec_module(self, module: ModuleType) -> None:
        """Nothing to run: the module at the new path ran when it was imported."""


def install() -> None:
    """Put the finder on ``sys.meta_path`` (once)."""
    import sys

    if not any(isinstance(finder, MovedModuleFinder) for finder in sys.meta_path):
        sys.meta_path.append(MovedModuleFinder())
