"""Categorical codes of the Cox design: looked up per distinct value (typed sort), the same
as a row-by-row lookup for every kind of array, including the ones that fall back to it."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from retrostudy.stats._cox_design import _categorical, _codes

VALUES = st.one_of(
    st.lists(st.text(max_size=3), min_size=1, max_size=40),
    st.lists(st.booleans(), min_size=1, max_size=40),
    st.lists(st.integers(-3, 3), min_size=1, max_size=40),
    st.lists(st.one_of(st.integers(0, 2), st.text(max_size=2)), min_size=1, max_size=40),
)


@settings(max_examples=200, deadline=None)
@given(VALUES)
def test_codes_equal_a_row_by_row_lookup(items):
    values = np.empty(len(items), dtype=object)
    values[:] = items
    lookup = {}
    for v in items:
        lookup.setdefault(v, len(lookup))
    expected = np.array([lookup[v] for v in items], dtype=np.int64)
    np.testing.assert_array_equal(_codes(values, lookup), expected)


def test_text_with_trailing_nul_is_not_merged():
    values = np.array(["a", "a\x00", "a"], dtype=object)  # numpy text would drop the NUL
    np.testing.assert_array_equal(_codes(values, {"a": 0, "a\x00": 1}), [0, 1, 0])
    codes, levels = _categorical("arm", values, None)  # both are levels of their own
    assert levels == ["a", "a\x00"] and codes.tolist() == [0, 1, 0]


def test_levels_sorted_as_before_and_first_unknown_value_in_row_order_named():
    values = np.array(["c", "a", "b", "a"], dtype=object)
    codes, levels = _categorical("arm", values, None)
    assert levels == ["a", "b", "c"] and codes.tolist() == [2, 0, 1, 0]
    with pytest.raises(ValueError, match=r"value 'z' that is not among its levels"):
        _categorical("arm", np.array(["a", "z", "b", "y"], dtype=object), ["a", "b"])
    with pytest.raises(ValueError, match=r"value 'y' that is not among"):
        _categorical("arm", np.array(["a", "y", "b", "z"], dtype=object), ["a", "b"])
