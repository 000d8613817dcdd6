"""Typed outcomes and their flat export view: the one module that names endpoint columns.

A derived endpoint is one typed value per patient (:class:`~retrostudy.endpoints.tte.
TimeToEvent`, :class:`~retrostudy.endpoints.bor.BestResponse`, :class:`ResponseFlags`).
The analysis dataset is also exported as a flat table (results CSV/Parquet, an
``[analysis_table]`` read back, ``StudyResult.dataset``); this module is the only place that
knows how a typed outcome maps to the columns of that table (docs/endpoints.md, "Analysis
dataset columns"):

==================  ============================================================
time-to-event       ``<name>_days``, ``<name>_event``, ``<name>_reason``,
                    ``<name>_date`` (+ ``<name>_discontinuation_reason`` for TTD)
best response       ``<name>`` (category), ``<name>_date``, ``<name>_days``,
                    ``<name>_n_assessments``
response flags      ``response``, ``disease_control``, ... (``<name>_...`` unless the
                    endpoint is called ``rates``)
==================  ============================================================

Every other layer asks for a binding (:func:`time_to_event_columns`) or for the typed view
(:meth:`~retrostudy.endpoints.dataset.AnalysisDataset.outcome`); none builds a column name.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from retrostudy.endpoints.bor import BestResponse
from retrostudy.endpoints.records import CODES
from retrostudy.endpoints.tte import NONE, NOT_APPLICABLE, TimeToEvent
from retrostudy.protocol.endpoints import rates_column

RATE_MEASURES = ("response", "disease_control", "disease_control_conventional")


@dataclass(frozen=True, slots=True, kw_only=True)
class TimeToEventColumns:
    """Where a time-to-event outcome lives in the flat table."""

    name: str
    time: str
    event: str
    reason: str
    date: str
    discontinuation_reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class BestResponseColumns:
    """Where a best-response outcome lives in the flat table."""

    name: str
    category: str
    date: str
    days: str
    n_assessments: str


def time_to_event_columns(name: str) -> TimeToEventColumns:
    """The flat columns of the time-to-event endpoint ``name``."""
    return TimeToEventColumns(name=name, time=f"{name}_days", event=f"{name}_event",
                              reason=f"{name}_reason", date=f"{name}_date",
                              discontinuation_reason=f"{name}_discontinuation_reason")


def best_response_columns(name: str) -> BestResponseColumns:
    """The flat columns of the best-response endpoint ``name``."""
    return BestResponseColumns(name=name, category=name, date=f"{name}_date",
                               days=f"{name}_days", n_assessments=f"{name}_n_assessments")


def rates_columns(name: str) -> dict[str, str]:
    """Flag -> column of a rates endpoint: bare for the name ``rates``, else ``<name>_...``."""
    return {m: rates_column(name, m) for m in (*RATE_MEASURES, "sd_duration_days", "evaluable")}


@dataclass(frozen=True, slots=True, kw_only=True)
class ResponseFlags:
    """Per-patient response and disease-control flags derived from a best response."""

    response: np.ndarray
    disease_control: np.ndarray
    disease_control_conventional: np.ndarray
    sd_duration_days: np.ndarray
    evaluable: np.ndarray


@dataclass(frozen=True, slots=True, kw_only=True)
class TimeToDiscontinuation(TimeToEvent):
    """TTD: a time-to-event plus the discontinuation reason (None while ongoing)."""

    discontinuation_reason: np.ndarray


Outcome = TimeToEvent | BestResponse | ResponseFlags
"""A derived endpoint's typed value (arrays aligned with the cohort rows)."""


def _tte_frame(name: str, out: TimeToEvent, index_date: np.ndarray) -> pd.DataFrame:
    c = time_to_event_columns(name)
    ok = out.applies
    days = pd.array(np.where(ok, out.day - out.origin_day, 0), dtype="Int64")
    event = pd.array(out.event.astype(np.int64), dtype="Int64")
    days[~ok] = pd.NA
    event[~ok] = pd.NA
    dates = index_date.astype("datetime64[D]") + np.where(ok, out.day, 0).astype(
        "timedelta64[D]")
    date_col = pd.Series(dates.astype("datetime64[s]"))
    date_col[~ok] = pd.NaT
    frame = pd.DataFrame({c.time: days, c.event: event,
                          c.reason: pd.array(np.where(ok, out.reason, NOT_APPLICABLE),
                                             dtype="string"),
                          c.date: date_col})
    if isinstance(out, TimeToDiscontinuation):
        frame[c.discontinuation_reason] = pd.array(out.discontinuation_reason, dtype="string")
    return frame


