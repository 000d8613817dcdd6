"""Rubin's rules against R mice's pool() on the same completed datasets.

Reference: ``tests/reference/mice_pool.R`` -> ``mice_pool.json``: survival's lung data with
sex and a 3-level ECOG factor made partly missing, imputed by mice (m = 5); the five
completed datasets and pool(with(imp, coxph(...))), pool(with(imp, glm(binomial))) and
pool.scalar(). Our Cox and logistic fits on the same completed datasets, pooled by our
Rubin's rules, must give R's pooled numbers.
"""

import json
from pathlib import Path

import numpy as np
import pytest

from retrostudy.stats import cox_ph, logistic_regression
from retrostudy.stats.pool import barnard_rubin, pool_cox, pool_logistic, rubin_pool

REF = json.loads((Path(__file__).parents[1] / "reference" / "mice_pool.json").read_text())
FIELDS = ("estimate", "ubar", "b", "t", "dfcom", "df", "riv", "lambda", "fmi", "std_error",
          "statistic", "p_value", "conf_low", "conf_high")
ATTR = {"lambda": "lambda_", "std_error": "std_err"}


def _check(pooled, ref):
    assert [p.term for p in pooled] == ref["term"]
    for f in FIELDS:
        got = [getattr(p, ATTR.get(f, f)) for p in pooled]
        assert got == pytest.approx(ref[f], rel=1e-8, abs=1e-12), f


def test_cox_pooled_matches_r():
    fits = [cox_ph(d, time="time", event="status",
                   covariates=["age", "sex", "ecog", "karno", "wt_loss"],
                   levels={"sex": ["male", "female"], "ecog": ["0", "1", "2+"]})
            for d in REF["completed"]]
    # our labels are R-style 'sex=female'; mice's tidy terms 'sexfemale'
    pooled = pool_cox(fits)
    renamed = [type(p)(**{**{s: getattr(p, s) for s in p.__slots__},
                          "term": p.term.replace("=", "")}) for p in pooled]
    _check(renamed, REF["cox"])


def test_glm_pooled_matches_r():
    fits = []
    for d in REF["completed"]:
        x = np.column_stack([d["age"], np.asarray(d["sex"]) == "female", d["karno"],
                             d["meal_cal"]]).astype(float)
        fits.append(logistic_regression(x, d["status"],
                                        names=["age", "sexfemale", "karno", "meal_cal"]))
    _check(pool_logistic(fits), REF["glm"])


def test_scalar_matches_r_pool_scalar():
    s = REF["scalar"]
    q = [float(np.mean(d["meal_cal"])) for d in REF["completed"]]
    u = [float(np.var(d["meal_cal"], ddof=1)) / s["n"] for d in REF["completed"]]
    (p,) = rubin_pool(q, u, dfcom=s["n"] - s["k"])
    assert (p.estimate, p.ubar, p.b, p.t, p.df, p.riv, p.fmi) == pytest.approx(
        (s["qbar"], s["ubar"], s["b"], s["t"], s["df"], s["r"], s["fmi"]), rel=1e-10)


def test_hand_derived_two_imputations():
    # Q = (1, 3), U = (0.5, 1.5): Qbar 2, Ubar 1, B 2, T = 1 + 1.5 * 2 = 4, r = 3,
    # lambda = 0.75; infinite dfcom: df = (m-1)/lambda^2 = 16/9
    (p,) = rubin_pool([1.0, 3.0], [0.5, 1.5])
    assert (p.estimate, p.ubar, p.b, p.t, p.riv, p.lambda_) == pytest.approx(
        (2, 1, 2, 4, 3, 0.75))
    assert p.df == pytest.approx(16 / 9)
    assert p.fmi == pytest.approx((3 + 2 / (16 / 9 + 3)) / 4)
    # finite dfcom = 10: dfobs = 11/13 * 10 * 0.25
    dfobs = 11 / 13 * 10 * 0.25
    assert barnard_rubin(2, 2.0, 4.0, 10.0) == pytest.approx(16 / 9 * dfobs / (16 / 9 + dfobs))


def test_identical_imputations_floor_lambda():
    # B = 0: lambda floored at 1e-4 for the df (mice), the variance is Ubar
    (p,) = rubin_pool([0.2] * 4, [0.01] * 4, dfcom=50)
    assert p.b == 0 and p.t == pytest.approx(0.01) and p.riv == 0
    assert p.df == pytest.approx(barnard_rubin(4, 1e-6 * 0.01 / 1.25, 0.01, 50))


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="at least 2"):
        rubin_pool([1.0], [1.0])
    with pytest.raises(ValueError, match="finite"):
        rubin_pool([1.0, np.nan], [1.0, 1.0])
    with pytest.raises(ValueError, match="same shape|one shape"):
        rubin_pool([[1.0, 2.0]] * 2, [[1.0]] * 2)
