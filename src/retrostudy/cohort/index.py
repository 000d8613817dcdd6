"""The index event: first administration of the index drug within the study window."""

from __future__ import annotations

from dataclasses import dataclass

import ibis
import pandas as pd
from ibis import _

from retrostudy.cohort.conditions import age_at
from retrostudy.cohort.drugs import DrugLookup
from retrostudy.data.store import Store
from retrostudy.protocol.cohort import IndexBlock


@dataclass(frozen=True, slots=True, kw_only=True)
class IndexEvents:
    """Identified patients and those whose first-ever dose precedes the window."""

    identified: pd.DataFrame  # patient_id, index_date, first_ever_date, birth_date, sex, age
    first_ever_before_window: pd.DataFrame  # patient_id, first_ever_date, first_in_window_date


def _in_window(date: ibis.Value, index: IndexBlock) -> ibis.Value:
    test = ibis.literal(True)
    if index.start is not None:
        test &= date >= ibis.literal(index.start)
    if index.end is not None:
        test &= date <= ibis.literal(index.end)
    return test


def index_events(index: IndexBlock, store: Store, drugs: DrugLookup) -> IndexEvents:
    """Find the index date of every patient who received ``index.drug`` in the window.

    ``first_in_window``: index = the first dose inside ``[start, end]``.
    ``first_ever``: index = the first dose ever, kept only when it lies inside the window.
    Either way a patient with a dose in the window whose first-ever dose came earlier is
    listed in ``first_ever_before_window`` (with ``first_ever`` such a patient is not
    identified; with ``first_in_window`` they are, and a "prior index drug" criterion
    usually excludes them).
    """
    adm = store.table("drug_administrations")
    doses = adm.filter(adm.drug.isin(drugs.stored_names(index.drug)))
    per_patient = doses.group_by("patient_id").agg(
        first_ever_date=_.date.min(),
        first_in_window_date=_.date.min(where=_in_window(_.date, index)),
    )
    per_patient = per_patient.filter(per_patient.first_in_window_date.notnull())
    if index.occurrence == "first_ever":
        events = per_patient.filter(_in_window(per_patient.first_ever_date, index))
        events = events.mutate(index_date=events.first_ever_date)
    else:
        events = per_patient.mutate(index_date=per_patient.first_in_window_date)
    people = store.table("patients").select("patient_id", "birth_date", "sex")
    events = events.left_join(people, "patient_id").select(
        "patient_id", "index_date", "first_ever_date", "birth_date", "sex"
    )
    events = events.mutate(age=age_at(events.index_date, events.birth_date))
    early = per_patient.filter(per_patient.first_ever_date < per_patient.first_in_window_date)
    return IndexEvents(
        identified=_sorted(store.execute(events)),
        first_ever_before_window=_sorted(store.execute(early)),
    )


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values("patient_id", kind="stable").reset_index(drop=True)


def base_table(identified: pd.DataFrame) -> ibis.Table:
    """The identified patients as an Ibis table conditions are compiled against."""
    frame = identified[["patient_id", "index_date", "age"]]
    table = ibis.memtable(frame)
    return table.mutate(
        patient_id=table.patient_id.cast("string"),
        index_date=table.index_date.cast("date"),
        age=table.age.cast("int64"),
    )
