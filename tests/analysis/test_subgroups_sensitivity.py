"""[[analyses.subgroups]] and [analyses.sensitivity]: hazard ratios per level equal Cox fits on
the subsets (direct stats calls), sparse levels are NE with a reason, the interaction test is
the stats layer's, and the sensitivity rows repeat the main analyses' numbers."""

import numpy as np
import pydantic
import pytest
from scipy import stats as sps
from secondary_data import make_data, make_protocol

from retrostudy.analysis import run_analyses
from retrostudy.errors import ProtocolError
from retrostudy.report.tables import analysis_tables
from retrostudy.stats import cox_ph, fisher_test, logrank_test

SURV = [{"endpoint": "pfs"}]


@pytest.fixture(scope="module")
def data():
    return make_data()


@pytest.fixture(scope="module")
def result(data):
    protocol = make_protocol({
        "survival": SURV,
        "subgroups": [{"endpoint": "pfs", "variables": ["visceral", "hr_status", "ecog"]}],
        "sensitivity": {"endpoints": ["pfs", "pfs_standard"], "response": ["bor",
                                                                          "bor_confirmed"]},
    })
    return run_analyses(protocol, data)


def _cox_hr(sub):
    fit = cox_ph({"time": sub["pfs_days"].to_numpy(float), "event": sub["pfs_event"].to_numpy(int),
                  "group": sub["group"].to_numpy(object)},
                 time="time", event="event", covariates=["group"], levels={"group": ["B", "A"]})
    return fit.coefficients[0]


def _level(res, var, value):
    v = next(v for v in res.variables if v.variable == var)
    return v, next(lv for lv in v.levels if lv.value == value)


@pytest.mark.parametrize(("var", "value", "key"), [
    ("visceral", True, "True"), ("visceral", False, "False"), ("hr_status", "negative", "negative"),
    ("ecog", 0, "0"), ("ecog", 1, "1"), ("ecog", 2, "2"),
])
def test_level_hr_equals_cox_on_the_subset(result, data, var, value, key):
    res = result.secondary.subgroups[0]
    _, lv = _level(res, var, key)
    sub = data[data[var] == value]
    direct = _cox_hr(sub)
    h = lv.hazard_ratios["A"]
    assert (h.hazard_ratio, h.conf_low, h.conf_high, h.p_value) == pytest.approx(
        (direct.hazard_ratio, direct.conf_low, direct.conf_high, direct.p_value), rel=1e-9)
    for g in ("A", "B"):
        s = sub[sub["group"] == g]
        assert lv.counts[g].to_json() == {"n": len(s), "events": int(s["pfs_event"].sum())}


def test_overall_row_is_the_unadjusted_hr(result, data):
    res = result.secondary.subgroups[0]
    main = result.endpoints[0].group_hr("unadjusted")
    assert res.overall.hazard_ratios["A"].hazard_ratio == pytest.approx(
        main.hazard_ratio, rel=1e-12)
    assert res.overall.n == len(data)


def test_interaction_equals_interaction_test(result, data):
    from retrostudy.stats import interaction_test

    res = result.secondary.subgroups[0]
    v, _ = _level(res, "hr_status", "positive")
    direct = interaction_test(data["pfs_days"].to_numpy(float), data["pfs_event"].to_numpy(int),
                              data["group"].to_numpy(object),
                              data["hr_status"].astype(str).to_numpy(object))
    assert v.interaction.p_value == pytest.approx(float(direct.p_value), rel=1e-9)
    assert v.interaction.statistic == pytest.approx(float(direct.statistic), rel=1e-9)


