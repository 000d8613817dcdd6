"""[analyses.adjusted] AIPW with the adjusted comparison's propensity model, the estimand it
targets, its refusal beside trim/truncate, the ``truncate`` key, and the bootstrap with a
Firth propensity model (seeded simulated data, not the T-DM1 example)."""

from __future__ import annotations

import numpy as np
import pytest
from secondary_data import DPM, make_data, make_protocol

from retrostudy.analysis import run_analyses
from retrostudy.errors import ProtocolError
from retrostudy.stats import aipw_survival, propensity_score, ps_weights

B = 20


def _protocol(**more):
    return make_protocol({"survival": [{"endpoint": "os", "landmarks": [6, 12]}],
                          "adjusted": {"covariates": ["age", "visceral"], "methods": ["iptw"],
                                       "seed": 3, **more}})


@pytest.fixture(scope="module")
def data():
    d = make_data(seed=21, n=160)
    # a fifth of the PS sample has no OS value: in the propensity model, not in the outcome
    gone = np.arange(len(d)) % 5 == 0
    d.loc[gone, "os_days"] = np.nan
    d.loc[gone, "os_event"] = np.nan
    return d


def _ps(d, firth=None):
    a = (d["group"] == "A").to_numpy(bool)
    X = np.column_stack([d["age"].to_numpy(float), d["visceral"].to_numpy(float)])
    return a, X, propensity_score(X, a, names=["age", "visceral"], firth=firth)


def test_aipw_uses_the_comparisons_propensity_model_on_the_whole_ps_sample(data):
    run = run_analyses(_protocol(aipw=True), data)
    (r,) = run.result("adjusted_bootstrap")
    a, X, ps = _ps(data)
    np.testing.assert_allclose(run.adjusted.ps, ps.ps, rtol=1e-12)
    ok = data["os_days"].notna().to_numpy()
    t = data["os_days"].to_numpy(float)
    e = data["os_event"].to_numpy(float)
    ref = aipw_survival(t, e, a.astype(int), X, tau=12 * DPM, landmarks=[6 * DPM, 12 * DPM],
                        analysed=ok)
    assert r.aipw_rmst_difference.estimate * DPM == pytest.approx(ref.rmst_diff, rel=1e-10)
    assert ref.ps_range == (float(ps.ps[ok].min()), float(ps.ps[ok].max()))
    # the endpoint's rows alone give another propensity model, hence another estimate
    own = aipw_survival(t[ok], e[ok], a[ok].astype(int), X[ok], tau=12 * DPM,
                        landmarks=[6 * DPM, 12 * DPM])
    assert abs(own.rmst_diff - ref.rmst_diff) > 1e-6
    assert r.aipw_estimand == "ATE" and run.to_json()["adjusted_bootstrap"]["os"][
        "aipw_estimand"] == "ATE"


def test_aipw_states_its_estimand_when_the_weights_target_another(data):
    from retrostudy.report.tables import analysis_tables

    run = run_analyses(_protocol(aipw=True, estimand="ATT"), data)
    (r,) = run.result("adjusted_bootstrap")
    assert r.estimand == "ATT" and r.aipw_estimand == "ATE"
    assert any("targets the ATE" in n and "target the ATT" in n for n in r.notes)
    (sentence,) = r.methods_notes()
    assert "targets the ATE" in sentence and "target the ATT" in sentence
    table = analysis_tables(run)["adjusted_bootstrap"]
    assert any("Doubly robust (AIPW, ATE)" in row.label for row in table.rows)
    assert any("target the ATT" in n for n in table.footnotes)


