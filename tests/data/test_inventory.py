"""Nothing in the data folder is ignored without a word (issue 19, item 2).

Each entry of the folder (sheet of a workbook) is read as a table, refused with a reason,
or listed as not read (a warning). Small synthetic extracts, built here because they hold
links and workbooks.
"""

import os

import pandas as pd
import pytest

from retrostudy.cli import main
from retrostudy.data import check_records
from retrostudy.protocol.data import DataBlock

PATIENTS = "patient_id,birth_date,sex\nA1,1960-01-02,female\nA2,1970-03-04,male\n"
ASSESSMENTS = "patient_id,date,response\nA1,2015-01-05,PR\nA2,2015-02-06,PD\n"
ADMINS = "patient_id,drug,date\nA1,Kadcyla,2015-01-01\nA2,Kadcyla,2015-01-02\n"


@pytest.fixture
def folder(tmp_path):
    root = tmp_path / "extract"
    root.mkdir()
    (root / "patients.csv").write_text(PATIENTS, encoding="utf-8")
    return root


def _check(root):
    return check_records(DataBlock(path=str(root)))


def _found(result, code):
    return [f for f in result.problems if f.problem.code == code]


def test_british_spelling_is_read_as_the_canonical_table_and_said_so(folder):
    (folder / "tumour_assessments.csv").write_text(ASSESSMENTS, encoding="utf-8")
    result = _check(folder)
    assert result.ok
    assert result.counts["tumor_assessments"].loaded == 2
    (note,) = _found(result, "table_spelling")
    assert note.severity == "warning" and note.table == "tumor_assessments"
    assert note.problem.file == "tumour_assessments.csv"


def test_case_and_separator_variants_of_a_file_name_are_read(folder):
    (folder / "Drug-Administrations.CSV").write_text(ADMINS, encoding="utf-8")
    result = _check(folder)
    assert result.ok and result.counts["drug_administrations"].loaded == 2
    assert [f.problem.file for f in _found(result, "table_spelling")] == [
        "Drug-Administrations.CSV"]


def test_two_files_for_one_table_are_refused_naming_both(folder):
    pd.read_csv(folder / "patients.csv").to_excel(folder / "patients.xlsx", index=False)
    result = _check(folder)
    assert not result.ok
    (problem,) = _found(result, "ambiguous_table")
    assert "patients.csv" in problem.problem.message
    assert "patients.xlsx" in problem.problem.message
    assert result.counts["patients"].read == 0


def test_an_unreadable_format_named_like_a_table_is_refused(folder):
    """An .xls named like a table is read (optional xlrd) or refused with the reason: here
    it is no real workbook, so it is refused either way, never skipped."""
    (folder / "drug_administrations.xls").write_bytes(b"\xd0\xcf\x11\xe0old excel")
    result = _check(folder)
    assert not result.ok
    (problem,) = [f for f in result.problems if f.table == "drug_administrations"]
    assert problem.problem.code in ("unsupported_format", "unreadable_file")
    assert problem.problem.file.startswith("drug_administrations.xls")
    assert ".xls" in problem.problem.message + problem.problem.hint


def test_a_format_retrostudy_cannot_read_named_like_a_table_is_refused(folder):
    (folder / "drug_administrations.ods").write_bytes(b"PK\x03\x04 not read")
    result = _check(folder)
    assert not result.ok
    (problem,) = _found(result, "unreadable_table_file")
    assert problem.table == "drug_administrations"
    assert problem.problem.file == "drug_administrations.ods"
    assert ".ods" in problem.problem.message or "OpenDocument" in problem.problem.message
    assert ".xlsx" in problem.problem.hint


@pytest.mark.parametrize("target", ["nowhere.csv", "tumor_assessments.csv"])
def test_a_broken_or_looping_link_named_like_a_table_is_refused(folder, target):
    os.symlink(folder / target, folder / "tumor_assessments.csv")  # loops on itself for the 2nd
    result = _check(folder)
    (problem,) = _found(result, "unreadable_table_file")
    assert problem.table == "tumor_assessments" and "link" in problem.problem.message
    assert not result.ok


def test_other_entries_are_listed_as_not_read_with_the_reason(folder):
    (folder / "notes.txt").write_text("free text", encoding="utf-8")
    (folder / "old").mkdir()
    os.symlink(folder / "gone.csv", folder / "lab_values.csv")
    result = _check(folder)
    assert result.ok  # warnings do not stop loading
    notes = {f.problem.file: f for f in _found(result, "unread_file")}
    assert set(notes) == {"notes.txt", "old", "lab_values.csv"}
    assert all(f.severity == "warning" for f in notes.values())
    assert "not a canonical table" in notes["notes.txt"].problem.message
    assert "folder" in notes["old"].problem.message
    assert "link" in notes["lab_values.csv"].problem.message


