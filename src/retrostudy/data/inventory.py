"""What is in the data folder (or workbook), and which entry is read as which table.

Nothing in the data source is ignored without a word. :func:`take_inventory` looks at
every entry of a data folder (every sheet of a workbook) once and decides:

- the entry read as each canonical table: a file named like the table in a readable format
  (``.csv .tsv .txt .parquet .xlsx``), or the sheet named like it. Names compare after
  :func:`table_key` (case, spaces, ``_``, ``-`` and ``.`` ignored), and the British spelling
  ``tumour`` is the same word as ``tumor``; a name that is not exactly the canonical one
  is read and said so (a ``warning``, code ``table_spelling``);
- two entries for one table (``patients.csv`` next to ``patients.xlsx``): an error naming
  both (``ambiguous_table``) rather than a silent preference;
- an entry named like a table that cannot be read (``drug_administrations.xls``, a broken
  or self-referencing link): an error (``unreadable_table_file``), since the table would
  otherwise be silently absent;
- every other entry: a ``warning`` saying it was not read and why (``unread_file``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path

from openpyxl import load_workbook

from retrostudy.data.readers import EXTENSIONS, same_table
from retrostudy.data.schema import TABLES
from retrostudy.errors import Problem
from retrostudy.protocol.data import DataBlock

_OTHER_FORMATS = {
    ".xls": "an old Excel format (.xls)", ".xlsm": "a macro-enabled workbook (.xlsm)",
    ".xlsb": "a binary workbook (.xlsb)", ".ods": "an OpenDocument spreadsheet (.ods)",
    ".json": "JSON", ".jsonl": "JSON lines", ".sav": "an SPSS file", ".sas7bdat": "a SAS file",
    ".dta": "a Stata file", ".rds": "an R file", ".gz": "a compressed file",
    ".zip": "a compressed file",
}


def table_key(name: str) -> str | None:
    """The canonical table a file stem or sheet name stands for, else None."""
    return next((table for table in TABLES if same_table(name, table)), None)


@dataclass(frozen=True, slots=True, kw_only=True)
class Inventory:
    """``paths``: table -> the entry to read (a file, or a sheet name for a workbook);
    ``refused``: table -> the problem that makes it unusable; ``notes``: warnings (entries
    not read, spellings accepted), each with the table it concerns (None: no table);
    ``ignored``: entries ``[data] ignore`` names, listed without a warning."""

    paths: dict[str, str] = field(default_factory=dict)
    refused: dict[str, Problem] = field(default_factory=dict)
    notes: tuple[tuple[str | None, Problem], ...] = ()
    ignored: tuple[Problem, ...] = ()


def _ignored(block: DataBlock, name: str) -> Problem | None:
    """The note for an entry ``[data] ignore`` names (a shell pattern), else None."""
    if not any(fnmatchcase(name, pattern) for pattern in block.ignore):
        return None
    return Problem(message="not read: listed in [data] ignore", file=name, code="ignored_file",
                   hint="remove it from [data] ignore to have it read as a table")


def take_inventory(block: DataBlock, base_dir: Path) -> Inventory | None:
    """The inventory of a folder of files or of a workbook of tables; None for a database
    or a missing path."""
    root = (Path(base_dir) / block.path).resolve()
    if root.is_file() and root.suffix.lower() == ".xlsx":
        return _workbook(block, root)
    if not root.is_dir():
        return None
    declared = {name: block.table(name).file for name in TABLES if block.table(name).file}
    declared_paths = {(root / f).resolve(strict=False) for f in declared.values()}
    candidates: dict[str, list[str]] = {}
    refused: dict[str, Problem] = {}
    notes: list[tuple[str | None, Problem]] = []
    ignored: list[Problem] = []
    for entry in sorted(root.iterdir(), key=lambda p: p.name):
        name = entry.name
        if _resolved(entry) in declared_paths or entry in declared_paths:
            continue  # read as configured in [data.tables.*]
        if (note := _ignored(block, name)) is not None:
            ignored.append(note)
            continue
        suffix = entry.suffix.lower()
        stem = name[: -len(entry.suffix)] if entry.suffix else name
        table = table_key(stem)
        unreadable = _unreadable(entry)
        if table is not None and table not in declared:
            if unreadable or suffix not in EXTENSIONS:
                reason = unreadable or (
                    f"{_OTHER_FORMATS.get(suffix, repr(suffix or 'no extension'))} "
                    "is not a format retrostudy reads")
                refused.setdefault(table, Problem(
                    message=f"named like table {table} but cannot be read: {reason}",
                    file=name, code="unreadable_table_file",
                    hint="save the table as .csv, .parquet or .xlsx (readable formats: "
                         f"{', '.join(EXTENSIONS)})"))
                continue
            candidates.setdefault(table, []).append(name)
            continue
        why = (unreadable or "a folder (sub-folders are not searched)" if entry.is_dir()
               else unreadable or _why_unread(stem, suffix, table))
        notes.append((table, Problem(message=f"not read: {why}", file=name, code="unread_file",
                                     hint=_unread_hint(table))))
    paths = _choose(candidates, refused, notes)
    return Inventory(paths=paths, refused=refused, notes=tuple(notes), ignored=tuple(ignored))



def _choose(candidates: dict[str, list[str]], refused: dict[str, Problem],
            notes: list[tuple[str | None, Problem]]) -> dict[str, str]:
    """The entry to read per table: the only candidate (a spelling variant said so), or the
    table refused when two entries (or a readable and an unreadable one) claim it."""
    paths: dict[str, str] = {}
    for table, names in candidates.items():
        if table in refused:
            names_shown = ", ".join([refused[table].file, *names])
            refused[table] = Problem(
                message=f"two or more entries for table {table}: {names_shown}",
                file=names_shown, code="ambiguous_table",
                hint=f"keep one, or name the one to read with file = \"...\" in "
                     f"[data.tables.{table}]")
        elif len(names) > 1:
            refused[table] = Problem(
                message=f"two or more files for table {table}: {', '.join(names)}",
                file=", ".join(names), code="ambiguous_table",
                hint=f"keep one, or name the one to read with file = \"...\" in "
                     f"[data.tables.{table}]")
        else:
            paths[table] = names[0]
            notes.extend(_spelling_note(table, names[0], Path(names[0]).suffix))
    return paths


def _workbook(block: DataBlock, root: Path) -> Inventory | None:
    """Sheets of a workbook of tables: the sheet named like each table (spelling variants
    accepted and said so), two sheets for one table refused, other sheets listed."""
    try:
        book = load_workbook(root, read_only=True)
    except Exception:  # an unreadable workbook: the reader reports it, per table
        return None
    try:
        sheets = list(book.sheetnames)
    finally:
        book.close()
    paths, refused, notes, used = {}, {}, [], set()
    for name in TABLES:
        config = block.table(name)
        if config.file:
            continue
        if config.sheet:
            used.add(config.sheet)
            continue
        found = [s for s in sheets if table_key(s) == name]
        used.update(found)
        shown = [f"{root.name}[{s}]" for s in found]
        if len(found) > 1:
            refused[name] = Problem(
                message=f"two or more sheets for table {name}: {', '.join(found)}",
                file=", ".join(shown), code="ambiguous_table",
                hint=f"rename one, or set sheet = \"...\" in [data.tables.{name}]")
        elif found:
            paths[name] = found[0]
            if found[0] != name:
                notes.append((name, _spelling(name, shown[0])))
    unused = [s for s in sheets if s not in used]
    ignored = [note for s in unused if (note := _ignored(block, s)) is not None]
    notes += [(None, Problem(
        message=f"sheet not read: its name is not a canonical table ({', '.join(TABLES)})",
        file=f"{root.name}[{s}]", code="unread_file",
        hint="rename the sheet, or set sheet = \"...\" in [data.tables.<table>]"))
        for s in unused if _ignored(block, s) is None]
    return Inventory(paths=paths, refused=refused, notes=tuple(notes), ignored=tuple(ignored))


def _spelling(table: str, shown: str) -> Problem:
    return Problem(message=f"read as table {table} (its name is spelled differently)",
                   file=shown, code="table_spelling",
                   hint=f"rename it {table} to silence this note")


def _spelling_note(table: str, name: str, suffix: str):
    if name == f"{table}{suffix}":
        return []
    return [(table, _spelling(table, name))]


def _resolved(entry: Path) -> Path | None:
    try:
        return entry.resolve(strict=True)
    except (OSError, RuntimeError):
        return None


def _unreadable(entry: Path) -> str | None:
    """Why ``entry`` cannot be opened (a broken or looping link), else None."""
    if not entry.is_symlink():
        return None
    if _resolved(entry) is None:
        return "a broken or self-referencing link"
    return None


def _why_unread(stem: str, suffix: str, table: str | None) -> str:
    if stem.startswith("."):
        return "a hidden file"
    if table is not None:
        return f"table {table} is read from the file named in [data.tables.{table}]"
    return "its name is not a canonical table (" + ", ".join(TABLES) + ")"


def _unread_hint(table: str | None) -> str:
    if table is not None:
        return "remove it, or name it in [data.tables.*] file"
    return ("rename it like a table, name it in [data.tables.<table>] file = \"...\", "
            "or move it out of the data folder")
