"""Receptor status at index by guideline and specimen rule (hand-made patients, index day 0).

Statuses are worked by hand from the ASCO/CAP tables in docs/data-model.md.
"""

import pandas as pd
import pytest
from cohort_helpers import cohort, d, index_doses, people

IDS = ("A", "B", "C", "D")


def _bio(pid, day, marker, method, result, value, specimen="primary"):
    return {"patient_id": pid, "date": d(day), "marker": marker, "method": method,
            "result": result, "value": value, "specimen": specimen}


ROWS = [
    _bio("A", -100, "HER2", "IHC", "equivocal", "IHC 2+"),
    _bio("A", -100, "HER2", "ISH", "equivocal",
         "HER2/CEP17 ratio 2.3, Average HER2 copy number 3.5"),  # ISH group 2
    _bio("A", -100, "ER", "IHC", "positive", "Allred 2"),  # the score wins: negative
    _bio("B", -900, "HER2", "IHC", "negative", "1+"),
    _bio("B", -50, "HER2", "ISH", "positive", "FISH: amplified", "metastasis"),
    _bio("B", 10, "HER2", "IHC", "negative", "0", "metastasis"),  # after index: unused
    _bio("C", -30, "ER", "IHC", "positive", "5%"),
    _bio("C", -30, "PgR", "IHC", "negative", "0%"),
    _bio("C", -30, "HER2", "IHC", "negative", "IHC 0"),
]


def _patients(data=None, covariates=None):
    frames = {"patients": people(*IDS), "drug_administrations": pd.DataFrame(index_doses(*IDS)),
              "biomarkers": pd.DataFrame(ROWS)}
    blocks = {}
    if covariates:
        blocks["covariates"] = covariates
    if data:
        blocks["data"] = data
    return cohort(frames, **blocks).patients.set_index("patient_id")


def _col(p, column):
    return [None if pd.isna(v) else v for v in p[column]]


def test_her2_by_asco_cap_2018_with_inputs_kept():
    p = _patients()
    assert _col(p, "her2_status") == ["negative", "positive", "negative", None]
    assert _col(p, "her2_category") == ["low", "positive", "zero", None]
    assert _col(p, "her2_ihc") == ["2+", None, "0", None]
    assert p.loc["A", "her2_ish_ratio"] == 2.3 and p.loc["A", "her2_ish_copy_number"] == 3.5
    assert _col(p, "her2_rule") == ["asco_cap_2018"] * 3 + [None]
    assert _col(p, "her2_specimen") == ["primary", "metastasis", "primary", None]


def test_her2_by_asco_cap_2013_differs_for_ish_group_2():
    p = _patients(data={"biomarkers": {"her2_rule": "asco_cap_2013"}})
    assert p.loc["A", "her2_status"] == "positive"
    assert p.loc["A", "her2_rule"] == "asco_cap_2013"


def test_hormone_receptors_low_positive_and_allred():
    p = _patients()
    assert _col(p, "er_status") == ["negative", None, "low_positive", None]
    assert _col(p, "er_value") == ["Allred 2", None, "5%", None]
    assert _col(p, "hr_status") == ["negative", None, "positive", None]


@pytest.mark.parametrize(("rule", "b_status"), [
    ("most_recent_before_index", "positive"),
    ("metastasis_first", "positive"),
    ("primary_first", "negative"),
    ("primary", "negative"),
    ("any_positive", "positive"),
])
def test_specimen_rule_resolves_primary_vs_metastasis(rule, b_status):
    p = _patients(covariates={"her2_specimen": rule})
    assert p.loc["B", "her2_status"] == b_status


def test_latest_specimen_is_not_always_the_metastasis():
    rows = [_bio("A", -50, "HER2", "IHC", "positive", "3+", "metastasis"),
            _bio("A", -10, "HER2", "IHC", "negative", "1+", "primary")]
    frames = {"patients": people("A"), "drug_administrations": pd.DataFrame(index_doses("A")),
              "biomarkers": pd.DataFrame(rows)}
    latest = cohort(frames).patients.iloc[0]
    met = cohort(frames, covariates={"her2_specimen": "metastasis_first"}).patients.iloc[0]
    assert (latest["her2_status"], latest["her2_category"]) == ("negative", "low")
    assert met["her2_status"] == "positive"
