"""wilcoxon_test and kruskal_test: by hand, brute-force null counts, properties (tiers 1, 3, 4)."""

import math
from itertools import combinations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from retrostudy.stats import kruskal_test, wilcoxon_test
from retrostudy.stats.ranks import wilcoxon_null_counts


def test_exact_by_hand():
    # Pooled order 0.4 1.7 2.2 3.1 4.1 5.0 6.3: x has ranks 4, 1, 3, so W = 8 - 6 = 2.
    # Of the C(7, 3) = 35 rank sets, W = 0, 1, 2 in 1, 1, 2: p = 2 * 4/35.
    r = wilcoxon_test([3.1, 0.4, 2.2], [5.0, 4.1, 1.7, 6.3])
    assert r.statistic == 2
    assert r.p_value == pytest.approx(8 / 35, rel=1e-14)
    assert r.method == "Wilcoxon rank sum exact test"
    assert wilcoxon_test([3.1, 0.4, 2.2], [5.0, 4.1, 1.7, 6.3], alternative="less").p_value == (
        pytest.approx(4 / 35, rel=1e-14)
    )


def test_normal_approximation_with_ties_by_hand():
    # Pooled 1 2 2 2 3 3 4, mid-ranks 1 3 3 3 5.5 5.5 7; x = (1, 2, 2): W = 7 - 6 = 1,
    # W - nx ny / 2 = -5. Ties of sizes 3 and 2: sum(t^3 - t) = 30,
    # sigma^2 = (12 / 12) (8 - 30 / 42) = 51 / 7; corrected z = -4.5 / sqrt(51 / 7).
    r = wilcoxon_test([1, 2, 2], [2, 3, 3, 4])
    z = -4.5 / math.sqrt(51 / 7)
    assert r.statistic == 1 and r.ties and not r.exact and r.correct
    assert r.p_value == pytest.approx(math.erfc(-z / math.sqrt(2)), rel=1e-12)
    assert r.method == "Wilcoxon rank sum test with continuity correction"


def test_exact_requested_with_ties_falls_back_like_r():
    with pytest.warns(UserWarning, match="^cannot compute exact p-value with ties$"):
        r = wilcoxon_test([1, 2, 2], [2, 3, 3, 4], exact=True)
    assert not r.exact


def test_fifty_or_more_uses_the_normal_approximation():
    rng = np.random.default_rng(7)
    r = wilcoxon_test(rng.normal(size=50), rng.normal(size=10))
    assert not r.exact and r.method.endswith("with continuity correction")


@pytest.mark.parametrize(("nx", "ny"), [(1, 1), (2, 3), (4, 4), (3, 6), (6, 2)])
def test_null_counts_equal_brute_force(nx, ny):
    n = nx + ny
    brute = np.zeros(nx * ny + 1)
    for ranks in combinations(range(1, n + 1), nx):
        brute[sum(ranks) - nx * (nx + 1) // 2] += 1
    np.testing.assert_array_equal(wilcoxon_null_counts(nx, ny), brute)
    assert wilcoxon_null_counts(nx, ny).sum() == math.comb(n, nx)


def test_kruskal_with_two_groups_is_uncorrected_wilcoxon_squared():
    x, y = [1.0, 2.0, 2.0, 5.0, 7.0], [2.0, 3.0, 3.0, 4.0, 8.0, 9.0]
    w = wilcoxon_test(x, y, exact=False, correct=False)
    k = kruskal_test(x, y)
    assert k.p_value == pytest.approx(w.p_value, rel=1e-12)
    assert k.df == 1 and k.n == (5, 6) and k.ties


samples = st.lists(st.integers(0, 12), min_size=1, max_size=15)


@settings(max_examples=80, deadline=None)
@given(samples, samples)
def test_swapping_samples_mirrors_w(x, y):
    if len(set(x) | set(y)) < 2:
        return
    a, b = wilcoxon_test(x, y), wilcoxon_test(y, x)
    assert a.statistic + b.statistic == len(x) * len(y)
    assert a.p_value == pytest.approx(b.p_value, rel=1e-12)
    assert 0 < a.p_value <= 1


@settings(max_examples=50, deadline=None)
@given(st.lists(samples, min_size=2, max_size=4))
def test_kruskal_invariant_to_group_order(groups):
    if len({v for g in groups for v in g}) < 2:
        return
    a, b = kruskal_test(*groups), kruskal_test(*groups[::-1])
    assert a.statistic == pytest.approx(b.statistic, rel=1e-12, abs=1e-12)
