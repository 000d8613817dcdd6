"""Model checks surfaced in the report: E-values of every printed hazard ratio (rare/common
outcome decided from the model's event proportion), on synthetic data (not the example)."""

import math

import numpy as np
import pytest

from retrostudy.analysis import run_analyses
from retrostudy.report.tables import analysis_tables
from retrostudy.stats.evalue import evalue_hr


def synthetic(dataset, event_rate: float, seed: int = 7):
    """The test table with new outcomes: exponential times, Bernoulli(event_rate) events."""
    rng = np.random.default_rng(seed)
    data = dataset.copy()
    hazard = np.where(data["group"] == data["group"].iloc[0], 1 / 200, 1 / 400)
    data["pfs_days"] = np.ceil(rng.exponential(1 / hazard)).astype(int)
    data["pfs_event"] = (rng.random(len(data)) < event_rate).astype(int)
    return data


@pytest.mark.parametrize("rate, rare", [(0.8, False), (0.12, True)])
def test_evalues_of_every_cox_group_hr(protocol, dataset, rate, rare):
    data = synthetic(dataset, rate)
    if rare:  # 6 events: below 15% of 42 patients, 3 in each group
        data["pfs_event"] = 0
        for g in data["group"].unique():
            data.loc[data.index[data["group"] == g][:3], "pfs_event"] = 1
    res = run_analyses(protocol, data)
    ep = res.endpoints[0]
    # with 6 events the adjusted model may have a level without events (monotone)
    names = ("unadjusted",) if rare else ("unadjusted", "adjusted")
    for name in names:
        m = ep.model(name)
        hr = ep.group_hr(name)
        (e,) = m.evalues
        assert e.event_proportion == pytest.approx(m.n_events / m.n)
        assert e.value.rare_outcome is rare
        want = evalue_hr(hr.hazard_ratio, hr.conf_low, hr.conf_high, rare_outcome=rare)
        assert e.value == want
        js = m.to_json()["evalues"][0]
        assert js["conversion"] == ("hr_as_rr" if rare else "sqrt_transform")
        assert js["evalue"] == want.evalue and js["evalue_ci"] == want.evalue_ci
    table = analysis_tables(res)["evalues"]
    texts = {r.label: [c.text for c in r.cells] for r in table.rows}
    row = next(v for k, v in texts.items() if "Cox, unadjusted" in k)
    assert row[2] == ("HR taken as RR (rare)" if rare else "sqrt transform (common)")
    assert row[3] == f"{ep.model('unadjusted').evalues[0].value.evalue:.2f}"
    assert any("rare" in f and "15%" in f for f in table.footnotes)


def test_not_estimable_hr_has_no_evalue(protocol, dataset):
    data = synthetic(dataset, 0.8)
    data.loc[data.group == data.group.iloc[0], "pfs_event"] = 0
    res = run_analyses(protocol, data)
    m = res.endpoints[0].model("unadjusted")
    hr = res.endpoints[0].group_hr("unadjusted")
    assert math.isnan(hr.hazard_ratio) or m.evalues  # NE -> none; Firth -> one


def test_ph_check_equals_a_direct_cox_zph_call(protocol, dataset):
    from retrostudy.report.fmt import p_value
    from retrostudy.stats import cox_ph
    from retrostudy.stats.cox_zph import cox_zph, zph_residuals

    data = synthetic(dataset, 0.8, seed=3)
    res = run_analyses(protocol, data)
    ep = res.endpoints[0]
    table = analysis_tables(res)[f"ph_{ep.endpoint}"]
    cells = {r.label: [c.text for c in r.cells] for r in table.rows}
    for name, word in (("unadjusted", "unadjusted"), ("adjusted", "adjusted")):
        m = ep.model(name)
        d = data[["pfs_days", "pfs_event", *m.covariates]].dropna()
        frame = {"time": d["pfs_days"].to_numpy(float), "event": d["pfs_event"].to_numpy(int)}
        for cov in m.covariates:
            col = d[cov]
            frame[cov] = (col.astype(object).to_numpy() if cov in m.levels
                          else col.to_numpy(float))
        fit = cox_ph(frame, time="time", event="event", covariates=list(m.covariates),
                     levels=m.levels)
        want = cox_zph(fit, "km")
        assert m.ph.zph == want
        js = m.to_json()["ph_test"]
        assert js["global_test"]["chisq"] == want.global_test.chisq
        assert [t["p_value"] for t in js["terms"]] == [t.p_value for t in want.terms]
        g = cells[f"Cox, {word}: Global"]
        assert g == [f"{want.global_test.chisq:.2f}", str(want.global_test.df),
                     p_value(want.global_test.p_value, res.p_digits, "NE")]
        r = zph_residuals(fit)
        assert np.array_equal(m.ph.x, r.x) and np.array_equal(m.ph.y, r.y)
    assert ep.model("univariable:ecog") is None or ep.model("univariable:ecog").ph is None


