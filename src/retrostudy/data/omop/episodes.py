"""OMOP oncology episodes (CDM v5.4 ``episode`` / ``episode_event``) → responses and lines.

Read when both tables are present (``[data.omop] episodes = "auto"``; ``"off"`` ignores
them, ``"required"`` makes them required). ``[data.omop] episode_concepts`` says what each
``episode_concept_id`` means (defaults and evidence in :mod:`.concepts`):

* a **response** (default: 32677 Disease Progression → ``PD``): a ``tumor_assessments`` row
  dated ``episode_start_date``, method ``[data.omop] episode_method`` (default not stated).
  An episode response on a day the same person has a measurement response is the same
  assessment recorded twice: it adds no row when the responses agree, and is rejected as
  ``duplicate_key`` when they differ (as two canonical rows with one key would be); two
  episodes of one person and day with different responses are both rejected so.
* ``regimen`` (default: 32531 Treatment Regimen): a line of therapy as the source recorded
  it, ``episode_number`` = line number, its drugs = the mapped ``drug_exposure`` rows that
  ``episode_event`` links to it (``episode_event_field_concept_id`` =
  ``[data.omop] drug_exposure_field``, default 1147094). These never replace the lines
  retrostudy derives with the protocol's ``[lines]`` rules (the endpoints depend on those
  rules, stated in the protocol); they are published as the table ``episode_lines`` and
  compared with the derived lines by :func:`compare_lines`.
* ``ignore`` (the other CDM v5.4 Episode concepts by default): read, not relevant.

An ``episode_concept_id`` that is none of these is rejected (``invalid_value``): every
episode is accounted for. Episode rows are also checked like records (``unknown_patient``,
``missing_value`` start date, ``end_before_start``, ``before_birth``/``after_death`` of the
start date, a repeated ``episode_id`` is ``duplicate_key``).

``episode_event`` has no primary key; its rows are numbered 1..n in the order
``episode_id, event_id, episode_event_field_concept_id`` and problems name that number and
both ids. A link is *not relevant* when its episode is not a regimen, when it points to
another table than drug_exposure, or to a drug_exposure row whose drug is in no concept set;
it is rejected (``unknown_event``) when its episode or drug_exposure row does not exist or
was rejected, and (``invalid_value``) when the two belong to different persons.
"""

from __future__ import annotations

import ibis
import pandas as pd
from ibis import _

from retrostudy.data.omop.mapping import attach, problem
from retrostudy.data.omop.source import OmopTable, table_names

RESPONSES = ("CR", "PR", "SD", "NON_CR_NON_PD", "PD", "NE")
EPISODE_LINES = ibis.schema({
    "patient_id": "string", "episode_id": "int64", "line": "int64", "start_date": "date",
    "end_date": "date", "regimen_concept_id": "int64", "drugs": "string"})
"""The published ``episode_lines`` table: one row per accepted regimen episode; ``drugs``
are the canonical names of its linked drugs, distinct, sorted, joined by ``" + "``."""


