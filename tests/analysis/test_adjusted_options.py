"""[analyses.adjusted] options reach the stats calls: ATT, trimming, replacement, weak data."""

import numpy as np
import pytest
from adjusted_helpers import dataset, protocol_with, run

from retrostudy.analysis import run_analyses
from retrostudy.errors import ProtocolError
from retrostudy.stats import cox_ph, match_nearest, ps_weights


def test_att_trim_weights_equal_direct_call():
    res = run(estimand="ATT", stabilized=False, trim=[0.05, 0.95], methods=["iptw"]).adjusted
    w = ps_weights(res.ps, res.design.treated, estimand="ATT", stabilized=False, trim=(0.05, 0.95))
    np.testing.assert_allclose(res.weights["iptw"], w.weights, rtol=1e-12)
    assert res.conventions.iptw_trimmed == int(np.sum(w.trimmed))
    assert res.methods == ("iptw",)
    c = res.comparison("pfs", "iptw")
    assert c.n == int(np.sum(w.weights > 0))  # trimmed patients are left out


def test_replacement_clusters_on_patients():
    res = run(replace=True, caliper=0.5, methods=["matching"]).adjusted
    m = match_nearest(res.logit, res.design.treated, caliper=0.5, replace=True, order="largest")
    np.testing.assert_allclose(res.weights["matching"], m.weights, rtol=1e-12)
    d = dataset()
    d = d[d["de_novo"].notna()].reset_index(drop=True)
    keep = m.weights > 0
    frame = {
        "time": d["pfs_days"].to_numpy(float)[keep],
        "event": d["pfs_event"].to_numpy(int)[keep],
        "group": d["group"].to_numpy(object)[keep],
        "w": m.weights[keep],
        "id": np.arange(keep.size)[keep],
    }
    fit = cox_ph(
        frame,
        time="time",
        event="event",
        covariates=["group"],
        levels={"group": ["Tmab", "Tmab/Pmab"]},
        weights="w",
        cluster="id",
    )
    hr = res.comparison("pfs", "matching").hazard_ratio
    assert hr.hazard_ratio == pytest.approx(fit.coefficients[0].hazard_ratio, rel=1e-12)
    assert hr.conf_high == pytest.approx(fit.coefficients[0].conf_high, rel=1e-12)


def test_no_pair_within_the_caliper_omits_matching():
    d = dataset()
    d["x"] = np.random.default_rng(1).permutation(len(d)).astype(float)  # all scores distinct
    res = run_analyses(protocol_with(covariates=["x"], caliper=1e-9), d).adjusted
    assert res.methods == ("iptw",)
    assert res.flags.omitted_methods == ("matching",)
    assert any("matching left no patient" in w for w in res.warnings)
    assert any("no treated unit has a control within the caliper" in w for w in res.warnings)
    assert "matching" not in res.to_json()["endpoints"]["pfs"]


def test_exact_ties_have_no_robust_variance():
    raw_protocol = protocol_with()
    analyses = raw_protocol.analyses.model_copy(update={"ties": "exact"})
    protocol = raw_protocol.model_copy(update={"analyses": analyses})
    with pytest.raises(ProtocolError, match=r"analyses\.ties.*ties = 'exact'"):
        run_analyses(protocol, dataset())


def test_overlap_is_reported():
    res = run().adjusted
    ov = res.samples.overlap
    t, c = res.ps[res.design.treated], res.ps[~res.design.treated]
    lo, hi = max(t.min(), c.min()), min(t.max(), c.max())
    assert ov.common_support == pytest.approx([lo, hi])
    outside = int(np.sum((c < lo) | (c > hi)))
    assert ov.outside["Tmab"] == outside
    if outside:
        assert any("outside the range shared" in w for w in res.warnings)


def test_patients_without_the_endpoint_are_left_out_of_its_comparisons():
    d = dataset()
    d.loc[[0, 30], "pfs_days"] = np.nan  # one patient per group without PFS
    res = run_analyses(protocol_with(covariates=["age", "prior_regimens"], missing="error"), d)
    adj = res.adjusted
    assert adj.design.X.shape[0] == 42  # the PS model still uses everyone
    for method in ("crude", "iptw", "matching"):
        c = adj.comparison("pfs", method)
        keep = np.ones(42, bool) if method == "crude" else adj.weights[method] > 0
        keep[[0, 30]] = False
        assert c.n == int(keep.sum())
    assert adj.comparison("pfs", "crude").hazard_ratio.hazard_ratio == pytest.approx(
        res.endpoints[0].group_hr("unadjusted").hazard_ratio, rel=1e-12
    )


@pytest.mark.parametrize("estimand", ["ATC", "ATO"])
def test_atc_and_overlap_weights_reach_the_weights_the_cox_model_and_the_balance(estimand):
    """[analyses.adjusted] estimand = "ATC" / "ATO" (the analysis test study, not the
    example): the IPTW weights are stats.ps_weights' for that estimand, the weighted Cox HR is
    the robust Cox fit with them, the SMD denominator is cobalt's default for it (control SD
    for the ATC, pooled for the ATO), and the conventions name the weights."""
    from retrostudy.stats import balance_table

    res = run(estimand=estimand, methods=["iptw"]).adjusted
    w = ps_weights(res.ps, res.design.treated, estimand=estimand, stabilized=True)
    np.testing.assert_allclose(res.weights["iptw"], w.weights, rtol=1e-12)
    assert res.estimand == estimand
    assert res.conventions.balance_sd == {"ATC": "control", "ATO": "pooled"}[estimand]
    words = {"ATC": "(1-e)/e for treated", "ATO": "overlap weights"}[estimand]
    assert words in res.conventions.iptw_weights
    bal = balance_table(res.design.X, res.design.treated, names=list(res.design.names),
                        weights=w.weights, binary=list(res.design.binary),
                        estimand=estimand)
    after = [res.balance["iptw"][n] for n in res.design.names]
    assert after == pytest.approx(list(bal.smd_after), rel=1e-12)
    c = res.comparison("pfs", "iptw")
    assert c.n == int(np.sum(w.weights > 0))


def test_conventions_json_says_what_matching_found():
    """The typed conventions write the keys results.json always had: the caliper width
    (null without a caliper) only when matching ran, the methods left without patients only
    when one was."""
    d = dataset()
    d["x"] = np.random.default_rng(1).permutation(len(d)).astype(float)
    failed = run_analyses(protocol_with(covariates=["x"], caliper=1e-9), d).adjusted
    js = failed.to_json()["conventions"]
    assert "caliper_width" not in js and js["methods_without_patients"] == ["matching"]
    assert js["matching_warnings"] == list(failed.conventions.matching_run.warnings) != []
    no_caliper = run_analyses(protocol_with(caliper=0), dataset()).adjusted
    js = no_caliper.to_json()["conventions"]
    assert js["caliper_width"] is None and "methods_without_patients" not in js
    assert no_caliper.conventions.matching_run.caliper_width is None
    iptw_only = run_analyses(protocol_with(methods=["iptw"]), dataset()).adjusted
    js = iptw_only.to_json()["conventions"]
    assert "matching_warnings" not in js and "caliper_width" not in js
    assert js["iptw_trimmed"] == iptw_only.conventions.iptw_trimmed == 0
