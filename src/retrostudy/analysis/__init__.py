"""The analysis layer: runs the statistics of ``[analyses]`` on the analysis dataset.

Input: the analysis dataset (one row per patient, a ``group`` column, covariates and the
endpoint columns ``<ep>_days``/``<ep>_event``) and the protocol. Output: a frozen
:class:`Analyses` holding every number (``to_json``); the report prints them
(report/tables/).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from threadpoolctl import threadpool_limits

from retrostudy.analysis import registry
from retrostudy.analysis._stats import Conventions, conventions
from retrostudy.analysis.adjusted import AdjustedResult
from retrostudy.analysis.checks import check_columns, check_groups
from retrostudy.analysis.competing import CompetingResult
from retrostudy.analysis.context import Context, endpoint_labels
from retrostudy.analysis.discontinuation import Discontinuation
from retrostudy.analysis.endpoint import EndpointResult
from retrostudy.analysis.followup import FollowUp
from retrostudy.analysis.registry import OMIT
from retrostudy.analysis.response import Response
from retrostudy.analysis.rmst import RmstEndpoint
from retrostudy.analysis.sensitivity import SensitivityResult
from retrostudy.analysis.subgroups import SubgroupResult
from retrostudy.analysis.table1 import Table1
from retrostudy.endpoints.dataset import AnalysisDataset
from retrostudy.protocol.target_trial import target_trial_warnings
from retrostudy.protocol.timing import post_index_warnings

__all__ = ["Analyses", "Context", "group_order", "prepare_dataset", "run_analyses",
           "variable_labels"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Secondary:
    """The analyses registered with ``grouping = "secondary"``, by name (a view of
    :attr:`Analyses.results`): RMST, competing risks, subgroups, sensitivity."""

    rmst: tuple[RmstEndpoint, ...] = ()
    competing: CompetingResult | None = None
    subgroups: tuple[SubgroupResult, ...] = ()
    sensitivity: SensitivityResult | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Analyses:
    conventions: Conventions
    groups: tuple[str, ...]
    group_labels: dict[str, str]
    reference: str
    n: dict[str, int]
    # registered analysis name -> its result, for those the protocol asks for (REGISTRY order)
    results: Mapping[str, Any] = field(default_factory=dict)
    level_labels: dict[tuple[str, str], str] = field(default_factory=dict)  # (variable, str(value))
    var_labels: dict[str, str] = field(default_factory=dict)  # variable -> label
    p_digits: int = 4  # decimals of a printed p value ([report] p_digits)
    # every warning of the study, each once: results.json "warnings" and the report's final
    # "Warnings" section; a section also shows its own next to its numbers (docs/statistics.md)
    warnings: tuple[str, ...] = field(default=())

    def result(self, name: str) -> Any:
        """The result of the registered analysis ``name``; None when it did not run."""
        return self.results.get(name)

    @property
    def table1(self) -> Table1:
        return self.results.get("table1") or Table1(groups=self.groups, overall=False,
                                                     smd=False, characteristics=())

    @property
    def endpoints(self) -> tuple[EndpointResult, ...]:
        return self.results.get("endpoints", ())

    @property
    def response(self) -> Response | None:
        return self.results.get("response")

    @property
    def followup(self) -> FollowUp | None:
        return self.results.get("followup")

    @property
    def discontinuation(self) -> Discontinuation | None:
        return self.results.get("discontinuation")

    @property
    def adjusted(self) -> AdjustedResult | None:
        return self.results.get("adjusted")

    @property
    def secondary(self) -> Secondary:
        return Secondary(**{a.name: self.results[a.name] for a in registry.REGISTRY
                            if a.grouping == "secondary" and a.name in self.results})

    def to_json(self) -> dict:
        c = self.conventions
        out: dict[str, Any] = {
            "conventions": {
                "profile": c.profile,
                "conf_type": c.conf_type,
                "ties": c.ties,
                "conf_level": c.conf_level,
                "days_per_month": c.days_per_month,
            },
            "groups": [
                {"name": g, "label": self.group_labels.get(g, g), "n": self.n[g]}
                for g in self.groups
            ],
            "reference_group": self.reference,
            "warnings": list(self.warnings),
        }
        for a in registry.REGISTRY:
            if a.name in self.results:
                out[a.json_key] = a.to_json(self.results[a.name])
            elif a.empty is not OMIT:
                out[a.json_key] = a.empty
        return out


def group_order(protocol, data: pd.DataFrame) -> list[str]:
    """Groups in protocol order, then any others found in the data (sorted)."""
    named = [g.name for g in protocol.groups.group]
    found = sorted({str(g) for g in data["group"].dropna().unique()} - set(named))
    return [g for g in named if (data["group"] == g).any()] + found


def variable_labels(block) -> dict[str, str]:
    """Analysis variable -> its label: ``[[analyses.derived]]`` and Table 1's, and "Group"."""
    return (
        {d.name: d.label or d.name for d in block.derived}
        | {v.name: v.text for v in block.table1 if v.among is None}
        | {"group": "Group"}
    )