def test_sparse_levels_are_ne_with_the_reason(data):
    d = data.copy()
    d["site"] = np.where(d.index < 40, "mid", "common")
    rare = list(d.index[(d["group"] == "A") & (d.index >= 40)][:2]) + list(
        d.index[(d["group"] == "B") & (d.index >= 40)][:1])
    d.loc[rare, "site"] = "rare"
    d.loc[(d["site"] == "mid") & (d["group"] == "A"), "pfs_event"] = 0
    d["only_b"] = np.where((d["group"] == "B") & (d.index % 7 == 0), "x", "y")
    protocol = make_protocol({"subgroups": [{"endpoint": "pfs", "variables": ["site", "only_b"],
                                             "min_events": 4}]})
    a = run_analyses(protocol, d)
    res = a.secondary.subgroups[0]
    why = {lv.value: lv.hazard_ratios["A"].not_estimable
           for v in res.variables for lv in v.levels}
    rare = d[d["site"] == "rare"]
    assert why["rare"] == f"{int(rare['pfs_event'].sum())} event(s), fewer than 4"
    assert why["x"] == "no patients in A"
    assert why["common"] is None and why["y"] is None
    # no events in A: a monotone likelihood, answered by Firth's fit (test_firth_secondary.py)
    assert why["mid"] is None
    mid = next(lv for v in res.variables for lv in v.levels if lv.value == "mid")
    assert mid.hazard_ratios["A"].method == "firth"
    assert np.isfinite(mid.hazard_ratios["A"].hazard_ratio)
    text = analysis_tables(a)["subgroups_pfs"].to_text()
    assert "NE (no patients in A)" in text and "\u2020" in text
    for v in res.variables:
        for lv in v.levels:
            if lv.hazard_ratios["A"].not_estimable:
                assert np.isnan(lv.hazard_ratios["A"].hazard_ratio)


def test_missing_values_are_left_out_and_counted(data):
    d = data.copy()
    d["hr_status"] = d["hr_status"].where(d.index % 10 != 0)
    a = run_analyses(make_protocol({"subgroups": [{"endpoint": "pfs",
                                                   "variables": ["hr_status"]}]}), d)
    v = a.secondary.subgroups[0].variables[0]
    assert v.n_missing == int(d["hr_status"].isna().sum())
    assert sum(lv.n for lv in v.levels) == len(d) - v.n_missing
    assert "missing value left out" in analysis_tables(a)["subgroups_pfs"].to_text()


def test_boolean_levels_print_yes_no_and_labels_come_from_table1(data):
    a = run_analyses(make_protocol({
        "table1": [{"name": "hr_status", "levels": [{"value": "positive", "label": "HR+"},
                                                    {"value": "negative", "label": "HR-"}]}],
        "subgroups": [{"endpoint": "pfs", "variables": ["hr_status", "visceral"]}]}), data)
    res = a.secondary.subgroups[0]
    assert [lv.label for lv in res.variables[0].levels] == ["HR+", "HR-"]
    assert {lv.label for lv in res.variables[1].levels} == {"Yes", "No"}


@pytest.mark.parametrize(("variables", "extra", "match"), [
    (["age"], {}, r"analyses\.subgroups\[0\]\.variables.*'age' is continuous"),
    (["nope"], {}, r"analyses\.subgroups\[0\]\.variables.*no column 'nope'"),
    (["patient_id"], {}, r"'patient_id' has 160 distinct values"),
    (["ecog"], {"max_levels": 2}, r"'ecog' has 3 distinct values"),
])
def test_subgroup_protocol_errors(data, variables, extra, match):
    with pytest.raises(ProtocolError, match=match):
        run_analyses(make_protocol({"subgroups": [{"endpoint": "pfs", "variables": variables,
                                                   **extra}]}), data)


def test_duplicate_subgroup_variables_rejected():
    with pytest.raises(pydantic.ValidationError, match="more than once"):
        make_protocol({"subgroups": [{"endpoint": "pfs", "variables": ["ecog", "ecog"]}]})


# ---- sensitivity --------------------------------------------------------------------------

def test_sensitivity_rows_repeat_the_primary_analysis(result):
    sens = result.secondary.sensitivity
    main = result.endpoints[0]
    first = sens.endpoints[0]
    assert first.logrank.p_value == main.logrank.p_value
    assert first.group_hr("unadjusted") == main.group_hr("unadjusted")
    assert [g.median for g in first.groups] == [g.median for g in main.groups]


def test_sensitivity_alternative_row_equals_direct_stats(result, data):
    e = result.secondary.sensitivity.endpoints[1]
    lr = logrank_test(data["pfs_standard_days"].to_numpy(float),
                      data["pfs_standard_event"].to_numpy(int), data["group"].to_numpy(object))
    assert e.logrank.p_value == pytest.approx(float(lr.p_value), rel=1e-12)
    fit = cox_ph({"time": data["pfs_standard_days"].to_numpy(float),
                  "event": data["pfs_standard_event"].to_numpy(int),
                  "group": data["group"].to_numpy(object)},
                 time="time", event="event", covariates=["group"], levels={"group": ["B", "A"]})
    assert e.group_hr("unadjusted").hazard_ratio == pytest.approx(
        fit.coefficients[0].hazard_ratio, rel=1e-12)
    assert result.secondary.sensitivity.differences["pfs_standard"] == (
        "events = [progression, death]")


