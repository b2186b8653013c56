"""Checkpoints: exact round trips, atomic writes, and a clear error for every bad file."""

from __future__ import annotations

import json
import math
import os
import sys

import pytest

import minigrad
from minigrad import MLP
from minigrad.storage.checkpoint import FORMAT, VERSION, load, save


def test_save_and_load_are_exported_from_the_package():
    assert minigrad.save is save and minigrad.load is load


def test_a_model_round_trips_exactly(tmp_path):
    model = MLP(3, [4, 4, 1])
    path = tmp_path / "model.json"
    save(model.state_dict(), path)
    restored = MLP(3, [4, 4, 1])
    restored.load_state_dict(load(path))
    assert restored.state_dict() == model.state_dict()
    assert list(load(path)) == list(model.state_dict())  # the order is kept
    assert restored([1.0, -2.0, 0.5]).data == model([1.0, -2.0, 0.5]).data


def test_every_float_round_trips_bit_for_bit(tmp_path):
    awkward = {
        "third": 1.0 / 3.0,
        "tiny": 5e-324,
        "huge": sys.float_info.max,
        "negative zero": -0.0,
        "nan": math.nan,
        "inf": math.inf,
        "minus inf": -math.inf,
        "int": 3,
        "pi": math.pi,
    }
    path = tmp_path / "floats.json"
    save(awkward, path)
    loaded = load(path)
    for name, number in awkward.items():
        assert type(loaded[name]) is float
        if math.isnan(number):
            assert math.isnan(loaded[name])
        else:
            assert loaded[name].hex() == float(number).hex()


def test_the_file_is_documented_strict_json_with_a_format_version(tmp_path):
    path = tmp_path / "model.json"
    save({"a": 0.5, "b": math.nan, "c": -math.inf}, path)
    text = path.read_text()
    document = json.loads(text, parse_constant=lambda token: pytest.fail(f"bare {token}"))
    assert document == {
        "format": FORMAT,
        "version": VERSION,
        "parameters": {"a": 0.5, "b": "nan", "c": "-inf"},
    }
    assert FORMAT == "minigrad-checkpoint" and VERSION == 1


def test_bare_nan_tokens_written_by_python_json_are_read(tmp_path):
    path = tmp_path / "python.json"
    doc = {"format": FORMAT, "version": 1, "parameters": {"a": math.nan, "b": math.inf}}
    path.write_text(json.dumps(doc))
    loaded = load(path)
    assert math.isnan(loaded["a"]) and loaded["b"] == math.inf


def test_saving_replaces_an_existing_file_and_leaves_no_temporary_file(tmp_path):
    path = tmp_path / "model.json"
    save({"a": 1.0}, path)
    save({"a": 2.0}, path)
    assert load(path) == {"a": 2.0}
    assert os.listdir(tmp_path) == ["model.json"]


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary_file(tmp_path, monkeypatch):
    path = tmp_path / "model.json"
    save({"a": 1.0}, path)

    def crash(*args):
        raise OSError("disk full (simulated)")

    monkeypatch.setattr(os, "fsync", crash)
    with pytest.raises(OSError, match="disk full"):
        save({"a": 2.0}, path)
    assert os.listdir(tmp_path) == ["model.json"]
    assert load(path) == {"a": 1.0}


def test_an_interrupted_rename_leaves_no_temporary_file(tmp_path, monkeypatch):
    path = tmp_path / "model.json"

    def interrupt(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupt)
    with pytest.raises(KeyboardInterrupt):
        save({"a": 2.0}, path)
    assert os.listdir(tmp_path) == []


def test_the_saved_file_gets_ordinary_permissions(tmp_path):
    path = tmp_path / "model.json"
    save({"a": 1.0}, path)
    umask = os.umask(0)
    os.umask(umask)
    assert os.stat(path).st_mode & 0o777 == 0o666 & ~umask


@pytest.mark.parametrize(
    "state_dict, error, message",
    [
        ({"a": "1.0"}, TypeError, "entry 'a' must be a number, not str"),
        ({"a": None}, TypeError, "entry 'a' must be a number"),
        ({"a": True}, TypeError, "entry 'a' must be a number, not bool"),
        ({1: 1.0}, TypeError, "names are strings"),
        ([("a", 1.0)], TypeError, "save takes a state dict"),
    ],
)
def test_saving_a_bad_state_dict_is_an_error_and_writes_nothing(
    tmp_path, state_dict, error, message
):
    with pytest.raises(error, match=message):
        save(state_dict, tmp_path / "model.json")
    assert os.listdir(tmp_path) == []


