"""Checkpoints: a model's state dict saved as JSON, and read back exactly.

The file format (version 1) is one JSON object::

    {
      "format": "minigrad-checkpoint",
      "version": 1,
      "parameters": {"layers.0.neurons.0.w.0": 0.7737, "layers.0.neurons.0.b": -0.25, ...}
    }

``parameters`` maps each name of ``Module.state_dict()`` to its number, in order. Numbers are
written by Python's ``repr``, the shortest decimal that reads back as the same float, so every
float round-trips bit for bit (-0.0 included). JSON has no NaN or infinity, so those three are
written as the strings ``"nan"``, ``"inf"`` and ``"-inf"``; the file stays strict JSON that any
reader accepts. On reading, the bare tokens ``NaN``, ``Infinity`` and ``-Infinity`` that Python's
``json`` module writes by default are accepted as well.

``save`` writes a temporary file next to the target, flushes it to disk and renames it over the
target (``os.replace`` is atomic), so a crash leaves either the old file or the new one, never half
of one, and no temporary file is left behind. No pickle: loading a checkpoint runs no code.

Examples:
    >>> import os, tempfile
    >>> from minigrad import load, save
    >>> path = os.path.join(tempfile.mkdtemp(), "model.json")
    >>> save({"w.0": 0.1, "b": float("-inf")}, path)
    >>> load(path)
    {'w.0': 0.1, 'b': -inf}
    >>> import shutil; shutil.rmtree(os.path.dirname(path))
"""

from __future__ import annotations

import json
import math
import numbers
import os
from collections.abc import Mapping

from minigrad.storage.files import shown_path, special_file_kind, write_atomically

FORMAT = "minigrad-checkpoint"
VERSION = 1

_NON_FINITE = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}

#: The largest checkpoint ``load`` reads unless told otherwise: 64 MiB, about 1.2 million
#: parameters, more than the demos train (MNIST with ``--hidden 1000``: 795,010 in 41 MiB);
#: ``load(path, max_bytes=None)`` lifts the limit.
MAX_LOAD_BYTES = 64 * 2**20
#: What an entry takes in memory is mostly the same whatever its length (its name as a str, its
#: float, its place in the dict), so a file of short entries would take far more memory than its
#: size says: ``load`` also refuses more than one entry per ``BYTES_PER_ENTRY`` bytes of
#: ``max_bytes`` (a checkpoint that ``save`` writes for a model takes about 50). So reading a file
#: takes at most about 7 times ``max_bytes`` in memory (measured, Python 3.11: 354 MB for 1.2
#: million parameters in 56 MiB; 468 MB, 7.0 times 64 MiB, for 2 million one-character names).
BYTES_PER_ENTRY = 32


def save(state_dict: Mapping[str, float], path: str | os.PathLike[str]) -> None:
    """Write ``state_dict`` (name -> number, as ``Module.state_dict()`` gives) to ``path``."""
    content = encode(state_dict)
    write_atomically(path, lambda file: file.write(content))


def encode(state_dict: Mapping[str, float]) -> bytes:
    """The bytes ``save`` writes for ``state_dict``: the checkpoint file's whole content."""
    parameters = {name: _encode(number) for name, number in _checked(state_dict)}
    document = {"format": FORMAT, "version": VERSION, "parameters": parameters}
    return (json.dumps(document, indent=1, allow_nan=False) + "\n").encode("utf-8")


def load(
    path: str | os.PathLike[str], *, max_bytes: int | None = MAX_LOAD_BYTES
) -> dict[str, float]:
    """Read a checkpoint written by ``save``: name -> float, in the saved order.

    Only a regular file (or a link to one) of at most ``max_bytes`` bytes is read (None: any
    size); a FIFO, a device or a folder is refused without reading from it. Raises OSError
    (FileNotFoundError, ...) when the file cannot be read, and ValueError saying what is wrong when
    it is too large or not a valid checkpoint (truncated, malformed, wrong format or version, a
    value that is not a number).
    """
    path = os.fspath(path)
    shown = shown_path(path)
    raw = _read_regular_file(path, max_bytes)
    if max_bytes is not None:
        _check_entries(shown, raw.count(b":"), max_bytes)  # every entry has a colon
    try:
        text = raw.decode("utf-8")
        del raw  # one copy of the file in memory at a time
    except UnicodeDecodeError as error:
        raise ValueError(
            f"{shown} is not a MiniGrad checkpoint: not UTF-8 text ({error})"
        ) from None
    try:
        document = json.loads(text, object_pairs_hook=_no_duplicate_keys, parse_float=_finite_float)
    except json.JSONDecodeError as error:
        hint = " (the file looks truncated)" if error.pos >= len(text.rstrip()) else ""
        raise ValueError(
            f"{shown} is not a MiniGrad checkpoint: malformed JSON at line {error.lineno}, "
            f"column {error.colno}: {error.msg}{hint}"
        ) from None
    except (_DuplicateKeyError, _NotFiniteError) as error:
        raise ValueError(f"{shown} is not a valid checkpoint: {error}") from None
    except RecursionError:
        raise ValueError(f"{shown} is not a MiniGrad checkpoint: JSON nested too deeply") from None
    except ValueError as error:  # e.g. an integer with more digits than Python converts
        raise ValueError(f"{shown} is not a MiniGrad checkpoint: {error}") from None
    return _parameters(shown, document)


# ---------------------------------------------------------------------------------------------


