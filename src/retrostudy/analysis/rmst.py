r"""Restricted mean survival time (RMST) per group, difference and ratio vs the reference.

For each endpoint of ``[analyses.rmst]``: :math:`\hat\mu_g(\tau) = \int_0^\tau \hat S_g(t)\,dt`
per group with its Greenwood-type SE and normal CI, and for each non-reference group the
difference :math:`\hat\mu_g - \hat\mu_{ref}` and ratio :math:`\hat\mu_g / \hat\mu_{ref}`
(log scale) with CIs and two-sided p values — :func:`retrostudy.stats.rmst_compare`, i.e.
survRM2 1.0-4's ``rmst2``. Computed in integer days; shown in months (days / days_per_month;
the ratio and p values do not depend on the unit).

Tau: the protocol's ``tau`` (months) for every endpoint, or survRM2's default rule — the
smallest, over the arms whose last observation is censored, of the arm's largest time (an
arm ending on an event constrains nothing). With more than two groups each comparison is a
two-arm survRM2 analysis and the default tau is the smallest of their defaults, so every
group is read at the same tau.

Reference: Uno H et al. J Clin Oncol 2014;32:2380-5.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from scipy.special import ndtri

from retrostudy.analysis.checks import fail, require_columns, tte_columns
from retrostudy.analysis.context import Context
from retrostudy.endpoints.outcome import time_to_event_columns
from retrostudy.stats import kaplan_meier, rmst_compare


@dataclass(frozen=True, slots=True, kw_only=True)
class RmstGroup:
    """One group's RMST up to tau (months), its standard error and normal CI."""

    n: int
    n_events: int
    rmst: float
    std_err: float
    conf_low: float
    conf_high: float

    def to_json(self) -> dict:
        return {"n": self.n, "n_events": self.n_events, "rmst": self.rmst,
                "std_err": self.std_err, "conf_low": self.conf_low, "conf_high": self.conf_high}


@dataclass(frozen=True, slots=True, kw_only=True)
class Contrast:
    """A difference (months) or ratio of RMSTs vs the reference, CI and z-test p."""

    estimate: float
    std_err: float
    conf_low: float
    conf_high: float
    p_value: float
    test: str = "rmst_z"

    def to_json(self) -> dict:
        return {"estimate": self.estimate, "std_err": self.std_err, "conf_low": self.conf_low,
                "conf_high": self.conf_high, "p_value": self.p_value, "test": self.test}


@dataclass(frozen=True, slots=True, kw_only=True)
class RmstContrast:
    difference: Contrast
    ratio: Contrast

    def to_json(self) -> dict:
        return {"difference": self.difference.to_json(), "ratio": self.ratio.to_json()}


@dataclass(frozen=True, slots=True, kw_only=True)
class RmstEndpoint:
    """One endpoint's RMST results; times in months."""

    endpoint: str
    label: str
    tau: float
    tau_rule: str  # "protocol" | "survRM2 default"
    tau_max: float  # largest tau survRM2 accepts for these data
    groups: dict[str, RmstGroup]
    contrasts: dict[str, RmstContrast]  # each non-reference group vs the reference
    reference: str
    conf_level: float

    def to_json(self) -> dict:
        return {
            "label": self.label,
            "tau_months": self.tau,
            "tau_rule": self.tau_rule,
            "tau_max_months": self.tau_max,
            "reference_group": self.reference,
            "conf_level": self.conf_level,
            "units": "months",
            "method": "survRM2 1.0-4 rmst2 (area under the Kaplan-Meier curve; Greenwood-type "
            "variance; ratio on the log scale)",
            "groups": {g: v.to_json() for g, v in self.groups.items()},
            "contrasts": {g: c.to_json() for g, c in self.contrasts.items()},
        }


def _contrast(c, scale: float) -> Contrast:
    return Contrast(estimate=c.estimate / scale, std_err=c.std_err / scale,
                    conf_low=c.conf_low / scale, conf_high=c.conf_high / scale,
                    p_value=c.p_value)


def _pairs(d: pd.DataFrame, ep: str, groups: list[str], reference: str):
    """(group, time, event, arm) for each non-reference group: arm 0 = reference."""
    ref = d[d["group"] == reference]
    for g in groups:
        if g == reference or not (d["group"] == g).any():
            continue
        pair = pd.concat([ref, d[d["group"] == g]])
        arm = (pair["group"] == g).to_numpy(int)
        c = time_to_event_columns(ep)
        yield g, pair[c.time].to_numpy(float), pair[c.event].to_numpy(int), arm


def _tau_days(d, ep, groups, reference, tau_months, per) -> tuple[float, str, float]:
    limits = [rmst_compare(t, e, a).tau_max for _, t, e, a in _pairs(d, ep, groups, reference)]
    if not limits:
        fail("analyses.rmst.endpoints", f"RMST of {ep!r} needs the reference group "
             f"{reference!r} and at least one other group with data", code="rmst_groups")
    limit = min(limits)
    if tau_months is None:
        return limit, "survRM2 default", limit
    tau = tau_months * per
    if tau > limit:
        fail("analyses.rmst.tau", f"tau = {tau_months:g} months is beyond the follow-up of "
             f"{ep!r}: survRM2 allows at most {limit / per:.2f} months (the largest time of an "
             "arm whose last observation is censored)",
             hint="lower tau, or leave it out to use survRM2's default", code="rmst_tau")
    return tau, "protocol", limit


def rmst_endpoint(data, groups, ep, label, reference, conv, tau_months) -> RmstEndpoint:
    per = conv.days_per_month
    c = time_to_event_columns(ep)
    d = data.dropna(subset=[c.time, c.event])
    tau, rule, limit = _tau_days(d, ep, groups, reference, tau_months, per)
    per_group, contrasts = {}, {}
    for g in groups:
        sub = d[d["group"] == g]
        if sub.empty:
            continue
        t, e = sub[c.time].to_numpy(float), sub[c.event].to_numpy(int)
        r = kaplan_meier(t, e).rmst(tau)
        z = _z(conv.conf_level)
        per_group[g] = RmstGroup(
            n=int(t.size), n_events=int(e.sum()), rmst=r.estimate / per,
            std_err=r.std_err / per, conf_low=(r.estimate - z * r.std_err) / per,
            conf_high=(r.estimate + z * r.std_err) / per,
        )
    for g, t, e, arm in _pairs(d, ep, groups, reference):
        res = rmst_compare(t, e, arm, tau=tau, conf_level=conv.conf_level)
        contrasts[g] = RmstContrast(difference=_contrast(res.difference, per),
                                    ratio=_contrast(res.ratio, 1.0))
    return RmstEndpoint(endpoint=ep, label=label, tau=tau / per, tau_rule=rule,
                        tau_max=limit / per, groups=per_group, contrasts=contrasts,
                        reference=reference, conf_level=conv.conf_level)


def _z(conf_level: float) -> float:
    return float(ndtri(1.0 - (1.0 - conf_level) / 2.0))


def run(settings, data: pd.DataFrame, ctx: Context) -> tuple[RmstEndpoint, ...]:
    """The registry's entry point: every endpoint of ``[analyses.rmst]`` (``settings``;
    default: the survival endpoints)."""
    names = (settings.endpoints if settings.endpoints is not None
             else [s.endpoint for s in ctx.analyses.survival])
    require_columns(data, [c for ep in names for c in tte_columns("analyses.rmst.endpoints", ep)])
    labels = ctx.endpoint_labels
    return tuple(
        rmst_endpoint(data, list(ctx.groups), ep, labels.get(ep, ep.upper()), ctx.reference,
                      ctx.conv, settings.tau)
        for ep in names
    )
