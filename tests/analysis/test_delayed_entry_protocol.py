"""``[[analyses.survival]] entry``: delayed entry (left truncation) from the protocol through
Kaplan-Meier, the Cox models and the group test, against R's survfit/coxph on
``Surv(entry, time, event)`` (tests/reference/delayed_entry_protocol.R, a synthetic
three-group study, not the T-DM1 example), plus the refusals of bad entry days."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from retrostudy.analysis import run_analyses
from retrostudy.errors import RetroStudyError
from retrostudy.protocol.model import Protocol

REF = json.loads((Path(__file__).parents[1] / "reference" / "delayed_entry_protocol.json")
                 .read_text(encoding="utf-8"))
DPM = 30.4375


def _data() -> pd.DataFrame:
    return pd.DataFrame(REF["data"])


def _protocol(survival: dict, *, profile: dict | None = None, endpoints: dict | None = None):
    return Protocol.model_validate({
        "study": {"title": "Delayed entry test", "synthetic": True},
        "analysis_table": {"file": "entry.csv"},
        "groups": {"reference": "Ref", "group": [{"name": "Ref"}, {"name": "Early"},
                                                  {"name": "Late"}]},
        "endpoints": endpoints or {"os": {"kind": "os", "label": "Overall survival"}},
        "analyses": {**(profile or {}), "survival": [{"endpoint": "os", **survival}]},
    })


def _run(survival: dict, data: pd.DataFrame | None = None, **kw):
    an = run_analyses(_protocol(survival, **kw), _data() if data is None else data)
    return an.endpoints[0]


@pytest.fixture(scope="module")
def adjusted():
    return _run({"entry": "entry_day", "adjust": ["age", "ecog"],
                 "reference": {"ecog": "0"}})


@pytest.mark.parametrize("conf_type", ["log", "log-log"])
def test_km_per_group_matches_survfit(conf_type):
    res = _run({"entry": "entry_day"}, profile={"conf_type": conf_type})
    groups = {g.group: g for g in res.groups}
    for ref in REF["km"]:
        g = groups[ref["group"]]
        want = ref["conf"][conf_type]
        assert (g.n, g.n_events) == (ref["n"], ref["events"])
        np.testing.assert_allclose(np.array(g.median) * DPM, want["median"], rtol=1e-10)
        got = np.array([g.landmarks[m] for m in (6.0, 12.0)])
        np.testing.assert_allclose(got[:, 0], want["at_survival"], rtol=1e-10)
        np.testing.assert_allclose(got[:, 1], want["at_low"], rtol=1e-10)
        np.testing.assert_allclose(got[:, 2], want["at_high"], rtol=1e-10)


def test_numbers_at_risk_match_summary_times():
    res = _run({"entry": "entry_day"})
    groups = {g.group: g for g in res.groups}
    for ref in REF["km"]:
        assert groups[ref["group"]].at_risk(REF["breaks"]) == ref["n_risk"], ref["group"]


def _check_cox(model, ref):
    hr = [c.hazard_ratio for c in model.coefficients]
    np.testing.assert_allclose(np.log(hr), ref["coef"], rtol=1e-8)
    np.testing.assert_allclose([c.conf_low for c in model.coefficients], ref["hr_low"],
                               rtol=1e-8)
    np.testing.assert_allclose([c.conf_high for c in model.coefficients], ref["hr_high"],
                               rtol=1e-8)
    np.testing.assert_allclose([c.p_value for c in model.coefficients], ref["p"], rtol=1e-6)
    for name in ("score", "lr", "wald"):
        t = getattr(model.tests, name)
        np.testing.assert_allclose([t.statistic, t.df, t.p_value], ref[name],
                                   rtol=1e-8)


def test_cox_models_match_coxph(adjusted):
    _check_cox(adjusted.model("unadjusted"), REF["cox"]["efron_unadjusted"])
    _check_cox(adjusted.model("adjusted"), REF["cox"]["efron_adjusted"])
    _check_cox(adjusted.model("univariable:age"), REF["cox"]["efron_age"])
    assert math.isnan(adjusted.model("unadjusted").tests.concordance)
    assert adjusted.model("adjusted").ph is None  # cox.zph is not computed with entry


def test_breslow_profile_matches_coxph():
    res = _run({"entry": "entry_day"}, profile={"ties": "breslow"})
    _check_cox(res.model("unadjusted"), REF["cox"]["breslow_unadjusted"])


def test_groups_compared_with_the_cox_score_test(adjusted):
    lr, ref = adjusted.logrank, REF["cox"]["efron_unadjusted"]["score"]
    assert adjusted.test == "cox_score_entry"
    np.testing.assert_allclose([lr.statistic, lr.df, lr.p_value], ref, rtol=1e-8)
    js = adjusted.to_json()["logrank"]
    assert js["test"] == "cox_score_entry"
    # observed - expected on the left-truncated risk sets is the score vector at beta = 0
    assert sum(js["observed"]) == pytest.approx(sum(js["expected"]), rel=1e-12)
    d = _data()
    for g, o in zip(js["groups"], js["observed"], strict=True):
        assert o == d.loc[d["group"] == g, "os_event"].sum()


def test_observed_expected_naive_reference():
    """E_g by a direct loop over event times (risk set entry < t <= time)."""
    from retrostudy.analysis.entry import observed_expected

    d = _data()
    a, t, e, g = (d[c].to_numpy() for c in ("entry_day", "os_days", "os_event", "group"))
    want = dict.fromkeys(("Early", "Late", "Ref"), 0.0)
    for s in np.unique(t[e == 1]):
        at = (a < s) & (s <= t)
        dj = ((t == s) & (e == 1)).sum()
        for lv in want:
            want[lv] += dj * (at & (g == lv)).sum() / at.sum()
    _, exp = observed_expected(a, t, e, g, list(want))
    np.testing.assert_allclose(exp, list(want.values()), rtol=1e-12)


def test_counts_and_json_and_differs_from_time_zero(adjusted):
    assert adjusted.entry.n_delayed == REF["n_delayed"] > 0
    js = adjusted.to_json()["delayed_entry"]
    assert js["n_delayed"] == REF["n_delayed"] and js["kind"] == "column"
    assert "left truncation" in adjusted.entry.method
    naive = _run({})
    assert "delayed_entry" not in naive.to_json()
    assert naive.to_json()["logrank"]["test"] == "logrank"
    got = np.log(naive.model("unadjusted").coefficients[0].hazard_ratio)
    np.testing.assert_allclose(got, REF["naive_unadjusted"]["coef"][0], rtol=1e-8)
    assert abs(got - REF["cox"]["efron_unadjusted"]["coef"][0]) > 1e-3


def test_entry_from_an_endpoint_event():
    """A tte endpoint (e.g. first visit at the centre): its event day; no event: day 0."""
    d = _data()
    late = d["entry_day"] > 0
    d["first_visit_days"] = np.where(late, d["entry_day"], d["os_days"])
    d["first_visit_event"] = late.astype(int)
    res = _run({"entry": "first_visit"}, data=d.drop(columns="entry_day"))
    assert res.entry.kind == "endpoint" and res.entry.n_delayed == REF["n_delayed"]
    _check_cox(res.model("unadjusted"), REF["cox"]["efron_unadjusted"])


def _problem(survival: dict, data: pd.DataFrame):
    with pytest.raises(RetroStudyError) as err:
        _run(survival, data=data)
    (p,) = err.value.problems
    return p


@pytest.mark.parametrize("value, words", [
    (-3, ["R005", "before time zero", "-3"]),
    (math.nan, ["R005", "no entry day"]),
    ("time", ["R005", "not before the end of follow-up"]),
    ("after", ["R005", "not before the end of follow-up"]),
])
def test_bad_entry_days_are_refused_naming_the_patient(value, words):
    d = _data()
    t = d.loc[4, "os_days"]
    d.loc[4, "entry_day"] = {"time": t, "after": t + 30}.get(value, value)
    p = _problem({"entry": "entry_day"}, d)
    assert p.key == "analyses.survival.entry" and p.hint
    for w in words:
        assert w in p.message, p.message


def test_unknown_entry_source_is_refused():
    p = _problem({"entry": "referral"}, _data())
    assert "referral" in p.message and p.code == "entry_source"


def test_entry_with_landmark_is_refused_by_the_protocol():
    with pytest.raises(Exception, match="landmark_days"):
        _protocol({"entry": "entry_day", "landmark_days": 30})


STUDY = """
[study]
title = "Delayed entry report test"
synthetic = true

