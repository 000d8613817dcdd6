"""The IPTW bootstrap with a Firth propensity model and with weight truncation.

Firth: the vectorised refit with frequency weights must equal ``logistic_regression(firth=
True)`` on the expanded rows of a resample (an independent fit: scalar Fisher scoring with
step halving), and the full-sample estimate must equal the main estimator (Firth scores,
``ps_weights``, ``cox_ph(weights=)``) to 1e-10, on quasi-separated data that maximum
likelihood refuses. Truncation: each resample caps its weights at the type-7 quantile of
its expanded rows (``np.quantile`` on ``w[i]``), checked against the loop.
"""

import numpy as np
import pytest

from retrostudy.stats import cox_ph, kaplan_meier, logistic_regression, ps_weights
from retrostudy.stats.bootstrap import _logistic_batch, bootstrap_iptw, weighted_quantile


def _separated(n=300, seed=3):
    rng = np.random.default_rng(seed)
    x = np.column_stack([rng.normal(size=n), rng.random(n) < 0.15]).astype(float)
    a = (rng.random(n) < 1 / (1 + np.exp(-(0.7 * x[:, 0])))).astype(float)
    a[x[:, 1] == 1] = 1.0  # the binary covariate predicts treatment: quasi-separation
    t = np.ceil(rng.exponential(200 / np.exp(0.4 * x[:, 0] - 0.3 * a)))
    c = np.ceil(rng.uniform(0, 600, n))
    return np.minimum(t, c), (t <= c).astype(float), a, x


def _loop(t, e, a, x, tau, firth=False, truncate=None, estimand="ATE"):
    ps = logistic_regression(x, a, firth=firth).fitted
    w = ps_weights(ps, a, estimand=estimand, truncate=truncate).weights
    fit = cox_ph({"t": t, "e": e, "a": a, "w": w}, time="t", event="e", covariates=["a"],
                 weights="w")
    r = [kaplan_meier(t[a == g], e[a == g], weights=w[a == g]).rmst(tau).estimate
         for g in (1, 0)]
    return fit.coef[0], r[0] - r[1]


def test_ml_bootstrap_refuses_separation_firth_runs():
    t, e, a, x = _separated()
    with pytest.raises(ValueError, match="separated"):
        bootstrap_iptw(t, e, a, x, tau=300.0, n_resamples=5, seed=1)
    res = bootstrap_iptw(t, e, a, x, tau=300.0, n_resamples=20, seed=1, firth=True)
    assert res.propensity_method == "firth"
    log_hr, diff = _loop(t, e, a, x, 300.0, firth=True)
    assert np.log(res.hazard_ratio) == pytest.approx(log_hr, abs=1e-10)
    assert res.rmst_diff == pytest.approx(diff, abs=1e-10)
    assert res.n_failed == 0 and res.hr_conf_low < res.hazard_ratio < res.hr_conf_high


def test_firth_refit_equals_firth_on_expanded_rows():
    t, e, a, x = _separated(seed=8)
    x1 = np.column_stack([np.ones(t.size), x])
    draws = np.random.default_rng(4).integers(0, t.size, (3, t.size))
    f = np.stack([np.bincount(d, minlength=t.size) for d in draws]).astype(float)
    start = logistic_regression(x, a, firth=True).coef
    coef, ok = _logistic_batch(x1, a, f, start, firth=True)
    assert ok.all()
    for k in range(3):
        i = draws[k]
        ref = logistic_regression(x[i], a[i], firth=True).coef
        np.testing.assert_allclose(coef[k], ref, rtol=0, atol=1e-8)


def test_weighted_quantile_is_type7_of_the_expanded_rows():
    rng = np.random.default_rng(0)
    w = rng.exponential(size=40)
    for q in (0.9, 0.95, 0.99, 0.5001):
        for _ in range(5):
            i = rng.integers(0, 40, 40)
            f = np.bincount(i, minlength=40).astype(float)
            assert weighted_quantile(w[None, :], f[None, :], q)[0] == pytest.approx(
                np.quantile(w[i], q), rel=1e-14)


@pytest.mark.parametrize("estimand", ["ATE", "ATT"])
def test_truncation_in_every_resample_equals_the_loop(estimand):
    rng = np.random.default_rng(2)
    n = 400
    x = np.column_stack([rng.normal(size=n), rng.random(n) < 0.3]).astype(float)
    a = (rng.random(n) < 1 / (1 + np.exp(-(1.2 * x[:, 0] - 0.4 * x[:, 1])))).astype(float)
    t = np.ceil(rng.exponential(200 / np.exp(0.5 * x[:, 0] - 0.4 * a)))
    c = np.ceil(rng.uniform(0, 600, n))
    t, e = np.minimum(t, c), (t <= c).astype(float)
    tau, seed, b = 300.0, 5, 10
    res = bootstrap_iptw(t, e, a, x, tau=tau, estimand=estimand, n_resamples=b, seed=seed,
                         truncate=0.95)
    plain = bootstrap_iptw(t, e, a, x, tau=tau, estimand=estimand, n_resamples=b, seed=seed)
    log_hr, diff = _loop(t, e, a, x, tau, truncate=0.95, estimand=estimand)
    assert np.log(res.hazard_ratio) == pytest.approx(log_hr, rel=1e-7)
    assert res.rmst_diff == pytest.approx(diff, rel=1e-7)
    assert res.hazard_ratio != pytest.approx(plain.hazard_ratio, rel=1e-6)
    draws = np.random.default_rng(seed).integers(0, n, (b, n))
    for k in (0, 6):
        i = draws[k]
        lk, dk = _loop(t[i], e[i], a[i], x[i], tau, truncate=0.95, estimand=estimand)
        assert res.log_hr_resamples[k] == pytest.approx(lk, rel=1e-7)
        assert res.rmst_diff_resamples[k] == pytest.approx(dk, rel=1e-7)


def test_a_covariate_constant_in_a_resample_is_dropped_as_r_does():
    # a level held by 3 of 120 patients is missing from about 5% of resamples: the refit
    # there is the model without that column (glm: NA coefficient), not a crash
    rng = np.random.default_rng(6)
    n = 120
    x = np.column_stack([rng.normal(size=n), np.arange(n) < 3]).astype(float)
    a = (rng.random(n) < 1 / (1 + np.exp(-0.6 * x[:, 0]))).astype(float)
    a[:3] = [1.0, 0.0, 1.0]
    t = np.ceil(rng.exponential(200, n))
    c = np.ceil(rng.uniform(0, 600, n))
    t, e = np.minimum(t, c), (t <= c).astype(float)
    b, seed = 60, 2
    res = bootstrap_iptw(t, e, a, x, tau=150.0, n_resamples=b, seed=seed)
    draws = np.random.default_rng(seed).integers(0, n, (b, n))
    rare = [k for k in range(b) if not (draws[k] < 3).any()]
    assert rare  # the case arises
    for k in rare[:2]:
        i = draws[k]
        lk, dk = _loop(t[i], e[i], a[i], x[i][:, :1], 150.0)  # without the constant column
        assert res.log_hr_resamples[k] == pytest.approx(lk, rel=1e-7)
        assert res.rmst_diff_resamples[k] == pytest.approx(dk, rel=1e-7)
