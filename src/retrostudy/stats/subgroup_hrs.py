"""The treatment hazard ratio within each subgroup level: the forest plot's rows.

R equivalent (survival 3.5)::

    coxph(Surv(time, event) ~ trt + covariates, subset = sub == level)

Each level gets its own Cox model (:func:`retrostudy.stats.cox_ph`); the test of effect
modification is :func:`retrostudy.stats.interaction_test`, not these per-level p-values
(Wang R et al. N Engl J Med 2007;357:2189-2194).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from retrostudy.stats import _checks
from retrostudy.stats._cox_design import label
from retrostudy.stats._types import ArrayLike, Columns, Levels
from retrostudy.stats.cox import TIES
from retrostudy.stats.subgroups import _EVENT, _extra_columns, _fit, _inputs, _sub_levels

__all__ = ["SubgroupHR", "subgroup_hazard_ratios"]


@dataclass(frozen=True, slots=True, kw_only=True)
class SubgroupHR:
    """The treatment hazard ratio within one subgroup level (one row per treatment column).

    ``term`` is the treatment column (``treatment=level`` or the numeric treatment's name).
    ``n_by_arm``/``events_by_arm`` follow ``arms`` (the treatment levels; empty for a numeric
    treatment). ``estimable`` is False (and HR, CI, p NaN: print "NE") when an arm of the level
    has no patients or no events, or the fit's likelihood is monotone or it did not converge
    (R: "Ran out of iterations"); ``warning`` says why.
    """

    level: object
    term: str
    n: int
    n_events: int
    arms: tuple
    n_by_arm: tuple[int, ...]
    events_by_arm: tuple[int, ...]
    coef: float
    std_err: float
    hazard_ratio: float
    conf_low: float
    conf_high: float
    p_value: float
    conf_level: float
    estimable: bool
    warning: str | None
    dropped: tuple[str, ...]


def _arms(values: np.ndarray, levels: dict, name: str) -> list | None:
    """Treatment levels when categorical (as cox_ph codes it), None when numeric."""
    if name in levels:
        return list(levels[name])
    if values.dtype.kind in "OUSb":
        if values.dtype.kind == "b":
            return [False, True]
        return sorted(set(values.tolist()), key=lambda v: (str(type(v)), v))
    return None


def _level_covariates(data, rows, covs, levels):
    """Covariates of one subgroup level, without those constant there (R: NA coefficient)."""
    kept, dropped, lv = [], [], {}
    for k in covs:
        vals = data[k][rows]
        present = set(vals.tolist())
        if len(present) < 2:
            dropped.append(k)
            continue
        kept.append(k)
        if k in levels:
            lv[k] = [v for v in levels[k] if v in present]
    return kept, dropped, lv


def _ne_reason(arms, tvals, evals, name):
    """Why the treatment effect is not estimable in this level before fitting, or None."""
    if arms is None:
        return None if len(set(tvals.tolist())) > 1 else f"{name} is constant in this level"
    for a in arms:
        hit = tvals == a
        if not hit.any():
            return f"no patients with {name}={a} in this level"
        if not evals[hit].any():
            return f"no events with {name}={a} in this level (monotone likelihood)"
    return None


def subgroup_hazard_ratios(time: ArrayLike, event: ArrayLike, treatment: ArrayLike,
                           subgroup: ArrayLike, *, covariates: Columns | None = None,
                           ties: str = "efron", strata: ArrayLike | None = None,
                           weights: ArrayLike | None = None, conf_level: float = 0.95,
                           levels: Levels | None = None, treatment_name: str = "treatment",
                           subgroup_name: str = "subgroup") -> tuple[SubgroupHR, ...]:
    """Treatment hazard ratio from a Cox model within each subgroup level (forest-plot rows).

    Same arguments as :func:`interaction_test`; ``conf_level`` is that of the Wald CI.
    Covariates constant within a level are left out of that level's model (R gives them an
    NA coefficient) and listed in ``dropped``. A level where an arm has no patients or no
    events, whose fit is monotone or did not converge, gets a NE row with the reason in
    ``warning``. R: ``coxph(Surv(time, event) ~ trt + covariates, subset = sub == level)``.
    """
    if ties not in TIES:
        raise ValueError(f"ties must be one of {TIES}, got {ties!r}")
    conf_level = _checks.check_conf_level(conf_level)
    data = _inputs(time, event, treatment, subgroup, covariates, (treatment_name, subgroup_name))
    levels = dict(levels or {})
    sub_lv = _sub_levels(data[subgroup_name], levels.get(subgroup_name), subgroup_name)
    arms = _arms(data[treatment_name], levels, treatment_name)
    if arms is not None and len(arms) < 2:
        raise ValueError(f"treatment {treatment_name!r} has a single level ({arms[0]!r})")
    terms = ([label(treatment_name, a) for a in arms[1:]] if arms is not None
             else [treatment_name])
    spec = dict(extra=_extra_columns(data, strata, weights), ties=ties, conf_level=conf_level,
                arms=arms, levels=levels, names=(treatment_name, subgroup_name),
                covariates=list(dict(covariates or {})))
    return tuple(row for lv in sub_lv for row in _level_rows(data, lv, terms, spec))


def _level_rows(data, lv, terms, spec) -> list[SubgroupHR]:
    """The rows (one per treatment column) of one subgroup level."""
    tname, sname = spec["names"]
    arms = spec["arms"]
    rows = data[sname] == lv
    sub = {k: v[rows] for k, v in data.items()}
    tv, ev = sub[tname], sub[_EVENT]
    base = dict(level=lv, n=int(rows.sum()), n_events=int(ev.sum()), arms=tuple(arms or ()),
                n_by_arm=tuple(int((tv == a).sum()) for a in arms or ()),
                events_by_arm=tuple(int(ev[tv == a].sum()) for a in arms or ()),
                conf_level=spec["conf_level"])
    kept, dropped, lvmap = _level_covariates(data, rows, spec["covariates"], spec["levels"])
    reason = _ne_reason(arms, tv, ev, tname)
    fit = None
    if reason is None:
        if arms is not None:
            lvmap[tname] = arms
        try:
            fit, notes = _fit(sub, [tname, *kept], lvmap, ties=spec["ties"],
                              conf_level=spec["conf_level"], **spec["extra"])
        except ValueError as exc:  # e.g. collinear covariates within this level
            reason = str(exc)
        else:
            if fit.monotone or not fit.converged:
                reason = "; ".join(notes)
    nan = float("nan")
    out = []
    for i, term in enumerate(terms):
        c = None if reason is not None or fit is None else fit.coefficients[i]
        out.append(SubgroupHR(
            **base, term=term, coef=nan if c is None else c.coef,
            std_err=nan if c is None else c.std_err,
            hazard_ratio=nan if c is None else c.hazard_ratio,
            conf_low=nan if c is None else c.conf_low,
            conf_high=nan if c is None else c.conf_high,
            p_value=nan if c is None else c.p_value, estimable=c is not None,
            warning=None if reason is None else f"{sname}={lv}: {reason}",
            dropped=tuple(dropped)))
    return out
