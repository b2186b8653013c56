"""Saving and loading under hostile conditions: what is at the path is never harmed.

Each test here failed on the code before these rules (special files replaced, modes widened,
temporary files left forever, errors naming the temporary file, FIFOs read until the end of time).
"""

from __future__ import annotations

import errno
import os
import re
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from minigrad import MLP
from minigrad.storage.checkpoint import MAX_LOAD_BYTES, load, save
from minigrad.storage.files import NotARegularFileError, PlantedLinkError, write_all_atomically
from tests.shared_folder import as_root, planted_link

SRC = Path(__file__).resolve().parents[2] / "src"
posix_only = pytest.mark.skipif(os.name != "posix", reason="FIFOs, modes and pids are POSIX")


# ---------------------------------------------------------------------------------------------
# What is at the path
# ---------------------------------------------------------------------------------------------


@posix_only
def test_save_refuses_a_fifo_and_leaves_it_in_place(tmp_path):
    fifo = tmp_path / "model.json"
    os.mkfifo(fifo)
    with pytest.raises(NotARegularFileError, match=r"model\.json: a FIFO \(named pipe\), not a"):
        save({"a": 1.0}, fifo)
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert os.listdir(tmp_path) == ["model.json"]


@posix_only
def test_save_refuses_a_symlink_to_a_fifo_and_a_link_to_nothing(tmp_path):
    os.mkfifo(tmp_path / "fifo")
    (tmp_path / "to-fifo.json").symlink_to(tmp_path / "fifo")
    (tmp_path / "dangling.json").symlink_to(tmp_path / "nothing")
    with pytest.raises(NotARegularFileError, match="a FIFO"):
        save({"a": 1.0}, tmp_path / "to-fifo.json")
    with pytest.raises(NotARegularFileError, match="a symbolic link to nothing"):
        save({"a": 1.0}, tmp_path / "dangling.json")
    assert (tmp_path / "to-fifo.json").is_symlink() and (tmp_path / "dangling.json").is_symlink()
    assert not (tmp_path / "nothing").exists()


def test_save_through_a_symlink_replaces_the_file_it_points_to_and_keeps_the_link(tmp_path):
    real = tmp_path / "checkpoints" / "real.json"
    real.parent.mkdir()
    save({"a": 1.0}, real)
    link = tmp_path / "latest.json"
    link.symlink_to(real)
    save({"a": 2.0}, link)
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert load(real) == {"a": 2.0}
    assert sorted(os.listdir(real.parent)) == ["real.json"]


def test_save_refuses_a_folder_naming_the_users_path(tmp_path):
    (tmp_path / "model.json").mkdir()
    with pytest.raises(NotARegularFileError) as caught:
        save({"a": 1.0}, tmp_path / "model.json")
    assert str(caught.value) == (
        f"{tmp_path / 'model.json'}: a folder, not a regular file; MiniGrad will not replace it"
    )


# ---------------------------------------------------------------------------------------------
# Permissions, temporary files and error messages
# ---------------------------------------------------------------------------------------------


@posix_only
def test_resaving_keeps_the_files_permissions(tmp_path):
    path = tmp_path / "secret.json"
    save({"a": 1.0}, path)
    path.chmod(0o600)
    save({"a": 2.0}, path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert load(path) == {"a": 2.0}


@posix_only
def test_a_killed_save_leaves_a_recognisable_temporary_that_the_next_save_removes(tmp_path):
    path = tmp_path / "model.json"
    saver = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import os, sys, time; os.fsync = lambda fd: time.sleep(600); "
            "from minigrad import save; save({'a': 1.0}, sys.argv[1])",
            str(path),
        ],
        env={**os.environ, "PYTHONPATH": str(SRC)},
    )
    try:
        deadline = time.monotonic() + 60
        while not os.listdir(tmp_path) and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        saver.send_signal(signal.SIGKILL)
        saver.wait()
    [left] = os.listdir(tmp_path)
    assert re.fullmatch(rf"\.model\.json\.{saver.pid}-[0-9a-f]{{12}}\.minigrad-tmp", left)
    unrelated = tmp_path / ".model.json.0123456789ab.tmp"  # not the pattern: never removed
    unrelated.write_text("keep")
    running = tmp_path / f".model.json.{os.getppid()}-0123456789ab.minigrad-tmp"
    running.write_text("a save still running in another process")  # its process lives: kept
    old = time.time() - 10
    for name in os.listdir(tmp_path):
        os.utime(tmp_path / name, (old, old))
    save({"a": 2.0}, path)
    assert sorted(os.listdir(tmp_path)) == sorted(["model.json", unrelated.name, running.name])


