"""Later checks name where a record came from (docs/data-model.md, "Plausibility checks").

The endpoint layer's order and age checks (a response or progression dated before the index
date, an unusual age, a death before index) name patient, file, row, column and value like
the load-time checks: the file as the data folder names it (never an absolute path) and the
row as the user sees it (header = row 1 in CSV and Excel; the record number in Parquet).
Small extracts written here, not the example study.
"""

from __future__ import annotations

import datetime as dt
import json

import openpyxl
import pandas as pd
import pytest

from retrostudy.data import load_records
from retrostudy.endpoints import derive_endpoints
from retrostudy.errors import DataError
from retrostudy.protocol.data import DataBlock
from retrostudy.protocol.endpoints import EndpointsBlock

BLOCK = EndpointsBlock.model_validate(
    {"pfs": {"kind": "pfs", "events": ["progression"]}, "bor": {"kind": "bor"}})
INDEX = pd.Timestamp("2020-03-01")


def _cohort(ids, ages=None):
    frame = pd.DataFrame({"patient_id": list(ids), "index_date": [INDEX] * len(ids)})
    if ages is not None:
        frame["age"] = ages
    return frame


def _named(endpoints):
    return [(p.code, p.patient, p.file, p.row, p.column, p.value)
            for p in endpoints.issues if p.patient is not None]


def test_response_before_first_dose_in_a_csv_extract_names_file_and_row(tmp_path):
    (tmp_path / "patients.csv").write_text(
        "patient_id,birth_date,sex\nH-07,1961-04-02,F\nH-09,1958-11-30,F\n")
    (tmp_path / "tumor_assessments.csv").write_text(
        "patient_id,date,response\n"
        "H-09,2020-04-20,SD\n"      # row 2
        "H-07,2020-04-12,SD\n"      # row 3
        "H-07,2020-02-10,PR\n"      # row 4: a response 20 days before the first dose
        "H-07,2020-06-01,PD\n")     # row 5
    store = load_records(DataBlock(path=str(tmp_path))).store
    e = derive_endpoints(BLOCK, store, _cohort(["H-07", "H-09"]))
    assert _named(e) == [("response_before_index", "H-07", "tumor_assessments.csv", 4, "date",
                          "2020-02-10")]
    (problem,) = [p for p in e.issues if p.patient is not None]
    assert str(problem).startswith(
        "tumor_assessments.csv, row 4, column 'date', patient 'H-07': response_before_index: "
        "tumor_assessments record dated 2020-02-10, 20 day(s) before the index date")
    assert "response PR; not used" in problem.message
    assert str(tmp_path) not in str(problem)  # relative to the data folder: byte-stable
    # the analysis reads the canonical columns only; the source is there on request
    assert "source_row" not in store.table("tumor_assessments").columns
    located = store.execute(store.located("tumor_assessments").order_by("source_row"))
    assert located["source_row"].tolist() == [2, 3, 4, 5]
    assert set(located["source_file"]) == {"tumor_assessments.csv"}


def test_rejected_rows_do_not_shift_the_row_numbers(tmp_path):
    """A row rejected at load time (unknown patient) leaves the rows after it numbered as in
    the file."""
    (tmp_path / "patients.csv").write_text("patient_id,birth_date,sex\nA1,1970-01-01,F\n")
    (tmp_path / "tumor_assessments.csv").write_text(
        "patient_id,date,response\nZZ,2020-01-01,PR\nA1,2020-01-01,CR\nA1,2020-05-01,SD\n")
    result = load_records(DataBlock(path=str(tmp_path)))
    counts = result.counts["tumor_assessments"]
    assert (counts.read, counts.loaded, counts.rejected) == (3, 2, 1)
    e = derive_endpoints(BLOCK, result.store, _cohort(["A1"]))
    assert _named(e) == [("response_before_index", "A1", "tumor_assessments.csv", 3, "date",
                          "2020-01-01")]


