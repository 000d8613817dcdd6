"""The analysis layer: runs the statistics of ``[analyses]`` on the analysis dataset.

Input: the analysis dataset (one row per patient, a ``group`` column, covariates and the
endpoint columns ``<ep>_days``/``<ep>_event``) and the protocol. Output: a frozen
:class:`Analyses` holding every number (``to_json``); the report prints them
(report/tables/).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from retrostudy.analysis._stats import Conventions, conventions
from retrostudy.analysis.adjusted import AdjustedResult, run_adjusted
from retrostudy.analysis.checks import check_columns, check_groups
from retrostudy.analysis.endpoint import EndpointResult, analyse_endpoint
from retrostudy.analysis.extra import Discontinuation, FollowUp, discontinuation, follow_up
from retrostudy.analysis.response import Response, response, response_warnings
from retrostudy.analysis.secondary import Secondary, run_secondary
from retrostudy.analysis.table1 import Table1, table1
from retrostudy.endpoints.dataset import AnalysisDataset
from retrostudy.protocol.timing import post_index_warnings

__all__ = ["Analyses", "group_order", "prepare_dataset", "run_analyses", "variable_labels"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Analyses:
    conventions: Conventions
    groups: tuple[str, ...]
    group_labels: dict[str, str]
    reference: str
    n: dict[str, int]
    table1: Table1
    endpoints: tuple[EndpointResult, ...]
    response: Response | None
    followup: FollowUp | None
    discontinuation: Discontinuation | None
    level_labels: dict[tuple[str, str], str] = field(default_factory=dict)  # (variable, str(value))
    var_labels: dict[str, str] = field(default_factory=dict)  # variable -> label
    p_digits: int = 4  # decimals of a printed p value ([report] p_digits)
    # every warning of the study, each once: results.json "warnings" and the report's final
    # "Warnings" section; a section also shows its own next to its numbers (docs/statistics.md)
    warnings: tuple[str, ...] = field(default=())
    adjusted: AdjustedResult | None = None  # when [analyses.adjusted]
    secondary: Secondary = field(default_factory=Secondary)  # RMST, competing, subgroups, ...

    def to_json(self) -> dict:
        c = self.conventions
        return {
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
            "table1": self.table1.to_json(),
            "endpoints": {e.endpoint: e.to_json() for e in self.endpoints},
            "response": self.response.to_json() if self.response is not None else {},
            "followup": self.followup.to_json() if self.followup is not None else {},
            "discontinuation": (self.discontinuation.to_json()
                                if self.discontinuation is not None else {}),
            "warnings": list(self.warnings),
            **self.secondary.to_json(),
        } | ({"adjusted": self.adjusted.to_json()} if self.adjusted is not None else {})


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


def run_analyses(protocol, data: pd.DataFrame | AnalysisDataset) -> Analyses:
    """Every analysis of ``protocol.analyses`` on ``data`` (an :class:`AnalysisDataset`, or
    its flat frame); pure, deterministic."""
    if isinstance(data, AnalysisDataset):
        data = data.to_frame()
    block = protocol.analyses
    check_columns(block, data)
    data = prepare_dataset(block, data)
    conv = conventions(block)
    groups = group_order(protocol, data)
    labels = {g.name: g.name for g in protocol.groups.group}
    reference = protocol.groups.reference or (groups[-1] if groups else "")
    n = {g: int((data["group"] == g).sum()) for g in groups}
    check_groups(protocol, groups, n)
    var_labels = variable_labels(block)
    level_labels = {
        (d.name, str(v)): t for d in block.derived for v, t in ((True, "Yes"), (False, "No"))
    } | {(v.name, str(lv.value)): lv.text for v in block.table1 for lv in v.levels}
    t1 = table1(data, groups, block, yates=conv.chisq_correct)
    endpoints = tuple(
        analyse_endpoint(data, groups, s, reference, conv, block.epv_min) for s in block.survival
    )
    resp = None
    if block.response is not None:
        resp = response(data, groups, block.response, conf_level=block.conf_level,
                        yates=conv.chisq_correct)
    fu = None
    if block.followup is not None:
        ep_text = {s.endpoint: s.text for s in block.survival}
        fu = follow_up(data, groups, block.followup, conv, ep_text)
    disc = None
    if block.discontinuation is not None and block.discontinuation.column in data.columns:
        disc = discontinuation(data, groups, block.discontinuation)
    adjusted = _adjusted(block, data, groups, reference, conv, var_labels, level_labels)
    secondary = run_secondary(protocol, data, groups, reference, conv, labels, level_labels,
                              var_labels)
    warnings = tuple(w for e in endpoints for w in e.warnings)
    warnings += tuple(response_warnings(resp))
    warnings += adjusted.warnings if adjusted is not None else ()
    warnings += secondary.warnings
    warnings = post_index_warnings(protocol) + warnings  # design first: immortal time
    warnings = tuple(dict.fromkeys(warnings))  # each once, in the order first raised
    return Analyses(
        conventions=conv,
        groups=tuple(groups),
        group_labels=labels,
        reference=reference,
        n=n,
        table1=t1,
        endpoints=endpoints,
        response=resp,
        followup=fu,
        discontinuation=disc,
        warnings=warnings,
        level_labels=level_labels,
        var_labels=var_labels,
        p_digits=protocol.report.p_digits,
        adjusted=adjusted,
        secondary=secondary,
    )


def _adjusted(block, data, groups, reference, conv, var_labels, level_labels):
    """The propensity-score sensitivity analysis of ``[analyses.adjusted]``, if any."""
    if block.adjusted is None:
        return None
    return run_adjusted(
        block.adjusted, data, groups, reference, conv, block.survival, var_labels, level_labels
    )
