"""Writing files whole or not at all, for checkpoints, pages and pictures.

The content goes into a new temporary file beside the target, is flushed to disk, and only then
renamed over the target: a reader (or a crash) sees the old file or the new one, never half of
one. On top of that, a write never harms what was at the path before:

* Only regular files are replaced. A folder, a device, a FIFO or a socket at the path is refused
  (``NotARegularFileError``), also when one is put there while the content is being written; a
  symbolic link to a regular file is written through (the file it points to is replaced, the link
  stays); a link to nothing is refused.
* A link that another user may have planted is not followed (``PlantedLinkError``), by the rule
  Linux applies to ``open()`` with ``fs.protected_symlinks``: in a folder that everyone may write
  to and that has the sticky bit (``/tmp``), a link is followed only when it belongs to the user
  or to the folder's owner. Every link on the way to the file is checked.
* A file that exists keeps its permissions (and, where allowed, its owner); a new file gets the
  usual permissions from the umask.
* The temporary file is ``.NAME.<process id>-<random>.minigrad-tmp``. One left behind by a save
  that was killed (its process gone, older than this save, owned by this user) is removed by the
  next save of the same target.
* Every error names the user's path, never the temporary file; a path over 200 characters is
  shortened in the message (its start and its end), though ``error.filename`` keeps all of it.

``write_all_atomically`` writes several files as a set: all their contents are on disk before
the first is renamed into place, and the renames are not interrupted by Ctrl-C.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import hashlib
import os
import re
import secrets
import signal
import stat
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import IO

Writer = Callable[[IO[bytes]], object]

TEMPORARY_SUFFIX = ".minigrad-tmp"
_LONGEST_STEM = 200  # bytes of the target's name kept in a temporary name (a name is ≤ 255 bytes)
SHOWN_PATH = 200  # characters of a path shown in a message; a longer one keeps its start and end
_MOST_LINKS = 40  # links followed on the way to a file before giving up, as Linux does


def shown_path(path: str | os.PathLike[str]) -> str:
    """``path`` for a message: itself, or for one over 200 characters its start, … and its end."""
    text = os.fsdecode(os.fspath(path))
    if len(text) <= SHOWN_PATH:
        return text
    return f"{text[:120]}…{text[-60:]} ({len(text):,} characters)"


class NotARegularFileError(OSError):
    """The path holds something MiniGrad never replaces: a folder, a device, a FIFO, a socket."""

    def __init__(self, path: str, what: str) -> None:
        super().__init__(errno.EEXIST, f"{what}, not a regular file; MiniGrad will not replace it")
        self.filename = path

    def __str__(self) -> str:
        return f"{shown_path(self.filename)}: {self.strerror}"


class PlantedLinkError(OSError):
    """A link in a shared sticky folder (``/tmp``) owned by some other user: not followed."""

    def __init__(self, path: str, link: str) -> None:
        super().__init__(
            errno.EACCES,
            f"{shown_path(link)} is a symbolic link in a folder anyone can write to (sticky, like "
            "/tmp), owned neither by you nor by the folder's owner; MiniGrad does not follow it "
            "(another user could have put it there to redirect the write)",
        )
        self.filename = path
        self.link = link

    def __str__(self) -> str:
        return f"{shown_path(self.filename)}: {self.strerror}"


class IncompleteWriteError(OSError):
    """A set of files of which only some were put in place (``written``), the rest not."""

    def __init__(
        self, cause: BaseException, written: Sequence[str], unwritten: Sequence[str]
    ) -> None:
        super().__init__(
            f"{cause}; only {', '.join(written)} of this set were written, "
            f"not {', '.join(unwritten)}"
        )
        self.written = list(written)
        self.unwritten = list(unwritten)


def write_atomically(path: str | os.PathLike[str], write: Writer) -> None:
    """Call ``write(file)`` on a temporary file beside ``path``, sync it, rename it to ``path``."""
    write_all_atomically({path: write})


def write_all_atomically(files: Mapping[str | os.PathLike[str], Writer]) -> None:
    """Write each ``path: write`` of ``files`` as ``write_atomically`` does, as one set.

    Every target is checked, then every temporary file written and synced; only then are they
    renamed into place, one after the other, with Ctrl-C (SIGINT, SIGTERM) held until the last.
    A failure before the renames leaves every target as it was. A failure during them (rare: a
    rename in a folder that worked a moment ago) raises IncompleteWriteError naming the files
    that were and were not replaced.
    """
    paths = [os.fspath(path) for path in files]
    targets = {path: check_target(path) for path in paths}
    temporaries: dict[str, str] = {}
    try:
        for path, write in zip(paths, files.values()):
            target, status = targets[path]
            with _naming(path, target):
                _remove_stale_temporaries(target)
                temporaries[path] = _write_temporary(target, status, write)
    except BaseException:
        _remove(temporaries.values())
        raise
    written: list[str] = []
    with _signals_held():
        for path in paths:
            try:
                with _naming(path, targets[path][0]):
                    _refuse_special_file(path, targets[path][0])  # one put there meanwhile
                    os.replace(temporaries[path], targets[path][0])
            except BaseException as error:
                _remove(temporaries[p] for p in paths if p not in written)
                if not written or not isinstance(error, OSError):
                    raise
                unwritten = [p for p in paths if p not in written]
                raise IncompleteWriteError(error, written, unwritten) from error
            written.append(path)
    for directory in {os.path.dirname(target) for target, _ in targets.values()}:
        _sync_directory(directory)


def check_target(path: str | os.PathLike[str]) -> tuple[str, os.stat_result | None]:
    """The file that writing ``path`` would replace (symbolic links followed), and its status.

    The status is None for a file that does not exist yet. Raises NotARegularFileError when the
    path holds a folder, device, FIFO or socket, or is a link to nothing; PlantedLinkError when
    the way to it goes through a link another user may have planted (see the module's
    docstring); other OSErrors (an empty path, a name too long, a part of the path that is a
    file) name ``path``. Call it before work whose result would be lost if the file could not be
    written.
    """
    path = os.fspath(path)
    if not path:
        raise FileNotFoundError(errno.ENOENT, "an empty path is not a file name", path)
    with _naming(path):
        refuse_planted_links(path)
    target = os.path.realpath(path)
    with _naming(path, target):
        try:
            status = os.stat(target)
        except FileNotFoundError:
            if os.path.islink(path):
                raise NotARegularFileError(path, "a symbolic link to nothing") from None
            return target, None
    kind = special_file_kind(status.st_mode)
    if kind is not None:
        raise NotARegularFileError(path, kind)
    return target, status


def refuse_planted_links(path: str | os.PathLike[str]) -> None:
    """Raise PlantedLinkError if the way to ``path`` follows a link Linux's protected_symlinks
    would not follow: one in a sticky folder anyone may write to, owned neither by this user nor
    by the folder's owner. Each part of the path is looked at as the system resolves it.
    """
    path = os.fsdecode(os.fspath(path))
    if os.name != "posix":
        return
    folder = "/" if os.path.isabs(path) else os.getcwd()
    parts = path.split("/")
    followed = 0
    while parts:
        part = parts.pop(0)
        if part in ("", "."):
            continue
        if part == "..":
            folder = os.path.dirname(folder)
            continue
        here = os.path.join(folder, part)
        try:
            status = os.lstat(here)
        except OSError:
            return  # nothing (or nothing readable) there: no link to follow
        if not stat.S_ISLNK(status.st_mode):
            folder = here
            continue
        _check_link_owner(path, here, status, os.stat(folder))
        followed += 1
        if followed > _MOST_LINKS:
            return  # a loop: the system itself refuses it (ELOOP)
        destination = os.readlink(here)
        if destination.startswith("/"):
            folder = "/"
        parts = destination.split("/") + parts


def _check_link_owner(
    path: str, link: str, status: os.stat_result, folder: os.stat_result
) -> None:
    shared = folder.st_mode & stat.S_ISVTX and folder.st_mode & stat.S_IWOTH
    if shared and status.st_uid not in (os.geteuid(), folder.st_uid):
        raise PlantedLinkError(path, link)


# ---------------------------------------------------------------------------------------------


def special_file_kind(mode: int) -> str | None:
    """What a file of this ``st_mode`` is when it is not a regular file ("a FIFO"); else None."""
    if stat.S_ISREG(mode):
        return None
    kinds = [
        (stat.S_ISDIR, "a folder"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISFIFO, "a FIFO (named pipe)"),
        (stat.S_ISSOCK, "a socket"),
    ]
    return next((name for test, name in kinds if test(mode)), "a special file")


def _refuse_special_file(path: str, target: str) -> None:
    """Raise NotARegularFileError if something other than a regular file is now at ``target``."""
    try:
        kind = special_file_kind(os.lstat(target).st_mode)
    except FileNotFoundError:
        return
    if kind is not None and not os.path.islink(target):
        raise NotARegularFileError(path, kind)


@contextlib.contextmanager
def _naming(path: str, target: str | None = None) -> Iterator[None]:
    """Re-raise an OSError about ``target``, a temporary file or no file as one about ``path``."""
    try:
        yield
    except (NotARegularFileError, PlantedLinkError):
        raise
    except OSError as error:
        about = error.filename
        if about is not None and about != target and not str(about).endswith(TEMPORARY_SUFFIX):
            raise  # about some other file: leave it as it is
        if error.errno is None:
            raise OSError(f"{shown_path(path)}: {error}") from error
        raise _path_error(error.errno, error.strerror, path) from None


def _path_error(number: int, strerror: str, path: str | os.PathLike[str]) -> OSError:
    """``OSError(number, strerror, path)`` (FileNotFoundError for ENOENT, ...), whose message
    shows a long path shortened (``shown_path``); ``filename`` is the whole path."""
    kind = type(OSError(number, strerror))
    path = os.fspath(path)
    if len(os.fsdecode(path)) <= SHOWN_PATH:
        return kind(number, strerror, path)
    return _shortening(kind)(number, strerror, path)


@functools.cache
def _shortening(kind: type[OSError]) -> type[OSError]:
    """A subclass of ``kind`` whose message shows its filename shortened."""

    def __str__(self: OSError) -> str:  # noqa: N807
        return f"[Errno {self.errno}] {self.strerror}: {shown_path(self.filename)!r}"

    return type(kind.__name__, (kind,), {"__str__": __str__, "__module__": kind.__module__})


def _temporary_stem(name: str) -> str:
    """``name``, or for a very long one its start and a hash, so the temporary name fits."""
    raw = os.fsencode(name)
    if len(raw) <= _LONGEST_STEM:
        return name
    digest = hashlib.sha256(raw).hexdigest()[:12]
    return os.fsdecode(raw[: _LONGEST_STEM - 13]) + "~" + digest


def _temporary_pattern(name: str) -> re.Pattern[str]:
    stem = re.escape(_temporary_stem(name))
    return re.compile(rf"\.{stem}\.(\d+)-[0-9a-f]{{12}}{re.escape(TEMPORARY_SUFFIX)}")


def _write_temporary(target: str, status: os.stat_result | None, write: Writer) -> str:
    """A synced temporary file beside ``target`` holding what ``write`` writes; its path."""
    directory, name = os.path.split(target)
    while True:
        temporary = os.path.join(
            directory,
            f".{_temporary_stem(name)}.{os.getpid()}-{secrets.token_hex(6)}{TEMPORARY_SUFFIX}",
        )
        try:
            fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)  # umask applies
            break
        except FileExistsError:
            continue
    try:
        with os.fdopen(fd, "wb") as file:
            if status is not None:
                _keep_owner_and_mode(file.fileno(), status)
            write(file)
            file.flush()
            os.fsync(file.fileno())  # on disk before the rename makes it the file
    except BaseException:
        _remove([temporary])
        raise
    return temporary


def _keep_owner_and_mode(fd: int, status: os.stat_result) -> None:
    """Give the new file the old one's owner (where allowed) and permission bits."""
    if hasattr(os, "fchown") and (status.st_uid, status.st_gid) != (os.geteuid(), os.getegid()):
        with contextlib.suppress(OSError):  # only root may give a file away
            os.fchown(fd, status.st_uid, status.st_gid)
    if hasattr(os, "fchmod"):
        os.fchmod(fd, stat.S_IMODE(status.st_mode) & 0o777)  # never set-user-id on a new file


