"""Overall survival and the "last date known alive" it is censored at.

OS is a named rule set of the time-to-event engine (``sources.os_rules``: events = death,
censor = last date known alive); this module finds the last date known alive.

Rule (admiralonco ``death_event`` / ``lastalive_censor``, [V]; docs/sources.md): event = death
from any cause, at the death date; otherwise censored at the last date known alive, which
is the latest of the index date, ``patients.last_contact_date`` and the latest dated record
of the patient in the tables named by ``last_alive_from`` (tumour assessments, drug
administrations (their ``end_date`` when later), observations). Records dated after a
recorded death are ignored and counted (records.py); a death always ends follow-up.
"""

from __future__ import annotations

import ibis
import numpy as np

from retrostudy.data.store import Store
from retrostudy.endpoints.records import Records, count_row
from retrostudy.endpoints.tte import NONE
from retrostudy.protocol.endpoints import OsEndpoint

_SOURCES = ("tumor_assessments", "drug_administrations", "observations")


def _record_days(store: Store, cohort, table: str):
    """(pid, day, death_day) of every record of ``table`` for the cohort (``cohort`` carries
    ``death_day``, NONE when alive); administrations count up to their ``end_date``."""
    t = store.table(table)
    j = t.inner_join(cohort, t.patient_id == cohort.patient_id)
    date = j.date.cast("date")
    if table == "drug_administrations":
        end = j.end_date.cast("date").fill_null(date)
        date = (end < date).ifelse(date, end)
    return j.select("pid", "death_day", day=date.delta(j.index_date.cast("date"), unit="day"))


def last_alive(
    store: Store, cohort, rec: Records, sources: tuple[str, ...]
) -> tuple[np.ndarray, list[dict]]:
    """Per patient, the last day known alive (>= 0) and count rows for after-death records."""
    best = np.zeros(rec.n, dtype=np.int64)  # index date: the patient was alive on it
    if "last_contact" in sources:
        best = np.maximum(best, np.where(rec.last_contact_day == NONE, 0, rec.last_contact_day))
    tables = [s for s in _SOURCES if s in sources]
    if not tables:
        return best, []
    q = ibis.union(*(_record_days(store, cohort, t).mutate(source=ibis.literal(t))
                     for t in tables))
    late = q.day > q.death_day
    df = store.execute(q.group_by(["pid", "source"]).aggregate(
        day=late.ifelse(ibis.null("int64"), q.day).max(), n_late=late.cast("int64").sum()
    ))
    pid = df["pid"].to_numpy(dtype=np.int64)
    day = df["day"].astype("Float64").fillna(0).to_numpy(dtype=np.int64)
    np.maximum.at(best, pid, day)
    rows = []
    for table, g in df.groupby("source"):
        n_late = g["n_late"].to_numpy(dtype=np.int64)
        if n_late.any() and table != "tumor_assessments":  # assessments: counted in records.py
            rows.append(count_row(f"{table}_after_death", table, n_late.sum(),
                                  (n_late > 0).sum(), "ignored for the last date known alive"))
    return best, rows


def describe_os(name: str, spec: OsEndpoint) -> str:
    sources = ", ".join(s.replace("_", " ") for s in spec.last_alive_from)
    return (f"{spec.label or name}: time from the index date to death from any cause; patients "
            f"alive are censored at the last date known alive (latest of the index date and "
            f"{sources}; records dated after death ignored).")
