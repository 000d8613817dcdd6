"""Cohort and endpoint queries on a tiny record set built to hit dialect differences:
date arithmetic across a leap day, birthdays on the index day, min/max with a filter,
row_number ties (ECOG), case and whitespace in text, duplicate dates, records after death,
a patient missing from the patients table, arg-max of the last discontinuation reason.

Each engine must return exactly what DuckDB returns; a few hand-derived values check that
the fixture really exercises those edges.
"""

from __future__ import annotations

import tomllib
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from engine_helpers import ENGINES, backend_for

from retrostudy.cohort import build_cohort
from retrostudy.cohort.conditions import matching
from retrostudy.cohort.drugs import drug_lookup
from retrostudy.cohort.index import base_table, index_events
from retrostudy.data.store import Store
from retrostudy.endpoints import derive_endpoints
from retrostudy.protocol import parse_protocol

SEED = Path(__file__).parents[2] / "examples" / "tdm1_after_pertuzumab" / "study.toml"
TDM1, TMAB, PMAB = "trastuzumab emtansine", "trastuzumab", "pertuzumab"
INDEX = {"A": date(2015, 1, 1), "B": date(2015, 1, 1), "C": date(2016, 2, 29),
         "D": date(2016, 3, 1), "E": date(2015, 6, 1)}


def d(pid: str, offset: int) -> pd.Timestamp:
    return pd.Timestamp(INDEX[pid]) + pd.Timedelta(days=offset)


def _frames() -> dict[str, pd.DataFrame]:
    patients = pd.DataFrame({
        "patient_id": ["A", "B", "C", "E", "F"],
        "birth_date": pd.to_datetime(["1997-01-01", "1997-01-02", "1960-02-29", "1950-06-01",
                                      "1950-01-01"]),
        "sex": ["female"] * 5,
        "death_date": [None, d("B", 60), None, None, None],
        "last_contact_date": [d("A", 400), d("B", 70), pd.Timestamp("2017-03-01"), None, None],
    })
    adm = [("A", TDM1, 0, None, None), ("A", TDM1, 21, 23, "progression"),
           ("A", TMAB, -100, None, None), ("A", PMAB, -100, None, None),
           ("B", TDM1, -1000, None, None), ("B", TDM1, 0, None, "toxicity"),
           ("B", TDM1, 70, None, None), ("B", TMAB, -50, -30, None),
           ("C", TDM1, 0, None, None), ("C", TMAB, -400, None, None),
           ("D", TDM1, 0, None, None), ("D", TMAB, -20, None, None),
           ("E", TDM1, 0, None, None)]
    drug_administrations = pd.DataFrame(
        [(p, drug, d(p, s), None if e is None else d(p, e), r) for p, drug, s, e, r in adm]
        + [("F", TDM1, pd.Timestamp("2013-01-01"), None, None)],
        columns=["patient_id", "drug", "date", "end_date", "discontinuation_reason"])
    obs = [("A", -3, "ecog", "1"), ("A", 3, "ECOG", "2"), ("B", 0, "ecog", "0"),
           ("B", 0, "ecog", "2"), ("C", -1, "ecog", " 1 "), ("C", -5, "ecog", "x"),
           ("A", -10, "metastatic_site", "liver"), ("A", -9, "metastatic_site", "\tLiver "),
           ("A", -9, "metastatic_site", "bone"), ("C", 1, "metastatic_site", "lung"),
           ("D", -1, "metastatic_site", "bone")]
    observations = pd.DataFrame([(p, d(p, k), n, v) for p, k, n, v in obs],
                                columns=["patient_id", "date", "name", "value"])
    dx = [("A", -800, "breast cancer", None), ("A", -200, " Metastatic Breast Cancer ", None),
          ("B", -300, "breast cancer", None), ("B", -290, "metastatic breast cancer", None),
          ("C", -500, "metastatic breast cancer", True), ("E", -10, "ovarian cancer", None)]
    diagnoses = pd.DataFrame([(p, d(p, k), n, f) for p, k, n, f in dx],
                             columns=["patient_id", "date", "diagnosis", "de_novo_metastatic"])
    bio = [("A", -800, "HER2", "positive", "primary"), ("A", -800, "ER", "negative", "primary"),
           ("A", -150, "ER", "positive", "metastasis"), ("B", -300, "HER2", "positive",
                                                          "primary"),
           ("C", 10, "HER2", "negative", "metastasis")]
    biomarkers = pd.DataFrame([(p, d(p, k), m, r, s) for p, k, m, r, s in bio],
                              columns=["patient_id", "date", "marker", "result", "specimen"])
    ta = [("A", 0, "SD", "CT"), ("A", 42, "PR", "CT"), ("A", 42, "PD", "clinical"),
          ("A", 84, "PR", "MRI"), ("B", -5, "SD", "CT"), ("B", 30, "SD", "CT"),
          ("B", 90, "PD", "CT"), ("C", 60, "CR", "CT"), ("C", 120, "PD", "CT"),
          ("D", 45, "NE", None)]
    tumor_assessments = pd.DataFrame([(p, d(p, k), r, m) for p, k, r, m in ta],
                                     columns=["patient_id", "date", "response", "method"])
    return {"patients": patients, "drug_administrations": drug_administrations,
            "observations": observations, "diagnoses": diagnoses, "biomarkers": biomarkers,
            "tumor_assessments": tumor_assessments}


