"""Cause-specific Cox, the Cox interaction test and subgroup hazard ratios against R survival 3.5-3.

Reference values in ``tests/reference/competing.json`` (``Rscript tests/reference/competing.R``):
``coxph(Surv(time, status == cause) ~ ...)`` on mgus2, rotterdam (with ``strata(meno)`` and a
factor) and Melanoma (censoring code 2) with Efron and Breslow ties; ``anova(fit0, fit1)`` of
nested ``coxph`` for rotterdam chemo x grade, chemo x menopause (+ age), chemo x size (+ age,
grade, Breslow), hormon x size (``strata(meno)``), chemo x nodes > 0 (aliased: chemo was given
only to node-positive patients; R's Df 0) and veteran trt x celltype (+ karno); and
``coxph(Surv(time, event) ~ trt [+ covariates])`` within each subgroup level.
Coefficients and SEs at rtol 1e-8 (observed ~1e-13); LR statistics at atol 1e-8 (they are
differences of log-likelihoods of ~1e4, so their rounding is ~1e-10).
"""

import json
import warnings
from pathlib import Path

import numpy as np
import pytest

from retrostudy.stats import (
    cause_specific_cox,
    cox_ph,
    interaction_test,
    subgroup_hazard_ratios,
)

with (Path(__file__).parents[1] / "reference" / "competing.json").open() as fh:
    REF = json.load(fh)
RTOL = 1e-8


def _data(name):
    return {k: np.asarray(v) for k, v in REF["data"][name].items()}


def _nan(v):
    return np.nan if v is None else v


@pytest.mark.parametrize("case", REF["cs_cox"], ids=[c["name"] for c in REF["cs_cox"]])
def test_cause_specific_cox_matches_coxph(case):
    d = _data(case["data"])
    terms = [t.strip() for t in case["rhs"].replace("factor(grade)", "grade").split("+")]
    strata = [t[7:-1] for t in terms if t.startswith("strata(")]
    covs = [t for t in terms if not t.startswith("strata(")]
    censor = 2 if case["data"] == "melanoma" else 0
    fit = cause_specific_cox(
        d["time"], d["status"], {k: d[k] for k in covs + strata}, cause=case["cause"],
        censor=censor, covariates=covs, ties=case["ties"],
        strata=strata[0] if strata else None,
        levels={"grade": [2, 3]} if "grade" in covs else None)
    np.testing.assert_allclose(fit.coef, case["coef"], rtol=RTOL)
    np.testing.assert_allclose(np.sqrt(np.diag(fit.var)), case["se"], rtol=RTOL)
    np.testing.assert_allclose([fit.loglik_null, fit.loglik], case["loglik"], rtol=1e-12)
    assert fit.n == case["n"] and fit.n_events == case["nevent"] == fit.fit.n_events
    assert case["cause"] not in fit.competing and len(fit.competing) == 1
    assert fit.n_competing == int(((d["status"] != censor) & (d["status"] != case["cause"])).sum())


def test_cause_specific_cox_is_cox_with_other_causes_censored():
    rng = np.random.default_rng(3)
    n = 200
    time = rng.integers(1, 50, n).astype(float)
    status = rng.choice(["none", "relapse", "death"], n)
    x = {"age": rng.normal(60, 10, n), "arm": rng.choice(["A", "B"], n)}
    fit = cause_specific_cox(time, status, x, cause="relapse", censor="none")
    ref = cox_ph({"t": time, "e": status == "relapse", **x}, time="t", event="e",
                 covariates=["age", "arm"])
    np.testing.assert_array_equal(fit.coef, ref.coef)
    assert fit.loglik == ref.loglik and fit.competing == ("death",)
    assert fit.cause == "relapse" and "censored" in fit.method
    assert [c.name for c in fit.coefficients] == ["age", "arm=B"]


def _levels(d, case):
    """R's factor levels (strings in the JSON) as the values of the data column."""
    values = {str(v): v for v in d[case["subgroup"]].tolist()}
    return [values[s] for s in case["levels"]]


