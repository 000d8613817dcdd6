"""Doubly robust (AIPW) survival and RMST differences.

No R package on this machine computes this estimator, so the checks are: (1) with no
covariates it is the Kaplan-Meier curve of each arm exactly (an identity of the estimator,
Satten & Datta 2001), so also the unadjusted RMST difference; (2) an independent naive
implementation with explicit loops over patients and times on small data with ties;
(3) double robustness on simulated confounded data: right with a correct propensity model and
a wrong (covariate-free) outcome model, and with a wrong propensity model and a correct
outcome model, where the unadjusted difference is clearly biased.
"""

import numpy as np
import pytest

from retrostudy.stats import cox_ph, kaplan_meier, logistic_regression
from retrostudy.stats.aipw import aipw_survival


def _simulate(n, seed):
    rng = np.random.default_rng(seed)
    x1, x2 = rng.normal(size=n), (rng.random(n) < 0.4).astype(float)
    a = (rng.random(n) < 1 / (1 + np.exp(-(0.9 * x1 + 0.6 * x2 - 0.2)))).astype(float)
    lam = 0.1 * np.exp(0.7 * x1 + 0.6 * x2 - 0.5 * a)
    t = rng.exponential(1 / lam)
    c = rng.uniform(0, 30, n)
    return np.minimum(t, c), (t <= c).astype(float), a, np.column_stack([x1, x2])


def _truth(tau, landmark):
    rng = np.random.default_rng(0)
    x1, x2 = rng.normal(size=2_000_000), (rng.random(2_000_000) < 0.4)
    out = {}
    for a in (0, 1):
        lam = 0.1 * np.exp(0.7 * x1 + 0.6 * x2 - 0.5 * a)
        out[a] = (np.mean(np.exp(-lam * landmark)), np.mean((1 - np.exp(-lam * tau)) / lam))
    return out[1][0] - out[0][0], out[1][1] - out[0][1]


def test_without_covariates_it_is_kaplan_meier():
    rng = np.random.default_rng(4)
    n = 120
    t = rng.integers(1, 40, n).astype(float)  # integer days: ties of events and censorings
    e = (rng.random(n) < 0.6).astype(float)
    a = (rng.random(n) < 0.45).astype(float)
    none = np.zeros((n, 0))
    tau = float(min(t[a == 1].max(), t[a == 0].max()))
    res = aipw_survival(t, e, a, none, tau=tau, landmarks=[10, 20])
    for arm, curve in ((1, res.surv1), (0, res.surv0)):
        km = kaplan_meier(t[a == arm], e[a == arm])
        k = np.searchsorted(km.time, res.times, side="right") - 1
        expect = np.where(k >= 0, km.survival[np.maximum(k, 0)], 1.0)
        np.testing.assert_allclose(curve, expect, rtol=1e-12, atol=1e-14)
    r1 = kaplan_meier(t[a == 1], e[a == 1]).rmst(tau).estimate
    r0 = kaplan_meier(t[a == 0], e[a == 0]).rmst(tau).estimate
    assert res.rmst_diff == pytest.approx(r1 - r0, rel=1e-12)


