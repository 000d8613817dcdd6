"""Pieces of the Cox result shared by the ML and Firth fits (and the Fine-Gray model): the
chi-square tests, the per-coefficient rows (Wald z, p and CI) and the diagnosis of a
monotone likelihood.

Wald interval ``exp(b +- z_{1-a/2} se)``, ``z = b / se``, two-sided normal p-value;
Wald test ``b' V^-1 b`` on p degrees of freedom (Therneau & Grambsch 2000, sec. 3.4).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats as sps

from ._cox_design import Design, label
from ._cox_fit import Fit
from ._cox_ties import Sorted

EPS, TOLER_INF = 1e-9, 1e-9**0.5  # R's coxph.control(eps, toler.inf)


@dataclass(frozen=True, slots=True, kw_only=True)
class Test:
    """A chi-square test: ``statistic`` on ``df`` degrees of freedom."""

    statistic: float
    df: int
    p_value: float


@dataclass(frozen=True, slots=True, kw_only=True)
class CoxCoefficient:
    """One model column: a numeric covariate, or one non-reference level of a factor.

    ``std_err`` is the model-based SE (R's ``se(coef)``); ``robust_std_err`` the sandwich SE
    (``robust se``) or None. ``z``, ``p_value`` and the Wald CI use the robust SE when the
    model's variance is robust, as ``summary(coxph)`` does. With ``firth=True`` the CI and
    p-value are the profile penalised-likelihood ones (as R's ``coxphf``).
    """

    variable: str
    level: object | None
    coef: float
    std_err: float
    robust_std_err: float | None
    hazard_ratio: float
    conf_low: float
    conf_high: float
    z: float
    p_value: float

    @property
    def name(self) -> str:
        """R-style label: ``variable`` or ``variable=level``."""
        return label(self.variable, self.level)


def chi2_test(stat: float, df: int) -> Test:
    return Test(statistic=float(stat), df=int(df), p_value=float(sps.chi2.sf(stat, df)))


def monotone_reasons(fit: Fit, design: Design, sd: Sorted) -> list[str]:
    """Why the partial likelihood looks monotone (an infinite coefficient), if it does.

    Three signs: R's ``coxph.fit`` check ``|U V| > eps`` and ``> toler.inf |b|`` after
    convergence (the likelihood converged while a coefficient still moves), no convergence
    within R's 20 iterations with a coefficient beyond 10 in absolute value (R: "Ran out of
    iterations and did not converge"), and from the data a 0/1 column whose 1-rows (or 0-rows)
    contain no event while at risk at some event time.
    """
    names = [label(v, lv) for v, lv in zip(design.variables, design.levels, strict=True)]
    flagged: dict[int, str] = {}
    step = np.abs(fit.u @ fit.var)
    if fit.converged:
        bad = ~np.isfinite(fit.u) | ((step > EPS) & (step > TOLER_INF * np.abs(fit.beta)))
        for j in np.flatnonzero(bad).tolist():
            flagged[j] = "the log-likelihood converged while the coefficient was still moving"
    else:  # R warns "Ran out of iterations and did not converge" (e.g. one patient a group)
        for j in np.flatnonzero((np.abs(fit.beta) > 10) | ~np.isfinite(step)).tolist():
            flagged[j] = "no convergence with a diverging coefficient"
    for j in range(sd.x.shape[1]):
        col = sd.x[:, j]
        if np.unique(col[:64]).size > 2:  # three values already: not a 0/1 column
            continue
        lo, hi = col.min(), col.max()
        top = col == hi
        if not (top | (col == lo)).all():  # not a two-valued (0/1) column: no sort needed
            continue
        for rows, label_ in ((top, "1"), (~top, "0")):
            if not sd.event[rows].any():
                flagged.setdefault(j, f"no events in the rows where {names[j]} is {label_}")
    return [f"monotone likelihood: coefficient of {names[j]!r} may be infinite ({why}); "
            f"the hazard ratio is not estimable, consider firth=True"
            for j, why in sorted(flagged.items())]


def coefficient_rows(design, beta, naive_var, var, robust, conf_level, low=None, high=None,
                     pvals=None) -> tuple[CoxCoefficient, ...]:
    with np.errstate(over="ignore"):  # an infinite limit is the honest answer (monotone case)
        return _coefficient_rows(design, beta, naive_var, var, robust, conf_level, low, high,
                                 pvals)


def _coefficient_rows(design, beta, naive_var, var, robust, conf_level, low, high, pvals):
    z_crit = sps.norm.isf((1 - conf_level) / 2)
    with np.errstate(invalid="ignore"):  # a negative variance (rounding, degenerate fit): NaN
        se = np.sqrt(np.diag(naive_var))
        se_used = np.sqrt(np.diag(var))
    rows = []
    for j, (v, lv) in enumerate(zip(design.variables, design.levels, strict=True)):
        # se 0 in a monotone fit: z = inf, as R gives
        with np.errstate(divide="ignore", invalid="ignore"):
            z = np.float64(beta[j]) / se_used[j]
        rows.append(CoxCoefficient(
            variable=v, level=lv, coef=float(beta[j]), std_err=float(se[j]),
            robust_std_err=float(se_used[j]) if robust else None,
            hazard_ratio=float(np.exp(beta[j])),
            conf_low=float(np.exp(beta[j] - z_crit * se_used[j]) if low is None else low[j]),
            conf_high=float(np.exp(beta[j] + z_crit * se_used[j]) if high is None else high[j]),
            z=float(z), p_value=float(2 * sps.norm.sf(abs(z)) if pvals is None else pvals[j])))
    return tuple(rows)


def wald_statistic(var: np.ndarray, beta: np.ndarray) -> float:
    """beta' var^-1 beta; a singular variance (a diverged, monotone fit) gives inf, as R."""
    if not np.isfinite(var).all():
        return np.nan
    try:
        return float(beta @ np.linalg.solve(var, beta))
    except np.linalg.LinAlgError:
        return np.inf
