"""Writing a file whole or not at all, for checkpoints, pages and pictures.

The content goes into a new temporary file beside the target, is flushed to disk, and only then
renamed over the target: a reader (or a crash) sees the old file or the new one, never half of
one, and no temporary file is left behind, whatever fails.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Callable
from typing import IO


def write_atomically(path: str | os.PathLike[str], write: Callable[[IO[bytes]], object]) -> None:
    """Call ``write(file)`` on a temporary file beside ``path``, sync it, rename it to ``path``."""
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    temporary, fd = _create_temporary(directory, os.path.basename(path))
    try:
        with os.fdopen(fd, "wb") as file:
            write(file)
            file.flush()
            os.fsync(file.fileno())  # on disk before the rename makes it the file
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    _sync_directory(directory)


def _create_temporary(directory: str, name: str) -> tuple[str, int]:
    """A new file ``.name.<random>.tmp`` in ``directory``, with the usual permissions (umask)."""
    while True:
        temporary = os.path.join(directory, f".{name}.{secrets.token_hex(6)}.tmp")
        try:
            return temporary, os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            continue


def _sync_directory(directory: str) -> None:
    """Make the rename itself durable; best effort (not every system can open a directory)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
