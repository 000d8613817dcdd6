r"""Rubin's rules: pool estimates from ``m`` multiply imputed datasets (R ``mice::pool``).

With per-imputation estimates :math:`\hat Q_k` and variances :math:`U_k` (the squared
standard errors; robust ones when the model's are robust), ``k = 1..m``:

.. math::
    \bar Q = \frac1m\sum_k \hat Q_k,\quad \bar U = \frac1m\sum_k U_k,\quad
    B = \frac{1}{m-1}\sum_k (\hat Q_k - \bar Q)^2,\quad T = \bar U + (1 + 1/m) B

    r = \frac{(1 + 1/m) B}{\bar U}\ \text{(relative increase in variance)},\quad
    \lambda = \frac{(1 + 1/m) B}{T},\quad
    \gamma = \frac{r + 2/(\nu + 3)}{r + 1}\ \text{(fraction of missing information)}

Degrees of freedom (Barnard & Rubin 1999), with :math:`\lambda` floored at 1e-4 and
:math:`\nu_{com}` the complete-data degrees of freedom:

.. math::
    \nu_{old} = \frac{m - 1}{\lambda^2},\quad
    \nu_{obs} = \frac{\nu_{com} + 1}{\nu_{com} + 3}\,\nu_{com}(1 - \lambda),\quad
    \nu = \frac{\nu_{old}\,\nu_{obs}}{\nu_{old} + \nu_{obs}}\ (\nu = \nu_{old}\text{ if }
    \nu_{com} = \infty)

Tests and intervals use Student's t on :math:`\nu`: :math:`\bar Q / \sqrt T` and
:math:`\bar Q \pm t_{\nu, 1-\alpha/2} \sqrt T`. The complete-data degrees of freedom follow
mice's choice: ``n - p`` for a regression with ``p`` coefficients including the intercept
(``glm``'s residual df), ``events - p`` for a Cox model, at least 1.

R equivalent: ``summary(pool(with(imp, coxph(...))), conf.int = TRUE)``; for one scalar
``pool.scalar(Q, U, n, k)``.

References
----------
Rubin DB (1987), Multiple Imputation for Nonresponse in Surveys, Wiley. Barnard J, Rubin DB
(1999), Biometrika 86:948-955. van Buuren S (2018), Flexible Imputation of Missing Data,
2nd ed., CRC, sections 2.3-2.4.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from scipy import stats as sps

from ._types import ArrayLike

if TYPE_CHECKING:
    from .cox import CoxPH
    from .propensity import LogisticFit


@dataclass(frozen=True, slots=True, kw_only=True)
class PooledTerm:
    """One parameter pooled over ``m`` imputations (columns of R's ``pool()$pooled`` and
    ``summary(pool(), conf.int=TRUE)``); ``estimate`` is on the model's scale (log HR, log OR)."""

    term: str
    m: int
    estimate: float
    ubar: float
    b: float
    t: float
    dfcom: float
    df: float
    riv: float
    lambda_: float
    fmi: float
    std_err: float
    statistic: float
    p_value: float
    conf_low: float
    conf_high: float
    conf_level: float


def barnard_rubin(m: int, b, t, dfcom: float):
    """Barnard-Rubin degrees of freedom (mice's ``barnard.rubin``), elementwise."""
    lam = np.maximum((1 + 1 / m) * np.asarray(b, float) / np.asarray(t, float), 1e-4)
    dfold = (m - 1) / lam**2
    if np.isinf(dfcom):
        return dfold
    dfobs = (dfcom + 1) / (dfcom + 3) * dfcom * (1 - lam)
    return dfold * dfobs / (dfold + dfobs)


