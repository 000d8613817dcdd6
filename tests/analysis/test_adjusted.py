"""The adjusted comparison: its numbers equal direct calls of the stats functions.

Each test rebuilds the inputs by hand (design columns coded here, not by the module) and
calls retrostudy.stats directly, so a wrong coding, subset, weight or variance choice in
the analysis layer shows up as a difference.
"""

import warnings

import numpy as np
import pandas as pd
import pytest
from adjusted_helpers import dataset, run

from retrostudy.report.tables import analysis_tables
from retrostudy.stats import (
    balance_table,
    cox_ph,
    kaplan_meier,
    logrank_test,
    match_nearest,
    propensity_score,
    ps_weights,
)

TREATED, REFERENCE = "Tmab/Pmab", "Tmab"
NAMES = ["age", "ecog", "hr_status=positive", "prior_regimens", "de_novo"]


@pytest.fixture(scope="module")
def analyses():
    return run()


@pytest.fixture(scope="module")
def hand():
    """The complete-case sample and its design matrix, coded by hand."""
    d = dataset()
    d = d[d["de_novo"].notna()].reset_index(drop=True)
    X = np.column_stack(
        [
            d["age"].astype(float),
            d["ecog"].astype(float),
            (d["hr_status"] == "positive").astype(float),
            d["prior_regimens"].astype(float),
            d["de_novo"].map({True: 1.0, False: 0.0, "True": 1.0, "False": 0.0}).astype(float),
        ]
    )
    treated = (d["group"] == TREATED).to_numpy()
    ps = propensity_score(X, treated, names=NAMES)
    return d, X, treated, ps


def test_design_and_propensity_model(analyses, hand):
    d, X, treated, ps = hand
    res = analyses.adjusted
    assert res.treated == TREATED and res.reference == REFERENCE
    assert res.design.names == tuple(NAMES)
    assert res.design.binary == (False, False, True, False, True)
    np.testing.assert_array_equal(res.design.X, X)
    np.testing.assert_array_equal(res.design.treated, treated)
    assert res.design.excluded == {TREATED: 1} or res.design.excluded == {REFERENCE: 1}
    assert res.design.missing == {"de_novo": 1}
    np.testing.assert_allclose(res.ps, ps.ps, rtol=1e-12)
    np.testing.assert_allclose(
        [t.coef for t in res.ps_model], np.asarray(ps.fit.coef), rtol=1e-12
    )
    age = res.ps_model[1]
    assert age.odds_ratio == pytest.approx(np.exp(ps.fit.coef[1]))
    z = 1.959963984540054
    assert age.conf_low == pytest.approx(np.exp(ps.fit.coef[1] - z * ps.fit.std_err[1]))


def test_weights_matching_and_balance(analyses, hand):
    d, X, treated, ps = hand
    res = analyses.adjusted
    w = ps_weights(ps.ps, treated, estimand="ATE", stabilized=True)
    np.testing.assert_allclose(res.weights["iptw"], w.weights, rtol=1e-12)
    m = match_nearest(ps.logit, treated, caliper=0.2, replace=False, order="largest", seed=0)
    np.testing.assert_array_equal(res.weights["matching"], m.weights)
    for method, weights in (("iptw", w.weights), ("matching", m.weights)):
        bal = balance_table(
            X,
            treated,
            names=NAMES,
            weights=weights,
            binary=[False, False, True, False, True],
            threshold=0.1,
        )
        assert [res.balance[method][n] for n in NAMES] == pytest.approx(list(bal.smd_after))
        detail = res.balance_detail[method].rows()
        assert [r["mean_treated_after"] for r in detail] == pytest.approx(
            list(bal.mean_treated_after)
        )
        assert [res.balance["before"][n] for n in NAMES] == pytest.approx(list(bal.smd_before))
        for arm, g in ((True, TREATED), (False, REFERENCE)):
            ww = np.asarray(weights, float)[treated == arm]
            s = res.samples.by_method[method][g]
            assert s.effective_n == pytest.approx(ww.sum() ** 2 / (ww**2).sum())
            assert s.n_used == int((ww > 0).sum())


def _frame(d, weights=None, cluster=None):
    f = {
        "time": d["pfs_days"].to_numpy(float),
        "event": d["pfs_event"].to_numpy(int),
        "group": d["group"].to_numpy(object),
    }
    if weights is not None:
        f["w"] = np.asarray(weights, float)
    if cluster is not None:
        f["cl"] = np.asarray(cluster)
    return f


def test_crude_equals_direct_calls(analyses, hand):
    d, *_ = hand
    c = analyses.adjusted.comparison("pfs", "crude")
    fit = cox_ph(
        _frame(d),
        time="time",
        event="event",
        covariates=["group"],
        levels={"group": [REFERENCE, TREATED]},
    )
    assert c.hazard_ratio.hazard_ratio == pytest.approx(fit.coefficients[0].hazard_ratio)
    assert c.hazard_ratio.variance == "model"
    lr = logrank_test(d["pfs_days"], d["pfs_event"], d["group"])
    assert c.test.p_value == pytest.approx(lr.p_value)
    assert c.n == len(d)


