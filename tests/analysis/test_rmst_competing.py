"""[analyses.rmst] and [analyses.competing]: the analysis layer's numbers are the stats
layer's on the same data (direct calls), the status derivation follows its documented rule,
and bad protocols fail with the protocol key named."""

import numpy as np
import pytest
from secondary_data import DPM, make_data, make_protocol

from retrostudy.analysis import run_analyses
from retrostudy.errors import ProtocolError
from retrostudy.report.tables import analysis_tables
from retrostudy.stats import cox_ph, cumulative_incidence, kaplan_meier, rmst_compare

SURV = [{"endpoint": "pfs", "adjust": ["visceral", "ecog"]}]


@pytest.fixture(scope="module")
def data():
    return make_data()


@pytest.fixture(scope="module")
def result(data):
    protocol = make_protocol({
        "survival": SURV,
        "rmst": {"endpoints": ["pfs", "os"]},
        "competing": {"endpoint": "pfs", "landmarks": [3, 6, 12]},
    })
    return run_analyses(protocol, data)


def _arm(data, ep):
    arm = (data["group"] == "A").to_numpy(int)  # B is the reference: arm 0
    return data[f"{ep}_days"].to_numpy(float), data[f"{ep}_event"].to_numpy(int), arm


# ---- RMST ---------------------------------------------------------------------------------

@pytest.mark.parametrize("ep", ["pfs", "os"])
def test_rmst_equals_rmst_compare_in_months(result, data, ep):
    res = next(r for r in result.secondary.rmst if r.endpoint == ep)
    direct = rmst_compare(*_arm(data, ep))
    assert res.tau_rule == "survRM2 default"
    assert res.tau == pytest.approx(direct.tau / DPM, rel=1e-12)
    for g, i in (("B", 0), ("A", 1)):
        assert res.groups[g].rmst == pytest.approx(direct.estimate[i] / DPM, rel=1e-12)
        assert res.groups[g].std_err == pytest.approx(direct.std_err[i] / DPM, rel=1e-12)
        assert res.groups[g].conf_low == pytest.approx(direct.conf_low[i] / DPM, rel=1e-12)
    dif, rat = res.contrasts["A"].difference, res.contrasts["A"].ratio
    assert dif.estimate == pytest.approx(direct.difference.estimate / DPM, rel=1e-12)
    assert dif.conf_high == pytest.approx(direct.difference.conf_high / DPM, rel=1e-12)
    assert dif.p_value == pytest.approx(direct.difference.p_value, rel=1e-12)
    assert rat.estimate == pytest.approx(direct.ratio.estimate, rel=1e-12)
    assert (rat.conf_low, rat.p_value) == pytest.approx(
        (direct.ratio.conf_low, direct.ratio.p_value), rel=1e-12)


def test_rmst_by_hand_area_under_km(result, data):
    """RMST = the sum of KM step heights times widths up to tau (independent of stats.rmst)."""
    res = next(r for r in result.secondary.rmst if r.endpoint == "pfs")
    tau = res.tau * DPM
    sub = data[data["group"] == "A"]
    fit = kaplan_meier(sub["pfs_days"].to_numpy(float), sub["pfs_event"].to_numpy(int))
    t = np.concatenate([[0.0], fit.time[fit.time < tau], [tau]])
    s = np.concatenate([[1.0], fit.survival[fit.time < tau]])
    assert res.groups["A"].rmst == pytest.approx(float(np.sum(np.diff(t) * s)) / DPM)


def test_rmst_user_tau_and_table(data):
    a = run_analyses(make_protocol({"survival": SURV, "rmst": {"tau": 10}}), data)
    res = a.secondary.rmst[0]
    direct = rmst_compare(*_arm(data, "pfs"), tau=10 * DPM)
    assert (res.tau, res.tau_rule) == (pytest.approx(10.0), "protocol")
    assert res.contrasts["A"].difference.estimate == pytest.approx(
        direct.difference.estimate / DPM, rel=1e-12)
    text = analysis_tables(a)["rmst"].to_text()
    assert "τ = 10.0 months" in text and "set in the protocol" in text
    assert "rmst" in a.to_json() and a.to_json()["rmst"]["pfs"]["tau_rule"] == "protocol"


def test_rmst_tau_beyond_follow_up_is_a_protocol_error(data):
    with pytest.raises(ProtocolError, match=r"analyses\.rmst\.tau.*beyond the follow-up"):
        run_analyses(make_protocol({"survival": SURV, "rmst": {"tau": 500}}), data)


