"""[[analyses.time_varying]]: the time-dependent Cox model equals a direct call of
stats.split_at_exposure + cox_ph, and the naive ever/never model shows the immortal-time
bias on data where the exposure has no effect (seeded, not the T-DM1 example)."""

from __future__ import annotations

import numpy as np
import pytest
from secondary_data import make_data, make_protocol

from retrostudy.analysis import run_analyses
from retrostudy.stats import cox_ph, split_at_exposure

TV = {"endpoint": "os", "exposure": "rescue", "label": "Rescue drug"}


def _data(seed=21, n=300):
    d = make_data(seed=seed, n=n)
    rng = np.random.default_rng(seed)
    # the exposure starts at a random day after index, with no effect on death; only those
    # still alive get it (what makes the naive analysis immortal-time biased)
    u = np.ceil(rng.uniform(1, 500, len(d))).astype(int)
    starts = (rng.random(len(d)) < 0.6) & (u < d["os_days"].to_numpy())
    return d.assign(rescue_days=np.where(starts, u, d["os_days"]),
                    rescue_event=starts.astype(int))


@pytest.fixture(scope="module")
def run():
    d = _data()
    return d, run_analyses(make_protocol({"survival": [{"endpoint": "os"}],
                                          "time_varying": [TV | {"adjust": ["group"]}]}), d)


def test_time_dependent_hr_equals_direct_stats_call(run):
    d, an = run
    (r,) = an.result("time_varying")
    t, e = d["os_days"].to_numpy(float), d["os_event"].to_numpy(int)
    u = np.where(d["rescue_event"] == 1, d["rescue_days"], np.nan)
    rows = split_at_exposure(t, e, u)
    g = d["group"].to_numpy(object)[rows.index]
    fit = cox_ph({"start": rows.start, "stop": rows.stop, "event": rows.event,
                  "exposed": rows.exposed.astype(int), "group": g},
                 time="stop", event="event", entry="start", covariates=["exposed", "group"],
                 levels={"group": ["B", "A"]})
    got = r.exposure_hr("time_varying")
    want = fit.coefficients[0]
    np.testing.assert_allclose(got.hazard_ratio, want.hazard_ratio, rtol=1e-10)
    np.testing.assert_allclose([got.conf_low, got.conf_high, got.p_value],
                               [want.conf_low, want.conf_high, want.p_value], rtol=1e-10)
    assert r.n_intervals == rows.start.size
    assert r.n_exposed == int(rows.n_split)


def test_naive_model_is_ever_never_at_baseline_and_biased(run):
    d, an = run
    (r,) = an.result("time_varying")
    t, e = d["os_days"].to_numpy(float), d["os_event"].to_numpy(int)
    ever = ((d["rescue_event"] == 1) & (d["rescue_days"] < d["os_days"])).to_numpy(int)
    fit = cox_ph({"time": t, "event": e, "exposed": ever, "group": d["group"].to_numpy(object)},
                 time="time", event="event", covariates=["exposed", "group"],
                 levels={"group": ["B", "A"]})
    naive = r.exposure_hr("naive")
    np.testing.assert_allclose(naive.hazard_ratio, fit.coefficients[0].hazard_ratio, rtol=1e-10)
    # no true effect: the correct model is near 1, the naive one far below it
    assert naive.hazard_ratio < 0.75 < r.exposure_hr("time_varying").hazard_ratio


def test_results_json_and_table(run):
    from retrostudy.report.results_model.design import TimeVarying
    from retrostudy.report.tables import analysis_tables

    _, an = run
    (js,) = an.to_json()["time_varying"]
    TimeVarying.model_validate(js)
    table = analysis_tables(an)["time_varying"]
    assert "Rescue drug (exposed)" in [row.label for row in table.rows]
    assert any("immortal-time biased" in n for n in table.footnotes)
