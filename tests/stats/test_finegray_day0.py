"""Fine–Gray with events on day 0, against cmprsk 2.2-11's ``crr``.

``tests/reference/edge_cases.json`` (``Rscript tests/reference/edge_cases.R``): 60 patients
with integer-day times tied everywhere and, on day 0, censorings and competing events (and
in one case a failure of the cause). crr reads its censoring Kaplan–Meier at
``time * (1 - eps)``: the left limit G(t-) for t > 0 but G(0) itself on day 0, after the
censorings at 0. A competing event on day 0 then stays at risk with weight G(t-)/G(0).
Reading G(0-) = 1 there instead moves the coefficients by up to ~1e-2 relative.
"""

import json
from pathlib import Path

import numpy as np
import pytest

from retrostudy.stats import fine_gray
from retrostudy.stats import finegray as fg
from retrostudy.stats._cox_design import build_design
from retrostudy.stats.gray import status_codes

with (Path(__file__).parents[1] / "reference" / "edge_cases.json").open() as fh:
    CASES = json.load(fh)["finegray_day0"]


def _inputs(case):
    d = {k: np.asarray(v) for k, v in case["data"].items()}
    return d["time"].astype(float), d["status"], {"arm": d["arm"], "age": d["age"].astype(float)}


def _matrix(columns):
    return np.array(columns, dtype=float).T


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_censoring_weights_are_crrs(case):
    time, status, _ = _inputs(case)
    m, _ = status_codes(status, time.size, case["cause"], 0, None)
    data = fg._prepare(time, m, np.zeros((time.size, 1)))
    np.testing.assert_allclose(data.g_minus, case["g_crr"], rtol=1e-14)
    assert (time == 0).any() and data.g_minus[0] < 1  # day 0 reads G(0), below 1


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_fit_matches_crr_with_day0_ties(case):
    time, status, x = _inputs(case)
    res = fine_gray(time, status, x, cause=case["cause"], covariates=["arm", "age"])
    assert res.converged and not res.warnings
    assert [c.name.replace("=", "") for c in res.coefficients] == case["terms"]
    tight = case["tight"]
    assert tight["converged"]
    np.testing.assert_allclose(res.coef, tight["coef"], rtol=1e-8)
    np.testing.assert_allclose(res.var, _matrix(tight["var"]), rtol=1e-8)


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_engine_at_crr_estimate_with_day0_ties(case):
    """Deterministic: our likelihood, score, information and sandwich at crr's estimate."""
    time, status, x = _inputs(case)
    m, _ = status_codes(status, time.size, case["cause"], 0, None)
    data = fg._prepare(time, m, build_design(x, ["arm", "age"], None, time.size).x)
    ref = case["default"]
    beta = np.array(ref["coef"])
    loglik, score, info = fg._evaluate(data, beta)
    assert loglik == pytest.approx(ref["loglik"], rel=1e-12)
    np.testing.assert_allclose(score, ref["score"], rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(info, _matrix(ref["inf"]), rtol=1e-10)
    np.testing.assert_allclose(fg._robust(data, beta, info), _matrix(ref["var"]), rtol=1e-10)


def test_day0_by_hand():
    """Four records: censored and competing on day 0, failures on days 2 and 3.

    G(0) = 1 - 1/4 = 3/4 (one of four at risk censored at 0); no censoring after, so the
    competing record's weight at t = 2 and 3 is G(t-)/G(0) = (3/4)/(3/4) = 1 (with G(0-) = 1
    it would be 3/4)."""
    time = np.array([0.0, 0.0, 2.0, 3.0])
    m = np.array([0, 2, 1, 1], np.int8)
    x = np.array([0.0, 1.0, 0.5, -0.4])
    data = fg._prepare(time, m, x[:, None])
    np.testing.assert_allclose(data.g_minus, [0.75, 0.75, 0.75, 0.75], rtol=1e-15)
    beta = 0.4
    e = np.exp(beta * x)
    ll = (x[2] * beta - np.log(e[2] + e[3] + e[1])) + (x[3] * beta - np.log(e[3] + e[1]))
    assert fg._evaluate(data, np.array([beta]))[0] == pytest.approx(ll, rel=1e-14)


def test_no_day0_records_keep_the_left_limit():
    """Without a record on day 0 the first time still reads G(t-) = 1."""
    data = fg._prepare(np.array([1.0, 1.0, 2.0]), np.array([0, 2, 1], np.int8),
                       np.zeros((3, 1)))
    np.testing.assert_allclose(data.g_minus, [1.0, 1.0, 2 / 3], rtol=1e-15)
