"""The examples in the Tensor engine's docstrings run, so they cannot rot."""

import doctest

import pytest

from minigrad import tensor, tensor_nn


@pytest.mark.parametrize("module", [tensor, tensor_nn], ids=lambda m: m.__name__)
def test_docstring_examples_run(module):
    failures, tried = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert tried > 0 and failures == 0
