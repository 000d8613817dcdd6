"""Find every file and sheet of an extract and read it as text.

A folder is read file by file (CSV/TSV/TXT, Parquet, every sheet of an .xlsx workbook);
an .xlsx workbook given as the extract is read sheet by sheet. Values stay text, as the
loader reads them (:mod:`retrostudy.data.readers`: the same extensions, the same UTF-8 then
CP932 decoding, the same delimiter rule), so a date or an identifier is seen as exported.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from retrostudy.data.csv_files import as_utf8
from retrostudy.data.readers import EXTENSIONS


@dataclass(frozen=True, slots=True)
class RawSource:
    file: str  # relative to the extract folder; "" for a workbook given as the extract
    sheet: str | None
    frame: pd.DataFrame | None  # all text, "" for empty cells
    rows: int
    encoding: str | None = None
    unread: str | None = None


def sources(root: Path, max_rows: int) -> Iterator[RawSource]:
    """Every table-shaped source under ``root`` (a folder or an .xlsx workbook)."""
    if root.is_file():
        if root.suffix.lower() != ".xlsx":
            yield RawSource("", None, None, 0, unread="only a folder or an .xlsx workbook "
                            "can be scanned")
            return
        yield from _workbook(root, "", max_rows)
        return
    for path in sorted(p for p in root.iterdir() if p.is_file()):
        suffix = path.suffix.lower()
        if suffix not in EXTENSIONS or path.name.startswith(("~$", ".")):
            continue
        if suffix == ".xlsx":
            yield from _workbook(path, path.name, max_rows)
        elif suffix == ".parquet":
            yield _parquet(path, max_rows)
        else:
            yield _csv(path, max_rows)


def _text(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.astype(object).where(frame.notna(), "")
    frame = frame.map(lambda v: str(v).strip())
    frame.columns = _unique([str(c) for c in frame.columns])
    return frame


def _unique(headers: list[str]) -> list[str]:
    out: list[str] = []
    for i, header in enumerate(headers):
        name = header.strip() or f"column{i + 1}"
        while name in out:
            name += "_"
        out.append(name)
    return out


def _workbook(path: Path, shown: str, max_rows: int) -> Iterator[RawSource]:
    try:
        book = pd.ExcelFile(path, engine="openpyxl")
    except Exception as error:  # openpyxl raises many types for a broken workbook
        yield RawSource(shown, None, None, 0, unread=f"not a readable .xlsx workbook: {error}")
        return
    with book:
        for sheet in book.sheet_names:
            frame = pd.read_excel(book, sheet_name=sheet, dtype=str, nrows=max_rows)
            yield RawSource(shown, sheet, _text(frame), len(frame))


def _parquet(path: Path, max_rows: int) -> RawSource:
    try:
        frame = pd.read_parquet(path)
    except Exception as error:  # pyarrow raises many types for a broken file
        return RawSource(path.name, None, None, 0, unread=f"not a readable Parquet file: {error}")
    frame = frame.head(max_rows)
    for column in frame.columns:  # typed dates as the loader's ISO text
        if pd.api.types.is_datetime64_any_dtype(frame[column]):
            frame[column] = frame[column].dt.strftime("%Y-%m-%d")
    return RawSource(path.name, None, _text(frame), len(frame))


def _csv(path: Path, max_rows: int) -> RawSource:
    if path.stat().st_size == 0:
        return RawSource(path.name, None, None, 0, unread="file is empty")
    utf8, problem = as_utf8(path, "auto", path.name)
    if problem is not None:
        return RawSource(path.name, None, None, 0, unread=problem.message)
    try:
        with utf8.open("r", encoding="utf-8-sig", newline="") as handle:
            first = handle.readline()
        delimiter = max(("\t", ";", ","), key=first.count) if first.strip() else ","
        frame = pd.read_csv(utf8, sep=delimiter, dtype=str, keep_default_na=False,
                            nrows=max_rows, encoding="utf-8-sig")
    except (pd.errors.ParserError, ValueError) as error:
        return RawSource(path.name, None, None, 0, unread=f"malformed file: {error}")
    finally:
        if utf8 != path:
            utf8.unlink(missing_ok=True)
    return RawSource(path.name, None, _text(frame), len(frame),
                     encoding="utf-8" if utf8 == path else "cp932")
