"""Fine–Gray subdistribution hazard ratios of the competing-risks analysis, beside its
cause-specific Cox models: per cause, crude (group alone) and adjusted (the same covariates),
on the complete cases, with cmprsk's sandwich variance (``crr``; Wald CI and p of it).

A cause without events in a group makes the subdistribution hazard ratio 0 or infinite:
Newton-Raphson does not converge (or the information is singular); the model is kept with
every estimate NaN (NE) and the reason in ``not_estimable``.

Reference: Fine JP, Gray RJ. J Am Stat Assoc 1999;94:496-509. R: ``cmprsk::crr``.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np

from retrostudy.analysis._stats import HazardRatio, as_float
from retrostudy.analysis.competing_status import CAUSES
from retrostudy.analysis.cox import _column, _levels
from retrostudy.stats.finegray import fine_gray


@dataclass(frozen=True, slots=True, kw_only=True)
class FineGrayModel:
    name: str  # "unadjusted" | "adjusted"
    covariates: tuple[str, ...]
    n: int
    n_events: int  # events of the modelled cause
    n_competing: int
    coefficients: tuple[HazardRatio, ...]
    not_estimable: str | None = None

    def to_json(self) -> dict:
        return {"name": self.name, "covariates": list(self.covariates), "n": self.n,
                "n_events": self.n_events, "n_competing": self.n_competing,
                "coefficients": [c.to_json() for c in self.coefficients],
                "not_estimable": self.not_estimable,
                "method": "Fine-Gray subdistribution hazards (cmprsk::crr), sandwich variance"}


def _nan_rows(covariates, levels) -> tuple[HazardRatio, ...]:
    return tuple(
        HazardRatio(variable=cov, level=lv, hazard_ratio=math.nan, conf_low=math.nan,
                    conf_high=math.nan, p_value=math.nan, test="robust_wald")
        for cov in covariates for lv in (levels[cov][1:] if cov in levels else [None]))


def fit_finegray(d, name: str, covariates: list[str], cause: int, spec, reference: str,
                 conv) -> FineGrayModel:
    """One Fine–Gray model of ``cause`` on the rows of ``d`` complete in its columns
    (``cr_days``, ``cr_status``: 0 censored, 1 and 2 the causes)."""
    cc = d[["cr_days", "cr_status", *covariates]].dropna()
    status = cc["cr_status"].to_numpy(int)
    levels = _levels(cc, covariates, spec, reference)
    base = dict(name=name, covariates=tuple(covariates), n=len(cc),
                n_events=int((status == cause).sum()),
                n_competing=int(((status > 0) & (status != cause)).sum()))
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore", RuntimeWarning)
            fit = fine_gray(cc["cr_days"].to_numpy(float), status,
                            {c: _column(cc[c]) for c in covariates}, cause=cause, censor=0,
                            covariates=covariates, levels=levels, conf_level=conv.conf_level,
                            causes=list(CAUSES))
    except ValueError as exc:
        return FineGrayModel(**base, coefficients=_nan_rows(covariates, levels),
                             not_estimable=str(exc))
    if not fit.converged or not np.isfinite(fit.coef).all():
        return FineGrayModel(**base, coefficients=_nan_rows(covariates, levels),
                             not_estimable="; ".join(fit.warnings) or "did not converge")
    rows = tuple(
        HazardRatio(variable=c.variable, level=c.level, hazard_ratio=as_float(c.hazard_ratio),
                    conf_low=as_float(c.conf_low), conf_high=as_float(c.conf_high),
                    p_value=as_float(c.p_value), test="robust_wald")
        for c in fit.coefficients)
    return FineGrayModel(**base, coefficients=rows)


def finegray_models(d, adjust, spec, reference, conv) -> dict:
    """Per cause with events, the crude and (with ``adjust``) adjusted Fine–Gray models."""
    out = {}
    for c, cause in CAUSES.items():
        if not (d["cr_status"] == c).any():
            out[cause] = ()
            continue
        models = [fit_finegray(d, "unadjusted", ["group"], c, spec, reference, conv)]
        if adjust:
            models.append(fit_finegray(d, "adjusted", ["group", *adjust], c, spec, reference,
                                       conv))
        out[cause] = tuple(models)
    return out