def test_rmst_unknown_endpoint_names_key(data):
    with pytest.raises(ProtocolError, match=r"analyses\.rmst\.endpoints.*'pfss_days'"):
        run_analyses(make_protocol({"rmst": {"endpoints": ["pfss"]}}), data)


def test_no_secondary_block_no_new_keys(data):
    a = run_analyses(make_protocol({"survival": SURV}), data)
    keys = set(a.to_json())
    assert not keys & {"rmst", "competing_risks", "subgroups", "sensitivity"}
    assert not set(analysis_tables(a)) & {"rmst", "competing_pfs", "sensitivity"}


# ---- competing risks ----------------------------------------------------------------------

def test_status_from_the_composite_endpoints_reason(result, data):
    cr = result.secondary.competing
    assert (cr.deaths_from, cr.method) == ("pfs_standard", "reason")
    reason = data["pfs_standard_reason"]
    expected = np.select([reason == "progression", reason == "death"], [1, 2], 0)
    for g in ("A", "B"):
        sub = expected[(data["group"] == g).to_numpy()]
        assert cr.groups[g].events == {
            "progression": int((sub == 1).sum()), "death_without_progression": int((sub == 2).sum())
        }


@pytest.mark.parametrize("g", ["A", "B"])
def test_cif_at_landmarks_equals_cumulative_incidence(result, data, g):
    cr = result.secondary.competing
    sub = data[data["group"] == g]
    status = np.select([sub["pfs_standard_reason"] == "progression",
                        sub["pfs_standard_reason"] == "death"], [1, 2], 0)
    fit = cumulative_incidence(sub["pfs_standard_days"].to_numpy(float), status, causes=[1, 2])
    for mark in cr.groups[g].landmarks:
        j = 0 if mark.cause == "progression" else 1
        row = np.searchsorted(fit.time, mark.months * DPM, side="right") - 1
        assert mark.incidence == pytest.approx(fit.incidence[row, j], rel=1e-12)
        assert mark.conf_low == pytest.approx(fit.conf_low[row, j], rel=1e-12)
        assert mark.conf_high == pytest.approx(fit.conf_high[row, j], rel=1e-12)


def test_event_free_is_the_composite_endpoints_km(result, data):
    """1 - CIF(progression) - CIF(death) is the Kaplan–Meier of PD-or-death (a property of
    the decomposition, checked at the landmarks)."""
    cr = result.secondary.competing
    for g in ("A", "B"):
        sub = data[data["group"] == g]
        km = kaplan_meier(sub["pfs_standard_days"].to_numpy(float),
                          sub["pfs_standard_event"].to_numpy(int))
        for m in cr.landmarks:
            total = sum(x.incidence for x in cr.groups[g].landmarks if x.months == m)
            assert 1 - total == pytest.approx(float(km.at([m * DPM]).survival[0]), abs=1e-12)


def test_cause_specific_cox_equals_cox_ph_with_the_other_cause_censored(result, data):
    cr = result.secondary.competing
    status = np.select([data["pfs_standard_reason"] == "progression",
                        data["pfs_standard_reason"] == "death"], [1, 2], 0)
    for c, name in ((1, "progression"), (2, "death_without_progression")):
        frame = {"time": data["pfs_standard_days"].to_numpy(float),
                 "event": (status == c).astype(int),
                 "group": data["group"].to_numpy(object),
                 "visceral": data["visceral"].to_numpy(object),
                 "ecog": data["ecog"].to_numpy(float)}
        crude = cox_ph(frame, time="time", event="event", covariates=["group"],
                       levels={"group": ["B", "A"]})
        adj = cox_ph(frame, time="time", event="event", covariates=["group", "visceral", "ecog"],
                     levels={"group": ["B", "A"], "visceral": [False, True]})
        assert cr.group_hr(name, "unadjusted").hazard_ratio == pytest.approx(
            crude.coefficients[0].hazard_ratio, rel=1e-9)
        assert cr.group_hr(name, "adjusted").conf_high == pytest.approx(
            adj.coefficients[0].conf_high, rel=1e-9)


def test_gray_test_equals_direct_call(result, data):
    from retrostudy.stats import gray_test

    cr = result.secondary.competing
    status = np.select([data["pfs_standard_reason"] == "progression",
                        data["pfs_standard_reason"] == "death"], [1, 2], 0)
    for c, name in ((1, "progression"), (2, "death_without_progression")):
        g = gray_test(data["pfs_standard_days"].to_numpy(float), status,
                      data["group"].to_numpy(object), cause=c)
        assert cr.gray[name].p_value == pytest.approx(float(g.p_value), rel=1e-12)
        assert cr.gray[name].statistic == pytest.approx(float(g.statistic), rel=1e-12)


