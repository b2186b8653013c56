"""MNIST: download the four files once, check their SHA-256 sums before use, read the IDX format.

The files come from PyTorch's mirror of Yann LeCun's original MNIST files
(``https://ossci-datasets.s3.amazonaws.com/mnist/``, the same bytes as the original) into a cache
folder, ``~/.cache/minigrad/mnist`` (or ``$XDG_CACHE_HOME/minigrad/mnist``). Each file is written
to a temporary name, its SHA-256 sum checked, and only then renamed into place: a file in the cache
is always a whole, verified one, and a file that does not match is never used.

The IDX format (the files are gzipped): a magic number whose third byte is the element type
(0x08, unsigned bytes) and whose fourth is the number of dimensions, then each dimension as a
big-endian 32-bit integer, then the data, row by row.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import struct
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import numpy

SOURCE = "https://ossci-datasets.s3.amazonaws.com/mnist/"

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
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def download(folder: Path | None = None, source: str = SOURCE, progress: bool = True) -> Path:
    """Every file of ``FILES`` in ``folder``, downloaded unless a verified copy is there already.

    A copy there that fails its SHA-256 check (damaged, or another file of that name) is said on
    stderr and downloaded again.
    """
    folder = Path(folder) if folder is not None else cache_folder()
    folder.mkdir(parents=True, exist_ok=True)
    for name, (size, checksum) in FILES.items():
        path = folder / name
        if path.exists():
            if sha256(path) == checksum:
                continue
            print(
                f"{path} fails its SHA-256 check (damaged, or another file of that name): "
                "downloading it again",
                file=sys.stderr,
            )
        _fetch(source.rstrip("/") + "/" + name, path, size, checksum, progress)
    return folder


def _fetch(url: str, path: Path, size: int, checksum: str, progress: bool) -> None:
    """Download ``url`` to a temporary file beside ``path``; rename it into place only when its
    SHA-256 sum is ``checksum``."""
    partial = path.with_name(path.name + ".part")
    bar = None
    try:
        with urllib.request.urlopen(url, timeout=30) as response, open(partial, "wb") as file:
            if progress:
                from tqdm import tqdm

                bar = tqdm(total=size, unit="B", unit_scale=True, desc=path.name, leave=False)
            for block in iter(lambda: response.read(1 << 16), b""):
                file.write(block)
                if bar is not None:
                    bar.update(len(block))
    except (urllib.error.URLError, OSError, TimeoutError) as error:
        partial.unlink(missing_ok=True)
        reason = getattr(error, "reason", error)
        raise MnistError(f"cannot download {url}: {reason} (offline?)") from None
    finally:
        if bar is not None:
            bar.close()
    found = sha256(partial)
    if found != checksum:
        partial.unlink()
        raise MnistError(
            f"{url} has SHA-256 {found}, not the expected {checksum}: not used (deleted)"
        )
    os.replace(partial, path)


def read_idx(path: Path) -> numpy.ndarray:
    """The array in a gzipped IDX file of unsigned bytes."""
    with gzip.open(path, "rb") as file:
        try:
            header = file.read(4)
            if len(header) != 4 or header[:3] != b"\x00\x00\x08":
                raise MnistError(f"{path} is not an IDX file of unsigned bytes")
            ndim = header[3]
            shape = struct.unpack(f">{ndim}I", file.read(4 * ndim))
            data = file.read()
        except (OSError, EOFError, struct.error) as error:
            raise MnistError(f"{path} is not a readable gzipped IDX file: {error}") from None
    expected = int(numpy.prod(shape))
    if len(data) != expected:
        raise MnistError(f"{path} holds {len(data)} bytes of data, its header says {expected}")
    return numpy.frombuffer(data, dtype=numpy.uint8).reshape(shape)


def load(folder: Path | None = None, source: str = SOURCE, progress: bool = True) -> dict[str, Any]:
    """MNIST as arrays: ``train_x`` (60000, 784) float32 in [0, 1], ``train_y`` (60000,) int64,
    and ``test_x``, ``test_y`` (10,000 of each); downloaded and verified first if needed."""
    folder = download(folder, source, progress)
    arrays = {name: read_idx(folder / name) for name in FILES}
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