def test_a_name_of_250_characters_saves(tmp_path):
    path = tmp_path / ("b" * 245 + ".json")
    save({"a": 1.0}, path)
    assert load(path) == {"a": 1.0}
    assert os.listdir(tmp_path) == [path.name]


def test_errors_name_the_users_path_not_the_temporary_file(tmp_path):
    path = tmp_path / "missing folder" / "model.json"
    with pytest.raises(FileNotFoundError) as caught:
        save({"a": 1.0}, path)
    assert caught.value.filename == str(path)
    assert "minigrad-tmp" not in str(caught.value) and ".tmp" not in str(caught.value)


def test_a_full_disk_names_the_file_that_could_not_be_written(tmp_path, monkeypatch):
    path = tmp_path / "model.json"
    save({"a": 1.0}, path)

    def disk_full(fd):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(OSError) as caught:
        save({"a": 2.0}, path)
    assert caught.value.errno == errno.ENOSPC
    assert caught.value.filename == str(path)
    assert str(path) in str(caught.value)
    monkeypatch.undo()
    assert load(path) == {"a": 1.0}
    assert os.listdir(tmp_path) == ["model.json"]


def test_a_set_of_files_is_written_all_or_none(tmp_path, monkeypatch):
    (tmp_path / "b.txt").write_bytes(b"old b")
    synced = []

    def third_sync_fails(fd):
        synced.append(fd)
        if len(synced) == 3:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", third_sync_fails)
    files = {tmp_path / name: (lambda f, n=name: f.write(n.encode())) for name in "abc"}
    with pytest.raises(OSError, match="c$|No space left on device: .*c'"):
        write_all_atomically(files)
    assert sorted(os.listdir(tmp_path)) == ["b.txt"]
    assert (tmp_path / "b.txt").read_bytes() == b"old b"


# ---------------------------------------------------------------------------------------------
# Loading
# ---------------------------------------------------------------------------------------------


@posix_only
def test_load_refuses_a_fifo_without_blocking(tmp_path):
    fifo = tmp_path / "model.json"
    os.mkfifo(fifo)
    started = time.monotonic()
    with pytest.raises(ValueError, match=r"it is a FIFO \(named pipe\), not a regular file"):
        load(fifo)
    assert time.monotonic() - started < 5


def test_load_refuses_a_folder(tmp_path):
    with pytest.raises(ValueError, match="it is a folder"):
        load(tmp_path)


def test_load_refuses_a_file_over_the_size_limit_unless_told(tmp_path):
    path = tmp_path / "big.json"
    model = MLP(4, [8, 1])
    save(model.state_dict(), path)
    size = path.stat().st_size
    with pytest.raises(ValueError, match=rf"is {size:,} bytes, more than .*max_bytes=None"):
        load(path, max_bytes=size - 1)
    assert load(path, max_bytes=size) == model.state_dict()
    assert load(path, max_bytes=None) == model.state_dict()
    assert MAX_LOAD_BYTES == 64 * 2**20  # the limit the docs give


def test_a_number_too_large_for_a_float_names_the_entry():
    model = MLP(1, [1])
    state = model.state_dict()
    state["layers.0.neurons.0.b"] = 10**400
    with pytest.raises(ValueError, match="entry 'layers.0.neurons.0.b' is too large for a float"):
        model.load_state_dict(state)
    with pytest.raises(ValueError, match="entry 'layers.0.neurons.0.b' is too large"):
        save(state, "never-written.json")
    assert not os.path.exists("never-written.json")


