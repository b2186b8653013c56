"""MNIST's download, checked against SHA-256 sums before use, and its IDX format, tested with small
IDX files the test writes (served from a file:// URL), and a clear one-line error offline."""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import http.server
import os
import struct
import threading
from pathlib import Path

import numpy as np
import pytest

from minigrad import load
from minigrad.app import cli, mnist
from tests.shared_folder import as_root, planted_link


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


# ---------------------------------------------------------------------------------------------
# A misbehaving server (on 127.0.0.1, each reply bounded), and what may be found in the cache
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def server():
    """A local HTTP server; ``server.replies[path] = (headers, body)`` says what it sends."""
    replies: dict[str, tuple[dict[str, str], bytes]] = {}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's name)
            headers, body = replies.get(self.path, ({}, None))
            if body is None:
                self.send_error(404)
                return
            self.send_response(200)
            for key, value in headers.items():
                self.send_header(key, value)
            self.end_headers()
            with contextlib.suppress(OSError):  # the client may stop reading: that is the point
                for start in range(0, len(body), 1 << 16):
                    self.wfile.write(body[start : start + (1 << 16)])

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.timeout = 10
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    httpd.replies = replies
    httpd.url = f"http://127.0.0.1:{httpd.server_address[1]}/"
    try:
        yield httpd
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=10)


def serve_small_mnist(server, small_mnist):
    source, _ = small_mnist
    folder = Path(source.removeprefix("file://"))
    for name in mnist.FILES:
        server.replies[f"/{name}"] = ({}, (folder / name).read_bytes())


def test_a_server_that_sends_too_much_is_stopped_at_one_byte_more(server, small_mnist, tmp_path):
    serve_small_mnist(server, small_mnist)
    name = "train-labels-idx1-ubyte.gz"
    size = mnist.FILES[name][0]
    server.replies[f"/{name}"] = ({}, b"x" * 5_000_000)  # no Content-Length: sent until closed
    with pytest.raises(mnist.MnistError) as caught:
        mnist.download(tmp_path / "cache", server.url, progress=False)
    assert f"sent more than the file's {size:,} bytes: stopped there, not used" in str(caught.value)
    assert "offline" not in str(caught.value)
    assert name not in os.listdir(tmp_path / "cache")
    assert not [p for p in os.listdir(tmp_path / "cache") if "tmp" in p or "part" in p]


def test_a_larger_content_length_is_refused_before_reading(server, small_mnist, tmp_path):
    serve_small_mnist(server, small_mnist)
    name = "t10k-labels-idx1-ubyte.gz"
    server.replies[f"/{name}"] = ({"Content-Length": "2000000"}, b"x" * 2_000_000)
    with pytest.raises(mnist.MnistError, match=r"announces 2,000,000 bytes, but the file is"):
        mnist.download(tmp_path / "cache", server.url, progress=False)


def test_an_http_error_says_which(server, tmp_path):
    with pytest.raises(mnist.MnistError, match=r"cannot download .*: HTTP 404"):
        mnist.download(tmp_path / "cache", server.url, progress=False)


def test_an_interrupted_download_leaves_nothing(small_mnist, tmp_path, monkeypatch):
    class Interrupted:
        headers: dict = {}

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def read(self, n):
            raise KeyboardInterrupt

    monkeypatch.setattr(mnist.urllib.request, "urlopen", lambda url, timeout: Interrupted())
    with pytest.raises(KeyboardInterrupt):
        mnist.download(tmp_path / "cache", "http://127.0.0.1:9/", progress=False)
    assert os.listdir(tmp_path / "cache") == []


