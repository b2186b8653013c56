"""A shared sticky folder (like /tmp) holding a symbolic link that another user put there."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

as_root = pytest.mark.skipif(
    os.name != "posix" or os.geteuid() != 0, reason="giving a link to another user needs root"
)


def planted_link(shared: Path, name: str, destination: Path) -> Path:
    """A link ``shared/name`` to ``destination`` owned by nobody, in ``shared``: a sticky folder
    anyone may write to, owned by this user (as /tmp is owned by root)."""
    import pwd

    shared.mkdir(exist_ok=True)
    shared.chmod(0o1777)
    link = shared / name
    link.symlink_to(destination)
    nobody = pwd.getpwnam("nobody")
    os.lchown(link, nobody.pw_uid, nobody.pw_gid)
    return link