def rubin_pool(estimates: ArrayLike, variances: ArrayLike, *, dfcom: float = np.inf,
               terms: Sequence[str] | None = None,
               conf_level: float = 0.95) -> tuple[PooledTerm, ...]:
    """Pool ``estimates`` and ``variances`` (arrays of shape (m,) or (m, p)) by Rubin's rules.

    ``dfcom`` is the complete-data degrees of freedom (``inf`` for large samples); see the
    module docstring for the formulas. Returns one :class:`PooledTerm` per column.
    """
    q = np.asarray(estimates, float)
    u = np.asarray(variances, float)
    if q.ndim == 1:
        q, u = q[:, None], u[:, None]
    if q.shape != u.shape or q.ndim != 2:
        raise ValueError(f"estimates {q.shape} and variances {u.shape} must have one shape "
                         "(imputations x terms)")
    m, p = q.shape
    if m < 2:
        raise ValueError(f"Rubin's rules need at least 2 imputations, got {m}")
    if not (np.isfinite(q).all() and np.isfinite(u).all() and (u >= 0).all()):
        raise ValueError("every estimate and variance must be finite (variances >= 0); "
                         "an imputation whose model did not converge cannot be pooled")
    if not 0 < conf_level < 1:
        raise ValueError(f"conf_level must be in (0, 1), got {conf_level}")
    dfcom = max(float(dfcom), 1.0)
    names = list(terms) if terms is not None else [f"x{j + 1}" for j in range(p)]
    if len(names) != p:
        raise ValueError(f"{len(names)} term names for {p} terms")
    qbar, ubar, b = q.mean(axis=0), u.mean(axis=0), q.var(axis=0, ddof=1)
    t = ubar + (1 + 1 / m) * b
    df = barnard_rubin(m, b, t, dfcom)
    with np.errstate(divide="ignore", invalid="ignore"):
        riv = (1 + 1 / m) * b / ubar
    lam = (1 + 1 / m) * b / t
    fmi = (riv + 2 / (df + 3)) / (riv + 1)
    se = np.sqrt(t)
    stat = qbar / se
    pval = 2 * sps.t.sf(np.abs(stat), df)
    half = sps.t.ppf(0.5 + conf_level / 2, df) * se
    return tuple(PooledTerm(
        term=names[j], m=m, estimate=float(qbar[j]), ubar=float(ubar[j]), b=float(b[j]),
        t=float(t[j]), dfcom=dfcom, df=float(df[j]), riv=float(riv[j]),
        lambda_=float(lam[j]), fmi=float(fmi[j]), std_err=float(se[j]),
        statistic=float(stat[j]), p_value=float(pval[j]), conf_low=float(qbar[j] - half[j]),
        conf_high=float(qbar[j] + half[j]), conf_level=conf_level) for j in range(p))


def pool_cox(fits: Iterable[CoxPH]) -> tuple[PooledTerm, ...]:
    """Pool :class:`~retrostudy.stats.CoxPH` fits of one model on each completed dataset.

    Uses the robust variance when the fits are robust (as mice), and ``dfcom = events - p``.
    """
    fits = list(fits)
    _same_terms([[c.name for c in f.coefficients] for f in fits])
    q = np.array([f.coef for f in fits])
    u = np.array([[(c.robust_std_err if c.robust_std_err is not None else c.std_err) ** 2
                   for c in f.coefficients] for f in fits])
    dfcom = max(fits[0].n_events - q.shape[1], 1)
    return rubin_pool(q, u, dfcom=dfcom, terms=[c.name for c in fits[0].coefficients],
                      conf_level=fits[0].conf_level)


def pool_logistic(fits: Iterable[LogisticFit], conf_level: float = 0.95) -> tuple[PooledTerm, ...]:
    """Pool :class:`~retrostudy.stats.LogisticFit` fits (``dfcom = n - p``, glm's residual df)."""
    fits = list(fits)
    _same_terms([list(f.names) for f in fits])
    q = np.array([f.coef for f in fits])
    u = np.array([f.std_err**2 for f in fits])
    dfcom = max(fits[0].fitted.size - q.shape[1], 1)
    return rubin_pool(q, u, dfcom=dfcom, terms=list(fits[0].names), conf_level=conf_level)


def _same_terms(names: list[list[str]]) -> None:
    if len(names) < 2:
        raise ValueError(f"Rubin's rules need at least 2 fits, got {len(names)}")
    for k, n in enumerate(names[1:], start=2):
        if n != names[0]:
            raise ValueError(f"imputation {k} has terms {n}, imputation 1 has {names[0]}: "
                             "a factor level absent from one completed dataset; fix levels")