def _naive(t, e, a, x, grid, tau):
    """Explicit loops: the formula of the module docstring, written independently."""
    n = t.size
    ps = logistic_regression(x, a, firth=False).fitted
    curves = {}
    for arm in (0, 1):
        pi = ps if arm == 1 else 1 - ps
        idx = [i for i in range(n) if a[i] == arm]
        fit = cox_ph({"t": t[idx], "e": e[idx], "x1": x[idx, 0], "x2": x[idx, 1]},
                     time="t", event="e", covariates=["x1", "x2"])
        beta = np.asarray(fit.coef)
        curve = []
        for g in grid:
            # censoring KM in the arm at g (events before censorings at a tied time)
            gk = 1.0
            for s in sorted({t[i] for i in idx if t[i] <= g}):
                at_risk = sum(1 for i in idx if t[i] >= s)
                d = sum(1 for i in idx if t[i] == s and e[i] == 1)
                c = sum(1 for i in idx if t[i] == s and e[i] == 0)
                if at_risk - d > 0:
                    gk *= 1 - c / (at_risk - d)
            # Breslow cumulative baseline hazard in the arm at g
            lam0 = 0.0
            for s in sorted({t[i] for i in idx if t[i] <= g and e[i] == 1}):
                d = sum(1 for i in idx if t[i] == s and e[i] == 1)
                lam0 += d / sum(np.exp(x[i] @ beta) for i in idx if t[i] >= s)
            total = 0.0
            for i in range(n):
                ind = 1.0 if a[i] == arm else 0.0
                surv_i = np.exp(-lam0 * np.exp(x[i] @ beta))
                total += ind / pi[i] * (t[i] > g) / gk - (ind - pi[i]) / pi[i] * surv_i
            curve.append(total / n)
        curves[arm] = np.array(curve)
    width = np.diff(np.append(grid, tau))
    return curves[1], curves[0], curves[1] @ width - curves[0] @ width


def test_matches_naive_loops():
    rng = np.random.default_rng(12)
    n = 70
    x = np.column_stack([rng.normal(size=n), (rng.random(n) < 0.5).astype(float)])
    a = (rng.random(n) < 1 / (1 + np.exp(-x[:, 0]))).astype(float)
    t = rng.integers(1, 25, n).astype(float)
    e = (rng.random(n) < 0.7).astype(float)
    tau = 15.0
    res = aipw_survival(t, e, a, x, tau=tau, landmarks=[6, 15])
    s1, s0, rd = _naive(t, e, a, x, res.times, tau)
    np.testing.assert_allclose(res.surv1, s1, rtol=1e-11)
    np.testing.assert_allclose(res.surv0, s0, rtol=1e-11)
    assert res.rmst_diff == pytest.approx(rd, rel=1e-11)
    k = np.searchsorted(res.times, 6, side="right") - 1
    assert res.surv_diff[0] == pytest.approx(s1[k] - s0[k], rel=1e-11)


def test_doubly_robust_on_confounded_data():
    t, e, a, x = _simulate(4000, seed=5)
    tau, lm = 10.0, 5.0
    true_s, true_r = _truth(tau, lm)
    none = np.zeros((t.size, 0))
    crude = aipw_survival(t, e, a, none, tau=tau, landmarks=[lm])
    ps_right = aipw_survival(t, e, a, x, none, tau=tau, landmarks=[lm])
    out_right = aipw_survival(t, e, a, none, x, tau=tau, landmarks=[lm])
    both = aipw_survival(t, e, a, x, tau=tau, landmarks=[lm])
    assert abs(crude.rmst_diff - true_r) > 0.6  # confounding: the crude difference is off
    assert abs(crude.surv_diff[0] - true_s) > 0.06
    for res in (ps_right, out_right, both):
        assert abs(res.rmst_diff - true_r) < 0.25
        assert abs(res.surv_diff[0] - true_s) < 0.025


def test_bootstrap_is_seeded_and_brackets_the_estimate():
    t, e, a, x = _simulate(300, seed=8)
    r1 = aipw_survival(t, e, a, x, tau=8.0, landmarks=[4], n_resamples=15, seed=3)
    r2 = aipw_survival(t, e, a, x, tau=8.0, landmarks=[4], n_resamples=15, seed=3)
    assert r1.rmst_diff_ci == r2.rmst_diff_ci and r1.n_resamples == 15
    lo, hi = r1.rmst_diff_ci
    assert lo < r1.rmst_diff < hi
    (slo, shi), = r1.surv_diff_ci
    assert slo < r1.surv_diff[0] < shi


def test_tau_beyond_follow_up_is_refused():
    t, e, a, x = _simulate(100, seed=1)
    with pytest.raises(ValueError, match="last follow-up"):
        aipw_survival(t, e, a, x, tau=1e6)
