"""PFS and DoR: each event and censoring rule of docs/endpoints.md (PFS) on hand-built sequences."""

import pytest
from conftest import rows

from retrostudy.errors import ProtocolError

SEED = {"pfs": {"kind": "pfs", "events": ["progression"]}}
STANDARD = {"pfs": {"kind": "pfs", "events": ["progression", "death"]}}


def pfs(block, seqs, **kw):
    d = rows(block, seqs, **kw)
    return {p: (r.pfs_days, r.pfs_event, r.pfs_reason) for p, r in d.iterrows()}


def test_seed_definition_progression_only():
    got = pfs(SEED, {"pd": [(42, "SD"), (90, "PD")], "died": [(42, "SD"), (84, "SD")],
                     "none": [], "ne": [(42, "SD"), (84, "NE")]},
              deaths={"died": 120})
    assert got == {
        "pd": (90, 1, "progression"),
        "died": (84, 0, "censored_last_assessment"),  # TTP: death is not an event
        "none": (0, 0, "censored_no_post_baseline_assessment"),
        "ne": (42, 0, "censored_last_assessment"),  # NE is not an adequate assessment
    }


def test_standard_definition_counts_death():
    got = pfs(STANDARD, {"died": [(42, "SD")], "early": [], "pd": [(60, "PD")]},
              deaths={"died": 120, "early": 20, "pd": 200})
    assert got == {"died": (120, 1, "death"), "early": (20, 1, "death"),
                   "pd": (60, 1, "progression")}


def test_pfs_date_column():
    d = rows(SEED, {"p": [(42, "PD")]})
    assert str(d.loc["p", "pfs_date"].date()) == "2020-02-12"


@pytest.mark.parametrize(("death", "expected"), [
    (102, (102, 1, "death")),  # 60 days after the last adequate assessment (day 42)
    (103, (42, 0, "censored_death_outside_window")),
])
def test_death_window(death, expected):
    block = {"pfs": {"kind": "pfs", "events": ["progression", "death"], "death_window_days": 60}}
    assert pfs(block, {"p": [(42, "SD")]}, deaths={"p": death})["p"] == expected


MISSED = {"interval_days": 42, "max_missed": 2}


@pytest.mark.parametrize(("pd_day", "expected"), [
    (126, (126, 1, "progression")),  # 84 days = 2 x 42 after the last adequate assessment
    (127, (42, 0, "censored_missed_visits")),
])
def test_missed_assessments_before_progression(pd_day, expected):
    block = {"pfs": {"kind": "pfs", "events": ["progression"], "missed_assessments": MISSED}}
    assert pfs(block, {"p": [(42, "SD"), (pd_day, "PD")]})["p"] == expected


def test_missed_assessments_before_death_and_window_days():
    block = {"pfs": {"kind": "pfs", "missed_assessments": {**MISSED, "window_days": 7}}}
    got = pfs(block, {"a": [(42, "SD")], "b": [(42, "SD")], "c": []},
              deaths={"a": 133, "b": 134, "c": 92})
    assert got == {"a": (133, 1, "death"), "b": (42, 0, "censored_missed_visits"),
                   "c": (0, 0, "censored_missed_visits")}


def test_ne_assessments_do_not_reset_the_missed_visit_clock():
    block = {"pfs": {"kind": "pfs", "events": ["progression"], "missed_assessments": MISSED}}
    got = pfs(block, {"p": [(42, "SD"), (84, "NE"), (130, "PD")]})
    assert got["p"] == (42, 0, "censored_missed_visits")


def test_censor_at_new_therapy():
    block = {"pfs": {"kind": "pfs", "censor_at_new_therapy": True}}
    got = pfs(block, {
        "after": [(42, "SD"), (130, "PD")],   # PD after the next line started on day 100
        "same_day": [(42, "SD"), (100, "PD")],  # a scan on the start day still counts
        "death": [(42, "SD")],
        "no_line": [(42, "SD"), (84, "SD")],
    }, lines={"after": 100, "same_day": 100, "death": 100}, deaths={"death": 150})
    assert got == {
        "after": (42, 0, "censored_new_therapy"),
        "same_day": (100, 1, "progression"),
        "death": (42, 0, "censored_new_therapy"),
        "no_line": (84, 0, "censored_last_assessment"),
    }


def test_new_therapy_without_lines_is_an_error():
    block = {"pfs": {"kind": "pfs", "censor_at_new_therapy": True}}
    with pytest.raises(ProtocolError, match=r"endpoint\(s\) \['pfs'\] need the lines-of-therapy"):
        rows(block, {"p": [(42, "SD")]})


def test_new_therapy_ignored_unless_asked():
    assert pfs(SEED, {"p": [(42, "SD"), (130, "PD")]}, lines={"p": 100})["p"] == (
        130, 1, "progression")


def test_radiological_versus_any_progression():
    seqs = {"p": [(42, "SD"), (60, "PD", "clinical"), (120, "PD")]}
    assert pfs(SEED, seqs)["p"] == (120, 1, "progression")
    block = {"pfs": {"kind": "pfs", "events": ["progression"], "progression": "any"}}
    assert pfs(block, seqs)["p"] == (60, 1, "progression")


def test_clinical_only_patient_has_no_radiological_assessment():
    assert pfs(SEED, {"p": [(42, "SD", "clinical")]})["p"] == (
        0, 0, "censored_no_post_baseline_assessment")


def test_duration_of_response():
    block = {"bor": {"kind": "bor"},
             "dor": {"kind": "dor", "response_from": "bor", "events": ["progression", "death"]}}
    d = rows(block, {"pd": [(42, "SD"), (84, "PR"), (130, "PD")],
                     "cens": [(42, "CR"), (84, "CR"), (126, "NE")],
                     "died": [(42, "PR")], "sd": [(42, "SD"), (90, "PD")]},
             deaths={"died": 100})
    got = {p: (r.dor_days, r.dor_event, r.dor_reason) for p, r in d.iterrows()}
    assert got["pd"] == (46, 1, "progression")
    assert got["cens"] == (42, 0, "censored_last_assessment")
    assert got["died"] == (58, 1, "death")
    assert got["sd"][2] == "not_applicable"
    assert d["dor_days"].isna().tolist() == [False, False, False, True]


def test_dor_needs_a_bor_endpoint():
    with pytest.raises(ValueError, match="dor.response_from = 'bor' is not a 'bor' endpoint"):
        rows({"dor": {"kind": "dor"}}, {"p": []})
