"""The endpoint-kind registry: one :class:`EndpointKind` entry per ``kind`` of ``[endpoints]``.

An entry holds everything the rest of the package needs to know about a kind: its spec model
(the pydantic block of ``retrostudy.protocol.endpoints``), the deriver (records -> one typed
outcome per patient), the describer (the rule in words, for the Methods), what it needs
(the lines-of-therapy table, deaths), whether it is a time-to-event, which event types it
counts and whether its clock starts at the index date. ``derive_endpoints``, the protocol's
needs check and the analyses (competing risks) iterate :data:`KINDS`; none lists kinds.

Adding a kind: docs/extending.md, "Add an endpoint kind". Most new endpoints need no kind
at all: ``kind = "tte"`` takes declarative ``events`` and ``censor`` sources.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import ibis
import numpy as np
import pandas as pd

from retrostudy.data.store import Store
from retrostudy.endpoints import bor as bor_
from retrostudy.endpoints import os_, pfs, rates, sources, treatment
from retrostudy.endpoints.outcome import (
    BestResponseColumns,
    Outcome,
    TimeToDiscontinuation,
    TimeToEventColumns,
    best_response_columns,
    time_to_event_columns,
)
from retrostudy.endpoints.records import Records
from retrostudy.protocol.endpoints import (
    ALIVE_SOURCES,
    SPEC_MODELS,
    BorEndpoint,
    DorEndpoint,
    EndpointsBlock,
    OsEndpoint,
    PfsEndpoint,
    RatesEndpoint,
    TtdEndpoint,
    TteEndpoint,
    TtntEndpoint,
)

COUNT_COLUMNS = ["rule", "scope", "n_records", "n_patients", "action"]


@dataclass(slots=True)
class Work:
    """What the derivers share during one ``derive_endpoints`` call."""

    block: EndpointsBlock
    store: Store
    rec: Records
    cohort: ibis.Table
    counts: list[pd.DataFrame]
    best: dict[str, bor_.BestResponse]
    alive_cache: dict[tuple[str, ...], np.ndarray]

    def default_alive_sources(self) -> tuple[str, ...]:
        """The first OS endpoint's ``last_alive_from``, else every source."""
        os_specs = [s for s in self.block.items.values() if s.kind == "os"]
        return tuple(os_specs[0].last_alive_from) if os_specs else ALIVE_SOURCES

    def alive(self, sources: tuple[str, ...] | None = None) -> np.ndarray:
        """Last day known alive, per the records of ``sources`` (default: see above)."""
        sources = tuple(sources) if sources is not None else self.default_alive_sources()
        if sources not in self.alive_cache:
            alive, more = os_.last_alive(self.store, self.cohort, self.rec, sources)
            if not self.alive_cache:  # count after-death records once
                self.counts.append(pd.DataFrame(more, columns=COUNT_COLUMNS))
            self.alive_cache[sources] = alive
        return self.alive_cache[sources]

    def source_data(self) -> sources.SourceData:
        return sources.SourceData(rec=self.rec, alive=self.alive, store=self.store)


@dataclass(frozen=True, slots=True, kw_only=True)
class EndpointKind:
    """One endpoint kind. ``derive(name, spec, work)`` returns the typed outcome;
    ``describe(name, spec, has_lines)`` the rule in words; ``needs_lines(spec)`` whether the
    lines-of-therapy table is required; ``events(spec)`` the event types it counts (empty
    for a kind that is not time-to-event); ``from_index`` whether the clock starts at the
    index date (False for DoR); ``first``: derived before the others (others read it);
    ``binding(name)``: where its typed outcome lives in the flat table (default: the
    time-to-event columns for a time-to-event kind, else plain flag columns)."""

    kind: str
    spec: type
    derive: Callable[[str, Any, Work], Outcome]
    describe: Callable[[str, Any, bool], str]
    time_to_event: bool
    needs_lines: Callable[[Any], bool] = lambda spec: False
    needs_deaths: bool = False
    events: Callable[[Any], tuple[str, ...]] = lambda spec: ()
    from_index: bool = True
    first: bool = False
    binding: Callable[[str], TimeToEventColumns | BestResponseColumns] | None = None
    source_tables: Callable[[Any], tuple[str, ...]] = lambda spec: ()

    def columns(self, name: str) -> TimeToEventColumns | BestResponseColumns | None:
        """The flat-table binding of the endpoint ``name`` of this kind (None: flags)."""
        if self.binding is not None:
            return self.binding(name)
        return time_to_event_columns(name) if self.time_to_event else None


def _pfs(name: str, spec: PfsEndpoint, w: Work) -> Outcome:
    return pfs.derive_pfs(spec, w.rec)


def _dor(name: str, spec: DorEndpoint, w: Work) -> Outcome:
    return pfs.derive_pfs(spec, w.rec, origin=w.best[spec.response_from].response_day)


def _os(name: str, spec: OsEndpoint, w: Work) -> Outcome:
    return sources.derive_tte(sources.os_rules(spec), w.source_data())


def _ttnt(name: str, spec: TtntEndpoint, w: Work) -> Outcome:
    rules = sources.ttnt_rules(spec, w.default_alive_sources())
    return sources.derive_tte(rules, w.source_data())


