"""Protocol checks shared by the secondary analyses (RMST, competing risks, subgroups,
sensitivity): every problem names its protocol key and, for a column, the close matches."""

from __future__ import annotations

import difflib
from contextlib import contextmanager
from dataclasses import replace

from retrostudy.endpoints.outcome import time_to_event_columns
from retrostudy.errors import Problem, ProtocolError, RetroStudyError


def fail(key: str, message: str, hint: str | None = None, code: str = "secondary") -> None:
    """Raise one :class:`ProtocolError` naming the protocol key."""
    raise ProtocolError([Problem(message=message, key=key, hint=hint, code=code)])


def require_columns(data, needed: list[tuple[str, str]]) -> None:
    """Raise listing every (protocol key, column) whose column the dataset lacks."""
    have = sorted(map(str, data.columns))
    problems = []
    for key, column in needed:
        if column in data.columns:
            continue
        close = difflib.get_close_matches(column, have, n=3)
        problems.append(
            Problem(
                message=f"the analysis dataset has no column {column!r}",
                key=key,
                hint=f"did you mean {', '.join(close)}?" if close
                else "columns: " + ", ".join(have),
                code="unknown_column",
            )
        )
    if problems:
        raise ProtocolError(problems)


def tte_columns(key: str, endpoint: str) -> list[tuple[str, str]]:
    c = time_to_event_columns(endpoint)
    return [(key, c.time), (key, c.event)]


@contextmanager
def keyed(key: str, what: str):
    """Re-raise a data problem of a shared step (a Cox fit, a log-rank test) under this
    analysis's protocol key, prefixed with what was being computed."""
    try:
        yield
    except RetroStudyError as exc:
        raise type(exc)([
            replace(p, key=key, column=None, message=f"{what}: {p.message}") for p in exc.problems
        ]) from None
