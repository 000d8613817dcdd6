"""The shared tabulation (``survival_table``) gives, number for number, the results of the
separate calls it replaces: the pooled and per-group Kaplan-Meier curves and the log-rank
test. Random data that is not a study: integer days (the bincount path), continuous times
(the sorted path), string and integer group labels, three groups, heavy ties."""

from __future__ import annotations

import numpy as np
import pytest

from retrostudy.stats import kaplan_meier, logrank_test, survival_table

FIELDS = ("time", "n_at_risk", "n_events", "n_censored", "survival", "std_err", "conf_low",
          "conf_high")


def _data(kind: str, n: int = 3000, k: int = 3, seed: int = 11):
    rng = np.random.default_rng(seed)
    group = rng.integers(0, k, n)
    t = rng.exponential(200.0 * (1 + 0.3 * group))
    c = rng.exponential(400.0, n)
    time = np.minimum(t, c)
    event = (t <= c).astype(np.int8)
    if kind == "days":
        time = np.ceil(time).astype(np.int64)
    labels = np.array(["arm B", "arm A", "arm C"])[group] if kind == "days" else group
    return time, event, labels


def _same_curve(a, b):
    for f in FIELDS:
        np.testing.assert_array_equal(getattr(a, f), getattr(b, f), err_msg=f)


@pytest.mark.parametrize("kind", ["days", "continuous"])
def test_table_equals_the_separate_calls(kind):
    time, event, group = _data(kind)
    tab = survival_table(time, event, group)
    _same_curve(tab.kaplan_meier(conf_type="log-log"), kaplan_meier(time, event,
                                                                      conf_type="log-log"))
    for level in np.unique(group):
        rows = group == level
        _same_curve(tab.kaplan_meier(level), kaplan_meier(time[rows], event[rows]))
    for rho in (0.0, 1.0):
        ours, ref = tab.logrank(rho=rho), logrank_test(time, event, group, rho=rho)
        assert ours.statistic == ref.statistic and ours.df == ref.df
        np.testing.assert_array_equal(ours.expected, ref.expected)
        np.testing.assert_array_equal(ours.variance, ref.variance)
        np.testing.assert_array_equal(ours.n, ref.n)
        assert ours.groups.tolist() == ref.groups.tolist()


def test_table_errors_name_the_problem():
    time, event, group = _data("days", n=200)
    tab = survival_table(time, event, group)
    with pytest.raises(ValueError, match="not among the groups"):
        tab.kaplan_meier("arm Z")
    one = survival_table(time, event, np.zeros(200, int))
    with pytest.raises(ValueError, match="single level"):
        one.logrank()
    with pytest.raises(ValueError, match="time must be >= 0"):
        survival_table(np.r_[-1, time[1:]], event, group)
