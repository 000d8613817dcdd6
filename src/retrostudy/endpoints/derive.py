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

import pandas as pd

from retrostudy.data.store import Store
from retrostudy.endpoints.kinds import Work, kind_of
from retrostudy.endpoints.outcome import Outcome, time_to_event_columns, to_frame
from retrostudy.endpoints.records import load_records
from retrostudy.errors import DataError, Problem, ProtocolError
from retrostudy.protocol.endpoints import EndpointsBlock


@dataclass(frozen=True, slots=True, kw_only=True)
class Endpoints:
    """Derived endpoints.

    ``data``: one row per cohort patient (cohort order): ``patient_id``, ``index_date``,
    ``group`` (when the cohort has it) and the endpoint columns. ``counts``: one row per
    bad-input rule that fired (``rule``, ``scope``, ``n_records``, ``n_patients``,
    ``action``), also as ``issues``, followed by the records behind the plausibility rules
    (a response or progression before the index date, an unusual age), each naming its
    patient, file, row, column and value. ``definitions``: endpoint name -> the rule in words.
    ``outcomes``: endpoint name -> its typed value (:data:`~retrostudy.endpoints.outcome.
    Outcome`, arrays in cohort order); ``data`` is their flat export view.
    """

    data: pd.DataFrame
    outcomes: Mapping[str, Outcome]
    counts: pd.DataFrame
    issues: tuple[Problem, ...]
    definitions: Mapping[str, str]
    days_per_month: float

    def reason_counts(self, name: str) -> pd.DataFrame:
        """Patients per ``<name>_reason`` (rows) and group (columns): why each was censored."""
        group = self.data["group"] if "group" in self.data else pd.Series(
            "all", index=self.data.index)
        return pd.crosstab(self.data[time_to_event_columns(name).reason], group)

    def to_json(self) -> dict:
        """Rules and bad-input counts (not the patient rows)."""
        return {
            "definitions": dict(self.definitions),
            "days_per_month": self.days_per_month,
            "bad_input": self.counts.to_dict(orient="records"),
        }


def _check_needs(block: EndpointsBlock, lines: pd.DataFrame | None) -> None:
    needs = [n for n, s in block.items.items() if kind_of(s).needs_lines(s)]
    if needs and lines is None:
        raise ProtocolError(Problem(
            message=f"endpoint(s) {needs} need the lines-of-therapy table, none was given",
            column="endpoints", hint="pass the cohort's lines, or drop new-therapy rules"))


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
    Each endpoint's kind is an entry of ``retrostudy.endpoints.kinds.KINDS``. BOR
    endpoints are derived first (DoR and rates read them), then the others in
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
    w = Work(block=block, store=store, rec=rec, cohort=rec.cohort,
              counts=[rec.counts], best={}, alive_cache={})
    frames = [pd.DataFrame({"patient_id": pd.array(rec.patient_id, dtype="string"),
                            "index_date": rec.index_date.astype("datetime64[s]")})]
    if "group" in cohort_patients:
        frames.append(pd.DataFrame(
            {"group": cohort_patients["group"].astype("string").to_numpy()}))
    defs: dict[str, str] = {}
    outcomes: dict[str, Outcome] = {}
    ordered = sorted(block.items.items(), key=lambda kv: not kind_of(kv[1]).first)
    for name, spec in ordered:
        kind = kind_of(spec)
        outcomes[name] = kind.derive(name, spec, w)
        defs[name] = kind.describe(name, spec, rec.has_lines)
        frames.append(to_frame(name, outcomes[name], rec.index_date))
    data = pd.concat(frames, axis=1)
    counts = pd.concat([c for c in w.counts if not c.empty] or [rec.counts], ignore_index=True)
    return Endpoints(
        data=data,
        outcomes=MappingProxyType(outcomes),
        counts=counts,
        issues=tuple(Problem(message=f"{r.rule}: {r.n_records} record(s), {r.n_patients} "
                             f"patient(s); {r.action}", column=r.scope, code=r.rule)
                     for r in counts.itertuples()) + rec.examples,
        definitions=MappingProxyType(defs),
        days_per_month=block.days_per_month,
    )


def check_sources(block: EndpointsBlock, store: Store) -> None:
    """Refuse endpoints whose source table holds no record at all (each kind's
    ``source_tables`` in the registry).

    With no tumour assessment, every PFS would be censored and every best response NE: a
    report of a different study, not an answer. Raised before anything is derived."""
    need: dict[str, list[str]] = {}
    for name, spec in block.items.items():
        for table in kind_of(spec).source_tables(spec):
            need.setdefault(table, []).append(name)
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