def test_the_bytes_whose_sum_was_checked_are_the_bytes_parsed(small_mnist, tmp_path, monkeypatch):
    source, arrays = small_mnist
    cache = mnist.download(tmp_path / "cache", source, progress=False)
    name = "t10k-labels-idx1-ubyte.gz"
    real_sum = hashlib.sha256

    def swap_after_checking(data=b""):
        digest = real_sum(data)
        if data == (cache / name).read_bytes():  # checked: now another file takes its place
            (cache / name).write_bytes(idx_bytes(np.full(20, 7)))
        return digest

    monkeypatch.setattr(mnist.hashlib, "sha256", swap_after_checking)
    data = mnist.load(cache, source, progress=False)
    assert data["test_y"].tolist() == (np.arange(20) % 10).tolist()


@pytest.mark.skipif(os.name != "posix", reason="FIFOs are POSIX")
def test_a_fifo_or_a_folder_in_the_cache_is_refused_without_waiting(small_mnist, tmp_path):
    source, _ = small_mnist
    cache = tmp_path / "cache"
    cache.mkdir()
    os.mkfifo(cache / "train-images-idx3-ubyte.gz")
    with pytest.raises(mnist.MnistError, match=r"is a FIFO \(named pipe\), not an MNIST file"):
        mnist.load(cache, source, progress=False)
    os.unlink(cache / "train-images-idx3-ubyte.gz")
    (cache / "train-images-idx3-ubyte.gz").mkdir()
    with pytest.raises(mnist.MnistError, match="is a folder, not an MNIST file"):
        mnist.load(cache, source, progress=False)


@as_root
def test_a_link_planted_in_a_shared_cache_is_not_written_through(small_mnist, tmp_path):
    source, _ = small_mnist
    victim = tmp_path / "victim"
    victim.write_text("mine")
    link = planted_link(tmp_path / "shared", "t10k-labels-idx1-ubyte.gz", victim)
    with pytest.raises(mnist.MnistError, match="symbolic link in a folder anyone can write to"):
        mnist.load(link.parent, source, progress=False)
    assert victim.read_text() == "mine"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (bytes([0, 0, 8, 0]), "gives no dimensions"),
        (bytes([0, 0, 8, 2]) + struct.pack(">2I", 3, 0), r"gives the shape \(3, 0\)"),
        (bytes([0, 0, 8, 4]) + struct.pack(">4I", *[2**32 - 1] * 4), "at most 67,108,864 bytes"),
        (bytes([0, 0, 8, 3]) + struct.pack(">2I", 1, 2), "header is cut short"),
        (bytes([0, 0, 8, 1]) + struct.pack(">I", 10) + bytes(50_000_000), "more data than its"),
    ],
    ids=["ndim 0", "a dimension 0", "dimensions that overflow", "cut short", "gzip bomb"],
)
def test_a_bad_idx_header_is_named_before_decompressing_the_data(tmp_path, content, message):
    path = tmp_path / "bad.gz"
    path.write_bytes(gzip.compress(content))
    with pytest.raises(mnist.MnistError, match=message):
        mnist.read_idx(path)


def test_a_bad_cache_or_source_is_one_line(small_mnist, tmp_path, capsys):
    (tmp_path / "file").write_text("not a folder")
    for option, value, message in [
        ("--cache", str(tmp_path / "file"), "is a file, not a folder"),
        ("--source", "nonsense", "cannot download nonsense/"),
    ]:
        args = ["demo", "mnist", option, value, "--out", str(tmp_path / "out"), "--quiet"]
        if option == "--source":
            args += ["--cache", str(tmp_path / "cache")]
        assert cli.main(args) == 1
        [line] = capsys.readouterr().err.strip().splitlines()
        assert message in line and line.startswith("minigrad demo mnist: error:")
        assert not (tmp_path / "out").exists()


def test_demo_mnist_with_1000_hidden_units_saves_a_checkpoint_that_loads(small_mnist, tmp_path):
    source, _ = small_mnist
    status = cli.main(["demo", "mnist", "--cache", str(tmp_path / "cache"), "--source", source,
                       "--out", str(tmp_path / "out"), "--epochs", "1", "--hidden", "1000",
                       "--quiet"])  # fmt: skip
    assert status == 0
    assert len(load(tmp_path / "out" / "mnist-model.json")) == 785 * 1000 + 1001 * 10


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
