"""The time-to-event endpoints of ``[[analyses.survival]]``: KM per group, log-rank, Cox models."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from retrostudy.analysis import _stats
from retrostudy.analysis._stats import HazardRatio
from retrostudy.analysis.context import Context
from retrostudy.analysis.cox import CoxModel, cox_models, epv_warnings
from retrostudy.analysis.survival import AtRisk, GroupSurvival, at_risk, group_survival
from retrostudy.endpoints.outcome import time_to_event_columns
from retrostudy.stats import LogRank


@dataclass(frozen=True, slots=True, kw_only=True)
class EndpointResult:
    endpoint: str
    label: str
    groups: tuple[GroupSurvival, ...]
    logrank: LogRank  # the stats result itself (p_value NaN + not_estimable: no test)
    cox: tuple[CoxModel, ...]
    reference: str
    warnings: tuple[str, ...]
    n_excluded: int  # rows without a time or event for this endpoint
    at_risk: AtRisk  # under the KM figure, at [report.km]'s break times

    def model(self, name: str) -> CoxModel | None:
        return next((m for m in self.cox if m.name == name), None)

    def group_hr(self, name: str) -> HazardRatio | None:
        m = self.model(name)
        if m is None:
            return None
        return next((c for c in m.coefficients if c.variable == "group"), None)

    def to_json(self) -> dict:
        return {
            "label": self.label,
            "reference_group": self.reference,
            "n_excluded_missing": self.n_excluded,
            "groups": {g.group: g.to_json() for g in self.groups},
            "logrank": _logrank_json(self.logrank),
            "cox": [m.to_json() for m in self.cox],
            "warnings": list(self.warnings),
        }


def _logrank_json(lr: LogRank) -> dict:
    return {
        "statistic": _stats.as_float(lr.statistic),
        "df": _stats.as_float(lr.df),
        "p_value": _stats.p_of(lr),
        "test": "logrank",
        "observed": [float(v) for v in np.atleast_1d(lr.observed)],
        "expected": [float(v) for v in np.atleast_1d(lr.expected)],
        "groups": [str(g) for g in np.atleast_1d(lr.groups)],
        "not_estimable": lr.not_estimable,  # None, or why there is no test (p NaN)
    }


def analyse_endpoint(
    data: pd.DataFrame, groups: list[str], spec, reference: str, conv, epv_min: float,
    risk_step: float = 6.0, risk_max_months: float | None = None,
) -> EndpointResult:
    """KM per group, log-rank and Cox models of ``spec``'s endpoint; numbers at risk every
    ``risk_step`` months up to ``risk_max_months`` (None: the longest observed time)."""
    ep = spec.endpoint
    c = time_to_event_columns(ep)
    d = data.dropna(subset=[c.time, c.event])
    per_group = tuple(
        group_survival(
            g,
            d.loc[d["group"] == g, c.time],
            d.loc[d["group"] == g, c.event],
            conv,
            spec.landmarks,
        )
        for g in groups
        if (d["group"] == g).any()
    )
    with _stats.explained(f"{ep}: log-rank test", "analyses.survival.endpoint"):
        lr = _stats.logrank(d[c.time], d[c.event], d["group"].astype(str))
    models = tuple(cox_models(d, spec, reference, conv))
    lr_note = [f"{ep}: {lr.not_estimable} (NE)."] if lr.not_estimable else []
    longest = max((float(g.time_months.max()) for g in per_group), default=1.0)
    risk = at_risk({g.group: g.time_days for g in per_group}, conv.days_per_month, risk_step,
                   risk_max_months or longest)
    return EndpointResult(
        endpoint=ep,
        label=spec.text,
        groups=per_group,
        logrank=lr,
        cox=models,
        reference=reference,
        warnings=tuple(lr_note + epv_warnings(list(models), ep, epv_min)),
        n_excluded=len(data) - len(d),
        at_risk=risk,
    )


def run(settings, data: pd.DataFrame, ctx: Context) -> tuple[EndpointResult, ...]:
    """The registry's entry point: every ``[[analyses.survival]]`` endpoint (``settings``)."""
    return tuple(
        analyse_endpoint(data, list(ctx.groups), s, ctx.reference, ctx.conv,
                         ctx.analyses.epv_min, ctx.risk_step, ctx.risk_max_months)
        for s in settings
    )
