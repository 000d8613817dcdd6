"""Readers beyond plain UTF-8 CSV: Shift_JIS/CP932, BOM, Excel, Parquet, DuckDB, folders.

These inputs are binary, so each test builds its small file set in ``tmp_path``; each
asserts the exact problem (file, row, column, value) and rows read = loaded + rejected.
"""

import dataclasses
import datetime as dt

import duckdb
import openpyxl
import pandas as pd
import pytest

from retrostudy.data import check_records, duckdb_backend, load_records
from retrostudy.errors import DataError
from retrostudy.protocol.data import DataBlock

PATIENTS = "patient_id,birth_date,sex\nP01,1960-01-02,female\nP02,1955-05-06,女性\n"
DRUGS_JA = "患者ID,薬剤名,投与日\nP01,ハーセプチン,2014/05/01\nP01,カドサイラ,2015/06/01\n"
MAPPING = {"columns": {"patient_id": "患者ID", "drug": "薬剤名", "date": "投与日"}}


def _write(folder, files):
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return folder


def _counts_hold(result):
    for table, c in result.counts.items():
        assert c.read == c.loaded + c.rejected, table


def _codes(result):
    return [(f.table, f.problem.code) for f in result.problems]


def test_shift_jis_is_detected_and_loaded(tmp_path):
    _write(tmp_path, {"patients.csv": PATIENTS.encode("cp932"),
                      "drug_administrations.csv": DRUGS_JA.encode("cp932")})
    block = DataBlock(path=str(tmp_path), tables={"drug_administrations": MAPPING})
    result = load_records(block)
    drugs = result.store.table("drug_administrations").order_by("date").execute()
    assert list(drugs["drug"]) == ["trastuzumab", "trastuzumab emtansine"]
    assert list(drugs["drug_source"]) == ["ハーセプチン", "カドサイラ"]
    assert sorted(result.store.table("patients").execute()["sex"]) == ["female", "female"]
    _counts_hold(result)


def test_shift_jis_declared_as_utf8_names_the_encoding(tmp_path):
    _write(tmp_path, {"patients.csv": PATIENTS.encode("utf-8"),
                      "drug_administrations.csv": DRUGS_JA.encode("cp932")})
    block = DataBlock(path=str(tmp_path),
                      tables={"drug_administrations": {**MAPPING, "encoding": "utf-8"}})
    result = check_records(block)
    (finding,) = result.problems
    assert finding.problem.code == "wrong_encoding"
    assert finding.problem.file == "drug_administrations.csv"
    assert finding.problem.row == 1
    assert finding.problem.message == "file is not valid UTF-8"
    assert 'set encoding = "cp932"' in finding.problem.hint
    assert result.counts["drug_administrations"].loaded == 0


def test_undecodable_bytes_are_reported_with_their_line(tmp_path):
    bad = b"patient_id,drug,date\nP01,Herceptin,2014-05-01\nP01,\x81\x20\xff,2014-05-22\n"
    _write(tmp_path, {"patients.csv": PATIENTS.encode(), "drug_administrations.csv": bad})
    result = check_records(DataBlock(path=str(tmp_path)))
    (finding,) = result.problems
    assert finding.problem.code == "wrong_encoding"
    assert finding.problem.message == "file is neither UTF-8 nor Shift_JIS/CP932"
    assert finding.problem.row == 3


def test_utf8_bom_header_is_recognised(tmp_path):
    _write(tmp_path, {"patients.csv": b"\xef\xbb\xbf" + PATIENTS.encode()})
    result = load_records(DataBlock(path=str(tmp_path)))
    assert result.counts["patients"].loaded == 2
    assert result.problems == ()


def _workbook(path, sheets):
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    book.save(path)


