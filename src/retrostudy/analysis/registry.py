"""The analyses, registered once each: what ``run_analyses`` runs, what results.json holds
under ``"analyses"``, and what the report prints, in this order.

An analysis is a module with one entry point, ``run(settings, data, ctx) -> Result``
(``ctx``: :class:`~retrostudy.analysis.context.Context`), and one :class:`Analysis` entry in
:data:`REGISTRY` naming it, the protocol block it reads (``settings``), how its result is
written to results.json, which warnings it raises and where the report's supplement
prints it (``section``). The report's tables come from ``report/tables/`` by the same
``name``. Adding an analysis: docs/extending.md.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from retrostudy.analysis import (
    adjusted,
    adjusted_bootstrap,
    competing,
    discontinuation,
    endpoint,
    followup,
    imputation,
    landmark,
    missingness,
    response,
    rmst,
    sensitivity,
    subgroups,
    table1,
    time_varying,
)
from retrostudy.analysis.context import Context
from retrostudy.protocol.analyses import AnalysesBlock

OMIT = object()  # results.json has no key for an analysis the protocol does not ask for


@dataclass(frozen=True, slots=True, kw_only=True)
class SectionSpec:
    """Where the supplement prints an analysis: a section ``title`` with its HTML ``anchor``,
    placed by ``order`` among the supplement's sections (smaller first; see ``report/
    sections.py`` for the places of the sections that are not analyses: endpoint
    definitions 10, data quality 20, patient flow 30, model checks 65, published values
    100, literature comparators 110). Analyses with the same ``anchor`` share one section,
    their tables in registry order."""

    title: str
    anchor: str
    order: int


def _json(result: Any) -> Any:
    return result.to_json()


def _none(_result: Any) -> tuple[str, ...]:
    return ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Analysis:
    """One registered analysis."""

    name: str  # attribute of Analyses (``analyses.result(name)``) and report/tables key
    json_key: str  # key under results.json "analyses"
    run: Callable[[Any, pd.DataFrame, Context], Any]
    # its protocol block; None or an empty list: not asked for (not run)
    settings: Callable[[AnalysesBlock], Any]
    to_json: Callable[[Any], Any] = _json
    empty: Any = OMIT  # results.json value when not run (OMIT: no key)
    warnings: Callable[[Any], tuple[str, ...]] = _none  # for the study's "Warnings"
    # "primary" | "adjusted" | "secondary" | "design" (a report grouping)
    grouping: str = "primary"
    section: SectionSpec | None = None  # its supplement section; None: not in the supplement


def _sensitivity_warnings(res: sensitivity.SensitivityResult) -> tuple[str, ...]:
    """The not-estimable ones (what its tables' notes say)."""
    return tuple(w for e in res.endpoints for w in e.warnings
                 if "monotone" in w or "not estimable" in w)


REGISTRY: tuple[Analysis, ...] = (
    Analysis(name="table1", json_key="table1", run=table1.run, settings=lambda b: b,
             empty=[],
             section=SectionSpec(title="Patient characteristics", anchor="table1", order=40)),
    Analysis(name="missingness", json_key="missingness", run=missingness.run,
             settings=lambda b: b,
             section=SectionSpec(title="Patient characteristics", anchor="table1", order=40)),
    Analysis(name="endpoints", json_key="endpoints", run=endpoint.run,
             settings=lambda b: b.survival, to_json=lambda r: {e.endpoint: e.to_json() for e in r},
             empty={}, warnings=lambda r: tuple(w for e in r for w in e.warnings),
             section=SectionSpec(
                 title="Time-to-event endpoints (one section per endpoint)",
                 anchor="ep", order=50)),
    Analysis(name="response", json_key="response", run=response.run,
             settings=lambda b: b.response, empty={},
             warnings=lambda r: tuple(response.response_warnings(r)),
             section=SectionSpec(title="Best response", anchor="response", order=70)),
    Analysis(name="followup", json_key="followup", run=followup.run,
             settings=lambda b: b.followup, empty={},
             section=SectionSpec(
                 title="Follow-up and treatment discontinuation",
                 anchor="followup", order=90)),
    Analysis(name="discontinuation", json_key="discontinuation", run=discontinuation.run,
             settings=lambda b: b.discontinuation, empty={},
             section=SectionSpec(
                 title="Follow-up and treatment discontinuation",
                 anchor="followup", order=90)),
    Analysis(name="adjusted", json_key="adjusted", run=adjusted.run,
             settings=lambda b: b.adjusted, warnings=lambda r: r.warnings, grouping="adjusted",
             section=SectionSpec(
                 title="Adjusted comparison (sensitivity analysis)",
                 anchor="adjusted", order=60)),
    Analysis(name="adjusted_bootstrap", json_key="adjusted_bootstrap", run=adjusted_bootstrap.run,
             settings=lambda b: b.adjusted if b.adjusted is not None and (
                 b.adjusted.bootstrap or b.adjusted.aipw) else None,
             to_json=lambda r: {e.endpoint: e.to_json() for e in r}, grouping="design",
             section=SectionSpec(
                 title="Adjusted comparison: bootstrap and doubly robust estimates",
                 anchor="adjusted-bootstrap", order=122)),
    Analysis(name="rmst", json_key="rmst", run=rmst.run, settings=lambda b: b.rmst,
             to_json=lambda r: {e.endpoint: e.to_json() for e in r}, grouping="secondary",
             section=SectionSpec(title="Restricted mean survival time", anchor="rmst", order=80)),
    Analysis(name="competing", json_key="competing_risks", run=competing.run,
             settings=lambda b: b.competing, warnings=lambda r: r.warnings,
             grouping="secondary",
             section=SectionSpec(title="Competing risks", anchor="competing", order=81)),
    Analysis(name="subgroups", json_key="subgroups", run=subgroups.run,
             settings=lambda b: b.subgroups, to_json=lambda r: [s.to_json() for s in r],
             grouping="secondary",
             section=SectionSpec(title="Subgroup analyses", anchor="subgroups", order=82)),
    Analysis(name="sensitivity", json_key="sensitivity", run=sensitivity.run,
             settings=lambda b: b.sensitivity, warnings=_sensitivity_warnings,
             grouping="secondary",
             section=SectionSpec(title="Sensitivity analyses", anchor="sensitivity", order=83)),
    Analysis(name="landmark", json_key="landmark", run=landmark.run,
             settings=lambda b: [s for s in b.survival if s.landmark_days is not None],
             to_json=lambda r: {e.endpoint: e.to_json() for e in r}, grouping="design",
             section=SectionSpec(title="Landmark analysis", anchor="landmark", order=120)),
    Analysis(name="imputation", json_key="imputation", run=imputation.run,
             settings=lambda b: b.imputation if any(s.adjust for s in b.survival) else None,
             to_json=lambda r: {e.endpoint: e.to_json() for e in r}, grouping="design",
             section=SectionSpec(title="Multiple imputation", anchor="imputation", order=121)),
    Analysis(name="time_varying", json_key="time_varying", run=time_varying.run,
             settings=lambda b: b.time_varying, to_json=lambda r: [e.to_json() for e in r],
             grouping="design",
             section=SectionSpec(title="Time-varying exposure", anchor="time-varying", order=123)),
)


def entry(name: str) -> Analysis:
    """The registered analysis called ``name``."""
    return next(a for a in REGISTRY if a.name == name)