def test_response_before_first_dose_in_an_excel_workbook(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "patients"
    ws.append(["patient_id", "birth_date", "sex"])
    ws.append(["K1", dt.datetime(1966, 5, 5), "F"])
    ta = wb.create_sheet("tumor_assessments")
    ta.append(["Tumour assessments, exported 2021-01-05"])  # a title row above the header
    ta.append(["patient_id", "date", "response"])           # header: row 2
    ta.append(["K1", dt.datetime(2020, 5, 1), "SD"])        # row 3
    ta.append(["K1", dt.datetime(2020, 2, 20), "CR"])       # row 4: before the first dose
    wb.save(tmp_path / "extract.xlsx")
    store = load_records(DataBlock(path=str(tmp_path / "extract.xlsx"))).store
    e = derive_endpoints(BLOCK, store, _cohort(["K1"]))
    assert _named(e) == [("response_before_index", "K1", "extract.xlsx[tumor_assessments]", 4,
                          "date", "2020-02-20")]


def test_one_long_sheet_with_a_type_column_names_the_sheet_row(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "export"
    for row in (["record", "patient_id", "birth_date", "sex", "date", "response"],
                ["patient", "L1", dt.datetime(1970, 1, 1), "F", None, None],       # row 2
                ["assessment", "L1", None, None, dt.datetime(2020, 4, 1), "SD"],   # row 3
                ["assessment", "L1", None, None, dt.datetime(2020, 1, 15), "PD"]):  # row 4
        ws.append(row)
    wb.save(tmp_path / "all.xlsx")
    block = DataBlock(path=str(tmp_path / "all.xlsx"), type_column="record", tables={
        "patients": {"type_values": ["patient"]},
        "tumor_assessments": {"type_values": ["assessment"]}})
    e = derive_endpoints(BLOCK, load_records(block).store, _cohort(["L1"]))
    assert _named(e) == [("progression_before_index", "L1", "all.xlsx[tumor_assessments]", 4,
                          "date", "2020-01-15")]


def test_progression_before_index_in_parquet_names_the_record_number(tmp_path):
    pd.DataFrame({"patient_id": ["Q1", "Q2"], "birth_date": ["1950-01-01", "1951-01-01"],
                  "sex": ["F", "F"]}).to_parquet(tmp_path / "patients.parquet")
    pd.DataFrame({"patient_id": ["Q2", "Q1", "Q1"],
                  "date": ["2020-05-01", "2020-05-01", "2020-02-01"],
                  "response": ["SD", "SD", "PD"]}).to_parquet(
        tmp_path / "tumor_assessments.parquet")
    store = load_records(DataBlock(path=str(tmp_path))).store
    e = derive_endpoints(BLOCK, store, _cohort(["Q1", "Q2"]))
    assert _named(e) == [("progression_before_index", "Q1", "tumor_assessments.parquet", 3,
                          "date", "2020-02-01")]


def _patients_and_ages(tmp_path):
    (tmp_path / "patients.csv").write_text(
        "patient_id,birth_date,sex,death_date\n"
        "M1,1950-02-02,F,\n"            # row 2
        "M2,2003-06-01,F,\n"            # row 3: 16 at index
        "M3,1960-01-01,F,2020-02-01\n")  # row 4: died before index
    (tmp_path / "tumor_assessments.csv").write_text("patient_id,date,response\n")
    return load_records(DataBlock(path=str(tmp_path))).store


def test_unusual_age_names_the_patients_row(tmp_path):
    store = _patients_and_ages(tmp_path)
    e = derive_endpoints(BLOCK, store, _cohort(["M1", "M2"], ages=[70, 16]))
    assert _named(e) == [("age_under_18_at_index", "M2", "patients.csv", 3, "birth_date",
                          "2003-06-01")]


def test_impossible_age_and_death_before_index_name_the_patients_row(tmp_path):
    store = _patients_and_ages(tmp_path)
    with pytest.raises(DataError) as info:
        derive_endpoints(BLOCK, store, _cohort(["M1", "M2"], ages=[130, 16]))
    (p,) = info.value.problems
    assert (p.code, p.patient, p.file, p.row, p.column, p.value) == (
        "implausible_age", "M1", "patients.csv", 2, "birth_date", "1950-02-02")
    with pytest.raises(DataError, match="died before their index date") as info:
        derive_endpoints(BLOCK, store, _cohort(["M1", "M3"]))
    (p,) = info.value.problems
    assert (p.code, p.patient, p.file, p.row, p.column, p.value) == (
        "death_before_index", "M3", "patients.csv", 4, "death_date", "2020-02-01")


PROTOCOL = """
[study]
title = "Record sources"

[index]
drug = "trastuzumab emtansine"

[[groups.group]]
name = "Pmab"
when = { drug = "pertuzumab", window = ["-inf", -1] }

[[groups.group]]
name = "No Pmab"
when = { not = { drug = "pertuzumab", window = ["-inf", -1] } }

[endpoints]
[endpoints.pfs]
kind = "pfs"
[endpoints.bor]
kind = "bor"

[analyses]
[[analyses.survival]]
endpoint = "pfs"

[report]
outputs = ["json"]
"""


def test_a_study_run_names_the_row_and_keeps_it_out_of_the_report(tmp_path):
    """End to end on a synthetic extract with a response added before the first T-DM1 dose
    of three patients: each is named with its file and row, the counts still add up, and
    neither the patient nor the row reaches results.json."""
    from retrostudy.pipeline import run_study
    from retrostudy.synth import generate_cohort, write_study

    study = generate_cohort(40, seed=5)
    write_study(study, tmp_path / "data")
    admin = study.tables["drug_administrations"]
    tdm1 = admin[admin["drug"] == "trastuzumab emtansine"]
    first = tdm1.groupby("patient_id", observed=True)["date"].min()
    path = tmp_path / "data" / "tumor_assessments.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    added = {}
    for pid, date in list(first.items())[:3]:
        cells = dict.fromkeys(header, "")
        cells.update(patient_id=pid, date=str((pd.Timestamp(date) - pd.Timedelta(days=9)).date()),
                     response="PR")
        lines.append(",".join(cells[h] for h in header))
        added[pid] = len(lines)  # the line number of the row just added (header = 1)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    (tmp_path / "study.toml").write_text(PROTOCOL, encoding="utf-8")
    res = run_study(tmp_path / "study.toml", out=tmp_path / "out")
    named = [p for p in res.endpoints.issues
             if p.code == "response_before_index" and p.patient is not None]
    assert named, "the test needs an added record in the cohort"
    for p in named:
        assert (p.file, p.row, p.column) == ("tumor_assessments.csv", added[p.patient], "date")
    a = res.attrition
    assert a.identified == sum(s.n_excluded for s in a.steps) + a.analysed
    for c in res.load.counts.values():
        assert c.read == c.loaded + c.rejected
    text = (tmp_path / "out" / "results.json").read_text(encoding="utf-8")
    json.loads(text)
    for p in named:  # the counts are reported; the records behind them are not
        assert p.patient not in text and p.message not in text


def test_retrostudy_run_prints_each_named_record_on_the_console(tmp_path, capsys):
    """The named records are for the person who holds the data: `retrostudy run` prints
    each on the console (stderr, as the load-time warnings) with its file and row."""
    from retrostudy.cli import main
    from retrostudy.synth import generate_cohort, write_study

    study = generate_cohort(30, seed=11)
    write_study(study, tmp_path / "data")
    admin = study.tables["drug_administrations"]
    tdm1 = admin[admin["drug"] == "trastuzumab emtansine"]
    pid, first = next(iter(tdm1.groupby("patient_id", observed=True)["date"].min().items()))
    path = tmp_path / "data" / "tumor_assessments.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    cells = dict.fromkeys(header, "")
    cells.update(patient_id=pid, response="PR",
                 date=str((pd.Timestamp(first) - pd.Timedelta(days=12)).date()))
    lines.append(",".join(cells[h] for h in header))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    (tmp_path / "study.toml").write_text(PROTOCOL, encoding="utf-8")
    assert main(["run", str(tmp_path / "study.toml"), "--out", str(tmp_path / "out")]) == 0
    err = capsys.readouterr().err
    assert f"tumor_assessments.csv, row {len(lines)}, column 'date', patient '{pid}'" in err
