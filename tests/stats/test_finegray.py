"""Fine–Gray model against cmprsk 2.2-11's ``crr`` (``tests/reference/competing.json``).

Cases (``Rscript tests/reference/competing.R``): mgus2 PCM and death without PCM by sex and
age, rotterdam recurrence by chemo, hormon, age and grade (a factor), Melanoma (censoring
code 2) by sex, thickness and ulcer, the seeded tied set by group (4 levels) and stratum.
crr stops at ``gtol = 1e-6`` (and with ``gtol = 1e-12`` at ``maxiter`` with a score ~1e-6),
so the deterministic checks evaluate our log-likelihood, score, information and sandwich
variance at R's own estimates (rtol 1e-9; observed ~1e-12); the fitted coefficients are
compared with crr's at rtol 1e-6 where crr converged tightly and 5e-4 at its defaults.
Also: without competing events the model is Breslow Cox with the robust variance, and every
input error.
"""

import json
import warnings
from pathlib import Path

import numpy as np
import pytest

from retrostudy.stats import cox_ph, fine_gray
from retrostudy.stats import finegray as fg
from retrostudy.stats._cox_design import build_design
from retrostudy.stats.gray import status_codes

with (Path(__file__).parents[1] / "reference" / "competing.json").open() as fh:
    REF = json.load(fh)
CASES = REF["crr"]


def _setup(case):
    d = {k: np.asarray(v) for k, v in REF["data"][case["data"]].items()}
    covs = [v.replace("factor(grade)", "grade") for v in case["covariates"]]
    x = {k: d[k] for k in covs}
    levels = {"grade": [2, 3]} if "grade" in covs else None
    return d, x, covs, levels