# ---------------------------------------------------------------------------------------------
# Links another user may have planted, and things put at the path while it is written
# ---------------------------------------------------------------------------------------------

@as_root
def test_save_refuses_a_link_planted_by_another_user_in_a_sticky_folder(tmp_path):
    victim = tmp_path / "victim.json"
    save({"mine": 1.0}, victim)
    link = planted_link(tmp_path / "shared", "model.json", victim)
    with pytest.raises(PlantedLinkError, match="symbolic link in a folder anyone can write to"):
        save({"a": 2.0}, link)
    assert load(victim) == {"mine": 1.0}
    assert link.is_symlink() and os.listdir(tmp_path / "shared") == ["model.json"]


@as_root
def test_save_refuses_a_planted_link_anywhere_on_the_way(tmp_path):
    (tmp_path / "private").mkdir()
    link = planted_link(tmp_path / "shared", "runs", tmp_path / "private")
    with pytest.raises(PlantedLinkError) as caught:
        save({"a": 2.0}, link / "model.json")
    assert caught.value.filename == str(link / "model.json")
    assert caught.value.link == str(link)
    assert os.listdir(tmp_path / "private") == []


@as_root
def test_links_the_kernel_would_follow_are_written_through(tmp_path):
    import pwd

    victim = tmp_path / "victim.json"
    save({"mine": 1.0}, victim)
    own = tmp_path / "shared" / "own.json"  # a sticky folder, but the link is the user's own
    planted_link(tmp_path / "shared", "unused", victim)
    own.symlink_to(victim)
    save({"a": 2.0}, own)
    assert load(victim) == {"a": 2.0}
    ordinary = tmp_path / "ordinary"  # a link by someone else in a folder only its owner writes
    ordinary.mkdir()
    link = ordinary / "model.json"
    link.symlink_to(victim)
    nobody = pwd.getpwnam("nobody")
    os.lchown(link, nobody.pw_uid, nobody.pw_gid)
    save({"a": 3.0}, link)
    assert load(victim) == {"a": 3.0}


@posix_only
def test_a_fifo_put_at_the_path_while_saving_is_refused_at_the_rename(tmp_path):
    path = tmp_path / "model.json"
    save({"a": 1.0}, path)
    path.unlink()

    def swap_in_a_fifo(file):
        os.mkfifo(path)
        file.write(b"{}")

    with pytest.raises(NotARegularFileError, match=r"model\.json: a FIFO"):
        write_all_atomically({path: swap_in_a_fifo})
    assert stat.S_ISFIFO(os.lstat(path).st_mode)
    assert os.listdir(tmp_path) == ["model.json"]


def test_saving_to_an_empty_path_says_it_is_not_a_file_name():
    with pytest.raises(FileNotFoundError, match="an empty path is not a file name"):
        save({"a": 1.0}, "")


def test_a_very_long_path_is_shortened_in_the_message_but_kept_in_filename(tmp_path):
    path = str(tmp_path / ("d" * 6000) / "model.json")
    with pytest.raises(OSError) as caught:
        save({"a": 1.0}, path)
    assert caught.value.errno == errno.ENAMETOOLONG
    assert caught.value.filename == path
    message = str(caught.value)
    assert len(message) < 400, message
    assert "File name too long" in message and "…" in message
    assert f"({len(path):,} characters)" in message and "model.json" in message


def test_load_refuses_a_file_of_millions_of_tiny_entries_before_building_them(tmp_path):
    path = tmp_path / "tiny.json"
    entries = ",".join(f'"{i:x}":0' for i in range(3_000_000))  # 30 MiB: under the size limit
    path.write_text(f'{{"format":"minigrad-checkpoint","version":1,"parameters":{{{entries}}}}}')
    assert path.stat().st_size < MAX_LOAD_BYTES
    with pytest.raises(ValueError, match=r"holds up to 3,000,003 entries, more than load reads"):
        load(path)
    small = tmp_path / "small.json"
    save({f"{i:x}": 0.0 for i in range(1000)}, small)
    assert len(load(small, max_bytes=1000 * 32)) == 1000
    with pytest.raises(ValueError, match="entries"):
        load(small, max_bytes=999 * 32)