def _ttd(name: str, spec: TtdEndpoint, w: Work) -> Outcome:
    last, recorded, more = treatment.ttd_inputs(w.store, w.cohort, w.rec, spec.drug)
    w.counts.append(pd.DataFrame(more, columns=COUNT_COLUMNS))
    out, why = treatment.derive_ttd(spec, w.rec, w.alive(), last, recorded)
    return TimeToDiscontinuation(origin_day=out.origin_day, day=out.day, event=out.event,
                                 reason=out.reason, applies=out.applies,
                                 discontinuation_reason=why)


def _bor(name: str, spec: BorEndpoint, w: Work) -> Outcome:
    w.best[name] = bor_.best_response(spec, w.rec)
    return w.best[name]


def _rates(name: str, spec: RatesEndpoint, w: Work) -> Outcome:
    return rates.patient_rates(spec, w.best[spec.response_from])


def _tte(name: str, spec: TteEndpoint, w: Work) -> Outcome:
    return sources.derive_tte(spec, w.source_data())


def _pfs_needs_lines(spec) -> bool:
    return spec.censor_at_new_therapy


_SCANS = ("tumor_assessments",)
_DRUGS = ("drug_administrations",)


def _tte_sources(spec: TteEndpoint) -> tuple[str, ...]:
    used = {s.source for s in (*spec.events, *spec.censor)}
    return ((_SCANS if used & {"progression", "last_adequate_assessment"} else ())
            + (_DRUGS if "next_treatment" in used else ()))


def _tte_needs_lines(spec: TteEndpoint) -> bool:
    return any(s.source == "next_treatment" for s in (*spec.events, *spec.censor))


_ENTRIES = (
    EndpointKind(kind="pfs", spec=PfsEndpoint, derive=_pfs, time_to_event=True,
                 describe=lambda n, s, _lines: pfs.describe_pfs(n, s),
                 needs_lines=_pfs_needs_lines, needs_deaths=True,
                 events=lambda s: tuple(s.events), source_tables=lambda s: _SCANS),
    EndpointKind(kind="dor", spec=DorEndpoint, derive=_dor, time_to_event=True,
                 describe=lambda n, s, _lines: pfs.describe_pfs(
                     n, s, "the first response (responders only)"),
                 needs_lines=_pfs_needs_lines, needs_deaths=True,
                 events=lambda s: tuple(s.events), from_index=False,
                 source_tables=lambda s: _SCANS),
    EndpointKind(kind="os", spec=OsEndpoint, derive=_os, time_to_event=True,
                 describe=lambda n, s, _lines: os_.describe_os(n, s), needs_deaths=True,
                 events=lambda s: ("death",)),
    EndpointKind(kind="ttd", spec=TtdEndpoint, derive=_ttd, time_to_event=True,
                 describe=lambda n, s, _lines: treatment.describe_ttd(n, s),
                 needs_deaths=True, events=lambda s: ("discontinued",),
                 source_tables=lambda s: _DRUGS),
    EndpointKind(kind="ttnt", spec=TtntEndpoint, derive=_ttnt, time_to_event=True,
                 describe=lambda n, s, _lines: treatment.describe_ttnt(n, s),
                 needs_lines=lambda s: True, needs_deaths=True,
                 events=lambda s: tuple(s.events), source_tables=lambda s: _DRUGS),
    EndpointKind(kind="bor", spec=BorEndpoint, derive=_bor, time_to_event=False,
                 describe=lambda n, s, lines: bor_.describe_bor(n, s, lines), first=True,
                 binding=best_response_columns, source_tables=lambda s: _SCANS),
    EndpointKind(kind="rates", spec=RatesEndpoint, derive=_rates, time_to_event=False,
                 describe=lambda n, s, _lines: rates.describe_rates(n, s),
                 source_tables=lambda s: _SCANS),
    EndpointKind(kind="tte", spec=TteEndpoint, derive=_tte, time_to_event=True,
                 describe=lambda n, s, _lines: sources.describe_tte(n, s),
                 needs_lines=_tte_needs_lines, needs_deaths=True,
                 events=lambda s: tuple(e.code for e in s.events), source_tables=_tte_sources),
)

KINDS: Mapping[str, EndpointKind] = MappingProxyType({k.kind: k for k in _ENTRIES})
"""Every endpoint kind, by its ``kind`` value."""

_unregistered = {m.model_fields["kind"].annotation.__args__[0] for m in SPEC_MODELS} ^ set(KINDS)
if _unregistered:  # pragma: no cover - a kind added on one side only
    raise ImportError(f"endpoint kinds without both a spec model and a registry entry: "
                      f"{sorted(_unregistered)}")


def kind_of(spec) -> EndpointKind:
    """The registry entry of an endpoint definition."""
    return KINDS[spec.kind]


def time_to_event_names(block: EndpointsBlock) -> tuple[str, ...]:
    """Names of the time-to-event endpoints of ``block``, in protocol order."""
    return tuple(n for n, s in block.items.items() if kind_of(s).time_to_event)
