"""Readers: find each canonical table's file and copy it, untyped, into the engine.

Every reader produces one temporary DuckDB table ``_raw_<table>`` holding ``_row`` (the
row number the user sees: header = row 1 in CSV and Excel, so the first record is row 2;
the record number in Parquet and DuckDB sources) and one column per canonical column
found in the file, still as read. Typing and validation happen afterwards, in SQL
(:mod:`retrostudy.data.checks`).

CSV and Parquet are parsed by DuckDB itself (CSV: :mod:`retrostudy.data.csv_files`, which
keeps the text copy of a large file compressed in a scratch database). Excel goes through
pandas/openpyxl.
"""

from __future__ import annotations

import difflib
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from retrostudy.data import sheets
from retrostudy.data.csv_files import csv_source, digest_utf8, row_offset, unique_headers
from retrostudy.data.schema import TABLES
from retrostudy.data.sql import literal, quote, run
from retrostudy.errors import Problem
from retrostudy.protocol.data import DataBlock, TableConfig

EXTENSIONS = (".csv", ".tsv", ".txt", ".parquet", ".xlsx", ".xls")
DATABASE_EXTENSIONS = (".duckdb", ".db", ".ddb")
_SEPARATORS = re.compile(r"[\s_\-.]+")


@dataclass(frozen=True, slots=True, kw_only=True)
class RawTable:
    """What a reader put into the engine for one canonical table."""

    table: str
    file: str  # as shown to the user
    sha256: str | None
    rows: int
    columns: tuple[str, ...]  # canonical columns found in the file
    problems: tuple[Problem, ...] = field(default=())  # file- and column-level, all errors
    row_range: tuple[int, int] = (0, 0)  # the first and last _row (0, 0 without rows)
    csv_offset: int | None = None  # a CSV file's csv_files.row_offset (its text copy's rowid)

    @property
    def ok(self) -> bool:
        return not self.problems


def locate(block: DataBlock, base_dir: Path, name: str,
           found: dict[str, str] | None = None) -> tuple[Path | None, str | None]:
    """The file (and sheet) holding table ``name``, or (None, None) when there is none.

    ``found`` is what :func:`retrostudy.data.inventory.take_inventory` chose: table -> the
    file of a folder, or the sheet of a workbook."""
    root = (Path(base_dir) / block.path).resolve()
    config = block.table(name)
    if root.is_file():
        if config.file:
            return root.parent / config.file, config.sheet
        return root, config.sheet or (found or {}).get(name)
    if config.file:
        return root / config.file, config.sheet
    if found is not None:
        return (root / found[name], config.sheet) if name in found else (None, None)
    for ext in EXTENSIONS:
        if (root / f"{name}{ext}").is_file():
            return root / f"{name}{ext}", config.sheet
    return None, None


def read_table(con: duckdb.DuckDBPyConnection, name: str, path: Path, sheet: str | None,
               config: TableConfig, shown: str, block: DataBlock | None = None
               ) -> RawTable | None:
    """Copy ``path`` into ``_raw_<name>``; file-level problems are returned, not raised.

    None when ``path`` is a database without table ``name`` (the table is absent). With
    ``block.type_column`` only the rows whose type names this table are read
    (:func:`_rows_of_type`)."""
    type_column = block.type_column if block is not None else None
    if not path.exists():
        return _failed(name, shown, None, "file not found", "file_not_found",
                       f"check [data] path and [data.tables.{name}] file")
    suffix = path.suffix.lower()
    digest, utf8 = _digest(path, suffix)
    offset = None  # a CSV file's row_offset (for checks.materialise)
    if path.stat().st_size == 0:
        return _failed(name, shown, digest, "file is empty", "empty_file",
                       "export the table again with a header row")
    try:
        if suffix in DATABASE_EXTENSIONS:
            source, header_rows = _duckdb_source(con, path, name), 0
        elif suffix == ".parquet":
            source, header_rows = _parquet_source(con, path, name), 0
        elif suffix in sheets.WORKBOOK_EXTENSIONS:
            per_table = (config.file is not None or same_table(path.stem, name)
                         or type_column is not None)
            source = _excel_source(con, path, name, sheet, per_table, config, type_column)
            header_rows = 1
            if source is None:
                return None
        else:
            source, header_rows, problem = csv_source(con, path, name, config, shown, utf8)
            offset = row_offset(config)
            if problem is not None:
                return RawTable(table=name, file=shown, sha256=digest, rows=0, columns=(),
                                problems=(problem,))
        source = _rows_of_type(con, name, source, block)
    except (_ReadError, sheets.SheetError) as error:
        return _failed(name, shown, digest, str(error), error.code, error.hint)
    except _Absent:
        return None
    return _select_columns(con, name, source, header_rows, config, shown, digest, offset)


