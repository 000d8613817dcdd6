"""Time-to-event core: integer days from an origin, an event flag and a reason per patient.

Every patient of the cohort gets exactly one outcome per endpoint: an event (``event = 1``)
or a censoring (``event = 0``), the day it happened (integer days since the index date,
computed from calendar dates, never from float durations) and a reason code naming the rule
that decided it. Months exist only for display (``days / days_per_month``).

Internally "no such day" is :data:`NONE` (a large integer), so per-patient minima and
maxima stay plain integer array operations.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

NONE = np.int64(10**9)
"""Sentinel for "no such day" in internal integer day arrays."""

# Reason codes (docs/endpoints.md lists the rule behind each).
PROGRESSION = "progression"
DEATH = "death"
NEXT_TREATMENT = "next_treatment"
CENSORED_LAST_ASSESSMENT = "censored_last_assessment"
CENSORED_NEW_THERAPY = "censored_new_therapy"
CENSORED_NO_POST_BASELINE = "censored_no_post_baseline_assessment"
CENSORED_MISSED_VISITS = "censored_missed_visits"
CENSORED_DEATH_OUTSIDE_WINDOW = "censored_death_outside_window"
CENSORED_LAST_CONTACT = "censored_last_contact"
CENSORED_DEATH = "censored_death"
CENSORED_ONGOING = "censored_ongoing"
CENSORED_NO_ADMINISTRATION = "censored_no_administration"
NOT_APPLICABLE = "not_applicable"


@dataclass(frozen=True, slots=True, kw_only=True)
class TimeToEvent:
    """One endpoint's outcome for every patient (arrays aligned with the cohort rows).

    ``origin_day`` is the day the clock starts (0 = index date; the response day for DoR);
    ``day`` is the event or censoring day since the index date; ``applies`` is False for
    patients outside the endpoint's population (DoR non-responders), whose values are NA.
    Its flat export columns: ``retrostudy.endpoints.outcome``.
    """

    origin_day: np.ndarray
    day: np.ndarray
    event: np.ndarray
    reason: np.ndarray
    applies: np.ndarray


def decide(n: int, rules: list[tuple[np.ndarray, np.ndarray, int, str]]) -> tuple:
    """First matching rule wins: each rule is ``(mask, day, event, reason)``.

    Returns ``(day, event, reason)`` arrays; every patient must match some rule (the last
    rule is normally an all-True fallback).
    """
    day = np.full(n, NONE, dtype=np.int64)
    event = np.zeros(n, dtype=np.int8)
    reason = np.full(n, "", dtype=object)
    todo = np.ones(n, dtype=bool)
    for mask, when, flag, code in rules:
        hit = todo & mask
        day[hit] = np.broadcast_to(when, (n,))[hit]
        event[hit] = flag
        reason[hit] = code
        todo &= ~hit
    if todo.any():  # pragma: no cover - guarded by an all-True last rule
        raise AssertionError("decide(): a patient matched no rule")
    return day, event, reason


def group_first(pid: np.ndarray, values: np.ndarray, n: int, fill=NONE) -> np.ndarray:
    """Per patient, the first value (rows sorted by patient then day); ``fill`` if none."""
    out = np.full(n, fill, dtype=values.dtype if values.size else np.int64)
    if pid.size:
        starts = np.flatnonzero(np.r_[True, pid[1:] != pid[:-1]])
        out[pid[starts]] = values[starts]
    return out


def group_last(pid: np.ndarray, values: np.ndarray, n: int, fill=NONE) -> np.ndarray:
    """Per patient, the last value (rows sorted by patient then day); ``fill`` if none."""
    out = np.full(n, fill, dtype=values.dtype if values.size else np.int64)
    if pid.size:
        ends = np.flatnonzero(np.r_[pid[1:] != pid[:-1], True])
        out[pid[ends]] = values[ends]
    return out


def to_months(days, days_per_month: float = 30.4375):
    """Days to months for display only (RwPFS convention, docs/sources.md)."""
    return np.asarray(days, dtype=float) / days_per_month
