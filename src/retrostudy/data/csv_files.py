"""CSV record files: decoded, parsed by DuckDB's own CSV reader, held compressed on disk.

A CSV file is read once, every field as text (typing happens afterwards, in SQL:
:mod:`retrostudy.data.checks`), into ``_csv_<table>``. That text copy is the largest object
of a load (at a million persons the administrations file holds 40.8M rows, ~4 GB of text in
memory), so when :func:`attach_scratch` has attached a scratch database (a DuckDB file in a
temporary folder, deleted by :func:`detach_scratch`) it lives there: DuckDB writes its row
groups compressed to the file as the CSV is parsed and keeps only the blocks in use, so
memory stays flat whatever the file's size. Without a scratch database (a reader used on its
own) it is a temporary table in memory. Either way the row number a problem shows is the
table's ``rowid`` plus the header lines, so it is the record's line in the file.

CSV must be UTF-8 (a BOM is fine) or Shift_JIS/CP932; CP932 files are transcoded to a
temporary UTF-8 copy first, because DuckDB's own CSV reader decodes only UTF-8/UTF-16/Latin-1
without an extension (and extensions would need the network).
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import re
import shutil
import tempfile
from pathlib import Path

import duckdb

from retrostudy.data.sql import literal, quote, run
from retrostudy.errors import Problem
from retrostudy.protocol.data import TableConfig

SCRATCH = "_rs_scratch"  # the attached scratch database's name


def attach_scratch(con, folder: Path | None = None) -> Path:
    """Attach a new scratch database file in a new temporary folder (under ``folder`` when
    given, e.g. ``[data] temp_directory``) and return that folder."""
    detach_scratch(con)
    if folder is not None:
        folder.mkdir(parents=True, exist_ok=True)
    where = Path(tempfile.mkdtemp(prefix="retrostudy-load-", dir=folder))
    run(con, f"ATTACH {literal(str(where / 'scratch.duckdb'))} AS {SCRATCH}")
    return where


def detach_scratch(con) -> None:
    """Detach the scratch database, if attached, and delete its folder."""
    found = run(con, "SELECT path FROM duckdb_databases() WHERE database_name = ?", [SCRATCH])
    if not found:
        return
    for (table,) in run(con, "SELECT table_name FROM duckdb_tables() WHERE database_name = ?",
                        [SCRATCH]):  # nothing left to write at the checkpoint DETACH makes
        run(con, f"DROP TABLE {SCRATCH}.main.{quote(table)}")
    run(con, f"DETACH {SCRATCH}")
    if found[0][0]:
        shutil.rmtree(Path(found[0][0]).parent, ignore_errors=True)


def scratch_table(con, table: str) -> tuple[str, str]:
    """(the CREATE prefix, the qualified name) of working table ``table``: in the scratch
    database when one is attached, else a temporary table in memory."""
    attached = run(con, "SELECT count(*) FROM duckdb_databases() WHERE database_name = ?",
                   [SCRATCH])[0][0]
    if attached:
        return "CREATE OR REPLACE TABLE", f"{SCRATCH}.main.{quote(table)}"
    return "CREATE OR REPLACE TEMP TABLE", quote(table)


def drop_text(con, name: str) -> None:
    """Drop table ``name``'s text copy once its typed table is final (frees the scratch)."""
    run(con, f"DROP TABLE IF EXISTS {scratch_table(con, '_csv_' + name)[1]}")


def csv_source(con, path: Path, name: str, config: TableConfig, shown: str,
               utf8: bool | None = None):
    """Parse ``path`` into ``_csv_<name>`` (every field as text) and a view ``_src_<name>``
    adding ``_row``; ``utf8`` is what :func:`digest_utf8` found, when the caller read the
    file already (else it is checked here)."""
    utf8_path, problem = as_utf8(path, config.encoding, shown, utf8)
    if problem is not None:
        return None, 1, problem
    skip = (config.header_row or 1) - 1  # title lines above the header
    with utf8_path.open("r", encoding="utf-8-sig", newline="") as handle:
        for _ in range(skip):
            handle.readline()
        first = handle.readline()
    delimiter = max(("\t", ";", ","), key=first.count) if first.strip() else ","
    try:
        headers = unique_headers(next(csv.reader([first], delimiter=delimiter), []))
    except csv.Error as error:  # e.g. a header field over the csv module's 128 KiB limit
        if utf8_path != path:
            utf8_path.unlink(missing_ok=True)
        return None, 1, Problem(message=f"unreadable header row: {error}", file=shown, row=1,
                                hint="the first line must be the header: column names "
                                     "separated by commas", code="malformed_file")
    create, text = scratch_table(con, "_csv_" + name)
    try:
        # The header is parsed here and the sniffer is off: DuckDB then reports a row with
        # the wrong number of fields instead of guessing another dialect.
        rel = con.read_csv(str(utf8_path), header=False, skiprows=skip + 1, sep=delimiter,
                           quotechar='"', escapechar='"', auto_detect=False,
                           columns={h: "VARCHAR" for h in headers})
        con.register("_csv_relation", rel)
        try:
            run(con, f"{create} {text} AS SELECT * FROM _csv_relation")
        finally:
            con.unregister("_csv_relation")
    except duckdb.Error as error:
        text = str(error)
        line = re.search(r"Line: (\d+)", text)
        fields = re.search(r"Expected Number of Columns: (\d+) Found: (\d+)", text)
        reason = (f"expected {fields.group(1)} fields like the header, found {fields.group(2)}"
                  if fields else text.split("\n")[0].removeprefix("Invalid Input Error: "))
        return None, 1, Problem(
            message=f"malformed CSV: {reason}", file=shown,
            row=int(line.group(1)) if line else None,
            hint="every row needs as many fields as the header; quote fields holding commas",
            code="malformed_file",
        )
    finally:
        if utf8_path != path:
            utf8_path.unlink(missing_ok=True)
    source_view(con, name, row_offset(config))
    return f"_src_{name}", 1, None


