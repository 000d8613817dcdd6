"""Compile protocol conditions to Ibis expressions over the canonical tables.

Every condition becomes a table of the ``patient_id`` s (of ``base``) that match it. ``base``
holds one row per patient with ``patient_id``, ``index_date`` and ``age``. Windows are days
relative to ``index_date`` (``record date - index date``), both ends inclusive; a record is
placed at its ``date`` (for regimen-level drug records, the regimen start).
"""

from __future__ import annotations

import math
from functools import reduce

import ibis
from ibis import _

from retrostudy.cohort.drugs import DrugLookup
from retrostudy.data.store import Store
from retrostudy.protocol.conditions import (
    AgeCondition,
    AllCondition,
    AnyCondition,
    BiomarkerCondition,
    DiagnosisCondition,
    DrugCondition,
    NotCondition,
    ObservationCondition,
)


def days_from_index(table: ibis.Table) -> ibis.Value:
    """Whole days from ``index_date`` to ``date`` (negative before the index day)."""
    return table.date.delta(table.index_date, unit="day")


def in_window(day: ibis.Value, window: tuple[float, float]) -> ibis.Value:
    """``start <= day <= end`` with open (infinite) ends dropped."""
    start, end = window
    tests = []
    if not math.isinf(start):
        tests.append(day >= int(start))
    if not math.isinf(end):
        tests.append(day <= int(end))
    return reduce(lambda a, b: a & b, tests, ibis.literal(True))


def matching(condition, base: ibis.Table, store: Store, drugs: DrugLookup) -> ibis.Table:
    """The patients of ``base`` (a table with ``patient_id``) that satisfy ``condition``."""
    compile_ = _COMPILERS[type(condition)]
    return compile_(condition, base, store, drugs)


def _ids(table: ibis.Table) -> ibis.Table:
    return table.select("patient_id").distinct()


def _windowed(
    records: ibis.Table, base: ibis.Table, window, keys: tuple[str, ...], min_count: int
) -> ibis.Table:
    joined = records.join(base.select("patient_id", "index_date"), "patient_id")
    joined = joined.filter(in_window(days_from_index(joined), window))
    if min_count <= 1:
        return _ids(joined)
    counts = (
        joined.select("patient_id", *keys, "date")
        .distinct()
        .group_by("patient_id")
        .agg(n=_.count())
    )
    return counts.filter(counts.n >= min_count).select("patient_id")


def _drug(cond: DrugCondition, base, store, drugs) -> ibis.Table:
    t = store.table("drug_administrations")
    t = t.filter(t.drug.isin(drugs.stored_names(cond.drug)))
    return _windowed(t, base, cond.window, ("drug",), cond.min_count)


def _diagnosis(cond: DiagnosisCondition, base, store, drugs) -> ibis.Table:
    t = store.table("diagnoses")
    t = t.filter(t.diagnosis.lower().strip().isin([d.lower() for d in cond.diagnosis]))
    return _windowed(t, base, cond.window, ("diagnosis",), cond.min_count)


def _biomarker(cond: BiomarkerCondition, base, store, drugs) -> ibis.Table:
    t = store.table("biomarkers")
    t = t.filter((t.marker == cond.biomarker) & (t.result == cond.result))
    if cond.specimen is not None:
        t = t.filter(t.specimen == cond.specimen)
    return _windowed(t, base, cond.window, ("marker",), 1)


def _observation(cond: ObservationCondition, base, store, drugs) -> ibis.Table:
    t = store.table("observations")
    t = t.filter(t.name.lower() == cond.observation.lower())
    if cond.value is not None:
        t = t.filter(t.value.lower().strip().isin([v.lower() for v in cond.value]))
    return _windowed(t, base, cond.window, ("value",), cond.min_count)


def _age(cond: AgeCondition, base, store, drugs) -> ibis.Table:
    test = base.age.notnull()
    if cond.age.min is not None:
        test &= base.age >= cond.age.min
    if cond.age.max is not None:
        test &= base.age <= cond.age.max
    return _ids(base.filter(test))


def _all(cond: AllCondition, base, store, drugs) -> ibis.Table:
    parts = [matching(c, base, store, drugs) for c in cond.all]
    return reduce(lambda a, b: a.intersect(b), parts)


def _any(cond: AnyCondition, base, store, drugs) -> ibis.Table:
    parts = [matching(c, base, store, drugs) for c in cond.any]
    return reduce(lambda a, b: a.union(b), parts)


def _not(cond: NotCondition, base, store, drugs) -> ibis.Table:
    return _ids(base).difference(matching(cond.not_, base, store, drugs))


_COMPILERS = {
    DrugCondition: _drug,
    DiagnosisCondition: _diagnosis,
    BiomarkerCondition: _biomarker,
    ObservationCondition: _observation,
    AgeCondition: _age,
    AllCondition: _all,
    AnyCondition: _any,
    NotCondition: _not,
}


def age_at(index_date: ibis.Value, birth_date: ibis.Value) -> ibis.Value:
    """Completed years from ``birth_date`` to ``index_date`` (birthday on the day counts)."""
    years = index_date.year() - birth_date.year()
    before_birthday = (index_date.month() * 100 + index_date.day()) < (
        birth_date.month() * 100 + birth_date.day()
    )
    return years - before_birthday.cast("int64")
