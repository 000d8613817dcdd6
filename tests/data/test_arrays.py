"""retrostudy.data.arrays: the packed-key sort is np.lexsort."""

import numpy as np

from retrostudy.data.arrays import sort_order


def test_sort_order_is_lexsort():
    rng = np.random.default_rng(5)
    a, b, c = rng.integers(-3, 4, 500), rng.integers(0, 2, 500), rng.integers(-10**6, 10**6, 500)
    np.testing.assert_array_equal(sort_order(a, b, c), np.lexsort((c, b, a)))
    wide = rng.integers(-2**40, 2**40, 500)  # 3 + 1 + 41 + 41 bits: too wide to pack
    np.testing.assert_array_equal(sort_order(a, b, wide, wide), np.lexsort((wide, wide, b, a)))
    assert sort_order(np.zeros(0, np.int64)).size == 0
    np.testing.assert_array_equal(sort_order(np.ones(4, np.int64)), np.arange(4))