def test_workbook_sheet_spelled_differently_is_read_and_other_sheets_listed(tmp_path):
    book = tmp_path / "extract.xlsx"
    with pd.ExcelWriter(book) as writer:
        pd.read_csv(pd.io.common.StringIO(PATIENTS)).to_excel(
            writer, sheet_name="Patients", index=False)
        pd.read_csv(pd.io.common.StringIO(ADMINS)).to_excel(
            writer, sheet_name="Drug_Administrations", index=False)
        pd.DataFrame({"x": [1]}).to_excel(writer, sheet_name="Lookup", index=False)
    result = check_records(DataBlock(path=str(book)))
    assert result.ok
    assert result.counts["patients"].loaded == 2
    assert result.counts["drug_administrations"].loaded == 2
    spelled = {f.problem.file for f in _found(result, "table_spelling")}
    assert spelled == {"extract.xlsx[Patients]", "extract.xlsx[Drug_Administrations]"}
    assert [f.problem.file for f in _found(result, "unread_file")] == ["extract.xlsx[Lookup]"]


def test_two_sheets_for_one_table_are_refused(tmp_path):
    book = tmp_path / "extract.xlsx"
    with pd.ExcelWriter(book) as writer:
        pd.read_csv(pd.io.common.StringIO(PATIENTS)).to_excel(
            writer, sheet_name="patients", index=False)
        for sheet in ("tumor_assessments", "Tumour Assessments"):
            pd.read_csv(pd.io.common.StringIO(ASSESSMENTS)).to_excel(
                writer, sheet_name=sheet, index=False)
    result = check_records(DataBlock(path=str(book)))
    assert not result.ok
    (problem,) = _found(result, "ambiguous_table")
    assert "tumor_assessments, Tumour Assessments" in problem.problem.message


def test_validate_prints_the_warnings_and_exits_0(folder, capsys):
    (folder / "tumour_assessments.csv").write_text(ASSESSMENTS, encoding="utf-8")
    (folder / "notes.txt").write_text("free text", encoding="utf-8")
    assert main(["validate", str(folder)]) == 0
    out = capsys.readouterr().out
    assert "warning" in out and "unread_file" in out and "notes.txt" in out
    assert "table_spelling" in out


def test_validate_refuses_two_candidates(folder, capsys):
    (folder / "patients.parquet").write_bytes(b"PAR1")
    assert main(["validate", str(folder)]) == 2
    assert "ambiguous_table" in capsys.readouterr().out


def test_entries_the_protocol_ignores_are_listed_without_a_warning(folder):
    """``[data] ignore`` (shell patterns): a README or a codebook is listed as not read,
    as the protocol says (severity note, not a console warning); anything else that is not
    a table is still a warning."""
    (folder / "README.md").write_text("notes", encoding="utf-8")
    (folder / "codebook_2017.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    (folder / "stray.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    result = check_records(DataBlock(path=str(folder), ignore=["README.md", "codebook_*"]))
    ignored = _found(result, "ignored_file")
    assert sorted(f.problem.file for f in ignored) == ["README.md", "codebook_2017.csv"]
    assert {f.severity for f in ignored} == {"note"}
    (unread,) = _found(result, "unread_file")
    assert (unread.problem.file, unread.severity) == ("stray.csv", "warning")
    assert result.ok


def test_ignored_sheets_of_a_workbook_are_listed_without_a_warning(tmp_path):
    book = tmp_path / "extract.xlsx"
    with pd.ExcelWriter(book) as writer:
        pd.DataFrame({"patient_id": ["A1"], "birth_date": ["1960-01-02"],
                      "sex": ["female"]}).to_excel(writer, sheet_name="patients", index=False)
        pd.DataFrame({"note": ["x"]}).to_excel(writer, sheet_name="Notes", index=False)
        pd.DataFrame({"note": ["y"]}).to_excel(writer, sheet_name="Other", index=False)
    result = check_records(DataBlock(path=str(book), ignore=["Notes"]))
    assert [f.problem.file for f in _found(result, "ignored_file")] == ["Notes"]
    assert [f.problem.file for f in _found(result, "unread_file")] == ["extract.xlsx[Other]"]
