"""minigrad demo digits: real handwritten digits, learned with Tensors, and its pictures."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from minigrad.app import cli, digits


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


def test_a_picture_that_cannot_be_written_leaves_none_of_them(tmp_path):
    (tmp_path / "digits-test-predictions.png").mkdir()  # the last picture's path is a folder
    with pytest.raises(OSError, match="digits-test-predictions.png"):
        digits.main(["--epochs", "1", "--out", str(tmp_path), "--quiet"])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["digits-test-predictions.png"]
