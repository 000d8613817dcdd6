"""Bad input: each case is handled by a stated rule and counted (never silently)."""

import pandas as pd
import pytest
from conftest import INDEX, make_store, run

from retrostudy.endpoints import derive_endpoints
from retrostudy.errors import DataError
from retrostudy.protocol.endpoints import EndpointsBlock

BLOCK = {"pfs": {"kind": "pfs", "events": ["progression"]}, "bor": {"kind": "bor"}}


def _counts(e):
    return e.counts.set_index("rule")[["n_records", "n_patients"]].apply(tuple, axis=1).to_dict()


def test_assessments_before_and_on_index_are_baseline():
    e = run(BLOCK, {"p": [(-30, "PD"), (-2, "SD"), (0, "PD"), (42, "SD")]})
    row = e.data.iloc[0]
    assert (row.pfs_days, row.pfs_event, row.bor) == (42, 0, "SD")
    c = _counts(e)
    assert c["assessment_before_index"] == (2, 1)
    assert c["assessment_on_index"] == (1, 1)


def test_assessments_after_death_ignored():
    block = {"pfs": {"kind": "pfs"}, "bor": {"kind": "bor"}}
    e = run(block, {"p": [(42, "SD"), (90, "PR"), (130, "PD")]}, deaths={"p": 100})
    row = e.data.iloc[0]
    assert (row.pfs_days, row.pfs_reason, row.bor) == (100, "death", "PR")
    assert _counts(e)["assessment_after_death"] == (1, 1)


def test_unknown_response_code_read_as_ne():
    e = run(BLOCK, {"p": [(42, "SD"), (84, "stable-ish")]})
    row = e.data.iloc[0]
    assert (row.pfs_days, row.bor) == (42, "SD")  # NE is not an adequate assessment
    assert _counts(e)["unknown_response_code"] == (1, 1)
    problem = next(p for p in e.issues if p.code == "unknown_response_code")
    assert str(problem) == ("column 'tumor_assessments': unknown_response_code: 1 record(s), "
                            "1 patient(s); read as NE")


def test_patient_without_assessments():
    e = run(BLOCK, {"p": [], "q": [(42, "SD")]})
    row = e.data.set_index("patient_id").loc["p"]
    assert (row.pfs_days, row.pfs_event, row.pfs_reason) == (
        0, 0, "censored_no_post_baseline_assessment")
    assert row.bor == "NE"
    assert _counts(e)["no_post_baseline_assessment"] == (0, 1)


def test_clean_input_has_no_counts():
    e = run(BLOCK, {"p": [(42, "SD")]})
    assert e.counts.empty and e.issues == ()


def test_death_before_index_is_an_error():
    store = make_store({"p": []}, deaths={"p": -1})
    cohort = pd.DataFrame({"patient_id": ["p"], "index_date": [INDEX]})
    with pytest.raises(DataError, match=r"1 patient\(s\) died before their index date"):
        derive_endpoints(EndpointsBlock.model_validate(BLOCK), store, cohort)


def test_cohort_patient_missing_from_patients_table():
    store = make_store({"p": [(42, "SD")]})
    cohort = pd.DataFrame({"patient_id": ["p", "ghost"], "index_date": [INDEX, INDEX]})
    e = derive_endpoints(EndpointsBlock.model_validate({"os": {"kind": "os"}}), store, cohort)
    assert _counts(e)["patient_not_in_patients_table"] == (1, 1)
    assert e.data["os_reason"].tolist() == ["censored_last_contact"] * 2


def test_cohort_frame_checks():
    store = make_store({"p": []})
    block = EndpointsBlock.model_validate(BLOCK)
    with pytest.raises(DataError, match=r"lacks column\(s\) \['index_date'\]"):
        derive_endpoints(block, store, pd.DataFrame({"patient_id": ["p"]}))
    twice = pd.DataFrame({"patient_id": ["p", "p"], "index_date": [INDEX, INDEX]})
    with pytest.raises(DataError, match="one row per patient_id"):
        derive_endpoints(block, store, twice)


def test_two_assessments_on_one_day_count_as_the_worse():
    e = run(BLOCK, {"p": [(42, "PR"), (42, "PD")], "q": [(42, "SD"), (42, "NE"), (84, "SD")]})
    d = e.data.set_index("patient_id")
    assert d.loc["p", "bor"] == "PD" and d.loc["p", "pfs_days"] == 42
    assert d.loc["q", "bor"] == "SD" and d.loc["q", "bor_n_assessments"] == 2
    assert _counts(e)["duplicate_assessment_date"] == (4, 2)