def _args(case):
    d = _data(case["data"])
    kw = dict(covariates={k: d[k] for k in case["covariates"]}, ties=case["ties"],
              strata=None if case["strata"] is None else d[case["strata"]],
              levels={"subgroup": _levels(d, case)})
    return (d[case["time"]], d[case["event"]], d[case["treatment"]], d[case["subgroup"]]), kw


@pytest.mark.parametrize("case", REF["interaction"], ids=[c["name"] for c in REF["interaction"]])
def test_interaction_matches_anova_of_nested_coxph(case):
    args, kw = _args(case)
    res = interaction_test(*args, **kw)
    assert res.method == "likelihood ratio" and res.variable == "treatment:subgroup"
    assert res.df == case["df"]
    np.testing.assert_allclose(res.loglik_main, case["loglik0"], rtol=1e-12)
    np.testing.assert_allclose(res.loglik_interaction, case["loglik1"], rtol=1e-12)
    np.testing.assert_allclose(res.statistic, case["chisq"], rtol=RTOL, atol=1e-8)
    if case["df"]:
        assert res.estimable and not res.aliased
        np.testing.assert_allclose(res.p_value, case["p"], rtol=1e-6, atol=1e-9)
    else:  # R prints Chisq 0 on 0 df; we say why and give no p-value
        assert not res.estimable and np.isnan(res.p_value)
        assert res.aliased == ("treatment=1:subgroup=1",) or res.aliased == (
            "treatment:subgroup=1",)
        assert any("aliased" in w for w in res.warnings)


@pytest.mark.parametrize("case", REF["interaction"], ids=[c["name"] for c in REF["interaction"]])
def test_subgroup_hazard_ratios_match_coxph_per_level(case):
    args, kw = _args(case)
    rows = subgroup_hazard_ratios(*args, **kw)
    assert [str(r.level) for r in rows] == case["levels"]
    for row, ref in zip(rows, case["per_level"], strict=True):
        assert row.n == ref["n"] and row.n_events == ref["nevent"]
        if ref["coef"] is None:  # R: NA coefficient (treatment constant in the level)
            assert not row.estimable and np.isnan(row.hazard_ratio)
            assert "treatment is constant in this level" in row.warning
            continue
        assert row.estimable and row.warning is None
        got = [row.coef, row.std_err, row.hazard_ratio, row.conf_low, row.conf_high]
        want = [ref[k] for k in ("coef", "se", "hr", "lower", "upper")]
        np.testing.assert_allclose(got, want, rtol=RTOL)
        np.testing.assert_allclose(row.p_value, _nan(ref["p"]), rtol=1e-6)


def _toy(seed=5, n=240):
    rng = np.random.default_rng(seed)
    trt = rng.choice(["ctl", "exp"], n)
    sub = rng.choice(["lo", "mid", "hi"], n)
    rate = 0.05 * np.where(trt == "exp", 0.6, 1.0) * np.where(sub == "hi", 1.8, 1.0)
    time = np.ceil(rng.exponential(1 / rate))
    event = (rng.random(n) < 0.8).astype(int)
    return time, event, trt, sub, rng


def test_interaction_equals_two_manual_fits():
    """The naive route: build the product columns by hand and fit both models with cox_ph."""
    time, event, trt, sub, rng = _toy()
    age = rng.normal(size=time.shape[0])
    res = interaction_test(time, event, trt, sub, covariates={"age": age})
    e = (trt == "exp").astype(float)
    data = {"t": time, "e": event, "trt": trt, "sub": sub, "age": age,
            "i_lo": e * (sub == "lo"), "i_mid": e * (sub == "mid")}
    f0 = cox_ph(data, time="t", event="e", covariates=["trt", "sub", "age"])
    f1 = cox_ph(data, time="t", event="e", covariates=["trt", "sub", "age", "i_lo", "i_mid"])
    assert res.statistic == pytest.approx(2 * (f1.loglik - f0.loglik), rel=1e-9)
    assert res.df == 2 and res.levels == ("hi", "lo", "mid")