def test_aipw_with_a_firth_model_refits_by_firth(data):
    run = run_analyses(_protocol(aipw=True, firth=True), data)
    (r,) = run.result("adjusted_bootstrap")
    a, X, ps = _ps(data, firth=True)
    ok = data["os_days"].notna().to_numpy()
    ref = aipw_survival(data["os_days"].to_numpy(float), data["os_event"].to_numpy(float),
                        a.astype(int), X, tau=12 * DPM, analysed=ok, firth=True)
    ml = aipw_survival(data["os_days"].to_numpy(float), data["os_event"].to_numpy(float),
                       a.astype(int), X, tau=12 * DPM, analysed=ok)
    assert ref.propensity_method == "firth"
    assert r.aipw_rmst_difference.estimate * DPM == pytest.approx(ref.rmst_diff, rel=1e-10)
    assert abs(ml.rmst_diff - ref.rmst_diff) > 1e-9


@pytest.mark.parametrize("more", [{"trim": [0.2, 0.8]}, {"truncate": 0.95}])
def test_aipw_with_trim_or_truncate_is_a_protocol_error(data, more):
    with pytest.raises(ProtocolError) as err:
        run_analyses(_protocol(aipw=True, **more), data)
    p = err.value.problems[0]
    assert p.key == "analyses.adjusted.aipw" and next(iter(more)) in p.message and p.hint


def test_truncate_caps_the_weights_counts_them_and_the_bootstrap_repeats_it(data):
    run = run_analyses(_protocol(truncate=0.9, bootstrap=B), data)
    a, X, ps = _ps(data)
    pw = ps_weights(ps.ps, a, estimand="ATE", truncate=0.9)
    np.testing.assert_allclose(run.adjusted.weights["iptw"], pw.weights, rtol=1e-14)
    conv = run.adjusted.conventions.truncation
    assert conv.quantile == 0.9 and conv.cap == pw.truncation_cap
    assert conv.truncated == int(pw.truncated.sum()) > 0
    sam = run.adjusted.samples.by_method["iptw"]
    assert sam["A"].truncated == pw.n_truncated["treated"]
    assert sam["B"].truncated == pw.n_truncated["control"]
    assert np.quantile(pw.weights, 1.0) == pytest.approx(pw.truncation_cap)
    (r,) = run.result("adjusted_bootstrap")
    comp = run.adjusted.comparison("os", "iptw")
    assert r.bootstrap_hr.estimate == pytest.approx(comp.hazard_ratio.hazard_ratio,
                                                    rel=1e-10)
    assert any("0.9 quantile" in n for n in r.notes)
    plain = run_analyses(_protocol(bootstrap=B), data)
    assert plain.adjusted.comparison("os", "iptw").hazard_ratio.hazard_ratio != \
        pytest.approx(comp.hazard_ratio.hazard_ratio, rel=1e-8)
    assert plain.adjusted.samples.by_method["iptw"]["A"].truncated is None
    assert plain.adjusted.conventions.truncation is None


def test_truncated_counts_in_the_balance_table_and_methods(data):
    from retrostudy.report.results_model.adjusted import SampleGroup
    from retrostudy.report.tables.adjusted import balance_table

    run = run_analyses(_protocol(truncate=0.9), data)
    res = run.adjusted
    SampleGroup.model_validate(run.to_json()["adjusted"]["samples"]["iptw"]["A"])
    table = balance_table(res)
    i = [row.label for row in table.rows].index("Truncated (weight capped)")
    col = 1 + list(res.methods).index("iptw")
    for row, g in zip(table.rows[i + 1:i + 3], ("A", "B"), strict=True):
        assert row.label == g \
            and row.cells[col].count == res.samples.by_method["iptw"][g].truncated
    assert any("0.9 quantile" in n for n in table.footnotes)


def test_bootstrap_with_a_firth_model_starts_from_the_main_estimate(data):
    run = run_analyses(_protocol(firth=True, bootstrap=B), data)
    assert run.adjusted.ps_fit.method == "firth"
    (r,) = run.result("adjusted_bootstrap")
    comp = run.adjusted.comparison("os", "iptw")
    assert r.bootstrap_hr.estimate == pytest.approx(comp.hazard_ratio.hazard_ratio,
                                                    rel=1e-10)
    assert r.bootstrap_rmst_difference.estimate == pytest.approx(
        r.rmst_difference.estimate, rel=1e-10)
    assert r.n_failed == 0 and any("Firth" in n for n in r.notes)