[analysis_table]
file = "entry.csv"

[groups]
reference = "Ref"
[[groups.group]]
name = "Ref"
[[groups.group]]
name = "Early"
[[groups.group]]
name = "Late"

[endpoints.os]
kind = "os"
label = "Overall survival"

[[analyses.survival]]
endpoint = "os"
entry = "entry_day"

[report]
swimmer = false
outputs = ["html", "json"]
"""


def test_report_names_the_test_and_counts_the_late_entries(tmp_path):
    from retrostudy.pipeline import run_study
    from retrostudy.report.results_model import validate_results

    d = _data().assign(index_date=pd.Timestamp("2018-01-01")
                       + pd.to_timedelta(np.arange(len(REF["data"]["age"])) * 3, "D"))
    d.to_csv(tmp_path / "entry.csv", index=False)
    (tmp_path / "study.toml").write_text(STUDY, encoding="utf-8")
    run_study(tmp_path / "study.toml", out=tmp_path / "out")
    results = json.loads((tmp_path / "out" / "results.json").read_text(encoding="utf-8"))
    validate_results(results)
    os_ = results["analyses"]["endpoints"]["os"]
    assert os_["delayed_entry"]["n_delayed"] == REF["n_delayed"]
    assert os_["logrank"]["test"] == "cox_score_entry"
    html = "".join(p.read_text(encoding="utf-8") for p in (tmp_path / "out").glob("*.html"))
    assert "Delayed entry (left truncation)" in html
    assert f"{REF['n_delayed']} of {len(_data())} patients" in html
    assert "score test of the Cox model of the group with delayed entry" in html
    assert "Log-rank test" not in html


def test_entry_from_records_must_name_an_endpoint():
    """Without an [analysis_table] there is no column of entry days: the protocol refuses an
    entry that is not an endpoint before any record is read."""
    base = {"study": {"title": "t"}, "index": {"drug": "nivolumab"},
            "groups": {"group": [{"name": "A", "when": {"age": {"min": 18}}}]},
            "endpoints": {"os": {"kind": "os"},
                          "first_visit": {"kind": "tte", "events": [
                              {"source": "observation", "observation": "first visit"}]}}}
    Protocol.model_validate(base | {"analyses": {"survival": [
        {"endpoint": "os", "entry": "first_visit"}]}})
    with pytest.raises(Exception, match=r"analyses.survival\[0\].entry = 'referral' is not an "
                                        "endpoint; endpoints: os, first_visit"):
        Protocol.model_validate(base | {"analyses": {"survival": [
            {"endpoint": "os", "entry": "referral"}]}})
