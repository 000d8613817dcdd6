"""Time to treatment discontinuation (TTD), time to next treatment (TTNT), and reasons.

TTD (Blumenthal et al., FDA: "from starting a medication to treatment discontinuation or
death"; rwTTD data steps per PMC10955397 table 1; docs/sources.md, [V]):

- administrations of ``drug`` on or after the index date (``end_date`` when later than
  ``date``), not after death; the last one is the last administration;
- discontinued when a ``discontinuation_reason`` is recorded on one of them, or the patient
  died, or a new line started after the index date, or more than ``gap_days`` separate the
  last administration from the last date known alive; otherwise ongoing, censored at the
  last date known alive (``censored_ongoing``);
- discontinuation date = last administration + ``extension_days``, or the death date if
  earlier;
- reason = the latest recorded reason; else ``next_treatment`` if a new line started; else
  ``death`` if the patient died within ``gap_days`` of the last administration; else
  ``unknown``.

TTNT ([M]; docs/sources.md; a named rule set of the time-to-event engine,
``sources.ttnt_rules``): from the index date to the start of the first line of therapy
starting after it (``next_treatment``), or death if listed in ``events`` (else censored at
death, ``censored_death``); otherwise censored at the last date known alive.
"""

from __future__ import annotations

import ibis
import numpy as np
import pandas as pd

from retrostudy.data.store import Store
from retrostudy.endpoints import tte
from retrostudy.endpoints.records import Records, count_row
from retrostudy.endpoints.tte import NONE, TimeToEvent
from retrostudy.protocol.endpoints import TtdEndpoint, TtntEndpoint

UNKNOWN = "unknown"


def _administrations(store: Store, cohort, drug: str):
    t = store.table("drug_administrations")
    t = t.filter(t.drug == drug)
    j = t.inner_join(cohort, t.patient_id == cohort.patient_id)
    start = j.date.cast("date")
    end = j.end_date.cast("date").fill_null(start)
    end = (end < start).ifelse(start, end)
    index = j.index_date.cast("date")
    q = j.select("pid", "death_day", start=start.delta(index, unit="day"),
                 day=end.delta(index, unit="day"), reason=j.discontinuation_reason)
    return q.filter(q.start >= 0)


def ttd_inputs(store: Store, cohort, rec: Records, drug: str) -> tuple[np.ndarray, np.ndarray,
                                                                      list[dict]]:
    """Per patient: last administration day (NONE if none) and last recorded reason."""
    q = _administrations(store, cohort, drug)
    late = q.start > q.death_day
    kept = q.filter(~late)
    has_reason = kept.reason.notnull()
    df = store.execute(kept.group_by("pid").aggregate(
        day=kept.day.max(),
        reason=has_reason.ifelse(kept.reason, ibis.null("string")).argmax(
            has_reason.ifelse(kept.start, ibis.null("int64"))),
    ))
    n_late = int(store.execute(q.filter(late).count()))
    rows = []
    if n_late:
        rows.append(count_row("administration_after_death", "drug_administrations", n_late,
                              0, "ignored for TTD"))
    last = np.full(rec.n, NONE, dtype=np.int64)
    reason = np.full(rec.n, None, dtype=object)
    pid = df["pid"].to_numpy(dtype=np.int64)
    last[pid] = np.minimum(df["day"].to_numpy(dtype=np.int64), rec.death_day[pid])
    reason[pid] = df["reason"].astype(object).where(df["reason"].notna(), None).to_numpy()
    return last, reason, rows


def derive_ttd(spec: TtdEndpoint, rec: Records, alive_day: np.ndarray, last: np.ndarray,
               recorded: np.ndarray) -> tuple[TimeToEvent, np.ndarray]:
    """TTD outcome, and the discontinuation reason per patient (None while ongoing)."""
    n = rec.n
    given = pd.notna(recorded)
    death, nt = rec.death_day, rec.next_therapy_day
    none = last == NONE
    dead = death != NONE
    gap = (alive_day - last) > spec.gap_days
    stopped = ~none & (given | dead | (nt != NONE) | gap)
    stop_day = np.minimum(np.where(none, 0, last) + spec.extension_days, death)
    why = np.select(
        [given, nt != NONE, dead & (death - last <= spec.gap_days)],
        [recorded, tte.NEXT_TREATMENT, tte.DEATH],
        UNKNOWN,
    ).astype(object)
    day, event, _ = tte.decide(n, [
        (none, np.zeros(n, dtype=np.int64), 0, tte.CENSORED_NO_ADMINISTRATION),
        (stopped, stop_day, 1, "discontinued"),
        (np.ones(n, dtype=bool), np.maximum(alive_day, np.where(none, 0, last)), 0,
         tte.CENSORED_ONGOING),
    ])
    reason = np.where(none, tte.CENSORED_NO_ADMINISTRATION,
                      np.where(stopped, why, tte.CENSORED_ONGOING))
    out = TimeToEvent(origin_day=np.zeros(n, dtype=np.int64), day=day, event=event,
                      reason=reason, applies=np.ones(n, dtype=bool))
    return out, np.where(stopped, why, None)


def describe_ttd(name: str, spec: TtdEndpoint) -> str:
    ext = f" + {spec.extension_days} days" if spec.extension_days else ""
    return (f"{spec.label or name}: time from the index date to discontinuation of {spec.drug} "
            f"(last administration{ext}) or death. Discontinued = a recorded reason, death, a "
            f"new line of therapy, or more than {spec.gap_days} days from the last "
            "administration to the last date known alive; otherwise ongoing, censored at the "
            "last date known alive.")


def describe_ttnt(name: str, spec: TtntEndpoint) -> str:
    ev = " or death" if "death" in spec.events else " (censored at death)"
    return (f"{spec.label or name}: time from the index date to the start of the next line of "
            f"therapy{ev}; otherwise censored at the last date known alive.")
