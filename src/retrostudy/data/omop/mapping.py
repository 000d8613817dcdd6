"""Each OMOP table → canonical rows, relevant rows and problems, as Ibis expressions.

Nothing here executes: :mod:`.load` materialises the results on the caller's backend, so
the same expressions run on DuckDB and Spark. A :class:`Mapped` keeps, per OMOP table, the
rows whose concept is in a set (``relevant``, with a row ``_id``) and the problems found
on them; rows with a problem are left out of the canonical tables. Problem rows carry
``table, row, column, value, code, message`` (``row`` = the CDM primary key, e.g.
``drug_exposure_id``). The conventions are in :mod:`.concepts`.
"""

from __future__ import annotations

from dataclasses import dataclass

import ibis
import pandas as pd
from ibis import _

from retrostudy.data.omop import order
from retrostudy.data.omop.concepts import concept_set
from retrostudy.data.omop.resolve import ConceptMap
from retrostudy.data.omop.source import ROW_ID, OmopTable
from retrostudy.protocol.omop import OmopBlock

PROBLEM_SCHEMA = ibis.schema({"table": "string", "row": "int64", "column": "string",
                              "value": "string", "code": "string", "message": "string"})


@dataclass(frozen=True, slots=True)
class Mapped:
    source: OmopTable
    relevant: ibis.Table  # relevant rows, with ``_id`` (the row id) among their columns
    problems: list[ibis.Table]


def problem(t: ibis.Table, table: str, cond, column: str, value, code: str,
            message: str | ibis.Value) -> ibis.Table:
    """Rows of ``t`` where ``cond`` holds, as problem rows (``message``: text, or a string
    expression on ``t``)."""
    return t.filter(cond).select(
        table=ibis.literal(table), row=t._id.cast("int64"), column=ibis.literal(column),
        value=ibis.ifelse(value.isnull(), ibis.null("string"), value.cast("string")),
        code=ibis.literal(code),
        message=ibis.literal(message) if isinstance(message, str) else message)


def _date(col) -> ibis.Value:
    return col.cast("date")


def person_rows(t: OmopTable, opt: OmopBlock, keep) -> tuple[ibis.Table, list[ibis.Table]]:
    """``person`` with ``_id``, ``patient_id``, ``birth_date``, ``sex`` and its problems."""
    p = t.table
    cols = set(p.columns)
    pid = (p.person_id.cast("string") if opt.patient_id == "person_id"
           else p.person_source_value.cast("string").strip())
    y = p.year_of_birth.cast("int64")
    m = p.month_of_birth.cast("int64") if "month_of_birth" in cols else ibis.null("int64")
    d = p.day_of_birth.cast("int64") if "day_of_birth" in cols else ibis.null("int64")
    m, d = m.fill_null(7), d.fill_null(1)
    leap = (y % 4 == 0) & ((y % 100 != 0) | (y % 400 == 0))
    long_month = m.isin([1, 3, 5, 7, 8, 10, 12])
    ok_ymd = (y.between(1800, 2200) & m.between(1, 12) & d.between(1, 31)
              & ((d <= 28) | ((d <= 30) & (m != 2)) | long_month | ((d == 29) & leap)))
    ymd = ibis.date(ok_ymd.ifelse(y, 2000), ok_ymd.ifelse(m, 1), ok_ymd.ifelse(d, 1))
    dt = _date(p.birth_datetime) if "birth_datetime" in cols else ibis.null("date")
    birth = dt.fill_null(ok_ymd.ifelse(ymd, ibis.null("date")))
    gender = p.gender_concept_id.cast("int64")
    sex = gender.substitute(concept_set(opt, "gender"), else_=ibis.null("string"))
    rows = keep("rel_person", p.select(
        _id=p.person_id.cast("int64"), patient_id=pid, birth_date=birth, sex=sex,
        _gender=gender, _year=y, _ymd_ok=ok_ymd, _dt=dt))
    dup = rows.group_by("patient_id").agg(_n=_.count()).filter(_._n > 1)
    dup_id = rows.group_by("_id").agg(_k=_.count()).filter(_._k > 1)
    rows_d = rows.left_join(dup, "patient_id").select(rows, _dup=dup._n.notnull())
    rows_i = rows.semi_join(dup_id, "_id")
    probs = [
        problem(rows, "person", rows.patient_id.isnull() | (rows.patient_id == ""),
                opt.patient_id, rows.patient_id, "missing_value", "person has no patient id"),
        problem(rows, "person", rows._dt.isnull() & rows._year.isnull(), "year_of_birth",
                rows._year, "missing_value", "no birth_datetime and no year_of_birth"),
        problem(rows, "person", rows._dt.isnull() & rows._year.notnull() & ~rows._ymd_ok,
                "year_of_birth", rows._year, "invalid_value",
                "year/month/day of birth is not a calendar date"),
        problem(rows, "person", rows._gender.isnull(), "gender_concept_id", rows._gender,
                "missing_value", "no gender_concept_id"),
        problem(rows, "person", rows._gender.notnull() & rows.sex.isnull(), "gender_concept_id",
                rows._gender, "invalid_value", "gender concept not in [data.omop] gender"),
        problem(rows_d, "person", rows_d._dup, "patient_id", rows_d.patient_id,
                "duplicate_key", "more than one person has this patient id"),
        problem(rows_i, "person", ibis.literal(True), "person_id", rows_i._id, "duplicate_key",
                "more than one person row has this person_id"),
    ]
    return rows, probs


