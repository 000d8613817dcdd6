"""Delayed entry (left truncation) in Kaplan–Meier and Cox against R's counting process.

Reference: ``tests/reference/delayed_entry.R`` -> ``delayed_entry.json``: 90 simulated
records with integer days, entries tied with event times, strata, integer and fractional
weights and patients of three records; ``survfit(Surv(entry, time, event) ~ 1)`` on six
variance/band paths and ``coxph(Surv(entry, time, event) ~ x + g)`` Efron and Breslow,
stratified, weighted and clustered. Plus hand-derived and independent checks.
"""

import json
from pathlib import Path

import numpy as np
import pytest

from retrostudy.stats import cox_ph, kaplan_meier

with (Path(__file__).parents[1] / "reference" / "delayed_entry.json").open() as fh:
    REF = json.load(fh)
DATA = {k: np.asarray(v) for k, v in REF["data"].items()}


def _nan(values):
    return np.array([np.nan if v is None else v for v in values], dtype=float)


def _km(case):
    w = None if case["weights"] is None else DATA[case["weights"]].astype(float)
    return kaplan_meier(DATA["time"], DATA["event"], entry=DATA["entry"], weights=w,
                        robust=case["robust"], conf_type=case["conf_type"])


@pytest.mark.parametrize("case", REF["km"], ids=[c["name"] for c in REF["km"]])
def test_km_matches_survfit(case):
    km = _km(case)
    assert km.variance == ("greenwood" if case["logse"] else "robust")
    np.testing.assert_array_equal(km.time, case["time"])
    np.testing.assert_allclose(km.n_at_risk, case["n_risk"], rtol=1e-12)
    np.testing.assert_allclose(km.n_events, case["n_event"], rtol=1e-12)
    np.testing.assert_allclose(km.n_censored, case["n_censor"], rtol=1e-12)
    np.testing.assert_allclose(km.survival, case["survival"], rtol=1e-10)
    np.testing.assert_allclose(km.std_err, _nan(case["std_err"]), rtol=1e-8, atol=1e-14)
    np.testing.assert_allclose(km.conf_low, _nan(case["conf_low"]), rtol=1e-8)
    np.testing.assert_allclose(km.conf_high, _nan(case["conf_high"]), rtol=1e-8)
    m = km.median()
    np.testing.assert_allclose([m.estimate, m.conf_low, m.conf_high], _nan(case["median"]))
    at = km.at(case["at"]["time"])
    np.testing.assert_allclose(at.survival, case["at"]["survival"], rtol=1e-10)
    np.testing.assert_allclose(at.std_err, _nan(case["at"]["std_err"]), rtol=1e-8, atol=1e-14)
    np.testing.assert_allclose(at.n_at_risk, case["at"]["n_risk"], rtol=1e-12)


@pytest.mark.parametrize("case", REF["cox"], ids=[c["name"] for c in REF["cox"]])
def test_cox_matches_coxph(case):
    data = dict(DATA)
    fit = cox_ph(data, time="time", event="event", covariates=["x", "g"], entry="entry",
                 ties=case["ties"], weights=case["weights"], cluster=case["cluster"],
                 strata=case["strata"])
    np.testing.assert_allclose(fit.coef, case["coef"], rtol=1e-8)
    np.testing.assert_allclose(fit.var, np.array(case["var"]).T, rtol=1e-7)
    naive = np.array([[c.std_err for c in fit.coefficients]]) ** 2
    np.testing.assert_allclose(naive[0], np.diag(np.array(case["naive_var"])), rtol=1e-7)
    np.testing.assert_allclose([fit.loglik_null, fit.loglik], case["loglik"], rtol=1e-10)
    np.testing.assert_allclose(fit.score_test.statistic, case["score"], rtol=1e-8)
    np.testing.assert_allclose(fit.wald_test.statistic, case["wald"], rtol=1e-7)
    if case["cluster"] is None:
        assert fit.robust_score_test is None
    else:
        np.testing.assert_allclose(fit.robust_score_test.statistic, case["rscore"], rtol=1e-7)
    assert fit.n == case["n"] and fit.n_events == case["nevent"]


def _naive_km(entry, time, event):
    """Product-limit by the definition, one time at a time."""
    times = np.unique(time)
    s, out, risk = 1.0, [], []
    for t in times:
        y = np.sum((entry < t) & (time >= t))
        d = np.sum((time == t) & (event == 1))
        s *= 1 - d / y
        out.append(s)
        risk.append(y)
    return times, np.array(risk), np.array(out)


def test_entry_tied_with_an_event_is_not_at_risk_by_hand():
    # patient C enters on day 2, the day of A's event: at risk from day 2+, not on day 2
    entry = [0, 0, 2, 1]
    time = [2, 5, 4, 3]
    event = [1, 0, 1, 1]
    km = kaplan_meier(time, event, entry=entry)
    assert km.time.tolist() == [2, 3, 4, 5]
    assert km.n_at_risk.tolist() == [3, 3, 2, 1]  # day 2: A, B, D (not C)
    np.testing.assert_allclose(km.survival, [2 / 3, 2 / 3 * 2 / 3, 2 / 9, 2 / 9])
    # Cox: with a single binary covariate, Breslow's score at 0 by hand
    fit = cox_ph({"entry": entry, "time": time, "event": event, "x": [1, 0, 1, 0]},
                 time="time", event="event", covariates=["x"], entry="entry",
                 ties="breslow")
    # U(0) = sum over events (x_i - mean of x in the risk set): day 2 {A,B,D}: 1 - 1/3;
    # day 3 {B,C,D}: 0 - 1/3; day 4 {B,C}: 1 - 1/2. I(0) = 2/9 + 2/9 + 1/4
    u, i = 2 / 3 - 1 / 3 + 1 / 2, 2 / 9 + 2 / 9 + 1 / 4
    np.testing.assert_allclose(fit.score_test.statistic, u * u / i, rtol=1e-12)


