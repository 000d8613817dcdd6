"""Each criterion type at its window boundaries, evaluated in the engine.

Patients A..E all start T-DM1 on the index day (2015-01-01 = day 0); records are placed on
days relative to it.
"""

from datetime import date

import pandas as pd
import pytest
from cohort_helpers import TDM1, d, index_doses, kept, people

IDS = ("A", "B", "C", "D", "E")


def _frames(adm=(), **tables):
    frames = {
        "patients": people(*IDS),
        "drug_administrations": pd.DataFrame(index_doses(*IDS) + list(adm)),
    }
    frames.update({k: pd.DataFrame(v) for k, v in tables.items()})
    return frames


def _adm(pid, drug, day):
    return {"patient_id": pid, "drug": drug, "date": d(day)}


DRUGS = _frames(
    [
        _adm("A", "trastuzumab", -1),  # the day before index
        _adm("B", "trastuzumab", 0),  # same day as index
        _adm("C", "trastuzumab", 1),  # the day after
        _adm("D", "trastuzumab", -400),  # long before
    ]
)


@pytest.mark.parametrize(
    ("window", "expected"),
    [
        (["-inf", -1], {"A", "D"}),  # strictly before the index day
        (["-inf", 0], {"A", "B", "D"}),  # up to and including the index day
        ([0, 0], {"B"}),  # the index day only
        ([1, "inf"], {"C"}),  # strictly after
        (["-inf", "inf"], {"A", "B", "C", "D"}),
        ([-1, 1], {"A", "B", "C"}),  # both ends inclusive
        ([-399, -1], {"A"}),  # D at -400 just outside
        ([-400, -400], {"D"}),
    ],
)
def test_drug_window_boundaries(window, expected):
    assert kept(DRUGS, {"drug": "trastuzumab", "window": window}) == expected


def test_index_drug_itself_on_day_zero():
    # every patient has T-DM1 on day 0; none before
    assert kept(DRUGS, {"drug": TDM1, "window": [0, 0]}) == set(IDS)
    assert kept(DRUGS, {"drug": TDM1, "window": ["-inf", -1]}) == set()


def test_drug_list_means_any_of_them():
    frames = _frames(
        [_adm("A", "trastuzumab", -5), _adm("B", "pertuzumab", -5), _adm("C", "lapatinib", -5)]
    )
    assert kept(frames, {"drug": ["trastuzumab", "pertuzumab"], "window": ["-inf", -1]}) == {
        "A",
        "B",
    }


def test_combination_product_counts_as_each_component():
    frames = _frames([_adm("A", "pertuzumab+trastuzumab", -5), _adm("B", "trastuzumab", -5)])
    assert kept(frames, {"drug": "pertuzumab", "window": ["-inf", -1]}) == {"A"}
    assert kept(frames, {"drug": "trastuzumab", "window": ["-inf", -1]}) == {"A", "B"}


def test_min_count_counts_distinct_dates_not_duplicate_rows():
    frames = _frames(
        [
            _adm("A", "trastuzumab", -42),
            _adm("A", "trastuzumab", -21),  # two doses
            _adm("B", "trastuzumab", -21),
            _adm("B", "trastuzumab", -21),  # one dose, duplicated row
            _adm("C", "trastuzumab", -21),
            _adm("C", "trastuzumab", 0),  # second dose outside
        ]
    )
    when = {"drug": "trastuzumab", "window": ["-inf", -1], "min_count": 2}
    assert kept(frames, when) == {"A"}


def test_patients_without_records_of_a_kind():
    frames = _frames(
        diagnoses=[{"patient_id": "A", "date": d(-10), "diagnosis": "metastatic breast cancer"}]
    )
    assert kept(frames, {"diagnosis": "metastatic breast cancer", "window": ["-inf", 0]}) == {"A"}
    # `not` keeps every patient with no such record, including those with no diagnoses at all
    when = {"not": {"diagnosis": "metastatic breast cancer", "window": ["-inf", 0]}}
    assert kept(frames, when) == {"B", "C", "D", "E"}
    # a table with no rows at all
    assert kept(_frames(), {"observation": "ecog", "window": ["-inf", "inf"]}) == set()


def test_diagnosis_matches_case_insensitively_and_respects_window():
    frames = _frames(
        diagnoses=[
            {"patient_id": "A", "date": d(0), "diagnosis": "Metastatic Breast Cancer"},
            {"patient_id": "B", "date": d(1), "diagnosis": "metastatic breast cancer"},
            {"patient_id": "C", "date": d(-3), "diagnosis": "gastric cancer"},
        ]
    )
    assert kept(frames, {"diagnosis": "metastatic breast cancer", "window": ["-inf", 0]}) == {"A"}