def attach(rel: ibis.Table, persons: ibis.Table, table: str, column: str | None = None) -> tuple:
    """``rel`` with the ``patient_id``, ``_birth`` and ``_death`` of its (accepted) person,
    and a function giving, on the kept ``rel``, the ``unknown_patient`` problems (the
    person is not there: its patient_id is null) and, when ``column`` names the record's
    date column, the ``before_birth`` / ``after_death`` ones (:mod:`.order`)."""
    dated = column is not None
    out = rel.left_join(persons, rel.person_id == persons._pid).select(
        rel, patient_id=persons.patient_id, _known=persons._pid.notnull(),
        **({"_birth": persons.birth_date, "_death": persons.death_date} if dated else {}))

    def problems(r: ibis.Table, problem=problem) -> list[ibis.Table]:
        unknown = problem(r, table, ~r._known, "person_id", r.person_id, "unknown_patient",
                          "person_id not in person (or the person was rejected)")
        return [unknown, *(order.record_problems(r, table, column, problem) if dated else ())]

    return out, problems


def drug_rows(t: OmopTable, cmap: ConceptMap, opt: OmopBlock, keep, persons) -> tuple:
    """``drug_exposure`` → relevant rows (one per matched drug, column ``drug``), problems,
    and the relevant OMOP rows themselves (one per row, for counting them).

    Which drugs a row means depends only on its two concept ids, so the concept-set
    resolution runs on the distinct pairs (a few hundred rows), and the big table is joined
    once with the resolved pairs.
    """
    de = t.table
    cols = set(de.columns)
    src_cid = (de.drug_source_concept_id.cast("int64") if "drug_source_concept_id" in cols
               else ibis.null("int64"))
    base = de.select(
        _id=de.drug_exposure_id.cast("int64"), person_id=de.person_id.cast("int64"),
        _cid=de.drug_concept_id.cast("int64"), _scid=src_cid,
        date=_date(de.drug_exposure_start_date), end_date=_date(de.drug_exposure_end_date),
        _stop=de.stop_reason.cast("string") if "stop_reason" in cols else ibis.null("string"),
        drug_source=(de.drug_source_value.cast("string") if "drug_source_value" in cols
                     else ibis.null("string")))
    pairs = keep("drug_pairs", base.select("_cid", "_scid").distinct())
    drugs = keep("drug_map", _pair_drugs(pairs, cmap, "drug_source_concept_id" in cols))
    keys = drugs.select("_cid", "_scid").distinct()
    matched = base.join(drugs, _pair_key(base, drugs)).select(base, drug=drugs.drug)
    reasons = keep("reasons", ibis.memtable(pd.DataFrame(
        list(concept_set(opt, "stop_reasons").items()), columns=["_text", "_mapped"]),
        schema={"_text": "string", "_mapped": "string"}))
    matched = matched.mutate(_reason=matched._stop.strip().lower())
    rel, checks = attach(matched.left_join(reasons, matched._reason == reasons._text).select(
        matched, discontinuation_reason=reasons._mapped), persons, t.name,
        "drug_exposure_start_date")
    rel = rel.drop("_cid", "_scid")

    def probs_of(r: ibis.Table, problem=problem) -> list[ibis.Table]:
        return [
            *checks(r, problem),
            problem(r, "drug_exposure", r.date.isnull(), "drug_exposure_start_date", r.date,
                    "missing_value", "no drug_exposure_start_date"),
            problem(r, "drug_exposure", r.end_date < r.date, "drug_exposure_end_date",
                    r.end_date, "end_before_start", "drug_exposure_end_date before the start"),
            problem(r, "drug_exposure", (r._reason != "") & r.discontinuation_reason.isnull(),
                    "stop_reason", r._stop, "invalid_value",
                    "stop_reason not in [data.omop] stop_reasons"),
        ]

    probs = probs_of(keep("drug_suspects", rel.filter(ibis.or_(*_conditions(probs_of, rel)))))
    return rel, probs, base.semi_join(keys, _pair_key(base, keys))


