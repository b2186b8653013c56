"""`make notebook` starts JupyterLab on the notebooks, with a kernel from the project's .venv."""

import json
import os
import secrets
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
VENV = ROOT / ".venv"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def get(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (loopback only)
        return json.load(response)


def request(url: str, token: str, method: str, body: dict) -> dict:
    data = json.dumps(body).encode()
    headers = {"Authorization": f"token {token}", "Content-Type": "application/json"}
    call = urllib.request.Request(url, data=data, headers=headers, method=method)
    with urllib.request.urlopen(call, timeout=30) as response:  # noqa: S310 (loopback only)
        return json.load(response)


def kernel_command_line(kernel_id: str) -> list[str]:
    """The command line of the kernel process (its connection file is named after its id)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
            try:
                arguments = cmdline.read_bytes().split(b"\0")
            except OSError:  # the process ended
                continue
            if any(kernel_id.encode() in argument for argument in arguments):
                return [argument.decode() for argument in arguments if argument]
        time.sleep(0.2)
    raise AssertionError(f"no process for kernel {kernel_id}")


@pytest.mark.skipif(
    not (VENV / "bin" / "python").exists() or not Path("/proc").is_dir(),
    reason="make notebook runs in the project's .venv; the kernel is found in /proc (Linux)",
)
def test_make_notebook_serves_the_notebooks_with_the_projects_python():
    port, token = free_port(), secrets.token_hex(16)
    options = f"--no-browser --ip=127.0.0.1 --port={port} --IdentityProvider.token={token}"
    server = subprocess.Popen(
        ["make", "notebook", f"NOTEBOOK_ARGS={options}"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # so the test can stop make and JupyterLab together
        env={key: value for key, value in os.environ.items() if key != "PYTHONPATH"},
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120  # the first run installs JupyterLab
        while True:
            assert server.poll() is None, server.stdout.read()
            try:
                tutorials = get(f"{base}/api/contents/docs?token={token}")
                break
            except OSError:
                assert time.monotonic() < deadline, "JupyterLab did not start"
                time.sleep(0.5)
        names = {item["name"] for item in tutorials["content"]}
        assert {"engine-walkthrough.ipynb", "training.ipynb"} <= names
        exercises = get(f"{base}/api/contents/exercises?token={token}")
        assert "01-derivative.ipynb" in {item["name"] for item in exercises["content"]}
        kernel = request(f"{base}/api/kernels", token, method="POST", body={})
        python = Path(kernel_command_line(kernel["id"])[0])
        assert python.is_relative_to(VENV), python  # the project's environment: minigrad in it
        with urllib.request.urlopen(f"{base}/lab?token={token}", timeout=5) as response:  # noqa: S310
            assert b"JupyterLab" in response.read()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
