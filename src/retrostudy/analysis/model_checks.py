"""What a reviewer asks of each hazard ratio: its E-value (VanderWeele & Ding 2017) and the
proportional-hazards check of its Cox model (R's ``cox.zph``, transform ``"km"``).

PH check: the score test of each term and the global test of ``cox.zph(fit)`` (Grambsch &
Therneau 1994, as survival >= 3.0 computes it), with the scaled Schoenfeld residuals
against ``1 - KM(t-)`` for the figure (:func:`retrostudy.stats.cox_zph.zph_residuals`).

E-value: the hazard ratio is put on the risk-ratio scale from the observed proportion of
patients with the event in the model (``n_events / n``): above 15% the outcome is common and
the square-root transform ``RR = (1 - 0.5^sqrt(HR)) / (1 - 0.5^sqrt(1/HR))`` is used
(VanderWeele 2020), otherwise the HR is taken as the RR (rare-outcome approximation), as
R's ``EValue::evalues.HR(est, lo, hi, rare = ...)``. docs/statistics.md, "E-values".
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from retrostudy.analysis._stats import Level
from retrostudy.stats.cox_zph import CoxZPH, ZPHTerm, cox_zph, zph_residuals
from retrostudy.stats.evalue import RARE_THRESHOLD, EValue, evalue_hr


@dataclass(frozen=True, slots=True, kw_only=True)
class EValueOf:
    """The E-value of one hazard ratio (``level`` of ``variable`` vs its reference)."""

    variable: str
    level: Level
    event_proportion: float  # events / patients of the model: decides the conversion
    value: EValue

    @property
    def conversion(self) -> str:
        return "hr_as_rr" if self.value.rare_outcome else "sqrt_transform"

    def to_json(self) -> dict:
        v = self.value
        return {
            "variable": self.variable, "level": self.level,
            "hazard_ratio": v.hazard_ratio, "conf_low": v.conf_low, "conf_high": v.conf_high,
            "event_proportion": self.event_proportion, "rare_outcome": v.rare_outcome,
            "conversion": self.conversion, "risk_ratio": v.rr, "evalue": v.evalue,
            "evalue_ci": v.evalue_ci, "limit": v.limit, "assumption": v.assumption,
        }


def _finite(*values) -> bool:
    return all(v is not None and not math.isnan(v) and 0 < v < math.inf for v in values)


def evalue_of(variable: str, level, hr: float, low: float, high: float, n_events: int,
              n: int) -> EValueOf | None:
    """The E-value of a hazard ratio and its CI, or None when the HR is not estimable."""
    if not _finite(hr) or n <= 0:
        return None
    prop = n_events / n
    lims = (low, high) if _finite(low, high) else (None, None)
    value = evalue_hr(hr, *lims, rare_outcome=prop <= RARE_THRESHOLD)
    return EValueOf(variable=variable, level=level, event_proportion=prop, value=value)


def group_evalues(coefficients, n_events: int, n: int) -> tuple[EValueOf, ...]:
    """E-values of the group terms of a Cox model (one per non-reference group)."""
    out = (evalue_of(c.variable, c.level, c.hazard_ratio, c.conf_low, c.conf_high, n_events, n)
           for c in coefficients if c.variable == "group")
    return tuple(e for e in out if e is not None)



def _term_json(t: ZPHTerm) -> dict:
    return {"term": t.term, "chisq": t.chisq, "df": t.df, "p_value": t.p_value,
            "test": "cox_zph"}


@dataclass(frozen=True, slots=True, kw_only=True)
class PHCheck:
    """``cox.zph(fit, transform="km")`` of one Cox model and its residuals for the plot."""

    zph: CoxZPH
    columns: tuple[str, ...]  # one per coefficient: "variable" or "variable: level"
    x: np.ndarray  # transformed time of each event
    y: np.ndarray  # scaled Schoenfeld residuals, events x coefficients

    def to_json(self) -> dict:
        return {"transform": self.zph.transform, "test": "cox_zph",
                "terms": [_term_json(t) for t in self.zph.terms],
                "global_test": _term_json(self.zph.global_test)}


def ph_check(fit) -> PHCheck | None:
    """The PH check of a fitted :class:`~retrostudy.stats.CoxPH`; None without events or
    when the test's information matrix is singular (e.g. every event time tied: R's
    cox.zph fails there too)."""
    if fit.n_events == 0:
        return None
    try:
        return _ph_check(fit)
    except (np.linalg.LinAlgError, ValueError):
        return None


def _ph_check(fit) -> PHCheck:
    res = zph_residuals(fit, "km")
    cols = tuple(c.variable if c.level is None else f"{c.variable}: {c.level}"
                 for c in fit.coefficients)
    return PHCheck(zph=cox_zph(fit, "km"), columns=cols, x=res.x, y=res.y)
