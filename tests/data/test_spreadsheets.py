"""Spreadsheets shaped like hospital exports: title rows, merged cells, date cells, serial
numbers, Japanese headers and era dates, full-width digits, one sheet per table, one long
sheet of all tables with a type column, and legacy .xls.
"""

import datetime as dt
import sys
from pathlib import Path

import openpyxl
import pytest

from retrostudy.data import check_records, load_records
from retrostudy.protocol.data import DataBlock

FIXTURES = Path(__file__).parent / "fixtures"


def _counts_hold(result):
    for table, c in result.counts.items():
        assert c.read == c.loaded + c.rejected, table


def _export_workbook(path):
    """患者一覧 with a title block, Japanese headers and era dates; 投薬 with the patient
    number merged over that patient's rows, date cells and a Japanese-era text date."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "patients"
    ws.append(["患者一覧"])
    ws.append(["出力日", dt.datetime(2024, 1, 5)])
    ws.append([])
    ws.append(["患者ID", "生年月日", "性別", "死亡日"])
    ws.append(["Ａ０１", "昭和35年1月2日", "女性", None])
    ws.append(["A02", "S36.5.6", "女", "令和3年4月1日"])
    ws.append(["A03", dt.datetime(1962, 3, 4), "F", "R3.4.1"])
    drugs = wb.create_sheet("drug_administrations")
    drugs.append(["患者ID", "薬剤名", "投与日"])
    drugs.append(["A01", "ハーセプチン", dt.datetime(2015, 3, 4)])
    drugs.append([None, "カドサイラ", "H28/4/1"])
    drugs.append([None, "パージェタ", "平成28年４月２２日"])  # full-width digits
    drugs.append(["A02", "Herceptin", dt.datetime(2016, 5, 6)])
    drugs.merge_cells("A2:A4")
    wb.save(path)


def _japanese_block(path):
    return DataBlock(path=str(path), tables={
        "patients": {"columns": {"patient_id": "患者ID", "birth_date": "生年月日",
                                 "sex": "性別", "death_date": "死亡日"}},
        "drug_administrations": {"columns": {"patient_id": "患者ID", "drug": "薬剤名",
                                             "date": "投与日"}},
    })


def test_export_workbook_with_title_rows_merged_cells_and_era_dates(tmp_path):
    book = tmp_path / "export.xlsx"
    _export_workbook(book)
    result = load_records(_japanese_block(book))
    _counts_hold(result)
    patients = result.store.table("patients").order_by("patient_id").execute()
    assert list(patients["patient_id"]) == ["A01", "A02", "A03"]  # full-width id as ASCII
    assert [d.date() for d in patients["birth_date"]] == [
        dt.date(1960, 1, 2), dt.date(1961, 5, 6), dt.date(1962, 3, 4)]
    assert [None if d is None or d != d else d.date() for d in patients["death_date"]] == [
        None, dt.date(2021, 4, 1), dt.date(2021, 4, 1)]
    drugs = result.store.table("drug_administrations").order_by("date").execute()
    assert list(drugs["patient_id"]) == ["A01", "A01", "A01", "A02"]  # merged A2:A4 filled
    assert list(drugs["drug"]) == ["trastuzumab", "trastuzumab emtansine", "pertuzumab",
                                   "trastuzumab"]
    assert [d.date() for d in drugs["date"]] == [
        dt.date(2015, 3, 4), dt.date(2016, 4, 1), dt.date(2016, 4, 22), dt.date(2016, 5, 6)]
    assert "Japanese era (令和/平成/昭和/大正/明治)" in result.date_formats["patients.birth_date"]


def test_problem_rows_are_spreadsheet_rows_below_the_title(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "patients"
    ws.append(["Patient export"])
    ws.append(["patient_id", "birth_date", "sex"])
    ws.append(["B01", "1960-01-02", "female"])
    ws.append(["B02", "H31.13.1", "female"])  # no month 13
    wb.save(tmp_path / "export.xlsx")
    result = check_records(DataBlock(path=str(tmp_path / "export.xlsx")))
    (finding,) = result.problems
    p = finding.problem
    assert (p.code, p.row, p.column, p.value) == ("invalid_date", 4, "birth_date", "H31.13.1")


def test_header_row_key_for_csv_and_sheet(tmp_path):
    (tmp_path / "patients.csv").write_text(
        "Exported by HIS 2024/01/05\nDepartment: Breast Surgery\n"
        "patient_id,birth_date,sex\nC01,1960-01-02,F\nC02,1961-02-03,X\n")
    block = DataBlock(path=str(tmp_path), tables={"patients": {"header_row": 3}})
    result = check_records(block)
    (finding,) = result.problems
    assert (finding.problem.row, finding.problem.value) == (5, "X")  # the file's own line
    assert result.counts["patients"].loaded == 1
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "patients"
    ws.append(["id", "dob", "sex"])  # a decoy row the auto-detection would not pick
    ws.append(["patient_id", "birth_date", "sex"])
    ws.append(["D01", "1960-01-02", "F"])
    wb.save(tmp_path / "book.xlsx")
    block = DataBlock(path=str(tmp_path / "book.xlsx"),
                      tables={"patients": {"header_row": 2}})
    assert load_records(block).counts["patients"].loaded == 1


def test_excel_serial_numbers_as_dates(tmp_path):
    (tmp_path / "patients.csv").write_text(
        "patient_id,birth_date,sex\nE01,22000,F\nE02,22646.0,F\n")
    result = load_records(DataBlock(path=str(tmp_path)))
    births = sorted(d.date() for d in result.store.table("patients").execute()["birth_date"])
    # Excel day 21916 = 1960-01-01, so 22000 = 1960-03-25 (1960 is a leap year); 22646 =
    # 1961-12-31 (1899-12-30 + n)
    assert births == [dt.date(1960, 3, 25), dt.date(1961, 12, 31)]
    assert result.date_formats["patients.birth_date"] == ("Excel serial day number",)


def test_full_width_digits_in_values(tmp_path):
    (tmp_path / "patients.csv").write_text(
        "patient_id,birth_date,sex\nＦ０１,１９６０-０１-０２,F\n")
    (tmp_path / "observations.csv").write_text(
        "patient_id,date,name,value\nF01,２０１５／０１／０２,ecog,１\n")
    result = load_records(DataBlock(path=str(tmp_path)))
    obs = result.store.table("observations").execute()
    assert list(obs["value"]) == ["1"] and list(obs["patient_id"]) == ["F01"]
    assert obs["date"].iloc[0].date() == dt.date(2015, 1, 2)


LONG = [
    ["record", "patient_id", "birth_date", "sex", "drug", "date"],
    ["patient", "G01", "1960-01-02", "F", None, None],
    ["Patients", "G02", "1961-01-02", "F", None, None],
    ["drug administrations", "G01", None, None, "Kadcyla", "2015-03-04"],
    ["Rx", "G02", None, None, "Herceptin", "2015-04-05"],
]


def test_one_long_sheet_with_a_type_column(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "export"
    for row in LONG:
        ws.append(row)
    wb.save(tmp_path / "all.xlsx")
    block = DataBlock(path=str(tmp_path / "all.xlsx"), type_column="record", tables={
        "patients": {"type_values": ["patient"]},
        "drug_administrations": {"type_values": ["Rx"]}})
    result = load_records(block)
    _counts_hold(result)
    assert result.counts["patients"].read == 2 and result.counts["drug_administrations"].read == 2
    drugs = result.store.table("drug_administrations").order_by("date").execute()
    assert list(drugs["drug"]) == ["trastuzumab emtansine", "trastuzumab"]


def test_unknown_type_value_stops_loading(tmp_path):
    text = "\n".join(",".join("" if v is None else v for v in row) for row in LONG) + "\n"
    (tmp_path / "all.csv").write_text(text)
    result = check_records(DataBlock(path=str(tmp_path / "all.csv"), type_column="record"))
    codes = {f.problem.code for f in result.problems}
    assert "unknown_record_type" in codes
    problem = next(f.problem for f in result.problems if f.problem.code == "unknown_record_type")
    assert "'Rx'" in problem.message and "'patient'" in problem.message
    assert "type_values" in problem.hint


def test_one_sheet_per_table_named_like_the_tables(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "patients"
    ws.append(["patient_id", "birth_date", "sex"])
    ws.append(["H01", dt.datetime(1960, 1, 2), "F"])
    ws2 = wb.create_sheet("tumor_assessments")
    ws2.append(["patient_id", "date", "response"])
    ws2.append(["H01", dt.datetime(2015, 6, 1), "部分奏効"])
    wb.create_sheet("notes").append(["free text the loader ignores"])
    wb.save(tmp_path / "study.xlsx")
    result = load_records(DataBlock(path=str(tmp_path / "study.xlsx")))
    assert list(result.store.table("tumor_assessments").execute()["response"]) == ["PR"]


def test_xls_without_xlrd_is_refused_with_the_fix(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "xlrd", None)  # import xlrd now raises ImportError
    (tmp_path / "patients.xls").write_bytes((FIXTURES / "export_legacy.xls").read_bytes())
    result = check_records(DataBlock(path=str(tmp_path)))
    (finding,) = [f for f in result.problems if f.table == "patients"]
    assert finding.problem.code == "unsupported_format"
    assert "xlrd" in finding.problem.message and ".xlsx" in finding.problem.hint


def test_xls_is_read_with_xlrd(tmp_path):
    pytest.importorskip("xlrd")
    result = load_records(DataBlock(path=str(FIXTURES / "export_legacy.xls")))
    patients = result.store.table("patients").order_by("patient_id").execute()
    assert [d.date() for d in patients["birth_date"]] == [dt.date(1958, 7, 9),
                                                           dt.date(1990, 3, 4)]
    drugs = result.store.table("drug_administrations").order_by("date").execute()
    assert list(drugs["patient_id"]) == ["X01", "X01"]  # merged cell filled
    assert list(drugs["drug"]) == ["trastuzumab", "trastuzumab emtansine"]
