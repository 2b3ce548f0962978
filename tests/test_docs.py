"""The examples in the foundation modules' docstrings run and print what they claim."""

import doctest

import pytest

import fsq_theory.quantizer
import fsq_theory.sources
import fsq_theory.stats


@pytest.mark.parametrize("module", [fsq_theory.quantizer, fsq_theory.sources, fsq_theory.stats])
def test_docstring_examples(module):
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS)
    assert result.failed == 0
