"""The one place the adjusted comparison calls :mod:`retrostudy.stats`.

Propensity score, weights, matching and balance (retrostudy.stats.propensity, .matching,
.balance); weighted Kaplan–Meier and Cox from the survival
functions. A change in a stats signature is absorbed here.
"""

from __future__ import annotations

import math

import numpy as np

from retrostudy.analysis._stats import Conventions, as_float, cox
from retrostudy.analysis.adjusted_types import GroupHazardRatio
from retrostudy.stats import (
    balance_table,
    kaplan_meier,
    match_nearest,
    propensity_score,
    ps_weights,
)


def propensity(X, treated, names, firth):
    return propensity_score(
        np.asarray(X, float), np.asarray(treated, bool), names=list(names), firth=firth
    )


def iptw(ps, treated, block):
    return ps_weights(
        np.asarray(ps, float),
        np.asarray(treated, bool),
        estimand=block.estimand,
        stabilized=block.stabilized,
        trim=None if block.trim is None else tuple(block.trim),
        truncate=block.truncate,
    )


def matching(logit, treated, block):
    return match_nearest(
        np.asarray(logit, float),
        np.asarray(treated, bool),
        caliper=block.caliper or None,  # 0 = no caliper
        replace=block.replace,
        order=block.order,
        seed=block.seed,
    )


def balance_sd(block) -> str:
    """The SMD denominator of ``block`` (``balance_sd``): "pooled", "treated" or "control";
    for "estimand" cobalt's default: treated for the ATT, control for the ATC, else pooled."""
    if block.balance_sd != "estimand":
        return block.balance_sd
    return {"ATT": "treated", "ATC": "control"}.get(block.estimand, "pooled")


def balance(design, weights, block, estimand: str | None = None):
    return balance_table(
        design.X,
        design.treated,
        names=list(design.names),
        weights=None if weights is None else np.asarray(weights, float),
        binary=list(design.binary),
        threshold=block.threshold,
        estimand=estimand or block.estimand,
        sd_denom=balance_sd(block),
    )


def effective_n(weights) -> float:
    """Kish's effective sample size ``(sum w)^2 / sum w^2`` (0 when every weight is 0)."""
    w = np.asarray(weights, float)
    s2 = float(np.sum(w * w))
    return float(np.sum(w)) ** 2 / s2 if s2 > 0 else 0.0


def km(time, event, weights, conv: Conventions):
    return kaplan_meier(
        np.asarray(time, float),
        np.asarray(event, int),
        weights=None if weights is None else np.asarray(weights, float),
        conf_type=conv.conf_type,
        conf_level=conv.conf_level,
    )


def cox_group(frame: dict, levels: list[str], conv: Conventions, *, weighted: bool, cluster: bool):
    """Cox model of the group alone; weighted fits use the robust (sandwich) variance,
    clustered on ``frame["cluster"]`` when ``cluster`` (R: ``coxph(..., weights=w,
    robust=TRUE)`` / ``cluster=pair``)."""
    return cox(
        frame,
        covariates=["group"],
        levels={"group": levels},
        conv=conv,
        weights="w" if weighted else None,
        robust=True if weighted else None,
        cluster="cluster" if cluster else None,
    )


def hr_record(fit, not_estimable: str | None = None) -> GroupHazardRatio:
    """The group's hazard ratio; NaN (shown as NE) under a monotone likelihood, or without
    a fit (``fit`` None: ``not_estimable`` says why, e.g. no events in the sample)."""
    if fit is None:
        nan = math.nan
        return GroupHazardRatio(level=None, coef=nan, std_err=nan, robust_std_err=nan,
                                hazard_ratio=nan, conf_low=nan, conf_high=nan, p_value=nan,
                                test=None, variance=None, monotone=False,
                                not_estimable=not_estimable)
    c = fit.coefficients[0]
    ok = not fit.monotone
    return GroupHazardRatio(
        level=str(c.level),
        coef=as_float(c.coef) if ok else math.nan,
        std_err=as_float(c.std_err) if ok else math.nan,
        robust_std_err=as_float(c.robust_std_err) if ok else math.nan,
        hazard_ratio=as_float(c.hazard_ratio) if ok else math.nan,
        conf_low=as_float(c.conf_low) if ok else math.nan,
        conf_high=as_float(c.conf_high) if ok else math.nan,
        p_value=as_float(c.p_value) if ok else math.nan,
        # the Wald p of the same variance as the CI (robust for IPTW and matching)
        test="robust_wald" if c.robust_std_err is not None else "wald",
        variance=fit.variance,
        monotone=bool(fit.monotone),
        not_estimable=None,
    )
