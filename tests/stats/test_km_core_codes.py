"""sorted_codes (the object-label path of factorize) equals np.unique(..., return_inverse)."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from retrostudy.stats._km_core import sorted_codes


@given(st.one_of(st.lists(st.text(max_size=3), max_size=40),
                 st.lists(st.integers(-5, 5), max_size=40)))
def test_sorted_codes_is_np_unique(values):
    arr = np.empty(len(values), dtype=object)
    arr[:] = values
    levels, codes = sorted_codes(arr)
    want_levels, want_codes = np.unique(arr, return_inverse=True)
    assert levels.tolist() == want_levels.tolist()
    np.testing.assert_array_equal(codes, want_codes.reshape(-1))


def test_sorted_codes_refuses_what_does_not_compare():
    with pytest.raises(TypeError):
        sorted_codes(np.array(["a", 1], dtype=object))
