"""Kaplan–Meier and log-rank against a deliberately naive implementation (tier 3).

The reference below loops over distinct times and rows, recomputes the risk set from
scratch each time and uses the product-limit and hypergeometric formulas directly,
so it shares no code path (no bincount, no cumulative sums) with the package.
"""

import numpy as np
import pytest

from retrostudy.stats import kaplan_meier, logrank_test


def naive_km(time, event, weights):
    out = {"time": [], "n_at_risk": [], "n_events": [], "survival": [], "var_log": []}
    s, v = 1.0, 0.0
    for t in sorted(set(time.tolist())):
        at_risk = sum(w for ti, w in zip(time, weights, strict=True) if ti >= t)
        dead = sum(w for ti, ei, w in zip(time, event, weights, strict=True) if ti == t and ei)
        s *= 1 - dead / at_risk
        if dead:
            v = v + dead / (at_risk * (at_risk - dead)) if at_risk > dead else np.inf
        for key, val in zip(out, (t, at_risk, dead, s, v), strict=True):
            out[key].append(val)
    return {k: np.array(v) for k, v in out.items()}


def naive_logrank(time, event, group):
    levels = sorted(set(group.tolist()))
    k = len(levels)
    o, e, var = np.zeros(k), np.zeros(k), np.zeros((k, k))
    for t in sorted(set(time[event == 1].tolist())):
        risk = np.array([np.sum((time >= t) & (group == g)) for g in levels], float)
        dead = np.array([np.sum((time == t) & (event == 1) & (group == g)) for g in levels])
        n, d = risk.sum(), dead.sum()
        o += dead
        e += d * risk / n
        if n > 1:
            for a in range(k):
                for b in range(k):
                    var[a, b] += d * (n - d) / (n - 1) * risk[a] / n * ((a == b) - risk[b] / n)
    diff = (o - e)[1:]
    return o, e, var, float(diff @ np.linalg.inv(var[1:, 1:]) @ diff)


def problem(seed, integer):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(5, 80))
    time = rng.exponential(30, n)
    time = np.floor(time) if integer else time
    event = (rng.random(n) < 0.7).astype(int)
    group = rng.integers(0, 3, n)
    return time, event, group, rng


@pytest.mark.parametrize("integer", [True, False], ids=["integer-days", "continuous"])
@pytest.mark.parametrize("seed", range(12))
def test_km_matches_naive(seed, integer):
    time, event, _, rng = problem(seed, integer)
    weights = rng.integers(1, 4, time.shape[0]).astype(float) if seed % 2 else None
    ref = naive_km(time, event, np.ones_like(time) if weights is None else weights)
    km = kaplan_meier(time, event, weights=weights)
    for key in ("time", "n_at_risk", "n_events", "survival"):
        np.testing.assert_allclose(getattr(km, key), ref[key], rtol=1e-12)
    with np.errstate(invalid="ignore"):
        se = ref["survival"] * np.sqrt(ref["var_log"])
    np.testing.assert_allclose(km.std_err, se, rtol=1e-12)


@pytest.mark.parametrize("integer", [True, False], ids=["integer-days", "continuous"])
@pytest.mark.parametrize("seed", range(12))
def test_logrank_matches_naive(seed, integer):
    time, event, group, _ = problem(seed, integer)
    if len(set(group.tolist())) < 2 or not event.any():
        pytest.skip("degenerate draw")
    o, e, var, stat = naive_logrank(time, event, group)
    r = logrank_test(time, event, group)
    np.testing.assert_allclose(r.observed, o, rtol=1e-12)
    np.testing.assert_allclose(r.expected, e, rtol=1e-12)
    np.testing.assert_allclose(r.variance, var, rtol=1e-10, atol=1e-12)
    assert r.statistic == pytest.approx(stat, rel=1e-9)


def test_paths_agree_on_large_integer_times():
    """Integer days beyond the bincount limit go through the sorted path, same numbers."""
    rng = np.random.default_rng(7)
    time = np.floor(rng.exponential(200, 500))
    event = rng.integers(0, 2, 500)
    small = kaplan_meier(time, event)
    shifted = kaplan_meier(time + 10**7, event)  # max time far above 4 n: sorted path
    np.testing.assert_allclose(shifted.survival, small.survival, rtol=1e-15)
    np.testing.assert_allclose(shifted.std_err, small.std_err, rtol=1e-15)
    np.testing.assert_array_equal(shifted.time - 10**7, small.time)
    as_int = kaplan_meier((time + 10**7).astype(np.int64), event)  # integer dtype, same path
    np.testing.assert_array_equal(as_int.time, shifted.time)
    np.testing.assert_array_equal(as_int.survival, shifted.survival)


def test_weighted_robust_same_on_bincount_and_sort_paths():
    """Non-integer weights (robust IJ variance) give the same curve on both counting paths."""
    rng = np.random.default_rng(11)
    time = np.floor(rng.exponential(50, 300))
    event = rng.integers(0, 2, 300)
    weights = rng.uniform(0.2, 3.0, 300)
    by_day = kaplan_meier(time, event, weights=weights)  # integer times: bincount
    shifted = kaplan_meier(time + 0.5, event, weights=weights)  # floats: argsort
    assert by_day.variance == shifted.variance == "robust"
    np.testing.assert_array_equal(shifted.time - 0.5, by_day.time)
    for field in ("n_at_risk", "n_events", "survival", "std_err", "conf_low", "conf_high"):
        np.testing.assert_allclose(getattr(shifted, field), getattr(by_day, field), rtol=1e-12)
