"""``kind = "tte"``: a time-to-event endpoint whose events and censorings are data.

Model: pharmaverse admiral's ``derive_param_tte`` with ``event_source`` / ``censor_source``
objects (rules only, no code; docs/sources.md): "if the event occurred, the first time it
occurred is the event time; if not, the last time the patient is known not to have had it
is the censoring time". Here each source resolves to one day per patient (days since the
index date, :data:`~retrostudy.endpoints.tte.NONE` when the patient has none):

=====================  =========================================================
event source           day
=====================  =========================================================
progression            first PD (clinical assessments ignored unless
                       ``progression = "any"``)
death                  death date
next_treatment         start of the first line of therapy after the index date
observation            first ``observations`` record after the index date whose
                       ``name`` (and ``value``, when given) match
drug                   first ``drug_administrations`` record after the index date
                       (day >= 1) of one of the drugs named in ``drug``
=====================  =========================================================

=========================  ====================================================
censor source              day
=========================  ====================================================
index_date                 0
last_adequate_assessment   last non-NE assessment (clinical ones ignored)
last_known_alive           latest of the index date and the ``last_alive_from``
                           records (as for OS)
death                      death date
next_treatment             start of the next line of therapy
=========================  ====================================================

Records dated after death are ignored (records.py). The rules then go to the one engine,
:func:`retrostudy.endpoints.tte.decide`: the earliest event wins (on a tie, the source
listed first); else the latest censoring date (likewise); a patient with neither is
censored at the index date (``censored_index``), never dropped.

OS and TTNT are named rule sets on this engine (:func:`os_rules`, :func:`ttnt_rules`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from retrostudy.data.store import Store
from retrostudy.endpoints import tte
from retrostudy.endpoints.records import NE, PD, Records
from retrostudy.endpoints.tte import NONE, TimeToEvent, group_first, group_last
from retrostudy.protocol.endpoints import (
    CensorSource,
    EventSource,
    OsEndpoint,
    TteEndpoint,
    TtntEndpoint,
)

CENSORED_INDEX = "censored_index"


@dataclass(frozen=True, slots=True, kw_only=True)
class SourceData:
    """What the sources read: the records, the last day known alive (per set of
    ``last_alive_from`` sources) and the store for observation events."""

    rec: Records
    alive: Callable[[tuple[str, ...]], np.ndarray]
    store: Store | None = None


def _assessment_days(rec: Records, any_method: bool) -> tuple[np.ndarray, ...]:
    a = rec.assessments
    keep = np.ones(len(a), dtype=bool) if any_method else ~a["clinical"].to_numpy()
    keep &= a["code"].to_numpy() != NE
    return a["pid"].to_numpy()[keep], a["day"].to_numpy()[keep], a["code"].to_numpy()[keep]


def _observation_days(data: SourceData, name: str, value: str | None) -> np.ndarray:
    if data.store is None:  # pragma: no cover - derive_endpoints always passes the store
        raise ValueError("observation events need the store")
    t = data.store.table("observations")
    t = t.filter(t.name == name) if value is None else t.filter(
        (t.name == name) & (t.value == value))
    return _first_day_after_index(data, t)


def _drug_days(data: SourceData, drugs: tuple[str, ...]) -> np.ndarray:
    """First administration day (>= 1, not after death) of any of ``drugs`` per patient."""
    if data.store is None:  # pragma: no cover - derive_endpoints always passes the store
        raise ValueError("drug events need the store")
    t = data.store.table("drug_administrations")
    return _first_day_after_index(data, t.filter(t.drug.isin(list(drugs))))


def _first_day_after_index(data: SourceData, t) -> np.ndarray:
    """Per cohort patient, the first day (>= 1, not after death) of a record of ``t``
    (a dated table expression), NONE without one."""
    c = data.rec.cohort
    j = t.inner_join(c, t.patient_id == c.patient_id)
    q = j.select("pid", "death_day",
                 day=j.date.cast("date").delta(j.index_date.cast("date"), unit="day"))
    q = q.filter((q.day > 0) & (q.day <= q.death_day))
    df = data.store.execute(q.group_by("pid").aggregate(day=q.day.min()))
    out = np.full(data.rec.n, NONE, dtype=np.int64)
    out[df["pid"].to_numpy(dtype=np.int64)] = df["day"].to_numpy(dtype=np.int64)
    return out


def event_day(src: EventSource, data: SourceData) -> np.ndarray:
    """Per patient, the day of ``src``'s event (NONE if none)."""
    rec = data.rec
    if src.source == "progression":
        pid, day, code = _assessment_days(rec, src.progression == "any")
        return group_first(pid[code == PD], day[code == PD], rec.n)
    if src.source == "death":
        return rec.death_day
    if src.source == "next_treatment":
        nt = rec.next_therapy_day
        return np.where(nt <= rec.death_day, nt, NONE)
    if src.source == "drug":
        return _drug_days(data, tuple(src.drug or ()))
    return _observation_days(data, src.observation or "", src.value)