def _conditions(probs_of, rel: ibis.Table) -> list[ibis.Value]:
    """The conditions of the problems ``probs_of`` finds on ``rel``: filtering ``rel`` by
    their disjunction keeps, in one pass, every row any of them can flag (the problems are
    then found on those few rows; ``rel`` itself stays a query, never a stored copy)."""
    conds = []

    def note(t, table, cond, *args):
        conds.append(cond.fill_null(False))
        return problem(t, table, cond, *args)

    probs_of(rel, note)
    return conds


def _pair_key(a: ibis.Table, b: ibis.Table) -> ibis.Value:
    """``(_cid, _scid)`` equal, a missing id matching a missing one (IS NOT DISTINCT FROM)."""
    return a._cid.identical_to(b._cid) & a._scid.identical_to(b._scid)


def _pair_drugs(pairs: ibis.Table, cmap: ConceptMap, by_source: bool) -> ibis.Table:
    """The drugs of each ``(_cid, _scid)`` pair: the drug concept's matches (through its
    ancestors), plus the source concept's direct matches (e.g. a salt); a product match
    (priority 1) replaces the ingredient matches of the same pair; one row per drug."""
    exp = cmap.expanded.filter(_.kind == "drug")
    hits = pairs.join(exp, pairs._cid == exp.concept_id).select(
        pairs._cid, pairs._scid, drug=exp.value, priority=exp.priority)
    if by_source:
        direct = cmap.direct.filter(_.kind == "drug")
        src = pairs.join(direct, pairs._scid == direct.concept_id).select(
            pairs._cid, pairs._scid, drug=direct.value, priority=direct.priority)
        hits = hits.union(src, distinct=False)
    per = hits.group_by(["_cid", "_scid", "drug"]).agg(priority=_.priority.max())
    top = per.group_by(["_cid", "_scid"]).agg(_top=_.priority.max())
    per = per.join(top, _pair_key(per, top)).select(per, _top=top._top)
    return per.filter(per.priority == per._top).select("_cid", "_scid", "drug")


def condition_rows(t: OmopTable, cmap: ConceptMap, keep, persons) -> tuple:
    """``condition_occurrence`` → ``(_id, kind, value)`` matches (condition or site)."""
    co = t.table
    base = co.select(_id=co.condition_occurrence_id.cast("int64"),
                     person_id=co.person_id.cast("int64"),
                     _cid=co.condition_concept_id.cast("int64"),
                     date=_date(co.condition_start_date))
    exp = cmap.expanded.filter(_.kind.isin(["condition", "site"]))
    matches = keep("m_condition", base.join(exp, base._cid == exp.concept_id).select(
        base._id, _kind=exp.kind, value=exp.value).distinct())
    rel, checks = attach(base.semi_join(matches, "_id"), persons, t.name,
                         "condition_start_date")
    rel = keep("rel_condition", rel)
    probs = [*checks(rel),
             problem(rel, "condition_occurrence", rel.date.isnull(), "condition_start_date",
                     rel.date, "missing_value", "no condition_start_date")]
    return matches, rel, probs