def test_iptw_equals_direct_calls(analyses, hand):
    d, X, treated, ps = hand
    w = ps_weights(ps.ps, treated, estimand="ATE", stabilized=True).weights
    c = analyses.adjusted.comparison("pfs", "iptw")
    fit = cox_ph(
        _frame(d, w),
        time="time",
        event="event",
        covariates=["group"],
        levels={"group": [REFERENCE, TREATED]},
        weights="w",
        robust=True,
    )
    hr = fit.coefficients[0]
    assert (
        c.hazard_ratio.hazard_ratio,
        c.hazard_ratio.conf_low,
        c.hazard_ratio.conf_high,
    ) == pytest.approx((hr.hazard_ratio, hr.conf_low, hr.conf_high), rel=1e-12)
    assert c.hazard_ratio.robust_std_err == pytest.approx(hr.robust_std_err)
    assert c.test.p_value == pytest.approx(fit.robust_score_test.p_value)
    for g in c.groups:
        m = (d["group"] == g.group).to_numpy()
        km = kaplan_meier(d["pfs_days"][m], d["pfs_event"][m], weights=w[m])
        q = km.median()
        assert g.median == pytest.approx(
            tuple(v / 30.4375 for v in (q.estimate, q.conf_low, q.conf_high)), nan_ok=True
        )
        at = km.at([6 * 30.4375, 12 * 30.4375])
        assert g.landmarks[6.0][0] == pytest.approx(at.survival[0])
        assert g.landmarks[12.0][1] == pytest.approx(at.conf_low[1])
        assert g.variance == "robust"


def test_matching_clusters_on_pairs(analyses, hand):
    d, X, treated, ps = hand
    m = match_nearest(ps.logit, treated, caliper=0.2, replace=False, order="largest", seed=0)
    keep = np.asarray(m.weights) > 0
    c = analyses.adjusted.comparison("pfs", "matching")
    dm = d[keep]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a monotone fit is checked below
        fit = cox_ph(
            _frame(dm, np.asarray(m.weights)[keep], np.asarray(m.subclass)[keep]),
            time="time",
            event="event",
            covariates=["group"],
            levels={"group": [REFERENCE, TREATED]},
            weights="w",
            cluster="cl",
        )
    if fit.monotone:
        assert np.isnan(c.hazard_ratio.hazard_ratio) and c.hazard_ratio.monotone
    else:
        assert c.hazard_ratio.hazard_ratio == pytest.approx(fit.coefficients[0].hazard_ratio)
        assert c.hazard_ratio.conf_low == pytest.approx(fit.coefficients[0].conf_low)
    assert c.test.p_value == pytest.approx(fit.robust_score_test.p_value)
    assert c.n == int(keep.sum())
    assert sum(g.n for g in c.groups) == int(keep.sum())


def test_crude_matches_main_analysis_without_missing():
    """With no patient left out, the crude row is the main analysis's HR and log-rank."""
    res = run(covariates=["age", "prior_regimens"], missing="error")
    crude = res.adjusted.comparison("pfs", "crude")
    main = res.endpoints[0]
    hr = main.group_hr("unadjusted")
    assert crude.hazard_ratio.hazard_ratio == pytest.approx(hr.hazard_ratio, rel=1e-12)
    assert crude.test.p_value == pytest.approx(main.logrank.p_value, rel=1e-12)
    for g in crude.groups:
        assert g.median == pytest.approx(
            next(x.median for x in main.groups if x.group == g.group), nan_ok=True
        )


def test_results_json_and_tables(analyses):
    out = analyses.to_json()["adjusted"]
    assert set(out) >= {
        "treated_group",
        "reference_group",
        "estimand",
        "conventions",
        "covariates",
        "ps_model",
        "balance",
        "samples",
        "endpoints",
        "flags",
        "warnings",
    }
    assert set(out["endpoints"]["pfs"]) == {"crude", "iptw", "matching"}
    assert out["missing"] == {
        "counts": {"de_novo": 1},
        "excluded_by_group": pytest.approx(out["missing"]["excluded_by_group"]),
    }
    assert {"ps_model", "balance", "adjusted_pfs"} <= set(analysis_tables(analyses))
    t = analysis_tables(analyses)["adjusted_pfs"]
    assert [r.label for r in t.rows if r.heading] == ["Crude", "IPTW", "Matched"]
    balance = analysis_tables(analyses)["balance"]
    counts = [c.count for r in balance.rows for c in r.cells if c.count]
    assert counts  # unadjusted and matched patient counts are maskable counts
    assert all(w in analyses.warnings for w in analyses.adjusted.warnings)


def test_no_block_no_key():
    from adjusted_helpers import DATA

    from retrostudy.analysis import run_analyses
    from retrostudy.protocol import load_protocol

    a = run_analyses(load_protocol(DATA / "study.toml"), pd.read_csv(DATA / "seed_like.csv"))
    assert a.adjusted is None and "adjusted" not in a.to_json()
    assert not {"ps_model", "balance"} & set(analysis_tables(a))
