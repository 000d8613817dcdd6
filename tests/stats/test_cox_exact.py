"""Cox model by hand (tier 1): therneau/survival ``tests/book1.R``-style data, unsorted.

Rows (time, status, x): (9,1,0) (3,NA,2) (1,1,1) (1,0,1) (6,1,1) (6,1,0) (8,0,0). The row with
a missing status must be removed by the caller (we raise); the other six give, with r = e^b:

* t=1: risk set 3 with x=1 and 3 with x=0, one death (x=1);
* t=6: risk set {x=1, 0, 0, 0}, two tied deaths (x=1 and x=0);
* t=9: only the death itself (contributes 0).

Breslow: ``l(b) = b - log(3r+3) + b - 2 log(r+3)``, ``U(0) = 1``, ``I(0) = 1/4 + 3/8 = 5/8``,
score test ``8/5``, MLE ``r = (3 + sqrt 33)/2``.
Efron:   ``l(b) = 2b - log(3r+3) - log(r+3) - log((r+5)/2)``, ``U(0) = 13/12``,
``I(0) = 1/4 + 3/16 + 5/36 = 83/144``, score test ``169/83``.
Exact:   ``l(b) = 2b - 2 log(3r+3)``, ``U(0) = 1``, ``I(0) = 1/2``, score test 2; the
likelihood increases for ever (monotone), so the fit must warn.
"""

from __future__ import annotations

from fractions import Fraction as F

import numpy as np
import pytest
from scipy import optimize

from retrostudy.stats import cox_ph

RAW = {"time": np.array([9, 3, 1, 1, 6, 6, 8.0]),
       "status": np.array([1, np.nan, 1, 0, 1, 1, 0]),
       "x": np.array([0, 2, 1, 1, 1, 0, 0.0])}
KEEP = ~np.isnan(RAW["status"])
DATA = {k: v[KEEP] for k, v in RAW.items()}


def fit(ties, **kw):
    return cox_ph(DATA, time="time", event="status", covariates=["x"], ties=ties, **kw)


def test_missing_status_is_rejected_with_position():
    with pytest.raises(ValueError, match=r"event has missing values at positions \[1\]"):
        cox_ph(RAW, time="time", event="status", covariates=["x"])


def test_breslow_by_hand():
    f = fit("breslow")
    assert f.loglik_null == pytest.approx(-np.log(6) - 2 * np.log(4), rel=1e-14)
    assert f.score_test.statistic == pytest.approx(float(F(8, 5)), rel=1e-14)
    assert f.coef[0] == pytest.approx(np.log((3 + np.sqrt(33)) / 2), rel=1e-10)
    r = np.exp(f.coef[0])
    ll = 2 * f.coef[0] - np.log(3 * r + 3) - 2 * np.log(r + 3)
    assert f.loglik == pytest.approx(ll, rel=1e-13)
    # information at the MLE: 3r*3/(3r+3)^2 + 2 * 3r/(r+3)^2
    info = 9 * r / (3 * r + 3) ** 2 + 6 * r / (r + 3) ** 2
    assert f.coefficients[0].std_err == pytest.approx(info**-0.5, rel=1e-9)


def test_efron_by_hand():
    f = fit("efron")
    assert f.loglik_null == pytest.approx(-np.log(6) - np.log(4) - np.log(3), rel=1e-14)
    assert f.score_test.statistic == pytest.approx(float(F(169, 83)), rel=1e-14)

    def loglik(b):
        r = np.exp(b)
        return 2 * b - np.log(3 * r + 3) - np.log(r + 3) - np.log((r + 5) / 2)

    res = optimize.minimize_scalar(lambda b: -loglik(b), bracket=(0, 2), tol=1e-12)
    assert f.coef[0] == pytest.approx(res.x, rel=1e-7)
    assert f.loglik == pytest.approx(loglik(f.coef[0]), rel=1e-14)


def test_exact_by_hand_is_monotone():
    with pytest.warns(RuntimeWarning, match="coefficient of 'x' may be infinite"):
        f = fit("exact")
    assert f.loglik_null == pytest.approx(-2 * np.log(6), rel=1e-14)
    assert f.score_test.statistic == pytest.approx(2.0, rel=1e-14)
    assert f.monotone


def test_row_order_and_strata_of_one():
    perm = np.array([3, 0, 5, 1, 4, 2])
    shuffled = {k: v[perm] for k, v in DATA.items()}
    a, b = fit("efron"), cox_ph(shuffled, time="time", event="status", covariates=["x"])
    np.testing.assert_allclose(a.coef, b.coef, rtol=1e-13)
    one = dict(DATA, s=np.zeros(6))
    c = cox_ph(one, time="time", event="status", covariates=["x"], strata="s")
    np.testing.assert_allclose(a.coef, c.coef, rtol=1e-13)


def test_categorical_reference_level_and_levels_order():
    d = dict(DATA, arm=np.array(["b", "a", "a", "b", "a", "b"]))
    f = cox_ph(d, time="time", event="status", covariates=["arm"])
    g = cox_ph(d, time="time", event="status", covariates=["arm"], levels={"arm": ["b", "a"]})
    assert (f.coefficients[0].variable, f.coefficients[0].level) == ("arm", "b")
    assert g.coefficients[0].level == "a"
    assert g.coef[0] == pytest.approx(-f.coef[0], rel=1e-12)
    assert f.coefficients[0].name == "arm=b"


def test_bool_and_numeric_levels_are_treatment_contrasts():
    numeric = fit("efron")
    as_bool = cox_ph(dict(DATA, xb=DATA["x"] == 1), time="time", event="status",
                     covariates=["xb"])
    as_levels = cox_ph(DATA, time="time", event="status", covariates=["x"],
                       levels={"x": [0.0, 1.0]})
    assert (as_bool.coefficients[0].level, as_levels.coefficients[0].level) == (True, 1.0)
    np.testing.assert_allclose([as_bool.coef[0], as_levels.coef[0]], numeric.coef[0], rtol=1e-13)
