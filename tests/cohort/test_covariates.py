"""Covariates at index on hand-made patients (all start T-DM1 on day 0 = 2015-01-01)."""

import pandas as pd
import pytest
from cohort_helpers import cohort, d, index_doses, people

IDS = ("A", "B", "C", "D")


def _patients(adm=(), covariates=None, **tables):
    frames = {
        "patients": people(*IDS),
        "drug_administrations": pd.DataFrame(index_doses(*IDS) + list(adm)),
    }
    frames.update({k: pd.DataFrame(v) for k, v in tables.items()})
    blocks = {"covariates": covariates} if covariates else {}
    return cohort(frames, **blocks).patients.set_index("patient_id")


def _obs(pid, day, name, value):
    return {"patient_id": pid, "date": d(day), "name": name, "value": value}


def test_ecog_nearest_within_window_ties_prefer_before_index():
    rows = [
        _obs("A", -20, "ecog", "2"),
        _obs("A", -2, "ecog", "1"),
        _obs("A", 3, "ecog", "0"),  # -2 nearest
        _obs("B", -3, "ecog", "1"),
        _obs("B", 3, "ecog", "2"),  # tie in distance: before index wins
        _obs("C", -31, "ecog", "3"),
        _obs("C", 8, "ecog", "3"),  # both just outside [-30, 7]
        _obs("D", 0, "ecog", "1"),
        _obs("D", 0, "ecog", "2"),  # same day: the higher (worse) value
    ]
    p = _patients(observations=rows)
    assert [p.loc[k, "ecog"] for k in "ABD"] == [1, 1, 2]
    assert pd.isna(p.loc["C", "ecog"])


def test_ecog_window_is_configurable():
    rows = [_obs("C", -31, "ecog", "3")]
    p = _patients(observations=rows, covariates={"ecog_window": [-60, 0]})
    assert p.loc["C", "ecog"] == 3


def _bio(pid, day, marker, result, specimen):
    return {
        "patient_id": pid,
        "date": d(day),
        "marker": marker,
        "result": result,
        "specimen": specimen,
    }


BIOMARKERS = [
    _bio("A", -900, "ER", "positive", "primary"),
    _bio("A", -50, "ER", "negative", "metastasis"),
    _bio("A", -50, "PgR", "negative", "metastasis"),
    _bio("A", -900, "HER2", "positive", "primary"),
    _bio("B", -900, "ER", "negative", "primary"),
    _bio("B", -900, "PgR", "positive", "primary"),
    _bio("C", -900, "ER", "negative", "primary"),
    _bio("C", 10, "ER", "positive", "metastasis"),  # after index
]


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ("primary", ["positive", "positive", "negative", None]),
        ("most_recent_before_index", ["negative", "positive", "negative", None]),
        ("any_positive", ["positive", "positive", "negative", None]),
    ],
)
def test_hormone_receptor_specimen_rules(rule, expected):
    p = _patients(biomarkers=BIOMARKERS, covariates={"hr_specimen": rule})
    got = [None if pd.isna(v) else v for v in p["hr_status"]]
    assert got == expected


def test_her2_status_and_missing():
    p = _patients(biomarkers=BIOMARKERS)
    assert p.loc["A", "her2_status"] == "positive" and pd.isna(p.loc["B", "her2_status"])


def test_visceral_and_site_count():
    rows = [
        _obs("A", -10, "metastatic_site", "liver"),
        _obs("A", -10, "metastatic_site", "bone"),
        _obs("B", -10, "metastatic_site", "bone"),
        _obs("B", -5, "metastatic_site", "lymph_node"),
        _obs("C", 0, "metastatic_site", "Brain"),  # index day counts (window up to 0)
        _obs("C", 1, "metastatic_site", "lung"),  # after index: not counted
    ]
    p = _patients(observations=rows)
    assert p["visceral"].tolist()[:3] == [True, False, True] and pd.isna(p.loc["D", "visceral"])
    assert p["n_metastatic_sites"].tolist()[:3] == [2, 2, 1] and pd.isna(
        p.loc["D", "n_metastatic_sites"]
    )
    custom = _patients(observations=rows, covariates={"visceral_sites": ["liver"]})
    assert custom["visceral"].tolist()[:3] == [True, False, False]


def _doses(pid, drug, days):
    return [{"patient_id": pid, "drug": drug, "date": d(k)} for k in days]


