"""Properties of the Kaplan–Meier curve and the log-rank test (tier 4, hypothesis)."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from retrostudy.stats import kaplan_meier, logrank_test

rows = st.lists(
    st.tuples(
        st.integers(0, 40) | st.floats(0, 100, allow_nan=False, allow_infinity=False),
        st.booleans(),
        st.sampled_from(["a", "b", "c"]),
    ),
    min_size=1,
    max_size=60,
)


def arrays(data):
    time = np.array([r[0] for r in data], dtype=float)
    event = np.array([r[1] for r in data], dtype=int)
    group = np.array([r[2] for r in data])
    return time, event, group


def logrank_or_none(time, event, group):
    """The log-rank result, or None when no test exists (one group, no events, singular)."""
    if len(set(group.tolist())) < 2 or not event.any():
        return None
    res = logrank_test(time, event, group)
    if res.not_estimable:
        assert "singular" in res.not_estimable or "single group" in res.not_estimable
        assert np.isnan(res.p_value)
        return None
    return res


@settings(max_examples=150, deadline=None)
@given(rows)
def test_survival_in_unit_interval_and_non_increasing(data):
    time, event, _ = arrays(data)
    km = kaplan_meier(time, event)
    assert np.all((km.survival >= 0) & (km.survival <= 1))
    assert np.all(np.diff(km.survival) <= 0)
    assert np.all(np.diff(km.time) > 0)
    assert km.n_at_risk[0] == time.shape[0]
    ok = ~np.isnan(km.conf_low)
    assert np.all(km.conf_low[ok] <= km.survival[ok] + 1e-12)
    assert np.all(km.conf_high[ok] >= km.survival[ok] - 1e-12)


@settings(max_examples=100, deadline=None)
@given(rows, st.randoms(use_true_random=False))
def test_row_order_does_not_matter(data, rnd):
    time, event, group = arrays(data)
    order = np.array(rnd.sample(range(time.shape[0]), time.shape[0]))
    a, b = kaplan_meier(time, event), kaplan_meier(time[order], event[order])
    for field in ("time", "survival", "std_err", "conf_low", "conf_high", "n_at_risk"):
        np.testing.assert_array_equal(getattr(a, field), getattr(b, field))
    x = logrank_or_none(time, event, group)
    if x is not None:
        y = logrank_test(time[order], event[order], group[order])
        np.testing.assert_allclose(y.statistic, x.statistic, rtol=1e-9, atol=1e-12)


@settings(max_examples=100, deadline=None)
@given(rows)
def test_logrank_unchanged_by_relabelling_groups(data):
    time, event, group = arrays(data)
    x = logrank_or_none(time, event, group)
    if x is None:
        return
    relabel = {"a": 7, "b": 3, "c": 5}
    y = logrank_test(time, event, np.array([relabel[g] for g in group]))
    np.testing.assert_allclose(y.statistic, x.statistic, rtol=1e-9, atol=1e-12)
    assert y.df == x.df
    moved = [sorted(relabel[g] for g in x.groups).index(relabel[g]) for g in x.groups]
    np.testing.assert_allclose(y.observed[moved], x.observed, rtol=1e-12)
    np.testing.assert_allclose(y.expected[moved], x.expected, rtol=1e-12)
