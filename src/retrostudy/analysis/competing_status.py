"""Competing-risks status for a time-to-progression endpoint: progression vs death first.

The analysed endpoint (``[analyses.competing].endpoint``, the seed's PD-only PFS) has
progression as its only event; a death without progression merely censors it. Its
competing event is death without (documented) progression. Status per patient:
``1`` progression, ``2`` death without progression, ``0`` censored, derived explicitly from
the endpoint columns of the analysis dataset, in one of two ways (``deaths_from``):

``"reason"`` — ``deaths_from`` is a PFS endpoint with death among its events (the seed's
    ``pfs_standard``, PD or death): its ``<name>_reason`` says which came first, so
    status 1 where it is ``progression``, 2 where it is ``death``, else 0, at its
    ``<name>_days``. Its death rules (``death_window_days``, new-therapy and missed-visit
    censoring) therefore decide which deaths count. Its progressions must be those of the
    analysed endpoint (same patients, same day); a different progression rule is an error.
    The event-free probability is then that endpoint's Kaplan–Meier curve.
``"death_date"`` — ``deaths_from`` is an OS endpoint: status 1 at ``<endpoint>_days`` when
    ``<endpoint>_event = 1``; else 2 at ``<os>_days`` when ``<os>_event = 1`` (death from
    any cause without documented progression, at the death date, however long after the
    last assessment); else 0 at ``<endpoint>_days``.

Default ``deaths_from``: the first PFS endpoint of ``[endpoints]`` with ``"death"`` in its
events and the same progression rules, else the first OS endpoint. Without endpoint
definitions (an ``[analysis_table]``), ``deaths_from`` must be named; a ``<name>_reason``
column selects ``"reason"``, otherwise ``"death_date"``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from retrostudy.analysis.checks import fail, require_columns, tte_columns
from retrostudy.endpoints.kinds import kind_of
from retrostudy.endpoints.outcome import time_to_event_columns

KEY = "analyses.competing"
CAUSES = {1: "progression", 2: "death_without_progression"}
CAUSE_LABELS = {1: "Progression", 2: "Death without progression"}
_SAME_PROGRESSION = ("progression", "censor_at_new_therapy", "missed_assessments")


@dataclass(frozen=True, slots=True, kw_only=True)
class CompetingData:
    """Time (days), status (0/1/2) and group of the patients with complete values."""

    frame: pd.DataFrame  # the analysis rows kept, with columns cr_days and cr_status
    deaths_from: str
    method: str  # "reason" | "death_date"
    rule: str  # the derivation in words, for the report
    n_excluded: int


def _check_endpoint(items: dict, ep: str) -> None:
    spec = items.get(ep)
    if spec is None:
        return
    kind = kind_of(spec)
    if not kind.time_to_event or kind.events(spec) != ("progression",):
        fail(f"{KEY}.endpoint", f"endpoint {ep!r} must be a PFS whose only event is "
             f"progression (events = ['progression']); it is kind {spec.kind!r}"
             + (f" with events {list(kind.events(spec))}" if hasattr(spec, "events") else ""),
             hint="competing risks split a PD-or-death endpoint into its causes; analyse "
             "the PD-only definition and name the PD-or-death one as deaths_from",
             code="competing_endpoint")


def _same_progression(a, b) -> bool:
    return all(getattr(a, k, None) == getattr(b, k, None) for k in _SAME_PROGRESSION)


def _records(spec, *events: str) -> bool:
    """Whether the time-to-event ``spec`` counts exactly/at least these event types: with
    ``progression`` and ``death`` at least those two; with ``death`` alone, only death."""
    kind = kind_of(spec)
    have = kind.events(spec) if kind.time_to_event else ()
    return set(events) <= set(have) if len(events) > 1 else have == events


def _from_index(spec) -> bool:
    return kind_of(spec).from_index


def resolve_deaths_from(spec, items: dict) -> tuple[str, str]:
    """(endpoint name, method) giving death without progression."""
    ep = spec.endpoint
    _check_endpoint(items, ep)
    if spec.deaths_from is not None:
        other = items.get(spec.deaths_from)
        if other is None:
            return spec.deaths_from, ""  # decided from the columns
        if _records(other, "progression", "death"):
            return spec.deaths_from, "reason"
        if _records(other, "death") and _from_index(other):
            return spec.deaths_from, "death_date"
        fail(f"{KEY}.deaths_from", f"endpoint {spec.deaths_from!r} (kind {other.kind!r}) does "
             "not record deaths", hint="name a PFS endpoint with events = ['progression', "
             "'death'] or an OS endpoint", code="competing_deaths_from")
    mine = items.get(ep)
    for name, other in items.items():
        if (_records(other, "progression", "death") and _from_index(other)
                and (mine is None or _same_progression(mine, other))):
            return name, "reason"
    for name, other in items.items():
        if _records(other, "death") and _from_index(other):
            return name, "death_date"
    fail(f"{KEY}.deaths_from", "no endpoint records death without progression",
         hint="define a PFS endpoint with events = ['progression', 'death'] (same progression "
         "rules) or an OS endpoint, or name one with deaths_from", code="competing_deaths_from")
    raise AssertionError  # pragma: no cover - fail() raises


def _by_reason(d: pd.DataFrame, ep: str, other: str) -> tuple[np.ndarray, np.ndarray]:
    mine, theirs = time_to_event_columns(ep), time_to_event_columns(other)
    reason = d[theirs.reason].astype("string").fillna("").to_numpy(str)
    status = np.select([reason == "progression", reason == "death"], [1, 2], 0)
    days = d[theirs.time].to_numpy(float)
    pd_here = d[mine.event].to_numpy(int) == 1
    bad = (pd_here != (status == 1)) | (pd_here & (days != d[mine.time].to_numpy(float)))
    if bad.any():
        ids = d["patient_id"].astype(str).to_numpy()[bad][:5] if "patient_id" in d else []
        fail(f"{KEY}.deaths_from", f"{ep!r} and {other!r} disagree on progression for "
             f"{int(bad.sum())} patient(s) {', '.join(ids)}: their progression rules differ",
             hint="use a deaths_from endpoint with the same progression, "
             "censor_at_new_therapy and missed_assessments settings", code="competing_mismatch")
    return days, status


def _by_death_date(d: pd.DataFrame, ep: str, other: str) -> tuple[np.ndarray, np.ndarray]:
    mine, theirs = time_to_event_columns(ep), time_to_event_columns(other)
    pd_here = d[mine.event].to_numpy(int) == 1
    died = d[theirs.event].to_numpy(int) == 1
    ep_days, death_days = d[mine.time].to_numpy(float), d[theirs.time].to_numpy(float)
    status = np.where(pd_here, 1, np.where(died, 2, 0))
    days = np.where(status == 2, death_days, ep_days)
    early = (status == 2) & (death_days < ep_days)
    if early.any():
        fail(f"{KEY}.deaths_from", f"{int(early.sum())} patient(s) die before their {ep!r} "
             f"censoring time in {other!r}", hint="check that deaths_from is an overall "
             "survival endpoint of the same patients", code="competing_mismatch")
    return days, status


def competing_data(spec, items: dict, data: pd.DataFrame) -> CompetingData:
    ep = spec.endpoint
    other, method = resolve_deaths_from(spec, items)
    if not method:
        method = "reason" if time_to_event_columns(other).reason in data.columns else "death_date"
    needed = tte_columns(f"{KEY}.endpoint", ep) + tte_columns(f"{KEY}.deaths_from", other)
    if method == "reason":
        needed.append((f"{KEY}.deaths_from", time_to_event_columns(other).reason))
    require_columns(data, needed)
    d = data.dropna(subset=[c for _, c in needed])
    derive = _by_reason if method == "reason" else _by_death_date
    days, status = derive(d, ep, other)
    rule = (
        f"status from {other}'s event reason: progression = cause 1, death = cause 2 (death "
        f"without progression, as {other} counts it), otherwise censored, at {other}'s time"
        if method == "reason" else
        f"cause 1 = progression ({ep}); cause 2 = death ({other}) without documented "
        f"progression, at the death date; otherwise censored at {ep}'s censoring time"
    )
    frame = d.assign(cr_days=days, cr_status=status.astype(int))
    return CompetingData(frame=frame, deaths_from=other, method=method, rule=rule,
                         n_excluded=len(data) - len(d))