def test_interaction_invariances():
    time, event, trt, sub, _ = _toy(8)
    base = interaction_test(time, event, trt, sub)
    numeric = interaction_test(time, event, (trt == "exp").astype(int), sub)
    other_ref = interaction_test(time, event, trt, sub, levels={"subgroup": ["mid", "hi", "lo"],
                                                                "treatment": ["exp", "ctl"]})
    breslow = interaction_test(time, event, trt, sub, ties="breslow")
    assert numeric.statistic == pytest.approx(base.statistic, rel=1e-8)
    assert other_ref.statistic == pytest.approx(base.statistic, rel=1e-8)
    assert breslow.ties == "breslow" and breslow.statistic != base.statistic
    # arm "x" only in level "lo", where "exp" is missing: exp:lo and x:mid are empty and x:lo
    # is the main effect of x, so only exp:mid is estimable (R: three NA coefficients)
    three = interaction_test(time, event, np.where((sub == "lo") & (trt == "exp"), "x", trt),
                             sub)
    assert three.df == 1 and len(three.aliased) == 3 and three.estimable


def test_three_arm_treatment_has_two_columns_per_level():
    time, event, _, sub, rng = _toy(9)
    arm = rng.choice(["a", "b", "c"], time.shape[0])
    res = interaction_test(time, event, arm, sub)
    assert res.df == 4  # (3 - 1) treatment columns x (3 - 1) subgroup levels
    rows = subgroup_hazard_ratios(time, event, arm, sub)
    assert [r.term for r in rows[:2]] == ["treatment=b", "treatment=c"] and len(rows) == 6


def test_subgroup_rows_not_estimable_say_why():
    time, event, trt, sub, rng = _toy(10)
    event = event.copy()
    event[(sub == "lo") & (trt == "exp")] = 0  # no events in one arm of one level
    x = rng.normal(size=time.shape[0])
    const = np.where(sub == "mid", 1.0, x)  # constant within "mid"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        rows = subgroup_hazard_ratios(time, event, trt, sub, covariates={"x": const})
    by = {r.level: r for r in rows}
    assert not by["lo"].estimable and np.isnan(by["lo"].hazard_ratio)
    assert by["lo"].warning == ("subgroup=lo: no events with treatment=exp in this level "
                                "(monotone likelihood)")
    assert by["lo"].events_by_arm[1] == 0 and by["lo"].arms == ("ctl", "exp")
    assert by["mid"].estimable and by["mid"].dropped == ("x",)
    assert by["hi"].estimable and by["hi"].dropped == ()
    direct = cox_ph({"t": time[sub == "hi"], "e": event[sub == "hi"], "trt": trt[sub == "hi"],
                     "x": const[sub == "hi"]}, time="t", event="e", covariates=["trt", "x"])
    assert by["hi"].hazard_ratio == pytest.approx(direct.coefficients[0].hazard_ratio, rel=1e-12)


def test_monotone_fit_is_reported_not_raised():
    time = np.arange(1, 13, dtype=float)
    event = np.ones(12, int)
    trt = np.array([0, 1] * 6)
    sub = np.array(["a"] * 6 + ["b"] * 6)
    # in level b every treated patient outlives every control: a monotone likelihood
    trt[6:] = [0, 0, 0, 1, 1, 1]
    event[9:] = [0, 0, 1]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        rows = subgroup_hazard_ratios(time, event, trt, sub)
        res = interaction_test(time, event, trt, sub)
    b = rows[1]  # R: "Ran out of iterations and did not converge", coef -21.9
    assert not b.estimable and b.warning.startswith("subgroup=b: monotone likelihood")
    assert "no convergence with a diverging coefficient" in b.warning and rows[0].estimable
    assert res.df == 1 and np.isfinite(res.statistic)
    assert any(w.startswith("interaction model: monotone likelihood") and "no convergence" in w
               for w in res.warnings)


