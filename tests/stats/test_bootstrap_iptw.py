"""Vectorised IPTW bootstrap against the one-resample-at-a-time loop.

The full-sample estimates must equal ``cox_ph(weights=w)`` and the weighted Kaplan-Meier RMST
(both checked against R elsewhere), and a resample must equal the same analysis run on the
expanded rows ``df[i, ]`` of that resample -- the loop R's ``boot`` would run -- including
Efron's handling of the repeated (tied) rows. Agreement is to 1e-7 relative: the loop refits
the propensity model with R glm's convergence rule (relative deviance change < 1e-8) while
the vectorised fit iterates until the steps are below 1e-10.
"""

import numpy as np
import pytest

from retrostudy.stats import cox_ph, kaplan_meier, logistic_regression, ps_weights
from retrostudy.stats.bootstrap import bootstrap_iptw


def _data(n=400, seed=2):
    rng = np.random.default_rng(seed)
    x = np.column_stack([rng.normal(size=n), rng.random(n) < 0.3]).astype(float)
    a = (rng.random(n) < 1 / (1 + np.exp(-(0.8 * x[:, 0] - 0.4 * x[:, 1])))).astype(float)
    t = np.ceil(rng.exponential(200 / np.exp(0.5 * x[:, 0] - 0.4 * a)))
    c = np.ceil(rng.uniform(0, 600, n))
    return np.minimum(t, c), (t <= c).astype(float), a, x


def _loop(t, e, a, x, estimand, tau, ties="efron"):
    ps = logistic_regression(x, a).fitted
    w = ps_weights(ps, a, estimand=estimand).weights
    fit = cox_ph({"t": t, "e": e, "a": a, "w": w}, time="t", event="e", covariates=["a"],
                 weights="w", ties=ties)
    r = [kaplan_meier(t[a == g], e[a == g], weights=w[a == g]).rmst(tau).estimate
         for g in (1, 0)]
    return fit.coef[0], r[0] - r[1]


@pytest.mark.parametrize("estimand", ["ATE", "ATT", "ATC", "ATO"])
def test_full_sample_and_one_resample_equal_the_loop(estimand):
    t, e, a, x = _data()
    tau, seed, b = 300.0, 17, 20
    res = bootstrap_iptw(t, e, a, x, tau=tau, estimand=estimand, n_resamples=b, seed=seed)
    log_hr, diff = _loop(t, e, a, x, estimand, tau)
    assert np.log(res.hazard_ratio) == pytest.approx(log_hr, rel=1e-7)
    assert res.rmst_diff == pytest.approx(diff, rel=1e-7)
    draws = np.random.default_rng(seed).integers(0, t.size, (b, t.size))
    for k in (0, 7):
        i = draws[k]
        log_hr_k, diff_k = _loop(t[i], e[i], a[i], x[i], estimand, tau)
        assert res.log_hr_resamples[k] == pytest.approx(log_hr_k, rel=1e-7)
        assert res.rmst_diff_resamples[k] == pytest.approx(diff_k, rel=1e-7)


def test_breslow_ties_equal_the_loop():
    t, e, a, x = _data(seed=5)
    res = bootstrap_iptw(t, e, a, x, tau=250.0, n_resamples=3, seed=1, ties="breslow")
    log_hr, _ = _loop(t, e, a, x, "ATE", 250.0, ties="breslow")
    assert np.log(res.hazard_ratio) == pytest.approx(log_hr, rel=1e-7)


def test_seed_reproduces_block_size_changes_only_rounding():
    t, e, a, x = _data(300, seed=9)
    r1 = bootstrap_iptw(t, e, a, x, tau=200.0, n_resamples=50, seed=4)
    r2 = bootstrap_iptw(t, e, a, x, tau=200.0, n_resamples=50, seed=4, block_cells=300 * 7)
    # same draws; a block stops iterating when all its resamples converged, so the last
    # digits may differ with the block size
    np.testing.assert_allclose(r1.log_hr_resamples, r2.log_hr_resamples, rtol=1e-12)
    np.testing.assert_allclose(r1.rmst_diff_resamples, r2.rmst_diff_resamples, rtol=1e-12)
    assert r1.hr_conf_low < r1.hazard_ratio < r1.hr_conf_high
    assert r1.rmst_conf_low < r1.rmst_diff < r1.rmst_conf_high
    assert r1.n_failed == 0 and r1.log_hr_std_err > 0
    r3 = bootstrap_iptw(t, e, a, x, tau=200.0, n_resamples=50, seed=5)
    assert not np.array_equal(r1.log_hr_resamples, r3.log_hr_resamples)