def test_exposure_ever_and_duration():
    adm = (
        _doses("A", "trastuzumab", [-300, -279, -258])  # one era: -300 .. -258+20 = 63 days
        + _doses("A", "trastuzumab", [-150])  # a second era (gap > 30): 21 days
        + _doses("A", "pertuzumab", [-300, -279])  # 42 days
        + _doses("B", "lapatinib", [-21])  # capped at day -1: 21 days
        + _doses("B", "trastuzumab", [0])  # on the index day: not prior
        + _doses("C", "pertuzumab+trastuzumab", [-100])  # a combination counts for both
    )
    p = _patients(adm)
    assert p.loc["A", "duration_trastuzumab_days"] == 63 + 21
    assert p.loc["A", "duration_pertuzumab_days"] == 42
    assert p.loc["A", "duration_her2_targeted_days"] == 63 + 21
    assert p.loc["B", "duration_lapatinib_days"] == 21 and not p.loc["B", "ever_trastuzumab"]
    assert p.loc["C", "ever_trastuzumab"] and p.loc["C", "ever_pertuzumab"]
    assert p.loc["D", "duration_trastuzumab_days"] == 0 and not p.loc["D", "ever_trastuzumab"]


def test_exposure_parameters():
    adm = _doses("A", "trastuzumab", [-300, -260])  # 40 days apart
    default = _patients(adm)
    assert default.loc["A", "duration_trastuzumab_days"] == 61  # -300 .. -240 (gap 19 <= 30)
    strict = _patients(adm, covariates={"exposure_days": 1, "persistence_gap_days": 30})
    assert strict.loc["A", "duration_trastuzumab_days"] == 2  # two one-day eras


def test_prior_regimens_settings_and_de_novo():
    dx = [
        {"patient_id": "A", "date": d(-400), "diagnosis": "breast cancer"},
        {"patient_id": "A", "date": d(-380), "diagnosis": "metastatic breast cancer"},
        {"patient_id": "B", "date": d(-900), "diagnosis": "breast cancer"},
        {"patient_id": "B", "date": d(-100), "diagnosis": "metastatic breast cancer"},
        {
            "patient_id": "C",
            "date": d(-200),
            "diagnosis": "metastatic breast cancer",
            "de_novo_metastatic": True,
        },
    ]
    adm = (
        _doses("A", "docetaxel", [-370, -349])
        + _doses("A", "trastuzumab", range(-370, -200, 21))
        + _doses("A", "capecitabine", [-150, -129])
        + _doses("A", "letrozole", [-60])  # endocrine: not counted
        + _doses("B", "trastuzumab", range(-400, -150, 21))  # adjuvant, early relapse
        + _doses("C", "vinorelbine", [-100])
        + _doses("D", "vinorelbine", [-100])  # D has no diagnoses recorded
    )
    p = _patients(adm, diagnoses=dx)
    assert p.loc["A", "prior_regimens"] == 2 and p.loc["A", "prior_lines_metastatic"] == 3
    assert p.loc["A", "index_line"] == 4 and p.loc["A", "de_novo"]
    assert p.loc["A", "prior_settings"] == "metastatic, metastatic, metastatic"
    assert p.loc["B", "prior_regimens"] == 0 and p.loc["B", "prior_lines_adjuvant"] == 1
    assert (
        p.loc["B", "early_relapse"] and not p.loc["B", "de_novo"] and p.loc["B", "index_line"] == 1
    )
    assert p.loc["C", "de_novo"] and p.loc["C", "prior_regimens"] == 1
    # no metastatic diagnosis recorded: setting unknown, so the count is missing, never 0
    assert pd.isna(p.loc["D", "prior_regimens"]) and pd.isna(p.loc["D", "de_novo"])


def test_age_sex_and_columns():
    p = _patients()
    assert p["age"].tolist() == [55] * 4 and p["sex"].tolist() == ["female"] * 4
    for column in (
        "group",
        "index_date",
        "age",
        "sex",
        "ecog",
        "hr_status",
        "her2_status",
        "visceral",
        "n_metastatic_sites",
        "metastatic_date",
        "de_novo",
        "prior_regimens",
        "early_relapse",
        "index_line",
        "ever_trastuzumab",
        "duration_trastuzumab_days",
        "duration_her2_targeted_days",
        "docetaxel_trastuzumab_pertuzumab",
    ):
        assert column in p.columns, column
