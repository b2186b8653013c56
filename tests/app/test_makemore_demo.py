"""minigrad demo names: the makemore lectures' MLP on makemore's names, through minigrad.torch."""

from __future__ import annotations

from importlib import resources

import numpy as np
import pytest
import torch

import minigrad.torch as mg
import minigrad.torch.nn.functional as mg_F
from minigrad.app import cli, makemore


def test_the_names_ship_with_their_licence():
    words = makemore.load_names()
    assert len(words) == 32_033 and words[:3] == ["emma", "olivia", "ava"]
    assert set("".join(words)) == set("abcdefghijklmnopqrstuvwxyz")
    licence = resources.files("minigrad.app").joinpath("datasets/names-LICENSE.txt").read_text()
    assert "MIT License" in licence and "Andrej Karpathy" in licence


def test_the_splits_hold_every_name_once_in_the_lectures_proportions():
    words = makemore.load_names()[:1000]
    data, itos = makemore.splits(mg, words, makemore.Settings())
    examples = {name: y.shape[0] for name, (_, y) in data.items()}
    assert sum(examples.values()) == sum(len(w) + 1 for w in words)  # one per character and '.'
    assert examples["train"] > 7 * examples["val"] and itos[0] == "."
    X, Y = data["train"]
    assert X.dtype == np.int64 and X.shape == (examples["train"], 3) and Y.dtype == np.int64


def test_minigrad_trains_the_model_as_pytorch_does():
    settings = makemore.Settings(steps=40, batch=32)
    words = makemore.load_names()[::40]
    mine = makemore.train(mg, mg_F, settings, makemore.splits(mg, words, settings)[0])
    theirs = makemore.train(torch, torch.nn.functional, settings,
                            makemore.splits(torch, words, settings)[0])  # fmt: skip
    np.testing.assert_allclose(mine.lossi, theirs.lossi, rtol=1e-4)
    for split in ("train", "val", "test"):
        assert mine.losses[split] == pytest.approx(theirs.losses[split], rel=1e-4)
    assert mine.lossi[-1] < mine.lossi[0]


def test_demo_names_prints_the_losses_and_names_and_writes_two_pictures(tmp_path, capsys):
    status = cli.main(["demo", "names", "--steps", "60", "--out", str(tmp_path), "--quiet"])
    assert status == 0
    out = capsys.readouterr().out
    for split in ("train", "val", "test"):
        assert f"{split} loss: " in out
    names = out.split("20 names sampled from the model:\n")[1].splitlines()[:20]
    assert len(names) == 20 and all(name.strip().isalpha() or name.strip() == "" for name in names)
    for picture in ("names-loss-curve.png", "names-embedding.png"):
        assert (tmp_path / picture).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_demo_names_refuses_bad_options_in_one_line(capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["demo", "names", "--steps", "0"])
    assert exit_info.value.code == 2
    assert "--steps" in capsys.readouterr().err
