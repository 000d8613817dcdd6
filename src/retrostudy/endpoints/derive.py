"""Entry point: every endpoint of the protocol, one row per patient, plus how it was derived.

``derive_endpoints(block, store, cohort_patients, lines)`` reads the records of the cohort's
patients from ``store`` (the engine does the joins and filters), applies each named endpoint's
rules with vectorised numpy/pandas code, and returns a frozen :class:`Endpoints`. Column names
are documented in docs/endpoints.md ("Analysis dataset columns").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

import ibis
import numpy as np
import pandas as pd

from retrostudy.data.store import Store
from retrostudy.endpoints import bor as bor_
from retrostudy.endpoints import os_, pfs, rates, treatment
from retrostudy.endpoints.records import CODES, Records, load_records
from retrostudy.endpoints.tte import NONE
from retrostudy.errors import DataError, Problem, ProtocolError
from retrostudy.protocol.endpoints import EndpointsBlock


@dataclass(frozen=True, slots=True, kw_only=True)
class Endpoints:
    """Derived endpoints.

    ``data``: one row per cohort patient (cohort order): ``patient_id``, ``index_date``,
    ``group`` (when the cohort has it) and the endpoint columns. ``counts``: one row per
    bad-input rule that fired (``rule``, ``scope``, ``n_records``, ``n_patients``,
    ``action``), also as ``issues``. ``definitions``: endpoint name -> the rule in words.
    ``rates``, ``followup``, ``discontinuation``: per-group summaries.
    """

    data: pd.DataFrame
    counts: pd.DataFrame
    issues: tuple[Problem, ...]
    definitions: Mapping[str, str]
    days_per_month: float

    def reason_counts(self, name: str) -> pd.DataFrame:
        """Patients per ``<name>_reason`` (rows) and group (columns): why each was censored."""
        group = self.data["group"] if "group" in self.data else pd.Series(
            "all", index=self.data.index)
        return pd.crosstab(self.data[f"{name}_reason"], group)

    def to_json(self) -> dict:
        """Rules and bad-input counts (not the patient rows)."""
        return {
            "definitions": dict(self.definitions),
            "days_per_month": self.days_per_month,
            "bad_input": self.counts.to_dict(orient="records"),
        }


def _bor_frame(name: str, best: bor_.BestResponse, rec: Records) -> pd.DataFrame:
    ok = best.day != NONE
    days = pd.array(np.where(ok, best.day, 0), dtype="Int64")
    days[~ok] = pd.NA
    date = pd.Series((rec.index_date + np.where(ok, best.day, 0).astype("timedelta64[D]"))
                     .astype("datetime64[s]"))
    date[~ok] = pd.NaT
    return pd.DataFrame({name: pd.array(CODES[best.code], dtype="string"),
                         f"{name}_date": date, f"{name}_days": days,
                         f"{name}_n_assessments": best.n_assessments.astype(np.int64)})


def _check_needs(block: EndpointsBlock, lines: pd.DataFrame | None) -> None:
    needs = [n for n, s in block.items.items()
             if s.kind == "ttnt" or getattr(s, "censor_at_new_therapy", False)]
    if needs and lines is None:
        raise ProtocolError(Problem(
            message=f"endpoint(s) {needs} need the lines-of-therapy table, none was given",
            column="endpoints", hint="pass the cohort's lines, or drop new-therapy rules"))


# The record table each endpoint kind is derived from (OS and follow-up: patients only).
SOURCES = {"pfs": "tumor_assessments", "dor": "tumor_assessments",
           "bor": "tumor_assessments", "rates": "tumor_assessments",
           "ttd": "drug_administrations", "ttnt": "drug_administrations",
           "discontinuation": "drug_administrations"}


def check_sources(block: EndpointsBlock, store: Store) -> None:
    """Refuse endpoints whose source table holds no record at all.

    With no tumour assessment, every PFS would be censored and every best response NE: a
    report of a different study, not an answer. Raised before anything is derived."""
    need: dict[str, list[str]] = {}
    for name, spec in block.items.items():
        if spec.kind in SOURCES:
            need.setdefault(SOURCES[spec.kind], []).append(name)
    problems = [
        Problem(message=f"table {table} has no records, but endpoint(s) {', '.join(names)} "
                        "are derived from it", code="empty_source_table", key="endpoints",
                hint=f"add the {table} file to the data folder (spelled {table}, .csv, "
                     ".parquet or .xlsx), or drop these endpoints from [endpoints]")
        for table, names in need.items()
        if int(store.execute(store.table(table).count())) == 0
    ]
    if problems:
        raise DataError(problems)


@dataclass(slots=True)
class _Work:
    """What the per-kind derivers share during one ``derive_endpoints`` call."""

    block: EndpointsBlock
    store: Store
    rec: Records
    cohort: ibis.Table
    counts: list[pd.DataFrame]
    best: dict[str, bor_.BestResponse]
    alive_cache: dict[tuple[str, ...], np.ndarray]

    def alive(self, sources: tuple[str, ...] | None = None) -> np.ndarray:
        """Last day known alive, per the sources of ``sources`` (default: the first OS
        endpoint's, else all)."""
        if sources is None:
            os_specs = list(self.block.of_kind("os").values())
            sources = os_specs[0].last_alive_from if os_specs else _ALL_SOURCES
        if sources not in self.alive_cache:
            alive, more = os_.last_alive(self.store, self.cohort, self.rec, sources)
            if not self.alive_cache:  # count after-death records once
                self.counts.append(pd.DataFrame(more, columns=_COUNT_COLUMNS))
            self.alive_cache[sources] = alive
        return self.alive_cache[sources]


_ALL_SOURCES = ("last_contact", "tumor_assessments", "drug_administrations", "observations")
_COUNT_COLUMNS = ["rule", "scope", "n_records", "n_patients", "action"]


def _pfs(name, spec, w: _Work):
    return pfs.derive_pfs(spec, w.rec), pfs.describe_pfs(name, spec)


def _dor(name, spec, w: _Work):
    out = pfs.derive_pfs(spec, w.rec, origin=w.best[spec.response_from].response_day)
    return out, pfs.describe_pfs(name, spec, "the first response (responders only)")


def _os(name, spec, w: _Work):
    return os_.derive_os(spec, w.rec, w.alive(spec.last_alive_from)), os_.describe_os(name, spec)


def _ttnt(name, spec, w: _Work):
    return treatment.derive_ttnt(spec, w.rec, w.alive()), treatment.describe_ttnt(name, spec)


def _ttd(name, spec, w: _Work):
    last, recorded, more = treatment.ttd_inputs(w.store, w.cohort, w.rec, spec.drug)
    w.counts.append(pd.DataFrame(more, columns=_COUNT_COLUMNS))
    out, why = treatment.derive_ttd(spec, w.rec, w.alive(), last, recorded)
    frame = out.to_frame(name, w.rec.index_date).assign(
        **{f"{name}_discontinuation_reason": pd.array(why, dtype="string")})
    return frame, treatment.describe_ttd(name, spec)


def _bor(name, spec, w: _Work):
    w.best[name] = bor_.best_response(spec, w.rec)
    return _bor_frame(name, w.best[name], w.rec), bor_.describe_bor(name, spec, w.rec.has_lines)


def _rates(name, spec, w: _Work):
    frame = rates.patient_rates(name, spec, w.best[spec.response_from])
    return frame, rates.describe_rates(name, spec)


_PER_PATIENT = {"pfs": _pfs, "dor": _dor, "os": _os, "ttnt": _ttnt, "ttd": _ttd,
                "bor": _bor, "rates": _rates}


def derive_endpoints(
    endpoints_block: EndpointsBlock,
    store: Store,
    cohort_patients: pd.DataFrame,
    lines: pd.DataFrame | None = None,
) -> Endpoints:
    """Derive every endpoint of ``endpoints_block`` for the patients of ``cohort_patients``.

    Parameters
    ----------
    endpoints_block : EndpointsBlock
        The protocol's ``[endpoints]`` block (named endpoint definitions).
    store : Store
        The canonical record tables in an engine; joins and filters run there.
    cohort_patients : pandas.DataFrame
        One row per patient: ``patient_id``, ``index_date`` and, for the per-group
        summaries, ``group`` (``Cohort.patients`` has them).
    lines : pandas.DataFrame, optional
        Lines of therapy (``patient_id``, ``start``; ``Cohort.lines``). The first line
        starting after the index date is the "new anticancer therapy" of TTNT, PFS
        new-therapy censoring and BOR. Required by TTNT and ``censor_at_new_therapy``.

    Returns
    -------
    Endpoints
        ``data`` in cohort order; columns documented in docs/endpoints.md.

    Notes
    -----
    BOR endpoints are derived first (DoR and rates read them), then the others in
    protocol order. Each rule and its source: docs/endpoints.md.

    Examples
    --------
    >>> block = EndpointsBlock.model_validate(
    ...     {"pfs": {"kind": "pfs", "events": ["progression"]}, "bor": {"kind": "bor"}})
    >>> e = derive_endpoints(block, store, cohort.patients, cohort.lines)  # doctest: +SKIP
    >>> e.data[["patient_id", "pfs_days", "pfs_event", "pfs_reason", "bor"]]  # doctest: +SKIP
    """
    block = endpoints_block
    _check_needs(block, lines)
    rec = load_records(store, cohort_patients, lines)
    w = _Work(block=block, store=store, rec=rec, cohort=rec.cohort,
              counts=[rec.counts], best={}, alive_cache={})
    frames = [pd.DataFrame({"patient_id": pd.array(rec.patient_id, dtype="string"),
                            "index_date": rec.index_date.astype("datetime64[s]")})]
    if "group" in cohort_patients:
        frames.append(pd.DataFrame(
            {"group": cohort_patients["group"].astype("string").to_numpy()}))
    defs: dict[str, str] = {}
    ordered = sorted(block.items.items(), key=lambda kv: kv[1].kind != "bor")
    for name, spec in ordered:
        out, defs[name] = _PER_PATIENT[spec.kind](name, spec, w)
        frames.append(out if isinstance(out, pd.DataFrame)
                      else out.to_frame(name, rec.index_date))
    data = pd.concat(frames, axis=1)
    counts = pd.concat([c for c in w.counts if not c.empty] or [rec.counts], ignore_index=True)
    return Endpoints(
        data=data,
        counts=counts,
        issues=tuple(Problem(message=f"{r.rule}: {r.n_records} record(s), {r.n_patients} "
                             f"patient(s); {r.action}", column=r.scope, code=r.rule)
                     for r in counts.itertuples()),
        definitions=MappingProxyType(defs),
        days_per_month=block.days_per_month,
    )
