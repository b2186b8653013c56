"""minigrad demo digits: real handwritten digits, learned with Tensors, and its pictures."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from minigrad import load
from minigrad.app import cli, digits

SRC = Path(__file__).resolve().parents[2] / "src"


def test_default_settings_reach_97_percent_on_the_held_out_test_set():
    settings = digits.Settings()
    split = digits.load_split(settings)
    assert (len(split.train_y), len(split.test_y)) == (1437, 360)  # 20 % held out
    assert set(split.test_y.tolist()) == set(range(10))  # every class in the test set
    model, history, _ = digits.train(settings, split)
    accuracy = np.mean(digits.predict(model, split.test_x) == split.test_y)
    assert accuracy >= 0.97
    assert history.loss[-1] < history.loss[0] / 10


def test_command_writes_three_pictures_and_compares_engines(tmp_path, capsys):
    status = cli.main(["demo", "digits", "--epochs", "2", "--out", str(tmp_path), "--quiet",
                       "--engine", "scalar", "--subset", "16"])  # fmt: skip
    assert status == 0
    out = capsys.readouterr().out
    assert "test accuracy:" in out and "Values" in out and "Tensors" in out
    for name in ["digits-training-curve.png", "digits-confusion-matrix.png",
                 "digits-test-predictions.png"]:  # fmt: skip
        with Image.open(tmp_path / name) as image:
            assert image.size[0] > 300 and image.size[1] > 300


def test_confusion_matrix_counts_true_down_predicted_across():
    counts = digits.confusion_matrix(np.array([1, 1, 2]), np.array([1, 2, 2]))
    assert counts[1, 1] == 1 and counts[2, 1] == 1 and counts[2, 2] == 1 and counts.sum() == 3


def test_bad_option_is_one_clear_error(capsys):
    with pytest.raises(SystemExit):
        cli.main(["demo", "digits", "--epochs", "0"])
    assert "must be at least 1" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("option", "value", "limit"),
    [("--epochs", "99999999", "10,000"), ("--hidden", "5000", "1,000"),
     ("--batch", "10000000", "100,000"), ("--subset", "10000000", "10,000")],
)  # fmt: skip
def test_sizes_are_bounded_before_anything_runs(tmp_path, capsys, option, value, limit):
    with pytest.raises(SystemExit):
        cli.main(["demo", "digits", option, value, "--out", str(tmp_path / "out")])
    assert f"more than the limit, {limit}" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_a_file_that_cannot_be_written_is_found_before_training(tmp_path, capsys):
    (tmp_path / "digits-test-predictions.png").mkdir()  # one picture's path is a folder
    assert digits.main(["--epochs", "1", "--out", str(tmp_path), "--quiet"]) == 2
    captured = capsys.readouterr()
    assert "training images" not in captured.out
    [line] = captured.err.strip().splitlines()
    assert "digits-test-predictions.png" in line and "a folder, not a regular file" in line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["digits-test-predictions.png"]


@pytest.mark.skipif(os.name != "posix", reason="FIFOs are POSIX")
def test_a_fifo_as_the_output_folder_or_a_file_is_one_line_before_training(tmp_path, capsys):
    os.mkfifo(tmp_path / "fifo")
    assert digits.main(["--out", str(tmp_path / "fifo"), "--quiet"]) == 2
    assert "is a file, not a folder" in capsys.readouterr().err
    os.mkfifo(tmp_path / "digits-model.json")
    assert digits.main(["--out", str(tmp_path), "--quiet"]) == 2
    assert "a FIFO (named pipe), not a regular file" in capsys.readouterr().err


@pytest.mark.parametrize("lr", ["inf", "nan", "-1", "0"])
def test_a_learning_rate_that_is_not_a_finite_positive_number_is_refused(tmp_path, capsys, lr):
    with pytest.raises(SystemExit) as caught:
        digits.main(["--lr", lr, "--out", str(tmp_path / "out")])
    assert caught.value.code == 2
    [line] = capsys.readouterr().err.strip().splitlines()
    assert "must be a finite number above 0" in line
    assert not (tmp_path / "out").exists()


def test_a_diverging_run_fails_and_writes_nothing(tmp_path, capsys):
    out = tmp_path / "new" / "out"
    assert digits.main(["--lr", "1e308", "--epochs", "3", "--out", str(out), "--quiet"]) == 1
    [line] = capsys.readouterr().err.strip().splitlines()
    assert "training diverged" in line and "smaller --lr" in line and "nothing was written" in line
    assert not (tmp_path / "new").exists()


def test_the_trained_model_is_saved_and_loads_by_default(tmp_path):
    assert digits.main(["--epochs", "1", "--out", str(tmp_path), "--quiet"]) == 0
    state = load(tmp_path / "digits-model.json")
    model = digits.make_model(digits.Settings())
    model.load_state_dict(state)
    assert len(state) == 64 * 64 + 64 + 64 * 10 + 10


def test_a_batch_too_large_for_memory_is_refused_saying_what_fits(tmp_path, capsys):
    args = ["--batch", "100000", "--hidden", "1000", "--out", str(tmp_path / "out")]
    assert digits.main(args) == 2
    [line] = capsys.readouterr().err.strip().splitlines()
    assert "more than the demo allows (25,000,000, 100 MB)" in line and "at most --batch" in line
    assert not (tmp_path / "out").exists()


def test_running_out_of_memory_is_one_line(tmp_path, capsys, monkeypatch):
    def out_of_memory(*args, **kwargs):
        raise MemoryError

    monkeypatch.setattr(digits, "train", out_of_memory)
    assert digits.main(["--out", str(tmp_path / "out"), "--quiet"]) == 1
    [line] = capsys.readouterr().err.strip().splitlines()
    assert line.startswith("minigrad demo digits: error: out of memory")
    assert not (tmp_path / "out").exists()


def started(command, marker, cwd):
    """``minigrad COMMAND`` running in ``cwd``, once ``marker`` is on its stdout or stderr."""
    env = {**os.environ, "PYTHONPATH": str(SRC), "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "minigrad", *command],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    seen = []
    for line in process.stdout:  # the command prints the marker within seconds
        seen.append(line)
        if marker in line:
            return process, seen
    raise AssertionError(f"{marker!r} never printed: {''.join(seen)}")


@pytest.mark.skipif(os.name != "posix", reason="POSIX signals")
@pytest.mark.parametrize(
    ("command", "marker"),
    [
        (["demo", "digits", "--epochs", "10000"], "training images"),
        (["demo", "moons", "--epochs", "100000"], "epoch 1/"),
    ],
)
@pytest.mark.parametrize(
    ("number", "said"),
    [(signal.SIGINT, "interrupted"), (signal.SIGTERM, "interrupted (SIGTERM)"),
     (signal.SIGHUP, "interrupted (SIGHUP)")],
)  # fmt: skip
def test_an_interrupted_demo_says_so_and_leaves_nothing(tmp_path, command, marker, number, said):
    process, _ = started([*command, "--out", "a/b/c"], marker, cwd=tmp_path)
    process.send_signal(number)
    rest, _ = process.communicate(timeout=120)
    assert process.returncode == 128 + number, rest
    assert rest.strip().splitlines()[-1].endswith(f": {said}") and "Traceback" not in rest
    assert list(tmp_path.iterdir()) == []
