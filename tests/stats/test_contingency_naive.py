"""The r x c Fisher network algorithm against a naive enumeration (tier 3).

The naive version is written differently on purpose: it lists every table with the observed
margins by recursion, cell by cell, and sums exact rational probabilities
prod(R!) prod(C!) / (N! prod(x!)) of those no more probable than the observed table.
Seeded random tables from 2x2 to 4x4.
"""

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from retrostudy.stats import chisq_test, fisher_test


def tables_with_margins(rows, cols):
    """Yield every non-negative integer table with these row and column totals."""
    rows, cols = list(rows), list(cols)
    if len(rows) == 1:
        yield [cols]
        return
    first, rest = rows[0], rows[1:]

    def fill(j, left, cols_left, acc):
        if j == len(cols) - 1:
            if left <= cols_left[j]:
                yield acc + [left]
            return
        for v in range(min(left, cols_left[j]) + 1):
            yield from fill(j + 1, left - v, cols_left, acc + [v])

    for row in fill(0, first, cols, []):
        remaining = [c - v for c, v in zip(cols, row, strict=True)]
        for sub in tables_with_margins(rest, remaining):
            yield [row] + sub


def naive_fisher(table) -> float:
    t = np.asarray(table)
    rows, cols = t.sum(axis=1).tolist(), t.sum(axis=0).tolist()
    const = Fraction(
        math.prod(math.factorial(r) for r in rows) * math.prod(math.factorial(c) for c in cols),
        math.factorial(int(t.sum())),
    )

    def prob(tab):
        return const / math.prod(math.factorial(v) for row in tab for v in row)

    p_obs = prob(t.tolist())
    return float(sum(p for tab in tables_with_margins(rows, cols) if (p := prob(tab)) <= p_obs))


def random_tables():
    rng = np.random.default_rng(20261124)
    out = []
    for shape in [(2, 2), (2, 3), (2, 4), (3, 3), (2, 5), (3, 4), (4, 4)]:
        for _ in range(4):
            n = int(rng.integers(4, 22))
            p = rng.dirichlet(np.full(shape[0] * shape[1], 1.5))
            out.append(rng.multinomial(n, p).reshape(shape))
    return out


@pytest.mark.parametrize("table", random_tables(), ids=lambda t: f"{t.shape}-n{t.sum()}")
def test_network_algorithm_equals_naive_enumeration(table):
    expected = naive_fisher(table)
    assert fisher_test(table).p_value == pytest.approx(expected, rel=1e-9)


small_table = st.integers(2, 3).flatmap(
    lambda r: st.integers(2, 4).flatmap(
        lambda c: st.lists(st.integers(0, 6), min_size=r * c, max_size=r * c).map(
            lambda v: np.array(v).reshape(r, c)
        )
    )
)


@settings(max_examples=60, deadline=None)
@given(small_table)
def test_fisher_invariant_to_transpose_and_permutation(table):
    p = fisher_test(table).p_value
    assert 0 <= p <= 1
    rng = np.random.default_rng(int(table.sum()))
    shuffled = table[rng.permutation(table.shape[0])][:, rng.permutation(table.shape[1])]
    assert fisher_test(table.T).p_value == pytest.approx(p, rel=1e-9, abs=1e-15)
    assert fisher_test(shuffled).p_value == pytest.approx(p, rel=1e-9, abs=1e-15)


@settings(max_examples=60, deadline=None)
@given(small_table.filter(lambda t: (t.sum(axis=0) > 0).all() and (t.sum(axis=1) > 0).all()))
def test_chisq_invariant_to_transpose(table):
    a, b = chisq_test(table), chisq_test(table.T)
    assert a.statistic == pytest.approx(b.statistic, rel=1e-12, abs=1e-14)
    assert a.df == b.df


def test_fill_counts_match_the_listed_fills():
    from retrostudy.stats._fisher_rxc import _column_fills, _count_fills

    rng = np.random.default_rng(3)
    nodes = np.sort(rng.integers(0, 15, size=(40, 4)), axis=1)
    for kappa in (0, 3, 10, 25):
        node, _ = _column_fills(nodes, kappa)
        np.testing.assert_array_equal(np.bincount(node, minlength=40), _count_fills(nodes, kappa))
