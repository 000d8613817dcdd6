"""The bad-input corpus: each folder in ``corpus/`` is one small extract and its expectations.

``case.toml`` holds an optional ``[data]`` block (its ``path`` is the case folder), whether
the extract loads (``ok``), the problems expected (``[[expect]]``: table (none for an entry
that is no table), code and the exact
file/row/column/value/message, with ``hint`` as a substring) and the per-table counts.
Every problem found must be expected, and for every table rows read = loaded + rejected.
Binary inputs (Shift_JIS, BOM, Excel, Parquet, DuckDB) are built in test_readers.py.
"""

import dataclasses
import tomllib
from pathlib import Path

import pytest

from retrostudy.data import check_records
from retrostudy.protocol.data import DataBlock

CORPUS = Path(__file__).parent / "corpus"
FILE_LEVEL = {"missing_column", "unknown_column", "empty_file", "malformed_file",
              "wrong_encoding", "file_not_found", "missing_table", "missing_sheet",
              "ambiguous_table", "unreadable_table_file", "duplicate_column"}
CASES = sorted(p.name for p in CORPUS.iterdir() if (p / "case.toml").is_file())


def test_corpus_has_at_least_30_cases():
    assert len(CASES) >= 30


def _matches(finding, expected: dict) -> bool:
    problem = finding.problem
    codes = expected["code"] if isinstance(expected["code"], list) else [expected["code"]]
    if finding.table != expected.get("table") or problem.code not in codes:
        return False
    return "row" not in expected or problem.row == expected["row"]


@pytest.mark.parametrize("name", CASES)
def test_case(name):
    case = tomllib.loads((CORPUS / name / "case.toml").read_text(encoding="utf-8"))
    block = DataBlock.model_validate({**case.get("data", {}), "path": str(CORPUS / name)})
    result = check_records(block)
    # case.toml sits in the data folder: it is listed as not read, like any unknown file
    (note,) = [f for f in result.problems if f.problem.file == "case.toml"]
    assert (note.severity, note.problem.code) == ("warning", "unread_file")
    result = dataclasses.replace(result, problems=tuple(
        f for f in result.problems if f.problem.file != "case.toml"))

    for expected in case.get("expect", []):
        found = [f for f in result.problems if _matches(f, expected)]
        assert found, f"{name}: no {expected} in {[str(f.problem) for f in result.problems]}"
        finding = found[0]
        assert finding.severity == expected.get("severity", "error")
        for key in ("file", "row", "patient", "column", "value", "message"):
            if key in expected:
                assert getattr(finding.problem, key) == expected[key], key
        if "hint" in expected:
            assert expected["hint"] in finding.problem.hint
    # every problem found is one the case expects (a list of codes: any one of them), and
    # every expectation was found (above)
    expected_codes = {(e.get("table"), c) for e in case.get("expect", [])
                      for c in (e["code"] if isinstance(e["code"], list) else [e["code"]])}
    assert {(f.table, f.problem.code) for f in result.problems} <= expected_codes
    assert result.ok is case["ok"]

    for table, counts in result.counts.items():
        assert counts.read == counts.loaded + counts.rejected, table
    for table, expected in case.get("counts", {}).items():
        got = result.counts[table]
        assert (got.read, got.loaded, got.rejected) == (
            expected["read"], expected["loaded"], expected["rejected"]
        ), table
    for column, formats in case.get("date_formats", {}).items():
        assert result.date_formats[column] == tuple(formats)
    # the rejects table in the engine holds every rejected row of the usable files
    con = result.store.backend.con
    unusable = {f.table for f in result.problems if f.problem.code in FILE_LEVEL}
    for table, counts in result.counts.items():
        if table in unusable:
            assert counts.loaded == 0 and counts.rejected == counts.read
            continue
        rows = con.execute(
            'SELECT count(DISTINCT row) FROM rejects WHERE "table" = ?', [table]
        ).fetchall()[0][0]
        assert rows == counts.rejected, table


@pytest.mark.parametrize("name", [c for c in CASES if "duplicate" in c or "conflicting" in c])
def test_duplicates_are_found_across_hash_buckets(name, monkeypatch):
    """The duplicate check groups the key hash bucket by bucket (10M rows each at scale):
    with 2-row buckets the corpus cases give the same findings as with one bucket."""
    import retrostudy.data.checks as checks

    block = DataBlock.model_validate({
        **tomllib.loads((CORPUS / name / "case.toml").read_text(encoding="utf-8")).get(
            "data", {}), "path": str(CORPUS / name)})
    whole = check_records(block)
    monkeypatch.setattr(checks, "_BUCKET_ROWS", 2)
    split = check_records(block)
    shown = [(f.table or "", f.problem.code, f.problem.row or 0, f.problem.message)
             for f in whole.problems]
    assert sorted(shown) == sorted((f.table or "", f.problem.code, f.problem.row or 0,
                                    f.problem.message) for f in split.problems)
    assert any(code.startswith("duplicate") for _, code, _, _ in shown)