def test_biomarker_result_and_specimen():
    rows = [
        {
            "patient_id": "A",
            "date": d(-100),
            "marker": "ER",
            "result": "positive",
            "specimen": "primary",
        },
        {
            "patient_id": "B",
            "date": d(-10),
            "marker": "ER",
            "result": "positive",
            "specimen": "metastasis",
        },
        {
            "patient_id": "C",
            "date": d(-10),
            "marker": "ER",
            "result": "negative",
            "specimen": "primary",
        },
        {
            "patient_id": "D",
            "date": d(5),
            "marker": "ER",
            "result": "positive",
            "specimen": "primary",
        },
        {
            "patient_id": "E",
            "date": d(-10),
            "marker": "PgR",
            "result": "positive",
            "specimen": "primary",
        },
    ]
    frames = _frames(biomarkers=rows)
    when = {"biomarker": "ER", "result": "positive", "window": ["-inf", 0]}
    assert kept(frames, when) == {"A", "B"}
    assert kept(frames, {**when, "specimen": "primary"}) == {"A"}


def test_observation_value_and_min_count():
    rows = [
        {"patient_id": "A", "date": d(-3), "name": "ecog", "value": "2"},
        {"patient_id": "B", "date": d(-3), "name": "ecog", "value": "0"},
        {"patient_id": "C", "date": d(-3), "name": "metastatic_site", "value": "liver"},
        {"patient_id": "C", "date": d(-3), "name": "metastatic_site", "value": "lung"},
    ]
    frames = _frames(observations=rows)
    assert kept(frames, {"observation": "ecog", "value": ["2", "3", "4"], "window": [-30, 7]}) == {
        "A"
    }
    assert kept(frames, {"observation": "ecog", "window": [-30, 7]}) == {"A", "B"}
    when = {"observation": "metastatic_site", "window": ["-inf", 0], "min_count": 2}
    assert kept(frames, when) == {"C"}


def test_age_at_index_boundaries():
    births = {
        "A": date(1997, 1, 1),  # 18th birthday on the index day -> 18
        "B": date(1997, 1, 2),  # turns 18 the day after -> 17
        "C": date(1940, 1, 1),  # 75
        "D": date(1939, 12, 31),  # 75 (76 tomorrow? no: 75 years and a day)
        "E": None,
    }  # unknown birth date -> never matches an age condition
    frames = _frames()
    frames["patients"] = pd.DataFrame(
        {"patient_id": list(births), "birth_date": list(births.values()), "sex": ["female"] * 5}
    )
    assert kept(frames, {"age": {"min": 18}}) == {"A", "C", "D"}
    assert kept(frames, {"age": {"min": 18, "max": 75}}) == {"A", "C", "D"}
    assert kept(frames, {"age": {"max": 17}}) == {"B"}
    assert kept(frames, {"not": {"age": {"min": 18}}}) == {"B", "E"}


def test_all_any_not():
    frames = _frames(
        [
            _adm("A", "trastuzumab", -30),
            _adm("A", "pertuzumab", -30),
            _adm("B", "trastuzumab", -30),
            _adm("C", "pertuzumab", -30),
        ]
    )
    t = {"drug": "trastuzumab", "window": ["-inf", -1]}
    p = {"drug": "pertuzumab", "window": ["-inf", -1]}
    assert kept(frames, {"all": [t, p]}) == {"A"}
    assert kept(frames, {"any": [t, p]}) == {"A", "B", "C"}
    assert kept(frames, {"all": [t, {"not": p}]}) == {"B"}
    assert kept(frames, {"not": {"any": [t, p]}}) == {"D", "E"}
    assert kept(frames, {"any": [{"all": [t, p]}, {"not": t}]}) == {"A", "C", "D", "E"}


def test_brand_names_in_the_protocol_are_normalised():
    frames = _frames([_adm("A", "trastuzumab", -5)])
    assert kept(frames, {"drug": "Herceptin", "window": ["-inf", -1]}) == {"A"}


def test_unknown_drug_names_are_protocol_errors():
    from retrostudy.errors import ProtocolError

    when = {
        "all": [
            {"drug": "trastuzumab", "window": [0, 0]},
            {"not": {"drug": "pertuzumub", "window": [0, 0]}},
        ]
    }
    with pytest.raises(ProtocolError) as info:
        kept(DRUGS, when)
    (problem,) = info.value.problems
    assert problem.key == "criteria.0.when.all.1.not.drug"
    assert problem.message == "unknown drug 'pertuzumub'"
    assert problem.hint.startswith("did you mean pertuzumab")