def _bor_frame(name: str, best: BestResponse, index_date: np.ndarray) -> pd.DataFrame:
    c = best_response_columns(name)
    ok = best.day != NONE
    days = pd.array(np.where(ok, best.day, 0), dtype="Int64")
    days[~ok] = pd.NA
    date = pd.Series((index_date + np.where(ok, best.day, 0).astype("timedelta64[D]"))
                     .astype("datetime64[s]"))
    date[~ok] = pd.NaT
    return pd.DataFrame({c.category: pd.array(CODES[best.code], dtype="string"),
                         c.date: date, c.days: days,
                         c.n_assessments: best.n_assessments.astype(np.int64)})


def _rates_frame(name: str, flags: ResponseFlags) -> pd.DataFrame:
    col = rates_columns(name)
    return pd.DataFrame({
        col["response"]: flags.response,
        col["disease_control"]: flags.disease_control,
        col["disease_control_conventional"]: flags.disease_control_conventional,
        col["sd_duration_days"]: flags.sd_duration_days.astype(np.int64),
        col["evaluable"]: flags.evaluable,
    })


def to_frame(name: str, outcome: Outcome, index_date: np.ndarray) -> pd.DataFrame:
    """The flat export columns of one derived outcome (one row per cohort patient)."""
    if isinstance(outcome, TimeToEvent):
        return _tte_frame(name, outcome, index_date)
    if isinstance(outcome, BestResponse):
        return _bor_frame(name, outcome, index_date)
    return _rates_frame(name, outcome)


@dataclass(frozen=True, slots=True, kw_only=True)
class TimeToEventOutcome:
    """A time-to-event endpoint over the rows of an analysis dataset (aligned on its index).

    ``time``: days from the origin (float, NaN where it does not apply); ``event``: 1 event,
    0 censored; ``reason``: the rule that decided it (None when the table has no reason
    column); ``applies``: time and event are known (False for DoR non-responders and
    missing values); ``origin``: days from the index date to the start of the clock (0 for
    the index date, the first response for DoR), from ``<name>_date`` when present.
    """

    name: str
    columns: TimeToEventColumns
    time: pd.Series
    event: pd.Series
    reason: pd.Series | None
    applies: pd.Series
    origin: pd.Series


@dataclass(frozen=True, slots=True, kw_only=True)
class BestResponseOutcome:
    """A best response over the rows of an analysis dataset: category (CR, PR, SD,
    NON_CR_NON_PD, PD, NE), the date it was first recorded and the assessments used."""

    name: str
    columns: BestResponseColumns
    category: pd.Series
    date: pd.Series | None
    n_assessments: pd.Series | None


def _optional(frame: pd.DataFrame, column: str) -> pd.Series | None:
    return frame[column] if column in frame.columns else None


def read_time_to_event(frame: pd.DataFrame, name: str) -> TimeToEventOutcome:
    """The typed view of the time-to-event endpoint ``name`` of a flat analysis table."""
    c = time_to_event_columns(name)
    time = pd.to_numeric(frame[c.time], errors="coerce").astype(float)
    event = pd.to_numeric(frame[c.event], errors="coerce").astype(float)
    origin = pd.Series(0.0, index=frame.index)
    if c.date in frame.columns and "index_date" in frame.columns:
        elapsed = (pd.to_datetime(frame[c.date]) - pd.to_datetime(frame["index_date"])).dt.days
        origin = (elapsed - time).where(time.notna(), 0.0).fillna(0.0)
    return TimeToEventOutcome(name=name, columns=c, time=time, event=event,
                              reason=_optional(frame, c.reason),
                              applies=time.notna() & event.notna(), origin=origin)


def read_best_response(frame: pd.DataFrame, name: str) -> BestResponseOutcome:
    """The typed view of the best-response endpoint ``name`` of a flat analysis table."""
    c = best_response_columns(name)
    return BestResponseOutcome(name=name, columns=c, category=frame[c.category],
                               date=_optional(frame, c.date),
                               n_assessments=_optional(frame, c.n_assessments))


def has_time_to_event(frame: pd.DataFrame, name: str) -> bool:
    """Whether the flat table holds the time and event columns of ``name``."""
    c = time_to_event_columns(name)
    return c.time in frame.columns and c.event in frame.columns


def time_to_event_names(frame: pd.DataFrame) -> tuple[str, ...]:
    """Names of the time-to-event endpoints a flat table holds (``<x>_days`` with
    ``<x>_event``), in column order: the bindings of a table read from a file."""
    suffix = "_days"
    names = [col[: -len(suffix)] for col in frame.columns
             if isinstance(col, str) and col.endswith(suffix)]
    return tuple(n for n in names if has_time_to_event(frame, n))
