"""Kaplan–Meier and log-rank on a tiny dataset, derived by hand (tier 1).

The data follow therneau/survival tests/book1.R: seven unsorted rows with ties, one of
them with a missing status, which R drops and we refuse (the caller drops it). Sorted,
the six usable rows are 1+, 1, 6, 6, 8+, 9 ("+" censored); group x is 1, 1, 1, 0, 0, 0
for the rows 1, 1+, 6, 6, 8+, 9.
"""

from fractions import Fraction as F
from math import sqrt

import numpy as np
import pytest
from scipy.stats import chi2

from retrostudy.stats import kaplan_meier, logrank_test

TIME = np.array([9, 3, 1, 1, 6, 6, 8])
STATUS = np.array([1, np.nan, 1, 0, 1, 1, 0])
X = np.array([0, 2, 1, 1, 1, 0, 0])
OK = ~np.isnan(STATUS)
T, E, G = TIME[OK], STATUS[OK], X[OK]


def test_missing_status_is_refused():
    with pytest.raises(ValueError, match=r"event has missing values at positions \[1\]"):
        kaplan_meier(TIME, STATUS)


def test_curve():
    km = kaplan_meier(T, E)
    assert km.time.tolist() == [1, 6, 8, 9]
    assert km.n_at_risk.tolist() == [6, 4, 2, 1]
    assert km.n_events.tolist() == [1, 2, 0, 1]
    assert km.n_censored.tolist() == [1, 0, 1, 0]
    s = [F(5, 6), F(5, 12), F(5, 12), F(0)]
    np.testing.assert_allclose(km.survival, [float(v) for v in s], rtol=1e-15)
    var_log = [F(1, 30), F(1, 30) + F(2, 8)]  # d / (Y (Y - d))
    se = [float(s[0]) * sqrt(var_log[0]), float(s[1]) * sqrt(var_log[1])]
    np.testing.assert_allclose(km.std_err, se + se[1:] + [np.nan], rtol=1e-14)
    assert km.variance == "greenwood" and km.conf_type == "log" and km.conf_level == 0.95


def test_log_band():
    km = kaplan_meier(T, E)
    z = 1.959963984540054
    low = [5 / 6 * np.exp(-z * sqrt(1 / 30)), 5 / 12 * np.exp(-z * sqrt(17 / 60))]
    np.testing.assert_allclose(km.conf_low[:2], low, rtol=1e-13)
    assert km.conf_high[:2].tolist() == [1.0, 1.0]  # capped at 1
    assert np.isnan(km.conf_low[3]) and np.isnan(km.conf_high[3])  # S = 0


def test_quantiles_and_rmst():
    km = kaplan_meier(T, E)
    assert km.median().estimate == 6  # 1 - S jumps from 1/6 to 7/12 at 6
    assert km.quantile(0.25).estimate == 6
    assert km.quantile(0.75).estimate == 9
    r = km.rmst(9)
    assert r.estimate == pytest.approx(float(F(77, 12)), rel=1e-15)
    var = F(65, 12) ** 2 * F(1, 30) + F(5, 4) ** 2 * F(1, 4)  # areas after t=1 and t=6
    assert r.std_err == pytest.approx(sqrt(var), rel=1e-14)


def test_midpoint_rule_on_flat_segment():
    # S = 1/2 exactly on [1, 3): the median is the midpoint 2, as R's quantile.survfit;
    # S = 1/4 on [3, 4] to the end of the curve: the 0.75 quantile is (3 + 4) / 2.
    km = kaplan_meier([3, 1, 4, 1], [1, 1, 0, 1])
    assert km.survival.tolist() == [0.5, 0.25, 0.25]
    assert km.median().estimate == 2.0
    assert km.quantile(0.75).estimate == 3.5


def test_at_between_and_after_times():
    at = kaplan_meier(T, E).at([0, 3, 6, 8.5, 20])
    np.testing.assert_allclose(at.survival, [1, 5 / 6, 5 / 12, 5 / 12, 0])
    assert at.n_at_risk.tolist() == [6, 4, 4, 1, 0]


def test_logrank_by_hand():
    r = logrank_test(T, E, G)
    assert r.groups.tolist() == [0, 1]
    np.testing.assert_allclose(r.observed, [2, 2])
    np.testing.assert_allclose(r.expected, [3, 1])
    np.testing.assert_allclose(r.variance, [[0.5, -0.5], [-0.5, 0.5]])
    assert r.statistic == pytest.approx(2.0, rel=1e-14)
    assert r.df == 1 and r.p_value == pytest.approx(chi2.sf(2.0, 1), rel=1e-14)


def test_peto_peto_by_hand():
    r = logrank_test(T, E, G, rho=1)  # weights S(t-) = 1, 5/6, 5/12 at t = 1, 6, 9
    np.testing.assert_allclose(r.observed, [float(F(5, 4)), float(F(11, 6))], rtol=1e-15)
    np.testing.assert_allclose(r.expected[1], float(F(11, 12)), rtol=1e-15)
    assert r.variance[1, 1] == pytest.approx(float(F(61, 144)), rel=1e-14)
    assert r.statistic == pytest.approx(121 / 61, rel=1e-14)


def test_timefix_merges_floating_point_ties_as_r():
    # 0.1 + 0.2 != 0.3 in binary floating point; R's aeqSurv treats them as one time.
    km = kaplan_meier([0.1 + 0.2, 0.3, 1.0], [1, 1, 0])
    assert km.time.tolist() == [0.3, 1.0] and km.n_events.tolist() == [2, 0]
    assert km.timefix
    raw = kaplan_meier([0.1 + 0.2, 0.3, 1.0], [1, 1, 0], timefix=False)
    assert raw.time.tolist() == [0.3, 0.1 + 0.2, 1.0] and not raw.timefix


@pytest.mark.parametrize("module", ["retrostudy.stats.km", "retrostudy.stats.logrank"])
def test_docstring_examples(module):
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(module))
    assert result.failed == 0 and result.attempted > 0