def test_saving_into_a_missing_directory_is_an_os_error(tmp_path):
    with pytest.raises(FileNotFoundError):
        save({"a": 1.0}, tmp_path / "no such dir" / "model.json")


def test_loading_a_missing_file_is_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        load(tmp_path / "missing.json")


def _good_text():
    return json.dumps(
        {"format": FORMAT, "version": 1, "parameters": {"w": 0.25, "b": -1.5}}, indent=1
    )


@pytest.mark.parametrize(
    "content, message",
    [
        (_good_text()[:-7], "malformed JSON .*truncated"),
        ("", "malformed JSON .*truncated"),
        ("{not json}", "malformed JSON at line 1, column 2"),
        (b"\xff\xfe\x00garbage", "not UTF-8"),
        ("[1, 2, 3]", 'expected a JSON object with "format": "minigrad-checkpoint"'),
        ('{"format": "pickle", "version": 1, "parameters": {}}', '"format": "minigrad-checkpoint"'),
        ('{"format": "minigrad-checkpoint", "parameters": {}}', "no valid format version"),
        ('{"format": "minigrad-checkpoint", "version": "1", "parameters": {}}', "format version"),
        ('{"format": "minigrad-checkpoint", "version": 2, "parameters": {}}', "newer MiniGrad"),
        ('{"format": "minigrad-checkpoint", "version": 1}', '"parameters" must be a JSON object'),
        ('{"format": "minigrad-checkpoint", "version": 1, "parameters": [1]}', "not list"),
        (
            '{"format": "minigrad-checkpoint", "version": 1, "parameters": {"w": "0.5"}}',
            "parameter 'w' is '0.5', not a number",
        ),
        (
            '{"format": "minigrad-checkpoint", "version": 1, "parameters": {"w": [0.5]}}',
            "parameter 'w' is \\[0.5\\], not a number",
        ),
        (
            '{"format": "minigrad-checkpoint", "version": 1, "parameters": {"w": true}}',
            "parameter 'w' is True, not a number",
        ),
        (
            '{"format": "minigrad-checkpoint", "version": 1, "parameters": {"w": 1, "w": 2}}',
            "'w' appears twice",
        ),
        (
            '{"format": "minigrad-checkpoint", "version": 1, "parameters": {"w": 1'
            + "0" * 400
            + "}}",
            "too large",
        ),
        (
            '{"format": "minigrad-checkpoint", "version": 1, "parameters": {"w": 1e400}}',
            "1e400 is too large for a float",
        ),
        (
            '{"format": "minigrad-checkpoint", "version": 1, "parameters": {"w": '
            + "9" * 5000
            + "}}",
            "not a MiniGrad checkpoint: .*digits",
        ),
        ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
    ],
)
def test_a_bad_file_is_a_value_error_saying_what_is_wrong(tmp_path, content, message):
    path = tmp_path / "bad.json"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    with pytest.raises(ValueError, match=message):
        load(path)


def test_a_checkpoint_of_another_model_fails_to_load_and_changes_nothing(tmp_path):
    path = tmp_path / "small.json"
    save(MLP(2, [3, 1]).state_dict(), path)
    model = MLP(2, [4, 1])
    before = model.state_dict()
    with pytest.raises(
        ValueError,
        match="model has 17 parameters, the state dict 13 numbers; "
        "missing 4: 'layers.0.neurons.3.w.0'",
    ):
        model.load_state_dict(load(path))
    assert model.state_dict() == before


def test_a_checkpoint_with_a_wrong_value_type_is_rejected_before_anything_changes(tmp_path):
    model = MLP(2, [3, 1])
    before = model.state_dict()
    document = {"format": FORMAT, "version": 1, "parameters": dict(before)}
    document["parameters"]["layers.1.neurons.0.b"] = {"value": 1.0}
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(document))
    with pytest.raises(ValueError, match="'layers.1.neurons.0.b' is"):
        model.load_state_dict(load(path))
    assert model.state_dict() == before