def censor_day(src: CensorSource, spec: TteEndpoint, data: SourceData) -> np.ndarray:
    """Per patient, the candidate censoring day of ``src`` (NONE if none)."""
    rec = data.rec
    if src.source == "index_date":
        return np.zeros(rec.n, dtype=np.int64)
    if src.source == "last_adequate_assessment":
        pid, day, _ = _assessment_days(rec, any_method=False)
        return group_last(pid, day, rec.n)
    if src.source == "last_known_alive":
        return data.alive(tuple(spec.last_alive_from))
    if src.source == "death":
        return rec.death_day
    nt = rec.next_therapy_day
    return np.where(nt <= rec.death_day, nt, NONE)


def rules(spec: TteEndpoint, data: SourceData) -> list[tuple]:
    """The ordered ``(mask, day, event, reason)`` rules of ``spec`` for :func:`tte.decide`."""
    n = data.rec.n
    events = [(event_day(s, data), s.code) for s in spec.events]
    first = np.min([d for d, _ in events], axis=0)
    censors = [(censor_day(s, spec, data), s.code) for s in spec.censor]
    known = [np.where(d == NONE, -1, d) for d, _ in censors]
    last = np.max(known, axis=0)
    out = [((d != NONE) & (d == first), d, 1, code) for d, code in events]
    out += [((k >= 0) & (k == last), k, 0, code) for k, (_, code) in zip(known, censors,
                                                                          strict=True)]
    out.append((np.ones(n, dtype=bool), np.zeros(n, dtype=np.int64), 0, CENSORED_INDEX))
    return out


def derive_tte(spec: TteEndpoint, data: SourceData) -> TimeToEvent:
    """The outcome of a ``tte`` endpoint for every patient (origin: the index date)."""
    n = data.rec.n
    day, event, reason = tte.decide(n, rules(spec, data))
    return TimeToEvent(origin_day=np.zeros(n, dtype=np.int64), day=day, event=event,
                       reason=reason, applies=np.ones(n, dtype=bool))


def os_rules(spec: OsEndpoint) -> TteEndpoint:
    """OS as sources: death; else censored at the last date known alive."""
    return TteEndpoint(kind="tte", label=spec.label, events=(EventSource(source="death"),),
                       censor=(CensorSource(source="last_known_alive"),),
                       last_alive_from=spec.last_alive_from)


def ttnt_rules(spec: TtntEndpoint, last_alive_from: tuple[str, ...]) -> TteEndpoint:
    """TTNT as sources: the next line (or death, when listed); else censored at death, or
    at the last date known alive."""
    events = tuple(EventSource(source=e) for e in ("next_treatment", "death")
                   if e in spec.events)
    censor = (() if "death" in spec.events else (CensorSource(source="death"),)) + (
        CensorSource(source="last_known_alive"),)
    return TteEndpoint(kind="tte", label=spec.label, events=events, censor=censor,
                       last_alive_from=last_alive_from)


_EVENT_WORDS = {"progression": "{p} progression (PD)", "death": "death from any cause",
                "next_treatment": "the start of the next line of therapy"}
_CENSOR_WORDS = {"index_date": "the index date",
                 "last_adequate_assessment": "the last adequate (non-NE) assessment",
                 "last_known_alive": "the last date known alive", "death": "death",
                 "next_treatment": "the start of the next line of therapy"}


def _event_words(s: EventSource) -> str:
    if s.source == "drug":
        return f"the first administration of {' or '.join(s.drug or ())} after the index date"
    if s.source == "observation":
        value = f" = {s.value}" if s.value is not None else ""
        return f"a recorded {s.observation}{value}"
    return _EVENT_WORDS[s.source].format(p=s.progression)


def describe_tte(name: str, spec: TteEndpoint) -> str:
    """The rule in words, for the report's methods section."""
    events = " or ".join(_event_words(s) for s in spec.events)
    censor = " or ".join(_CENSOR_WORDS[s.source] for s in spec.censor)
    return (f"{spec.label or name}: time from the index date to the first of {events}; "
            f"patients without an event are censored at the latest of {censor} (at the "
            "index date if none is known). Records dated after death are ignored.")
