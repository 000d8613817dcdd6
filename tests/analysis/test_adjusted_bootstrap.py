"""[analyses.adjusted] bootstrap = B, seed, aipw = true: the bootstrap CI of the IPTW hazard
ratio and the weighted RMST difference, the AIPW differences; seeded and reproducible, equal
to direct stats calls on the same propensity sample (seeded data, not the T-DM1 example)."""

from __future__ import annotations

import numpy as np
import pytest
from secondary_data import DPM, make_data, make_protocol

from retrostudy.analysis import run_analyses
from retrostudy.stats import aipw_survival, bootstrap_iptw, weighted_rmst

B = 60


def _protocol(seed=5, **more):
    return make_protocol({"survival": [{"endpoint": "os", "landmarks": [6, 12]}],
                          "adjusted": {"covariates": ["age", "visceral"], "methods": ["iptw"],
                                       "bootstrap": B, "seed": seed, **more}})


@pytest.fixture(scope="module")
def data():
    return make_data(seed=13, n=150)


@pytest.fixture(scope="module")
def run(data):
    return run_analyses(_protocol(aipw=True), data)


def _arrays(d):
    a = (d["group"] == "A").to_numpy(int)
    X = np.column_stack([d["age"].to_numpy(float), d["visceral"].to_numpy(float)])
    return d["os_days"].to_numpy(float), d["os_event"].to_numpy(int), a, X


def test_bootstrap_equals_direct_call_and_is_seeded(data, run):
    (r,) = run.result("adjusted_bootstrap")
    t, e, a, X = _arrays(data)
    tau = 12 * DPM
    assert r.tau == pytest.approx(12.0) and r.n_resamples == B and r.seed == 5
    bs = bootstrap_iptw(t, e, a, X, tau=tau, estimand="ATE", n_resamples=B, seed=5,
                        ties="efron")
    np.testing.assert_allclose([r.bootstrap_hr.estimate, r.bootstrap_hr.conf_low,
                                r.bootstrap_hr.conf_high],
                               [bs.hazard_ratio, bs.hr_conf_low, bs.hr_conf_high], rtol=1e-9)
    np.testing.assert_allclose(r.bootstrap_rmst_difference.conf_low * DPM, bs.rmst_conf_low,
                               rtol=1e-9)
    # the full-sample HR is the IPTW HR the adjusted comparison prints (robust CI beside it)
    iptw = run.adjusted.comparison("os", "iptw").hazard_ratio
    np.testing.assert_allclose(r.bootstrap_hr.estimate, iptw.hazard_ratio, rtol=1e-9)
    again = run_analyses(_protocol(aipw=True), data).to_json()["adjusted_bootstrap"]
    assert again == run.to_json()["adjusted_bootstrap"]
    other = run_analyses(_protocol(seed=6), data).result("adjusted_bootstrap")[0]
    assert other.bootstrap_hr.conf_low != r.bootstrap_hr.conf_low
    assert other.bootstrap_hr.estimate == pytest.approx(r.bootstrap_hr.estimate, rel=1e-12)


def test_weighted_rmst_and_aipw_equal_direct_calls(data, run):
    from retrostudy.stats import propensity_score, ps_weights

    (r,) = run.result("adjusted_bootstrap")
    t, e, a, X = _arrays(data)
    ps = propensity_score(X, a.astype(bool), names=["age", "visceral"])
    w = np.asarray(ps_weights(ps.ps, a.astype(bool), estimand="ATE", stabilized=True).weights)
    wr = weighted_rmst(t, e, np.where(a == 1, "A", "B"), w, tau=12 * DPM, groups=("B", "A"),
                       variance="robust")
    np.testing.assert_allclose(r.rmst_difference.estimate * DPM, wr.difference, rtol=1e-9)
    np.testing.assert_allclose(r.rmst_difference.conf_high * DPM, wr.conf_high, rtol=1e-9)
    assert r.rmst_difference.method == "wald_robust_weights_known"
    ap = aipw_survival(t, e, a, X, tau=12 * DPM, landmarks=[6 * DPM, 12 * DPM],
                       n_resamples=B, seed=5)
    np.testing.assert_allclose(r.aipw_rmst_difference.estimate * DPM, ap.rmst_diff, rtol=1e-9)
    np.testing.assert_allclose([iv.estimate for _, iv in r.aipw_survival_difference],
                               ap.surv_diff, rtol=1e-9)
    np.testing.assert_allclose(r.aipw_rmst_difference.conf_low * DPM, ap.rmst_diff_ci[0],
                               rtol=1e-9)


def test_results_json_and_table(run):
    from retrostudy.report.results_model.design import AdjustedBootstrap
    from retrostudy.report.tables import analysis_tables

    AdjustedBootstrap.model_validate(run.to_json()["adjusted_bootstrap"]["os"])
    table = analysis_tables(run)["adjusted_bootstrap"]
    labels = [row.label for row in table.rows]
    assert "IPTW hazard ratio" in labels
    assert any(lb.startswith("Doubly robust (AIPW, ATE) survival difference at 6") for lb in labels)
    assert any(f"{B} bootstrap resamples (seed 5)" in n for n in table.footnotes)


def test_not_run_without_bootstrap_or_aipw(data):
    proto = make_protocol({"survival": [{"endpoint": "os"}],
                           "adjusted": {"covariates": ["age"], "methods": ["iptw"]}})
    assert "adjusted_bootstrap" not in run_analyses(proto, data).to_json()


@pytest.mark.parametrize("more", [
    {"trim": [0.3, 0.5]},  # the scores lie in about [0.25, 0.57]
    {"trim": [0.32, 0.55], "stabilized": False},
    {"estimand": "ATT", "trim": [0.29, 0.48]},
    {"estimand": "ATC", "trim": [0.3, 0.52], "stabilized": False},
    {"estimand": "ATO", "trim": [0.31, 0.5]},
])
def test_bootstrap_full_sample_is_the_main_estimate(data, more):
    """The bootstrap replicates the main weighting pipeline (estimand, stabilisation, trim):
    its full-sample estimate (every frequency weight 1) is the main IPTW estimate."""
    proto = _protocol(**more)
    run = run_analyses(proto, data)
    (r,) = run.result("adjusted_bootstrap")
    comp = run.adjusted.comparison("os", "iptw")
    assert run.adjusted.conventions.iptw_trimmed > 0  # the trim bites
    assert r.bootstrap_hr.estimate == pytest.approx(comp.hazard_ratio.hazard_ratio,
                                                    rel=1e-12)
    assert r.bootstrap_rmst_difference.estimate == pytest.approx(r.rmst_difference.estimate,
                                                                 rel=1e-12)
    # the weighted RMST difference is that of the comparison's weights (trimmed out: 0)
    w = run.adjusted.weights["iptw"]
    t, e, a, _ = _arrays(data)
    keep = w > 0
    wr = weighted_rmst(t[keep], e[keep], np.where(a == 1, "A", "B")[keep], w[keep],
                       tau=r.tau * DPM, groups=("B", "A"))
    assert r.rmst_difference.estimate * DPM == pytest.approx(wr.difference, rel=1e-12)
    # one weighted RMST difference and CI in both tables (same tau)
    assert comp.rmst.tau == pytest.approx(r.tau, rel=1e-14)
    assert [comp.rmst.difference, comp.rmst.conf_low, comp.rmst.conf_high] == pytest.approx(
        [r.rmst_difference.estimate, r.rmst_difference.conf_low,
         r.rmst_difference.conf_high], rel=1e-12)