def test_schoenfeld_figure_per_model(protocol, dataset):
    from retrostudy.report.figures.schoenfeld import draw_schoenfeld

    res = run_analyses(protocol, synthetic(dataset, 0.8, seed=3))
    ep = res.endpoints[0]
    f = draw_schoenfeld(ep.model("adjusted"), ep.endpoint, ep.label, number="S9")
    assert f.key == f"figureS9_schoenfeld_{ep.endpoint}_adjusted"
    shown = [a for a in f.figure.axes if a.get_visible()]
    assert len(shown) == len(ep.model("adjusted").ph.columns)
    assert "Global test: chi-square" in f.caption


def test_group_without_events_gets_firth_estimates(protocol, dataset):
    from retrostudy.report.tables.survival import FIRTH_MARK
    from retrostudy.stats import cox_ph

    data = synthetic(dataset, 0.7, seed=5)
    none = data["group"] == data["group"].iloc[-1]
    data.loc[none, "pfs_event"] = 0  # a group without events: monotone likelihood
    res = run_analyses(protocol, data)
    ep = res.endpoints[0]
    m = ep.model("unadjusted")
    assert m.monotone and m.method == "firth" and m.to_json()["method"] == "firth"
    d = data[["pfs_days", "pfs_event", "group"]]
    fit = cox_ph({"time": d["pfs_days"].to_numpy(float), "event": d["pfs_event"].to_numpy(int),
                  "group": d["group"].astype(object).to_numpy()}, time="time", event="event",
                 covariates=["group"], levels=m.levels, firth=True)
    want = fit.coefficients[0]
    hr = ep.group_hr("unadjusted")
    assert (hr.hazard_ratio, hr.conf_low, hr.conf_high, hr.p_value) == (
        want.hazard_ratio, want.conf_low, want.conf_high, want.p_value)
    eventless = data["group"].iloc[-1]
    # finite, on the side of the group with events
    assert hr.test == "profile_likelihood" and math.isfinite(hr.conf_high)
    assert (hr.hazard_ratio > 1) == (hr.level != eventless)
    table = analysis_tables(res)[f"cox_{ep.endpoint}"]
    group_rows = [r for r in table.rows if r.cells[0].text.endswith(FIRTH_MARK)]
    assert group_rows and group_rows[0].cells[0].text.startswith(f"{hr.hazard_ratio:.2f}")
    assert any("Firth-penalised (monotone likelihood)" in f and "coxphf" in f
               for f in table.footnotes)
    assert any("Firth's penalised estimates are shown" in w for w in ep.warnings)
    # the standard fit of a non-monotone model is unchanged
    assert all(x.method == "standard" for x in run_analyses(protocol, synthetic(
        dataset, 0.7, seed=5)).endpoints[0].cox)


def test_schoenfeld_figure_draws_a_regular_subset_of_many_residuals(protocol, dataset):
    """A study with more events than the figure's limit (here the limit is lowered to 20):
    the panels draw that many residuals, evenly spaced in time order and including the
    first and last, and the caption says so; below the limit every residual is drawn."""
    from retrostudy.report.figures import schoenfeld

    res = run_analyses(protocol, synthetic(dataset, 0.8, seed=3))
    ep = res.endpoints[0]
    model = ep.model("adjusted")
    n = len(model.ph.x)
    assert n > 20
    rows = schoenfeld.shown_rows(model.ph.x, 20)
    assert len(rows) == 20
    xs = model.ph.x[rows]
    assert np.all(np.diff(xs) >= 0)
    assert xs[0] == model.ph.x.min() and xs[-1] == model.ph.x.max()
    assert np.array_equal(schoenfeld.shown_rows(model.ph.x, n), np.arange(n))

    old = schoenfeld.MAX_POINTS
    try:
        schoenfeld.MAX_POINTS = 20
        f = schoenfeld.draw_schoenfeld(model, ep.endpoint, ep.label, number="S9")
    finally:
        schoenfeld.MAX_POINTS = old
    ax = next(a for a in f.figure.axes if a.get_visible())
    assert len(ax.collections[0].get_offsets()) == 20
    assert f"20 of the {n:,} residuals are drawn" in f.caption
    full = schoenfeld.draw_schoenfeld(model, ep.endpoint, ep.label, number="S9")
    assert "residuals are drawn" not in full.caption