def test_km_with_entry_equals_the_naive_product_limit():
    rng = np.random.default_rng(7)
    entry = rng.integers(0, 10, 300)
    time = entry + rng.integers(1, 12, 300)
    event = rng.integers(0, 2, 300)
    km = kaplan_meier(time, event, entry=entry)
    times, risk, surv = _naive_km(entry, time, event)
    np.testing.assert_array_equal(km.time, times)
    np.testing.assert_array_equal(km.n_at_risk, risk)
    np.testing.assert_allclose(km.survival, surv, rtol=1e-12)


def test_zero_entry_reproduces_the_usual_fits():
    rng = np.random.default_rng(3)
    n = 120
    time = rng.integers(1, 30, n).astype(float)
    event = rng.integers(0, 2, n)
    w = rng.uniform(0.5, 2, n)
    for kw in ({}, {"weights": w}, {"robust": True}):
        a = kaplan_meier(time, event, **kw)
        b = kaplan_meier(time, event, entry=np.zeros(n) - 1.0, **kw)
        np.testing.assert_array_equal(a.time, b.time)
        np.testing.assert_allclose(b.survival, a.survival, rtol=1e-13)
        np.testing.assert_allclose(b.std_err, a.std_err, rtol=1e-10)
    data = {"time": time, "event": event, "x": rng.normal(size=n), "w": w,
            "entry": np.zeros(n) - 1.0, "id": np.arange(n) // 2}
    for kw in ({}, {"ties": "breslow"}, {"weights": "w"}, {"cluster": "id"}):
        a = cox_ph(data, time="time", event="event", covariates=["x"], **kw)
        b = cox_ph(data, time="time", event="event", covariates=["x"], entry="entry", **kw)
        np.testing.assert_allclose(b.coef, a.coef, rtol=1e-12)
        np.testing.assert_allclose(b.var, a.var, rtol=1e-10)


def test_split_intervals_give_the_unsplit_fit():
    # cutting each (0, t] at day 5 into (0, 5] + (5, t] changes no risk set
    rng = np.random.default_rng(11)
    n = 80
    time = rng.integers(1, 20, n).astype(float)
    event = rng.integers(0, 2, n)
    x = rng.normal(size=n)
    cut = time > 5
    entry2 = np.concatenate((np.zeros(n), np.full(cut.sum(), 5.0)))
    time2 = np.concatenate((np.where(cut, 5.0, time), time[cut]))
    event2 = np.concatenate((np.where(cut, 0, event), event[cut]))
    x2 = np.concatenate((x, x[cut]))
    ids = np.concatenate((np.arange(n), np.flatnonzero(cut)))
    a = cox_ph({"t": time, "e": event, "x": x, "id": np.arange(n)}, time="t", event="e",
               covariates=["x"], cluster="id")
    b = cox_ph({"t": time2, "e": event2, "x": x2, "a": entry2, "id": ids}, time="t",
               event="e", covariates=["x"], entry="a", cluster="id")
    np.testing.assert_allclose(b.coef, a.coef, rtol=1e-12)
    np.testing.assert_allclose(b.var, a.var, rtol=1e-10)
    np.testing.assert_allclose(b.loglik, a.loglik, rtol=1e-12)
    ka = kaplan_meier(time, event)
    kb = kaplan_meier(time2, event2, entry=entry2)
    np.testing.assert_allclose(kb.survival, ka.survival, rtol=1e-13)


def test_bad_entry_is_refused():
    with pytest.raises(ValueError, match="position 1 has entry 3.0 and time 3.0"):
        kaplan_meier([4, 3], [1, 0], entry=[0, 3])
    with pytest.raises(ValueError, match="entry has 1 missing"):
        kaplan_meier([4, 3], [1, 0], entry=[0, np.nan])
    with pytest.raises(ValueError, match="entry has 1 values but time has 2"):
        kaplan_meier([4, 3], [1, 0], entry=[0])
    data = {"t": [4, 3, 5], "e": [1, 1, 0], "x": [0, 1, 1], "a": [0, 1, 6]}
    with pytest.raises(ValueError, match="entry must be < time"):
        cox_ph(data, time="t", event="e", covariates=["x"], entry="a")
    data["a"] = [0, 1, 2]
    for kw in ({"ties": "exact"}, {"firth": True}):
        with pytest.raises(ValueError, match="entry"):
            cox_ph(data, time="t", event="e", covariates=["x"], entry="a", **kw)
    fit = cox_ph(data, time="t", event="e", covariates=["x"], entry="a")
    for call in (lambda: fit.concordance, fit.zph):
        with pytest.raises(ValueError, match="not available for a model fitted with entry"):
            call()
