"""chisq_test and fisher_test: hand-derived values and the seed paper (tier 1).

Hypergeometric probabilities are written as fractions. The seed paper's p-values (docs/sources.md,
"The model study") come from its printed counts with Pearson's chi-square without continuity
correction, which is what the paper must have used.
"""

import math
from fractions import Fraction

import numpy as np
import pytest

from retrostudy.stats import chisq_test, fisher_test


@pytest.mark.parametrize(
    ("row", "table", "expected"),
    [
        ("TRR", [[2, 16], [6, 18]], 0.2566),
        ("DCR", [[3, 15], [15, 9]], 0.0030),
        ("ECOG", [[13, 5, 0], [13, 10, 1]], 0.3971),
        ("visceral", [[13, 5], [18, 6]], 0.8394),
        ("HR status", [[11, 7], [10, 14]], 0.2123),
    ],
)
def test_seed_p_values_from_printed_counts(row, table, expected):
    assert round(chisq_test(table, correct=False).p_value, 4) == expected


def test_seed_hr_status_p_is_not_reproducible():
    """The seed printed p = 0.4740 for HR+ 11/18 vs 10/24. No standard test gives it from
    the printed counts: uncorrected 0.2123, Yates 0.3496, Fisher 0.3499 (docs/sources.md)."""
    table = [[11, 7], [10, 14]]
    candidates = {
        round(chisq_test(table, correct=False).p_value, 4),
        round(chisq_test(table, correct=True).p_value, 4),
        round(fisher_test(table).p_value, 4),
    }
    assert candidates == {0.2123, 0.3496, 0.3499}
    assert 0.4740 not in candidates


def test_seed_ecog_min_expected_below_5_would_switch_default_to_fisher():
    r = chisq_test([[13, 5, 0], [13, 10, 1]], correct=False)
    assert r.min_expected == pytest.approx(18 / 42)
    assert round(fisher_test([[13, 5, 0], [13, 10, 1]]).p_value, 4) == 0.4202


def test_chisq_uncorrected_2x2_closed_form():
    # X2 = N (ad - bc)^2 / (R1 R2 C1 C2) = 42 * 60^2 / (18 * 24 * 8 * 34)
    r = chisq_test([[2, 16], [6, 18]], correct=False)
    assert r.statistic == pytest.approx(float(Fraction(42 * 3600, 18 * 24 * 8 * 34)), rel=1e-14)
    assert r.df == 1 and not r.correct


def test_yates_subtracts_at_most_the_deviation():
    # E11 = 100/21, |O - E| = 5/21 < 0.5: R subtracts 5/21, not 0.5, so X2 = 0 and p = 1.
    r = chisq_test([[5, 5], [5, 6]], correct=True)
    assert r.correct
    assert r.statistic == pytest.approx(0.0, abs=1e-15)
    assert r.p_value == pytest.approx(1.0)


def test_yates_is_not_applied_beyond_2x2():
    table = [[10, 20, 30], [15, 25, 5]]
    a, b = chisq_test(table, correct=True), chisq_test(table, correct=False)
    assert not a.correct and a.statistic == b.statistic
    assert a.method == "Pearson's Chi-squared test"


def test_fisher_2x2_by_hand():
    # Margins 4/4, 4/4: P(x) = C(4,x)^2 / 70 = 1, 16, 36, 16, 1 (/70); observed x = 3.
    table = [[3, 1], [1, 3]]
    assert fisher_test(table).p_value == pytest.approx(34 / 70, rel=1e-14)
    assert fisher_test(table, alternative="greater").p_value == pytest.approx(17 / 70, rel=1e-14)
    assert fisher_test(table, alternative="less").p_value == pytest.approx(69 / 70, rel=1e-14)
    assert fisher_test(table).statistic == pytest.approx(16 / 70, rel=1e-14)


def test_fisher_2x2_mle_solves_the_conditional_mean():
    # The estimate psi solves E_psi(X) = x for the noncentral hypergeometric, to R's tolerance.
    table = np.array([[3, 15], [15, 9]])
    psi = fisher_test(table).estimate
    support = np.arange(0, 19)
    w = np.array([math.comb(18, x) * math.comb(24, 18 - x) for x in support], float)
    w *= psi**support
    assert (support * w).sum() / w.sum() == pytest.approx(3, abs=1e-3)


def test_fisher_2x2_boundaries():
    r = fisher_test([[4, 0], [0, 5]])
    assert r.estimate == math.inf and r.conf_high == math.inf
    r = fisher_test([[0, 5], [6, 3]])
    assert r.estimate == 0 and r.conf_low == 0


def test_fisher_rxc_by_hand():
    # Margins rows (2, 2), columns (2, 1, 1): P = 1 / (3 prod x!), so the four tables have
    # 1/6, 1/3, 1/3, 1/6. Observed [[2,0,0],[0,1,1]] has 1/6: p = 1/6 + 1/6.
    r = fisher_test([[2, 0, 0], [0, 1, 1]])
    assert r.p_value == pytest.approx(1 / 3, rel=1e-14)
    assert r.statistic == pytest.approx(1 / 6, rel=1e-14)


def test_fisher_rxc_equal_probabilities_count_as_extreme():
    # Every table here ties with the observed one on its mirror image; the tolerance keeps both.
    assert fisher_test([[2, 2, 2], [2, 2, 2]]).p_value == 1.0
    assert fisher_test([[0, 0, 0], [3, 4, 5]]).p_value == 1.0


def test_fisher_rxc_empty_column_is_dropped():
    a = fisher_test([[3, 0, 4], [5, 0, 1]]).p_value
    assert a == pytest.approx(fisher_test([[3, 4], [5, 1]]).p_value, rel=1e-12)