@pytest.mark.parametrize(("kwargs", "match"), [
    (dict(subgroup=["a"] * 6), r"subgroup 'subgroup' has a single level \('a'\)"),
    (dict(treatment=[1, 1, np.nan, 0, 0, 1]), r"treatment has missing values at positions \[2\]"),
    (dict(subgroup=["a", "b", None, "a", "b", "a"]), r"subgroup has missing \(None\) values"),
    (dict(levels={"subgroup": ["a"]}), r"subgroup 'subgroup' has value 'b' that is not among "
                                       r"its levels \['a'\]"),
    (dict(covariates={"treatment": [1] * 6}), r"covariates has a column named 'treatment'"),
    (dict(event=[1, 2, 0, 1, 0, 1]), r"event must be 0 \(censored\) or 1 \(event\); position 1"),
    (dict(time=[1, 2, np.inf, 4, 5, 6]), r"time has 1 missing or infinite value"),
    (dict(treatment=["x"] * 6), r"covariate 'treatment' is constant|single level"),
])
def test_errors(kwargs, match):
    args = dict(time=[1, 2, 3, 4, 5, 6], event=[1, 1, 0, 1, 0, 1],
                treatment=[0, 1, 0, 1, 0, 1], subgroup=["a", "b", "a", "b", "a", "b"])
    args.update(kwargs)
    pos = [args.pop(k) for k in ("time", "event", "treatment", "subgroup")]
    with pytest.raises(ValueError, match=match):
        interaction_test(*pos, **args)
    with pytest.raises(ValueError, match=match):
        subgroup_hazard_ratios(*pos, **args)


@pytest.mark.parametrize(("kwargs", "match"), [
    (dict(cause=5), r"cause 5 does not occur in status"),
    (dict(X=[[1, 2]]), r"X must be a mapping of column name -> values, got list"),
    (dict(X={"time (cause-specific)": [1, 2, 3, 4]}), r"X has a column named"),
    (dict(causes=[1]), r"status has value 2 .* neither the censoring code 0 nor one of"),
])
def test_cause_specific_errors(kwargs, match):
    args = dict(time=[1, 2, 3, 4], status=[1, 2, 0, 1], X={"x": [0.5, 1.0, 2.0, 0.1]}, cause=1)
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        cause_specific_cox(args.pop("time"), args.pop("status"), args.pop("X"), **args)


def test_integer_weights_equal_duplicated_rows():
    """With Breslow ties a case weight of 2 is two copies of the row (not so with Efron, whose
    tie correction sees a duplicated row as an extra tied death: as in R)."""
    time, event, trt, sub, _ = _toy(12, n=120)
    w = np.tile([1.0, 2.0], 60)
    rep = np.repeat(np.arange(120), w.astype(int))
    res = interaction_test(time, event, trt, sub, weights=w, ties="breslow")
    dup = interaction_test(time[rep], event[rep], trt[rep], sub[rep], ties="breslow")
    assert res.statistic == pytest.approx(dup.statistic, rel=1e-9)
    rows = subgroup_hazard_ratios(time, event, trt, sub, weights=w, ties="breslow")
    rows_dup = subgroup_hazard_ratios(time[rep], event[rep], trt[rep], sub[rep],
                                      ties="breslow")
    for a, b in zip(rows, rows_dup, strict=True):
        assert a.hazard_ratio == pytest.approx(b.hazard_ratio, rel=1e-9)


@pytest.mark.parametrize(("kwargs", "match"), [
    (dict(ties="exactly"), r"ties must be one of \('efron', 'breslow', 'exact'\), got 'exactly'"),
    (dict(conf_level=95), r"conf_level must be between 0 and 1, got 95"),
    (dict(weights=[1, 1, 0, 1, 1, 1]), r"weights must be finite and > 0; position 2 is 0.0"),
    (dict(strata=[1, 1, None, 2, 2, 2]), r"strata has missing \(None\) values"),
])
def test_subgroup_option_errors(kwargs, match):
    pos = ([1, 2, 3, 4, 5, 6], [1, 1, 0, 1, 0, 1], [0, 1, 0, 1, 0, 1], list("ababab"))
    with pytest.raises(ValueError, match=match):
        subgroup_hazard_ratios(*pos, **kwargs)
