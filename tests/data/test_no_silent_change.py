"""No value changed or dropped silently (issue 19, item 3): repeated headers, ECOG
spellings and ranges, dates after the extraction, and the patient named in every
row-level problem. The CSV cases are in the corpus; these need Excel, Parquet or a look at
the loaded values."""

import datetime as dt

import pandas as pd

from retrostudy.data import check_records
from retrostudy.protocol.data import DataBlock

PATIENTS = pd.DataFrame({"patient_id": ["Q1", "Q2"], "birth_date": ["1960-01-02", "1970-03-04"],
                         "sex": ["female", "male"]})


def test_repeated_excel_header_is_refused_with_both_positions(tmp_path):
    PATIENTS.to_csv(tmp_path / "patients.csv", index=False)
    frame = pd.DataFrame([["Q1", "2015-01-05", "PR", "PD"]])
    frame.columns = ["patient_id", "date", "response", "Response"]
    frame.to_excel(tmp_path / "tumor_assessments.xlsx", index=False)
    result = check_records(DataBlock(path=str(tmp_path)))
    assert not result.ok
    (problem,) = [f.problem for f in result.problems if f.problem.code == "duplicate_column"]
    assert problem.message == "2 columns hold response: column 3, column 4"
    assert problem.file == "tumor_assessments.xlsx[tumor_assessments]"


def test_ecog_written_as_a_number_or_full_width_is_the_digit(tmp_path):
    PATIENTS.to_csv(tmp_path / "patients.csv", index=False)
    pd.DataFrame({"patient_id": ["Q1", "Q2", "Q2"],
                  "date": pd.to_datetime(["2015-01-05", "2015-01-06", "2015-02-06"]),
                  "name": ["ecog", "ECOG", "metastatic_site"],
                  "value": [1.0, 0.0, 3.0]}).to_parquet(
        tmp_path / "observations.parquet")
    result = check_records(DataBlock(path=str(tmp_path)))
    assert result.ok, [str(f.problem) for f in result.problems]
    values = result.store.table("observations").execute().sort_values("date")["value"]
    assert list(values[:2]) == ["1", "0"]


def test_full_width_ecog_loads_as_the_digit_and_7_names_the_patient(tmp_path):
    PATIENTS.to_csv(tmp_path / "patients.csv", index=False)
    (tmp_path / "observations.csv").write_text(
        "patient_id,date,name,value\nQ1,2015-01-05,ecog,１\nQ2,2015-01-05,ecog,7\n",
        encoding="utf-8")
    result = check_records(DataBlock(path=str(tmp_path)))
    loaded = result.store.table("observations").execute()
    assert list(loaded["value"]) == ["1"]
    (finding,) = [f for f in result.problems if f.table == "observations"]
    assert str(finding.problem).startswith(
        "observations.csv, row 3, column 'value', patient 'Q2': ECOG performance status")
    assert finding.problem.value == "7"


def test_extraction_date_applies_to_parquet_dates_and_is_reported(tmp_path):
    PATIENTS.to_csv(tmp_path / "patients.csv", index=False)
    pd.DataFrame({"patient_id": ["Q1", "Q2"], "date": pd.to_datetime(["2016-01-05", "2016-07-01"]),
                  "response": ["PR", "PD"]}).to_parquet(tmp_path / "tumor_assessments.parquet")
    block = DataBlock(path=str(tmp_path), extraction_date="2016-06-30")
    result = check_records(block)
    assert result.extraction_date == dt.date(2016, 6, 30) and result.extraction_declared
    (finding,) = [f for f in result.problems if f.problem.code == "after_extraction"]
    assert (finding.problem.row, finding.problem.patient) == (2, "Q2")
    assert result.counts["tumor_assessments"].loaded == 1
    default = check_records(DataBlock(path=str(tmp_path)))
    assert default.ok and default.extraction_date == dt.date.today()
    assert not default.extraction_declared


def test_extraction_text_says_which_date_applied(tmp_path):
    from retrostudy.report.quality import extraction_text

    PATIENTS.to_csv(tmp_path / "patients.csv", index=False)
    declared = check_records(DataBlock(path=str(tmp_path), extraction_date="2016-06-30"))
    assert "extraction date 2016-06-30" in extraction_text(declared)
    default = extraction_text(check_records(DataBlock(path=str(tmp_path))))
    assert "day of the run" in default and str(dt.date.today()) not in default