def test_excel_workbook_one_sheet_per_table(tmp_path):
    _workbook(tmp_path / "extract.xlsx", {
        "patients": [["patient_id", "birth_date", "sex"],
                     ["P01", dt.datetime(1960, 1, 2), "F"], ["P02", dt.datetime(1955, 5, 6), "F"]],
        "drug_administrations": [["patient_id", "drug", "date"],
                                 ["P01", "Herceptin", dt.datetime(2014, 5, 1)],
                                 ["P01", "Kadcila", dt.datetime(2015, 6, 1)]],
    })
    result = check_records(DataBlock(path=str(tmp_path / "extract.xlsx")))
    (finding,) = result.problems
    assert finding.problem.file == "extract.xlsx[drug_administrations]"
    assert (finding.problem.row, finding.problem.column, finding.problem.value) == (
        3, "drug", "Kadcila")
    assert "Kadcyla" in finding.problem.hint
    patients = result.store.table("patients").execute().sort_values("patient_id")
    assert list(patients["birth_date"].astype(str)) == ["1960-01-02", "1955-05-06"]
    _counts_hold(result)


def test_excel_sheet_named_in_protocol_and_missing_sheet(tmp_path):
    _workbook(tmp_path / "pts.xlsx", {"Sheet A": [["patient_id", "birth_date", "sex"],
                                                  ["P01", "1960-01-02", "F"]]})
    _workbook(tmp_path / "rx.xlsx", {"Pharmacy": [["patient_id", "drug", "date"]]})
    block = DataBlock(path=str(tmp_path), tables={
        "patients": {"file": "pts.xlsx", "sheet": "Sheet A"},
        "drug_administrations": {"file": "rx.xlsx", "sheet": "Rx"}})
    result = check_records(block)
    (finding,) = result.problems
    assert finding.problem.code == "missing_sheet"
    assert finding.problem.message == "workbook has no sheet 'Rx' (sheets: Pharmacy)"
    assert result.counts["patients"].loaded == 1


def test_parquet_folder_with_typed_and_text_columns(tmp_path):
    pd.DataFrame({"patient_id": ["P01", "P02"],
                  "birth_date": pd.to_datetime(["1960-01-02", "1955-05-06"]),
                  "sex": ["female", "female"],
                  "death_date": pd.to_datetime([None, "2016-12-01"])}).to_parquet(
        tmp_path / "patients.parquet")
    pd.DataFrame({"patient_id": ["P01", "P02", "P02"], "drug": ["T-DM1", "T-DXd", "Tmab"],
                  "date": ["2015-06-01", "2016-11-01", "2017-01-01"]}).to_parquet(
        tmp_path / "drug_administrations.parquet")
    result = check_records(DataBlock(path=str(tmp_path)))
    (finding,) = result.problems
    assert finding.problem.code == "after_death"
    assert finding.problem.file == "drug_administrations.parquet"
    assert finding.problem.row == 3  # record number: Parquet has no header row
    assert finding.problem.value == "2017-01-01"
    assert result.date_formats["patients.birth_date"] == ()  # typed: nothing to detect
    assert result.counts["drug_administrations"].rejected == 1
    _counts_hold(result)


def test_existing_duckdb_database(tmp_path):
    source = tmp_path / "hospital.duckdb"
    with duckdb.connect(str(source)) as con:
        con.execute("CREATE TABLE patients (patient_id VARCHAR, birth_date DATE, sex VARCHAR)")
        con.execute("INSERT INTO patients VALUES ('P01', DATE '1960-01-02', 'F')")
        con.execute("CREATE TABLE tumor_assessments AS SELECT 'P01' AS patient_id, "
                    "DATE '2015-08-01' AS date, 'partial' AS response")
    result = load_records(DataBlock(path=str(source)))
    assert result.store.table("tumor_assessments").execute()["response"].tolist() == ["PR"]
    assert result.files[0].path == "hospital.duckdb[patients]"
    assert len(result.files[0].sha256) == 64


