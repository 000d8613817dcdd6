"""Log-rank and Cox on degenerate but legitimate data, against what R does (tier 2).

``tests/reference/degenerate.R`` (R 4.2.2, survival 3.5-3) records, for each case, R's
``survdiff`` and ``coxph`` (Efron and Breslow, with and without non-integer weights): the
numbers, the warnings and the errors. Where R has numbers we give the same ones; where R has
none (NA, NaN or an error) we give NaN and say why (``LogRank.not_estimable``, a ValueError
naming the problem, or ``CoxPH.monotone`` with its warning). No other warning may escape
(pytest turns every warning into an error). docs/statistics.md, "Degenerate data".
"""

from __future__ import annotations

import json
import math
import warnings
from pathlib import Path

import numpy as np
import pytest

from retrostudy.stats import cox_ph, logrank_test
from retrostudy.stats.logrank import NO_EVENTS, ONE_GROUP_AT_RISK, SINGULAR

REF = json.loads((Path(__file__).parents[1] / "reference" / "degenerate.json").read_text())
CASES = {c["id"]: c for c in REF["cases"]}
RTOL = 1e-6  # diverging (monotone) fits stop after R's 20 iterations; finite ones agree to 1e-12


def _warnings(entry) -> list[str]:
    w = entry.get("warnings", [])
    return [w] if isinstance(w, str) else list(w)


def _data(case) -> dict[str, np.ndarray]:
    return {k: np.asarray(case[k], float) for k in ("time", "event", "g", "w")}


@pytest.mark.parametrize("cid", sorted(CASES))
def test_logrank_as_r(cid):
    case, r = CASES[cid], CASES[cid]["survdiff"]
    if "error" in r and "1 group" in r["error"]:  # R: "There is only 1 group"
        with pytest.raises(ValueError, match="single level"):
            logrank_test(case["time"], case["event"], case["g"])
        return
    res = logrank_test(case["time"], case["event"], case["g"])
    if "error" in r:  # R stops: "system is exactly singular"
        assert "singular" in r["error"]
        assert res.not_estimable == SINGULAR
    elif r["p"] is None:  # R: chisq 0 on -1 df, p NA ("NaNs produced")
        assert res.not_estimable == NO_EVENTS
        assert res.statistic == r["chisq"] == 0
    elif r["df"] == 0:  # R: chisq 0 on 0 df, p 1 -- a p-value of a test that does not exist
        assert (r["chisq"], r["p"]) == (0, 1)
        assert res.not_estimable == ONE_GROUP_AT_RISK
        np.testing.assert_allclose(res.expected, r["expected"], rtol=1e-12)
    else:
        assert res.not_estimable is None
        assert res.df == r["df"]
        np.testing.assert_allclose(res.statistic, r["chisq"], rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(res.p_value, r["p"], rtol=1e-12)
        np.testing.assert_allclose(res.observed, r["observed"], rtol=1e-12)
        np.testing.assert_allclose(res.expected, r["expected"], rtol=1e-12)
    if res.not_estimable:
        assert math.isnan(res.p_value) and res.df == 0


COX = [(cid, i) for cid in sorted(CASES) for i in range(len(CASES[cid]["coxph"]))]


def _fit(case, r):
    return cox_ph(_data(case), time="time", event="event", covariates=["g"], ties=r["ties"],
                  weights="w" if r["weighted"] else None)


@pytest.mark.parametrize(("cid", "i"), COX, ids=[f"{c}-{i}" for c, i in COX])
def test_cox_as_r(cid, i):
    case, r = CASES[cid], CASES[cid]["coxph"][i]
    if r["coef"] is None and r["iter"] == 0:  # R: no events, coef NA, loglik 0
        with pytest.raises(ValueError, match="no events"):
            _fit(case, r)
        return
    if r["coef"] is None and len(set(case["g"])) == 1:  # R: X singular, coef NA
        with pytest.raises(ValueError, match="is constant"):
            _fit(case, r)
        return
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = _fit(case, r)
    ours = [str(w.message) for w in caught]
    assert all(issubclass(w.category, RuntimeWarning) and "monotone likelihood" in str(w.message)
               for w in caught), ours  # no numpy RuntimeWarning, only ours
    assert fit.monotone == bool(ours)
    if r["coef"] is None:  # R: coef NA (no event where both groups are at risk)
        assert fit.monotone
        return
    # R warns "did not converge" / "coefficient may be infinite" exactly where we flag
    assert fit.monotone == bool(_warnings(r)), (ours, _warnings(r))
    np.testing.assert_allclose(fit.coef, [r["coef"]], rtol=RTOL, atol=1e-12)
    np.testing.assert_allclose([fit.loglik_null, fit.loglik], r["loglik"], rtol=RTOL, atol=1e-9)
    np.testing.assert_allclose(fit.score_test.statistic, r["score"], rtol=RTOL, atol=1e-12)
    naive = r["naive_var"] if r["weighted"] else r["var"]
    np.testing.assert_allclose(fit.coefficients[0].std_err ** 2, naive, rtol=RTOL, atol=1e-12)
    if not r["weighted"]:
        np.testing.assert_allclose(fit.wald_test.statistic, r["wald"], rtol=RTOL, atol=1e-12)
        return
    if r["rscore_nan"]:  # R: NaN (the robust variance of the score is 0)
        assert math.isnan(fit.robust_score_test.statistic)
        assert math.isnan(fit.robust_score_test.p_value)
    else:
        np.testing.assert_allclose(fit.robust_score_test.statistic, r["rscore"], rtol=RTOL)