def episode_rows(t: OmopTable, cmap, keep, persons) -> tuple[ibis.Table, list[ibis.Table]]:
    """``episode`` → relevant rows (``_v`` = the mapped meaning, null when unknown) and
    their problems (response conflicts come later, from :func:`response_conflicts`)."""
    ep = t.table
    cols = set(ep.columns)

    def optional(name: str, kind: str):
        return ep[name].cast(kind) if name in cols else ibis.null(kind)

    base = ep.select(
        _id=ep.episode_id.cast("int64"), person_id=ep.person_id.cast("int64"),
        _cid=ep.episode_concept_id.cast("int64"), date=ep.episode_start_date.cast("date"),
        end_date=optional("episode_end_date", "date"), line=optional("episode_number", "int64"),
        regimen_concept_id=optional("episode_object_concept_id", "int64"))
    sets = cmap.direct.filter(_.kind == "episode")
    base = base.left_join(sets, base._cid == sets.concept_id).select(base, _v=sets.value)
    rel, checks = attach(base.filter(base._v.isnull() | (base._v != "ignore")), persons,
                         "episode", "episode_start_date")
    rel = keep("rel_episode", rel)
    repeated = rel.group_by("_id").agg(_n=_.count()).filter(_._n > 1)
    dup = rel.semi_join(repeated, "_id")
    probs = [
        *checks(rel),
        problem(rel, "episode", rel._v.isnull(), "episode_concept_id", rel._cid,
                "invalid_value", "episode_concept_id not in [data.omop] episode_concepts "
                "(map it to a response, 'regimen' or 'ignore')"),
        problem(rel, "episode", rel.date.isnull(), "episode_start_date", rel.date,
                "missing_value", "no episode_start_date"),
        problem(rel, "episode", (rel.end_date < rel.date).fill_null(False), "episode_end_date",
                rel.end_date, "end_before_start", "episode_end_date before episode_start_date"),
        problem(dup, "episode", ibis.literal(True), "episode_id", dup._id, "duplicate_key",
                "more than one episode row has this episode_id"),
    ]
    return rel, probs


def response_conflicts(rel: ibis.Table, measured: ibis.Table) -> list[ibis.Table]:
    """``duplicate_key`` problems of response episodes: a different measurement response of
    the person on that day, or another episode response of that day that differs."""
    resp = rel.filter(rel._v.isin(RESPONSES))
    m = measured.group_by(["patient_id", "date"]).agg(_lo=_.response.min(),
                                                      _hi=_.response.max())
    j = resp.join(m, ["patient_id", "date"]).select(resp, _lo=m._lo, _hi=m._hi)
    differs = (j._lo != j._v) | (j._hi != j._v)
    e = resp.group_by(["patient_id", "date"]).agg(_k=_._v.nunique())
    k = resp.join(e.filter(e._k > 1), ["patient_id", "date"]).select(resp)
    return [
        problem(j, "episode", differs, "episode_concept_id", j._cid, "duplicate_key",
                ibis.literal("a measurement response of this person on this day differs (")
                + j._lo + ibis.literal("); the episode says ") + j._v),
        problem(k, "episode", ibis.literal(True), "episode_concept_id", k._cid, "duplicate_key",
                "another episode of this person on this day gives a different response"),
    ]


def response_assessments(ok: ibis.Table, measured: ibis.Table, method: str,
                         source: str) -> ibis.Table:
    """Accepted response episodes as ``tumor_assessments`` rows, leaving out those a
    measurement response of the same person and day already holds; ``source_row`` is the
    lowest ``episode_id`` of the row, ``source_file`` the episode table (``source``)."""
    resp = ok.filter(ok._v.isin(RESPONSES)).select("patient_id", "date", "_id", response=_._v)
    resp = resp.group_by(["patient_id", "date", "response"]).agg(source_row=_._id.min())
    resp = resp.anti_join(measured, ["patient_id", "date"])
    shown = ibis.null("string") if method == "none" else ibis.literal(method)
    return resp.mutate(method=shown, source_file=ibis.literal(source, "string"))


