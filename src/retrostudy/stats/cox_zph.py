"""Test of the proportional-hazards assumption, as R's ``cox.zph`` (survival >= 3.0).

Since 2019 R computes an exact score test instead of the older Grambsch-Therneau
approximation (lifelines still uses the old one, so it differs). For the fitted Cox model
with coefficients ``b`` add the time-varying terms ``x * g(t)`` with coefficients ``c`` and
test ``c = 0`` by the score test at ``(b, 0)``:

    ``U_c = sum_terms (W/d) g(t) (x_i - m_k)``, ``I = [[sum V, sum g V], [sum g V, sum g^2 V]]``

where the sums run over Efron's (or Breslow's) terms at each death time with their means
``m_k`` and covariance matrices ``V_k``, and ``g(t) = transform(t) - mean over deaths``.
Term ``j``'s statistic is ``u' I[kk, kk]^-1 u`` with ``u = (0, U_c[j])`` and ``kk`` all of
``b`` plus the term's ``c`` columns (a factor is one term with k-1 df); GLOBAL uses all
columns. Transforms: ``"km"`` = ``1 - S(t-)`` with ``S`` the Kaplan-Meier of all rows,
unweighted and unstratified; ``"identity"``; ``"rank"`` (average ranks of the times);
``"log"``. With ``ties="exact"`` R uses Breslow-type means here, and so do we.

R: ``cox.zph(fit, transform="km")``, ``therneau/survival : R/cox.zph.R``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from scipy import stats as sps

from ._cox_fit import evaluate, reverse_group_cumsum, weighted_gram

if TYPE_CHECKING:  # cox.py imports this module
    from .cox import CoxPH

TRANSFORMS = ("km", "identity", "rank", "log")


@dataclass(frozen=True, slots=True, kw_only=True)
class ZPHTerm:
    """Score test of proportional hazards for one model term (or ``"GLOBAL"``)."""

    term: str
    chisq: float
    df: int
    p_value: float


@dataclass(frozen=True, slots=True, kw_only=True)
class CoxZPH:
    """R's ``cox.zph(fit, transform)$table``: ``terms`` then the ``global_test``."""

    terms: tuple[ZPHTerm, ...]
    global_test: ZPHTerm
    transform: str


def _km_transform(time: np.ndarray, event: np.ndarray) -> np.ndarray:
    """``1 - S(t-)`` at each time, S the unweighted, unstratified Kaplan-Meier."""
    ut, inv = np.unique(time, return_inverse=True)
    deaths = np.bincount(inv, weights=event.astype(float), minlength=ut.size)
    count = np.bincount(inv, minlength=ut.size)
    at_risk = count[::-1].cumsum()[::-1]
    surv = np.cumprod(1.0 - deaths / at_risk)
    before = np.concatenate(([1.0], surv[:-1]))  # S just before each distinct time
    return 1.0 - before[inv]


def transform_times(time: np.ndarray, event: np.ndarray, transform: str) -> np.ndarray:
    if transform == "km":
        return _km_transform(time, event)
    if transform == "identity":
        return time.astype(float)
    if transform == "rank":
        return sps.rankdata(time)
    if transform == "log":
        if (time <= 0).any():
            raise ValueError("transform='log' needs all times > 0")
        return np.log(time)
    raise ValueError(f"transform must be one of {TRANSFORMS}, got {transform!r}")


def _blocks(sd, terms, g_term):
    """``sum_terms (W/d) g^a V_k`` for a = 0, 1, 2 and the score of the ``x g(t)`` terms."""
    dg, frac, ngroups = sd.dgroup, sd.frac, sd.starts.size
    out = []
    for power in range(3):
        mult = terms.wtave * g_term**power
        a = np.bincount(dg, weights=mult / terms.den, minlength=ngroups)
        b = np.bincount(dg, weights=mult * frac / terms.den, minlength=ngroups)
        coef = reverse_group_cumsum(a, sd)[sd.group] * terms.risk
        coef[sd.dead] -= b[dg] * terms.risk[sd.dead]
        out.append(weighted_gram(sd.x, coef) - (terms.mean * mult[:, None]).T @ terms.mean)
    xd = sd.x[sd.dead]
    u2 = (sd.w[sd.dead] * g_term) @ xd - (terms.wtave * g_term) @ terms.mean
    return out, u2