def test_sensitivity_response_counts_and_tests(result, data):
    resp = {r.column: r for r in result.secondary.sensitivity.response}
    for col in ("bor", "bor_confirmed"):
        orr = resp[col].measures["objective_response"]
        x = [int(data.loc[data["group"] == g, col].isin(["CR", "PR"]).sum()) for g in ("A", "B")]
        n = [int((data["group"] == g).sum()) for g in ("A", "B")]
        assert [orr.groups[g].x for g in ("A", "B")] == x
        table = np.array([x, [a - b for a, b in zip(n, x, strict=True)]])
        if orr.test == "chisq":
            p = sps.chi2_contingency(table, correction=False).pvalue
        else:
            p = float(fisher_test(table).p_value)
        assert orr.p_value == pytest.approx(p, rel=1e-9)
    assert (resp["bor_confirmed"].measures["objective_response"].groups["A"].x
            < resp["bor"].measures["objective_response"].groups["A"].x)


def test_sensitivity_json_tables_and_errors(result, data):
    j = result.to_json()["sensitivity"]
    assert [e["endpoint"] for e in j["endpoints"]] == ["pfs", "pfs_standard"]
    assert [r["column"] for r in j["response"]] == ["bor", "bor_confirmed"]
    assert {"sensitivity", "sensitivity_response"} <= set(analysis_tables(result))
    assert "differs from pfs in events = [progression, death]" in " ".join(
        analysis_tables(result)["sensitivity"].footnotes)
    with pytest.raises(ProtocolError, match=r"analyses\.sensitivity\.response.*'bor_conf'"):
        run_analyses(make_protocol({"sensitivity": {"response": ["bor_conf"]}}), data)
    with pytest.raises(pydantic.ValidationError, match="needs endpoints and/or response"):
        make_protocol({"sensitivity": {}})


def test_three_groups_every_comparison_vs_the_reference(data):
    from retrostudy.protocol.model import Protocol
    from retrostudy.stats import gray_test

    d = data.copy()
    d.loc[d.index % 3 == 0, "group"] = "C"
    protocol = Protocol.model_validate({
        "study": {"title": "three groups"}, "analysis_table": {"file": "x.csv"},
        "groups": {"reference": "B", "group": [{"name": "A"}, {"name": "B"}, {"name": "C"}]},
        "endpoints": make_protocol({}).model_dump()["endpoints"],
        "analyses": {"survival": [{"endpoint": "pfs"}], "rmst": {},
                     "competing": {"endpoint": "pfs"},
                     "subgroups": [{"endpoint": "pfs", "variables": ["visceral"]}],
                     "sensitivity": {"endpoints": ["pfs", "pfs_standard"]}},
    })
    sec = run_analyses(protocol, d).secondary
    assert set(sec.rmst[0].contrasts) == {"A", "C"}
    status = np.select([d["pfs_standard_reason"] == "progression",
                        d["pfs_standard_reason"] == "death"], [1, 2], 0)
    g = gray_test(d["pfs_standard_days"].to_numpy(float), status, d["group"].to_numpy(object),
                  cause=1)
    assert sec.competing.gray["progression"].df == 2
    assert sec.competing.gray["progression"].p_value == pytest.approx(float(g.p_value))
    lv = sec.subgroups[0].variables[0].levels[0]
    assert set(lv.hazard_ratios) == {"A", "C"}
    fit = cox_ph({"time": d["pfs_standard_days"].to_numpy(float),
                  "event": d["pfs_standard_event"].to_numpy(int),
                  "group": d["group"].to_numpy(object)},
                 time="time", event="event", covariates=["group"],
                 levels={"group": ["B", "A", "C"]})
    hrs = sec.sensitivity.to_json()["endpoints"][1]["hazard_ratios"]
    assert [hrs["A"]["hazard_ratio"], hrs["C"]["hazard_ratio"]] == pytest.approx(
        [c.hazard_ratio for c in fit.coefficients], rel=1e-9)