def event_rows(t: OmopTable, field: int, keep, episodes: dict, drugs: dict) -> tuple:
    """``episode_event`` → relevant links and their problems.

    ``episodes``: ``rel`` (relevant episode rows), ``ok`` (accepted ones); ``drugs``:
    ``table`` (the raw drug_exposure table), ``rel`` (its relevant rows, ``_id``),
    ``bad`` (its problem rows, ``row``).
    """
    ev = t.table
    order = [ev.episode_id, ev.event_id, ev.episode_event_field_concept_id]
    base = ev.select(_id=(ibis.row_number().over(order_by=order) + 1).cast("int64"),
                     episode_id=ev.episode_id.cast("int64"), event_id=ev.event_id.cast("int64"),
                     _field=ev.episode_event_field_concept_id.cast("int64"))
    e = episodes["rel"]
    known = e.group_by(_eid=e._id).agg(_v=e._v.max(), _ep=e.person_id.max())
    de = drugs["table"]
    d = de.group_by(_did=de.drug_exposure_id.cast("int64")).agg(
        _dp=de.person_id.cast("int64").max())
    x = base.left_join(known, base.episode_id == known._eid).select(
        base, _in_rel=known._eid.notnull(), _v=known._v, _ep=known._ep)
    x = x.left_join(d, x.event_id == d._did).select(x, _d=d._did.notnull(), _dp=d._dp)
    x = x.mutate(_any=x.episode_id.isin(episodes["all"]._aid),
                 _e_ok=x.episode_id.isin(episodes["ok"]._id),
                 _d_rel=x.event_id.isin(drugs["rel"]._id),
                 _d_bad=x.event_id.isin(drugs["bad"].row))
    regimen = (x._v == "regimen").fill_null(False)
    is_drug = x._field == field
    ignored = (x._any & ~x._in_rel) | (x._v.notnull() & ~regimen)
    not_relevant = ignored | (regimen & ~is_drug) | (regimen & is_drug & x._d & ~x._d_rel)
    rel = keep("rel_episode_event", x.filter(~not_relevant.fill_null(False)))
    ids = (ibis.literal("episode_id ") + rel.episode_id.cast("string")
           + ibis.literal(", event_id ") + rel.event_id.cast("string"))
    no_episode = ~rel._any
    probs = [
        problem(rel, "episode_event", no_episode, "episode_id", rel.episode_id, "unknown_event",
                ids + ibis.literal(": no such episode")),
        problem(rel, "episode_event", ~no_episode & ~rel._e_ok, "episode_id", rel.episode_id,
                "unknown_event", ids + ibis.literal(": the episode was rejected")),
        problem(rel, "episode_event", rel._e_ok & ~rel._d, "event_id", rel.event_id,
                "unknown_event", ids + ibis.literal(": no such drug_exposure_id")),
        problem(rel, "episode_event", rel._e_ok & rel._d_bad, "event_id", rel.event_id,
                "unknown_event", ids + ibis.literal(": the drug_exposure row was rejected")),
        problem(rel, "episode_event", rel._e_ok & rel._d & (rel._dp != rel._ep), "event_id",
                rel.event_id, "invalid_value",
                ids + ibis.literal(": the drug_exposure row is of person ")
                + rel._dp.cast("string") + ibis.literal(", the episode of person ")
                + rel._ep.cast("string")),
    ]
    return rel, probs


def episode_lines(ok_episodes: ibis.Table, ok_links: ibis.Table, drug_rows: ibis.Table):
    """The ``episode_lines`` table (:data:`EPISODE_LINES`) of the accepted regimens."""
    reg = ok_episodes.filter(ok_episodes._v == "regimen")
    linked = ok_links.join(drug_rows, ok_links.event_id == drug_rows._id).select(
        episode_id=ok_links.episode_id, drug=drug_rows.drug)
    names = linked.group_by("episode_id").agg(_d=linked.drug.collect(distinct=True))
    names = names.select("episode_id", drugs=names._d.sort().join(" + "))
    out = reg.left_join(names, reg._id == names.episode_id).select(
        patient_id=reg.patient_id, episode_id=reg._id, line=reg.line, start_date=reg.date,
        end_date=reg.end_date, regimen_concept_id=reg.regimen_concept_id, drugs=names.drugs)
    return out.select(**{c: out[c].cast(k) for c, k in EPISODE_LINES.items()})


def _components(drugs) -> frozenset[str]:
    if drugs is None or pd.isna(drugs):
        return frozenset()
    return frozenset(p.strip() for part in str(drugs).split(" + ") for p in part.split("+"))