def cox_zph(fit: CoxPH, transform: str = "km") -> CoxZPH:
    """Per-term and global score tests of proportional hazards for a fitted :class:`CoxPH`.

    Parameters
    ----------
    fit : CoxPH
        A model from :func:`retrostudy.stats.cox_ph` (not Firth).
    transform : {"km", "identity", "rank", "log"}
        Time scale ``g(t)`` of the interaction; R's default is ``"km"``.

    Returns
    -------
    CoxZPH
        ``chisq``, ``df`` and ``p_value`` per term and ``GLOBAL``, as
        ``cox.zph(fit, transform)$table`` in R's survival 3.5-3.
    """
    if transform not in TRANSFORMS:
        raise ValueError(f"transform must be one of {TRANSFORMS}, got {transform!r}")
    state = fit._state
    if state is None:  # only a CoxPH built by hand, not by cox_ph, lacks its data
        raise ValueError("cox_zph needs the data of the fit (a CoxPH from cox_ph)")
    sd = state.sd
    if sd.egroup is not None:
        raise ValueError("cox_zph is not available for a model fitted with entry (delayed "
                         "entry / counting-process rows)")
    if fit.ties != "efron":
        sd = dataclasses.replace(sd, frac=np.zeros_like(sd.frac))
    ttimes = transform_times(state.time, sd.event, transform)
    gtime = ttimes - ttimes[sd.event].mean()
    terms = evaluate(fit.coef, sd, info=False, keep=True)
    (i0, i1, i2), u2 = _blocks(sd, terms, gtime[sd.dead])
    p = fit.coef.size
    imat = np.block([[i0, i1], [i1, i2]])
    u = np.concatenate([np.zeros(p), u2])

    def test(cols):
        kk = np.concatenate([np.arange(p), p + np.asarray(cols)])
        uu = u[kk]
        return float(uu @ np.linalg.solve(imat[np.ix_(kk, kk)], uu))

    rows = []
    for name, cols in state.design.terms:
        stat = test(cols)
        rows.append(ZPHTerm(term=name, chisq=stat, df=len(cols),
                            p_value=float(sps.chi2.sf(stat, len(cols)))))
    stat = float(u @ np.linalg.solve(imat, u))
    glob = ZPHTerm(term="GLOBAL", chisq=stat, df=p, p_value=float(sps.chi2.sf(stat, p)))
    return CoxZPH(terms=tuple(rows), global_test=glob, transform=transform)


@dataclass(frozen=True, slots=True, kw_only=True)
class ZPHResiduals:
    """R's ``cox.zph(fit, transform)$x`` and ``$y``: the transformed time of each death
    (``x``) and its scaled Schoenfeld residuals (``y``, one column per coefficient)."""

    x: np.ndarray
    y: np.ndarray
    transform: str


def zph_residuals(fit: CoxPH, transform: str = "km") -> ZPHResiduals:
    """Scaled Schoenfeld residuals for a plot of ``beta(t)`` (Grambsch & Therneau 1994).

    For death ``i`` with covariates ``x_i`` and risk-set mean ``m_i`` (for tied deaths the
    average of their Efron means, Breslow's mean otherwise) the Schoenfeld residual is
    ``r_i = x_i - m_i``; scaled, ``y_i = beta + d * V r_i`` with ``d`` the number of deaths
    and ``V`` the model variance, as ``cox.zph``'s ``y``. Their smoothed mean against ``x``
    estimates ``beta(t)``; a flat line is consistent with proportional hazards.
    """
    if transform not in TRANSFORMS:
        raise ValueError(f"transform must be one of {TRANSFORMS}, got {transform!r}")
    state = fit._state
    if state is None or state.sd.egroup is not None:
        raise ValueError("zph_residuals needs the data of a fit without entry (from cox_ph)")
    sd = state.sd
    if fit.ties != "efron":
        sd = dataclasses.replace(sd, frac=np.zeros_like(sd.frac))
    ttimes = transform_times(state.time, sd.event, transform)
    terms = evaluate(fit.coef, sd, info=False, keep=True)
    if terms.mean is None:  # keep=True always keeps the risk-set means
        raise RuntimeError("the Cox evaluation kept no risk-set means")
    # tied deaths share the average of their means (R's Schoenfeld residuals)
    dg = sd.dgroup
    count = np.bincount(dg, minlength=sd.starts.size)[dg][:, None]
    mean = np.stack([np.bincount(dg, weights=terms.mean[:, j], minlength=sd.starts.size)[dg]
                     for j in range(terms.mean.shape[1])], axis=1) / count
    resid = sd.x[sd.dead] - mean
    y = resid @ fit.var * resid.shape[0] + fit.coef
    return ZPHResiduals(x=ttimes[sd.dead], y=y, transform=transform)
