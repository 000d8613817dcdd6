"""The time-to-event endpoints of ``[[analyses.survival]]``: KM per group, log-rank, Cox models."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from retrostudy.analysis import _stats
from retrostudy.analysis._stats import HazardRatio
from retrostudy.analysis.context import Context
from retrostudy.analysis.cox import CoxModel, cox_models, epv_warnings
from retrostudy.analysis.entry import DelayedEntry, GroupTest, delayed_entry, observed_expected
from retrostudy.analysis.survival import AtRisk, GroupSurvival, at_risk, group_survival
from retrostudy.endpoints.outcome import time_to_event_columns
from retrostudy.stats import LogRank


@dataclass(frozen=True, slots=True, kw_only=True)
class EndpointResult:
    endpoint: str
    label: str
    groups: tuple[GroupSurvival, ...]
    # the stats result itself (p_value NaN + not_estimable: no test); with delayed entry the
    # Cox score test on the left-truncated risk sets (its ``test`` names it)
    logrank: LogRank | GroupTest
    cox: tuple[CoxModel, ...]
    reference: str
    warnings: tuple[str, ...]
    n_excluded: int  # rows without a time or event for this endpoint
    at_risk: AtRisk  # under the KM figure, at [report.km]'s break times
    entry: DelayedEntry | None = None  # [[analyses.survival]] entry: delayed entry

    @property
    def test(self) -> str:
        """The test comparing the groups (a key of report.pvalues.TEST_NAMES)."""
        return getattr(self.logrank, "test", "logrank")

    def model(self, name: str) -> CoxModel | None:
        return next((m for m in self.cox if m.name == name), None)

    def group_hr(self, name: str) -> HazardRatio | None:
        m = self.model(name)
        if m is None:
            return None
        return next((c for c in m.coefficients if c.variable == "group"), None)

    def to_json(self) -> dict:
        out = {
            "label": self.label,
            "reference_group": self.reference,
            "n_excluded_missing": self.n_excluded,
            "groups": {g.group: g.to_json() for g in self.groups},
            "logrank": _logrank_json(self.logrank, self.test),
            "cox": [m.to_json() for m in self.cox],
            "warnings": list(self.warnings),
        }
        if self.entry is not None:
            out["delayed_entry"] = self.entry.to_json()
        return out


def _logrank_json(lr: LogRank | GroupTest, test: str) -> dict:
    return {
        "statistic": _stats.as_float(lr.statistic),
        "df": _stats.as_float(lr.df),
        "p_value": _stats.p_of(lr),
        "test": test,
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
    n_excluded = len(data) - len(d)
    # patients outside every group (kept for the overall follow-up) are not compared: as a
    # label they would be a third log-rank group ("nan" in pandas 2, a crash in pandas 3)
    d = d[d["group"].isin(groups)]
    entry = None if spec.entry is None else delayed_entry(d, ep, spec.entry)
    if entry is not None:
        d = d.assign(_entry_days=entry.days)
    per_group = tuple(
        group_survival(
            g,
            d.loc[d["group"] == g, c.time],
            d.loc[d["group"] == g, c.event],
            conv,
            spec.landmarks,
            entry=None if entry is None else d.loc[d["group"] == g, "_entry_days"],
        )
        for g in groups
        if (d["group"] == g).any()
    )
    models = tuple(cox_models(d, spec, reference, conv,
                              entry=None if entry is None else "_entry_days"))
    lr: LogRank | GroupTest
    if entry is None:
        with _stats.explained(f"{ep}: log-rank test", "analyses.survival.endpoint"):
            lr = _stats.logrank(d[c.time], d[c.event], d["group"].astype(str))
    else:
        lr = _score_test(d, c, models[0])
    lr_note = [f"{ep}: {lr.not_estimable} (NE)."] if lr.not_estimable else []
    longest = max((float(g.time_months.max()) for g in per_group), default=1.0)
    risk = at_risk({g.group: g.time_days for g in per_group}, conv.days_per_month, risk_step,
                   risk_max_months or longest,
                   entry={g.group: g.entry_days for g in per_group})
    return EndpointResult(
        endpoint=ep,
        label=spec.text,
        groups=per_group,
        logrank=lr,
        cox=models,
        reference=reference,
        warnings=tuple(lr_note + epv_warnings(list(models), ep, epv_min)),
        n_excluded=n_excluded,
        at_risk=risk,
        entry=entry,
    )


def _score_test(d: pd.DataFrame, c, unadjusted: CoxModel) -> GroupTest:
    """With delayed entry: the score test of the unadjusted Cox model (fitted on the
    left-truncated risk sets) compares the groups; NE with the model's reason."""
    levels = sorted(d["group"].astype(str).unique())
    obs, exp = observed_expected(d["_entry_days"], d[c.time], d[c.event],
                                 d["group"].astype(str), levels)
    score = unadjusted.tests.score
    why = unadjusted.not_estimable or (None if len(levels) > 1 else "only one group")
    return GroupTest(statistic=score.statistic, df=score.df,
                     p_value=float("nan") if why else score.p_value,
                     groups=np.asarray(levels, object), observed=obs, expected=exp,
                     not_estimable=why)


def run(settings, data: pd.DataFrame, ctx: Context) -> tuple[EndpointResult, ...]:
    """The registry's entry point: every ``[[analyses.survival]]`` endpoint (``settings``)."""
    return tuple(
        analyse_endpoint(data, list(ctx.groups), s, ctx.reference, ctx.conv,
                         ctx.analyses.epv_min, ctx.risk_step, ctx.risk_max_months)
        for s in settings
    )
