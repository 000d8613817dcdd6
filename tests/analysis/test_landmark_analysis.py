"""Landmark analysis wired into the run: its numbers equal direct stats calls on the
patients at risk at the landmark (seeded data, not the T-DM1 example)."""

from __future__ import annotations

import numpy as np
import pytest
from secondary_data import make_data, make_protocol

from retrostudy.analysis import run_analyses
from retrostudy.stats import cox_ph, kaplan_meier, logrank_test

L = 90


@pytest.fixture(scope="module")
def result():
    data = make_data(seed=11, n=150)
    proto = make_protocol({"survival": [{"endpoint": "os", "landmark_days": L},
                                        {"endpoint": "pfs"}]})
    return data, run_analyses(proto, data)


def test_only_blocks_with_landmark_days_run(result):
    _, an = result
    assert [r.endpoint for r in an.result("landmark")] == ["os"]
    assert set(an.to_json()["landmark"]) == {"os"}


def test_counts_add_up_and_match_the_filter(result):
    data, an = result
    r = an.result("landmark")[0]
    t, e = data["os_days"].to_numpy(float), data["os_event"].to_numpy(int)
    assert r.n_at_risk == int((t > L).sum())
    assert r.n_event_before == int(((t <= L) & (e == 1)).sum())
    assert r.n_censored_before == int(((t <= L) & (e == 0)).sum())
    assert r.n == r.n_at_risk + r.n_event_before + r.n_censored_before == len(data)


def test_numbers_equal_direct_stats_on_the_filtered_data(result):
    data, an = result
    r = an.result("landmark")[0]
    kept = data[data["os_days"] > L]
    t = kept["os_days"].to_numpy(float) - L
    e = kept["os_event"].to_numpy(int)
    g = kept["group"].to_numpy(object)
    for grp in ("A", "B"):
        fit = kaplan_meier(t[g == grp], e[g == grp])
        assert r.groups[grp].n == int((g == grp).sum())
        assert r.groups[grp].n_events == int(e[g == grp].sum())
        np.testing.assert_allclose(r.groups[grp].median * 30.4375,
                                   float(fit.median().estimate), rtol=1e-12)
    lr = logrank_test(t, e, g)
    np.testing.assert_allclose(r.logrank.p_value, lr.p_value, rtol=1e-12)
    fit = cox_ph({"time": t, "event": e, "group": g}, time="time", event="event",
                 covariates=["group"], levels={"group": ["B", "A"]})
    (hr,) = r.hazard_ratio
    np.testing.assert_allclose(hr.hazard_ratio, fit.coefficients[0].hazard_ratio, rtol=1e-10)
    np.testing.assert_allclose(hr.conf_low, fit.coefficients[0].conf_low, rtol=1e-10)


def test_results_json_validates_and_table_states_exclusions(result):
    from retrostudy.report.results_model.design import LandmarkEndpoint
    from retrostudy.report.tables import analysis_tables

    _, an = result
    LandmarkEndpoint.model_validate(an.to_json()["landmark"]["os"])
    table = analysis_tables(an)["landmark"]
    r = an.result("landmark")[0]
    assert f"landmark at day {L}" in table.rows[0].label
    assert any(f"{r.n_event_before} had the event" in n and f"{r.n_at_risk} are analysed" in n
               for n in table.footnotes)