def test_coverage_of_a_known_effect():
    # no confounding left after weighting: the true log HR -0.4 lies in the interval
    t, e, a, x = _data(1500, seed=11)
    res = bootstrap_iptw(t, e, a, x, tau=300.0, n_resamples=200, seed=2)
    assert res.hr_conf_low < np.exp(-0.4) < res.hr_conf_high


def test_bad_input_is_refused():
    t, e, a, x = _data(100)
    with pytest.raises(ValueError, match="estimand"):
        bootstrap_iptw(t, e, a, x, tau=100.0, estimand="ATX")
    with pytest.raises(ValueError, match="tau"):
        bootstrap_iptw(t, e, a, x, tau=1e9)
    with pytest.raises(ValueError, match="n_resamples"):
        bootstrap_iptw(t, e, a, x, tau=100.0, n_resamples=1)


def _loop_rule(t, e, a, x, estimand, tau, stabilized, trim):
    """One analysis with the full weighting rule: scores outside ``trim`` get weight 0 and
    leave the data; the rest as ps_weights defines them."""
    ps = logistic_regression(x, a).fitted
    w = np.asarray(ps_weights(ps, a, estimand=estimand, stabilized=stabilized,
                              trim=trim).weights)
    k = w > 0
    fit = cox_ph({"t": t[k], "e": e[k], "a": a[k], "w": w[k]}, time="t", event="e",
                 covariates=["a"], weights="w")
    r = [kaplan_meier(t[k & (a == g)], e[k & (a == g)], weights=w[k & (a == g)]).rmst(tau)
         .estimate for g in (1, 0)]
    return fit.coef[0], r[0] - r[1]


@pytest.mark.parametrize("estimand, stabilized", [("ATE", True), ("ATE", False),
                                                  ("ATT", True), ("ATC", False),
                                                  ("ATO", True)])
def test_trim_and_stabilisation_are_applied_in_every_resample(estimand, stabilized):
    t, e, a, x = _data(seed=3)
    trim, tau, seed, b = (0.3, 0.7), 300.0, 8, 12
    ps = logistic_regression(x, a).fitted
    assert ((ps < trim[0]) | (ps > trim[1])).sum() > 20  # the trim bites
    res = bootstrap_iptw(t, e, a, x, tau=tau, estimand=estimand, stabilized=stabilized,
                         trim=trim, n_resamples=b, seed=seed)
    log_hr, diff = _loop_rule(t, e, a, x, estimand, tau, stabilized, trim)
    # the full sample is the main estimator itself
    assert np.log(res.hazard_ratio) == pytest.approx(log_hr, rel=1e-12)
    assert res.rmst_diff == pytest.approx(diff, rel=1e-12)
    draws = np.random.default_rng(seed).integers(0, t.size, (b, t.size))
    for k in (0, 5):
        i = draws[k]
        log_hr_k, diff_k = _loop_rule(t[i], e[i], a[i], x[i], estimand, tau, stabilized, trim)
        assert res.log_hr_resamples[k] == pytest.approx(log_hr_k, rel=1e-7)
        assert res.rmst_diff_resamples[k] == pytest.approx(diff_k, rel=1e-7)


def test_patients_outside_the_outcome_analysis_enter_the_weights_only():
    t, e, a, x = _data(seed=4)
    use = np.ones(t.size, bool)
    use[::7] = False
    t2 = np.where(use, t, np.nan)
    res = bootstrap_iptw(t2, e, a, x, tau=250.0, n_resamples=3, seed=1, analysed=use)
    ps = logistic_regression(x, a).fitted
    w = np.asarray(ps_weights(ps, a).weights)  # stabilised over every patient
    fit = cox_ph({"t": t[use], "e": e[use], "a": a[use], "w": w[use]}, time="t", event="e",
                 covariates=["a"], weights="w")
    assert np.log(res.hazard_ratio) == pytest.approx(fit.coef[0], rel=1e-12)
