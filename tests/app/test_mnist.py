"""MNIST's download, checked against SHA-256 sums before use, and its IDX format, tested with small
IDX files the test writes (served from a file:// URL), and a clear one-line error offline."""

from __future__ import annotations

import gzip
import hashlib
import struct

import numpy as np
import pytest

from minigrad.app import cli, mnist


def idx_bytes(array: np.ndarray) -> bytes:
    """An IDX file of unsigned bytes, gzipped: magic 0x0000 08 ndim, the sizes, the data."""
    header = bytes([0, 0, 8, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    return gzip.compress(header + array.astype(np.uint8).tobytes())


@pytest.fixture
def small_mnist(tmp_path, monkeypatch):
    """A source folder holding four small MNIST files, and FILES naming their sizes and sums."""
    rng = np.random.default_rng(0)
    source = tmp_path / "source"
    source.mkdir()
    arrays = {
        "train-images-idx3-ubyte.gz": rng.integers(0, 256, (40, 28, 28)),
        "train-labels-idx1-ubyte.gz": np.arange(40) % 10,
        "t10k-images-idx3-ubyte.gz": rng.integers(0, 256, (20, 28, 28)),
        "t10k-labels-idx1-ubyte.gz": np.arange(20) % 10,
    }
    files = {}
    for name, array in arrays.items():
        data = idx_bytes(array)
        (source / name).write_bytes(data)
        files[name] = (len(data), hashlib.sha256(data).hexdigest())
    monkeypatch.setattr(mnist, "FILES", files)
    return source.as_uri(), arrays


def test_download_verifies_and_reads_the_idx_files(small_mnist, tmp_path):
    source, arrays = small_mnist
    data = mnist.load(tmp_path / "cache", source, progress=False)
    assert data["train_x"].shape == (40, 784) and data["train_x"].dtype == np.float32
    expected = arrays["train-images-idx3-ubyte.gz"].reshape(40, 784) / 255.0
    np.testing.assert_allclose(data["train_x"], expected, rtol=1e-6)
    assert data["test_y"].tolist() == (np.arange(20) % 10).tolist()
    assert sorted(p.name for p in (tmp_path / "cache").iterdir()) == sorted(mnist.FILES)


def test_a_verified_cache_is_not_downloaded_again(small_mnist, tmp_path):
    source, _ = small_mnist
    mnist.download(tmp_path / "cache", source, progress=False)
    mnist.download(tmp_path / "cache", "http://127.0.0.1:9/nowhere", progress=False)  # no fetch


def test_a_file_with_the_wrong_checksum_is_refused_and_not_kept(small_mnist, tmp_path):
    source, _ = small_mnist
    name = "t10k-labels-idx1-ubyte.gz"
    mnist.FILES[name] = (mnist.FILES[name][0], "0" * 64)
    with pytest.raises(mnist.MnistError, match=f"{name} has SHA-256 .* not the expected 0000"):
        mnist.download(tmp_path / "cache", source, progress=False)
    assert not (tmp_path / "cache" / name).exists()
    assert not list((tmp_path / "cache").glob("*.part"))


def test_offline_is_one_clear_line(small_mnist, tmp_path, capsys):
    status = cli.main(["demo", "mnist", "--cache", str(tmp_path / "cache"),
                       "--source", "http://127.0.0.1:9/mnist", "--out", str(tmp_path / "out"),
                       "--quiet"])  # fmt: skip
    assert status == 1
    error = capsys.readouterr().err.strip()
    assert "\n" not in error and error.startswith("minigrad demo mnist: error: cannot download")
    assert "offline?" in error


def test_a_file_that_is_not_idx_is_named(tmp_path):
    path = tmp_path / "bad.gz"
    path.write_bytes(gzip.compress(b"\x00\x00\x0d\x01hello"))
    with pytest.raises(mnist.MnistError, match="not an IDX file of unsigned bytes"):
        mnist.read_idx(path)
    path.write_bytes(gzip.compress(bytes([0, 0, 8, 1]) + struct.pack(">I", 5) + b"abc"))
    with pytest.raises(mnist.MnistError, match="holds 3 bytes of data, its header says 5"):
        mnist.read_idx(path)


def test_demo_mnist_trains_on_the_downloaded_files(small_mnist, tmp_path, capsys):
    source, _ = small_mnist
    status = cli.main(["demo", "mnist", "--cache", str(tmp_path / "cache"), "--source", source,
                       "--out", str(tmp_path / "out"), "--epochs", "1", "--quiet"])  # fmt: skip
    assert status == 0
    assert "mnist: 40 training images, 20 test images" in capsys.readouterr().out
    assert (tmp_path / "out" / "mnist-test-predictions.png").exists()


def test_demo_mnist_quiet_prints_no_download_bars(small_mnist, tmp_path, capsys):
    source, _ = small_mnist
    status = cli.main(["demo", "mnist", "--cache", str(tmp_path / "cache"), "--source", source,
                       "--out", str(tmp_path / "out"), "--epochs", "1", "--quiet"])  # fmt: skip
    assert status == 0
    assert capsys.readouterr().err == ""


def test_a_cached_file_failing_its_checksum_is_said_and_downloaded_again(
    small_mnist, tmp_path, capsys
):
    source, arrays = small_mnist
    mnist.download(tmp_path / "cache", source, progress=False)
    damaged = tmp_path / "cache" / "train-labels-idx1-ubyte.gz"
    damaged.write_bytes(b"not the file")
    status = cli.main(["demo", "mnist", "--cache", str(tmp_path / "cache"), "--source", source,
                       "--out", str(tmp_path / "out"), "--epochs", "1", "--quiet"])  # fmt: skip
    assert status == 0
    error = capsys.readouterr().err
    assert f"{damaged} fails its SHA-256 check" in error and "downloading it again" in error
    assert mnist.sha256(damaged) == mnist.FILES[damaged.name][1]