def _protocol():
    raw = tomllib.loads(SEED.read_text(encoding="utf-8"))
    raw = {k: raw[k] for k in ("study", "index", "covariates", "lines", "endpoints")}
    raw["criteria"] = [{"label": "Ovarian cancer", "action": "exclude",
                        "when": {"diagnosis": "Ovarian Cancer", "window": ["-inf", 0]}}]
    prior = {"window": ["-inf", -1]}
    raw["groups"] = {"on_unassigned": "report", "group": [
        {"name": "both", "when": {"all": [{"drug": TMAB, **prior}, {"drug": PMAB, **prior}]}},
        {"name": "tmab", "when": {"all": [{"drug": TMAB, **prior},
                                          {"not": {"drug": PMAB, **prior}}]}}]}
    return parse_protocol(raw)


def _run(store: Store):
    protocol = _protocol()
    cohort = build_cohort(protocol, store)
    eps = derive_endpoints(protocol.endpoints, store, cohort.patients, cohort.lines)
    return cohort, eps


@pytest.fixture(scope="module")
def reference():
    return _run(Store.from_frames(_frames()))


@pytest.fixture(scope="module", params=ENGINES)
def other(request, tmp_path_factory):
    store = Store.from_frames(_frames(), backend_for(request.param, request, tmp_path_factory))
    return _run(store)


def test_the_fixture_hits_the_edges(reference):
    cohort, eps = reference
    p = cohort.patients.set_index("patient_id")
    assert cohort.attrition.identified == 5 and cohort.attrition.analysed == 4  # not F; E out
    assert p.loc["A", "age"] == 18 and p.loc["B", "age"] == 17  # birthday on the index day
    assert p.loc["C", "age"] == 56  # born on 29 Feb, index on 29 Feb
    assert p.loc["A", "ecog"] == 1 and p.loc["B", "ecog"] == 2 and p.loc["C", "ecog"] == 1
    assert p.loc["A", "n_metastatic_sites"] == 2 and bool(p.loc["A", "visceral"])
    assert list(cohort.first_ever_before_window["patient_id"]) == ["B"]
    assert pd.isna(p.loc["D", "age"])  # not in the patients table
    rules = set(eps.counts["rule"])
    assert {"assessment_before_index", "assessment_on_index", "assessment_after_death",
            "duplicate_assessment_date", "patient_not_in_patients_table",
            "administration_after_death"} <= rules


def test_cohort_is_identical(reference, other):
    ref, got = reference[0], other[0]
    assert got.attrition == ref.attrition
    for name in ("patients", "excluded", "lines", "first_ever_before_window"):
        pd.testing.assert_frame_equal(getattr(got, name), getattr(ref, name), check_exact=True)


def test_endpoints_are_identical(reference, other):
    ref, got = reference[1], other[1]
    pd.testing.assert_frame_equal(got.data, ref.data, check_exact=True)
    pd.testing.assert_frame_equal(got.counts, ref.counts, check_exact=True)
    assert got.issues == ref.issues


CONDITIONS = [
    {"drug": TDM1, "window": ["-inf", -1]},
    {"drug": TMAB, "window": [-100, -50]},
    {"drug": TDM1, "window": ["-inf", "inf"], "min_count": 2},
    {"diagnosis": "metastatic breast cancer", "window": [-250, -200]},
    {"biomarker": "ER", "result": "positive", "window": ["-inf", 0], "specimen": "metastasis"},
    {"observation": "metastatic_site", "value": ["LIVER"], "window": [-9, -9]},
    {"age": {"min": 18, "max": 56}},
    {"any": [{"age": {"max": 17}}, {"not": {"drug": TMAB, "window": [-60, -1]}}]},
]


def _matching(store: Store, when: dict) -> set[str]:
    protocol = _protocol()
    condition = parse_protocol({"study": {"title": "t"}, "index": {"drug": TDM1}, "criteria": [
        {"label": "c", "action": "include", "when": when, "allow_post_index": True}]}
    ).criteria[0].when
    drugs = drug_lookup(None, ())
    base = base_table(index_events(protocol.index, store, drugs).identified)
    return set(store.execute(matching(condition, base, store, drugs))["patient_id"])


@pytest.fixture(scope="module", params=ENGINES)
def stores(request, tmp_path_factory):
    other = Store.from_frames(_frames(), backend_for(request.param, request, tmp_path_factory))
    return Store.from_frames(_frames()), other


@pytest.mark.parametrize("when", CONDITIONS, ids=[str(i) for i in range(len(CONDITIONS))])
def test_conditions_select_the_same_patients(when, stores):
    ref, other = stores
    want = _matching(ref, when)
    assert 0 < len(want) < 5  # each condition separates the identified patients
    assert _matching(other, when) == want


def test_empty_tables_count_zero_on_every_engine(stores):
    """Counts over no rows are 0, not NULL (Spark compiles count(where=) to a SUM)."""
    ref, other = stores
    frames = {k: v for k, v in _frames().items() if k in ("patients", "drug_administrations")}
    protocol = _protocol()
    results = []
    for store in (Store.from_frames(frames), Store.from_frames(frames, other.backend)):
        cohort = build_cohort(protocol, store)
        results.append(derive_endpoints(protocol.endpoints, store, cohort.patients, cohort.lines))
    want, got = results
    assert "no_post_baseline_assessment" in set(want.counts["rule"])
    pd.testing.assert_frame_equal(got.counts, want.counts, check_exact=True)
    pd.testing.assert_frame_equal(got.data, want.data, check_exact=True)
