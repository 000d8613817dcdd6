"""Impossible date order on the mapped OMOP rows: the records path's checks, per OMOP row.

The canonical loader (:func:`retrostudy.data.checks.structure_problems`) flags three
classes; here they are found on the OMOP rows that make up each canonical row, with the
same codes, messages and ``[data.policy]`` (all ``error`` by default):

``death_before_birth``
    the person's death date (earliest ``death.death_date``) before the birth date
    (``birth_datetime``, else ``year/month/day_of_birth``). Reported on the ``person`` row,
    column ``death.death_date``.
``before_birth``
    the last contact (latest ``observation_period_end_date``) before birth: on the
    ``person`` row, column ``observation_period.observation_period_end_date``; and any
    record (drug_exposure, measurement, observation, condition_occurrence,
    procedure_occurrence) whose date is before birth: on that row, its date column.
``after_death``
    the last contact after the death date (``person`` row), and any record dated after the
    death date (that row; as in the records path, a record's *start* date is compared).

A person with a patient-level problem is rejected as a whole, as a canonical ``patients``
row is: its death and observation_period rows and all its records are then
``unknown_patient`` ("the person was rejected"), as the records of a rejected patient are.
Dates outside 1900-2100 are not compared (the records path reports those as
``invalid_date``; the comparison would mean nothing). Messages are the records path's
("record dated after death (record 2016-12-02, death 2016-12-01)").
"""

from __future__ import annotations

import ibis

from retrostudy.data.dates import MAX_YEAR, MIN_YEAR

PERSON_COLUMNS = {
    "death_date": "death.death_date",
    "last_contact_date": "observation_period.observation_period_end_date",
}
"""How a person-level problem names the OMOP column holding the offending date."""
_LABEL = {"birth_date": "birth", "death_date": "death", "last_contact_date": "last contact",
          "date": "record"}


def _in_range(d) -> ibis.Value:
    return d.year().between(MIN_YEAR, MAX_YEAR)


def _text(d) -> ibis.Value:
    return d.cast("string")


def _message(text: str, early: str, early_v, late: str, late_v) -> ibis.Value:
    """``text (early E, late L)`` as the records path writes it."""
    return (ibis.literal(f"{text} ({_LABEL[early]} ") + _text(early_v)
            + ibis.literal(f", {_LABEL[late]} ") + _text(late_v) + ibis.literal(")"))


def _late_before_early(late, early) -> ibis.Value:
    return (late < early).fill_null(False) & _in_range(late).fill_null(False) \
        & _in_range(early).fill_null(False)


def person_problems(p: ibis.Table, problem) -> list[ibis.Table]:
    """Patient-level order problems of ``p`` (one row per person: ``_id, birth_date,
    death_date, last_contact_date``) as ``person`` problem rows (``problem`` is
    :func:`retrostudy.data.omop.mapping.problem`)."""
    checks = (  # (late, early, code, text, shown)
        ("death_date", "birth_date", "death_before_birth", "death date before birth date",
         "death_date"),
        ("last_contact_date", "birth_date", "before_birth", "last contact before birth date",
         "last_contact_date"),
        ("death_date", "last_contact_date", "after_death", "last contact after death date",
         "last_contact_date"),
    )
    out = []
    for late, early, code, text, shown in checks:
        out.append(problem(p, "person", _late_before_early(p[late], p[early]),
                           PERSON_COLUMNS[shown], p[shown], code,
                           _message(text, early, p[early], late, p[late])))
    return out


def record_problems(rel: ibis.Table, table: str, column: str, problem) -> list[ibis.Table]:
    """``before_birth`` / ``after_death`` of records: ``rel`` has ``date`` (the record's,
    from OMOP column ``column``) and ``_birth``, ``_death`` of its person."""
    before = _late_before_early(rel.date, rel._birth)
    after = _late_before_early(rel._death, rel.date)
    return [
        problem(rel, table, before, column, rel.date, "before_birth",
                _message("record dated before birth", "birth_date", rel._birth, "date",
                         rel.date)),
        problem(rel, table, after, column, rel.date, "after_death",
                _message("record dated after death", "date", rel.date, "death_date",
                         rel._death)),
    ]
