"""Errors a user can act on.

Every problem names where it is (file, row, column), what was found (value) and what to
do (hint). Layers collect all problems before raising, so a user fixes them in one pass.
The CLI prints them as a table and exits non-zero; it never shows a traceback for these.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True, kw_only=True)
class Problem:
    message: str
    file: str | None = None
    row: int | None = None  # 1-based data row as the user sees it in the file (header = row 1)
    column: str | None = None
    key: str | None = None  # dotted protocol key, e.g. "criteria.0.when.window"
    value: str | None = None
    hint: str | None = None
    code: str | None = None  # stable machine-readable class, e.g. "ambiguous_date"
    patient: str | None = None  # the record's patient_id (data managers search by patient)

    def __str__(self) -> str:
        where = ", ".join(
            part
            for part in (
                self.file,
                f"row {self.row}" if self.row is not None else None,
                f"column {self.column!r}" if self.column else None,
                f"patient {self.patient!r}" if self.patient is not None else None,
                f"key {self.key!r}" if self.key else None,
            )
            if part
        )
        text = f"{where}: {self.message}" if where else self.message
        if self.value is not None:
            text += f" (value {self.value!r})"
        if self.hint:
            text += f". Hint: {self.hint}"
        return text


class RetroStudyError(Exception):
    """An error caused by the user's input, carrying one or more problems."""

    exit_code = 2

    def __init__(self, problems: Problem | str | Iterable[Problem]):
        if isinstance(problems, str):
            problems = [Problem(message=problems)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems: tuple[Problem, ...] = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class DataError(RetroStudyError):
    """The records cannot be loaded as they are."""


class ProtocolError(RetroStudyError):
    """The protocol file is invalid."""


class CohortError(RetroStudyError):
    """The cohort cannot be built as specified (e.g. overlapping groups)."""


class OutputError(RetroStudyError):
    """The report cannot be written where asked (``--out`` names a file or a folder of
    other files, a read-only folder, a full disk). The previous report is left as it was."""

    exit_code = 3