def row_offset(config: TableConfig) -> int:
    """What turns the text copy's ``rowid`` into the row the user sees (title lines, the
    header, and 1 for counting from 1)."""
    return (config.header_row or 1) + 1


def source_view(con, name: str, offset: int, first: int | None = None,
                end: int | None = None) -> None:
    """(Re)create the view ``_src_<name>``: the text copy with ``_row`` (its ``rowid`` +
    ``offset``); with ``first`` and ``end`` only the rows ``first <= _row < end``.

    The range is written on ``rowid`` itself, which DuckDB uses to skip whole row groups
    (a condition on ``_row`` = ``rowid + offset`` would scan every row of the text copy).
    :func:`retrostudy.data.checks.materialise` narrows the view for each range it writes."""
    where = "" if first is None else (
        f" WHERE rowid >= {int(first) - offset} AND rowid < {int(end) - offset}")
    text = scratch_table(con, "_csv_" + name)[1]
    run(con, f"CREATE OR REPLACE TEMP VIEW _src_{name} AS SELECT rowid + {int(offset)} AS "
             f"_row, * FROM {text}{where}")


_CHUNK = 1 << 24


def unique_headers(headers: list[str]) -> list[str]:
    """Headers made distinct for the engine (whose identifiers ignore case): a repeat gets
    ``_`` appended, which :func:`header_key` ignores, so :func:`_select_columns` still sees
    both copies of a canonical header and refuses the pair."""
    out: list[str] = []
    for i, header in enumerate(headers):
        name = header.strip() or f"column{i + 1}"
        while name.casefold() in {o.casefold() for o in out}:
            name += "_"
        out.append(name)
    return out


def _check_decodes(path: Path, encoding: str) -> int | None:
    """None when ``path`` decodes as ``encoding``, else the line of the first bad byte."""
    decoder = codecs.getincrementaldecoder(encoding)()
    lines = 0
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(_CHUNK), b""):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as error:
                return lines + chunk.count(b"\n", 0, error.start) + 1
            lines += chunk.count(b"\n")
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return lines + 1
    return None


def digest_utf8(path: Path) -> tuple[str, bool]:
    """The SHA-256 of ``path`` and whether it decodes as UTF-8, from one read of the file.

    A chunk of pure ASCII (``bytes.isascii``, ~20x faster than decoding) with no multi-byte
    sequence pending from the chunk before is valid UTF-8 as it stands, so only the chunks
    holding other bytes are decoded. Which line fails is found by :func:`as_utf8` only
    when one does (:func:`_check_decodes` reads the file again then)."""
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")()
    ok = True
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(chunk)
            if ok and not (chunk.isascii() and not decoder.getstate()[0]):
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError:
                    ok = False
    if ok:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:  # the file ends inside a multi-byte sequence
            ok = False
    return digest.hexdigest(), ok


def as_utf8(path: Path, encoding: str, shown: str,
            utf8: bool | None = None) -> tuple[Path, Problem | None]:
    """``path`` itself when it is UTF-8, else a transcoded temporary copy (or a problem).

    ``utf8`` is :func:`digest_utf8`'s verdict when the caller has it (True skips the check
    here); None checks the file."""
    if encoding in ("auto", "utf-8"):
        if utf8:
            return path, None
        bad_line = _check_decodes(path, "utf-8")
        if bad_line is None:
            return path, None
        if encoding == "utf-8":
            hint = ('the file decodes as Shift_JIS/CP932: set encoding = "cp932" in '
                    "[data.tables.<table>]") if _check_decodes(path, "cp932") is None else (
                    "save the file as UTF-8")
            return path, Problem(message="file is not valid UTF-8", file=shown, row=bad_line,
                                 hint=hint, code="wrong_encoding")
    bad_line = _check_decodes(path, "cp932")
    if bad_line is not None:
        what = "neither UTF-8 nor Shift_JIS/CP932" if encoding == "auto" else "not valid CP932"
        return path, Problem(message=f"file is {what}", file=shown, row=bad_line,
                             hint="save the file as UTF-8", code="wrong_encoding")
    handle = tempfile.NamedTemporaryFile("wb", suffix=".csv", delete=False)
    with handle, path.open("rb") as source:
        decoder = codecs.getincrementaldecoder("cp932")()
        for chunk in iter(lambda: source.read(_CHUNK), b""):
            handle.write(decoder.decode(chunk).encode("utf-8"))
        handle.write(decoder.decode(b"", final=True).encode("utf-8"))
    return Path(handle.name), None
