r"""Landmark analysis of the ``[[analyses.survival]]`` endpoints with ``landmark_days``.

For an endpoint with ``landmark_days = L``, the analysed set is the patients event-free and
under follow-up at day :math:`L` (:math:`t_i > L`), followed from :math:`L`
(:math:`t_i - L`, same event): :func:`retrostudy.stats.landmark`. On that set: the
Kaplan–Meier median per group, the log-rank test and the unadjusted Cox hazard ratio of
the group — the same estimators as the primary analysis (``analysis/endpoint.py``). The
patients left out are counted (event on or before :math:`L`, censored on or before
:math:`L`, no time for the endpoint), so that given = excluded + analysed.

R equivalent: ``lm <- subset(d, time > L); lm$time <- lm$time - L``, then
``survfit(Surv(time, event) ~ group, lm)``, ``survdiff`` and ``coxph`` on ``lm``.

References: Anderson JR, Cain KC, Gelber RD. J Clin Oncol 1983;1:710-719. Dafni U. Circ
Cardiovasc Qual Outcomes 2011;4:363-371.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from retrostudy.analysis import _stats
from retrostudy.analysis._stats import HazardRatio
from retrostudy.analysis.checks import fail
from retrostudy.analysis.context import Context
from retrostudy.analysis.cox import fit_model
from retrostudy.endpoints.outcome import time_to_event_columns
from retrostudy.stats import LogRank
from retrostudy.stats.landmark import landmark


@dataclass(frozen=True, slots=True, kw_only=True)
class LandmarkGroup:
    """One group of the landmark set: patients, events, KM median from the landmark and its
    CI (months; NaN when not reached)."""

    n: int
    n_events: int
    median: float
    conf_low: float
    conf_high: float

    def to_json(self) -> dict:
        return {"n": self.n, "n_events": self.n_events,
                "median_months": {"estimate": _stats.as_float(self.median),
                                  "conf_low": _stats.as_float(self.conf_low),
                                  "conf_high": _stats.as_float(self.conf_high)}}


@dataclass(frozen=True, slots=True, kw_only=True)
class LandmarkEndpoint:
    """One endpoint analysed from its landmark (``landmark_days``)."""

    endpoint: str
    label: str
    landmark_days: int
    landmark_months: float
    n: int  # patients with a time and event for the endpoint
    n_missing: int  # patients without (left out before the landmark rule)
    n_event_before: int  # event on or before the landmark (excluded)
    n_censored_before: int  # censored on or before the landmark (excluded)
    n_at_risk: int  # analysed: at risk at the landmark
    groups: dict[str, LandmarkGroup]
    logrank: LogRank
    hazard_ratio: tuple[HazardRatio, ...]  # group terms of the unadjusted Cox model
    reference: str
    not_estimable: str | None = None  # the Cox model's reason, if any

    @property
    def label_with_landmark(self) -> str:
        return f"{self.label}, landmark at day {self.landmark_days}"

    def to_json(self) -> dict:
        lr = self.logrank
        return {
            "label": self.label,
            "landmark_days": self.landmark_days,
            "landmark_months": self.landmark_months,
            "reference_group": self.reference,
            "n": self.n,
            "n_excluded_missing": self.n_missing,
            "n_excluded_event_before": self.n_event_before,
            "n_excluded_censored_before": self.n_censored_before,
            "n_at_risk": self.n_at_risk,
            "method": "patients event-free and under follow-up at the landmark (time > "
                      "landmark), time measured from the landmark",
            "groups": {g: v.to_json() for g, v in self.groups.items()},
            "logrank": {"statistic": _stats.as_float(lr.statistic),
                        "df": _stats.as_float(lr.df), "p_value": _stats.p_of(lr),
                        "test": "logrank", "not_estimable": lr.not_estimable},
            "hazard_ratios": [h.to_json() for h in self.hazard_ratio],
            "cox_not_estimable": self.not_estimable,
        }


def landmark_endpoint(data: pd.DataFrame, spec, ctx: Context) -> LandmarkEndpoint:
    """The landmark analysis of one ``[[analyses.survival]]`` block (``spec.landmark_days``)."""
    ep, L = spec.endpoint, spec.landmark_days
    c = time_to_event_columns(ep)
    d = data.dropna(subset=[c.time, c.event])
    d = d[d["group"].isin(ctx.groups)]  # patients outside every group are not compared
    where = "analyses.survival.landmark_days"
    if d.empty or not (d[c.time] > L).any():
        fail(where, f"no patient of {ep!r} is event-free and under follow-up at day {L} "
             f"(the longest follow-up is {d[c.time].max() if len(d) else 0:g} days)",
             hint="choose an earlier landmark", code="landmark_empty")
    lm = landmark(d[c.time].to_numpy(float), d[c.event].to_numpy(int), L)
    kept = d.iloc[lm.index].copy()
    kept[c.time] = lm.time
    kept[c.event] = lm.event
    per = ctx.conv.days_per_month
    groups = {}
    for g in ctx.groups:
        sub = kept[kept["group"] == g]
        if sub.empty:
            continue
        fit = _stats.kaplan_meier(sub[c.time], sub[c.event], ctx.conv)
        med, lo, hi = _stats.km_median(fit)
        groups[g] = LandmarkGroup(n=len(sub), n_events=int(sub[c.event].sum()),
                                  median=med / per, conf_low=lo / per, conf_high=hi / per)
    with _stats.explained(f"{ep}: landmark log-rank test", where):
        lr = _stats.logrank(kept[c.time], kept[c.event], kept["group"].astype(str))
    model = fit_model(kept, "landmark", ["group"], spec, ctx.reference, ctx.conv)
    return LandmarkEndpoint(
        endpoint=ep, label=spec.text, landmark_days=int(L), landmark_months=L / per,
        n=len(d), n_missing=len(data) - len(d), n_event_before=lm.n_event_before,
        n_censored_before=lm.n_censored_before, n_at_risk=lm.n_at_risk, groups=groups,
        logrank=lr, hazard_ratio=tuple(h for h in model.coefficients if h.variable == "group"),
        reference=ctx.reference, not_estimable=model.not_estimable or (
            "monotone likelihood" if model.monotone else None))


def run(settings, data: pd.DataFrame, ctx: Context) -> tuple[LandmarkEndpoint, ...]:
    """The registry's entry point: each ``[[analyses.survival]]`` block with
    ``landmark_days`` (``settings``: those blocks)."""
    return tuple(landmark_endpoint(data, s, ctx) for s in settings)
