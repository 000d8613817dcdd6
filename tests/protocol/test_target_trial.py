"""[target_trial], landmark_days and [analyses.imputation]: model, validation and the
target-trial check (time zero = index; eligibility and assignment from data on or before
time zero). Protocols here are an eribulin study, not the example."""

from __future__ import annotations

import pytest

from retrostudy.errors import ProtocolError
from retrostudy.protocol import parse_protocol
from retrostudy.protocol.target_trial import check_target_trial

TRIAL = {
    "eligibility": "Adults starting eribulin for metastatic breast cancer, ECOG 0-2",
    "treatment_strategies": "Eribulin at full dose vs reduced dose from cycle 1",
    "assignment": "Not randomised; emulated by adjustment for baseline confounders",
    "outcome": "Overall survival",
    "causal_contrast": "Observational analogue of intention-to-treat",
    "analysis_plan": "Kaplan-Meier, Cox with IPTW (ATE), E-values",
}
ECOG = {"label": "ECOG 0-2 at start", "action": "include",
        "when": {"observation": "ecog", "window": [-30, 0], "value": ["0", "1", "2"]}}
LATER = {"label": "Received 2+ cycles", "action": "include", "allow_post_index": True,
         "when": {"drug": "eribulin", "window": [1, 60], "min_count": 2}}


def _raw(trial=None, criteria=(ECOG,), **analyses):
    raw = {"study": {"title": "Eribulin"}, "index": {"drug": "eribulin"},
           "criteria": list(criteria),
           "endpoints": {"os": {"kind": "os"}}}
    if trial is not None:
        raw["target_trial"] = trial
    if analyses:
        raw["analyses"] = analyses
    return raw


def test_aligned_trial_has_no_warnings_and_reads_as_a_table():
    p = parse_protocol(_raw({**TRIAL, "eligibility_criteria": ["ECOG 0-2 at start"],
                             "outcome_endpoint": "os"}))
    assert check_target_trial(p) == ()
    rows = dict(p.target_trial.rows())
    assert rows["Time zero"] == "Index date (day 0)"
    assert list(rows)[0] == "Eligibility criteria" and list(rows)[-1] == "Analysis plan"


def test_no_block_no_check():
    assert check_target_trial(parse_protocol(_raw())) == ()


def test_time_zero_other_than_index_warns():
    p = parse_protocol(_raw({**TRIAL, "time_zero": "diagnosis of metastatic disease"}))
    (w,) = check_target_trial(p)
    assert w.key == "target_trial.time_zero" and "diagnosis of metastatic disease" in w.message


def test_eligibility_after_time_zero_warns_naming_window():
    p = parse_protocol(_raw(TRIAL, criteria=(ECOG, LATER)))
    (w,) = check_target_trial(p)
    assert w.key == "criteria.1.when.drug.window"
    assert w.message.startswith("Eligibility uses data after time zero")
    assert "[1, 60]" in w.message
    # not one of the trial's eligibility criteria: not checked
    p = parse_protocol(_raw({**TRIAL, "eligibility_criteria": ["ECOG 0-2 at start"]},
                            criteria=(ECOG, LATER)))
    assert check_target_trial(p) == ()


def test_assignment_after_time_zero_warns():
    many = {"drug": "eribulin", "window": [1, "inf"], "min_count": 6}
    raw = _raw(TRIAL)
    raw["groups"] = {"reference": "fewer", "group": [
        {"name": "6+", "when": many, "allow_post_index": True},
        {"name": "fewer", "when": {"not": many}, "allow_post_index": True}]}
    warnings = check_target_trial(parse_protocol(raw))
    assert [w.message.split(":")[0] for w in warnings] == [
        "Treatment assignment uses data after time zero"] * 2


@pytest.mark.parametrize("links, needle", [
    ({"eligibility_criteria": ["No such criterion"]}, "eligibility_criteria.0"),
    ({"outcome_endpoint": "pfs"}, "outcome_endpoint"),
])
def test_unknown_links_are_protocol_errors(links, needle):
    with pytest.raises(ProtocolError) as info:
        parse_protocol(_raw({**TRIAL, **links}))
    assert needle in str(info.value)


def test_text_fields_are_required():
    bad = {k: v for k, v in TRIAL.items() if k != "causal_contrast"}
    with pytest.raises(ProtocolError) as info:
        parse_protocol(_raw(bad))
    assert "causal_contrast" in str(info.value)


def test_landmark_days_and_imputation_settings():
    p = parse_protocol(_raw(survival=[{"endpoint": "os", "landmark_days": 90}],
                            imputation={"m": 10, "seed": 7, "method": {"ecog": "polyreg"}}))
    assert p.analyses.survival[0].landmark_days == 90
    imp = p.analyses.imputation
    assert (imp.m, imp.iterations, imp.seed, imp.donors, dict(imp.method)) == (
        10, 10, 7, 5, {"ecog": "polyreg"})
    assert parse_protocol(_raw(survival=[{"endpoint": "os"}])).analyses.survival[
        0].landmark_days is None
    for bad in ({"survival": [{"endpoint": "os", "landmark_days": 0}]},
                {"imputation": {"m": 1}},
                {"imputation": {"method": {"ecog": "mean"}}}):
        with pytest.raises(ProtocolError):
            parse_protocol(_raw(**bad))
