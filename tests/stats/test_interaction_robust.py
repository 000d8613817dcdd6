"""The treatment x subgroup interaction test when the Cox variance is robust.

R refuses the likelihood-ratio test with a robust variance (``anova(fit0, fit1)``: "Can't do
anova tables with robust variances"), which R's coxph uses by default with non-integer case
weights and with ``robust = TRUE``. :func:`interaction_test` then gives the Wald test of the
interaction coefficients of the interaction model with the robust (sandwich) variance, and
says so in ``method``. Reference: ``tests/reference/edge_cases.json``
(``Rscript tests/reference/edge_cases.R``), 180 simulated patients, three cases: fractional
weights with Efron ties and a covariate, fractional weights with Breslow ties and a stratum,
and robust = TRUE without weights.
"""

import json
from pathlib import Path

import numpy as np
import pytest

from retrostudy.stats import cox_ph, interaction_test

with (Path(__file__).parents[1] / "reference" / "edge_cases.json").open() as fh:
    REF = json.load(fh)
DATA = {k: np.asarray(v) for k, v in REF["interaction_data"].items()}
CASES = REF["interaction_robust"]


def _run(case):
    kw = dict(covariates={k: DATA[k] for k in case["covariates"]}, ties=case["ties"],
              strata=None if case["strata"] is None else DATA[case["strata"]],
              weights=DATA["w"] if case["weighted"] else None)
    if case["robust"] is not None:
        kw["robust"] = case["robust"]
    return interaction_test(DATA["time"], DATA["event"], DATA[case["treatment"]],
                            DATA[case["subgroup"]], **kw)


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_robust_wald_matches_r(case):
    assert case["anova_error"] == "Can't do anova tables with robust variances"
    res = _run(case)
    assert res.method == "robust Wald" and res.variance == "robust"
    assert res.df == case["df"] and res.estimable and not res.aliased
    np.testing.assert_allclose(res.statistic, case["statistic"], rtol=1e-8)
    np.testing.assert_allclose(res.p_value, case["p"], rtol=1e-7)
    np.testing.assert_allclose(res.loglik_interaction, case["loglik"][1], rtol=1e-12)


def test_integer_weights_keep_the_likelihood_ratio_test():
    """Integer weights are frequency weights: model variance, R's anova works, LR test."""
    w = np.where(DATA["w"] > 1.5, 2, 1)
    res = interaction_test(DATA["time"], DATA["event"], DATA["trt"], DATA["sub"], weights=w)
    assert res.method == "likelihood ratio" and res.variance == "model"
    assert res.statistic == pytest.approx(2 * (res.loglik_interaction - res.loglik_main))


def test_robust_false_with_fractional_weights_is_the_likelihood_ratio_test():
    res = interaction_test(DATA["time"], DATA["event"], DATA["trt"], DATA["sub"],
                           weights=DATA["w"], robust=False)
    assert res.method == "likelihood ratio" and res.variance == "model"


def test_robust_wald_by_hand():
    """The naive route: product columns built here, one robust cox_ph fit, b' V^-1 b."""
    rng = np.random.default_rng(11)
    n = 200
    trt = rng.choice(["a", "b"], n)
    sub = rng.choice(["x", "y", "z"], n)
    time = np.ceil(rng.exponential(20, n))
    event = (rng.random(n) < 0.75).astype(int)
    w = rng.uniform(0.3, 2.0, n)
    res = interaction_test(time, event, trt, sub, weights=w, ties="breslow")
    b = (trt == "b").astype(float)
    data = {"t": time, "e": event, "trt": trt, "sub": sub, "w": w,
            "iy": b * (sub == "y"), "iz": b * (sub == "z")}
    fit = cox_ph(data, time="t", event="e", covariates=["trt", "sub", "iy", "iz"],
                 weights="w", ties="breslow")
    assert fit.variance == "robust"
    coef, var = fit.coef[-2:], fit.var[-2:, -2:]
    assert res.statistic == pytest.approx(coef @ np.linalg.solve(var, coef), rel=1e-10)
    assert res.df == 2 and res.method == "robust Wald"