def _remove_stale_temporaries(target: str) -> None:
    """Remove temporary files of ``target`` left by saves that were killed.

    Only files named as this module names them, owned by this user, last changed before now,
    whose process no longer runs (POSIX; elsewhere nothing is removed).
    """
    if os.name != "posix":
        return
    directory, name = os.path.split(target)
    pattern = _temporary_pattern(name)
    started = time.time()
    with contextlib.suppress(OSError), os.scandir(directory or ".") as entries:
        for entry in entries:
            match = pattern.fullmatch(entry.name)
            if match is None:
                continue
            with contextlib.suppress(OSError):
                status = entry.stat(follow_symlinks=False)
                if (
                    stat.S_ISREG(status.st_mode)
                    and status.st_uid == os.geteuid()
                    and status.st_mtime < started
                    and not _running(int(match[1]))
                ):
                    os.unlink(entry.path)


def _running(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True
    return True


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """Hold SIGINT, SIGTERM and SIGHUP (delivered after the block) so a set of renames is not
    split."""
    held = {signal.SIGINT, signal.SIGTERM, *([signal.SIGHUP] if hasattr(signal, "SIGHUP") else [])}
    if not hasattr(signal, "pthread_sigmask") or threading.current_thread() is not (
        threading.main_thread()
    ):
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _remove(paths: object) -> None:
    for path in list(paths):
        with contextlib.suppress(OSError):
            os.unlink(path)


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