def prepare_dataset(block, data: pd.DataFrame) -> pd.DataFrame:
    """The dataset with the ``[[analyses.derived]]`` columns added (idempotent)."""
    new = {}
    for d in block.derived:
        if d.name in data.columns:
            continue
        values = pd.to_numeric(data[d.column], errors="coerce").astype("Float64")
        new[d.name] = (values >= d.at_least).astype("boolean")
    return data.assign(**new) if new else data


def _context(protocol, data: pd.DataFrame) -> Context:
    """What the analyses share, decided once: groups, reference, conventions, labels."""
    block = protocol.analyses
    groups = group_order(protocol, data)
    n = {g: int((data["group"] == g).sum()) for g in groups}
    check_groups([g.name for g in protocol.groups.group], groups, n)
    items = protocol.endpoints.items
    return Context(
        analyses=block,
        endpoints=items,
        groups=tuple(groups),
        reference=protocol.groups.reference or (groups[-1] if groups else ""),
        n=n,
        conv=conventions(block),
        p_digits=protocol.report.p_digits,
        risk_step=protocol.report.km.break_months,
        risk_max_months=protocol.report.km.max_months,
        group_labels={g.name: g.name for g in protocol.groups.group},
        var_labels=variable_labels(block),
        level_labels={
            (d.name, str(v)): t
            for d in block.derived for v, t in ((True, "Yes"), (False, "No"))
        } | {(v.name, str(lv.value)): lv.text for v in block.table1 for lv in v.levels},
        endpoint_labels=endpoint_labels(block, items),
    )


def run_analyses(protocol, data: pd.DataFrame | AnalysisDataset) -> Analyses:
    """Every registered analysis the protocol asks for (analysis/registry.py), on ``data``
    (an :class:`AnalysisDataset`, or its flat frame); pure, deterministic. Each analysis
    gets its own ``[analyses]`` block and the :class:`Context`, never the whole protocol.

    BLAS runs on one thread meanwhile (restored on return): the analyses call it on vectors
    and tall n x p matrices (dot products, X'WX of a few columns), where a multi-threaded
    OpenBLAS spends more time waking and joining threads than computing (1.5x slower at
    265,000 rows, up to 30x per call on a busy machine), and whose partial sums, hence the
    last bits of a result, depend on the number of cores."""
    if isinstance(data, AnalysisDataset):
        data = data.to_frame()
    block = protocol.analyses
    check_columns(block, data)
    data = prepare_dataset(block, data)
    ctx = _context(protocol, data)
    results: dict[str, Any] = {}
    # design first: immortal time, then the target trial's mismatches with the cohort
    warnings = post_index_warnings(protocol) + target_trial_warnings(protocol)
    with threadpool_limits(limits=1, user_api="blas"):  # one BLAS thread: see the docstring
        for a in registry.REGISTRY:
            settings = a.settings(block)
            if settings is None or (isinstance(settings, (list, tuple)) and not settings):
                continue
            res = a.run(settings, data, ctx)
            if res is None or res == ():
                continue
            results[a.name] = res
            warnings += tuple(a.warnings(res))
    return Analyses(
        conventions=ctx.conv,
        groups=ctx.groups,
        group_labels=dict(ctx.group_labels),
        reference=ctx.reference,
        n=dict(ctx.n),
        results=results,
        warnings=tuple(dict.fromkeys(warnings)),  # each once, in the order first raised
        level_labels=dict(ctx.level_labels),
        var_labels=dict(ctx.var_labels),
        p_digits=ctx.p_digits,
    )