def _digest(path: Path, suffix: str) -> tuple[str, bool | None]:
    """The file's SHA-256 and, for a CSV file (hashed and checked in the same read),
    whether it is UTF-8 (None for other kinds)."""
    if suffix in DATABASE_EXTENSIONS + (".parquet", *sheets.WORKBOOK_EXTENSIONS):
        with path.open("rb") as handle:
            return hashlib.file_digest(handle, "sha256").hexdigest(), None
    return digest_utf8(path)


def _rows_of_type(con, name: str, source: str, block: DataBlock | None) -> str:
    """The rows of one long file (all tables, ``[data] type_column`` naming each row's
    table) that belong to table ``name``; a table without rows there is absent.

    A type value names a table when it equals the table's name (case, spaces, ``-``, ``_``
    and ``.`` ignored) or one of its ``[data.tables.<t>] type_values``. A value naming no
    table (or an empty one) stops loading, reported with the patients table: its rows would
    otherwise be read by no table. ``source`` itself without a type column."""
    if block is None or block.type_column is None:
        return source
    headers = [r[0] for r in run(con, f"DESCRIBE {source}") if r[0] != "_row"]
    column = next((h for h in headers if header_key(h) == header_key(block.type_column)), None)
    if column is None:
        raise _ReadError(f"type column {block.type_column!r} not found", "missing_column",
                         f"headers: {', '.join(headers)[:200]}; set [data] type_column")
    text = f"NULLIF(trim(CAST({quote(column)} AS VARCHAR)), '')"
    values = [r[0] for r in run(con, f"SELECT DISTINCT {text} FROM {source}")]
    owner = {header_key(t): t for t in TABLES}
    for table in TABLES:
        owner.update({header_key(v): table for v in block.table(table).type_values})
    unknown = sorted(str(v) for v in values if v is None or header_key(v) not in owner)
    if unknown and name == "patients":  # reported once, with the table read first
        raise _ReadError(
            f"{block.type_column!r} holds values that name no table: "
            f"{', '.join(repr(v) for v in unknown)[:200]}", "unknown_record_type",
            "use the table names (patients, drug_administrations, ...) or list the values "
            "in [data.tables.<table>] type_values")
    mine = pd.DataFrame({"v": [v for v in values if v is not None
                               and owner.get(header_key(v)) == name]}, dtype="string")
    if mine.empty and name != "patients":
        raise _Absent  # no rows of this table in the file: like a folder without its file
    con.register("_types_frame", mine)
    run(con, f"CREATE OR REPLACE TEMP TABLE {quote('_types_' + name)} AS "
             "SELECT * FROM _types_frame")
    con.unregister("_types_frame")
    view = f"_oftype_{name}"
    run(con, f"CREATE OR REPLACE TEMP VIEW {view} AS SELECT * FROM {source} "
             f"WHERE {text} IN (SELECT v FROM {quote('_types_' + name)})")
    return view


class _Absent(Exception):
    """The source (a database) has no such table: like a folder without the file."""


class _ReadError(Exception):
    def __init__(self, message: str, code: str, hint: str | None = None):
        super().__init__(message)
        self.code, self.hint = code, hint


def _failed(name, shown, digest, message, code, hint=None) -> RawTable:
    problem = Problem(message=message, file=shown, hint=hint, code=code)
    return RawTable(table=name, file=shown, sha256=digest, rows=0, columns=(),
                    problems=(problem,))


def _duckdb_source(con, path: Path, name: str) -> str:
    alias = "_src_" + hashlib.sha1(str(path).encode()).hexdigest()[:8]
    attached = {r[0] for r in run(con, "SELECT database_name FROM duckdb_databases()")}
    if alias not in attached:
        run(con, f"ATTACH {literal(str(path))} AS {alias} (READ_ONLY)")
    found = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE database_name = ? AND table_name = ?",
        [alias, name],
    ).fetchall()[0][0]
    if not found:
        raise _Absent
    run(con, f"CREATE OR REPLACE TEMP VIEW _src_{name} AS SELECT rowid + 1 AS _row, * "
             f"FROM {alias}.main.{quote(name)}")
    return f"_src_{name}"


def _parquet_source(con, path: Path, name: str) -> str:
    view = f"_src_{name}"
    try:
        run(con, f"CREATE OR REPLACE TEMP VIEW {view} AS SELECT * EXCLUDE (file_row_number), "
                 f"file_row_number + 1 AS _row FROM read_parquet({literal(str(path))}, "
                 "file_row_number = true)")
    except duckdb.Error as error:
        raise _ReadError(f"not a readable Parquet file: {error}".split("\n")[0],
                         "unreadable_file") from None
    return view


