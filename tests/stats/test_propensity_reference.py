"""Propensity scores against R (tier 2: external oracle).

``tests/reference/propensity.R`` (R 4.2.2, survival 3.5-3, MatchIt 4.5.1) writes
``tests/reference/propensity.json`` and the design matrices ``propensity_<name>.csv`` for
survival::veteran (trt; celltype, karno, diagtime, age, prior) and survival::rotterdam
(chemo; age, meno, size, grade, nodes, pgr, er, hormon), and a small separated data set.
R's glm(binomial), the weights and SMDs in plain R, MatchIt nearest-neighbour matching and
the weighted outcome analyses a reviewer would run (survfit, coxph with robust or cluster
variance). Regenerate from the repository root with ``Rscript tests/reference/propensity.R``.

Tolerances: glm 1e-8 (our IRLS repeats R's iterations, observed ~1e-14); closed forms
(weights, SMDs, ESS) 1e-10; Cox and KM 1e-8; Firth 1e-8 (R's reference is optim polished
to a score below 1e-12). Matched pairs must be identical sets.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from retrostudy.stats import (
    balance_table,
    cox_ph,
    kaplan_meier,
    logistic_regression,
    match_nearest,
    propensity_score,
    ps_weights,
)

REF_DIR = Path(__file__).parents[1] / "reference"
REF = json.loads((REF_DIR / "propensity.json").read_text())["cases"]
DATASETS = ("veteran", "rotterdam")


def load(name: str) -> dict[str, np.ndarray]:
    with open(REF_DIR / f"propensity_{name}.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    return {k: np.array([float(r[k]) for r in rows]) for k in rows[0]}


def arr(values) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in np.ravel(values)], dtype=float)


def close(actual, expected, rtol, atol=0.0):
    np.testing.assert_allclose(np.ravel(np.asarray(actual, float)), arr(expected), rtol=rtol,
                               atol=atol)


_CACHE: dict = {}


def setup(name):
    if name not in _CACHE:
        d = load(name)
        names = REF[name]["names"][1:]
        x = np.column_stack([d[k] for k in names])
        _CACHE[name] = (d, x, names, propensity_score(x, d["treated"], names=names))
    return _CACHE[name]


@pytest.mark.parametrize("name", DATASETS)
def test_glm_matches_r(name):
    d, x, names, ps = setup(name)
    g = REF[name]["glm"]
    fit = ps.fit
    assert fit.names == tuple(REF[name]["names"])
    assert fit.method == "ml" and not fit.separation and fit.converged and fit.warnings == ()
    assert fit.iterations == g["iter"]
    close(fit.coef, g["coef"], 1e-8, 1e-12)
    close(fit.std_err, g["se"], 1e-8)
    close(fit.vcov, np.asarray(g["vcov"]), 1e-8, 1e-14)
    close(ps.ps, g["fitted"], 1e-8)
    close(ps.logit, g["linear"], 1e-8, 1e-12)
    assert fit.loglik == pytest.approx(g["loglik"], rel=1e-10)
    assert fit.deviance == pytest.approx(g["deviance"], rel=1e-10)


def test_weighted_glm_matches_r():
    d, x, names, _ = setup("veteran")
    g = REF["veteran"]["glm_weighted"]
    fit = logistic_regression(x, d["treated"], names=names, weights=d["iw"])
    assert fit.iterations == g["iter"]
    close(fit.coef, g["coef"], 1e-8, 1e-12)
    close(fit.std_err, g["se"], 1e-8)
    close(fit.fitted, g["fitted"], 1e-8)
    assert fit.loglik == pytest.approx(g["loglik"], rel=1e-10)


WEIGHT_CASES = [(n, k) for n in DATASETS for k in REF[n]["weights"]]


@pytest.mark.parametrize(("name", "key"), WEIGHT_CASES)
def test_weights_and_balance_match_r(name, key):
    d, x, names, ps = setup(name)
    ref = REF[name]["weights"][key]
    w = ps_weights(ps.ps, d["treated"], estimand=ref["estimand"],
                   stabilized=ref["stabilized"], trim=ref.get("trim"))
    close(w.weights, ref["weights"], 1e-10, 1e-14)
    assert w.effective_n["treated"] == pytest.approx(ref["ess"]["treated"], rel=1e-10)
    assert w.effective_n["control"] == pytest.approx(ref["ess"]["control"], rel=1e-10)
    if "trimmed" in ref:
        np.testing.assert_array_equal(w.trimmed, np.asarray(ref["trimmed"], bool))
    if "balance" in ref:
        b = balance_table(x, d["treated"], names=names, weights=w.weights,
                          estimand=ref["estimand"])
        check_balance(b, ref["balance"])


def check_balance(b, ref):
    np.testing.assert_array_equal(b.binary, np.asarray(ref["binary"], bool))
    for field in ("mean_treated_before", "mean_control_before", "mean_treated_after",
                  "mean_control_after", "smd_before", "smd_after", "variance_ratio_before",
                  "variance_ratio_after"):
        close(getattr(b, field), ref[field], 1e-10, 1e-13)


def check_km(time, event, w, ref):
    km = kaplan_meier(time, event, weights=w)
    at = km.at(ref["times"])
    close(at.survival, ref["surv"], 1e-8)
    close(at.std_err, ref["std_err"], 1e-8)
    close(at.conf_low, ref["lower"], 1e-8)
    close(at.conf_high, ref["upper"], 1e-8)
    m = km.median()
    close([m.estimate, m.conf_low, m.conf_high], ref["median"], 1e-8)


def check_cox(fit, ref):
    c = fit.coefficients[0]
    assert c.coef == pytest.approx(ref["coef"], rel=1e-8, abs=1e-12)
    assert c.std_err == pytest.approx(ref["se"], rel=1e-8)
    assert c.robust_std_err == pytest.approx(ref["robust_se"], rel=1e-8)
    assert fit.robust_score_test.statistic == pytest.approx(arr(ref["rscore"])[0], rel=1e-7,
                                                            abs=1e-12)
    assert fit.wald_test.statistic == pytest.approx(ref["wald"], rel=1e-7, abs=1e-12)
    assert fit.n == ref["n"] and fit.n_events == ref["nevent"]


@pytest.mark.parametrize(("name", "key"), WEIGHT_CASES)
def test_weighted_outcome_analyses_match_r(name, key):
    """survfit(weights=) and coxph(weights=, robust=TRUE) on the IPT-weighted sample."""
    d, _, _, ps = setup(name)
    ref = REF[name]["weights"][key]
    w = ps_weights(ps.ps, d["treated"], estimand=ref["estimand"],
                   stabilized=ref["stabilized"], trim=ref.get("trim"))
    keep = w.weights > 0
    for arm, value in (("treated", 1), ("control", 0)):
        s = keep & (d["treated"] == value)
        check_km(d["time"][s], d["event"][s], w.weights[s], ref["outcomes"]["km"][arm])
    data = {"time": d["time"][keep], "event": d["event"][keep],
            "treated": d["treated"][keep], "w": w.weights[keep]}
    fit = cox_ph(data, time="time", event="event", covariates=["treated"], weights="w",
                 robust=True)
    check_cox(fit, ref["outcomes"]["cox"])


MATCH_CASES = [(n, k) for n in DATASETS for k in REF[n]["matching"]]


@pytest.mark.parametrize(("name", "key"), MATCH_CASES)
def test_matching_matches_matchit(name, key):
    d, x, names, ps = setup(name)
    ref = REF[name]["matching"][key]
    m = match_nearest(ps.logit, d["treated"], caliper=0.2, replace=ref["replace"],
                      order=ref["order"])
    assert m.caliper_width == pytest.approx(ref["caliper_width"], rel=1e-12)
    assert set(map(tuple, m.pairs.tolist())) == set(
        zip(ref["pairs_treated"], ref["pairs_control"], strict=True))
    close(m.weights, ref["weights"], 1e-12, 1e-14)
    assert m.n_matched == ref["n_matched"]
    assert np.abs(ps.logit[m.pairs[:, 0]] - ps.logit[m.pairs[:, 1]]).max() == pytest.approx(
        ref["max_pair_distance"], rel=1e-12)
    check_balance(balance_table(x, d["treated"], names=names, weights=m.weights,
                                estimand="ATT"), ref["balance"])


@pytest.mark.parametrize(("name", "key"), MATCH_CASES)
def test_matched_outcome_analyses_match_r(name, key):
    """survfit on the matched set; coxph(cluster(subclass)), or with replacement
    coxph(weights = MatchIt weights, robust = TRUE)."""
    d, _, _, ps = setup(name)
    ref = REF[name]["matching"][key]
    m = match_nearest(ps.logit, d["treated"], caliper=0.2, replace=ref["replace"],
                      order=ref["order"])
    s = m.matched
    for arm, value in (("treated", 1), ("control", 0)):
        a = s & (d["treated"] == value)
        check_km(d["time"][a], d["event"][a], m.weights[a], ref["km"][arm])
    data = {"time": d["time"][s], "event": d["event"][s], "treated": d["treated"][s],
            "w": m.weights[s], "pair": m.subclass[s]}
    if m.replace:
        fit = cox_ph(data, time="time", event="event", covariates=["treated"], weights="w",
                     robust=True)
    else:
        fit = cox_ph(data, time="time", event="event", covariates=["treated"], cluster="pair")
    check_cox(fit, ref["cox"])


@pytest.mark.parametrize("kind", ["quasi", "complete"])
def test_separation_switches_to_firth(kind):
    d = load("separation")
    ref = REF["separation"][kind]
    x = np.column_stack([d[v] for v in ref["x"]])
    fit = logistic_regression(x, d[ref["y"]], names=ref["x"])
    assert fit.separation and fit.method == "firth" and fit.converged
    assert any("separation" in w for w in fit.warnings)
    f = ref["firth"]
    close(fit.coef, f["coef"], 1e-8)
    close(fit.std_err, f["se"], 1e-8)
    close(fit.fitted, f["fitted"], 1e-8)
    assert fit.loglik_penalised == pytest.approx(f["loglik_penalised"], rel=1e-10)
    assert fit.loglik == pytest.approx(f["loglik"], rel=1e-8)


@pytest.mark.parametrize("kind", ["quasi", "complete"])
def test_separation_ml_is_flagged_like_r(kind):
    """firth=False keeps R's diverging ML fit (same iterates, same non-convergence)."""
    d = load("separation")
    ref = REF["separation"][kind]
    x = np.column_stack([d[v] for v in ref["x"]])
    fit = logistic_regression(x, d[ref["y"]], names=ref["x"], firth=False)
    assert fit.method == "ml" and fit.separation
    assert fit.iterations == ref["ml_iter"] and fit.converged == ref["ml_converged"]
    close(fit.coef, ref["ml_coef"], 1e-6)
    r_warned = any("numerically 0 or 1" in w for w in ref["ml_warnings"])
    assert any("numerically 0 or 1" in w for w in fit.warnings) == r_warned
