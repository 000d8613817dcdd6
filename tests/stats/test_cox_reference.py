"""Cox model against R (tier 2: external oracle).

Reference values come from ``tests/reference/cox.R`` (R 4.2.2, survival 3.5-3), which writes
``tests/reference/cox.json`` at full precision and the datasets it used as
``tests/reference/cox_<name>.csv`` (lung without missing values, veteran, ovarian, and a
small monotone-likelihood set for Firth). Regenerate from the repository root with::

    Rscript tests/reference/cox.R

R is not needed to run these tests. Iterative fits follow R's Newton iterates, so they agree
to ~1e-13; we compare at rtol 1e-9 (the brief's floor is 1e-6).
"""

from __future__ import annotations

import csv
import json
import warnings
from pathlib import Path

import numpy as np
import pytest

from retrostudy.stats import cox_ph

REF = Path(__file__).parents[1] / "reference"
CASES = json.loads((REF / "cox.json").read_text())["cases"]
RTOL = 1e-9


def load(name: str) -> dict[str, np.ndarray]:
    with open(REF / f"cox_{name}.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    out = {}
    for key in rows[0]:
        values = [r[key] for r in rows]
        try:
            out[key] = np.array([float(v) for v in values])
        except ValueError:
            out[key] = np.array(values)
    return out


DATA = {name: load(name) for name in ("lung", "veteran", "ovarian", "firth")}
FITS = [k for k in CASES if k != "firth"]


def fit_case(case):
    return cox_ph(DATA[case["data"]], time=case["time"], event=case["event"],
                  covariates=case["covariates"], ties=case["ties"], weights=case["weights"],
                  strata=case["strata"], cluster=case["cluster"], robust=case["robust"],
                  levels=case["levels"])


@pytest.fixture(scope="module")
def fits():
    return {k: fit_case(CASES[k]) for k in FITS}


@pytest.mark.parametrize("cid", FITS)
def test_coefficients(fits, cid):
    case, fit = CASES[cid], fits[cid]
    rows = fit.coefficients
    assert [r.name.replace("=", "") for r in rows] == case["names"]
    np.testing.assert_allclose([r.coef for r in rows], case["coef"], rtol=RTOL)
    np.testing.assert_allclose([r.std_err for r in rows], case["se"], rtol=RTOL)
    np.testing.assert_allclose([r.conf_low for r in rows], case["conf_low"], rtol=RTOL)
    np.testing.assert_allclose([r.conf_high for r in rows], case["conf_high"], rtol=RTOL)
    np.testing.assert_allclose([r.p_value for r in rows], case["p"], rtol=1e-7)
    if case["robust_se"] is not None:
        assert fit.variance == "robust"
        np.testing.assert_allclose([r.robust_std_err for r in rows], case["robust_se"], rtol=RTOL)
    else:
        assert fit.variance == "model" and rows[0].robust_std_err is None


@pytest.mark.parametrize("cid", FITS)
def test_model_statistics(fits, cid):
    case, fit = CASES[cid], fits[cid]
    np.testing.assert_allclose([fit.loglik_null, fit.loglik], case["loglik"], rtol=RTOL)
    np.testing.assert_allclose(fit.score_test.statistic, case["score"], rtol=RTOL)
    np.testing.assert_allclose(fit.wald_test.statistic, case["wald"], rtol=RTOL)
    np.testing.assert_allclose(fit.lr_test.statistic, 2 * np.diff(case["loglik"])[0], rtol=1e-8)
    if case["rscore"] is not None:
        np.testing.assert_allclose(fit.robust_score_test.statistic, case["rscore"], rtol=RTOL)
    assert fit.iterations == case["iter"] and fit.converged
    assert (fit.n, fit.n_events) == (case["n"], case["nevent"])
    assert fit.ties == case["ties"] and not fit.monotone
    np.testing.assert_allclose(fit.concordance.estimate, case["concordance"], rtol=RTOL)
    np.testing.assert_allclose(fit.concordance.std_err, case["concordance_se"], rtol=RTOL)


ZPH = [(cid, tr) for cid in FITS if "zph" in CASES[cid] for tr in CASES[cid]["zph"]]


@pytest.mark.parametrize(("cid", "transform"), ZPH)
def test_cox_zph(fits, cid, transform):
    ref = CASES[cid]["zph"][transform]
    z = fits[cid].zph(transform)
    rows = [*z.terms, z.global_test]
    assert [r.term for r in rows] == ref["terms"]
    np.testing.assert_allclose([r.chisq for r in rows], ref["chisq"], rtol=1e-9)
    assert [r.df for r in rows] == ref["df"]
    np.testing.assert_allclose([r.p_value for r in rows], ref["p"], rtol=1e-8)


def test_integer_weights_equal_expanded_rows_breslow():
    """Frequency weights reproduce the expanded data for Breslow (not Efron, as in R)."""
    d = DATA["lung"]
    rep = d["iw"].astype(int)
    expanded = {k: np.repeat(v, rep) for k, v in d.items()}
    a = cox_ph(d, time="time", event="event", covariates=["age", "sex"], weights="iw",
               ties="breslow")
    b = cox_ph(expanded, time="time", event="event", covariates=["age", "sex"], ties="breslow")
    np.testing.assert_allclose(a.coef, b.coef, rtol=1e-10)
    np.testing.assert_allclose(a.var, b.var, rtol=1e-10)


def test_firth_matches_penalised_likelihood_maximised_in_r():
    ref = CASES["firth"]
    d = DATA["firth"]
    fit = cox_ph(d, time="time", event="event", covariates=["group", "age"], firth=True)
    assert fit.firth and fit.ties == "breslow" and fit.converged
    # R's optim (BFGS, numerical gradient) is precise to ~1e-8 on the coefficients
    np.testing.assert_allclose(fit.coef, ref["coef"], rtol=1e-6)
    np.testing.assert_allclose(fit.loglik, ref["loglik_penalised"], rtol=1e-11)
    np.testing.assert_allclose(fit.loglik_null, ref["loglik_null_penalised"], rtol=1e-12)
    rows = fit.coefficients
    np.testing.assert_allclose([r.conf_low for r in rows], ref["conf_low"], rtol=1e-7)
    np.testing.assert_allclose([r.conf_high for r in rows], ref["conf_high"], rtol=1e-7)
    np.testing.assert_allclose([r.p_value for r in rows], ref["p"], rtol=1e-7)
    assert np.isfinite(fit.coef).all()
    # the ordinary fit's monotone likelihood is recorded (not raised: Firth is the remedy)
    assert fit.monotone and "group" in fit.warnings[0]


def test_monotone_likelihood_warns_like_r():
    ref = CASES["firth"]
    assert "coefficient may be infinite" in ref["ml_warning"]
    with pytest.warns(RuntimeWarning, match="coefficient of 'group' may be infinite"):
        fit = cox_ph(DATA["firth"], time="time", event="event", covariates=["group", "age"],
                     ties="breslow")
    assert fit.monotone and len(fit.warnings) == 1


def test_no_warning_for_regular_fit():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fit = cox_ph(DATA["lung"], time="time", event="event", covariates=["age", "sex"])
    assert not fit.monotone and fit.warnings == ()
