"""A protocol written from the docs with only the required keys of every block, run end to
end (run_study) on a small synthetic extract that is not the example study.

Also: the follow-up printed is the reverse Kaplan-Meier of the endpoint the protocol names
(``[analyses.followup] reverse_km_of``), not of the observed-time endpoint, and the words
describing it name the same endpoint.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from retrostudy.report.results_model import validate_results

MINIMAL = """
[study]
title = "Minimal protocol"

[index]
drug = "trastuzumab emtansine"

[[criteria]]
label = "No T-DM1 before"
action = "exclude"
when = { drug = "trastuzumab emtansine", window = ["-inf", -1] }

[[groups.group]]
name = "Pmab"
when = { drug = "pertuzumab", window = ["-inf", -1] }

[[groups.group]]
name = "No Pmab"
when = { not = { drug = "pertuzumab", window = ["-inf", -1] } }

[covariates]
[lines]

[endpoints]
[endpoints.pfs]
kind = "pfs"
[endpoints.ttp]
kind = "pfs"
events = ["progression"]   # competing risks need a progression-only PFS
[endpoints.os]
kind = "os"
[endpoints.ttd]
kind = "ttd"
drug = "trastuzumab emtansine"
[endpoints.bor]
kind = "bor"
[endpoints.rates]
kind = "rates"

[analyses]
[[analyses.derived]]
name = "ecog_1plus"
column = "ecog"
at_least = 1
[[analyses.table1]]
name = "age"
[[analyses.survival]]
endpoint = "pfs"
{response}
[analyses.followup]
observation = "pfs"
[analyses.discontinuation]
column = "ttd_discontinuation_reason"
[analyses.adjusted]
covariates = ["age"]
[analyses.rmst]
[analyses.competing]
endpoint = "ttp"
[[analyses.subgroups]]
endpoint = "pfs"
variables = ["ecog_1plus"]
[analyses.sensitivity]
endpoints = ["pfs", "ttp"]   # at least one list is required

[report]
outputs = ["json", "csv"]
"""


def _study(tmp_path, response: str = ""):
    """80 synthetic patients (``generate_cohort``); every second one lost to follow-up (no
    death recorded), otherwise nearly all die and no reverse KM median exists."""
    from retrostudy.synth import generate_cohort, write_study

    study = generate_cohort(80, seed=11)
    patients = study.raw["patients"].copy()
    lost = np.arange(len(patients)) % 2 == 1
    patients["death_date"] = patients["death_date"].where(~lost, None)
    study.raw["patients"] = patients
    write_study(study, tmp_path / "data")
    (tmp_path / "study.toml").write_text(MINIMAL.replace("{response}", response),
                                         encoding="utf-8")
    return tmp_path / "study.toml"


@pytest.fixture(scope="module")
def minimal(tmp_path_factory):
    from retrostudy.pipeline import run_study

    folder = tmp_path_factory.mktemp("minimal")
    return run_study(_study(folder), out=folder / "out"), folder / "out"


def test_every_block_with_its_required_keys_runs(minimal):
    res, out = minimal
    assert len(res.dataset) > 20
    for key in ("table1", "survival_pfs", "cox_pfs", "table2_response", "followup",
                "discontinuation", "rmst", "competing_ttp"):
        assert key in res.tables, key
    saved = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert saved["analyses"]["followup"]["reverse_km_of"] == "os"


def test_results_json_is_described_by_the_models(minimal):
    """Every block on with its required keys only: results.json validates against the
    models of docs/results-schema.md, adjusted and secondary analyses included."""
    _, out = minimal
    a = validate_results((out / "results.json").read_text(encoding="utf-8")).analyses
    assert a is not None and a.adjusted is not None and a.competing_risks is not None
    assert a.rmst and a.subgroups and a.sensitivity is not None


def test_table2_by_default_with_a_bor_endpoint(minimal):
    """No [analyses.response]: Table 2 is still there, for the BOR endpoint, with the rates
    of the rates endpoint (each with the default test, which used to crash)."""
    res, _ = minimal
    rates = res.analyses.response.to_json()["rates"]
    assert [r["name"] for r in rates] == ["response", "disease_control"]
    assert all(r["test"] in ("chisq", "fisher", "none") for r in rates)
    assert res.protocol.analyses.response.column == "bor"


def test_a_rate_without_test_does_not_crash(tmp_path):
    """[analyses.response] with rates that do not set `test` (docs: default "auto")."""
    from retrostudy.pipeline import run_study

    block = ('[analyses.response]\nrates = [{ name = "response" }, '
             '{ name = "disease_control", label = "DCR" }]\n')
    res = run_study(_study(tmp_path, block))
    rates = res.analyses.response.to_json()["rates"]
    assert [r["test"] in ("chisq", "fisher") for r in rates] == [True, True]
    d = res.dataset
    table = pd.crosstab(d["group"], d["response"].astype(bool))
    from scipy.stats import chi2_contingency, fisher_exact

    expected = chi2_contingency(table.to_numpy(), correction=False)
    p = (expected.pvalue if rates[0]["test"] == "chisq"
         else fisher_exact(table.to_numpy()).pvalue)
    assert rates[0]["p_value"] == pytest.approx(p, rel=1e-9)


def test_followup_is_the_reverse_km_of_the_named_endpoint(minimal):
    """Independent reverse KM (kaplan_meier with the event flipped) of OS, per group; PFS
    and OS differ here, so the observed-time endpoint's reverse KM would not match."""
    from retrostudy.stats import kaplan_meier

    res, _ = minimal
    d = res.dataset
    per = res.analyses.conventions.days_per_month
    conf_type = res.analyses.conventions.conf_type
    fu = res.analyses.followup
    assert (fu.observation, fu.reverse_km_of) == ("pfs", "os")
    differs = False
    for g in fu.groups:
        sub = d[d["group"] == g.group]
        os_med = kaplan_meier(sub["os_days"].to_numpy(float), 1 - sub["os_event"].to_numpy(int),
                              conf_type=conf_type).median()
        pfs_med = kaplan_meier(sub["pfs_days"].to_numpy(float),
                               1 - sub["pfs_event"].to_numpy(int), conf_type=conf_type).median()
        assert g.reverse_km[0] * per == pytest.approx(os_med.estimate, rel=1e-12)
        assert np.allclose([g.reverse_km[1] * per, g.reverse_km[2] * per],
                           [os_med.conf_low, os_med.conf_high], equal_nan=True)
        differs |= not np.isclose(pfs_med.estimate, os_med.estimate)
        obs = sub["pfs_days"].to_numpy(float) / per
        assert (g.median, g.low, g.high) == pytest.approx((np.median(obs), obs.min(), obs.max()))
    assert differs, "the test needs a study where PFS and OS give different reverse KMs"


def test_followup_words_name_the_endpoints_of_its_numbers(minimal):
    res, out = minimal
    method = res.analyses.followup.method
    assert "reverse Kaplan\u2013Meier median of OS" in method
    assert "censoring of Progression" in method or "censoring of PFS" in method
    assert res.tables["followup"].footnotes[0] == method
    csv = (out / "tables" / "followup.csv").read_text(encoding="utf-8")
    assert "reverse Kaplan" in csv
