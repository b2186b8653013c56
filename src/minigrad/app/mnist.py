"""MNIST: download the four files once, check their SHA-256 sums before use, read the IDX format.

The files come from PyTorch's mirror of Yann LeCun's original MNIST files
(``https://ossci-datasets.s3.amazonaws.com/mnist/``, the same bytes as the original) into a cache
folder, ``~/.cache/minigrad/mnist`` (or ``$XDG_CACHE_HOME/minigrad/mnist``). Each file is held in
memory as it arrives (a server that sends more than the file's known size is stopped at one byte
more), its SHA-256 sum checked, and only a file with the right sum is written into the cache, as
``minigrad.storage.files`` writes (whole or not at all; links another user planted are not
followed): a file in the cache is always a whole, verified one, and Ctrl-C leaves no partial file.

Reading: each file is opened once, only if it is a regular file (a FIFO or a folder in the cache
is refused, never waited on), and the bytes whose sum was checked are the bytes parsed.

The IDX format (the files are gzipped): a magic number whose third byte is the element type
(0x08, unsigned bytes) and whose fourth is the number of dimensions, then each dimension as a
big-endian 32-bit integer, then the data, row by row. A header is checked before anything is
decompressed past it: at least one dimension, none of them 0, at most ``MAX_IDX_BYTES`` of data.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import math
import os
import struct
import sys
import urllib.error
import urllib.request
import zlib
from pathlib import Path
from typing import Any

import numpy

from minigrad.storage.files import (
    check_target,
    refuse_planted_links,
    shown_path,
    special_file_kind,
    write_atomically,
)

SOURCE = "https://ossci-datasets.s3.amazonaws.com/mnist/"
MAX_IDX_BYTES = 64 * 2**20  # of data in one IDX file; MNIST's largest holds 47,040,000

# name: (bytes, SHA-256) of the gzipped files
FILES: dict[str, tuple[int, str]] = {
    "train-images-idx3-ubyte.gz": (
        9_912_422,
        "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
    ),
    "train-labels-idx1-ubyte.gz": (
        28_881,
        "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
    ),
    "t10k-images-idx3-ubyte.gz": (
        1_648_877,
        "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
    ),
    "t10k-labels-idx1-ubyte.gz": (
        4_542,
        "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
    ),
}


class MnistError(RuntimeError):
    """A download that failed, or a file that is not what it should be: one line saying which."""


def cache_folder() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "minigrad" / "mnist"


def sha256(path: Path) -> str:
    """The SHA-256 sum of the file at ``path`` (a regular file: see ``read_regular``)."""
    return hashlib.sha256(read_regular(path)).hexdigest()


def read_regular(path: Path, limit: int | None = None) -> bytes:
    """The bytes of ``path``, opened once and only if it is a regular file; MnistError when it
    is something else, is missing, or holds more than ``limit`` bytes."""
    try:
        refuse_planted_links(path)
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))  # a FIFO cannot block
    except OSError as error:
        raise MnistError(f"cannot read {shown_path(path)}: {error.strerror or error}") from None
    kind = special_file_kind(os.fstat(fd).st_mode)
    if kind is not None:
        os.close(fd)
        shown = shown_path(path)
        raise MnistError(f"{shown} is {kind}, not an MNIST file; remove it and run again")
    with os.fdopen(fd, "rb") as file:
        raw = file.read() if limit is None else file.read(limit + 1)
    if limit is not None and len(raw) > limit:
        raise MnistError(f"{shown_path(path)} is larger than MNIST's file ({limit:,} bytes)")
    return raw


def download(folder: Path | None = None, source: str = SOURCE, progress: bool = True) -> Path:
    """Every file of ``FILES`` in ``folder``, downloaded unless a verified copy is there already.

    A copy there that fails its SHA-256 check (damaged, or another file of that name) is said on
    stderr and downloaded again.
    """
    folder = _cache(folder)
    for name in FILES:
        _verified(folder, name, source, progress)
    return folder


def _cache(folder: Path | None) -> Path:
    """The cache folder, made if needed; MnistError in one line if it cannot be."""
    folder = Path(folder) if folder is not None else cache_folder()
    try:
        refuse_planted_links(folder)
        folder.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise MnistError(f"the cache folder {shown_path(folder)} is a file, not a folder") from None
    except OSError as error:
        raise MnistError(
            f"cannot use the cache folder {shown_path(folder)}: {error.strerror or error}"
        ) from None
    return folder


def _verified(folder: Path, name: str, source: str, progress: bool) -> bytes:
    """The bytes of ``folder/name`` once their SHA-256 sum is right, downloading them if not (a
    copy that fails the check is said on stderr first)."""
    size, checksum = FILES[name]
    path = folder / name
    if os.path.lexists(path):
        raw = read_regular(path, size)  # a FIFO, a folder, a huge file: refused, never waited on
        if hashlib.sha256(raw).hexdigest() == checksum:
            return raw
        print(
            f"{shown_path(path)} fails its SHA-256 check (damaged, or another file of that name): "
            "downloading it again",
            file=sys.stderr,
        )
    return _fetch(source.rstrip("/") + "/" + name, path, size, checksum, progress)


def _fetch(url: str, path: Path, size: int, checksum: str, progress: bool) -> bytes:
    """Download ``url`` (at most ``size`` bytes, held in memory), check its SHA-256 sum, and only
    then write it to ``path`` as minigrad.storage.files writes. Its bytes."""
    try:
        check_target(path)  # a folder, a FIFO or a planted link there: refused before downloading
    except OSError as error:
        raise MnistError(f"cannot write {shown_path(path)}: {error.strerror or error}") from None
    received = _download(url, size, progress, path.name)
    found = hashlib.sha256(received).hexdigest()
    if found != checksum:
        raise MnistError(f"{url} has SHA-256 {found}, not the expected {checksum}: not used")
    try:
        write_atomically(path, lambda file: file.write(received))
    except OSError as error:
        raise MnistError(f"cannot write {shown_path(path)}: {error.strerror or error}") from None
    return received


def _download(url: str, size: int, progress: bool, name: str) -> bytes:
    """The body of ``url``, which must be ``size`` bytes: a server that announces or sends more
    is stopped at one byte more, and that is said."""
    bar = None
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            announced = response.headers.get("Content-Length")
            if announced is not None and announced.isdigit() and int(announced) > size:
                raise MnistError(
                    f"{url} announces {int(announced):,} bytes, but the file is {size:,}: "
                    "not downloaded (a wrong --source?)"
                )
            if progress:
                from tqdm import tqdm

                bar = tqdm(total=size, unit="B", unit_scale=True, desc=name, leave=False)
            body = bytearray()
            while len(body) <= size:
                block = response.read(min(1 << 16, size + 1 - len(body)))
                if not block:
                    break
                body.extend(block)
                if bar is not None:
                    bar.update(len(block))
    except urllib.error.HTTPError as error:
        raise MnistError(f"cannot download {url}: HTTP {error.code} {error.reason}") from None
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise MnistError(f"cannot download {url}: {reason} (offline?)") from None
    except ValueError as error:  # not a URL urllib can fetch
        raise MnistError(f"cannot download {url}: {error}") from None
    finally:
        if bar is not None:
            bar.close()
    if len(body) > size:
        raise MnistError(
            f"{url} sent more than the file's {size:,} bytes: stopped there, not used "
            "(a wrong --source?)"
        )
    return bytes(body)


def read_idx(path: Path) -> numpy.ndarray:
    """The array in a gzipped IDX file of unsigned bytes."""
    return parse_idx(read_regular(path), path)


def parse_idx(raw: bytes, path: Path) -> numpy.ndarray:
    """The array in ``raw``, the bytes of the gzipped IDX file ``path`` (named in errors); the
    header is checked before the data is decompressed, and no more than it says is."""
    shown = shown_path(path)
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(raw)) as file:
            header = file.read(4)
            if len(header) != 4 or header[:3] != b"\x00\x00\x08":
                raise MnistError(f"{shown} is not an IDX file of unsigned bytes")
            ndim = header[3]
            if ndim == 0:
                raise MnistError(f"{shown}: its IDX header gives no dimensions")
            sizes = file.read(4 * ndim)
            if len(sizes) != 4 * ndim:
                raise MnistError(f"{shown}: its IDX header is cut short")
            shape = struct.unpack(f">{ndim}I", sizes)
            expected = math.prod(shape)  # Python's int: no overflow
            if 0 in shape or expected > MAX_IDX_BYTES:
                raise MnistError(
                    f"{shown}: its IDX header gives the shape {shape}, not one of MNIST's "
                    f"(no dimension 0, at most {MAX_IDX_BYTES:,} bytes of data)"
                )
            data = file.read(expected + 1)  # one byte more tells a file that holds more
    except (OSError, EOFError, zlib.error) as error:
        raise MnistError(f"{shown} is not a readable gzipped IDX file: {error}") from None
    if len(data) > expected:
        raise MnistError(f"{shown} holds more data than its header says ({expected:,} bytes)")
    if len(data) < expected:
        raise MnistError(f"{shown} holds {len(data):,} bytes of data, its header says {expected:,}")
    return numpy.frombuffer(data, dtype=numpy.uint8).reshape(shape)


def load(folder: Path | None = None, source: str = SOURCE, progress: bool = True) -> dict[str, Any]:
    """MNIST as arrays: ``train_x`` (60000, 784) float32 in [0, 1], ``train_y`` (60000,) int64,
    and ``test_x``, ``test_y`` (10,000 of each); downloaded and verified first if needed."""
    folder = _cache(folder)
    arrays = {
        name: parse_idx(_verified(folder, name, source, progress), folder / name) for name in FILES
    }
    images = {
        key: (arrays[f"{prefix}-images-idx3-ubyte.gz"].reshape(-1, 784) / 255.0).astype(
            numpy.float32
        )
        for key, prefix in (("train_x", "train"), ("test_x", "t10k"))
    }
    labels = {
        key: arrays[f"{prefix}-labels-idx1-ubyte.gz"].astype(numpy.int64)
        for key, prefix in (("train_y", "train"), ("test_y", "t10k"))
    }
    for part in ("train", "test"):
        if len(images[f"{part}_x"]) != len(labels[f"{part}_y"]):
            raise MnistError(f"the {part} images and labels are not as many")
    return {**images, **labels}
