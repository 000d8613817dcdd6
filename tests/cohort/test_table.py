"""Entry from an analysis-level table: the same Cohort, with column-test exclusions."""

import pandas as pd
import pytest

from retrostudy.cohort import build_cohort
from retrostudy.errors import CohortError
from retrostudy.protocol import parse_protocol

CHART = pd.DataFrame(
    {
        "ID": ["1", "2", "3", "4", "5", "6"],
        "Arm": ["TP", "T", "T", "TP", "", "T"],
        "T-DM1 start": [
            "2015-01-05",
            "2015-02-01",
            "2016-03-01",
            "2015-06-01",
            "2015-07-01",
            "2016-01-01",
        ],
        "prior_tdm1": ["no", "no", "yes", "no", "no", "no"],
        "age": [50, 61, 70, 45, 58, 80],
        "ecog": [0, 1, None, 0, 1, 2],
    }
)


def _protocol(tmp_path, suffix=".csv", criteria=(), **groups):
    path = tmp_path / f"chart{suffix}"
    if suffix == ".csv":
        CHART.to_csv(path, index=False)
    elif suffix == ".xlsx":
        CHART.to_excel(path, index=False)
    else:
        CHART.to_parquet(path, index=False)
    return parse_protocol(
        {
            "study": {"title": "chart review"},
            "analysis_table": {
                "file": path.name,
                "columns": {"patient_id": "ID", "group": "Arm", "index_date": "T-DM1 start"},
                "label": "Chart review",
                "criteria": list(criteria),
            },
            "groups": {"reference": "T", "group": [{"name": "TP"}, {"name": "T"}], **groups},
        },
        base_dir=tmp_path,
    )


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".parquet"])
def test_same_cohort_shape(tmp_path, suffix):
    c = build_cohort(_protocol(tmp_path, suffix))
    a = c.attrition
    assert a.identified == 6 and a.analysed == 5 and a.unassigned == ("5",)
    assert [(g.name, g.n) for g in a.groups] == [("TP", 2), ("T", 3)]
    assert list(c.patients.columns[:3]) == ["patient_id", "group", "index_date"]
    assert str(c.patients["index_date"].dtype) == "datetime64[s]"
    assert "ecog" in c.patients.columns and c.lines.empty


def test_column_criteria(tmp_path):
    criteria = [
        {
            "label": "Prior T-DM1",
            "action": "exclude",
            "when": {"column": "prior_tdm1", "equals": "yes"},
        },
        {
            "label": "Aged 18-75",
            "action": "include",
            "when": {"column": "age", "min": 18, "max": 75},
        },
    ]
    c = build_cohort(_protocol(tmp_path, criteria=criteria))
    assert [(s.label, s.n_in, s.n_excluded) for s in c.attrition.steps] == [
        ("Prior T-DM1", 6, 1),
        ("Aged 18-75", 5, 1),
        ("Matched no group", 4, 1),
    ]
    assert c.patients["patient_id"].tolist() == ["1", "2", "4"]
    assert c.attrition.identified == len(c.excluded) + len(c.patients)


def test_missing_and_one_of(tmp_path):
    criteria = [
        {
            "label": "ECOG recorded",
            "action": "exclude",
            "when": {"column": "ecog", "missing": True},
        },
        {
            "label": "Arm known",
            "action": "include",
            "when": {"column": "Arm", "one_of": ["T", "TP"]},
        },
    ]
    c = build_cohort(_protocol(tmp_path, criteria=criteria))
    assert [s.n_excluded for s in c.attrition.steps] == [1, 1]


def test_unassigned_as_error(tmp_path):
    with pytest.raises(CohortError, match="patient 5 matches no group"):
        build_cohort(_protocol(tmp_path, on_unassigned="error"))


def test_unmapped_column_is_named(tmp_path):
    p = _protocol(tmp_path)
    bad = p.model_copy(
        update={
            "analysis_table": p.analysis_table.model_copy(
                update={
                    "columns": {
                        "patient_id": "Patient",
                        "group": "Arm",
                        "index_date": "T-DM1 start",
                    }
                }
            )
        }
    )
    with pytest.raises(CohortError, match="analysis table has no column 'Patient'"):
        build_cohort(bad)


def test_missing_file(tmp_path):
    p = _protocol(tmp_path)
    gone = p.model_copy(
        update={"analysis_table": p.analysis_table.model_copy(update={"file": "none.csv"})}
    )
    with pytest.raises(CohortError, match="analysis table not found"):
        build_cohort(gone)
