"""The examples in the docstrings of nn, losses, optim and checkpoint run, so they cannot rot."""

from __future__ import annotations

import doctest

import pytest

from minigrad import losses, nn, optim
from minigrad.storage import checkpoint


@pytest.mark.parametrize("module", [nn, losses, optim, checkpoint], ids=lambda m: m.__name__)
def test_docstring_examples_run(module):
    failed, attempted = doctest.testmod(module)
    assert failed == 0
    assert attempted > 0
