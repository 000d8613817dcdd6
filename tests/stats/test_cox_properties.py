"""Cox model properties (tier 3 and 4): an independent naive implementation and hypothesis.

* The score test of one binary covariate without tied times equals the log-rank statistic
  (both are the sum of hypergeometric O - E over its variance at beta = 0).
* Results do not depend on row order; stratified fits equal a naive per-stratum sum.
"""

from __future__ import annotations

import warnings

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from retrostudy.stats import cox_ph

try:  # written concurrently by another engineer; a naive version otherwise
    from retrostudy.stats import logrank_test
except ImportError:  # pragma: no cover
    logrank_test = None


def naive_logrank(time, event, group):
    o_e, var = 0.0, 0.0
    for t in np.unique(time[event == 1]):
        at_risk = time >= t
        n, n1 = at_risk.sum(), (at_risk & (group == 1)).sum()
        d = ((time == t) & (event == 1)).sum()
        d1 = ((time == t) & (event == 1) & (group == 1)).sum()
        o_e += d1 - d * n1 / n
        if n > 1:
            var += d * (n1 / n) * (1 - n1 / n) * (n - d) / (n - 1)
    return o_e**2 / var if var > 0 else np.nan


@st.composite
def untied(draw):
    n = draw(st.integers(6, 40))
    time = np.array(draw(st.lists(st.integers(1, 10_000), min_size=n, max_size=n, unique=True)),
                    float)
    event = np.array(draw(st.lists(st.integers(0, 1), min_size=n, max_size=n)))
    group = np.array(draw(st.lists(st.integers(0, 1), min_size=n, max_size=n)))
    return time, event, group


@settings(max_examples=60, deadline=None)
@given(untied())
def test_score_test_equals_logrank_without_ties(case):
    time, event, group = case
    if event.sum() == 0 or group.min() == group.max():
        return
    # both groups need an event-time risk set with both levels for a non-degenerate test
    expected = naive_logrank(time, event, group)
    if not np.isfinite(expected):
        return
    data = {"time": time, "event": event, "g": group.astype(float)}
    with warnings.catch_warnings():
        # the score test is at beta = 0; a monotone MLE (warned about) does not affect it
        warnings.simplefilter("ignore", RuntimeWarning)
        score = cox_ph(data, time="time", event="event", covariates=["g"]).score_test.statistic
    # atol: a statistic of ~0 comes out as exactly 0 in one and ~1e-32 in the other
    np.testing.assert_allclose(score, expected, rtol=1e-10, atol=1e-12)
    if logrank_test is not None:
        lr = logrank_test(time, event, group)
        np.testing.assert_allclose(score, lr.statistic, rtol=1e-10, atol=1e-12)


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 2**32 - 1), st.sampled_from(["efron", "breslow", "exact"]))
def test_row_order_invariance(seed, ties):
    rng = np.random.default_rng(seed)
    n = 30
    data = {"time": rng.integers(1, 12, n).astype(float), "event": rng.integers(0, 2, n),
            "x": rng.normal(size=n), "z": rng.normal(size=n)}
    data["event"][:3] = 1
    perm = rng.permutation(n)
    shuffled = {k: v[perm] for k, v in data.items()}
    a = cox_ph(data, time="time", event="event", covariates=["x", "z"], ties=ties)
    b = cox_ph(shuffled, time="time", event="event", covariates=["x", "z"], ties=ties)
    np.testing.assert_allclose(a.coef, b.coef, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(a.loglik, b.loglik, rtol=1e-12)
    np.testing.assert_allclose(a.concordance.estimate, b.concordance.estimate, rtol=1e-12)


def naive_efron_loglik(beta, time, event, x, strata):
    """Efron log partial likelihood by direct loops over strata and event times."""
    total = 0.0
    for s in np.unique(strata):
        m = strata == s
        t, e, xs = time[m], event[m], x[m]
        eta = xs @ beta
        for u in np.unique(t[e == 1]):
            risk = np.exp(eta[t >= u]).sum()
            dead = (t == u) & (e == 1)
            d, dsum = dead.sum(), np.exp(eta[dead]).sum()
            total += eta[dead].sum() - sum(np.log(risk - k / d * dsum) for k in range(d))
    return total


def test_stratified_loglik_against_naive_loops():
    rng = np.random.default_rng(11)
    n = 200
    data = {"time": rng.integers(1, 40, n).astype(float), "event": rng.integers(0, 2, n),
            "x": rng.normal(size=n), "z": rng.binomial(1, 0.4, n).astype(float),
            "s": rng.integers(0, 3, n)}
    fit = cox_ph(data, time="time", event="event", covariates=["x", "z"], strata="s")
    xm = np.column_stack([data["x"], data["z"]])
    naive = naive_efron_loglik(fit.coef, data["time"], data["event"], xm, data["s"])
    np.testing.assert_allclose(fit.loglik, naive, rtol=1e-12)
    np.testing.assert_allclose(fit.loglik_null, naive_efron_loglik(
        np.zeros(2), data["time"], data["event"], xm, data["s"]), rtol=1e-12)


def naive_concordance(time, event, lp):
    conc = disc = tied = 0.0
    for i in np.flatnonzero(event == 1):
        later = (time > time[i]) | ((time == time[i]) & (event == 0))
        conc += (lp[later] < lp[i]).sum()
        disc += (lp[later] > lp[i]).sum()
        tied += (lp[later] == lp[i]).sum()
    return (conc + tied / 2) / (conc + disc + tied)


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_concordance_against_naive_pairs(seed):
    rng = np.random.default_rng(seed)
    n = 60
    data = {"time": rng.integers(1, 15, n).astype(float), "event": rng.integers(0, 2, n),
            "x": rng.integers(0, 4, n).astype(float)}
    data["event"][:2] = 1
    fit = cox_ph(data, time="time", event="event", covariates=["x"])
    lp = data["x"] * fit.coef[0]
    expected = naive_concordance(data["time"], data["event"], lp)
    np.testing.assert_allclose(fit.concordance.estimate, expected, rtol=1e-12)