def _matrix(columns):
    return np.array(columns, dtype=float).T


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
@pytest.mark.parametrize("fit", ["default", "tight"])
def test_engine_at_crr_estimate(case, fit):
    d, x, covs, levels = _setup(case)
    n = d["time"].shape[0]
    m, _ = status_codes(d["status"], n, case["cause"], case["censor"], None)
    data = fg._prepare(d["time"].astype(float), m, build_design(x, covs, levels, n).x)
    ref = case[fit]
    beta = np.array(ref["coef"])
    loglik, score, info = fg._evaluate(data, beta)
    assert loglik == pytest.approx(ref["loglik"], rel=1e-12)
    np.testing.assert_allclose(score, ref["score"], rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(info, _matrix(ref["inf"]), rtol=1e-9)
    np.testing.assert_allclose(fg._robust(data, beta, info), _matrix(ref["var"]), rtol=1e-9)
    assert fg._evaluate(data, np.zeros_like(beta))[0] == pytest.approx(ref["loglik_null"],
                                                                        rel=1e-12)


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_fit_matches_crr(case):
    d, x, covs, levels = _setup(case)
    res = fine_gray(d["time"], d["status"], x, cause=case["cause"], censor=case["censor"],
                    levels=levels)
    assert res.converged and not res.warnings
    assert [c.name.replace("=", "") for c in res.coefficients] == [
        t.replace("factor(grade)", "grade") for t in case["terms"]]
    tight = case["tight"]
    rtol = 1e-6 if tight["converged"] else 1e-5
    np.testing.assert_allclose(res.coef, tight["coef"], rtol=rtol)
    np.testing.assert_allclose(res.coef, case["default"]["coef"], rtol=5e-4)
    np.testing.assert_allclose(res.var, _matrix(case["default"]["var"]), rtol=5e-4)
    assert res.loglik_null == pytest.approx(case["default"]["loglik_null"], rel=1e-12)
    assert res.loglik >= tight["loglik"] - 1e-9  # at least as high as crr's: the MLE
    c = res.coefficients[0]
    assert c.robust_std_err == pytest.approx(np.sqrt(res.var[0, 0]), rel=1e-14)
    assert c.hazard_ratio == pytest.approx(np.exp(res.coef[0]), rel=1e-14)
    assert res.method == "Fine-Gray (1999) subdistribution hazards, cmprsk::crr"


def test_without_competing_events_it_is_breslow_cox_with_robust_variance():
    """No competing event: every weight is 1, psi = 0, and the sandwich is Lin-Wei's."""
    rng = np.random.default_rng(4)
    n = 150
    x = {"a": rng.normal(size=n), "b": rng.choice(["u", "v", "w"], n)}
    time = rng.integers(1, 40, n).astype(float)
    status = rng.choice([0, 1], n, p=[0.3, 0.7])
    res = fine_gray(time, status, x, cause=1)
    cox = cox_ph({"t": time, "e": status, **x}, time="t", event="e", covariates=["a", "b"],
                 ties="breslow", robust=True)
    # cox_ph stops by R's rule (log-likelihood change < 1e-9 relative), we go further
    np.testing.assert_allclose(res.coef, cox.coef, rtol=1e-6)
    np.testing.assert_allclose(res.var, cox.var, rtol=1e-6)
    assert res.loglik == pytest.approx(cox.loglik, rel=1e-12)
    n_, m = time.shape[0], status.astype(np.int8)
    data = fg._prepare(time, m, build_design(x, ["a", "b"], None, n_).x)
    ll, _, info = fg._evaluate(data, cox.coef)
    assert ll == pytest.approx(cox.loglik, rel=1e-13)
    np.testing.assert_allclose(fg._robust(data, cox.coef, info), cox.var, rtol=1e-10)


def test_competing_events_stay_at_risk_with_censoring_weights():
    """By hand: b has a competing event at 1, a fails at 2, c is censored at 3, d fails at 4.

    No censoring before 3, so G(2-) = G(1-) = 1 and b stays at risk at t = 2 with weight 1:
    S0(2) = sum of all four, the risk set as if b had not failed."""
    x = np.array([1.0, 0.0, 0.5, 0.2])
    data = fg._prepare(np.array([2.0, 1, 3, 4]), np.array([1, 2, 0, 1], np.int8), x[:, None])
    np.testing.assert_array_equal(data.g_minus, [1, 1, 1, 0.5])  # sorted: b, a, c, d
    beta = 0.3
    e = np.exp(beta * x)
    # t = 4: d at risk; b (competing at 1) with weight G(4-)/G(1-) = 1/2 (c censored at 3)
    ll = (x[0] * beta - np.log(e.sum())) + (x[3] * beta - np.log(e[3] + 0.5 * e[1]))
    score = (x[0] - (x * e).sum() / e.sum()) + (x[3] - (x[3] * e[3] + 0.5 * x[1] * e[1])
                                                / (e[3] + 0.5 * e[1]))
    got_ll, got_score, _ = fg._evaluate(data, np.array([beta]))
    assert got_ll == pytest.approx(ll, rel=1e-14)
    assert got_score[0] == pytest.approx(score, rel=1e-13)


def test_non_convergence_is_reported():
    time = np.arange(1, 11, dtype=float)
    status = np.array([1, 1, 1, 2, 0, 2, 0, 2, 0, 2])
    x = {"arm": np.array(["a"] * 3 + ["b"] * 7)}  # all events of the cause in arm a
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = fine_gray(time, status, x, cause=1)
    assert not res.converged and "did not converge" in res.warnings[0]


@pytest.mark.parametrize(("kwargs", "match"), [
    (dict(cause=7), r"cause 7 does not occur in status"),
    (dict(X=[1, 2]), r"X must be a mapping of column name -> values, got list"),
    (dict(X={"x": [1.0, np.nan, 2.0, 3.0, 1.0, 2.0]}), r"covariate 'x' has 1 missing value"),
    (dict(X={"x": [1.0] * 6}), r"covariate 'x' is constant"),
    (dict(causes=[1]), r"status has value 2 .* nor one of the causes \[1\]"),
    (dict(conf_level=2), r"conf_level must be between 0 and 1, got 2"),
])
def test_errors(kwargs, match):
    args = dict(time=[1, 2, 3, 4, 5, 6], status=[1, 2, 0, 1, 2, 1],
                X={"x": [0.1, 0.5, 0.2, 0.9, 0.4, 0.3]}, cause=1)
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        fine_gray(args.pop("time"), args.pop("status"), args.pop("X"), **args)
