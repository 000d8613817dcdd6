"""What loading the records returns: counts, problems with their policy, source files.

Shared by the CSV/Excel/database loader (:mod:`retrostudy.data.load`) and the OMOP CDM
mapper (:mod:`retrostudy.data.omop.load`), which both return a :class:`LoadResult`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from retrostudy.data.store import Store
from retrostudy.errors import Problem

Severity = Literal["error", "quarantine", "warning", "note"]
"""``warning``: loaded (or listed), counted and reported; ``note``: listed only (an entry the
protocol says is not a table, ``[data] ignore``)."""
MAX_EXAMPLES = 20
HINTS = {
    "missing_value": "fill the value or remove the row",
    "ambiguous_date": "declare date_format in [data.tables.{table}]",
    "invalid_date": "fix the date or declare date_format in [data.tables.{table}]",
    "duplicate_row": "remove the extra copy (quarantined by default)",
    "duplicate_key": "keep one of the conflicting rows",
    "unknown_patient": "add the patient to patients or fix patient_id",
    "death_before_birth": "check birth_date and death_date",
    "before_birth": "check the date and the patient's birth_date",
    "after_death": "check the date and the patient's death_date",
    "end_before_start": "check date and end_date",
    "after_extraction": "fix the date, or set [data] extraction_date to the day the records "
                        "were extracted",
}


@dataclass(frozen=True, slots=True, kw_only=True)
class Finding:
    """A problem with the table it belongs to, its severity and how often it occurred.

    ``warning`` (an entry of the data folder not read, a table name spelled differently)
    does not stop loading; it is listed so that nothing is ignored without a word.

    ``count`` is the number of occurrences of this problem class in this table (the
    same on every example of the class); ``severity`` is the policy applied.
    """

    problem: Problem
    severity: Severity
    table: str | None = None
    count: int = 1


@dataclass(frozen=True, slots=True, kw_only=True)
class TableCount:
    read: int
    loaded: int
    rejected: int


@dataclass(frozen=True, slots=True, kw_only=True)
class SourceFile:
    table: str
    path: str
    sha256: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class LoadResult:
    """What loading did. ``problems`` holds file/column problems and up to
    ``MAX_EXAMPLES`` examples per (table, problem class); ``rejects`` in the engine has all."""

    store: Store
    counts: Mapping[str, TableCount]
    problems: tuple[Finding, ...]
    files: tuple[SourceFile, ...]
    date_formats: Mapping[str, tuple[str, ...]]  # "table.column" -> formats used
    extraction_date: dt.date | None = None  # records dated after it were refused
    extraction_declared: bool = False  # [data] extraction_date (else: the day of the run)

    @property
    def ok(self) -> bool:
        """True when no problem has the ``error`` severity."""
        return not any(f.severity == "error" for f in self.problems)

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(f.problem for f in self.problems if f.severity == "error")

    def reported_errors(self) -> list[Problem]:
        """The error examples, plus one line per class with more occurrences than examples."""
        out, more, seen = [], [], set()
        for finding in self.problems:
            if finding.severity != "error":
                continue
            out.append(finding.problem)
            group = (finding.table, finding.problem.code)
            if finding.count > MAX_EXAMPLES and group not in seen:
                seen.add(group)
                more.append(Problem(message=f"... and {finding.count - MAX_EXAMPLES} more "
                                   f"{finding.problem.code} problems in {finding.table}",
                                   file=finding.problem.file, code=finding.problem.code))
        return out + more
