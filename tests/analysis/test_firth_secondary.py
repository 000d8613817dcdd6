"""Firth's penalised Cox fit in the cause-specific and subgroup models: a group without
events of a cause (or in a subgroup level) has a monotone likelihood; the model is refitted
by Firth's method, as the endpoint models are, and flagged in the table. Checked against the
penalised likelihood maximised in R (tests/reference/firth_secondary.R, as
tests/reference/cox.R does for stats.cox_ph(firth=True)); synthetic data, not the T-DM1
example."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from secondary_data import make_protocol

from retrostudy.analysis import run_analyses
from retrostudy.report.tables import analysis_tables

REF = json.loads((Path(__file__).parents[1] / "reference" / "firth_secondary.json")
                 .read_text(encoding="utf-8"))
ENDPOINTS = {"pfs": {"kind": "pfs", "label": "PFS (PD only)", "events": ["progression"]},
             "os": {"kind": "os", "label": "Overall survival"}}


@pytest.fixture(scope="module")
def run():
    d = pd.DataFrame(REF["data"])
    s = d["status"].to_numpy()
    d = d.assign(pfs_days=d["time"], pfs_event=(s == 1).astype(int), os_days=d["time"],
                 os_event=(s == 2).astype(int),
                 index_date=pd.Timestamp("2019-01-01"))
    proto = make_protocol({"competing": {"endpoint": "pfs"},
                           "subgroups": [{"endpoint": "pfs", "variables": ["site"]}]},
                          endpoints=ENDPOINTS)
    return run_analyses(proto, d)


def _same(hr, ref):
    np.testing.assert_allclose(hr["hazard_ratio"], ref["hazard_ratio"], rtol=1e-6)
    np.testing.assert_allclose([hr["conf_low"], hr["conf_high"]],
                               [ref["conf_low"], ref["conf_high"]], rtol=1e-6)
    np.testing.assert_allclose(hr["p_value"], ref["p"], rtol=1e-6)


def test_cause_specific_model_uses_firth_when_monotone(run):
    cr = run.secondary.competing
    ref = REF["cause_specific_death"]
    assert "coefficient may be infinite" in ref["ml_warning"]  # monotone in R too
    model = next(m for m in cr.cox["death_without_progression"] if m.name == "unadjusted")
    assert model.monotone and model.method == "firth"
    (hr,) = [c for c in model.coefficients if c.variable == "group"]
    assert hr.test == "profile_likelihood"
    _same(hr.to_json(), ref)
    # the other cause is an ordinary fit
    prog = next(m for m in cr.cox["progression"] if m.name == "unadjusted")
    assert not prog.monotone and prog.method == "standard"
    notes = " ".join(analysis_tables(run)["competing_cox_pfs"].footnotes)
    assert "death without progression: monotone likelihood" in notes
    assert "Firth's penalised estimates are shown" in notes


def test_subgroup_level_uses_firth_when_monotone(run):
    (res,) = run.secondary.subgroups
    (var,) = res.variables
    levels = {lv.value: lv for lv in var.levels}
    rare = levels["rare"].hazard_ratios["A"].to_json()
    assert rare["method"] == "firth" and rare["test"] == "profile_likelihood"
    assert "not_estimable" not in rare
    _same(rare, REF["subgroup_rare_progression"])
    common = levels["common"].hazard_ratios["A"].to_json()
    assert "method" not in common and common["test"] == "wald"
    table = analysis_tables(run)["subgroups_pfs"]
    text = table.to_text()
    assert "\u2020" in text
    assert any("Firth's penalised hazard ratio" in n and "site = rare: A vs B" in n
               for n in table.footnotes)
    from retrostudy.report.results_model.secondary import SubgroupHazardRatio

    SubgroupHazardRatio.model_validate(rare)
    SubgroupHazardRatio.model_validate(common)


def test_flat_likelihood_stays_ne_when_firth_has_no_estimate_either():
    """One event, when only its own group is still at risk: the partial likelihood is flat
    (information 0), so Firth's penalty log det I(b) is -inf; the model stays NE (as
    before), not an error. (The T-DM1 example's death-without-progression cause.)"""
    import math

    from retrostudy.analysis._stats import Conventions
    from retrostudy.analysis.cox import fit_model

    d = pd.DataFrame({"group": ["A"] * 5 + ["B"] * 5,
                      "t_days": [10, 20, 30, 40, 50, 60, 70, 80, 90, 100],
                      "t_event": [0] * 9 + [1]})

    class Spec:
        endpoint = "t"
        reference: dict = {}

    conv = Conventions(profile="r", conf_type="log", ties="efron", conf_level=0.95,
                       days_per_month=30.4375)
    m = fit_model(d, "unadjusted", ["group"], Spec, "A", conv, firth_if_monotone=True)
    assert m.monotone and m.method == "standard"
    assert math.isnan(m.coefficients[0].hazard_ratio)


def test_flat_likelihood_with_rounding_noise_stays_ne_not_a_firth_estimate():
    """The only event falls when only its own group (B) is at risk, with 5 A and 9 B
    patients: the group column centred on 9/14 leaves an information of rounding noise,
    not an exact 0, so Firth's refit returns a number with a (0, inf) profile CI. The data
    say nothing about the hazard ratio: the model stays NE (the ordinary fit), no warning."""
    import math
    import warnings

    from retrostudy.analysis._stats import Conventions
    from retrostudy.analysis.cox import fit_model

    t_a = [146, 185, 299, 357, 386]
    t_b = [12, 100, 106, 109, 119, 170, 500, 507, 514]
    d = pd.DataFrame({"group": ["A"] * 5 + ["B"] * 9, "t_days": [float(t) for t in t_a + t_b],
                      "t_event": [0] * 5 + [0] * 6 + [1, 0, 0]})

    class Spec:
        endpoint = "t"
        reference: dict = {}

    conv = Conventions(profile="r", conf_type="log", ties="efron", conf_level=0.95,
                       days_per_month=30.4375)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        m = fit_model(d, "unadjusted", ["group"], Spec, "A", conv, firth_if_monotone=True)
    assert m.monotone and m.method == "standard"
    hr = m.coefficients[0]
    assert math.isnan(hr.hazard_ratio) and math.isnan(hr.conf_low) and math.isnan(hr.p_value)