def _excel_source(con, path: Path, name: str, sheet: str | None, per_table: bool,
                  config: TableConfig, type_column: str | None) -> str | None:
    book = sheets.Workbook(path)
    try:
        names = book.sheet_names
        # A sheet named like the table (any spelling same_table accepts); the only (or, for
        # one long sheet of all tables with a type column, the first) sheet of a per-table
        # workbook.
        single = names[0] if per_table and (len(names) == 1 or type_column) else None
        spelled = [s for s in names if same_table(s, name)]
        chosen = sheet or (name if name in names else spelled[0] if len(spelled) == 1
                           else single)
        if chosen is None:
            return None  # a workbook of several tables without this one: table absent
        if chosen not in names:
            raise _ReadError(
                f"workbook has no sheet {chosen or name!r} (sheets: {', '.join(names)})",
                "missing_sheet",
                f"name the sheet {name!r} or set sheet in [data.tables.{name}]",
            )
        rows = book.rows(chosen)
    finally:
        book.close()
    expected = {header_key(c) for c in TABLES[name].column_names} | {
        header_key(h) for h in config.columns.values()} | (
        {header_key(type_column)} if type_column else set())
    header = (config.header_row - 1 if config.header_row
              else sheets.find_header(rows, expected, header_key))
    frame = sheets.frame(rows, header, unique_headers)
    con.register(f"_frame_{name}", frame)  # unregistered by load._cleanup
    return f"_frame_{name}"


def header_key(text: str) -> str:
    return _SEPARATORS.sub("", text.casefold())


def same_table(text: str, table: str) -> bool:
    """``text`` (a file stem, a sheet name) names ``table``: case, separators and the
    British spelling ``tumour`` aside."""
    return header_key(text).replace("tumour", "tumor") == header_key(table)


def _select_columns(con, name, source, header_rows, config, shown, digest,
                    csv_offset=None) -> RawTable:
    """Rename the user's headers to canonical names into ``_raw_<name>``."""
    table = TABLES[name]
    headers = [r[0] for r in con.execute(f"DESCRIBE {source}").fetchall() if r[0] != "_row"]
    by_key = {header_key(h): h for h in headers}
    problems, picked = [], {}
    for canonical in sorted(set(config.columns) - set(table.column_names)):
        problems.append(Problem(
            message=f"[data.tables.{name}.columns] names {canonical!r}, which is not a column "
                    f"of {name}", file=shown, column=canonical, code="unknown_column",
            hint=f"canonical columns: {', '.join(table.column_names)}"))
    for column in table.columns:
        wanted = config.columns.get(column.name)
        header = (wanted if wanted in headers else None) if wanted else by_key.get(
            header_key(column.name))
        same = [i for i, h in enumerate(headers) if header_key(h) == header_key(header or "")]
        if header is not None and len(same) > 1:
            problems.append(Problem(
                message=f"{len(same)} columns hold {column.name}: "
                        + ", ".join(f"column {i + 1}" for i in same),
                file=shown, row=1, column=column.name, code="duplicate_column",
                value=headers[same[0]],
                hint="keep one of them (or rename the others) so no value is used silently"))
            continue
        if header is not None:
            picked[column.name] = header
        elif column.required or wanted:
            problems.append(_missing_column(name, column.name, wanted, headers, shown))
    rows, first, last = con.execute(
        f"SELECT count(*), min(_row), max(_row) FROM {source}").fetchall()[0]
    if rows == 0 and table.patient_level:
        problems.append(Problem(message="file has no data rows", file=shown,
                                hint="the patients table needs one row per patient",
                                code="empty_file"))
    select = ", ".join(f"{quote(h)} AS {quote(c)}" for c, h in picked.items())
    run(con, f"CREATE OR REPLACE TEMP VIEW {quote('_raw_' + name)} AS "
                f"SELECT _row{', ' + select if select else ''} FROM {source}")
    return RawTable(table=name, file=shown, sha256=digest, rows=rows,
                    columns=tuple(picked), problems=tuple(problems),
                    row_range=(first or 0, last or 0), csv_offset=csv_offset)


def _missing_column(name, canonical, wanted, headers, shown) -> Problem:
    target = wanted or canonical
    near = difflib.get_close_matches(target, headers, n=3, cutoff=0.5) or difflib.get_close_matches(
        header_key(target), [header_key(h) for h in headers], n=3, cutoff=0.5)
    hint = (f"nearest headers: {', '.join(repr(h) for h in near)}; " if near else "") + (
        f"map it with columns = {{ {canonical} = \"<your header>\" }} in [data.tables.{name}]")
    return Problem(message=f"required column {canonical!r} not found"
                   + (f" (declared header {wanted!r})" if wanted else ""),
                   file=shown, row=1, column=canonical, value=", ".join(headers)[:200],
                   hint=hint, code="missing_column")
