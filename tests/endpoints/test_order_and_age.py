"""Order and age plausibility at the endpoint layer (docs/data-model.md, "Plausibility
checks"): a response or progression dated before the index date (the first dose of the index
line) is counted and named, never used; an age at index above 120 stops the run, under 18 or
over 100 is counted and named."""

import pandas as pd
import pytest
from conftest import INDEX, make_store, run

from retrostudy.endpoints import derive_endpoints
from retrostudy.errors import DataError
from retrostudy.protocol.endpoints import EndpointsBlock

BLOCK = {"pfs": {"kind": "pfs", "events": ["progression"]}, "bor": {"kind": "bor"}}


def _counts(e):
    return e.counts.set_index("rule")[["n_records", "n_patients"]].apply(tuple, axis=1).to_dict()


def test_response_and_progression_before_index_are_counted_named_and_not_used():
    e = run(BLOCK, {"p": [(-40, "PR"), (-10, "PD"), (42, "SD")],
                    "q": [(-5, "CR"), (-3, "SD"), (60, "PD")], "r": [(42, "SD")]})
    data = e.data.set_index("patient_id")
    assert (data.loc["p", "bor"], data.loc["p", "pfs_days"], data.loc["p", "pfs_event"]) == (
        "SD", 42, 0)
    assert (data.loc["q", "bor"], data.loc["q", "pfs_days"]) == ("PD", 60)
    c = _counts(e)
    assert c["assessment_before_index"] == (4, 2)
    assert c["response_before_index"] == (2, 2)
    assert c["progression_before_index"] == (1, 1)
    named = [(p.code, p.patient, p.column, p.value) for p in e.issues if p.patient is not None]
    assert named == [("response_before_index", "p", "date", "2019-11-22"),
                     ("progression_before_index", "p", "date", "2019-12-22"),
                     ("response_before_index", "q", "date", "2019-12-27")]
    first = next(p for p in e.issues if p.patient == "p")
    expected = (INDEX - pd.Timedelta(days=40)).date()
    assert f"tumor_assessments record dated {expected}, 40 day(s) before" in first.message
    assert "response PR; not used" in first.message
    # a store made from frames has no source: no file, no row (a loaded one: tests/data)
    assert (first.file, first.row) == (None, None)


def test_stable_disease_before_index_is_only_a_baseline():
    e = run(BLOCK, {"p": [(-3, "SD"), (42, "SD")]})
    assert set(_counts(e)) == {"assessment_before_index"}
    assert all(p.patient is None for p in e.issues)


def _cohort(ages):
    ids = [f"p{i}" for i in range(len(ages))]
    return ids, pd.DataFrame({"patient_id": ids, "index_date": [INDEX] * len(ids),
                              "age": pd.array(ages, dtype="Int64")})


def test_unusual_ages_are_counted_and_named():
    ids, cohort = _cohort([17, 45, 101, 65])
    store = make_store({i: [(42, "SD")] for i in ids})
    e = derive_endpoints(EndpointsBlock.model_validate(BLOCK), store, cohort)
    c = _counts(e)
    assert c["age_under_18_at_index"] == (1, 1) and c["age_over_100_at_index"] == (1, 1)
    named = [(p.code, p.patient, p.column, p.value) for p in e.issues if p.patient is not None]
    birth = str((INDEX - pd.Timedelta(days=20000)).date())  # make_store's birth date
    assert named == [("age_under_18_at_index", "p0", "birth_date", birth),
                     ("age_over_100_at_index", "p2", "birth_date", birth)]
    assert [p.message for p in e.issues if p.patient == "p0"] == [
        "age_under_18_at_index: age 17 at the index date; kept"]


def test_age_above_120_is_an_error_naming_patient_and_value():
    ids, cohort = _cohort([60, 121])
    store = make_store({i: [(42, "SD")] for i in ids})
    with pytest.raises(DataError, match=r"age at the index date must be 0 to 120") as info:
        derive_endpoints(EndpointsBlock.model_validate(BLOCK), store, cohort)
    (problem,) = info.value.problems
    assert (problem.patient, problem.column, problem.code) == ("p1", "birth_date",
                                                              "implausible_age")
    assert problem.message.endswith("(1 patient(s) outside); age 121")
