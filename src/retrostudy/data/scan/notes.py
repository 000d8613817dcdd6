"""What a scan leaves to decide, in plain words (one sentence each)."""

from __future__ import annotations

from retrostudy.data.dates import PAIRS
from retrostudy.data.scan.model import ScanReport
from retrostudy.data.schema import TABLES

LOW = 0.6  # a proposal below this confidence is worth a look


def notes_for(report: ScanReport) -> tuple[str, ...]:
    out: list[str] = []
    if report.table("patients") is None:
        out.append("No file looks like the patients table (one row per patient with birth "
                   "date and sex); the study cannot run without it.")
    for source in report.sources:
        out += _source_notes(source)
    out += _spelling_notes(report)
    if report.index_guessed:
        out.append(f"The index drug was guessed as {report.index_drug}, the antineoplastic "
                   "most patients received; name yours (--index-drug) and the study period.")
    if report.groups is not None:
        g = report.groups
        out.append(f"The groups were guessed as prior {g.drug} ({g.exposed} patients) or not "
                   f"({g.unexposed}); define the comparison the study is about in [groups].")
    return tuple(out)


def _source_notes(source) -> list[str]:
    if source.unread:
        return [f"{source.label} could not be read: {source.unread}."]
    if source.table is None:
        return [f"{source.label} is not used ({source.reason})."]
    out = []
    if source.confidence < LOW:
        out.append(f"{source.label} was taken as {source.table} with low confidence "
                   f"({source.confidence:.2f}): check it.")
    mapped = {p.column for p in source.mapping}
    for column in TABLES[source.table].columns:
        if column.required and column.name not in mapped:
            out.append(f"{source.label}: no column found for {source.table}.{column.name}; "
                       "name it in the columns of this table.")
    out += _mixed_orders(source)
    for proposal in source.mapping:
        date = source.profile(proposal.header).date
        where = f"{source.label}, column {proposal.header!r}"
        if proposal.confidence < LOW:
            out.append(f"{where} was taken as {proposal.column} with low confidence "
                       f"({proposal.confidence:.2f}).")
        if date is not None and date.serial:
            out.append(f"{where} holds numbers (Excel date serials?): format the column "
                       "as dates in Excel, or export it as text dates.")
        elif date is not None and date.day_first_guessed:
            out.append(f"{where}: no date tells day-first from month-first "
                       f"({date.ambiguous} values read both ways); day-first was assumed.")
    return out


def _mixed_orders(source) -> list[str]:
    """A day-first and a month-first date column in one table: date_format is per table,
    and the first format that reads a value wins, so one column would be misread."""
    formats = {f for p in source.mapping if (d := source.profile(p.header).date) is not None
               for f in d.formats}
    mixed = [(d, m) for d, m in PAIRS if d in formats and m in formats]
    return [f"{source.label} has day-first ({d}) and month-first ({m}) date columns; "
            "date_format applies to the whole table, so export them in one order."
            for d, m in mixed]


def _spelling_notes(report: ScanReport) -> list[str]:
    out = []
    for spelling in report.unknown:
        near = (f"; nearest known: {', '.join(spelling.suggestions)}"
                if spelling.suggestions else "")
        out.append(f"Unknown {spelling.domain} spelling {spelling.value!r} "
                   f"({_records(spelling.count)}, {spelling.source}){near}.")
    return out


def _records(n: int) -> str:
    return f"{n:,} record{'s' if n != 1 else ''}"
