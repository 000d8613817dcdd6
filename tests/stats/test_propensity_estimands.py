"""ATC and overlap (ATO) weights, and truncation, against hand-written formulas in R.

Reference: ``tests/reference/propensity_estimands.R`` -> ``propensity_estimands.json``
(400 simulated patients; WeightIt is not installed, so its formulas are written out):
weights, Kish sizes, numbers trimmed and truncated, the weighted
``coxph(..., weights = w, robust = TRUE)`` and weighted ``survfit`` per arm.
"""

import json
from pathlib import Path

import numpy as np
import pytest

from retrostudy.stats import cox_ph, kaplan_meier, ps_weights

with (Path(__file__).parents[1] / "reference" / "propensity_estimands.json").open() as fh:
    REF = json.load(fh)
D = {k: np.asarray(v) for k, v in REF["data"].items()}


def _weights(case):
    return ps_weights(D["ps"], D["treat"], estimand=case["estimand"],
                      stabilized=case["stabilized"], trim=case["trim"],
                      truncate=case["truncate"])


@pytest.mark.parametrize("case", REF["cases"], ids=[c["name"] for c in REF["cases"]])
def test_weights_match_r(case):
    pw = _weights(case)
    np.testing.assert_allclose(pw.weights, case["weights"], rtol=1e-12)
    assert pw.estimand == case["estimand"]
    assert pw.stabilized is case["stabilized"]
    assert [pw.n_trimmed["treated"], pw.n_trimmed["control"]] == case["n_trimmed"]
    np.testing.assert_allclose([pw.effective_n["treated"], pw.effective_n["control"]],
                               case["ess"], rtol=1e-12)
    if case["truncate"] is None:
        assert pw.truncated is None and pw.n_truncated is None
    else:
        assert pw.truncation_cap == pytest.approx(case["truncation_cap"], rel=1e-13)
        assert [pw.n_truncated["treated"], pw.n_truncated["control"]] == case["n_truncated"]
        assert pw.truncated.sum() == sum(case["n_truncated"]) > 0


@pytest.mark.parametrize("case", REF["cases"], ids=[c["name"] for c in REF["cases"]])
def test_weighted_cox_and_km_match_r(case):
    pw = _weights(case)
    keep = pw.weights > 0
    data = {"time": D["time"][keep], "event": D["event"][keep], "treat": D["treat"][keep],
            "w": pw.weights[keep]}
    fit = cox_ph(data, time="time", event="event", covariates=["treat"], weights="w",
                 robust=True)
    c = fit.coefficients[0]
    assert c.coef == pytest.approx(case["coef"], rel=1e-8)
    assert c.robust_std_err == pytest.approx(case["robust_se"], rel=1e-8)
    assert c.std_err == pytest.approx(case["se"], rel=1e-8)
    assert fit.robust_score_test.statistic == pytest.approx(np.ravel(case["rscore"])[0], rel=1e-7)
    assert fit.wald_test.statistic == pytest.approx(np.ravel(case["wald"])[0], rel=1e-7)
    for arm in case["km"]:
        sel = data["treat"] == arm["arm"]
        km = kaplan_meier(data["time"][sel], data["event"][sel], weights=data["w"][sel])
        at = km.at([5, 15, 30, 45])
        np.testing.assert_allclose(at.survival, arm["survival"], rtol=1e-10)
        np.testing.assert_allclose(at.std_err, arm["std_err"], rtol=1e-8)


def test_by_hand():
    ps = np.array([0.2, 0.5, 0.8, 0.25, 0.6])
    t = np.array([1, 1, 1, 0, 0])
    ato = ps_weights(ps, t, estimand="ATO")
    np.testing.assert_allclose(ato.weights, [0.8, 0.5, 0.2, 0.25, 0.6], rtol=1e-15)
    assert ato.stabilized is False  # overlap weights are never stabilised
    atc = ps_weights(ps, t, estimand="ATC", stabilized=False)
    np.testing.assert_allclose(atc.weights, [4.0, 1.0, 0.25, 1.0, 1.0], rtol=1e-15)
    st = ps_weights(ps, t, estimand="ATC")
    np.testing.assert_allclose(st.weights[:3], np.array([4.0, 1.0, 0.25]) * 3 / 5.25)
    # truncation at the 0.75 quantile of [4, 1, .25, 1, 1] (type 7: 1.0): only 4 -> 1
    tr = ps_weights(ps, t, estimand="ATC", stabilized=False, truncate=0.75)
    np.testing.assert_allclose(tr.weights, [1.0, 1.0, 0.25, 1.0, 1.0])
    assert tr.truncation_cap == 1.0
    assert tr.n_truncated == {"treated": 1, "control": 0}


def test_overlap_weights_balance_the_ps_model_covariates_exactly():
    # Li, Morgan & Zaslavsky (2018): with a logistic PS fitted by ML, overlap weights give
    # identical weighted means of every covariate in the model in both arms
    from retrostudy.stats import propensity_score

    x = np.column_stack([D["x1"], D["x2"], D["x3"]])
    ps = propensity_score(x, D["treat"]).ps
    w = ps_weights(ps, D["treat"], estimand="ATO").weights
    t = D["treat"] == 1
    for j in range(3):
        m1 = np.average(x[t, j], weights=w[t])
        m0 = np.average(x[~t, j], weights=w[~t])
        assert m1 == pytest.approx(m0, abs=1e-8 * max(1.0, abs(m0)))


@pytest.mark.parametrize("value, err, match", [
    (0.4, ValueError, "between 0.5 and 1"), (1.0, ValueError, "between 0.5 and 1"),
    ("x", TypeError, "must be a quantile"),
])
def test_bad_truncate(value, err, match):
    with pytest.raises(err, match=match):
        ps_weights([0.2, 0.7], [1, 0], truncate=value)


def test_unknown_estimand_lists_all():
    with pytest.raises(ValueError, match="ATE', 'ATT', 'ATC', 'ATO'"):
        ps_weights([0.2, 0.7], [1, 0], estimand="ATM")


@pytest.mark.parametrize("name, case, denom", [("ato", 0, "pooled"), ("atc", 3, "control")])
def test_balance_uses_the_estimands_denominator(name, case, denom):
    from retrostudy.stats import balance_table

    c = REF["cases"][case]
    x = np.column_stack([D["x1"], D["x2"], D["x3"]])
    bal = balance_table(x, D["treat"], names=["x1", "x2", "x3"], weights=c["weights"],
                        estimand=c["estimand"])
    assert bal.sd_denom == denom
    np.testing.assert_allclose(bal.smd_after, REF["balance"][name], rtol=1e-10, atol=1e-13)
