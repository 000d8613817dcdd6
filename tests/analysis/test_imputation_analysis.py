"""[analyses.imputation] wired into the run: the pooled adjusted Cox model equals
stats.pool_cox over Cox fits on the same completed datasets (seeded data with missing
covariates, not the T-DM1 example); the complete-case fit sits beside it."""

from __future__ import annotations

import math

import numpy as np
import pytest
from secondary_data import make_data, make_protocol

from retrostudy.analysis import run_analyses
from retrostudy.stats import cox_ph, mice, pool_cox

M, SEED = 4, 123


def _data():
    d = make_data(seed=5, n=140)
    rng = np.random.default_rng(99)
    d.loc[rng.random(len(d)) < 0.2, "age"] = np.nan
    vis = d["visceral"].astype(object)
    vis[rng.random(len(d)) < 0.15] = None
    return d.assign(visceral=vis)


@pytest.fixture(scope="module")
def run():
    d = _data()
    proto = make_protocol({"survival": [{"endpoint": "os", "adjust": ["age", "visceral"]}],
                           "imputation": {"m": M, "seed": SEED, "iterations": 5}})
    return d, run_analyses(proto, d)


def test_pooled_equals_pool_cox_on_the_same_completed_datasets(run):
    d, an = run
    (res,) = an.result("imputation")
    frame = {"age": d["age"].to_numpy(float),
             "visceral": np.array([None if v is None else v for v in d["visceral"]], object),
             "group": d["group"].to_numpy(object),
             "os_days": d["os_days"].to_numpy(float), "os_event": d["os_event"].to_numpy(float)}
    imp = mice(frame, m=M, iterations=5, seed=SEED, method={"age": "pmm", "visceral": "logreg"},
               levels={}, donors=5)
    fits = []
    for done in imp.completed():
        fits.append(cox_ph({"time": frame["os_days"], "event": frame["os_event"].astype(int),
                            "group": done["group"], "age": np.asarray(done["age"], float),
                            "visceral": done["visceral"]},
                           time="time", event="event", covariates=["group", "age", "visceral"],
                           levels={"group": ["B", "A"], "visceral": [False, True]}))
    expected = pool_cox(fits)
    assert [(t.variable, t.level) for t in res.pooled] == [("group", "A"), ("age", None),
                                                           ("visceral", True)]
    for got, want in zip(res.pooled, expected, strict=True):
        np.testing.assert_allclose(math.log(got.hazard_ratio), want.estimate, rtol=1e-10)
        np.testing.assert_allclose(math.log(got.conf_low), want.conf_low, rtol=1e-10)
        np.testing.assert_allclose(math.log(got.conf_high), want.conf_high, rtol=1e-10)
        np.testing.assert_allclose(got.p_value, want.p_value, rtol=1e-10)
        np.testing.assert_allclose(got.fmi, want.fmi, rtol=1e-10)
    assert res.missing == {"age": int(d["age"].isna().sum()),
                           "visceral": int(d["visceral"].isna().sum())}
    assert res.n == len(d) and res.m == M and res.seed == SEED


def test_complete_case_beside_it(run):
    d, an = run
    (res,) = an.result("imputation")
    cc = d.dropna(subset=["age", "visceral"])
    assert res.complete_case.n == len(cc) < res.n
    fit = cox_ph({"time": cc["os_days"].to_numpy(float), "event": cc["os_event"].to_numpy(int),
                  "group": cc["group"].to_numpy(object), "age": cc["age"].to_numpy(float),
                  "visceral": cc["visceral"].to_numpy(object)},
                 time="time", event="event", covariates=["group", "age", "visceral"],
                 levels={"group": ["B", "A"], "visceral": [False, True]})
    np.testing.assert_allclose(res.complete_case.coefficients[0].hazard_ratio,
                               fit.coefficients[0].hazard_ratio, rtol=1e-10)


def test_seeded_and_reported(run):
    from retrostudy.report.results_model.design import ImputedEndpoint
    from retrostudy.report.tables import analysis_tables

    d, an = run
    again = run_analyses(make_protocol(
        {"survival": [{"endpoint": "os", "adjust": ["age", "visceral"]}],
         "imputation": {"m": M, "seed": SEED, "iterations": 5}}), d)
    assert again.to_json()["imputation"] == an.to_json()["imputation"]
    ImputedEndpoint.model_validate(an.to_json()["imputation"]["os"])
    table = analysis_tables(an)["imputation"]
    assert f"m = {M}, seed {SEED}" in table.rows[0].label
    (res,) = an.result("imputation")
    assert res.methods_text(an.var_labels) in table.footnotes