def _read_regular_file(path: str, max_bytes: int | None) -> bytes:
    """The bytes of ``path`` if it is a regular file of at most ``max_bytes`` bytes."""
    if max_bytes is not None and (isinstance(max_bytes, bool) or not isinstance(max_bytes, int)):
        raise TypeError(f"max_bytes is a whole number of bytes or None, not {max_bytes!r:.60}")
    kind = special_file_kind(os.stat(path).st_mode)  # refused before opening: no FIFO blocks
    if kind is None:
        # O_NONBLOCK: a FIFO swapped in since the check cannot block the open either
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
        with os.fdopen(fd, "rb") as file:
            status = os.fstat(fd)
            kind = special_file_kind(status.st_mode)
            if kind is None:
                if max_bytes is not None and status.st_size > max_bytes:
                    _too_large(path, status.st_size, max_bytes)
                raw = file.read() if max_bytes is None else file.read(max_bytes + 1)
                if max_bytes is not None and len(raw) > max_bytes:  # it grew while being read
                    _too_large(path, len(raw), max_bytes)
                return raw
    raise ValueError(
        f"{shown_path(path)} is not a MiniGrad checkpoint: it is {kind}, not a regular file"
    )


def _too_large(path: str, size: int, max_bytes: int) -> None:
    raise ValueError(
        f"{shown_path(path)} is {size:,} bytes, more than load reads by default "
        f"({max_bytes:,} bytes, about {max_bytes // 55:,} parameters); if you trust it, "
        "load(path, max_bytes=None) reads it anyway"
    )


def _check_entries(shown: str, most_entries: int, max_bytes: int) -> None:
    """Refuse more entries than ``max_bytes`` allows (see BYTES_PER_ENTRY), before building any."""
    allowed = max_bytes // BYTES_PER_ENTRY
    if most_entries > allowed + 3:  # the header's three colons
        raise ValueError(
            f"{shown} holds up to {most_entries:,} entries, more than load reads by default "
            f"({allowed:,}, one per {BYTES_PER_ENTRY} bytes of max_bytes={max_bytes:,}: each "
            "takes memory whatever its length); if you trust it, load(path, max_bytes=None) "
            "reads it anyway"
        )


class _DuplicateKeyError(Exception):
    pass


class _NotFiniteError(Exception):
    pass


def _finite_float(text: str) -> float:
    """A JSON number; the format writes nan and ±inf only as the strings "nan", "inf", "-inf"."""
    number = float(text)
    if not math.isfinite(number):
        raise _NotFiniteError(f"the number {text[:40]} is too large for a float")
    return number


def _no_duplicate_keys(pairs: list[tuple[str, object]]) -> dict[str, object]:
    result: dict[str, object] = {}
    for key, value in pairs:
        if key in result:
            raise _DuplicateKeyError(f"the name {key!r} appears twice")
        result[key] = value
    return result


def _checked(state_dict: Mapping[str, float]) -> list[tuple[str, float]]:
    """The entries of a state dict, after checking every name and number (before any writing)."""
    if not isinstance(state_dict, Mapping):
        raise TypeError(
            f"save takes a state dict (name -> number, from model.state_dict()), "
            f"not {type(state_dict).__name__}"
        )
    entries = []
    for name, number in state_dict.items():
        if not isinstance(name, str):
            raise TypeError(f"state dict names are strings, not {type(name).__name__}: {name!r}")
        if isinstance(number, bool) or not isinstance(number, numbers.Real):
            raise TypeError(
                f"state dict entry {name!r} must be a number, "
                f"not {type(number).__name__}: {number!r:.60}"
            )
        try:
            entries.append((name, float(number)))
        except OverflowError:  # an int like 10**400
            raise ValueError(f"state dict entry {name!r} is too large for a float") from None
    return entries


def _encode(number: float) -> float | str:
    if math.isfinite(number):
        return number
    return "nan" if math.isnan(number) else ("inf" if number > 0 else "-inf")


def _parameters(path: str, document: object) -> dict[str, float]:
    """The state dict inside a decoded checkpoint, after checking its header and every value."""
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ValueError(
            f'{path} is not a MiniGrad checkpoint: expected a JSON object with "format": "{FORMAT}"'
        )
    version = document.get("version")
    if isinstance(version, bool) or not isinstance(version, int):
        raise ValueError(f"{path}: the checkpoint has no valid format version (got {version!r})")
    if version != VERSION:
        newer = " (written by a newer MiniGrad?)" if version > VERSION else ""
        raise ValueError(
            f"{path}: checkpoint format version {version} is not supported; this MiniGrad reads "
            f"version {VERSION}{newer}"
        )
    parameters = document.get("parameters")
    if not isinstance(parameters, dict):
        raise ValueError(
            f'{path}: the checkpoint\'s "parameters" must be a JSON object of name -> number, '
            f"not {type(parameters).__name__}"
        )
    state_dict = parameters  # each number made a float in place: no second dict of them all
    for name, number in parameters.items():
        if isinstance(number, str) and number in _NON_FINITE:
            state_dict[name] = _NON_FINITE[number]
        elif isinstance(number, (int, float)) and not isinstance(number, bool):
            try:
                state_dict[name] = float(number)
            except OverflowError:
                raise ValueError(f"{path}: parameter {name!r} is too large for a float") from None
        else:
            raise ValueError(
                f"{path}: parameter {name!r} is {number!r:.60}, not a number "
                '(or one of "nan", "inf", "-inf")'
            )
    return state_dict