def test_load_into_a_database_file(tmp_path):
    _write(tmp_path, {"patients.csv": PATIENTS.encode()})
    block = DataBlock(path=str(tmp_path), database="store.duckdb")
    result = load_records(block, base_dir=tmp_path)
    assert result.counts["patients"].loaded == 2
    result.store.backend.disconnect()
    with duckdb.connect(str(tmp_path / "store.duckdb"), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM patients").fetchall() == [(2,)]
        assert con.execute("SELECT count(*) FROM rejects").fetchall() == [(0,)]


def test_tdm1_never_lands_as_trastuzumab(tmp_path):
    text = "patient_id,drug,date\n" + "".join(
        f"P01,{d},2015-0{i + 1}-01\n" for i, d in enumerate(
            ["Kadcyla", "T-DM1", "trastuzumab emtansine (Kadcyla)", "Enhertu", "Herceptin"]))
    _write(tmp_path, {"patients.csv": PATIENTS.encode(), "drug_administrations.csv": text.encode()})
    drugs = load_records(DataBlock(path=str(tmp_path))).store.table("drug_administrations")
    assert drugs.order_by("date").execute()["drug"].tolist() == ["trastuzumab emtansine"] * 3 + [
        "trastuzumab deruxtecan", "trastuzumab"]


def test_load_records_raises_with_every_error(tmp_path):
    text = "patient_id,drug,date\nP01,Hercepton,2014-05-01\nP01,Kadcyla,2014-99-01\n"
    _write(tmp_path, {"patients.csv": PATIENTS.encode(), "drug_administrations.csv": text.encode()})
    with pytest.raises(DataError) as info:
        load_records(DataBlock(path=str(tmp_path)))
    assert [(p.code, p.row) for p in info.value.problems] == [
        ("invalid_date", 3), ("unknown_drug", 2)]


def test_many_errors_are_summarised(tmp_path):
    rows = "".join(f"P01,bad drug {i},2014-05-01\n" for i in range(30))
    _write(tmp_path, {"patients.csv": PATIENTS.encode(),
                      "drug_administrations.csv": ("patient_id,drug,date\n" + rows).encode()})
    result = check_records(DataBlock(path=str(tmp_path)))
    assert len(result.problems) == 20 and {f.count for f in result.problems} == {30}
    with pytest.raises(DataError) as info:
        load_records(DataBlock(path=str(tmp_path)))
    assert info.value.problems[-1].message == (
        "... and 10 more unknown_drug problems in drug_administrations")
    con = result.store.backend.con
    assert con.execute("SELECT count(*) FROM rejects").fetchall() == [(30,)]


def test_result_is_frozen_and_engine_explicit(tmp_path):
    _write(tmp_path, {"patients.csv": PATIENTS.encode()})
    backend = duckdb_backend()
    result = load_records(DataBlock(path=str(tmp_path)), backend=backend)
    assert result.store.backend is backend
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.problems = ()
    tables = {r[0] for r in backend.con.execute("SHOW TABLES").fetchall()}
    assert tables == {"patients", "diagnoses", "biomarkers", "drug_administrations",
                      "tumor_assessments", "observations", "rejects"}


def test_parquet_typed_date_out_of_range_is_reported(tmp_path):
    pd.DataFrame({"patient_id": ["P01"], "birth_date": [dt.date(1960, 1, 2)], "sex": ["F"],
                  "death_date": [dt.date(15, 3, 5)]}).to_parquet(tmp_path / "patients.parquet")
    result = check_records(DataBlock(path=str(tmp_path)))
    (finding,) = result.problems
    assert (finding.problem.code, finding.problem.column, finding.problem.value) == (
        "invalid_date", "death_date", "0015-03-05")
    assert result.counts["patients"].rejected == 1


def test_data_path_not_found(tmp_path):
    result = check_records(DataBlock(path="nowhere"), base_dir=tmp_path)
    (finding,) = result.problems
    assert (finding.problem.code, finding.problem.message) == ("file_not_found",
                                                               "data path not found")
    assert finding.problem.file == str(tmp_path / "nowhere")


def test_the_seed_example_extract_loads():
    """The committed synthetic seed extract (raw spellings, injected duplicates) loads."""
    from pathlib import Path

    folder = Path(__file__).resolve().parents[2] / "examples" / "tdm1_after_pertuzumab" / "data"
    if not (folder / "patients.csv").is_file():
        pytest.skip("seed example extract not generated")
    result = load_records(DataBlock(path=str(folder)))
    _counts_hold(result)
    warned = {f.problem.file for f in result.problems if f.severity == "warning"}
    assert warned == {"README.md", "truth.csv"}  # listed as not read, with the reason
    assert {f.severity for f in result.problems} <= {"quarantine", "warning"}
    drugs = set(result.store.table("drug_administrations").execute()["drug"])
    assert {"trastuzumab", "pertuzumab", "trastuzumab emtansine"} <= drugs
