"""Load an OMOP CDM v5.4 database as the canonical tables, accounting for every row.

:func:`check_omop` opens the CDM (:mod:`.source`), resolves the concept sets
(:mod:`.resolve`), builds every canonical table as an Ibis expression on the caller's
backend (:mod:`.mapping`) and materialises it there under its canonical name, so
:class:`~retrostudy.data.store.Store` reads it unchanged on DuckDB or Spark. Per OMOP table:
rows read = mapped + not relevant (concept in no set) + rejected (a problem: unknown person,
missing date, end before start, unknown value concept, ...); checked here. Rejected rows are
in the ``rejects`` table and, up to ``MAX_EXAMPLES`` per class, in ``problems``; the
``[data] policy`` decides which classes stop loading (:func:`load_omop` raises then).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from types import MappingProxyType

import ibis
import pandas as pd
from ibis import _

from retrostudy.data.csv_files import SCRATCH, attach_scratch, detach_scratch
from retrostudy.data.engines import compact
from retrostudy.data.omop import mapping as m
from retrostudy.data.omop import order
from retrostudy.data.omop.episodes import map_episodes
from retrostudy.data.omop.resolve import resolve
from retrostudy.data.omop.source import ATTACHED, OmopTable, attached, open_cdm, table_names
from retrostudy.data.result import HINTS as _CSV_HINTS
from retrostudy.data.result import MAX_EXAMPLES, Finding, LoadResult, SourceFile
from retrostudy.data.schema import TABLES
from retrostudy.data.store import Store, duckdb_backend, ibis_schema
from retrostudy.errors import DataError, Problem
from retrostudy.protocol.data import DataBlock

PIECE_ROWS = 10_000_000
"""Rows of a canonical table written per statement on DuckDB (:meth:`_Run.publish`):
about 1.1 GB uncompressed for the administrations. At 1M persons (40.8M administrations)
10M-row pieces loaded in 40.7 CPU-s with a 1.79 GB peak, 4M-row pieces in 47.5 CPU-s with
1.28 GB (back to back; docs/scaling.md)."""

HINTS = {**_CSV_HINTS,
         "unknown_patient": "add the person to person, or fix person_id",
         "unknown_event": "fix episode_event.episode_id / event_id, or the row they point to",
         "invalid_value": "map the concept or text in [data.omop], or fix the value",
         "missing_value": "fill the value, or remove the row from the CDM",
         "end_before_start": "check drug_exposure_start_date and drug_exposure_end_date",
         "death_before_birth": "check the person's year/month/day_of_birth (or birth_datetime) "
                               "and death.death_date",
         "before_birth": "check the date and the person's year/month/day_of_birth (or "
                         "birth_datetime)",
         "after_death": "check the date and the person's death.death_date"}


@dataclass(frozen=True, slots=True, kw_only=True)
class OmopCount:
    """Rows of one OMOP table: ``read = loaded + not_relevant + rejected``."""

    read: int
    loaded: int  # mapped into canonical rows
    rejected: int
    not_relevant: int  # concept in no concept set


def load_omop(block: DataBlock, base_dir: str | Path = ".", backend=None) -> LoadResult:
    """Map the CDM; raise :class:`DataError` listing every error-policy problem."""
    result = check_omop(block, base_dir, backend)
    if not result.ok:
        raise DataError(result.reported_errors())
    return result


def check_omop(block: DataBlock, base_dir: str | Path = ".", backend=None) -> LoadResult:
    """Map the CDM into ``backend``; report problems instead of raising for bad rows."""
    backend = backend if backend is not None else duckdb_backend()
    run = _Run(backend, block)
    if backend.name == "duckdb":  # working tables in a scratch file, deleted at the end
        attach_scratch(backend.con, Path(base_dir) / block.temp_directory
                       if block.temp_directory else None)
        run.scratch = True
    try:
        cdm = open_cdm(block, Path(base_dir), backend)
        cmap = resolve(block.omop, cdm, backend)
        # real tables, not in-memory ones: engines then know their (small) size when
        # planning the joins with the CDM tables
        cmap = replace(cmap, direct=run.keep("cmap", cmap.direct),
                       expanded=run.keep("cmap_expanded", cmap.expanded))
        run.map_all(cdm, cmap)
        findings = run.findings(cmap.unresolved)
    finally:
        run.cleanup()
    files = tuple(SourceFile(table=t.name, path=t.path or t.shown, sha256=t.sha256)
                  for t in cdm.values() if t.name in m.ROW_ID)
    return LoadResult(store=Store(backend), counts=MappingProxyType(run.counts),
                      problems=findings, files=files, date_formats=MappingProxyType({}))


class _Run:
    """One mapping run: working tables (dropped at the end), counts and problems."""

    def __init__(self, backend, block: DataBlock):
        self.backend, self.block, self.opt = backend, block, block.omop
        self.work: list[str] = []
        self.counts: dict[str, OmopCount] = {}
        self.problems: dict[str, ibis.Table] = {}
        self.shown: dict[str, str] = {}
        self.scratch = False

    def keep(self, name: str, expr: ibis.Table) -> ibis.Table:
        """Materialise a working table ``_omop_<name>``: on DuckDB in the scratch database
        when one is attached (:func:`~retrostudy.data.csv_files.attach_scratch`), where it
        is written compressed and its blocks can leave memory (the measurement rows of 1M
        persons are 0.8 GB as a temporary table in memory), else a temporary table."""
        full = f"_omop_{name}"
        self.work.append(full)
        if self.scratch:
            return self.backend.create_table(full, expr, database=(SCRATCH, "main"),
                                             overwrite=True)
        temp = self.backend.name == "duckdb"
        return self.backend.create_table(full, expr, temp=temp or None, overwrite=True)

    def publish(self, name: str, expr: ibis.Table, of: OmopTable | None = None) -> None:
        """Materialise canonical table ``name`` with exactly its typed columns and where
        each row came from (:data:`~retrostudy.data.store.SOURCE_COLUMNS`: the OMOP
        table's file or name, and the row's primary key, as in ``rejects``).

        ``of``: the OMOP table whose primary key every row's ``source_row`` is. On DuckDB a
        table of more than :data:`PIECE_ROWS` rows is then written by ranges of that key,
        each compressed by a checkpoint before the next: DuckDB keeps a freshly written
        in-memory table uncompressed until a checkpoint, so the 40.8M administrations of
        1M persons written by one statement held 4.7 GB at once; by ranges the peak is one
        range's worth. The rows are those of one statement (each range holds the rows of
        its keys; a row's key is never null)."""
        schema = ibis_schema(TABLES[name])
        expr = expr.select(**{c: expr[c].cast(t) for c, t in schema.items()},
                           source_file=expr.source_file.cast("string"),
                           source_row=expr.source_row.cast("int64"))
        ranges = self._ranges(of) if of is not None and self.backend.name == "duckdb" else []
        if len(ranges) < 2:
            self.backend.create_table(name, expr, overwrite=True)
            compact(self.backend)
            return
        self.backend.create_table(name, schema=expr.schema(), overwrite=True)
        for lo, hi in ranges:
            self.backend.insert(name, expr.filter(expr.source_row.between(lo, hi)))
            compact(self.backend)

    def _ranges(self, t: OmopTable) -> list[tuple[int, int]]:
        """Ranges ``[lo, hi]`` of ``t``'s primary key covering every row, about
        :data:`PIECE_ROWS` rows each when the keys are spread evenly (one range when
        ``t`` loaded fewer rows)."""
        n = self.counts[t.name].loaded
        if n <= PIECE_ROWS:
            return []
        key = t.table[m.ROW_ID[t.name]].cast("int64")
        lo, hi = self.backend.execute(t.table.aggregate(lo=key.min(), hi=key.max())).iloc[0]
        if pd.isna(lo):
            return []
        lo, hi = int(lo), int(hi)
        step = -(-(hi - lo + 1) * PIECE_ROWS // n)  # ceil: keys per piece
        return [(a, min(a + step - 1, hi)) for a in range(lo, hi + 1, step)]

    def split(self, t: OmopTable, rel: ibis.Table, probs: list[ibis.Table], per_id=False,
              rows: ibis.Table | None = None):
        """Rows of ``rel`` without a problem; records the problems and the counts.

        ``per_id``: ``rel`` may hold several rows per OMOP row (one per matched drug or
        value), so OMOP rows are counted as distinct row ids (the CDM primary key).
        ``rows``: the relevant OMOP rows, one per row with its ``_id``; then they are
        counted directly (one pass, no matching of ``rel``'s ids back to the table).
        """
        probs = [*probs, m.problem(rel, t.name, rel._id.isnull(), m.ROW_ID[t.name], rel._id,
                                   "missing_value", f"no {m.ROW_ID[t.name]}")]
        bad = self.keep(f"problems_{t.name}", ibis.union(*probs, distinct=True))
        self.problems[t.name], self.shown[t.name] = bad, t.shown
        ok = rel.filter(rel._id.notnull()).anti_join(bad, rel._id == bad.row)
        if rows is not None:
            flag = rows._id.isnull() | rows._id.isin(bad.row)
            n = self._tally([t.table.aggregate(k=ibis.literal("read"), n=_.count()),
                             rows.aggregate(k=ibis.literal("relevant"), n=_.count()),
                             rows.aggregate(k=ibis.literal("rejected"),
                                            n=_.count(where=flag).fill_null(0))])
            n_read, n_rel, n_bad = (n[k] for k in ("read", "relevant", "rejected"))
            n_ok = n_rel - n_bad
        elif per_id:  # count OMOP rows through the table's own row ids
            ids = t.table[m.ROW_ID[t.name]].cast("int64")
            nulls = rel.count(where=rel._id.isnull()).fill_null(0)  # Spark: NULL over no rows
            parts = [t.table.aggregate(k=ibis.literal("read"), n=_.count()),
                     t.table.aggregate(k=ibis.literal("relevant"), n=_.count(
                         where=ids.isin(rel._id)).fill_null(0)),
                     t.table.aggregate(k=ibis.literal("rejected"), n=_.count(
                         where=ids.isin(bad.row)).fill_null(0)),
                     rel.aggregate(k=ibis.literal("nulls"), n=nulls)]
            n = self._tally(parts)
            n_read, n_rel, n_bad = (n[k] + (n["nulls"] if k != "read" else 0)
                                    for k in ("read", "relevant", "rejected"))
            n_ok = n_rel - n_bad  # ok = relevant rows (ids) without a problem, by construction
        else:
            flag = rel._id.isnull() | rel._id.isin(bad.row)
            parts = [t.table.aggregate(k=ibis.literal("read"), n=_.count()),
                     rel.aggregate(k=ibis.literal("relevant"), n=_.count()),
                     rel.aggregate(k=ibis.literal("rejected"),
                                   n=_.count(where=flag).fill_null(0)),
                     ok.aggregate(k=ibis.literal("mapped"), n=_.count())]
            n = self._tally(parts)
            n_read, n_rel, n_bad, n_ok = (n[k] for k in ("read", "relevant", "rejected",
                                                         "mapped"))
        if n_rel != n_ok + n_bad:  # the invariant: nothing is dropped without being counted
            raise AssertionError(f"{t.name}: relevant {n_rel} != mapped {n_ok} + rejected {n_bad}")
        self.counts[t.name] = OmopCount(read=n_read, loaded=n_ok, rejected=n_bad,
                                        not_relevant=n_read - n_rel)
        return ok

    def _tally(self, parts: list[ibis.Table]) -> dict[str, int]:
        """Run the one-row count queries together; an empty table counts 0 (Spark gives
        NULL for a conditional count over no rows)."""
        rows = self.backend.execute(ibis.union(*parts)).itertuples(index=False)
        return {k: 0 if pd.isna(v) else int(v) for k, v in rows}

    def map_all(self, cdm: dict[str, OmopTable], cmap) -> None:
        persons = self._patients(cdm)
        self._diagnoses(cdm["condition_occurrence"], cmap, persons)
        self._drugs(cdm["drug_exposure"], cmap, persons)
        self._measurements(cdm, cmap, persons)

    def _patients(self, cdm) -> ibis.Table:
        """``patients`` from person + death + observation_period; the persons accepted.

        The patient-level date order (:mod:`.order`) needs the death and last-contact dates,
        so those come first from the rows of the persons without a problem of their own; a
        person failing the order checks is then rejected, and its death/observation_period
        rows (like all its records) become ``unknown_patient``.
        """
        rows, probs = m.person_rows(cdm["person"], self.opt, self.keep)
        own = ibis.union(*probs, distinct=True)
        good = rows.filter(rows._id.notnull()).anti_join(own, rows._id == own.row)
        first = self.keep("persons0", good.select(_pid=good._id, patient_id=good.patient_id,
                                                  birth_date=good.birth_date, sex=good.sex))
        dated = first
        for name, column, target in _PER_PERSON:
            if name not in cdm:
                dated = dated.mutate(**{target: ibis.null("date")})
                continue
            rel, _ = m.per_person(cdm[name], column, self.keep, first, "0")
            use = rel.filter(rel._known & rel.date.notnull())
            agg = use.group_by(_pid=use.person_id).agg(
                _d=use.date.min() if target == "death_date" else use.date.max())
            dated = dated.left_join(agg, "_pid").select(dated, **{target: agg._d})
        dated = self.keep("persons_dated", dated)
        probs += order.person_problems(dated.mutate(_id=dated._pid), m.problem)
        ok = self.split(cdm["person"], rows, probs)
        persons = self.keep("persons", dated.semi_join(ok, dated._pid == ok._id))
        for name, column, _ in _PER_PERSON:
            if name in cdm:
                rel, probs = m.per_person(cdm[name], column, self.keep, persons)
                self.split(cdm[name], rel, probs)
        self.publish("patients", persons.mutate(source_file=_from(cdm["person"]),
                                                source_row=persons._pid))
        return persons

    def _diagnoses(self, t: OmopTable, cmap, persons) -> None:
        matches, rel, probs = m.condition_rows(t, cmap, self.keep, persons)
        ok = self.split(t, rel, probs)
        rows = ok.join(matches, "_id").select("patient_id", "date", "_kind", "value",
                                              source_file=_from(t), source_row=ok._id)
        dx = rows.filter(rows._kind == "condition")
        self.sites = rows.filter(rows._kind == "site").select(
            "patient_id", "date", "source_file", "source_row",
            name=ibis.literal("metastatic_site"), value=_.value)
        first = dx.group_by("patient_id").agg(
            _p=dx.date.min(where=dx.value == self.opt.primary_diagnosis),
            _m=dx.date.min(where=dx.value == self.opt.metastatic_diagnosis))
        same = (first._p == first._m) if self.opt.de_novo == "same_day" else ibis.null("boolean")
        dx = dx.left_join(first, "patient_id").select(
            dx.patient_id, dx.date, dx.source_file, dx.source_row, diagnosis=dx.value,
            stage=ibis.null("string"), de_novo_metastatic=same)
        self.publish("diagnoses", dx, of=t)

    def _drugs(self, t: OmopTable, cmap, persons) -> None:
        rel, probs, rows = m.drug_rows(t, cmap, self.opt, self.keep, persons)
        ok = self.split(t, rel, probs, rows=rows)
        self.drugs = {"rel": rel, "bad": self.problems[t.name], "ok": ok}
        out = ok.select("patient_id", "drug", "date", "end_date", setting=ibis.null("string"),
                        discontinuation_reason=_.discontinuation_reason,
                        drug_source=_.drug_source, source_file=_from(t), source_row=_._id)
        self.publish("drug_administrations", out, of=t)

    def _measurements(self, cdm, cmap, persons) -> None:
        rel, probs = m.measurement_rows(cdm["measurement"], cmap, self.keep, persons)
        ok = self.split(cdm["measurement"], rel, probs, per_id=True)
        ok = ok.mutate(source_file=_from(cdm["measurement"]), source_row=ok._id)
        self._biomarkers(ok.filter(ok._kind == "receptor"), cdm["measurement"])
        resp = ok.filter(ok._kind == "response")
        resp = resp.select("patient_id", "date", "source_file", "source_row",
                           response=resp._result,
                           method=ibis.ifelse(resp._v == "none", ibis.null("string"), resp._v))
        extra = map_episodes(self, cdm, cmap, persons, resp, self.drugs)
        self.publish("tumor_assessments",
                     resp if extra is None else ibis.union(resp, extra.select(*resp.columns),
                                                           distinct=False))
        obs = [self.sites, _ecog(ok)]
        if "observation" in cdm:
            rel, probs = m.observation_rows(cdm["observation"], cmap, self.keep, persons)
            ok = self.split(cdm["observation"], rel, probs, per_id=True)
            obs.append(_ecog(ok.mutate(source_file=_from(cdm["observation"]),
                                       source_row=ok._id)))
        if "procedure_occurrence" in cdm:
            t = cdm["procedure_occurrence"]
            matches, rel, probs = m.procedure_rows(t, cmap, self.keep, persons)
            ok = self.split(t, rel, probs).join(matches, "_id")
            obs.append(ok.select("patient_id", "date", name=ibis.literal("surgery"),
                                 value=ok.value, source_file=_from(t), source_row=ok._id))
        self.publish("observations", ibis.union(*(o.select(*obs[0].columns) for o in obs),
                                                 distinct=False))

    def _biomarkers(self, rec: ibis.Table, t: OmopTable) -> None:
        dx = self.backend.table("diagnoses")
        met = dx.filter(dx.diagnosis == self.opt.metastatic_diagnosis).group_by(
            "patient_id").agg(_m=_.date.min())
        rec = rec.left_join(met, "patient_id").select(rec, _m=met._m)
        after = (rec.date > rec._m).fill_null(False)
        specimen = (ibis.ifelse(after, "metastasis", "primary")
                    if self.opt.specimen == "after_metastatic_diagnosis"
                    else ibis.literal("primary"))
        self.publish("biomarkers", rec.select(
            "patient_id", "date", marker=rec._v, method=rec._x, result=rec._result,
            value=rec.value, specimen=specimen, source_file=rec.source_file,
            source_row=rec.source_row), of=t)

    def findings(self, unresolved: tuple[Problem, ...]) -> tuple[Finding, ...]:
        """Write ``rejects`` and return the problems (up to MAX_EXAMPLES per class)."""
        severity = self.block.policy_for("unresolved_concept")
        out = [Finding(problem=p, severity=severity, table="concept", count=len(unresolved))
               for p in unresolved]
        parts = [p.mutate(file=ibis.literal(self.shown[name])) for name, p in
                 self.problems.items()]
        policy = {c: self.block.policy_for(c) for c in {*HINTS, "invalid_value"}}
        allp = ibis.union(*parts, distinct=False)
        rejects = allp.select(
            "table", "file", "row", "column", "value", "code", "message",
            hint=allp.code.substitute(HINTS, else_=ibis.null("string")),
            policy=allp.code.substitute(policy, else_="error"))
        rejects = self.backend.create_table("rejects", rejects, overwrite=True)
        ranked = rejects.mutate(
            n_class=_.count().over(group_by=["table", "code"]),
            k_rank=ibis.row_number().over(group_by=["table", "code"], order_by="row"))
        rows = self.backend.execute(ranked.filter(ranked.k_rank < MAX_EXAMPLES).order_by(
            ["table", "code", "row"]))
        for r in rows.itertuples(index=False):
            problem = Problem(message=r.message, file=r.file,
                              row=None if pd.isna(r.row) else int(r.row), column=r.column,
                              value=None if pd.isna(r.value) else str(r.value),
                              hint=r.hint, code=r.code)
            out.append(Finding(problem=problem, severity=r.policy, table=r.table,
                               count=int(r.n_class)))
        return tuple(out)

    def cleanup(self) -> None:
        """Drop the working tables and source registrations; detach an attached file."""
        if self.scratch:
            detach_scratch(self.backend.con)  # drops its tables, deletes the file
        else:
            for name in self.work:
                self.backend.drop_table(name, force=True)
        if self.backend.name == "duckdb":
            for name in table_names(self.backend):
                if name.startswith("_omop_src_"):
                    self.backend.drop_view(name, force=True)
            if attached(self.backend):
                self.backend.detach(ATTACHED)


_PER_PERSON = (("death", "death_date", "death_date"),
               ("observation_period", "observation_period_end_date", "last_contact_date"))


def _ecog(ok: ibis.Table) -> ibis.Table:
    e = ok.filter(ok._kind == "ecog")
    return e.select("patient_id", "date", name=ibis.literal("ecog"),
                    value=e._num.cast("int64").cast("string"), source_file=e.source_file,
                    source_row=e.source_row)


def _from(t: OmopTable) -> ibis.expr.types.StringScalar:
    """The ``source_file`` of rows read from OMOP table ``t``: how ``rejects`` names it."""
    return ibis.literal(t.shown, "string")
