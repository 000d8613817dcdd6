"""Large CSV files load in pieces without changing anything: the text copy lives in a
scratch database file (deleted after loading) and the typed table is written by ranges of
source rows, each compressed before the next (``checks.CHUNK_ROWS``). The tables, the
rejected rows (file, row, column, value, patient) and the counts are those of one piece."""

import pandas as pd
import pytest

from retrostudy.data import check_records, checks
from retrostudy.protocol.data import DataBlock

N_PATIENTS = 40
PATIENTS = "patient_id,birth_date,death_date,sex\n" + "".join(
    f"Q{i:03d},19{50 + i % 40}-03-1{i % 10},{'2019-06-01' if i % 7 == 0 else ''},"
    f"{'female' if i % 3 else 'male'}\n" for i in range(N_PATIENTS))
NAMES = ["Herceptin", "Kadcyla", "pertuzumab", "docetaxel"]


def _drug_rows() -> str:
    """97 administrations; every 11th row carries one problem of a different kind."""
    rows = []
    for i in range(97):
        patient, drug, day, setting = f"Q{i % N_PATIENTS:03d}", NAMES[i % 4], \
            f"2018-{1 + i % 12:02d}-{1 + i % 27:02d}", "metastatic"
        kind = (i // 11) % 6 if i % 11 == 5 else None
        if kind == 0:
            drug = "aspirinx"  # unknown drug
        elif kind == 1:
            day = "31/31/2018"  # not a date
        elif kind == 2:
            patient = "Z999"  # no such patient
        elif kind == 3:
            day = "2021-01-01"  # after death for patients 0, 7, 14, ... else fine
            patient = "Q007"
        elif kind == 4:
            setting = "sometimes"  # not an allowed setting
        elif kind == 5:
            patient = ""  # required value missing
        rows.append(f"{patient},{drug},{day},{setting}\n")
    rows.append(rows[3])  # an exact duplicate of the 4th record
    return "patient_id,drug,date,setting\n" + "".join(rows)


def _load(tmp_path):
    tmp_path.mkdir(exist_ok=True)
    (tmp_path / "patients.csv").write_text(PATIENTS, encoding="utf-8")
    (tmp_path / "drug_administrations.csv").write_text(_drug_rows(), encoding="utf-8")
    result = check_records(DataBlock(path=str(tmp_path), temp_directory="spill"),
                           base_dir=tmp_path)
    con = result.store.backend.con
    tables = {name: con.execute(f'SELECT * FROM "{name}" ORDER BY ALL').df()
              for name in ("patients", "drug_administrations", "rejects")}
    return result, tables


def test_pieces_load_what_one_statement_loads(tmp_path, monkeypatch):
    whole, expected = _load(tmp_path / "whole")
    monkeypatch.setattr(checks, "CHUNK_ROWS", 7)  # 98 rows from _row 2: 15 pieces
    pieces, got = _load(tmp_path / "pieces")
    for name, frame in expected.items():
        pd.testing.assert_frame_equal(got[name], frame, check_exact=True)
    assert dict(pieces.counts) == dict(whole.counts)
    count = pieces.counts["drug_administrations"]
    assert count.read == 98 == count.loaded + count.rejected
    assert count.rejected >= 8  # the problems above, each found in its own piece
    codes = set(got["rejects"]["code"])
    assert {"unknown_drug", "invalid_date", "unknown_patient", "after_death",
            "invalid_value", "missing_value", "duplicate_row"} <= codes
    # a problem still names its line in the file (header = line 1) and its patient
    first = got["rejects"][got["rejects"]["code"] == "unknown_drug"].iloc[0]
    assert (first["row"], first["patient"], first["value"]) == (7, "Q005", "aspirinx")


def test_text_copy_lives_in_a_scratch_file_removed_after_loading(tmp_path, monkeypatch):
    seen = []
    original = checks.materialise

    def spy(con, name, *args):
        seen.append(con.execute(
            "SELECT database_name, table_name FROM duckdb_tables() "
            "WHERE starts_with(table_name, '_csv_')").fetchall())
        seen.append(list((tmp_path / "spill").iterdir()))
        return original(con, name, *args)

    monkeypatch.setattr(checks, "materialise", spy)
    result, _ = _load(tmp_path)
    assert seen[0] == [("_rs_scratch", "_csv_patients")]
    assert seen[2] == [("_rs_scratch", "_csv_drug_administrations")]  # patients' dropped
    assert len(seen[1]) == 1 and seen[1][0].name.startswith("retrostudy-load-")
    con = result.store.backend.con
    assert not con.execute("SELECT * FROM duckdb_databases() "
                           "WHERE database_name = '_rs_scratch'").fetchall()
    assert list((tmp_path / "spill").iterdir()) == []  # the scratch folder is deleted


@pytest.mark.parametrize("rows", [0, 1])
def test_row_range_of_small_tables(tmp_path, rows):
    (tmp_path / "patients.csv").write_text(PATIENTS, encoding="utf-8")
    (tmp_path / "diagnoses.csv").write_text(
        "patient_id,date,diagnosis\n" + "Q001,2018-01-01,metastatic breast cancer\n" * rows,
        encoding="utf-8")
    result = check_records(DataBlock(path=str(tmp_path)))
    assert result.counts["diagnoses"].read == rows == result.counts["diagnoses"].loaded


def test_each_piece_reads_only_its_range_of_the_text_copy(tmp_path, monkeypatch):
    """While a piece is written, the CSV's source view holds that piece's rows only (a
    range on rowid, which lets DuckDB skip the rest of the text copy); afterwards it holds
    every row again."""
    monkeypatch.setattr(checks, "CHUNK_ROWS", 7)
    sizes = []
    run = checks.run

    def spy(con, sql, params=None):
        if sql.startswith('INSERT INTO "drug_administrations"'):
            sizes.append(con.execute("SELECT count(*), min(_row), max(_row) "
                                     "FROM _src_drug_administrations").fetchall()[0])
        return run(con, sql, params)

    monkeypatch.setattr(checks, "run", spy)
    finish = checks.finish
    after = []

    def spy_finish(con, name):
        if name == "drug_administrations":
            after.append(con.execute("SELECT count(*) FROM _src_drug_administrations")
                         .fetchall()[0][0])
        finish(con, name)

    monkeypatch.setattr(checks, "finish", spy_finish)
    _load(tmp_path)
    assert len(sizes) == 14  # 98 records from _row 2: 14 pieces of 7
    assert sizes == [(7, start, start + 6) for start in range(2, 100, 7)]
    assert after == [98]