def test_status_from_os_death_date(data):
    protocol = make_protocol({"survival": SURV,
                              "competing": {"endpoint": "pfs", "deaths_from": "os"}})
    cr = run_analyses(protocol, data).secondary.competing
    assert (cr.deaths_from, cr.method) == ("os", "death_date")
    pd_ = data["pfs_event"] == 1
    died = ~pd_ & (data["os_event"] == 1)
    for g in ("A", "B"):
        m = data["group"] == g
        assert cr.groups[g].events == {"progression": int((pd_ & m).sum()),
                                          "death_without_progression": int((died & m).sum())}
    assert "at the death date" in cr.rule


def test_default_deaths_from_is_the_pd_or_death_pfs_then_os(data):
    only_os = {k: v for k, v in make_protocol({}).endpoints.items.items() if k != "pfs_standard"}
    eps = {k: v.model_dump(exclude_none=True) for k, v in only_os.items()}
    a = run_analyses(make_protocol({"competing": {"endpoint": "pfs"}}, eps), data)
    assert a.secondary.competing.deaths_from == "os"


def test_analysis_table_without_definitions_picks_method_from_columns(data):
    a = run_analyses(make_protocol({"competing": {"endpoint": "pfs", "deaths_from": "os"}}, {}),
                     data)
    assert a.secondary.competing.method == "death_date"
    b = run_analyses(make_protocol(
        {"competing": {"endpoint": "pfs", "deaths_from": "pfs_standard"}}, {}), data)
    assert b.secondary.competing.method == "reason"


@pytest.mark.parametrize(
    ("competing", "endpoints", "match"),
    [
        ({"endpoint": "pfs_standard"}, None, r"analyses\.competing\.endpoint.*only event"),
        ({"endpoint": "pfs", "deaths_from": "os"}, "drop_os_columns",
         r"analyses\.competing\.deaths_from.*no column 'os_days'"),
        ({"endpoint": "pfs"}, {"pfs": {"kind": "pfs", "events": ["progression"]}},
         r"no endpoint records death"),
        ({"endpoint": "pfs", "deaths_from": "pfs"}, None, r"does not record deaths"),
    ],
)
def test_competing_protocol_errors(data, competing, endpoints, match):
    frame = data.drop(columns=["os_days", "os_event"]) if endpoints == "drop_os_columns" else data
    eps = None if endpoints == "drop_os_columns" else endpoints
    with pytest.raises(ProtocolError, match=match):
        run_analyses(make_protocol({"competing": competing}, eps), frame)


def test_progression_rules_that_disagree_are_an_error(data):
    bad = data.copy()
    bad.loc[0, "pfs_standard_reason"] = "death" if bad.loc[0, "pfs_event"] == 1 else "progression"
    with pytest.raises(ProtocolError, match=r"disagree on progression for 1 patient\(s\) P000"):
        run_analyses(make_protocol({"competing": {"endpoint": "pfs"}}), bad)


def test_competing_json_and_tables(result):
    j = result.to_json()["competing_risks"]
    assert j["causes"] == {"1": "progression", "2": "death_without_progression"}
    assert set(j["gray_test"]) == {"progression", "death_without_progression"}
    assert [m["name"] for m in j["cause_specific_cox"]["progression"]] == ["unadjusted",
                                                                           "adjusted"]
    assert j["derivation"]["method"] == "reason"
    assert {"competing_pfs", "competing_cox_pfs"} <= set(analysis_tables(result))
    assert "Gray's test p" in analysis_tables(result)["competing_pfs"].columns


def test_a_cause_without_events_in_a_group_gets_firth_not_a_crash(data):
    d = data.copy()
    death_a = (d["group"] == "A") & (d["pfs_standard_reason"] == "death")
    d.loc[death_a, "pfs_standard_reason"] = "censored_last_assessment"
    d.loc[death_a, "pfs_standard_event"] = 0
    a = run_analyses(make_protocol({"survival": SURV, "competing": {"endpoint": "pfs"}}), d)
    cr = a.secondary.competing
    hr = cr.group_hr("death_without_progression", "unadjusted")
    # monotone likelihood: Firth's estimate (checked against R in test_firth_secondary.py)
    assert np.isfinite(hr.hazard_ratio) and hr.test == "profile_likelihood"
    assert any("monotone likelihood" in w and "Firth" in w for w in cr.warnings)
    assert "Firth" in " ".join(analysis_tables(a)["competing_cox_pfs"].footnotes)