def compare_lines(episode: pd.DataFrame, derived: pd.DataFrame) -> pd.DataFrame:
    """The source's regimen episodes next to the derived lines, by patient and line number.

    ``episode``: the ``episode_lines`` table; ``derived``: lines as
    :func:`retrostudy.cohort.lines.derive_lines` gives them (e.g. ``StudyResult.cohort.lines``;
    only the patients in ``derived`` are compared). Returns one row per (patient, line) of
    either: ``episode_start, derived_start, episode_drugs, derived_drugs``, ``same_start``,
    ``same_drugs`` (drug sets compared with combination products as their components) and
    ``status`` (``both``, ``episode only``, ``derived only``).
    """
    keep = set(derived["patient_id"].astype(str))
    e = episode[episode["patient_id"].astype(str).isin(keep)]
    e = e.rename(columns={"start_date": "episode_start", "drugs": "episode_drugs"})
    d = derived.rename(columns={"start": "derived_start", "drugs": "derived_drugs"})
    cols_e = ["patient_id", "line", "episode_start", "episode_drugs"]
    cols_d = ["patient_id", "line", "derived_start", "derived_drugs"]
    e = e[cols_e].astype({"patient_id": "string", "line": "Int64"})
    d = d[cols_d].astype({"patient_id": "string", "line": "Int64"})
    out = e.merge(d, on=["patient_id", "line"], how="outer", indicator=True)
    out["status"] = out.pop("_merge").map({"both": "both", "left_only": "episode only",
                                           "right_only": "derived only"}).astype("string")
    starts = (pd.to_datetime(out["episode_start"]) == pd.to_datetime(out["derived_start"]))
    out["same_start"] = starts.fillna(False).astype(bool)
    out["same_drugs"] = [(s == "both") and _components(a) == _components(b) for s, a, b in
                         zip(out["status"], out["episode_drugs"], out["derived_drugs"],
                             strict=True)]
    return out.sort_values(["patient_id", "line"]).reset_index(drop=True)


def map_episodes(run, cdm: dict, cmap, persons, measured: ibis.Table, drugs: dict):
    """Map ``episode``/``episode_event`` for the loader's run (:class:`.load._Run`: its
    ``keep``, ``split``, ``publish``); returns the extra tumour assessments (or None).
    Publishes ``episode_lines``; drops a stale one when the episode tables are not read."""
    if "episode" not in cdm or "episode_event" not in cdm:
        run.backend.drop_table("episode_lines", force=True)
        return None
    t = cdm["episode"]
    rel, probs = episode_rows(t, cmap, run.keep, persons)
    probs += response_conflicts(rel, measured)
    ok = run.keep("ok_episode", run.split(t, rel, probs))
    raw = t.table
    episodes = {"rel": rel, "ok": ok,
                "all": raw.select(_aid=raw.episode_id.cast("int64")).distinct()}
    links, probs = event_rows(cdm["episode_event"], run.opt.drug_exposure_field, run.keep,
                              episodes, {**drugs, "table": cdm["drug_exposure"].table})
    ok_links = run.split(cdm["episode_event"], links, probs)
    run.backend.create_table("episode_lines", episode_lines(ok, ok_links, drugs["ok"]),
                             overwrite=True)
    return response_assessments(ok, measured, run.opt.episode_method, t.shown)


def line_summary(backend, derived: pd.DataFrame) -> dict | None:
    """Counts of :func:`compare_lines` for the patients of ``derived`` (e.g. the analysed
    ones), or None when the run published no ``episode_lines``: ``patients``,
    ``derived_lines``, ``episode_lines``, ``matched`` (same patient and line number),
    ``same_start``, ``same_drugs``, ``episode_only``, ``derived_only``."""
    if "episode_lines" not in table_names(backend):
        return None
    out = compare_lines(backend.table("episode_lines").to_pandas(), derived)
    status = out["status"]
    return {
        "patients": int(derived["patient_id"].nunique()),
        "derived_lines": int((status != "episode only").sum()),
        "episode_lines": int((status != "derived only").sum()),
        "matched": int((status == "both").sum()),
        "same_start": int(out["same_start"].sum()),
        "same_drugs": int(out["same_drugs"].sum()),
        "episode_only": int((status == "episode only").sum()),
        "derived_only": int((status == "derived only").sum()),
    }