def measurement_rows(t: OmopTable, cmap: ConceptMap, keep, persons) -> tuple:
    """``measurement`` rows of the receptor, response and ECOG sets, with their values."""
    ms = t.table
    cols = set(ms.columns)
    base = ms.select(
        _id=ms.measurement_id.cast("int64"), person_id=ms.person_id.cast("int64"),
        _cid=ms.measurement_concept_id.cast("int64"), date=_date(ms.measurement_date),
        _num=ms.value_as_number.cast("float64"), _vcid=ms.value_as_concept_id.cast("int64"),
        value=(ms.value_source_value.cast("string") if "value_source_value" in cols
               else ibis.null("string")))
    sets = cmap.direct.filter(_.kind.isin(["receptor", "response", "ecog"]))
    rel = base.join(sets, base._cid == sets.concept_id).select(
        base, _kind=sets.kind, _v=sets.value, _x=sets.extra)
    results = cmap.direct.filter(_.kind.isin(["receptor_result", "response_value"]))
    results = results.mutate(_for=ibis.ifelse(results.kind == "receptor_result", "receptor",
                                              "response"))
    rel, checks = attach(rel.left_join(
        results, (rel._vcid == results.concept_id) & (rel._kind == results._for)).select(
        rel, _result=results.value), persons, t.name, "measurement_date")
    rel = keep("rel_measurement", rel)
    probs = [*checks(rel), *_value_problems(rel, "measurement")]
    probs.append(problem(rel, "measurement", rel._kind.isin(["receptor", "response"])
                         & rel._result.isnull(), "value_as_concept_id", rel._vcid,
                         "invalid_value", "value concept not in [data.omop] receptor_results / "
                         "response_values"))
    return rel, probs


def observation_rows(t: OmopTable, cmap: ConceptMap, keep, persons) -> tuple:
    """``observation`` rows of the ECOG set."""
    ob = t.table
    base = ob.select(_id=ob.observation_id.cast("int64"), person_id=ob.person_id.cast("int64"),
                     _cid=ob.observation_concept_id.cast("int64"),
                     date=_date(ob.observation_date), _num=ob.value_as_number.cast("float64"))
    sets = cmap.direct.filter(_.kind == "ecog")
    rel, checks = attach(base.join(sets, base._cid == sets.concept_id).select(
        base, _kind=sets.kind), persons, t.name, "observation_date")
    rel = keep("rel_observation", rel)
    return rel, [*checks(rel), *_value_problems(rel, "observation")]


def _value_problems(rel: ibis.Table, table: str) -> list[ibis.Table]:
    ecog_ok = rel._num.isin([0.0, 1.0, 2.0, 3.0, 4.0, 5.0])
    date_col = f"{table}_date"
    return [
        problem(rel, table, rel.date.isnull(), date_col, rel.date, "missing_value",
                f"no {date_col}"),
        problem(rel, table, (rel._kind == "ecog") & ~ecog_ok.fill_null(False), "value_as_number",
                rel._num, "invalid_value", "ECOG score must be a whole number 0 to 5"),
    ]


def procedure_rows(t: OmopTable, cmap: ConceptMap, keep, persons) -> tuple:
    """``procedure_occurrence`` rows of the surgery set."""
    po = t.table
    base = po.select(_id=po.procedure_occurrence_id.cast("int64"),
                     person_id=po.person_id.cast("int64"),
                     _cid=po.procedure_concept_id.cast("int64"), date=_date(po.procedure_date))
    exp = cmap.expanded.filter(_.kind == "surgery")
    matches = keep("m_procedure", base.join(exp, base._cid == exp.concept_id).select(
        base._id, value=exp.value).distinct())
    rel, checks = attach(base.semi_join(matches, "_id"), persons, t.name, "procedure_date")
    rel = keep("rel_procedure", rel)
    probs = [*checks(rel), problem(rel, "procedure_occurrence", rel.date.isnull(),
                                   "procedure_date", rel.date, "missing_value",
                                   "no procedure_date")]
    return matches, rel, probs


def per_person(t: OmopTable, column: str, keep, persons, stage: str = "") -> tuple:
    """``death``/``observation_period`` rows (one date each, row id = person_id)."""
    tb = t.table
    rel, checks = attach(tb.select(_id=tb[ROW_ID[t.name]].cast("int64"),
                                   person_id=tb.person_id.cast("int64"), date=_date(tb[column])),
                         persons, t.name)
    rel = keep(f"rel_{t.name}{stage}", rel)
    probs = [*checks(rel), problem(rel, t.name, rel.date.isnull(), column, rel.date,
                                   "missing_value", f"no {column}")]
    return rel, probs