def test_cause_specific_cox_equals_stats_cause_specific_cox(result, data):
    from retrostudy.stats import cause_specific_cox

    cr = result.secondary.competing
    status = np.select([data["pfs_standard_reason"] == "progression",
                        data["pfs_standard_reason"] == "death"], [1, 2], 0)
    X = {"group": data["group"].to_numpy(object), "visceral": data["visceral"].to_numpy(object),
         "ecog": data["ecog"].to_numpy(float)}
    for c, name in ((1, "progression"), (2, "death_without_progression")):
        fit = cause_specific_cox(data["pfs_standard_days"].to_numpy(float), status, X, cause=c,
                                 levels={"group": ["B", "A"], "visceral": [False, True]})
        hr = cr.group_hr(name, "adjusted")
        coef = fit.coefficients[0]
        assert (hr.hazard_ratio, hr.conf_low, hr.p_value) == pytest.approx(
            (coef.hazard_ratio, coef.conf_low, coef.p_value), rel=1e-9)


def test_degenerate_data_give_ne_or_a_keyed_error_never_a_crash(data):
    """No event before tau in either arm: RMST = tau, SE 0, contrasts NaN (not a
    ZeroDivisionError); an adjusted cause-specific model with a constant covariate is NE with
    the reason (R: coefficient NA);
    a sensitivity endpoint without events has NE tests with the reason (R: survdiff chisq 0,
    p NA; coxph coef NA)."""
    d = data.copy()
    early = d["pfs_days"] <= 20
    d.loc[early, "pfs_event"] = 0
    res = run_analyses(make_protocol({"rmst": {"endpoints": ["pfs"], "tau": 0.5}}), d)
    r = res.secondary.rmst[0]
    assert r.groups["A"].rmst == pytest.approx(0.5) and r.groups["A"].std_err == 0
    assert np.isnan(r.contrasts["A"].difference.p_value)
    res = run_analyses(make_protocol({"competing": {"endpoint": "pfs", "adjust": ["constant"]}}),
                       data.assign(constant="x"))
    cr = res.secondary.competing
    assert np.isnan(cr.group_hr("progression", "adjusted").hazard_ratio)
    assert any("adjusted model for progression: not estimable (covariate 'constant' is "
               "constant" in w for w in cr.warnings)
    none = data.assign(pfs_standard_event=0)
    res = run_analyses(make_protocol({"sensitivity": {"endpoints": ["pfs", "pfs_standard"]}}),
                       none)
    std = res.secondary.sensitivity.endpoints[1]
    assert std.logrank.not_estimable.startswith("no events in any group")
    assert np.isnan(std.logrank.p_value) and std.model("unadjusted").not_estimable
    text = analysis_tables(res)["sensitivity"].to_text()
    assert "NE" in text and "pfs_standard: no events in any group" in text


def test_fine_gray_equals_stats_fine_gray(result, data):
    """The report's subdistribution HRs are stats.fine_gray's on the same data (cmprsk::crr
    parity of fine_gray itself: tests/stats)."""
    from retrostudy.report.fmt import estimate_ci
    from retrostudy.stats import fine_gray

    cr = result.secondary.competing
    status = np.select([data["pfs_standard_reason"] == "progression",
                        data["pfs_standard_reason"] == "death"], [1, 2], 0)
    X = {"group": data["group"].to_numpy(object), "visceral": data["visceral"].to_numpy(object),
         "ecog": data["ecog"].to_numpy(float)}
    table = analysis_tables(result)["competing_finegray_pfs"]
    texts = [[c.text for c in r.cells] for r in table.rows if r.label == "A"]
    js = cr.to_json()["fine_gray"]
    for i, (c, name) in enumerate(((1, "progression"), (2, "death_without_progression"))):
        crude = fine_gray(data["pfs_standard_days"].to_numpy(float), status, X, cause=c,
                          covariates=["group"], levels={"group": ["B", "A"]})
        adj = fine_gray(data["pfs_standard_days"].to_numpy(float), status, X, cause=c,
                        covariates=["group", "visceral", "ecog"],
                        levels={"group": ["B", "A"], "visceral": [False, True]})
        for model, fit in (("unadjusted", crude), ("adjusted", adj)):
            hr, want = cr.subdistribution_hr(name, model), fit.coefficients[0]
            assert (hr.hazard_ratio, hr.conf_low, hr.conf_high, hr.p_value) == (
                want.hazard_ratio, want.conf_low, want.conf_high, want.p_value)
            assert hr.test == "robust_wald"
        assert js[name][0]["coefficients"][0]["hazard_ratio"] == crude.coefficients[0].hazard_ratio
        c0 = crude.coefficients[0]
        assert texts[i][0] == estimate_ci(c0.hazard_ratio, c0.conf_low, c0.conf_high, 2)
    assert "cmprsk::crr" in table.footnotes[0]
