"""Data inputs that used to end in a traceback or in reading the wrong thing (issue 19,
item 5): a [data] path naming some other file, a header field over the csv module's
128 KiB limit, a database file another run holds."""

import subprocess
import sys
import textwrap

import pytest

from retrostudy.cli import main
from retrostudy.data import check_records, duckdb_backend
from retrostudy.errors import DataError
from retrostudy.protocol.data import DataBlock


def test_data_path_naming_another_file_is_refused_without_reading_it(tmp_path):
    secret = tmp_path / "passwd"
    secret.write_text("root:x:0:0:root:/root:/bin/bash\n", encoding="utf-8")
    (tmp_path / "study").mkdir()
    result = check_records(DataBlock(path="../passwd"), tmp_path / "study")
    assert not result.ok
    (finding,) = result.problems
    assert finding.problem.code == "unsupported_path" and finding.problem.key == "data.path"
    assert "must be a folder, an .xlsx workbook or a DuckDB database" in finding.problem.message
    assert "root:x" not in str(finding.problem)
    assert all(c.read == 0 for c in result.counts.values())


def test_validate_on_another_file_exits_2_without_echoing_it(tmp_path, capsys):
    secret = tmp_path / "passwd"
    secret.write_text("root:x:0:0:root:/root:/bin/bash\n", encoding="utf-8")
    assert main(["validate", str(secret)]) == 2
    out = capsys.readouterr().out
    assert "unsupported_path" in out and "root:x" not in out


def test_a_header_field_over_128_kib_is_a_malformed_file(tmp_path):
    (tmp_path / "patients.csv").write_text(
        'patient_id,birth_date,sex,"' + "x" * 140_000 + '\n', encoding="utf-8")
    result = check_records(DataBlock(path=str(tmp_path)))
    (finding,) = [f for f in result.problems if f.table == "patients"]
    assert finding.problem.code == "malformed_file" and finding.problem.row == 1
    assert "field larger than field limit" in finding.problem.message
    assert not result.ok


def test_a_database_file_held_by_another_run_is_a_data_error(tmp_path):
    database = tmp_path / "store.duckdb"
    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import sys, duckdb
        con = duckdb.connect({str(database)!r})
        print("held", flush=True)
        sys.stdin.read()
    """)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(DataError) as info:
            duckdb_backend(str(database))
        (problem,) = info.value.problems
        assert problem.code == "database_locked" and problem.key == "data.database"
        assert "another process" in problem.message and "[data] database" in problem.hint
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)
        holder.stdout.close()
