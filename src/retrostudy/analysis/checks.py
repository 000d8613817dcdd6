"""Check the ``[analyses]`` block against the analysis dataset before any statistic runs.

Every column the block names must exist; all problems are reported at once, each with
the protocol key that names the column and the columns that do exist.
"""

from __future__ import annotations

import difflib

import pandas as pd

from retrostudy.endpoints.outcome import time_to_event_columns
from retrostudy.errors import CohortError, Problem, ProtocolError


def _needed(block) -> list[tuple[str, str]]:
    """(protocol key, column) pairs the analyses read."""
    out = [(f"analyses.derived[{i}].column", d.column) for i, d in enumerate(block.derived)]
    for i, v in enumerate(block.table1):
        out.append((f"analyses.table1[{i}].name", v.name))
        if v.among:
            out.append((f"analyses.table1[{i}].among", v.among))
    for i, s in enumerate(block.survival):
        key = f"analyses.survival[{i}]"
        c = time_to_event_columns(s.endpoint)
        out += [(f"{key}.endpoint", c.time), (f"{key}.endpoint", c.event)]
        out += [(f"{key}.adjust", c) for c in s.adjust]
    if block.response is not None:
        out.append(("analyses.response.column", block.response.column))
        out += [
            (f"analyses.response.rates[{i}].name", r.name)
            for i, r in enumerate(block.response.rates)
        ]
    if block.followup is not None:
        fu = block.followup
        out += [(f"analyses.followup.{key}", col)
                for key, ep in (("observation", fu.observed), ("reverse_km_of", fu.reverse_km_of))
                for col in (time_to_event_columns(ep).time, time_to_event_columns(ep).event)]
    if block.discontinuation is not None:
        out.append(("analyses.discontinuation.column", block.discontinuation.column))
    return out


def check_columns(block, data: pd.DataFrame) -> None:
    """Raise :class:`ProtocolError` listing every column the analyses need but the data lack."""
    have = set(data.columns) | {d.name for d in block.derived}
    problems = []
    for key, column in _needed(block):
        if column in have:
            continue
        close = difflib.get_close_matches(column, sorted(have), n=3)
        hint = (
            f"did you mean {', '.join(close)}?"
            if close
            else "columns: " + ", ".join(sorted(map(str, have)))
        )
        problems.append(
            Problem(
                message=f"the analysis dataset has no column {column!r}",
                column=key,
                hint=hint,
                code="unknown_column",
            )
        )
    if "group" not in data.columns:
        problems.append(
            Problem(message="the analysis dataset has no 'group' column", code="unknown_column")
        )
    if problems:
        raise ProtocolError(problems)


def check_groups(protocol, groups: list[str], n: dict[str, int]) -> None:
    """Raise :class:`CohortError` when fewer than two groups have patients: every analysis
    compares groups, so the study cannot run (a group of one patient can, with NE where a
    statistic needs more)."""
    if len(groups) >= 2:
        return
    named = [g.name for g in protocol.groups.group]
    found = ", ".join(f"{g!r} ({n[g]} patients)" for g in groups) or "none"
    empty = [g for g in named if g not in groups]
    raise CohortError(
        Problem(
            message=f"fewer than two groups have patients after the exclusions (with patients: "
            f"{found}; without: {', '.join(map(repr, empty)) or 'none'}); the study compares "
            "groups and needs at least two",
            key="groups.group",
            hint="check each [[groups.group]] 'when' condition and the [[criteria]] against "
            "the data: the flow chart (StudyResult.attrition) shows where patients were lost",
            code="empty_group",
        )
    )
