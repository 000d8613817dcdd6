"""Spreadsheets as hospitals export them: title rows above the header, merged cells, date
cells, legacy ``.xls``.

:func:`read_sheet` turns one sheet into a frame of text columns plus ``_row`` (the row
number the user sees in the spreadsheet program), ready for the readers:

- **Header row**: ``[data.tables.<t>] header_row`` (1-based), else the first of the top 30
  rows holding at least two of the headers the table expects (its canonical column names,
  the declared headers and the type column), else row 1. Rows above it (a report title,
  an export date) are not data.
- **Merged cells**: a merged range's value fills every cell of the range (an export that
  merges the patient number over that patient's rows gives it to each row). Workbooks
  above ``MERGE_LIMIT`` bytes are read in openpyxl's streaming mode, which does not see
  merges; the cells then stay empty and are reported as missing values.
- **Cells** become text: a date cell ``YYYY-MM-DD`` (with the time when it has one), an
  integral number without ``.0``, a boolean ``true``/``false``.
- **.xls** (Excel 97-2003) is read with ``xlrd`` when it is installed
  (``pip install "retrostudy[xls]"``); otherwise it is refused with the reason and the fix.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pandas as pd

WORKBOOK_EXTENSIONS = (".xlsx", ".xls")
MERGE_LIMIT = 20 * 1024 * 1024
HEADER_SCAN_ROWS = 30


class SheetError(Exception):
    """A workbook that cannot be read; ``code`` and ``hint`` as in a Problem."""

    def __init__(self, message: str, code: str, hint: str | None = None):
        super().__init__(message)
        self.code, self.hint = code, hint


class Workbook:
    """The sheets of one workbook as lists of rows (merged ranges filled)."""

    def __init__(self, path: Path):
        self.path = path
        self.xls = path.suffix.lower() == ".xls"
        self._book = _open_xls(path) if self.xls else _open_xlsx(path)

    @property
    def sheet_names(self) -> list[str]:
        return list(self._book.sheet_names()) if self.xls else list(self._book.sheetnames)

    def rows(self, sheet: str) -> list[list[object]]:
        if self.xls:
            return _xls_rows(self._book, sheet)
        return _xlsx_rows(self._book[sheet])

    def close(self) -> None:
        if not self.xls:
            self._book.close()


def _open_xlsx(path: Path):
    streaming = path.stat().st_size > MERGE_LIMIT
    try:
        return openpyxl.load_workbook(path, data_only=True, read_only=streaming)
    except Exception as error:  # openpyxl raises many types for a broken workbook
        raise SheetError(f"not a readable .xlsx workbook: {error}", "unreadable_file") from None


def _open_xls(path: Path):
    try:
        import xlrd
    except ImportError:
        raise SheetError(
            "an .xls (Excel 97-2003) workbook needs the optional xlrd package, which is not "
            "installed", "unsupported_format",
            'install it with pip install "retrostudy[xls]", or open the file in Excel and '
            "save it as .xlsx") from None
    try:
        return xlrd.open_workbook(str(path), formatting_info=True)
    except Exception as error:  # xlrd raises its own types for a broken file
        raise SheetError(f"not a readable .xls workbook: {error}", "unreadable_file") from None


def _xlsx_rows(ws) -> list[list[object]]:
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    ranges = ws.merged_cells.ranges if hasattr(ws, "merged_cells") else ()  # not streaming
    for merged in ranges:
        top = merged.min_row - 1
        left = merged.min_col - 1
        value = rows[top][left] if top < len(rows) and left < len(rows[top]) else None
        for r in range(merged.min_row - 1, min(merged.max_row, len(rows))):
            row = rows[r]
            row.extend([None] * (merged.max_col - len(row)))
            for c in range(merged.min_col - 1, merged.max_col):
                row[c] = value
    return rows


def _xls_rows(book, sheet: str) -> list[list[object]]:
    import xlrd

    ws = book.sheet_by_name(sheet)
    rows = []
    for r in range(ws.nrows):
        row = []
        for c in range(ws.ncols):
            cell = ws.cell(r, c)
            if cell.ctype == xlrd.XL_CELL_DATE:
                row.append(xlrd.xldate_as_datetime(cell.value, book.datemode))
            elif cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
                row.append(None)
            elif cell.ctype == xlrd.XL_CELL_BOOLEAN:
                row.append(bool(cell.value))
            else:
                row.append(cell.value)
        rows.append(row)
    for top, bottom, left, right in ws.merged_cells:
        value = rows[top][left]
        for r in range(top, bottom):
            for c in range(left, right):
                rows[r][c] = value
    return rows


def cell_text(value: object) -> str | None:
    """A cell as text: dates ISO, integral numbers without ``.0``, empty -> None."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d" if value.time() == dt.time() else "%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    text = str(value)
    return text if text.strip() else None


def find_header(rows: list[list[object]], expected: set[str], key) -> int:
    """0-based index of the header row: the first top row naming two expected headers."""
    need = min(2, len(expected)) or 1
    for i, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        names = {key(t) for t in map(cell_text, row) if t}
        if len(names & expected) >= need:
            return i
    return 0


def frame(rows: list[list[object]], header: int, unique) -> pd.DataFrame:
    """The rows below ``header`` as text, with ``_row`` = the spreadsheet row number."""
    if header >= len(rows):
        return pd.DataFrame({"_row": pd.Series([], dtype="int64")})
    width = max(len(r) for r in rows[header:])
    heads = [cell_text(v) or "" for v in rows[header]] + [""] * width
    body = [[cell_text(v) for v in r] + [None] * (width - len(r)) for r in rows[header + 1:]]
    while body and all(v is None for v in body[-1]):  # formatting-only rows at the end
        body.pop()
    names = unique(heads[:width])
    out = pd.DataFrame(body, columns=names, dtype="string") if body else pd.DataFrame(
        {n: pd.Series([], dtype="string") for n in names})
    out.insert(0, "_row", range(header + 2, header + 2 + len(out)))
    return out
